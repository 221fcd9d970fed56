import * as tf from "@tensorflow/tfjs-core";
import {
  RelaxError,
  RelaxRasterizeRgb,
  assertFinite,
  assertOptions,
  assertPositive,
  describe,
  runFusedKernel,
  toFloatTensor,
  useFused,
  type RelaxRasterizeRgbAttrs,
  type TensorInput,
  optionalBoolean,
} from "@relax/core";
import { assertNumberArray, shapeText, orDefault } from "./checks.js";
import { SILHOUETTE_KEYS, faces4, fragmentTensors, silhouetteAttrs, type SilhouetteOptions } from "./silhouette.js";
import "./kernels/rgb.js";

/** Options of {@link rasterizeRgb}: the silhouette's fragment options plus GenDR's colour aggregation settings. */
export interface RgbOptions extends SilhouetteOptions {
  /** Softmax depth temperature γ (`aggr_rgb_gamma`). Default 1e-3. */
  gamma?: number;
  /** Background logit ε (`aggr_rgb_eps`). Default 1e-3. */
  eps?: number;
  /** Near plane (view depth). Default 1. */
  near?: number;
  /** Far plane. Default 100. */
  far?: number;
  /** Also draw back-facing triangles (`double_side`). Default false. */
  doubleSide?: boolean;
  /** Background RGB in [0, 1]. Default black. */
  background?: [number, number, number];
}

/** The keys of {@link RgbOptions}: the silhouette's plus the colour settings. */
export const RGB_KEYS = [...SILHOUETTE_KEYS, "gamma", "eps", "near", "far", "doubleSide", "background"] as const;

/**
 * Validated colour attributes: {@link silhouetteAttrs} plus γ > 0, finite ε, 0 < near < far (finite),
 * a boolean `doubleSide` and a background `[r, g, b]` in [0, 1]; unknown keys (not in `keys`, default
 * `RGB_KEYS`) are rejected with the nearest valid name.
 *
 * @example
 * const attrs = rgbAttrs("myOp", { imageSize: 32, gamma: 1e-2 });
 * attrs.near; // 1
 */
export function rgbAttrs(op: string, options: RgbOptions = {}, keys: readonly string[] = RGB_KEYS): RelaxRasterizeRgbAttrs {
  const base = silhouetteAttrs(op, options, keys);
  const opts = options ?? {};
  const gamma = assertPositive(op, "gamma", orDefault(opts.gamma, 1e-3));
  const eps = orDefault(opts.eps, 1e-3);
  if (typeof eps !== "number" || !Number.isFinite(eps)) throw new RelaxError(op, "eps", "a finite number", describe(eps));
  const near = assertPositive(op, "near", orDefault(opts.near, 1));
  const far = assertPositive(op, "far", orDefault(opts.far, 100));
  if (!(far > near))
    throw new RelaxError(op, "near/far", "finite numbers with 0 < near < far", `near ${describe(near)}, far ${describe(far)}`);
  const doubleSide = optionalBoolean(op, "doubleSide", opts.doubleSide, false);
  const bg = assertNumberArray(op, "background", orDefault(opts.background, [0, 0, 0]), 3, 0, 1);
  return { ...base, gamma, eps, near, far, doubleSide, background: bg as [number, number, number] };
}

