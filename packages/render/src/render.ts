import * as tf from "@tensorflow/tfjs-core";
import { RelaxError, assertFinite, assertOptions, describe, toFloatTensor, type TensorInput, optionalBoolean } from "@relax/core";
import { cameraParams, projectAs, type Camera } from "./camera.js";
import { shapeText } from "./checks.js";
import { Mesh, faceVertices } from "./mesh.js";
import { RGB_KEYS, lambert, rasterizeRgb, rgbAttrs, type Light, type RgbOptions } from "./shade.js";
import { SILHOUETTE_KEYS, rasterizeSilhouette, silhouetteAttrs } from "./silhouette.js";

/** Options of {@link render}: fragment + colour options, optional vertices override and light. */
export interface RenderOptions extends RgbOptions {
  /** Render these `[V, 3]` (or `[B, V, 3]`) vertices with the mesh's faces instead of `mesh.vertices` (e.g. a deformed variable). */
  vertices?: TensorInput;
  /** Lambertian light applied to the vertex colours (default none: colours as given). */
  light?: Light | null;
  /** Also compute rgb (default true when the mesh has colours). */
  rgb?: boolean;
}

/** The keys of {@link RenderOptions} (unknown keys are rejected with the nearest valid name). */
export const RENDER_KEYS = [...RGB_KEYS, "vertices", "light", "rgb"] as const;

function pick<T extends object>(options: T, keys: readonly string[]): T {
  const out: Record<string, unknown> = {};
  for (const k of keys) if ((options as Record<string, unknown>)[k] !== undefined) out[k] = (options as Record<string, unknown>)[k];
  return out as T;
}

/** Result of {@link render}. */
export interface RenderResult {
  /** `[S, S]` (or `[B, S, S]`) soft silhouette. */
  alpha: tf.Tensor;
  /** `[S, S, 3]` (or `[B, S, S, 3]`) soft colour image, or null when not requested / no colours. */
  rgb: tf.Tensor | null;
}

/**
 * Renders a mesh through a camera with GenDR (Petersen et al., CVPR 2022): projects the vertices,
 * rasterizes the soft silhouette (`alpha`) and, when the mesh has vertex colours, the soft colour image
 * (`rgb`, softmax over depth). Differentiable w.r.t. the vertices (or `options.vertices`), the camera's
 * tensor fields and the colours. Everything is validated before any tensor is made: an unknown option
 * or camera key (with the nearest valid name), a degenerate camera (eye = at, `up` parallel to the view
 * direction, an angle outside (0°, 90°), near ≥ far), `options.vertices` of the wrong shape or non-finite,
 * a disposed mesh — each is a `RelaxError` naming the argument.
 *
 * @param mesh the mesh (faces, colours)
 * @param camera look-at camera ({@link Camera})
 * @param options {@link RenderOptions}
 * @example
 * const mesh = icosphere({ level: 3, color: [0.8, 0.3, 0.2] });
 * const { alpha, rgb } = render(mesh, { eye: eyeFromAngles(2.732, 30, 45) }, { imageSize: 64, light: {} });
 * await savePNG("sphere.png", rgb!);
 */
export function render(mesh: Mesh, camera: Camera, options: RenderOptions = {}): RenderResult {
  const op = "render";
  if (!(mesh instanceof Mesh)) throw new RelaxError(op, "mesh", "a Mesh (createMesh, parseOBJ, icosphere, …)", describe(mesh));
  if (mesh.vertices.isDisposed || mesh.faces.isDisposed) throw new RelaxError(op, "mesh", "a Mesh that is not disposed", "a disposed Mesh");
  const opts = assertOptions<RenderOptions>(op, options, RENDER_KEYS, "options", ["light"]);
  cameraParams(op, camera);
  const wantRgb = optionalBoolean(op, "rgb", opts.rgb, mesh.colors !== null);
  if (wantRgb && mesh.colors === null) throw new RelaxError(op, "mesh.colors", "vertex colours when rgb is requested", "null");
  const silOpts = pick(opts, SILHOUETTE_KEYS);
  const rgbOpts = pick(opts, RGB_KEYS);
  if (wantRgb) rgbAttrs(op, rgbOpts);
  else silhouetteAttrs(op, silOpts);
  const light = opts.light ?? null;
  if (light !== null && (typeof light !== "object" || Array.isArray(light))) {
    throw new RelaxError(op, "light", "null or a Light object ({ ambient, directional, direction })", describe(light));
  }
  const out = tf.tidy(() => {
    let verts: tf.Tensor = mesh.vertices;
    if (opts.vertices !== undefined) {
      verts = toFloatTensor(op, "vertices", opts.vertices);
      const V = mesh.numVertices;
      const ok = (verts.rank === 2 || verts.rank === 3) && verts.shape[verts.rank - 2] === V && verts.shape[verts.rank - 1] === 3;
      if (!ok) throw new RelaxError(op, "vertices", `[${V}, 3] or [B, ${V}, 3] (the mesh's vertex count)`, shapeText(verts));
      assertFinite(op, "vertices", verts);
    }
    const projected = projectAs(op, verts, camera);
    const fv = faceVertices(projected, mesh.faceIndices);
    const alpha = rasterizeSilhouette(fv, silOpts);
    if (!wantRgb) return [alpha];
    let colors = faceVertices(mesh.colors as tf.Tensor2D, mesh.faceIndices);
    if (light) colors = lambert(faceVertices(verts, mesh.faceIndices), colors, light);
    return [alpha, rasterizeRgb(fv, colors, rgbOpts)];
  });
  return { alpha: out[0] as tf.Tensor, rgb: out[1] ?? null };
}
