/**
 * Fused CPU/wasm kernel of the GenDR soft silhouette (Petersen et al., "GenDR: A Generalized
 * Differentiable Renderer", CVPR 2022), forward and backward over typed arrays.
 *
 * Per pixel p and face f (index order), exactly as GenDR's kernel (see golden/render/README.md):
 * barycentrics (|det| clamped to ≥ 1e-10), culling by the face bbox grown by √thr and by
 * outside d² ≥ thr, thr = distEps·τ, fragment s = F(sign·x/τ) with x = d or d², dropped when
 * s ≤ 1e-6, alpha ← S(alpha, s) starting from the first fragment.
 *
 * Speed: faces are binned into 8×8 pixel tiles by their grown bbox, and the culling radius is
 * tightened to each distribution's effective support (the distance beyond which F ≤ 1e-6, where GenDR
 * drops the fragment anyway), so culling changes no value. Backward recomputes each pixel's fragments
 * and runs the exact reverse-mode derivative of the sequential t-conorm fold.
 */
import {
  RelaxRasterizeSilhouette,
  RelaxRasterizeSilhouetteGrad,
  registerFusedGradient,
  registerHostKernel,
  runFusedKernel,
  type Distribution,
  type HostTensor,
  type RelaxRasterizeSilhouetteAttrs,
} from "@relax/core";
import type * as tf from "@tensorflow/tfjs-core";
import { PROBABILITY_THRESHOLD, effectiveSupport, resolveDistribution, resolveTConorm, type ScalarTConorm } from "../functions.js";

export const TILE = 8;
/** Relative tolerance under which two fragments count as an exact `max` tie. */
export const MAX_TIE_RTOL = 1e-9;

export interface Plan {
  S: number;
  dist: Distribution | null;
  tc: ScalarTConorm;
  tau: number;
  squared: boolean;
  /** Outside fragments with d² ≥ thr2 are culled. */
  thr2: number;
  /** bbox growth radius √thr2. */
  grow: number;
  mirror: boolean;
  maxAll: boolean;
}

export function makePlan(attrs: RelaxRasterizeSilhouetteAttrs): Plan {
  const op = "rasterizeSilhouette";
  const { dist, name } = resolveDistribution(op, attrs.distribution, attrs.shape, attrs.shift);
  const tc = resolveTConorm(op, attrs.tconorm, attrs.p);
  const tau = attrs.scale;
  let thr2 = attrs.distEps * tau;
  if (dist === null) thr2 = 0;
  else {
    const m = effectiveSupport(`${name}|${attrs.shape}|${attrs.shift}`, dist);
    const xMax = m * tau;
    const eff = attrs.squared ? xMax : xMax * xMax;
    if (eff < thr2) thr2 = eff;
  }
  return {
    S: attrs.imageSize,
    dist,
    tc,
    tau,
    squared: attrs.squared,
    thr2,
    grow: Math.sqrt(thr2),
    mirror: attrs.pixelConvention === "pytorch3d",
    maxAll: attrs.maxTies === "all",
  };
}

/** Per-batch-item geometry: face corner coordinates, clamped determinants, grown bboxes and tile bins. */
export interface Geometry {
  F: number;
  c: Float64Array; // [F, 6] x0 y0 x1 y1 x2 y2
  det: Float64Array; // [F]
  box: Float64Array; // [F, 4] xmin xmax ymin ymax (grown)
  tileStart: Int32Array; // [nTiles + 1]
  tileFaces: Int32Array;
  nT: number;
}

export function pixelX(plan: Plan, col: number): number {
  const S = plan.S;
  return plan.mirror ? (S - 1 - 2 * col) / S : (2 * col + 1 - S) / S;
}

