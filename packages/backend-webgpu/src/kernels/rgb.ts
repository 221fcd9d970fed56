/**
 * WGSL GenDR/SoftRas soft colour image (`aggr_rgb_func='softmax'`; Liu et al., "Soft Rasterizer", ICCV
 * 2019; Petersen et al., "GenDR: A Generalized Differentiable Renderer", CVPR 2022), forward and
 * backward, the same numbers as `@relax/render`'s CPU kernel (kernels/rgb.ts). One invocation per pixel
 * over all faces in index order, with the silhouette kernel's fragments s_f (silhouette.ts: same
 * distributions, culling and pixel conventions): back faces skipped unless double-sided, barycentrics
 * clipped to [0, 1] and renormalised (sum ≥ 1e-5), perspective-correct depth z_p = 1/Σ(w_k/z_k), faces
 * outside [near, far] skipped, z̃ = (far − z_p)/(far − near), and
 * rgb = (bg·e^{ε/γ} + Σ s_f e^{z̃_f/γ} c_f)/(e^{ε/γ} + Σ s_f e^{z̃_f/γ}) with c_f = Σ_k w_k·colour_k.
 *
 * The softmax runs online in one pass (running maximum, rescaling the sums when it grows). Logit
 * differences between two faces are evaluated as (z_p,ref − z_p,f)/((far − near)·γ) rather than as
 * (z̃_f − z̃_ref)/γ: in float32 the latter amplifies the rounding of z̃ by 1/γ (1e3 at GenDR's default),
 * the former only the rounding of z_p, which keeps the weights within ~1e-6 of the float64 CPU kernel.
 *
 * Backward (GenDR/SoftRas analytic convention, as the CPU kernel): replays the pixel's softmax, then
 * adds the exact colour gradient ∂rgb/∂colour_{f,k} = (s_f e_f/Z)·w_k and the coverage term
 * ∂rgb/∂s_f = e_f(c_f − rgb)/Z, propagated to the nearest edge's x, y through ∂s/∂x, with float atomics
 * into one [2, B, F, 3, 3] buffer that two copies split into dfaces and dcolors.
 */
import type { KernelConfig, TensorInfo } from "@tensorflow/tfjs-core";
import type { WebGPUBackend } from "@tensorflow/tfjs-backend-webgpu";
import { RelaxRasterizeRgb, RelaxRasterizeRgbGrad, type RelaxRasterizeRgbAttrs } from "@relax/core";
import { elementwiseProgram, f32, i32, release, run, type Uniform, withFloatStorage } from "../program.js";
import { rasterBins } from "./raster_cull.js";
import { fragmentWgsl } from "./raster_fragment.js";
import { SCATTER_WGSL, zeroProgram } from "./raster_scatter.js";
import { check } from "./raster_support.js";
import { UNIFORMS, uniformsOf } from "./raster_uniforms.js";

const RGB_UNIFORMS = `${UNIFORMS}near : f32, far : f32, invRange : f32, invGamma : f32, invRangeGamma : f32, eps : f32, doubleSide : i32, bg0 : f32, bg1 : f32, bg2 : f32, `;

/**
 * Colour fragment of face f: the coverage fragment (s < 0: none) plus culling, clipped barycentrics,
 * perspective-correct depth and interpolated colour; `ok` is false when the face does not contribute.
 * `softmax` carries the running reference (the background, or the nearest face's z_p) and returns the
 * logit difference d = (z̃_f − z̃_ref)/γ of a fragment to it.
 */