function prepare(op: string, faces: TensorInput, colors: TensorInput): { f4: tf.Tensor4D; c4: tf.Tensor4D; batched: boolean } {
  const f = toFloatTensor(op, "faces", faces);
  if (!((f.rank === 3 || f.rank === 4) && f.shape[f.rank - 1] === 3 && f.shape[f.rank - 2] === 3)) {
    throw new RelaxError(op, "faces", "[F, 3, 3] or [B, F, 3, 3]", shapeText(f));
  }
  assertFinite(op, "faces", f);
  const c = toFloatTensor(op, "colors", colors);
  const F = f.shape[f.rank - 3] as number;
  if (!((c.rank === 3 || c.rank === 4) && c.shape[c.rank - 1] === 3 && c.shape[c.rank - 2] === 3 && c.shape[c.rank - 3] === F)) {
    throw new RelaxError(op, "colors", `[${F}, 3, 3] or [B, ${F}, 3, 3] (RGB per face corner)`, `[${c.shape.join(", ")}]`);
  }
  assertFinite(op, "colors", c);
  const f4 = (f.rank === 3 ? tf.expandDims(f, 0) : f) as tf.Tensor4D;
  const B = f4.shape[0];
  let c4 = (c.rank === 3 ? tf.expandDims(c, 0) : c) as tf.Tensor4D;
  if (c4.shape[0] !== B) {
    if (c4.shape[0] !== 1) throw new RelaxError(op, "colors", `batch 1 or ${B}`, `[${c.shape.join(", ")}]`);
    c4 = tf.tile(c4, [B, 1, 1, 1]) as tf.Tensor4D;
  }
  return { f4, c4, batched: f.rank === 4 };
}

/**
 * GenDR/SoftRas soft colour image (`aggr_rgb_func='softmax'`, per-vertex colours): every fragment s_f
 * (same distribution, τ and culling as {@link rasterizeSilhouette}) is weighted by a softmax over its
 * normalised inverse depth z̃ = (far − z_p)/(far − near) with temperature γ, against a background logit ε/γ;
 * faces outside [near, far] and back faces (unless `doubleSide`) are skipped. Fused CPU/wasm kernel; its
 * gradient follows GenDR's analytic convention (exact w.r.t. colours; w.r.t. vertex x, y through the
 * coverage s_f only — the barycentric sampling and z_p terms are dropped, as in GenDR and SoftRas).
 *
 * @param faces `[F, 3, 3]` or `[B, F, 3, 3]` projected corners (x_ndc, y_ndc, view depth)
 * @param colors `[F, 3, 3]` or `[B, F, 3, 3]` RGB per face corner (e.g. `faceVertices(mesh.colors, mesh.faces)`)
 * @param options {@link RgbOptions} (defaults: γ = 1e-3, ε = 1e-3, near 1, far 100, single-sided, black)
 * @returns rgb `[S, S, 3]` (or `[B, S, S, 3]`)
 * @example
 * const fv = faceVertices(projectVertices(mesh.vertices, cam), mesh.faces);
 * const rgb = rasterizeRgb(fv, faceVertices(mesh.colors!, mesh.faces), { imageSize: 64, scale: 0.05 });
 * await savePNG("color.png", rgb);
 */
export function rasterizeRgb(faces: TensorInput, colors: TensorInput, options: RgbOptions = {}): tf.Tensor {
  const op = "rasterizeRgb";
  const attrs = rgbAttrs(op, options);
  return tf.tidy(() => {
    const { f4, c4, batched } = prepare(op, faces, colors);
    const out = useFused(RelaxRasterizeRgb, attrs)
      ? runFusedKernel<tf.Tensor>(RelaxRasterizeRgb, { faces: f4, colors: c4 }, attrs)
      : referenceRgb(f4, c4, attrs);
    return batched ? out : tf.squeeze(out, [0]);
  });
}

/**
 * Reference composition of {@link rasterizeRgb} from tfjs ops (materialises `[B, F, S·S]`; small images
 * only). Same forward values; its autodiff gradient is the full derivative (including the barycentric
 * and depth terms that the fused kernel drops, like GenDR).
 *
 * @example
 * const rgb = withFlags({ RELAX_FORCE_REFERENCE: true }, () => rasterizeRgb(faces, colors, { imageSize: 16 })); // runs this
 */
export function rasterizeRgbReference(faces: TensorInput, colors: TensorInput, options: RgbOptions = {}): tf.Tensor4D {
  const op = "rasterizeRgbReference";
  const attrs = rgbAttrs(op, options);
  return tf.tidy(() => {
    const f4 = faces4(op, faces);
    const c4 = faces4(op, colors, "colors");
    if (c4.shape[0] !== f4.shape[0] || c4.shape[1] !== f4.shape[1]) {
      throw new RelaxError(op, "colors", `[${f4.shape[0]}, ${f4.shape[1]}, 3, 3] (like faces)`, shapeText(c4));
    }
    return referenceRgb(f4, c4, attrs);
  });
}

