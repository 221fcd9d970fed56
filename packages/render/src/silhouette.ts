import * as tf from "@tensorflow/tfjs-core";
import {
  RelaxError,
  RelaxRasterizeSilhouette,
  assertFinite,
  assertInteger,
  assertOneOf,
  assertOptions,
  assertPositive,
  describe,
  runFusedKernel,
  toFloatTensor,
  useFused,
  type RelaxRasterizeSilhouetteAttrs,
  type TensorInput,
  TCONORM_DEFAULT_P,
} from "@relax/core";
import { shapeText, orDefault } from "./checks.js";
import { PROBABILITY_THRESHOLD, resolveDistribution, resolveTConorm, type RenderDistribution, type RenderTConorm } from "./functions.js";
import "./kernels/silhouette.js";

/** Pixel conventions: `'gendr'` (NMR/SoftRas/GenDR: column 0 at x = −1 + 1/S, +x right) or `'pytorch3d'` (column 0 at x = +1 − 1/S). */
export const PIXEL_CONVENTIONS = ["gendr", "pytorch3d"] as const;
export type PixelConvention = (typeof PIXEL_CONVENTIONS)[number];

/** Options of {@link rasterizeSilhouette}, named after GenDR's settings. */
export interface SilhouetteOptions {
  /** Output size S (S×S pixels). Default 64. */
  imageSize?: number;
  /** CDF F (`dist_func`), any of {@link RENDER_DISTRIBUTIONS}. Default `'logistic'`. */
  distribution?: RenderDistribution | "heaviside" | "hyperbolic_secant";
  /** τ (`dist_scale`), in NDC units (of d, or of d² when `squared`). Default 0.01. */
  scale?: number;
  /** Apply F to the squared distance (`dist_squared`). Default false. */
  squared?: boolean;
  /** `dist_shape` (gamma's shape p ≥ 0; 0 is GenDR's step function). Default 0 (1 for gamma). */
  shape?: number;
  /** `dist_shift` k. Default 0. */
  shift?: number;
  /** Alpha aggregation (`aggr_alpha_func`), any of {@link RENDER_TCONORMS}. Default `'probabilistic'`. */
  tconorm?: RenderTConorm;
  /** t-conorm parameter p (`aggr_alpha_t_conorm_p`); defaults per family as `@relax/core` (hamacher 0, frank/yager/aczel_alsina/dombi 2, schweizer_sklar −2). */
  p?: number;
  /** Culling: outside faces with d² ≥ distEps·τ are skipped (`dist_eps`). Default 1e4 (GenDR). */
  distEps?: number;
  /** Gradient at exact `max` ties (front/back faces sharing a silhouette edge): `'split'` (default; autograd of the fold, equal shares, matches finite differences) or `'all'` (GenDR: every tied face gets the full gradient). */
  maxTies?: "split" | "all";
  /** Pixel/NDC convention, default `'gendr'`. Row 0 is the top (y = 1 − 1/S) in both. */
  pixelConvention?: PixelConvention;
}

/** The keys of {@link SilhouetteOptions} (unknown keys are rejected with the nearest valid name). */
export const SILHOUETTE_KEYS = [
  "imageSize",
  "distribution",
  "scale",
  "squared",
  "shape",
  "shift",
  "tconorm",
  "p",
  "distEps",
  "maxTies",
  "pixelConvention",
] as const;

/**
 * Validated options as kernel attributes. Rejects options that are not an object, keys not in `keys`
 * (default `SILHOUETTE_KEYS`; did-you-mean), and out-of-range values, including a `p` given to a
 * t-conorm without a parameter (max, probabilistic, einstein, hard).
 *
 * @example
 * const attrs = silhouetteAttrs("myOp", { imageSize: 32, tconorm: "yager", p: 4 });
 * attrs.p; // 4
 */
