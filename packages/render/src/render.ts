import * as tf from "@tensorflow/tfjs-core";
import { RelaxError, describe } from "@relax/core";
import { projectVertices, type Camera } from "./camera.js";
import { faceVertices, type Mesh } from "./mesh.js";
import { lambert, rasterizeRgb, type Light, type RgbOptions } from "./shade.js";
import { rasterizeSilhouette } from "./silhouette.js";

/** Options of {@link render}: fragment + colour options, optional vertices override and light. */
export interface RenderOptions extends RgbOptions {
  /** Render these `[V, 3]` (or `[B, V, 3]`) vertices with the mesh's faces instead of `mesh.vertices` (e.g. a deformed variable). */
  vertices?: tf.Tensor;
  /** Lambertian light applied to the vertex colours (default none: colours as given). */
  light?: Light | null;
  /** Also compute rgb (default true when the mesh has colours). */
  rgb?: boolean;
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
 * tensor fields and the colours.
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
  if (mesh == null || typeof mesh !== "object" || !("faces" in mesh)) throw new RelaxError(op, "mesh", "a Mesh", describe(mesh));
  const wantRgb = options.rgb ?? mesh.colors !== null;
  if (wantRgb && mesh.colors === null) throw new RelaxError(op, "mesh.colors", "vertex colours when rgb is requested", "null");
  const out = tf.tidy(() => {
    const verts = options.vertices ?? mesh.vertices;
    const projected = projectVertices(verts, camera);
    const fv = faceVertices(projected, mesh.faces);
    const alpha = rasterizeSilhouette(fv, options);
    if (!wantRgb) return [alpha];
    let colors = faceVertices(mesh.colors as tf.Tensor2D, mesh.faces);
    if (options.light) colors = lambert(faceVertices(verts, mesh.faces), colors, options.light);
    return [alpha, rasterizeRgb(fv, colors, options)];
  });
  return { alpha: out[0] as tf.Tensor, rgb: out[1] ?? null };
}
