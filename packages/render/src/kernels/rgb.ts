/**
 * Fused CPU/wasm kernel of GenDR's soft colour image (`aggr_rgb_func='softmax'`, SoftRas's soft z-buffer;
 * Liu et al. ICCV 2019, Petersen et al. CVPR 2022), forward and backward over typed arrays.
 *
 * Per pixel, for the same fragments s_f as the silhouette: barycentrics clipped to [0, 1] and renormalised
 * (sum ≥ 1e-5), perspective-correct depth z_p = 1/Σ(w_k/z_k), faces skipped outside [near, far] or
 * back-facing (unless double-sided), z̃ = (far − z_p)/(far − near), and
 * rgb = (bg·e^{ε/γ} + Σ s_f e^{z̃_f/γ} c_f)/(e^{ε/γ} + Σ s_f e^{z̃_f/γ}) with c_f = Σ w_k·colour_k
 * (evaluated with a running max). Backward (GenDR/SoftRas analytic convention): exact w.r.t. the corner
 * colours and w.r.t. vertex x, y through the fragments s_f; the dependence of w and z_p on x, y is dropped.
 */
import {
  RelaxRasterizeRgb,
  RelaxRasterizeRgbGrad,
  registerFusedGradient,
  registerHostKernel,
  runFusedKernel,
  type HostTensor,
  type RelaxRasterizeRgbAttrs,
} from "@relax/core";
import type * as tf from "@tensorflow/tfjs-core";
import { TILE, buildGeometry, frag, fragment, fragmentSlope, makePlan, pixelX, scatterEdge, type Plan } from "./silhouette.js";

interface PixelFrags {
  n: number;
  f: Int32Array;
  s: Float64Array;
  zt: Float64Array;
  w: Float64Array; // [n, 3]
  col: Float64Array; // [n, 3]
  slope: Float64Array;
  edge: Uint8Array;
  t: Float64Array;
  gx: Float64Array;
  gy: Float64Array;
}

function scratch(F: number): PixelFrags {
  return {
    n: 0,
    f: new Int32Array(F),
    s: new Float64Array(F),
    zt: new Float64Array(F),
    w: new Float64Array(F * 3),
    col: new Float64Array(F * 3),
    slope: new Float64Array(F),
    edge: new Uint8Array(F),
    t: new Float64Array(F),
    gx: new Float64Array(F),
    gy: new Float64Array(F),
  };
}

/** Collects the colour fragments of one pixel into `out`; returns the softmax shift m. */
function collect(
  plan: Plan,
  attrs: RelaxRasterizeRgbAttrs,
  geo: ReturnType<typeof buildGeometry>,
  faces: Float32Array,
  colors: Float32Array,
  fOff: number,
  l0: number,
  l1: number,
  px: number,
  py: number,
  out: PixelFrags,
  withGrad: boolean,
): number {
  let n = 0;
  let m = attrs.eps;
  const { near, far } = attrs;
  for (let l = l0; l < l1; l++) {
    const f = geo.tileFaces[l]!;
    const s = fragment(plan, geo, f, px, py);
    if (s < 0) continue;
    const o = fOff + f * 9;
    const x0 = faces[o]!,
      y0 = faces[o + 1]!,
      z0 = faces[o + 2]!,
      x1 = faces[o + 3]!,
      y1 = faces[o + 4]!,
      z1 = faces[o + 5]!;
    const x2 = faces[o + 6]!,
      y2 = faces[o + 7]!,
      z2 = faces[o + 8]!;
    if (!attrs.doubleSide && !((y2 - y0) * (x1 - x0) < (y1 - y0) * (x2 - x0))) continue;
    let w0 = Math.min(1, Math.max(0, frag.w0)),
      w1 = Math.min(1, Math.max(0, frag.w1)),
      w2 = Math.min(1, Math.max(0, frag.w2));
    const sum = Math.max(w0 + w1 + w2, 1e-5);
    w0 /= sum;
    w1 /= sum;
    w2 /= sum;
    const zp = 1 / (w0 / z0 + w1 / z1 + w2 / z2);
    if (!(zp >= near && zp <= far)) continue;
    const zt = (far - zp) / (far - near);
    if (zt > m) m = zt;
    out.f[n] = f;
    out.s[n] = s;
    out.zt[n] = zt;
    out.w[n * 3] = w0;
    out.w[n * 3 + 1] = w1;
    out.w[n * 3 + 2] = w2;
    for (let ch = 0; ch < 3; ch++) out.col[n * 3 + ch] = w0 * colors[o + ch]! + w1 * colors[o + 3 + ch]! + w2 * colors[o + 6 + ch]!;
    if (withGrad) {
      out.slope[n] = plan.dist === null ? 0 : fragmentSlope(plan, plan.dist);
      out.edge[n] = frag.edge;
      out.t[n] = frag.t;
      out.gx[n] = frag.cx - px;
      out.gy[n] = frag.cy - py;
    }
    n++;
  }
  out.n = n;
  return m;
}