export function silhouetteAttrs(
  op: string,
  options: SilhouetteOptions = {},
  keys: readonly string[] = SILHOUETTE_KEYS,
): RelaxRasterizeSilhouetteAttrs {
  const opts = assertOptions<SilhouetteOptions>(op, options, keys as readonly (keyof SilhouetteOptions)[]);
  const imageSize = assertInteger(op, "imageSize", orDefault(opts.imageSize, 64), 1, 4096);
  const distName = orDefault(opts.distribution, "logistic");
  const isGamma = distName === "gamma" || distName === "gamma_rev";
  const shape = orDefault(opts.shape, isGamma ? 1 : 0);
  const shift = orDefault(opts.shift, 0);
  for (const [k, v] of [
    ["shape", shape],
    ["shift", shift],
  ] as const) {
    if (typeof v !== "number" || !Number.isFinite(v)) throw new RelaxError(op, k, "a finite number", describe(v));
  }
  const { name } = resolveDistribution(op, distName, shape, shift);
  const scale = assertPositive(op, "scale", opts.scale === undefined ? 0.01 : opts.scale);
  const squared = orDefault(opts.squared, false);
  if (typeof squared !== "boolean") throw new RelaxError(op, "squared", "a boolean", describe(squared));
  const tcName = orDefault(opts.tconorm, "probabilistic");
  if (opts.p !== undefined) {
    if (typeof opts.p !== "number" || !Number.isFinite(opts.p)) throw new RelaxError(op, "p", "a finite number", describe(opts.p));
    const fixed = tcName === "hard" || Number.isNaN(TCONORM_DEFAULT_P[tcName as keyof typeof TCONORM_DEFAULT_P]);
    if (fixed) throw new RelaxError(op, "p", `undefined for the '${String(tcName)}' t-conorm (it has no parameter)`, describe(opts.p));
  }
  const tc = resolveTConorm(op, tcName, opts.p);
  const distEps = assertPositive(op, "distEps", opts.distEps === undefined ? 1e4 : opts.distEps);
  const maxTies = assertOneOf(op, "maxTies", orDefault(opts.maxTies, "split"), ["split", "all"] as const);
  const pixelConvention = assertOneOf(op, "pixelConvention", orDefault(opts.pixelConvention, "gendr"), PIXEL_CONVENTIONS);
  return { imageSize, distribution: name, scale, squared, shape, shift, tconorm: tc.name, p: tc.p, distEps, maxTies, pixelConvention };
}

/** `[F, 3, 3]` or `[B, F, 3, 3]` finite faces as `[B, F, 3, 3]`; call inside a tidy (it may create tensors). */
function toFaces4(op: string, faces: TensorInput): { f4: tf.Tensor4D; batched: boolean } {
  const t = toFloatTensor(op, "faces", faces);
  const ok = (t.rank === 3 || t.rank === 4) && t.shape[t.rank - 1] === 3 && t.shape[t.rank - 2] === 3;
  if (!ok) throw new RelaxError(op, "faces", "[F, 3, 3] or [B, F, 3, 3] (x_ndc, y_ndc, depth per corner)", shapeText(t));
  assertFinite(op, "faces", t);
  return { f4: (t.rank === 3 ? tf.expandDims(t, 0) : t) as tf.Tensor4D, batched: t.rank === 4 };
}

/** `[B, F, 3, 3]` finite faces (the reference functions' input); call inside a tidy. */
export function faces4(op: string, faces: TensorInput, arg = "faces"): tf.Tensor4D {
  const t = toFloatTensor(op, arg, faces);
  if (t.rank !== 4 || t.shape[2] !== 3 || t.shape[3] !== 3) throw new RelaxError(op, arg, "[B, F, 3, 3]", shapeText(t));
  assertFinite(op, arg, t);
  return t as tf.Tensor4D;
}

/**
 * GenDR soft silhouette (Petersen et al., "GenDR: A Generalized Differentiable Renderer", CVPR 2022):
 * per pixel, each face contributes the probability s = F(sign·x/τ) that the pixel is covered, where x is
 * the distance (or squared distance) from the pixel centre to the triangle boundary and sign = +1 strictly
 * inside; the fragments are aggregated over faces with a t-conorm. Runs the fused CPU/wasm kernel (exact
 * GenDR culling and thresholds; tightened to each distribution's effective support) and its fused gradient
 * w.r.t. the face vertices, else {@link rasterizeSilhouetteReference}.
 *
 * Pixel centres (convention `'gendr'`): x = (2·col + 1 − S)/S, y = (S − 1 − 2·row)/S, row 0 at the top.
 *
 * @param faces `[F, 3, 3]` or `[B, F, 3, 3]` projected corners (x_ndc, y_ndc, depth); depth is unused here
 * @param options see {@link SilhouetteOptions} (defaults: 64 px, logistic, τ = 0.01, plain distance, probabilistic)
 * @returns alpha `[S, S]` (or `[B, S, S]`) in [0, 1]
 * @example
 * const proj = projectVertices(mesh.vertices, { eye: eyeFromAngles(2.732, 30, 45) });
 * const alpha = rasterizeSilhouette(faceVertices(proj, mesh.faces), { imageSize: 64, ...softRasPreset() });
 * const loss = softIoULoss(alpha, target);
 */