export function buildGeometry(plan: Plan, faces: Float32Array, offset: number, F: number): Geometry {
  const S = plan.S;
  const nT = Math.ceil(S / TILE);
  const c = new Float64Array(F * 6);
  const det = new Float64Array(F);
  const box = new Float64Array(F * 4);
  const range = new Int32Array(F * 4); // tile ranges tx0 tx1 ty0 ty1 (tx0 > tx1 = empty)
  const counts = new Int32Array(nT * nT + 1);
  const g = plan.grow;
  for (let f = 0; f < F; f++) {
    const o = offset + f * 9;
    const x0 = faces[o]!,
      y0 = faces[o + 1]!,
      x1 = faces[o + 3]!,
      y1 = faces[o + 4]!,
      x2 = faces[o + 6]!,
      y2 = faces[o + 7]!;
    c[f * 6] = x0;
    c[f * 6 + 1] = y0;
    c[f * 6 + 2] = x1;
    c[f * 6 + 3] = y1;
    c[f * 6 + 4] = x2;
    c[f * 6 + 5] = y2;
    let d = (y1 - y2) * (x0 - x2) + (x2 - x1) * (y0 - y2);
    if (d >= 0 && d < 1e-10) d = 1e-10;
    else if (d < 0 && d > -1e-10) d = -1e-10;
    det[f] = d;
    const bx0 = Math.min(x0, x1, x2) - g,
      bx1 = Math.max(x0, x1, x2) + g;
    const by0 = Math.min(y0, y1, y2) - g,
      by1 = Math.max(y0, y1, y2) + g;
    box[f * 4] = bx0;
    box[f * 4 + 1] = bx1;
    box[f * 4 + 2] = by0;
    box[f * 4 + 3] = by1;
    // pixel index ranges (one pixel of slack; the exact bbox test runs per pixel)
    let c0: number, c1: number;
    if (plan.mirror) {
      c0 = Math.ceil((S - 1 - bx1 * S) / 2) - 1;
      c1 = Math.floor((S - 1 - bx0 * S) / 2) + 1;
    } else {
      c0 = Math.ceil((bx0 * S + S - 1) / 2) - 1;
      c1 = Math.floor((bx1 * S + S - 1) / 2) + 1;
    }
    const r0 = Math.ceil((S - 1 - by1 * S) / 2) - 1;
    const r1 = Math.floor((S - 1 - by0 * S) / 2) + 1;
    const cc0 = Math.max(0, c0),
      cc1 = Math.min(S - 1, c1),
      rr0 = Math.max(0, r0),
      rr1 = Math.min(S - 1, r1);
    if (!(cc0 <= cc1 && rr0 <= rr1)) {
      range[f * 4] = 1;
      range[f * 4 + 1] = 0;
      continue;
    }
    const tx0 = Math.floor(cc0 / TILE),
      tx1 = Math.floor(cc1 / TILE),
      ty0 = Math.floor(rr0 / TILE),
      ty1 = Math.floor(rr1 / TILE);
    range[f * 4] = tx0;
    range[f * 4 + 1] = tx1;
    range[f * 4 + 2] = ty0;
    range[f * 4 + 3] = ty1;
    for (let ty = ty0; ty <= ty1; ty++) for (let tx = tx0; tx <= tx1; tx++) counts[ty * nT + tx]!++;
  }
  const tileStart = new Int32Array(nT * nT + 1);
  for (let t = 0; t < nT * nT; t++) tileStart[t + 1] = tileStart[t]! + counts[t]!;
  const fill = tileStart.slice(0, nT * nT);
  const tileFaces = new Int32Array(tileStart[nT * nT]!);
  for (let f = 0; f < F; f++) {
    const tx0 = range[f * 4]!,
      tx1 = range[f * 4 + 1]!,
      ty0 = range[f * 4 + 2]!,
      ty1 = range[f * 4 + 3]!;
    if (tx0 > tx1) continue;
    for (let ty = ty0; ty <= ty1; ty++) for (let tx = tx0; tx <= tx1; tx++) tileFaces[fill[ty * nT + tx]!++] = f;
  }
  return { F, c, det, box, tileStart, tileFaces, nT };
}

/** Scratch state of the last {@link fragment} evaluation (one object, no allocation in the hot loop). */
export const frag = { sign: 0, edge: 0, t: 0, cx: 0, cy: 0, d2: 0, z: 0, w0: 0, w1: 0, w2: 0 };