const RGB_WGSL = /* wgsl */ `
struct CFrag { ok : bool, fr : Frag, w : vec3<f32>, zp : f32, c : vec3<f32> };

fn colorFragment(bi : i32, f : i32, px : f32, py : f32) -> CFrag {
  var cf : CFrag;
  cf.ok = false;
  cf.fr = fragment(bi, f, px, py);
  if (cf.fr.s < 0.0) { return cf; }
  let o = (bi * uniforms.F + f) * 9;
  let x0 = faces[o]; let y0 = faces[o + 1]; let z0 = faces[o + 2];
  let x1 = faces[o + 3]; let y1 = faces[o + 4]; let z1 = faces[o + 5];
  let x2 = faces[o + 6]; let y2 = faces[o + 7]; let z2 = faces[o + 8];
  if (uniforms.doubleSide == 0 && !((y2 - y0) * (x1 - x0) < (y1 - y0) * (x2 - x0))) { return cf; }
  var w = clamp(vec3<f32>(cf.fr.w0, cf.fr.w1, cf.fr.w2), vec3<f32>(0.0), vec3<f32>(1.0));
  w = w / max(w.x + w.y + w.z, 1e-5);
  let zp = 1.0 / (w.x / z0 + w.y / z1 + w.z / z2);
  if (!(zp >= uniforms.near && zp <= uniforms.far) || isnan(zp) || isinf(zp)) { return cf; }
  cf.ok = true;
  cf.w = w;
  cf.zp = zp;
  let c0 = vec3<f32>(colors[o], colors[o + 1], colors[o + 2]);
  let c1 = vec3<f32>(colors[o + 3], colors[o + 4], colors[o + 5]);
  let c2 = vec3<f32>(colors[o + 6], colors[o + 7], colors[o + 8]);
  cf.c = w.x * c0 + w.y * c1 + w.z * c2;
  return cf;
}

/** (z̃_f − z̃_ref)/γ for a fragment at depth zp; the reference is the background logit ε/γ or the face at zpRef. */
fn logitDiff(zp : f32, refBg : bool, zpRef : f32) -> f32 {
  if (refBg) { return ((uniforms.far - zp) * uniforms.invRange - uniforms.eps) * uniforms.invGamma; }
  return (zpRef - zp) * uniforms.invRangeGamma;
}

struct Softmax { refBg : bool, zpRef : f32, Z : f32, c : vec3<f32> };

/** The pixel's soft z-buffer: reference, normaliser Z and unnormalised colour (both relative to the reference). */
fn softmax(bi : i32, tile : i32, px : f32, py : f32) -> Softmax {
  var sm : Softmax;
  sm.refBg = true;
  sm.zpRef = 0.0;
  sm.Z = 1.0;
  sm.c = vec3<f32>(uniforms.bg0, uniforms.bg1, uniforms.bg2);
  let nf = faceCount(tile);
  for (var q = 0; q < nf; q++) {
    let cf = colorFragment(bi, faceAt(tile, q), px, py);
    if (!cf.ok) { continue; }
    var d = logitDiff(cf.zp, sm.refBg, sm.zpRef);
    if (d > 0.0) {
      let r = exp(-d);
      sm.Z = sm.Z * r;
      sm.c = sm.c * r;
      sm.refBg = false;
      sm.zpRef = cf.zp;
      d = 0.0;
    }
    let e = cf.fr.s * exp(d);
    sm.Z = sm.Z + e;
    sm.c = sm.c + e * cf.c;
  }
  return sm;
}

fn pixelOf(index : i32) -> vec3<i32> {
  let S = uniforms.S;
  let bi = index / (S * S);
  let rem = index - bi * S * S;
  let r = rem / S;
  return vec3<i32>(bi, r, rem - r * S);
}
`;

function forwardProgram(B: number, S: number, dist: string) {
  return elementwiseProgram({
    key: `rgb_fwd_${dist}`,
    variableNames: ["faces", "colors", "tiles"],
    outputShape: [B, S, S, 3],
    count: B * S * S,
    uniforms: RGB_UNIFORMS,
    helpers: `${fragmentWgsl(dist, "probabilistic")}\n${RGB_WGSL}`,
    body: `
    let p = pixelOf(index);
    let py = f32(uniforms.S - 1 - 2 * p.y) / f32(uniforms.S);
    let sm = softmax(p.x, tileOf(p.x, p.y, p.z), pixelX(p.z), py);
    let rgb = sm.c / sm.Z;
    result[index * 3] = rgb.x;
    result[index * 3 + 1] = rgb.y;
    result[index * 3 + 2] = rgb.z;`,
  });
}

/** Backward, one invocation per pixel, accumulating into `result` = [dfaces; dcolors] ([2, B, F, 3, 3]). */
function backwardProgram(B: number, F: number, S: number, dist: string) {
  const program = elementwiseProgram({
    key: `rgb_bwd_${dist}`,
    variableNames: ["faces", "colors", "dy", "tiles"],
    outputShape: [2, B, F, 3, 3],
    count: B * S * S,
    uniforms: RGB_UNIFORMS,
    helpers: `${fragmentWgsl(dist, "probabilistic")}\n${RGB_WGSL}\n${SCATTER_WGSL}`,
    body: `
    let g = vec3<f32>(dy[index * 3], dy[index * 3 + 1], dy[index * 3 + 2]);
    if (any(g != vec3<f32>(0.0))) {
      let p = pixelOf(index);
      let bi = p.x;
      let py = f32(uniforms.S - 1 - 2 * p.y) / f32(uniforms.S);
      let px = pixelX(p.z);
      let tile = tileOf(bi, p.y, p.z);
      let sm = softmax(bi, tile, px, py);
      let invZ = 1.0 / sm.Z;
      let rgb = sm.c * invZ;
      let colorOffset = (uniforms.count / (uniforms.S * uniforms.S)) * uniforms.F * 9; // B·F·9
      let nf = faceCount(tile);
      for (var q = 0; q < nf; q++) {
        let f = faceAt(tile, q);
        let cf = colorFragment(bi, f, px, py);
        if (!cf.ok) { continue; }
        let ex = exp(logitDiff(cf.zp, sm.refBg, sm.zpRef)) * invZ;
        let wgt = cf.fr.s * ex;
        let base = (bi * uniforms.F + f) * 9;
        for (var k = 0; k < 3; k++) {
          let wk = wgt * cf.w[k];
          let i = colorOffset + base + k * 3;
          atomicAddF(i, wk * g.x);
          atomicAddF(i + 1, wk * g.y);
          atomicAddF(i + 2, wk * g.z);
        }
        let coef = ex * dot(g, cf.c - rgb) * slope(cf.fr);
        if (coef == 0.0 || isinf(coef) || isnan(coef)) { continue; }
        scatter(bi, f, cf.fr, coef);
      }
    }`,
  });
  return { ...program, atomic: true };
}

