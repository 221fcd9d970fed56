/**
 * WGSL GenDR soft silhouette rasterizer (Petersen et al., "GenDR: A Generalized Differentiable
 * Renderer", CVPR 2022), forward and backward, the same numbers as `@relax/render`'s CPU kernel
 * (silhouette_kernel.ts): per pixel and face in index order, barycentric inside test (|det| ≥ 1e-10),
 * squared distance to the nearest edge segment, culling by the face bbox grown by √thr and by outside
 * d² ≥ thr, fragment s = F(sign·x/τ) dropped when s ≤ 1e-6, folded with the t-conorm from the first
 * fragment on. One invocation per pixel; the backward pass replays the pixel's fold in reverse and
 * adds each fragment's gradient to its face's nearest-edge endpoints with a float atomic (CAS loop).
 *
 * WGSL exists for every distribution and aggregation of the CPU kernel: `hard` and GenDR's 17 CDFs
 * (gamma: the 32-term truncated series forward, the exact density backward, ln Γ precomputed on the host)
 * and `hard`, `max` and the 9 t-conorms (GenDR's guards included). Unknown names throw (see README).
 */
import type { KernelConfig, TensorInfo } from "@tensorflow/tfjs-core";
import type { WebGPUBackend } from "@tensorflow/tfjs-backend-webgpu";
import {
  DISTRIBUTION_ALIASES,
  getDistribution,
  lgamma,
  RelaxRasterizeSilhouette,
  RelaxRasterizeSilhouetteGrad,
  type DistributionName,
  type RelaxRasterizeSilhouetteAttrs,
} from "@relax/core";
import { WGSL_DISTRIBUTIONS, distributionWgsl } from "../wgsl/distributions.js";
import { TCONORMS, tconormParameters } from "../wgsl/tconorm.js";
import { elementwiseProgram, f32, i32, release, run, type Uniform, withFloatStorage } from "../program.js";
import { BIN_UNIFORMS, FACE_LIST_WGSL, PIXEL_X_WGSL, binFaces, type FaceBins } from "./face_bins.js";

/** Distributions and aggregations with a WGSL implementation. */
export const WGSL_RENDER_DISTRIBUTIONS = ["hard", ...WGSL_DISTRIBUTIONS.filter((n) => n !== "optimal")]; // optimal: sort-only
export const WGSL_RENDER_TCONORMS = Object.keys(TCONORMS);

/** Core's one table of distribution aliases, plus render's `heaviside` for `hard`. */
const ALIASES: Record<string, string> = { ...DISTRIBUTION_ALIASES, heaviside: "hard" };

/** Canonical distribution and t-conorm names of `attrs`; throws when either has no WGSL implementation. */
export function check(
  attrs: RelaxRasterizeSilhouetteAttrs,
  kernelName: string = RelaxRasterizeSilhouette,
): { dist: string; tconorm: string } {
  const dist = ALIASES[attrs.distribution] ?? attrs.distribution;
  if (!WGSL_RENDER_DISTRIBUTIONS.includes(dist) || !WGSL_RENDER_TCONORMS.includes(attrs.tconorm)) {
    throw new Error(
      `@relax/backend-webgpu: ${kernelName} has no WGSL implementation for distribution '${attrs.distribution}' with tconorm '${attrs.tconorm}' ` +
        `(supported: distributions ${WGSL_RENDER_DISTRIBUTIONS.join(", ")}; tconorms ${WGSL_RENDER_TCONORMS.join(", ")}). Use tf.setBackend("cpu") for this configuration.`,
    );
  }
  return { dist, tconorm: attrs.tconorm };
}

const supportCache = new Map<string, number>();

/**
 * Culling threshold on d² (GenDR: distEps·τ), tightened to the distribution's effective support as the
 * CPU kernel does (F ≤ 1e-6 beyond it, where GenDR drops the fragment anyway, so no value changes).
 */
