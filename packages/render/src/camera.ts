import * as tf from "@tensorflow/tfjs-core";
import { RelaxError, assertInRange, assertOneOf, assertPositive, describe, toFloatTensor, type TensorInput } from "@relax/core";

/** Projection models. */
export const PROJECTIONS = ["perspective", "orthographic"] as const;
export type Projection = (typeof PROJECTIONS)[number];

/**
 * A look-at camera (NMR/SoftRas/GenDR convention): it sits at `eye`, looks at `at`, with `up` as the
 * up hint; view space has the camera looking along +z, +x right, +y up. Any field may be a tensor
 * (e.g. a `tf.Variable` eye) so that projections are differentiable w.r.t. the camera.
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
  /** Half-width of the orthographic view volume in world units: x_ndc = x/scale (default 1). */
  orthoScale?: number;
}

/**
 * Camera position from spherical angles (SoftRas `get_points_from_angles`):
 * eye = (d·cos e·sin a, d·sin e, −d·cos e·cos a). Differentiable when the inputs are tensors; inputs
 * of shape `[B]` give `[B, 3]`.
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
  const toRad = options.degrees === false ? 1 : Math.PI / 180;
  const d = toFloatTensor(op, "distance", distance);
  const e = toFloatTensor(op, "elevation", elevation);
  const a = toFloatTensor(op, "azimuth", azimuth);
  return tf.tidy(() => {
    const er = tf.mul(e, toRad);
    const ar = tf.mul(a, toRad);
    const ce = tf.cos(er);
    return tf.stack([tf.mul(tf.mul(d, ce), tf.sin(ar)), tf.mul(d, tf.sin(er)), tf.neg(tf.mul(tf.mul(d, ce), tf.cos(ar)))], -1);
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
  const ok = t.shape[t.rank - 1] === 3 && (t.rank === 1 || (allowBatch && t.rank === 2));
  if (!ok) throw new RelaxError(op, arg, allowBatch ? "[3] or [B, 3]" : "[3]", `[${t.shape.join(", ")}]`);
  return t;
}

/**
 * Look-at view transform (NMR/SoftRas/GenDR): z = normalize(at − eye), x = normalize(up × z),
 * y = normalize(z × x), v_view = (v − eye)·[x; y; z]ᵀ. Differentiable w.r.t. vertices and eye/at.
 *
 * @param vertices `[V, 3]` or `[B, V, 3]` world positions
 * @param eye `[3]` or `[B, 3]`; `at` default origin, `up` default +y
 * @returns `[V, 3]` view-space (or `[B, V, 3]` when vertices or eye are batched)
 * @example
 * const view = lookAt(mesh.vertices, [0, 0, -3]);
 * // the camera at z = −3 looks along +z: the origin is at view depth 3
 * const depth = tf.slice(view, [0, 2], [-1, 1]);
 */
export function lookAt(vertices: tf.Tensor, eye: TensorInput, at: TensorInput = [0, 0, 0], up: TensorInput = [0, 1, 0]): tf.Tensor {
  const op = "lookAt";
  if ((vertices.rank !== 2 && vertices.rank !== 3) || vertices.shape[vertices.rank - 1] !== 3) {
    throw new RelaxError(op, "vertices", "[V, 3] or [B, V, 3]", `[${vertices.shape.join(", ")}]`);
  }
  const e = vec3(op, "eye", eye, true);
  const a = vec3(op, "at", at, true);
  const u = vec3(op, "up", up, false);
  return tf.tidy(() => {
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
  });
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
export function perspective(view: tf.Tensor, viewingAngle = 30): tf.Tensor {
  const theta = assertInRange("perspective", "viewingAngle", viewingAngle, 1e-6, 89.999);
  const t = Math.tan((theta * Math.PI) / 180);
  return tf.tidy(() => {
    const [x, y, z] = tf.unstack(view, -1) as [tf.Tensor, tf.Tensor, tf.Tensor];
    const denom = tf.mul(tf.maximum(z, 1e-5), t);
    return tf.stack([tf.div(x, denom), tf.div(y, denom), z], -1);
  });
}

/**
 * Orthographic projection of view-space points: x_ndc = x/scale, y_ndc = y/scale, depth = z.
 *
 * @param view `[..., 3]` view-space points
 * @param scale half-width of the view volume (default 1)
 * @example
 * const p = orthographic(tf.tensor2d([[0.5, 0, 2]]), 2);
 * p.arraySync(); // [[0.25, 0, 2]]
 */
export function orthographic(view: tf.Tensor, scale = 1): tf.Tensor {
  const s = assertPositive("orthographic", "scale", scale);
  return tf.tidy(() => {
    const [x, y, z] = tf.unstack(view, -1) as [tf.Tensor, tf.Tensor, tf.Tensor];
    return tf.stack([tf.div(x, s), tf.div(y, s), z], -1);
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
export function projectVertices(vertices: tf.Tensor, camera: Camera): tf.Tensor {
  const op = "projectVertices";
  if (camera == null || typeof camera !== "object") throw new RelaxError(op, "camera", "a Camera object", describe(camera));
  const projection = assertOneOf(op, "camera.projection", camera.projection ?? "perspective", PROJECTIONS);
  return tf.tidy(() => {
    const view = lookAt(vertices, camera.eye, camera.at ?? [0, 0, 0], camera.up ?? [0, 1, 0]);
    return projection === "perspective" ? perspective(view, camera.viewingAngle ?? 30) : orthographic(view, camera.orthoScale ?? 1);
  });
}