export function rasterizeSilhouette(faces: TensorInput, options: SilhouetteOptions = {}): tf.Tensor {
  const op = "rasterizeSilhouette";
  const attrs = silhouetteAttrs(op, options);
  return tf.tidy(() => {
    const { f4, batched } = toFaces4(op, faces);
    const alpha = useFused(RelaxRasterizeSilhouette, attrs)
      ? runFusedKernel<tf.Tensor>(RelaxRasterizeSilhouette, { faces: f4 }, attrs)
      : referenceAlpha(f4, attrs);
    return batched ? alpha : tf.squeeze(alpha, [0]);
  });
}

/**
 * Pixel-centre coordinates `[S·S]` (row-major) in the given convention.
 *
 * @param imageSize S, an integer in [1, 4096]
 * @param convention {@link PIXEL_CONVENTIONS} (default `'gendr'`)
 * @example
 * const { px, py } = pixelCenters(2); // px = [-0.5, 0.5, -0.5, 0.5], py = [0.5, 0.5, -0.5, -0.5]
 */
export function pixelCenters(imageSize: number, convention: PixelConvention = "gendr"): { px: Float32Array; py: Float32Array } {
  const S = assertInteger("pixelCenters", "imageSize", imageSize, 1, 4096);
  assertOneOf("pixelCenters", "convention", convention, PIXEL_CONVENTIONS);
  const px = new Float32Array(S * S),
    py = new Float32Array(S * S);
  for (let r = 0; r < S; r++) {
    for (let c = 0; c < S; c++) {
      px[r * S + c] = convention === "pytorch3d" ? (S - 1 - 2 * c) / S : (2 * c + 1 - S) / S;
      py[r * S + c] = (S - 1 - 2 * r) / S;
    }
  }
  return { px, py };
}

/** Pairwise max with equal shares at ties (the `'split'` convention), as a custom-gradient op. */
const maxSplit = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const [a, b, save] = args as [tf.Tensor, tf.Tensor, tf.GradSaveFunc];
  save([a, b]);
  return {
    value: tf.maximum(a, b),
    gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
      const [sa, sb] = saved as [tf.Tensor, tf.Tensor];
      const g = dy as tf.Tensor;
      const wa = tf.add(tf.cast(tf.greater(sa, sb), "float32"), tf.mul(tf.cast(tf.equal(sa, sb), "float32"), 0.5));
      return [tf.mul(g, wa), tf.mul(g, tf.sub(1, wa))];
    },
  };
});

/**
 * Per-face fragments `[B, F, S·S]` of the GenDR silhouette as a composition of tfjs ops (culled and
 * dropped fragments are 0, which every t-conorm ignores: S(a, 0) = a). Differentiable by autodiff.
 */
export function silhouetteFragments(faces: TensorInput, attrs: RelaxRasterizeSilhouetteAttrs): tf.Tensor3D {
  const op = "silhouetteFragments";
  if (attrs === null || typeof attrs !== "object")
    throw new RelaxError(op, "attrs", "silhouette attributes (see silhouetteAttrs)", describe(attrs));
  const checked = silhouetteAttrs(op, { ...attrs, p: Number.isNaN(attrs.p) ? undefined : attrs.p } as SilhouetteOptions);
  return tf.tidy(() => fragmentTensors(faces4(op, faces), checked).s);
}