function cullThreshold(attrs: RelaxRasterizeSilhouetteAttrs, dist: string): number {
  if (dist === "hard") return 0;
  const thr2 = attrs.distEps * attrs.scale;
  const key = `${dist}|${attrs.shape}|${attrs.shift}`;
  let m = supportCache.get(key);
  if (m === undefined) {
    const d = getDistribution(dist as DistributionName, { shape: attrs.shape, shift: attrs.shift });
    if (d.cdf(0) <= 1e-6) m = 0;
    else {
      let lo = -1;
      while (d.cdf(lo) > 1e-6 && lo > -1e30) lo *= 2;
      if (d.cdf(lo) > 1e-6) m = Infinity;
      else {
        let hi = lo / 2;
        if (d.cdf(hi) <= 1e-6) hi = 0;
        for (let i = 0; i < 200 && hi - lo > 1e-12 * Math.max(1, -lo); i++) {
          const mid = (lo + hi) / 2;
          if (d.cdf(mid) <= 1e-6) lo = mid;
          else hi = mid;
        }
        m = -lo;
      }
    }
    supportCache.set(key, m);
  }
  const xMax = m * attrs.scale;
  const eff = attrs.squared ? xMax : xMax * xMax;
  // one float32 ulp of slack so that f32 round-off never culls a fragment the f64 kernel keeps
  return Math.min(thr2, eff * (1 + 1e-6));
}

/** The uniform fields of {@link fragmentWgsl} (kernels append their own after them). */
export const UNIFORMS =
  "S : i32, F : i32, tau : f32, thr2 : f32, grow : f32, shift : f32, mirror : i32, squared : i32, maxAll : i32, " +
  "shape : f32, lnorm : f32, lnorm1 : f32, tp : f32, lnp : f32, " +
  BIN_UNIFORMS;

/**
 * WGSL of the fragment machinery shared by the rasterizer kernels: `cdf`, `pdf`, the t-conorm
 * (`combine`, `dsda`, `dsdb`), `struct Frag` and `fragment(bi, f, px, py)` (reads the input `faces`;
 * also sets the unclipped barycentrics w0, w1, w2 of every face whose grown bbox holds the pixel) and
 * `pixelX(col)`. Needs the {@link UNIFORMS} fields.
 */
