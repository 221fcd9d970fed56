import * as tf from "@tensorflow/tfjs-core";
import {
  RelaxError,
  assertFinite,
  assertInRange,
  assertOneOf,
  assertOptions,
  describe,
  hostValues,
  toFloatTensor,
  type TensorInput,
  optionalBoolean,
} from "@relax/core";
import { shapeText, orDefault } from "./checks.js";

/** Projection models. */
export const PROJECTIONS = ["perspective", "orthographic"] as const;
export type Projection = (typeof PROJECTIONS)[number];

/**
 * A look-at camera (NMR/SoftRas/GenDR convention): it sits at `eye`, looks at `at`, with `up` as the
 * up hint; view space has the camera looking along +z, +x right, +y up. Any field may be a tensor
 * (e.g. a `tf.Variable` eye) so that projections are differentiable w.r.t. the camera. Unknown keys,
 * a missing `eye`, eye = at, `up` parallel to the view direction and an angle outside (0°, 90°) are
 * rejected with a `RelaxError`.
 */
export interface Camera {
  /** `[3]` or `[B, 3]` camera position. */
  eye: TensorInput;
  /** `[3]` or `[B, 3]` target (default origin). */
  at?: TensorInput;
  /** `[3]` up hint (default +y). */
  up?: TensorInput;
  /** `'perspective'` (default) or `'orthographic'`. */
  projection?: Projection;
  /** Half field of view θ in degrees for perspective: x_ndc = x/(z·tan θ) (default 30, SoftRas's `viewing_angle`). */
  viewingAngle?: number;
  /** Half-width of the orthographic view volume in world units: x_ndc = x/scale (default 1; in [1e-12, 1e12]). */
  orthoScale?: number;
}

/**
 * Camera position from spherical angles (SoftRas `get_points_from_angles`):
 * eye = (d·cos e·sin a, d·sin e, −d·cos e·cos a). Differentiable when the inputs are tensors; inputs
 * of shape `[B]` give `[B, 3]`. All inputs must be finite, `distance` > 0, and `[B]` inputs of equal length.
 *
 * @param distance d (> 0)
 * @param elevation e, in degrees (or radians with `{ degrees: false }`)
 * @param azimuth a, in degrees (or radians)
 * @example
 * const eye = eyeFromAngles(2.732, 30, 45); // [1.673, 1.366, −1.673]
 * const cam = { eye, viewingAngle: 20 };
 * const projected = projectVertices(mesh.vertices, cam);
 */
export function eyeFromAngles(
  distance: TensorInput,
  elevation: TensorInput,
  azimuth: TensorInput,
  options: { degrees?: boolean } = {},
): tf.Tensor {
  const op = "eyeFromAngles";
  const opts = assertOptions<{ degrees?: boolean }>(op, options, ["degrees"]);
  const toRad = optionalBoolean(op, "options.degrees", opts.degrees, true) ? Math.PI / 180 : 1;
  return tf.tidy(() => {
    const d = toFloatTensor(op, "distance", distance);
    const e = toFloatTensor(op, "elevation", elevation);
    const a = toFloatTensor(op, "azimuth", azimuth);
    let n = -1;
    for (const [name, t] of [
      ["distance", d],
      ["elevation", e],
      ["azimuth", a],
    ] as const) {
      if (t.rank > 1 || (t.rank === 1 && n >= 0 && t.shape[0] !== n)) {
        throw new RelaxError(op, name, n >= 0 ? `a scalar or [${n}] (like the other angles)` : "a scalar or [B]", shapeText(t));
      }
      if (t.rank === 1) n = t.shape[0] as number;
      assertFinite(op, name, t);
    }
    const dv = hostValues(d);
    if (dv !== null) {
      for (let i = 0; i < dv.length; i++) {
        if (!((dv[i] as number) > 0)) throw new RelaxError(op, "distance", "> 0", `${describe(dv[i])} at flat index ${i}`);
      }
    }
    if (n === 0) return tf.zeros([0, 3]);
    const er = tf.mul(e, toRad);
    const ar = tf.mul(a, toRad);
    const ce = tf.cos(er);
    const parts = [tf.mul(tf.mul(d, ce), tf.sin(ar)), tf.mul(d, tf.sin(er)), tf.neg(tf.mul(tf.mul(d, ce), tf.cos(ar)))];
    // a mix of scalars and [B] inputs: every coordinate is [B]
    return tf.stack(n >= 0 ? parts.map((p) => (p.rank === 0 ? tf.broadcastTo(p, [n]) : p)) : parts, -1);
  });
}