/** {@link silhouetteFragments} plus the (unclipped) barycentrics `[B, F, S·S]` of every pixel. */
export function fragmentTensors(
  faces: tf.Tensor4D,
  attrs: RelaxRasterizeSilhouetteAttrs,
): { s: tf.Tensor3D; w: [tf.Tensor, tf.Tensor, tf.Tensor] } {
  const op = "rasterizeSilhouette";
  const { dist } = resolveDistribution(op, attrs.distribution, attrs.shape, attrs.shift);
  return tf.tidy(() => {
    const S = attrs.imageSize;
    const { px: pxa, py: pya } = pixelCenters(S, attrs.pixelConvention as PixelConvention);
    const px = tf.tensor3d(pxa, [1, 1, S * S]);
    const py = tf.tensor3d(pya, [1, 1, S * S]);
    const corner = (k: number, d: number) => tf.squeeze(tf.slice(faces, [0, 0, k, d], [-1, -1, 1, 1]), [3]); // [B, F, 1]
    const x0 = corner(0, 0),
      y0 = corner(0, 1),
      x1 = corner(1, 0),
      y1 = corner(1, 1),
      x2 = corner(2, 0),
      y2 = corner(2, 1);
    const det = tf.add(tf.mul(tf.sub(y1, y2), tf.sub(x0, x2)), tf.mul(tf.sub(x2, x1), tf.sub(y0, y2)));
    const detC = tf.where(tf.greaterEqual(det, 0), tf.maximum(det, 1e-10), tf.minimum(det, -1e-10));
    const w0 = tf.div(tf.add(tf.mul(tf.sub(y1, y2), tf.sub(px, x2)), tf.mul(tf.sub(x2, x1), tf.sub(py, y2))), detC);
    const w1 = tf.div(tf.add(tf.mul(tf.sub(y2, y0), tf.sub(px, x2)), tf.mul(tf.sub(x0, x2), tf.sub(py, y2))), detC);
    const w2 = tf.sub(tf.sub(1, w0), w1);
    // Masks are computed from detached copies so that no boolean op sits on the gradient tape.
    const detach = (t: tf.Tensor) => tf.tensor(t.dataSync(), t.shape, t.dtype);
    const [dw0, dw1, dw2] = [detach(w0), detach(w1), detach(w2)];
    const strict = (w: tf.Tensor) => tf.logicalAnd(tf.greater(w, 0), tf.less(w, 1));
    const incl = (w: tf.Tensor) => tf.logicalAnd(tf.greaterEqual(w, 0), tf.lessEqual(w, 1));
    const thr = attrs.distEps * attrs.scale;
    const grow = dist === null ? 0 : Math.sqrt(thr);
    const [dx0, dy0, dx1, dy1, dx2, dy2] = [x0, y0, x1, y1, x2, y2].map(detach) as [
      tf.Tensor,
      tf.Tensor,
      tf.Tensor,
      tf.Tensor,
      tf.Tensor,
      tf.Tensor,
    ];
    const xmin = tf.sub(tf.minimum(tf.minimum(dx0, dx1), dx2), grow),
      xmax = tf.add(tf.maximum(tf.maximum(dx0, dx1), dx2), grow);
    const ymin = tf.sub(tf.minimum(tf.minimum(dy0, dy1), dy2), grow),
      ymax = tf.add(tf.maximum(tf.maximum(dy0, dy1), dy2), grow);
    const inBox = tf.logicalAnd(
      tf.logicalAnd(tf.greaterEqual(px, xmin), tf.lessEqual(px, xmax)),
      tf.logicalAnd(tf.greaterEqual(py, ymin), tf.lessEqual(py, ymax)),
    );
    if (dist === null) {
      const inside = tf.logicalAnd(tf.logicalAnd(incl(dw0), incl(dw1)), incl(dw2));
      return { s: tf.cast(tf.logicalAnd(inBox, inside), "float32") as tf.Tensor3D, w: [w0, w1, w2] };
    }
    const inside = tf.logicalAnd(tf.logicalAnd(strict(dw0), strict(dw1)), strict(dw2));
    const segD2 = (ax: tf.Tensor, ay: tf.Tensor, bx: tf.Tensor, by: tf.Tensor) => {
      const ex = tf.sub(bx, ax),
        ey = tf.sub(by, ay);
      const len = tf.add(tf.mul(ex, ex), tf.mul(ey, ey));
      const lenPos = tf.greater(detach(len), 0);
      const safeLen = tf.where(lenPos, len, tf.onesLike(len));
      const t0 = tf.div(tf.add(tf.mul(tf.sub(px, ax), ex), tf.mul(tf.sub(py, ay), ey)), safeLen);
      const t = tf.where(tf.broadcastTo(lenPos, t0.shape), tf.clipByValue(t0, 0, 1), tf.zerosLike(t0));
      const dx = tf.sub(tf.add(ax, tf.mul(t, ex)), px),
        dy = tf.sub(tf.add(ay, tf.mul(t, ey)), py);
      return tf.add(tf.mul(dx, dx), tf.mul(dy, dy));
    };
    const d2 = tf.minimum(tf.minimum(segD2(x0, y0, x1, y1), segD2(x1, y1, x2, y2)), segD2(x2, y2, x0, y0));
    const dd2 = detach(d2);
    const keepDist = tf.logicalOr(inside, tf.less(dd2, thr));
    const x = attrs.squared ? d2 : tf.sqrt(tf.where(tf.greater(dd2, 1e-24), d2, tf.fill(d2.shape, 1e-24)));
    const sign = tf.where(inside, tf.onesLike(d2), tf.fill(d2.shape, -1));
    const z = tf.div(tf.mul(sign, x), attrs.scale);
    const s = dist.cdfTensor(z);
    const keep = tf.logicalAnd(tf.logicalAnd(inBox, keepDist), tf.greater(detach(s), PROBABILITY_THRESHOLD));
    return { s: tf.where(keep, s, tf.zerosLike(s)) as tf.Tensor3D, w: [w0, w1, w2] };
  });
}