export function fragmentWgsl(dist: string, tconorm: string): string {
  const d = dist === "hard" ? null : distributionWgsl(dist);
  const t = TCONORMS[tconorm]!;
  const helpers = [...new Set([...(d?.helpers ?? []), ...(t.helpers ?? [])])].join("\n");
  return `
${helpers}
${d ? d.functions : ""}
fn cdf(z : f32) -> f32 { ${d ? `return ${d.cdf}(z, uniforms.shift);` : "return 0.0;"} }
fn pdf(z : f32) -> f32 { ${d ? `return ${d.pdf}(z, uniforms.shift);` : "return 0.0;"} }
fn combine(a : f32, b : f32) -> f32 { ${t.s} }
fn dsda(a : f32, b : f32) -> f32 { ${t.dsda} }
fn dsdb(a : f32, b : f32) -> f32 { ${t.dsdb} }

/** A fragment as the CPU kernel's, with (vx, vy) = c − p from the pixel to the closest point of the nearest edge. */
struct Frag { s : f32, edge : i32, t : f32, vx : f32, vy : f32, d2 : f32, z : f32, sign : f32, w0 : f32, w1 : f32, w2 : f32 };

/** Fragment of face f (batch item bi) at pixel (px, py); s < 0 when culled or dropped. */
fn fragment(bi : i32, f : i32, px : f32, py : f32) -> Frag {
  var fr : Frag;
  fr.s = -1.0;
  let o = (bi * uniforms.F + f) * 9;
  let x0 = faces[o]; let y0 = faces[o + 1];
  let x1 = faces[o + 3]; let y1 = faces[o + 4];
  let x2 = faces[o + 6]; let y2 = faces[o + 7];
  let g = uniforms.grow;
  if (px < min(x0, min(x1, x2)) - g || px > max(x0, max(x1, x2)) + g || py < min(y0, min(y1, y2)) - g || py > max(y0, max(y1, y2)) + g) { return fr; }
  var det = (y1 - y2) * (x0 - x2) + (x2 - x1) * (y0 - y2);
  if (det >= 0.0 && det < 1e-10) { det = 1e-10; } else if (det < 0.0 && det > -1e-10) { det = -1e-10; }
  let w0 = ((y1 - y2) * (px - x2) + (x2 - x1) * (py - y2)) / det;
  let w1 = ((y2 - y0) * (px - x2) + (x0 - x2) * (py - y2)) / det;
  let w2 = 1.0 - w0 - w1;
  fr.w0 = w0; fr.w1 = w1; fr.w2 = w2;
  ${
    dist === "hard"
      ? `if (w0 >= 0.0 && w0 <= 1.0 && w1 >= 0.0 && w1 <= 1.0 && w2 >= 0.0 && w2 <= 1.0) { fr.s = 1.0; }
  return fr;`
      : `let inside = w0 > 0.0 && w0 < 1.0 && w1 > 0.0 && w1 < 1.0 && w2 > 0.0 && w2 < 1.0;
  var best = 3.4e38;
  var bex = 0.0; var bey = 0.0; var blen = 1.0;
  for (var e = 0; e < 3; e++) {
    var ax = x0; var ay = y0; var bx = x1; var by = y1;
    if (e == 1) { ax = x1; ay = y1; bx = x2; by = y2; }
    if (e == 2) { ax = x2; ay = y2; bx = x0; by = y0; }
    let ex = bx - ax; let ey = by - ay;
    let len = ex * ex + ey * ey;
    var t = 0.0;
    if (len > 0.0) { t = clamp(((px - ax) * ex + (py - ay) * ey) / len, 0.0, 1.0); }
    // c − p as (a − p) + t·e: both terms are at most an edge long, so their rounding is relative to the
    // edge, not to the coordinates
    let dx = (ax - px) + t * ex; let dy = (ay - py) + t * ey;
    let d2 = dx * dx + dy * dy;
    if (d2 < best) { best = d2; fr.edge = e; fr.t = t; fr.vx = dx; fr.vy = dy; bex = ex; bey = ey; blen = len; }
  }
  if (!inside && best >= uniforms.thr2) { return fr; }
  fr.d2 = best;
  fr.sign = select(-1.0, 1.0, inside);
  if (fr.t > 0.0 && fr.t < 1.0 && abs(det) > 1e-10) {
    // The closest point is inside the edge, so c − p = sign·d·n with n the edge's outward unit normal
    // (exactly, as the CPU kernel's c − p in float64). Formed from n it keeps its direction where p is
    // within float32 rounding of the edge; there (c − p)/d from float32 coordinates is noise, with the
    // gradient at its largest (F'(0)/τ).
    let m = fr.sign * sqrt(best) * select(-1.0, 1.0, det > 0.0) / sqrt(blen);
    fr.vx = m * bey;
    fr.vy = -m * bex;
  }
  let x = select(sqrt(best), best, uniforms.squared != 0);
  fr.z = fr.sign * x / uniforms.tau;
  let s = cdf(fr.z);
  if (s > 1e-6) { fr.s = s; }
  return fr;`
  }
}

${PIXEL_X_WGSL}
${FACE_LIST_WGSL}`;
}

function forwardProgram(B: number, S: number, dist: string, tconorm: string) {
  return elementwiseProgram({
    key: `silhouette_fwd_${dist}_${tconorm}`,
    variableNames: ["faces", "tiles"],
    outputShape: [B, S, S],
    uniforms: UNIFORMS,
    helpers: fragmentWgsl(dist, tconorm),
    body: `
    let S = uniforms.S;
    let bi = index / (S * S);
    let rem = index - bi * S * S;
    let r = rem / S;
    let col = rem - r * S;
    let py = f32(S - 1 - 2 * r) / f32(S);
    let px = pixelX(col);
    var a = 0.0;
    var has = false;
    let tile = tileOf(bi, r, col);
    let nf = faceCount(tile);
    for (var q = 0; q < nf; q++) {
      let f = faceAt(tile, q);
      let fr = fragment(bi, f, px, py);
      if (fr.s < 0.0) { continue; }
      ${tconorm === "hard" ? "if (fr.s > 0.5) { a = 1.0; }" : "if (!has) { a = fr.s; has = true; } else { a = combine(a, fr.s); }"}
    }
    result[index] = a;`,
  });
}