/** Copies `count` floats from `x[offset...]` into a new output of `shape`. */
function sliceProgram(shape: number[]) {
  return elementwiseProgram({
    key: "rgb_slice",
    variableNames: ["x"],
    outputShape: shape,
    uniforms: "offset : i32, ",
    body: `result[index] = x[index + uniforms.offset];`,
  });
}

function rgbUniforms(at: RelaxRasterizeRgbAttrs, F: number, dist: string, tconorm: string, bins: Uniform[]) {
  const bg = at.background;
  return [
    ...uniformsOf(at, F, dist, tconorm, bins),
    f32(at.near),
    f32(at.far),
    f32(1 / (at.far - at.near)),
    f32(1 / at.gamma),
    f32(1 / ((at.far - at.near) * at.gamma)),
    f32(at.eps),
    i32(at.doubleSide ? 1 : 0),
    f32(bg[0] ?? 0),
    f32(bg[1] ?? 0),
    f32(bg[2] ?? 0),
  ];
}

export const rasterizeRgbConfig: KernelConfig = withFloatStorage({
  kernelName: RelaxRasterizeRgb,
  backendName: "webgpu",
  kernelFunc: ({ inputs, attrs, backend }) => {
    const gpu = backend as WebGPUBackend;
    const at = attrs as unknown as RelaxRasterizeRgbAttrs;
    const { dist, tconorm } = check(at, RelaxRasterizeRgb);
    const { faces, colors } = inputs as Record<string, TensorInfo>;
    const [B, F] = faces!.shape as [number, number];
    const S = at.imageSize;
    if (B * F * S === 0) {
      // no faces: the background everywhere (the CPU kernel's Z = e^{0}, c = bg)
      const out = new Float32Array(B * S * S * 3);
      for (let i = 0; i < out.length; i++) out[i] = at.background[i % 3] ?? 0;
      return gpu.makeTensorInfo([B, S, S, 3], "float32", out);
    }
    const bins = rasterBins(gpu, faces!, at, dist);
    const y = run(
      gpu,
      forwardProgram(B, S, dist),
      [faces!, colors!, bins.tiles],
      "float32",
      rgbUniforms(at, F, dist, tconorm, bins.uniforms),
    );
    release(gpu, bins.tiles);
    return y;
  },
});

export const rasterizeRgbGradConfig: KernelConfig = withFloatStorage({
  kernelName: RelaxRasterizeRgbGrad,
  backendName: "webgpu",
  kernelFunc: ({ inputs, attrs, backend }) => {
    const gpu = backend as WebGPUBackend;
    const at = attrs as unknown as RelaxRasterizeRgbAttrs;
    const { dist, tconorm } = check(at, RelaxRasterizeRgbGrad);
    const { faces, colors, dy } = inputs as Record<string, TensorInfo>;
    const [B, F] = faces!.shape as [number, number];
    const S = at.imageSize;
    const n = B * F * 9;
    if (n * S === 0) {
      return [
        gpu.makeTensorInfo(faces!.shape, "float32", new Float32Array(n)),
        gpu.makeTensorInfo(colors!.shape, "float32", new Float32Array(n)),
      ];
    }
    const both = run(gpu, zeroProgram([2, B, F, 3, 3]), [], "float32");
    const program = backwardProgram(B, F, S, dist);
    const bins = rasterBins(gpu, faces!, at, dist);
    // accumulate into the zero-filled buffer (runWebGPUProgram's `output` argument)
    gpu.runWebGPUProgram(
      program,
      [faces!, colors!, dy!, bins.tiles],
      "float32",
      [...program.leadingUniforms, ...rgbUniforms(at, F, dist, tconorm, bins.uniforms)],
      both,
    );
    release(gpu, bins.tiles);
    const dfaces = run(gpu, sliceProgram([B, F, 3, 3]), [both], "float32", [i32(0)]);
    const dcolors = run(gpu, sliceProgram([B, F, 3, 3]), [both], "float32", [i32(n)]);
    release(gpu, both);
    return [dfaces, dcolors];
  },
});