function normalize(v: tf.Tensor): tf.Tensor {
  // F.normalize(v, eps=1e-5): v / max(‖v‖, 1e-5)
  return tf.div(v, tf.maximum(tf.norm(v, "euclidean", -1, true), 1e-5));
}

function cross(a: tf.Tensor, b: tf.Tensor): tf.Tensor {
  const [a0, a1, a2] = tf.unstack(a, -1) as [tf.Tensor, tf.Tensor, tf.Tensor];
  const [b0, b1, b2] = tf.unstack(b, -1) as [tf.Tensor, tf.Tensor, tf.Tensor];
  return tf.stack(
    [tf.sub(tf.mul(a1, b2), tf.mul(a2, b1)), tf.sub(tf.mul(a2, b0), tf.mul(a0, b2)), tf.sub(tf.mul(a0, b1), tf.mul(a1, b0))],
    -1,
  );
}

function vec3(op: string, arg: string, x: TensorInput, allowBatch: boolean): tf.Tensor {
  const t = toFloatTensor(op, arg, x);
  const ok = t.rank >= 1 && t.shape[t.rank - 1] === 3 && (t.rank === 1 || (allowBatch && t.rank === 2));
  if (!ok) throw new RelaxError(op, arg, allowBatch ? "[3] or [B, 3]" : "[3]", shapeText(t));
  assertFinite(op, arg, t, x);
  return t;
}

/** Range of the orthographic half-width: beyond it float32 coordinates underflow to 0/0 or overflow. */
const MIN_ORTHO_SCALE = 1e-12;
const MAX_ORTHO_SCALE = 1e12;

const EPS = 1e-5; // the look-at normalisation floor (F.normalize's eps)

/** Rejects cameras whose look-at frame is undefined: eye = at, or up parallel to at − eye (host values only). */
function assertFrame(
  op: string,
  prefix: string,
  [e, a, u]: [tf.Tensor, tf.Tensor, tf.Tensor],
  [eye, at, up]: [unknown, unknown, unknown],
): void {
  const ev = hostValues(e, eye),
    av = hostValues(a, at),
    uv = hostValues(u, up);
  if (ev === null || av === null || uv === null) return;
  const rows = Math.max(ev.length, av.length) / 3;
  for (let b = 0; b < rows; b++) {
    const eo = ev.length === 3 ? 0 : 3 * b,
      ao = av.length === 3 ? 0 : 3 * b;
    const dir = [0, 1, 2].map((k) => (av[ao + k] as number) - (ev[eo + k] as number));
    const len = Math.hypot(dir[0] as number, dir[1] as number, dir[2] as number);
    const at = (o: number, v: ArrayLike<number>) => `[${[v[o], v[o + 1], v[o + 2]].join(", ")}]`;
    if (!(len > EPS)) {
      throw new RelaxError(
        op,
        `${prefix}eye`,
        `a point different from ${prefix}at (|at − eye| > ${EPS})`,
        `eye ${at(eo, ev)}, at ${at(ao, av)}${rows > 1 ? ` (row ${b})` : ""}`,
      );
    }
    const z = dir.map((c) => c / len) as [number, number, number];
    const [u0, u1, u2] = [uv[0] as number, uv[1] as number, uv[2] as number];
    const cx = Math.hypot(u1 * z[2] - u2 * z[1], u2 * z[0] - u0 * z[2], u0 * z[1] - u1 * z[0]);
    if (!(cx > EPS)) {
      throw new RelaxError(
        op,
        `${prefix}up`,
        `a vector not parallel to the view direction at − eye (|up × dir| > ${EPS})`,
        `up ${at(0, uv)}, view direction [${z.map((c) => +c.toPrecision(4)).join(", ")}]${rows > 1 ? ` (row ${b})` : ""}`,
      );
    }
  }
}