/** Fills a float32 output of `shape` with zeros (the accumulation buffer of the atomic backward passes). */
export function zeroProgram(shape: number[]) {
  return elementwiseProgram({ key: "silhouette_zero", variableNames: [], outputShape: shape, body: `result[index] = 0.0;` });
}

const CAP = 64;

/**
 * Backward helpers of the atomic rasterizer gradients (after {@link fragmentWgsl}, in a program with
 * `atomic: true`): `atomicAddF(i, v)` adds to `result[i]` with a compare-exchange loop,
 * `scatter(bi, f, fr, coef)` adds coef·(c − p) to face f's nearest-edge endpoints (x, y) and
 * `slope(fr)` is ∂s/∂x of the fragment as the CPU kernel's `fragmentSlope`.
 */
export const SCATTER_WGSL = /* wgsl */ `
fn atomicAddF(i : i32, v : f32) {
  var old = atomicLoad(&result[i]);
  loop {
    let nv = bitcast<i32>(bitcast<f32>(old) + v);
    let r = atomicCompareExchangeWeak(&result[i], old, nv);
    if (r.exchanged) { break; }
    old = r.old_value;
  }
}
fn scatter(bi : i32, f : i32, fr : Frag, coef : f32) {
  let base = (bi * uniforms.F + f) * 9;
  let ia = base + fr.edge * 3;
  let ib = base + ((fr.edge + 1) % 3) * 3;
  let gx = coef * fr.vx;
  let gy = coef * fr.vy;
  atomicAddF(ia, (1.0 - fr.t) * gx);
  atomicAddF(ia + 1, (1.0 - fr.t) * gy);
  atomicAddF(ib, fr.t * gx);
  atomicAddF(ib + 1, fr.t * gy);
}
fn slope(fr : Frag) -> f32 {
  let ds = fr.sign * pdf(fr.z) / uniforms.tau;
  if (uniforms.squared != 0) { return 2.0 * ds; }
  let d = sqrt(fr.d2);
  return select(0.0, ds / d, d > 1e-12);
}
`;

/**
 * Backward, one invocation per pixel: counts the pixel's kept fragments (k), checkpoints the fold state
 * every ⌈k/64⌉ fragments, then walks the fragments in reverse chunk by chunk (each chunk replayed from
 * its checkpoint into a small private buffer), carrying the running gradient g of the fold exactly as
 * the CPU kernel does, and scatters each fragment's gradient with float atomics.
 */