function run(
  attrs: RelaxRasterizeRgbAttrs,
  faces: HostTensor,
  colors: HostTensor,
  dy: Float32Array | null,
): { rgb: Float32Array; dF: Float64Array; dC: Float64Array } {
  const plan = makePlan(attrs);
  const [B, F] = faces.shape as [number, number];
  const S = plan.S;
  const rgb = new Float32Array(B * S * S * 3);
  const dF = new Float64Array(dy ? B * F * 9 : 0);
  const dC = new Float64Array(dy ? B * F * 9 : 0);
  const bg = attrs.background;
  const fr = scratch(F);
  const g = attrs.gamma;
  for (let bi = 0; bi < B; bi++) {
    const fOff = bi * F * 9;
    const geo = buildGeometry(plan, faces.values, fOff, F);
    for (let r = 0; r < S; r++) {
      const py = (S - 1 - 2 * r) / S;
      const ty = Math.floor(r / TILE);
      for (let col = 0; col < S; col++) {
        const p = (bi * S * S + r * S + col) * 3;
        const t = ty * geo.nT + Math.floor(col / TILE);
        const l0 = geo.tileStart[t]!,
          l1 = geo.tileStart[t + 1]!;
        const px = pixelX(plan, col);
        const m = collect(plan, attrs, geo, faces.values, colors.values, fOff, l0, l1, px, py, fr, dy !== null);
        const eBg = Math.exp((attrs.eps - m) / g);
        let Z = eBg;
        let c0 = bg[0]! * eBg,
          c1 = bg[1]! * eBg,
          c2 = bg[2]! * eBg;
        for (let k = 0; k < fr.n; k++) {
          const e = fr.s[k]! * Math.exp((fr.zt[k]! - m) / g);
          Z += e;
          c0 += e * fr.col[k * 3]!;
          c1 += e * fr.col[k * 3 + 1]!;
          c2 += e * fr.col[k * 3 + 2]!;
        }
        c0 /= Z;
        c1 /= Z;
        c2 /= Z;
        rgb[p] = c0;
        rgb[p + 1] = c1;
        rgb[p + 2] = c2;
        if (dy === null || fr.n === 0) continue;
        const d0 = dy[p]!,
          d1 = dy[p + 1]!,
          d2 = dy[p + 2]!;
        for (let k = 0; k < fr.n; k++) {
          const ex = Math.exp((fr.zt[k]! - m) / g);
          const wgt = (fr.s[k]! * ex) / Z; // softmax weight of face k
          const base = fOff + fr.f[k]! * 9;
          for (let j = 0; j < 3; j++) {
            const wj = wgt * fr.w[k * 3 + j]!;
            dC[base + j * 3] += wj * d0;
            dC[base + j * 3 + 1] += wj * d1;
            dC[base + j * 3 + 2] += wj * d2;
          }
          // ∂rgb/∂s_k = e^{(z̃−m)/γ}(c_k − rgb)/Z
          const gs = (ex / Z) * (d0 * (fr.col[k * 3]! - c0) + d1 * (fr.col[k * 3 + 1]! - c1) + d2 * (fr.col[k * 3 + 2]! - c2));
          const coef = gs * fr.slope[k]!;
          if (coef === 0 || !Number.isFinite(coef)) continue;
          scatterEdge(dF, base, fr.edge[k]!, fr.t[k]!, coef * fr.gx[k]!, coef * fr.gy[k]!);
        }
      }
    }
  }
  return { rgb, dF, dC };
}

registerHostKernel<RelaxRasterizeRgbAttrs>(RelaxRasterizeRgb, ({ faces, colors }, attrs) => {
  const [B] = faces!.shape as [number];
  const { rgb } = run(attrs, faces!, colors!, null);
  return { values: rgb, shape: [B, attrs.imageSize, attrs.imageSize, 3] };
});

registerHostKernel<RelaxRasterizeRgbAttrs>(RelaxRasterizeRgbGrad, ({ faces, colors, dy }, attrs) => {
  const { dF, dC } = run(attrs, faces!, colors!, dy!.values);
  return [
    { values: Float32Array.from(dF), shape: faces!.shape },
    { values: Float32Array.from(dC), shape: colors!.shape },
  ];
});

registerFusedGradient<RelaxRasterizeRgbAttrs>({
  kernelName: RelaxRasterizeRgb,
  inputsToSave: ["faces", "colors"],
  gradFunc: ([dy], [faces, colors], attrs) => {
    // Both gradients come from one kernel call, made eagerly: tfjs runs each input's closure in its own
    // tidy, so a result shared lazily between the closures would be disposed before the second one returns.
    const [dFaces, dColors] = runFusedKernel<tf.Tensor[]>(RelaxRasterizeRgbGrad, { faces: faces!, colors: colors!, dy: dy! }, attrs);
    return { faces: () => dFaces!, colors: () => dColors! };
  },
});