function referenceRgb(faces: tf.Tensor4D, colors: tf.Tensor4D, attrs: RelaxRasterizeRgbAttrs): tf.Tensor4D {
  return tf.tidy(() => {
    const [B, F] = faces.shape;
    const S = attrs.imageSize;
    const bg = tf.tensor1d(attrs.background);
    if (F === 0) return tf.mul(tf.ones([B, S, S, 1]), bg) as tf.Tensor4D;
    const { s, w } = fragmentTensors(faces, attrs);
    const corner = (t: tf.Tensor, k: number, d: number) => tf.squeeze(tf.slice(t, [0, 0, k, d], [-1, -1, 1, 1]), [3]); // [B, F, 1]
    const wc = w.map((x) => tf.clipByValue(x, 0, 1));
    const sum = tf.maximum(tf.addN(wc), 1e-5);
    const wn = wc.map((x) => tf.div(x, sum));
    const inv = tf.addN(wn.map((x, k) => tf.div(x, corner(faces, k, 2))));
    const zp = tf.div(1, inv);
    const [x0, y0, x1, y1, x2, y2] = [
      corner(faces, 0, 0),
      corner(faces, 0, 1),
      corner(faces, 1, 0),
      corner(faces, 1, 1),
      corner(faces, 2, 0),
      corner(faces, 2, 1),
    ];
    const detach = (t: tf.Tensor) => tf.tensor(t.dataSync(), t.shape, t.dtype); // masks stay off the gradient tape
    const front = detach(tf.less(tf.mul(tf.sub(y2, y0), tf.sub(x1, x0)), tf.mul(tf.sub(y1, y0), tf.sub(x2, x0)))); // [B, F, 1]
    const zpd = detach(zp);
    let valid = tf.logicalAnd(tf.logicalAnd(tf.greaterEqual(zpd, attrs.near), tf.lessEqual(zpd, attrs.far)), tf.greater(detach(s), 0));
    if (!attrs.doubleSide) valid = tf.logicalAnd(valid, front);
    const zt = tf.div(tf.sub(attrs.far, zp), attrs.far - attrs.near);
    const logits = tf.where(valid, tf.div(zt, attrs.gamma), tf.fill(zt.shape, -1e30));
    const bgLogit = attrs.eps / attrs.gamma;
    const m = tf.maximum(tf.max(logits, 1, true), bgLogit); // [B, 1, P]
    const e = tf.where(valid, tf.mul(s, tf.exp(tf.sub(logits, m))), tf.zerosLike(s)); // [B, F, P]
    const eBg = tf.exp(tf.sub(bgLogit, m)); // [B, 1, P]
    const Z = tf.add(eBg, tf.sum(e, 1, true));
    const chans = [0, 1, 2].map((ch) => {
      const cf = tf.addN(wn.map((x, k) => tf.mul(x, corner(colors, k, ch))));
      const num = tf.add(tf.mul(eBg, attrs.background[ch] as number), tf.sum(tf.mul(e, cf), 1, true));
      return tf.div(num, Z); // [B, 1, P]
    });
    return tf.transpose(tf.reshape(tf.concat(chans, 1), [B, 3, S, S]), [0, 2, 3, 1]) as tf.Tensor4D;
  });
}

/** Largest light intensity accepted by {@link lambert} (beyond it float32 colours overflow). */
const MAX_INTENSITY = 1e6;

/** A simple light: ambient + one directional (Lambertian), SoftRas's defaults. */
export interface Light {
  /** Ambient intensity in [0, 1e6] (default 0.5). */
  ambient?: number;
  /** Directional intensity in [0, 1e6] (default 0.5). */
  directional?: number;
  /** Direction towards the light, world space (default [0, 1, 0]). */
  direction?: [number, number, number];
}

