/**
 * `@relax/render` — GenDR, the generalized differentiable renderer (Petersen et al., CVPR 2022), on
 * tfjs: meshes, look-at cameras, soft silhouettes with any of 18 distributions × 10 t-conorms, soft
 * colour images, presets for SoftRas / DIB-R / PyTorch3D, losses and PNG output. Fused CPU/wasm kernels.
 */
// Kernel registrations (side effects): imported here explicitly so that bundlers keep them even when
// only some ops are used (the rgb kernel is otherwise reached only through shade.js).
import "./kernels/register.js";
export { Mesh, createMesh, faceVertices } from "./mesh.js";
export { tetrahedron, cube, icosphere, icosphereGeometry } from "./primitives.js";
export type { PrimitiveOptions } from "./primitives.js";
export { parseOBJ, toOBJ, loadOBJ, saveOBJ } from "./obj.js";
export { laplacianLoss, flattenLoss } from "./regularizers.js";
export { PROJECTIONS, eyeFromAngles, lookAt, perspective, orthographic, projectVertices } from "./camera.js";
export type { Camera, Projection } from "./camera.js";
export {
  RENDER_DISTRIBUTIONS,
  RENDER_TCONORMS,
  RENDER_DISTRIBUTION_ALIASES,
  DISTRIBUTION_ALIASES,
  PROBABILITY_THRESHOLD,
  effectiveSupport,
  resolveDistribution,
  resolveTConorm,
} from "./functions.js";
export type { RenderDistribution, RenderTConorm, ScalarTConorm } from "./functions.js";
export {
  rasterizeSilhouette,
  silhouetteAttrs,
  pixelCenters,
  PIXEL_CONVENTIONS,
} from "./silhouette.js";
export type { SilhouetteOptions, PixelConvention } from "./silhouette.js";
export { MAX_TIE_RTOL } from "./kernels/silhouette.js";
export { rasterizeRgb, lambert, rgbAttrs } from "./shade.js";
export type { RgbOptions, Light } from "./shade.js";
export { render } from "./render.js";
export type { RenderOptions, RenderResult } from "./render.js";
export { softRasPreset, dibrPreset, pytorch3dPreset } from "./presets.js";
export { softIoULoss, mseLoss, iou } from "./losses.js";
export { toImageData, encodePNG, savePNG } from "./image.js";
export type { ImageDataLike } from "./image.js";