/**
 * Reference composition of {@link rasterizeSilhouette} from tfjs ops (slow: materialises `[B, F, S·S]`;
 * for small images and parity tests). Aggregation: the t-conorm's one-pass reduction from `@relax/core`
 * (additive generators), a sequential fold for `max` with `'split'` ties, `tf.max` for `'all'` ties.
 *
 * @param faces `[B, F, 3, 3]`
 * @returns alpha `[B, S, S]`
 * @example
 * const alpha = withFlags({ RELAX_FORCE_REFERENCE: true }, () => rasterizeSilhouette(faces, { imageSize: 16 })); // runs this
 */
export function rasterizeSilhouetteReference(faces: TensorInput, options: SilhouetteOptions = {}): tf.Tensor3D {
  const op = "rasterizeSilhouetteReference";
  const attrs = silhouetteAttrs(op, options);
  return tf.tidy(() => referenceAlpha(faces4(op, faces), attrs));
}

function referenceAlpha(faces: tf.Tensor4D, attrs: RelaxRasterizeSilhouetteAttrs): tf.Tensor3D {
  const tc = resolveTConorm("rasterizeSilhouette", attrs.tconorm, attrs.p);
  return tf.tidy(() => {
    const [B, F] = faces.shape;
    const S = attrs.imageSize;
    if (F === 0) return tf.zeros([B, S, S]) as tf.Tensor3D;
    const s = fragmentTensors(faces, attrs).s;
    let alpha: tf.Tensor;
    if (tc.name === "hard") alpha = tf.cast(tf.any(tf.greater(tf.tensor(s.dataSync(), s.shape), 0.5), 1), "float32");
    else if (tc.name === "max") {
      if (attrs.maxTies === "all") alpha = tf.max(s, 1);
      else {
        const parts = [...tf.unstack(s, 1)];
        let acc = parts[0] as tf.Tensor;
        for (let f = 1; f < F; f++) acc = (maxSplit as (a: tf.Tensor, b: tf.Tensor) => tf.Tensor)(acc, parts[f] as tf.Tensor);
        alpha = acc;
      }
    } else alpha = (tc.reduce as (x: tf.Tensor, axis: number) => tf.Tensor)(s, 1);
    // `hard` (distribution or aggregation) is piecewise constant: keep a zero-gradient path to the faces.
    if (tc.name === "hard" || attrs.distribution === "hard") alpha = tf.add(alpha, tf.mul(tf.sum(faces), 0));
    return tf.reshape(alpha, [B, S, S]) as tf.Tensor3D;
  });
}