/** Fragment of face f at pixel (px, py): s, or −1 when culled/dropped. Sets the scratch state. */
export function fragment(plan: Plan, geo: Geometry, f: number, px: number, py: number): number {
  const b = f * 4;
  const box = geo.box;
  if (px < box[b]! || px > box[b + 1]! || py < box[b + 2]! || py > box[b + 3]!) return -1;
  const c = geo.c;
  const o = f * 6;
  const x0 = c[o]!,
    y0 = c[o + 1]!,
    x1 = c[o + 2]!,
    y1 = c[o + 3]!,
    x2 = c[o + 4]!,
    y2 = c[o + 5]!;
  const det = geo.det[f]!;
  const w0 = ((y1 - y2) * (px - x2) + (x2 - x1) * (py - y2)) / det;
  const w1 = ((y2 - y0) * (px - x2) + (x0 - x2) * (py - y2)) / det;
  const w2 = 1 - w0 - w1;
  frag.w0 = w0;
  frag.w1 = w1;
  frag.w2 = w2;
  if (plan.dist === null) {
    return w0 >= 0 && w0 <= 1 && w1 >= 0 && w1 <= 1 && w2 >= 0 && w2 <= 1 ? 1 : -1;
  }
  const inside = w0 > 0 && w0 < 1 && w1 > 0 && w1 < 1 && w2 > 0 && w2 < 1;
  // squared distance to the nearest of the three edge segments
  let best = Infinity;
  for (let e = 0; e < 3; e++) {
    const ax = e === 0 ? x0 : e === 1 ? x1 : x2;
    const ay = e === 0 ? y0 : e === 1 ? y1 : y2;
    const bx = e === 0 ? x1 : e === 1 ? x2 : x0;
    const by = e === 0 ? y1 : e === 1 ? y2 : y0;
    const ex = bx - ax,
      ey = by - ay;
    const len = ex * ex + ey * ey;
    let t = len > 0 ? ((px - ax) * ex + (py - ay) * ey) / len : 0;
    if (t < 0) t = 0;
    else if (t > 1) t = 1;
    const cx = ax + t * ex,
      cy = ay + t * ey;
    const dx = cx - px,
      dy = cy - py;
    const d2 = dx * dx + dy * dy;
    if (d2 < best) {
      best = d2;
      frag.edge = e;
      frag.t = t;
      frag.cx = cx;
      frag.cy = cy;
    }
  }
  if (!inside && best >= plan.thr2) return -1;
  frag.d2 = best;
  const sign = inside ? 1 : -1;
  frag.sign = sign;
  const x = plan.squared ? best : Math.sqrt(best);
  const z = (sign * x) / plan.tau;
  frag.z = z;
  const s = plan.dist.cdf(z);
  return s > PROBABILITY_THRESHOLD ? s : -1;
}

/**
 * After {@link fragment}: ∂s/∂x scaled so that ∂s/∂A = slope·(1−t)·(c − p) and ∂s/∂B = slope·t·(c − p)
 * for the nearest edge (A, B), closest point c = A + t(B − A) (x = d: slope = F'·sign/(τd); x = d²: 2·F'·sign/τ).
 */
export function fragmentSlope(plan: Plan, dist: Distribution): number {
  const ds = (frag.sign * dist.pdf(frag.z)) / plan.tau;
  if (plan.squared) return 2 * ds;
  const d = Math.sqrt(frag.d2);
  return d > 1e-12 ? ds / d : 0;
}

/** Adds coef·(c − p) to the nearest edge's endpoints of face f (x, y only) in `grad` at `base`. */
export function scatterEdge(grad: Float64Array, base: number, edge: number, t: number, cxg: number, cyg: number): void {
  const ia = base + edge * 3;
  const ib = base + ((edge + 1) % 3) * 3;
  grad[ia] += (1 - t) * cxg;
  grad[ia + 1] += (1 - t) * cyg;
  grad[ib] += t * cxg;
  grad[ib + 1] += t * cyg;
}

function isTie(a: number, b: number): boolean {
  return Math.abs(a - b) <= MAX_TIE_RTOL * Math.max(Math.abs(a), Math.abs(b));
}

function combine(tc: ScalarTConorm, a: number, s: number): number {
  switch (tc.name) {
    case "probabilistic":
      return a + s - a * s;
    case "max":
      return Math.max(s, a);
    case "hard":
      return s > 0.5 ? 1 : a;
    default:
      return tc.s(a, s);
  }
}

function forward(plan: Plan, faces: HostTensor): Float32Array {
  const [B, F] = faces.shape as [number, number];
  const S = plan.S;
  const out = new Float32Array(B * S * S);
  const tc = plan.tc;
  const hardAgg = tc.name === "hard";
  for (let bi = 0; bi < B; bi++) {
    const geo = buildGeometry(plan, faces.values, bi * F * 9, F);
    for (let ty = 0; ty < geo.nT; ty++) {
      for (let tx = 0; tx < geo.nT; tx++) {
        const t = ty * geo.nT + tx;
        const l0 = geo.tileStart[t]!,
          l1 = geo.tileStart[t + 1]!;
        if (l0 === l1) continue;
        const rEnd = Math.min(S, (ty + 1) * TILE),
          cEnd = Math.min(S, (tx + 1) * TILE);
        for (let r = ty * TILE; r < rEnd; r++) {
          const py = (S - 1 - 2 * r) / S;
          for (let col = tx * TILE; col < cEnd; col++) {
            const px = pixelX(plan, col);
            let a = 0;
            let has = false;
            for (let l = l0; l < l1; l++) {
              const s = fragment(plan, geo, geo.tileFaces[l]!, px, py);
              if (s < 0) continue;
              if (hardAgg) {
                if (s > 0.5) a = 1;
              } else if (!has) {
                a = s;
                has = true;
              } else a = combine(tc, a, s);
            }
            out[bi * S * S + r * S + col] = a;
          }
        }
      }
    }
  }
  return out;
}