/** The look-at transform of {@link lookAt} with errors reported as `op` (`prefix` names the camera fields, e.g. `"camera."`). */
function viewTransform(op: string, prefix: string, vertices: TensorInput, eye: TensorInput, at: TensorInput, up: TensorInput): tf.Tensor {
  return tf.tidy(() => {
    const vin = toFloatTensor(op, "vertices", vertices);
    if ((vin.rank !== 2 && vin.rank !== 3) || vin.shape[vin.rank - 1] !== 3) {
      throw new RelaxError(op, "vertices", "[V, 3] or [B, V, 3]", shapeText(vin));
    }
    assertFinite(op, "vertices", vin);
    const e = vec3(op, `${prefix}eye`, eye, true);
    const a = vec3(op, `${prefix}at`, at, true);
    const u = vec3(op, `${prefix}up`, up, false);
    const batches = [vin.rank === 3 ? vin.shape[0] : 1, e.rank === 2 ? e.shape[0] : 1, a.rank === 2 ? a.shape[0] : 1] as number[];
    const B = Math.max(...batches);
    if (batches.some((n) => n !== 1 && n !== B)) {
      throw new RelaxError(op, `${prefix}eye`, "batch sizes of vertices, eye and at that are equal or 1", `batches ${batches.join(", ")}`);
    }
    assertFrame(op, prefix, [e, a, u], [eye, at, up]);
    return lookAtTensors(vin, e, a, u);
  });
}

function lookAtTensors(vertices: tf.Tensor, e: tf.Tensor, a: tf.Tensor, u: tf.Tensor): tf.Tensor {
  const batched = vertices.rank === 3 || e.rank === 2 || a.rank === 2;
  const e2 = e.rank === 1 ? tf.expandDims(e, 0) : e; // [B|1, 3]
  const a2 = a.rank === 1 ? tf.expandDims(a, 0) : a;
  const z = normalize(tf.sub(a2, e2));
  const x = normalize(cross(tf.broadcastTo(tf.expandDims(u, 0), z.shape), z));
  const y = normalize(cross(z, x));
  const R = tf.stack([x, y, z], 1); // [B|1, 3(axis), 3]
  const v3 = vertices.rank === 2 ? tf.expandDims(vertices, 0) : vertices; // [B|1, V, 3]
  const rel = tf.sub(v3, tf.expandDims(e2, 1));
  const out = tf.matMul(rel, tf.broadcastTo(R, [Math.max(rel.shape[0] as number, R.shape[0] as number), 3, 3]), false, true);
  return batched ? out : tf.squeeze(out, [0]);
}

/**
 * Look-at view transform (NMR/SoftRas/GenDR): z = normalize(at − eye), x = normalize(up × z),
 * y = normalize(z × x), v_view = (v − eye)·[x; y; z]ᵀ. Differentiable w.r.t. vertices and eye/at.
 * A degenerate camera is a `RelaxError` naming the field: eye = at (|at − eye| ≤ 1e-5), `up` zero or
 * parallel to the view direction, non-finite entries, or batch sizes that do not match.
 *
 * @param vertices `[V, 3]` or `[B, V, 3]` world positions
 * @param eye `[3]` or `[B, 3]`; `at` default origin, `up` default +y
 * @returns `[V, 3]` view-space (or `[B, V, 3]` when vertices or eye are batched)
 * @example
 * const view = lookAt(mesh.vertices, [0, 0, -3]);
 * // the camera at z = −3 looks along +z: the origin is at view depth 3
 * const depth = tf.slice(view, [0, 2], [-1, 1]);
 */
export function lookAt(vertices: TensorInput, eye: TensorInput, at: TensorInput = [0, 0, 0], up: TensorInput = [0, 1, 0]): tf.Tensor {
  return viewTransform("lookAt", "", vertices, eye, at, up);
}

/** Checks a `[..., 3]` view-space tensor (finite) inside the caller's tidy. */
function viewPoints(op: string, view: TensorInput): tf.Tensor {
  const t = toFloatTensor(op, "view", view);
  if (t.rank < 1 || t.shape[t.rank - 1] !== 3) throw new RelaxError(op, "view", "[..., 3] (x, y, z)", shapeText(t));
  assertFinite(op, "view", t);
  return t;
}

/**
 * Perspective projection of view-space points (NMR/SoftRas/GenDR): x_ndc = x/(z·tan θ),
 * y_ndc = y/(z·tan θ), depth = z. Depths below 1e-5 (points at or behind the camera) are clamped to
 * 1e-5 in the division, so results stay finite; the returned depth is the true z (the near plane culls them).
 *
 * @param view `[..., 3]` view-space points
 * @param viewingAngle θ in degrees (0 < θ < 90; default 30)
 * @returns `[..., 3]` (x_ndc, y_ndc, depth)
 * @example
 * const p = perspective(tf.tensor2d([[0.5, 0, 2]]), 45);
 * p.arraySync(); // [[0.25, 0, 2]]
 */
