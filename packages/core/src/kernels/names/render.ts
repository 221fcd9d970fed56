/**
 * Kernels of `@relax/render`: the generalized differentiable rasterizer (GenDR).
 * Grouped by op; each op's host kernel lives in `packages/render/src/kernels/<op>.ts`.
 */

// ---- silhouette (`rasterizeSilhouette`) ----
/**
 * GenDR soft silhouette rasterizer (Petersen et al., CVPR 2022). Inputs `{ faces: [B, F, 3, 3] }`
 * (x_ndc, y_ndc, depth per corner); output `alpha: [B, S, S]` (row 0 = top, pixel centre
 * x = (2c+1−S)/S, y = (S−1−2r)/S). Per pixel and face (in index order): barycentric inside test,
 * signed distance x to the triangle boundary (or its square), fragment s = F(sign·x/τ) with the
 * named distribution, culled where s ≤ 1e-6, aggregated over faces with the named t-conorm.
 */
export const RelaxRasterizeSilhouette = "RelaxRasterizeSilhouette";
export interface RelaxRasterizeSilhouetteAttrs {
  imageSize: number;
  /** GenDR `dist_func` name, incl. `'hard'`. */
  distribution: string;
  /** τ (`dist_scale`). */
  scale: number;
  /** Use the squared distance (`dist_squared`). */
  squared: boolean;
  /** `dist_shape`. */
  shape: number;
  /** `dist_shift`. */
  shift: number;
  /** GenDR `aggr_alpha_func` name, incl. `'hard'`. */
  tconorm: string;
  /** `aggr_alpha_t_conorm_p`. */
  p: number;
  /** Culling: faces with outside squared distance ≥ distEps·τ are skipped (`dist_eps`). */
  distEps: number;
  /** Gradient at exact `max` ties: `'split'` (autograd of the fold, 50/50) or `'all'` (GenDR: full gradient to every tied face). */
  maxTies: string;
  /** Pixel convention: `'gendr'` (+x right) or `'pytorch3d'` (column 0 at x = +1 − 1/S). */
  pixelConvention: string;
}
/** Gradient of {@link RelaxRasterizeSilhouette}: inputs `{ faces, dy }`, output `dfaces: [B, F, 3, 3]`. */
export const RelaxRasterizeSilhouetteGrad = "RelaxRasterizeSilhouetteGrad";

// ---- shaded colour image (`rasterizeRgb`) ----
/**
 * GenDR soft colour image (`aggr_rgb_func='softmax'`, vertex colours). Inputs `{ faces: [B, F, 3, 3],
 * colors: [B, F, 3, 3] }` (per-corner RGB); output `rgb: [B, S, S, 3]`. Same fragments and culling as
 * {@link RelaxRasterizeSilhouette}, softmax over depth with temperature γ and a background logit ε/γ.
 */
export const RelaxRasterizeRgb = "RelaxRasterizeRgb";
export interface RelaxRasterizeRgbAttrs extends RelaxRasterizeSilhouetteAttrs {
  /** Softmax temperature γ (`aggr_rgb_gamma`). */
  gamma: number;
  /** Background logit ε (`aggr_rgb_eps`). */
  eps: number;
  near: number;
  far: number;
  doubleSide: boolean;
  background: number[];
}
/** Gradient of {@link RelaxRasterizeRgb}: inputs `{ faces, colors, dy }`, outputs `[dfaces, dcolors]`. */
export const RelaxRasterizeRgbGrad = "RelaxRasterizeRgbGrad";