/**
 * Lambertian shading of per-corner colours: each face's colours are multiplied by
 * `ambient + directional·max(0, n·l)`, n the face's unit world-space normal (cross(v1−v0, v2−v0)), l the
 * unit light direction. Differentiable w.r.t. vertices and colours. `light` takes only `ambient`,
 * `directional` (in [0, 1e6]) and `direction` (a finite non-zero `[x, y, z]`); anything else is a `RelaxError`.
 *
 * @param worldFaces `[F, 3, 3]` or `[B, F, 3, 3]` world-space corners
 * @param colors matching `[..., F, 3, 3]` corner colours
 * @example
 * const lit = lambert(faceVertices(mesh.vertices, mesh.faces), faceVertices(mesh.colors!, mesh.faces));
 * const rgb = rasterizeRgb(projectedFaces, lit, { imageSize: 64 });
 * await savePNG("lit.png", rgb);
 */
export function lambert(worldFaces: TensorInput, colors: TensorInput, light: Light = {}): tf.Tensor {
  const op = "lambert";
  const opts = assertOptions<Light>(op, light, ["ambient", "directional", "direction"], "light");
  const amb = orDefault(opts.ambient, 0.5);
  const dir = orDefault(opts.directional, 0.5);
  for (const [k, v] of [
    ["light.ambient", amb],
    ["light.directional", dir],
  ] as const) {
    if (typeof v !== "number" || !(v >= 0 && v <= MAX_INTENSITY))
      throw new RelaxError(op, k, `a number in [0, ${MAX_INTENSITY}]`, describe(v));
  }
  const l = assertNumberArray(op, "light.direction", orDefault(opts.direction, [0, 1, 0]), 3) as [number, number, number];
  const n = Math.hypot(l[0], l[1], l[2]);
  if (!(n > 0 && Number.isFinite(n))) throw new RelaxError(op, "light.direction", "a non-zero finite vector", describe(l));
  return tf.tidy(() => {
    const wf = toFloatTensor(op, "worldFaces", worldFaces);
    if (wf.rank < 3 || wf.shape[wf.rank - 1] !== 3 || wf.shape[wf.rank - 2] !== 3) {
      throw new RelaxError(op, "worldFaces", "[F, 3, 3] or [B, F, 3, 3] world-space corners", shapeText(wf));
    }
    assertFinite(op, "worldFaces", wf);
    const col = toFloatTensor(op, "colors", colors);
    const tail = wf.shape.slice(-3);
    const ok =
      col.rank >= 3 &&
      col.rank <= wf.rank &&
      col.shape.every((d, i) => {
        const w = wf.shape[wf.rank - col.rank + i];
        return d === w || (i < col.rank - 3 && d === 1);
      });
    if (!ok) throw new RelaxError(op, "colors", `[${tail.join(", ")}] or [..., ${tail.join(", ")}] (like worldFaces)`, shapeText(col));
    assertFinite(op, "colors", col);
    const [v0, v1, v2] = tf.unstack(wf, -2) as [tf.Tensor, tf.Tensor, tf.Tensor];
    const a = tf.sub(v1, v0),
      b = tf.sub(v2, v0);
    const [a0, a1, a2] = tf.unstack(a, -1) as [tf.Tensor, tf.Tensor, tf.Tensor];
    const [b0, b1, b2] = tf.unstack(b, -1) as [tf.Tensor, tf.Tensor, tf.Tensor];
    const nx = tf.sub(tf.mul(a1, b2), tf.mul(a2, b1)),
      ny = tf.sub(tf.mul(a2, b0), tf.mul(a0, b2)),
      nz = tf.sub(tf.mul(a0, b1), tf.mul(a1, b0));
    const len = tf.sqrt(tf.add(tf.add(tf.add(tf.square(nx), tf.square(ny)), tf.square(nz)), 1e-20));
    const cos = tf.div(tf.addN([tf.mul(nx, l[0] / n), tf.mul(ny, l[1] / n), tf.mul(nz, l[2] / n)]), len);
    const k = tf.add(amb, tf.mul(dir, tf.relu(cos))); // [..., F]
    return tf.mul(col, tf.expandDims(tf.expandDims(k, -1), -1));
  });
}