function backwardProgram(B: number, F: number, S: number, dist: string, tconorm: string) {
  const prob = tconorm === "probabilistic";
  const isMax = tconorm === "max";
  const step = prob
    ? `else { gs = g * (1.0 - aPrev); g = g * (1.0 - fr.s); }`
    : isMax
      ? `else if (uniforms.maxAll == 0) {
          if (isTie(aPrev, fr.s)) { gs = 0.5 * g; g = 0.5 * g; }
          else if (fr.s > aPrev) { gs = g; g = 0.0; }
        }
        if (uniforms.maxAll != 0) { gs = select(0.0, g0, isTie(fr.s, alpha)); }`
      : `else { gs = g * dsdb(aPrev, fr.s); g = g * dsda(aPrev, fr.s); }`;
  const program = elementwiseProgram({
    key: `silhouette_bwd_${dist}_${tconorm}`,
    variableNames: ["faces", "dy", "tiles"],
    outputShape: [B, F, 3, 3],
    count: B * S * S,
    uniforms: UNIFORMS,
    helpers: `${fragmentWgsl(dist, tconorm)}
${SCATTER_WGSL}
fn isTie(a : f32, b : f32) -> bool { return abs(a - b) <= 1e-6 * max(abs(a), abs(b)); }`,
    body: `
    let S = uniforms.S;
    let bi = index / (S * S);
    let rem = index - bi * S * S;
    let r = rem / S;
    let col = rem - r * S;
    let g0 = dy[index];
    if (g0 != 0.0) {
      let py = f32(S - 1 - 2 * r) / f32(S);
      let px = pixelX(col);
      let tile = tileOf(bi, r, col);
      let nf = faceCount(tile);
      var k = 0;
      for (var q = 0; q < nf; q++) {
        if (fragment(bi, faceAt(tile, q), px, py).s >= 0.0) { k++; }
      }
      let stride = max(1, (k + ${CAP - 1}) / ${CAP});
      var ckF : array<i32, ${CAP}>;
      var ckA : array<f32, ${CAP}>;
      var alpha = 0.0;
      var j = 0;
      for (var q = 0; q < nf; q++) {
        let fr = fragment(bi, faceAt(tile, q), px, py);
        if (fr.s < 0.0) { continue; }
        if (j % stride == 0) { ckF[j / stride] = q; ckA[j / stride] = alpha; }
        alpha = select(combine(alpha, fr.s), fr.s, j == 0);
        j++;
      }
      var g = g0;
      var chF : array<i32, ${CAP}>;
      var chA : array<f32, ${CAP}>;
      let chunks = (k + stride - 1) / stride;
      for (var m = chunks - 1; m >= 0; m--) {
        let j0 = m * stride;
        let j1 = min(k, j0 + stride);
        // replay the chunk from its checkpoint: face index and a_{j-1} of each of its fragments
        var a = ckA[m];
        var jj = j0;
        var filled = 0;
        for (var q = ckF[m]; q < nf && jj < j1; q++) {
          let f = faceAt(tile, q);
          let fr = fragment(bi, f, px, py);
          if (fr.s < 0.0) { continue; }
          if (filled < ${CAP}) { chF[filled] = f; chA[filled] = a; filled++; }
          a = select(combine(a, fr.s), fr.s, jj == 0);
          jj++;
        }
        for (var t = j1 - 1; t >= j0; t--) {
          var f = 0;
          var aPrev = 0.0;
          if (t - j0 < ${CAP}) {
            f = chF[t - j0];
            aPrev = chA[t - j0];
          } else {
            // chunk longer than the buffer (k > ${CAP * CAP}): replay from the checkpoint up to t
            var a2 = ckA[m];
            var j2 = j0;
            for (var q2 = ckF[m]; q2 < nf; q2++) {
              let f2 = faceAt(tile, q2);
              let fq = fragment(bi, f2, px, py);
              if (fq.s < 0.0) { continue; }
              if (j2 == t) { f = f2; aPrev = a2; break; }
              a2 = select(combine(a2, fq.s), fq.s, j2 == 0);
              j2++;
            }
          }
          let fr = fragment(bi, f, px, py);
          var gs = 0.0;
          if (t == 0) { gs = g; }
          ${step}
          if (gs == 0.0) { continue; }
          let coef = gs * slope(fr);
          if (coef == 0.0 || isinf(coef) || isnan(coef)) { continue; }
          scatter(bi, f, fr, coef);
        }
      }
    }`,
  });
  return { ...program, atomic: true };
}

/** A finite f32 stand-in for ±∞ / huge host values (ln Γ(0) = +∞ makes the gamma density 0). */
function finite32(v: number): number {
  return Math.max(-3.0e38, Math.min(3.0e38, v));
}