export function perspective(view: TensorInput, viewingAngle = 30): tf.Tensor {
  const theta = assertInRange("perspective", "viewingAngle", viewingAngle, 1e-6, 89.999);
  return tf.tidy(() => perspectiveTensors(viewPoints("perspective", view), theta));
}

function perspectiveTensors(view: tf.Tensor, theta: number): tf.Tensor {
  const t = Math.tan((theta * Math.PI) / 180);
  const [x, y, z] = tf.unstack(view, -1) as [tf.Tensor, tf.Tensor, tf.Tensor];
  const denom = tf.mul(tf.maximum(z, 1e-5), t);
  return tf.stack([tf.div(x, denom), tf.div(y, denom), z], -1);
}

/**
 * Orthographic projection of view-space points: x_ndc = x/scale, y_ndc = y/scale, depth = z.
 *
 * @param view `[..., 3]` view-space points
 * @param scale half-width of the view volume, in [1e-12, 1e12] so that float32 results stay finite (default 1)
 * @example
 * const p = orthographic(tf.tensor2d([[0.5, 0, 2]]), 2);
 * p.arraySync(); // [[0.25, 0, 2]]
 */
export function orthographic(view: TensorInput, scale = 1): tf.Tensor {
  const s = assertInRange("orthographic", "scale", scale, MIN_ORTHO_SCALE, MAX_ORTHO_SCALE);
  return tf.tidy(() => orthographicTensors(viewPoints("orthographic", view), s));
}

function orthographicTensors(view: tf.Tensor, s: number): tf.Tensor {
  const [x, y, z] = tf.unstack(view, -1) as [tf.Tensor, tf.Tensor, tf.Tensor];
  return tf.stack([tf.div(x, s), tf.div(y, s), z], -1);
}

/** The keys of {@link Camera}. */
export const CAMERA_KEYS = ["eye", "at", "up", "projection", "viewingAngle", "orthoScale"] as const;

/** A validated camera: its host parameters (tensor fields are checked when projecting). */
export function cameraParams(op: string, camera: unknown): { camera: Camera; projection: Projection; angle: number; scale: number } {
  const cam = assertOptions<Camera>(op, camera, CAMERA_KEYS, "camera");
  if (camera === undefined || cam.eye === undefined) throw new RelaxError(op, "camera.eye", "a [3] or [B, 3] position", "undefined");
  const projection = assertOneOf(op, "camera.projection", orDefault(cam.projection, "perspective"), PROJECTIONS);
  const angle = assertInRange(op, "camera.viewingAngle", orDefault(cam.viewingAngle, 30), 1e-6, 89.999);
  const scale = assertInRange(op, "camera.orthoScale", orDefault(cam.orthoScale, 1), MIN_ORTHO_SCALE, MAX_ORTHO_SCALE);
  return { camera: cam, projection, angle, scale };
}

/** {@link projectVertices} reporting errors as `op` (used by `render`). */
export function projectAs(op: string, vertices: TensorInput, camera: Camera): tf.Tensor {
  const p = cameraParams(op, camera);
  return tf.tidy(() => {
    const view = viewTransform(op, "camera.", vertices, p.camera.eye, orDefault(p.camera.at, [0, 0, 0]), orDefault(p.camera.up, [0, 1, 0]));
    return p.projection === "perspective" ? perspectiveTensors(view, p.angle) : orthographicTensors(view, p.scale);
  });
}

/**
 * World → (x_ndc, y_ndc, depth) through a look-at {@link Camera} and its projection. Differentiable
 * w.r.t. vertices and every tensor field of the camera.
 *
 * @param vertices `[V, 3]` or `[B, V, 3]`
 * @returns `[V, 3]` or `[B, V, 3]` (batched when vertices or eye/at are)
 * @example
 * const cam = { eye: eyeFromAngles(2.732, 30, 45), viewingAngle: 20 };
 * const proj = projectVertices(mesh.vertices, cam);
 * const alpha = rasterizeSilhouette(faceVertices(proj, mesh.faces), { imageSize: 64 });
 */
export function projectVertices(vertices: TensorInput, camera: Camera): tf.Tensor {
  return projectAs("projectVertices", vertices, camera);
}