function backward(plan: Plan, faces: HostTensor, dy: Float32Array): Float32Array {
  const [B, F] = faces.shape as [number, number];
  const S = plan.S;
  const grad = new Float64Array(B * F * 9);
  const tc = plan.tc;
  if (plan.dist === null || tc.name === "hard") return new Float32Array(grad.length);
  const dist = plan.dist;
  const n = F;
  const sArr = new Float64Array(n),
    aPrev = new Float64Array(n),
    dsdx = new Float64Array(n);
  const fIdx = new Int32Array(n),
    eIdx = new Uint8Array(n);
  const tArr = new Float64Array(n),
    gx = new Float64Array(n),
    gy = new Float64Array(n);
  const prob = tc.name === "probabilistic",
    isMax = tc.name === "max";
  for (let bi = 0; bi < B; bi++) {
    const geo = buildGeometry(plan, faces.values, bi * F * 9, F);
    const gOff = bi * F * 9;
    for (let ty = 0; ty < geo.nT; ty++) {
      for (let tx = 0; tx < geo.nT; tx++) {
        const t = ty * geo.nT + tx;
        const l0 = geo.tileStart[t]!,
          l1 = geo.tileStart[t + 1]!;
        if (l0 === l1) continue;
        const rEnd = Math.min(S, (ty + 1) * TILE),
          cEnd = Math.min(S, (tx + 1) * TILE);
        for (let r = ty * TILE; r < rEnd; r++) {
          const py = (S - 1 - 2 * r) / S;
          for (let col = tx * TILE; col < cEnd; col++) {
            const g0 = dy[bi * S * S + r * S + col]!;
            if (g0 === 0) continue;
            const px = pixelX(plan, col);
            let k = 0;
            let a = 0;
            for (let l = l0; l < l1; l++) {
              const f = geo.tileFaces[l]!;
              const s = fragment(plan, geo, f, px, py);
              if (s < 0) continue;
              aPrev[k] = a;
              a = k === 0 ? s : combine(tc, a, s);
              sArr[k] = s;
              fIdx[k] = f;
              eIdx[k] = frag.edge;
              tArr[k] = frag.t;
              dsdx[k] = fragmentSlope(plan, dist);
              gx[k] = frag.cx - px;
              gy[k] = frag.cy - py;
              k++;
            }
            if (k === 0) continue;
            // reverse-mode through the fold a_k = S(a_{k−1}, s_k), a_0 = s_0
            let g = g0;
            const alpha = a;
            for (let j = k - 1; j >= 0; j--) {
              let gs: number;
              if (j === 0) gs = g;
              else if (prob) {
                gs = g * (1 - aPrev[j]!);
                g *= 1 - sArr[j]!;
              } else if (isMax) {
                const ap = aPrev[j]!,
                  sj = sArr[j]!;
                if (plan.maxAll) {
                  gs = 0;
                } else if (isTie(ap, sj)) {
                  gs = 0.5 * g;
                  g *= 0.5;
                } else if (sj > ap) {
                  gs = g;
                  g = 0;
                } else gs = 0;
              } else {
                gs = g * tc.dsdb(aPrev[j]!, sArr[j]!);
                g *= tc.dsda(aPrev[j]!, sArr[j]!);
              }
              if (isMax && plan.maxAll) gs = isTie(sArr[j]!, alpha) ? g0 : 0;
              if (gs === 0) continue;
              const coef = gs * dsdx[j]!;
              if (coef === 0 || !Number.isFinite(coef)) continue;
              scatterEdge(grad, gOff + fIdx[j]! * 9, eIdx[j]!, tArr[j]!, coef * gx[j]!, coef * gy[j]!);
            }
          }
        }
      }
    }
  }
  return Float32Array.from(grad);
}

registerHostKernel<RelaxRasterizeSilhouetteAttrs>(RelaxRasterizeSilhouette, ({ faces }, attrs) => {
  const plan = makePlan(attrs);
  const [B] = faces!.shape as [number];
  return { values: forward(plan, faces!), shape: [B, attrs.imageSize, attrs.imageSize] };
});

registerHostKernel<RelaxRasterizeSilhouetteAttrs>(RelaxRasterizeSilhouetteGrad, ({ faces, dy }, attrs) => {
  const plan = makePlan(attrs);
  return { values: backward(plan, faces!, dy!.values), shape: faces!.shape };
});

registerFusedGradient<RelaxRasterizeSilhouetteAttrs>({
  kernelName: RelaxRasterizeSilhouette,
  inputsToSave: ["faces"],
  gradFunc: ([dy], [faces], attrs) => ({
    faces: () => runFusedKernel<tf.Tensor>(RelaxRasterizeSilhouetteGrad, { faces: faces!, dy: dy! }, attrs),
  }),
});