/** Values of the {@link UNIFORMS} fields for `attrs` (p of the t-conorm defaulted and validated as the CPU kernel). */
export function uniformsOf(attrs: RelaxRasterizeSilhouetteAttrs, F: number, dist: string, tconorm: string, bins: Uniform[]) {
  const thr2 = cullThreshold(attrs, dist);
  const shaped = dist === "gamma" || dist === "gamma_rev";
  // the t-conorm's p, defaulted and validated exactly as the CPU kernel does (NaN = default)
  const [tp, lnp] = tconormParameters(tconorm, attrs.p, "rasterizeSilhouette");
  return [
    i32(attrs.imageSize),
    i32(F),
    f32(attrs.scale),
    f32(Math.min(thr2, 3.0e38)),
    f32(Math.min(Math.sqrt(thr2), 3.0e38)),
    f32(attrs.shift),
    i32(attrs.pixelConvention === "pytorch3d" ? 1 : 0),
    i32(attrs.squared ? 1 : 0),
    i32(attrs.maxTies === "all" ? 1 : 0),
    f32(shaped ? attrs.shape : 0),
    f32(shaped ? finite32(lgamma(attrs.shape)) : 0),
    f32(shaped ? finite32(lgamma(attrs.shape + 1)) : 0),
    f32(tp),
    f32(lnp),
    ...bins,
  ];
}

/** The face bins of one rasterizer call (see face_bins.ts); the caller releases `tiles`. */
export function rasterBins(gpu: WebGPUBackend, faces: TensorInfo, attrs: RelaxRasterizeSilhouetteAttrs, dist: string): FaceBins {
  const [B, F] = faces.shape as [number, number];
  const grow = Math.min(Math.sqrt(cullThreshold(attrs, dist)), 3.0e38);
  return binFaces(gpu, faces, { B, F, S: attrs.imageSize, grow, mirror: attrs.pixelConvention === "pytorch3d" });
}

export const rasterizeSilhouetteConfig: KernelConfig = withFloatStorage({
  kernelName: RelaxRasterizeSilhouette,
  backendName: "webgpu",
  kernelFunc: ({ inputs, attrs, backend }) => {
    const gpu = backend as WebGPUBackend;
    const at = attrs as unknown as RelaxRasterizeSilhouetteAttrs;
    const { dist, tconorm } = check(at);
    const faces = inputs.faces as TensorInfo;
    const [B, F] = faces.shape as [number, number];
    const S = at.imageSize;
    if (F === 0) return gpu.makeTensorInfo([B, S, S], "float32", new Float32Array(B * S * S));
    const bins = rasterBins(gpu, faces, at, dist);
    const y = run(
      gpu,
      forwardProgram(B, S, dist, tconorm),
      [faces, bins.tiles],
      "float32",
      uniformsOf(at, F, dist, tconorm, bins.uniforms),
    );
    release(gpu, bins.tiles);
    return y;
  },
});

export const rasterizeSilhouetteGradConfig: KernelConfig = withFloatStorage({
  kernelName: RelaxRasterizeSilhouetteGrad,
  backendName: "webgpu",
  kernelFunc: ({ inputs, attrs, backend }) => {
    const gpu = backend as WebGPUBackend;
    const at = attrs as unknown as RelaxRasterizeSilhouetteAttrs;
    const { dist, tconorm } = check(at);
    const { faces, dy } = inputs as Record<string, TensorInfo>;
    const [B, F] = faces!.shape as [number, number];
    const S = at.imageSize;
    const out = run(gpu, zeroProgram([B, F, 3, 3]), [], "float32");
    if (dist === "hard" || tconorm === "hard" || F === 0 || S === 0) return out;
    const program = backwardProgram(B, F, S, dist, tconorm);
    const bins = rasterBins(gpu, faces!, at, dist);
    // accumulate into the zero-filled buffer (runWebGPUProgram's `output` argument)
    gpu.runWebGPUProgram(
      program,
      [faces!, dy!, bins.tiles],
      "float32",
      [...program.leadingUniforms, ...uniformsOf(at, F, dist, tconorm, bins.uniforms)],
      out,
    );
    release(gpu, bins.tiles);
    return out;
  },
});
