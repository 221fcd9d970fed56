import { RelaxError, assertInRange, assertOptions, assertPositive } from "@relax/core";
import { orDefault } from "./checks.js";
import type { SilhouetteOptions } from "./silhouette.js";

/**
 * SoftRas (Liu et al., ICCV 2019) silhouette `SoftRasterizer(dist_func='euclidean', aggr_func_alpha='prod')`:
 * D = σ(sign·d²/σ), alpha = 1 − Π(1 − D), culling outside d² ≥ ln(1/ε − 1)·σ with ε = `distEps` = 1e-4.
 * As GenDR options: logistic, squared, τ = σ, probabilistic, GenDR `distEps` = ln(1/ε − 1). Inside that
 * radius every fragment is ≥ ε > 1e-6, so GenDR's 1e-6 cut never applies: the numbers are SoftRas's.
 * Pixel convention `'gendr'` (+x right, row 0 at the top), as SoftRas.
 *
 * @param options `sigma` (default 1e-4), `distEps` (SoftRas's probability cut ε in (0, 0.5), default 1e-4)
 * @example
 * const alpha = rasterizeSilhouette(faces, { imageSize: 64, ...softRasPreset({ sigma: 1e-4 }) });
 * // = GenDR(logistic, squared, τ = 1e-4, probabilistic)
 * const loss = softIoULoss(alpha, target);
 */
export function softRasPreset(options: { sigma?: number; distEps?: number } = {}): SilhouetteOptions {
  const opts = assertOptions<{ sigma?: number; distEps?: number }>("softRasPreset", options, ["sigma", "distEps"]);
  const sigma = assertPositive("softRasPreset", "sigma", orDefault(opts.sigma, 1e-4));
  const eps = assertInRange("softRasPreset", "distEps", orDefault(opts.distEps, 1e-4), Number.MIN_VALUE, 0.4999);
  return { distribution: "logistic", squared: true, scale: sigma, tconorm: "probabilistic", distEps: Math.log(1 / eps - 1) };
}

/**
 * DIB-R's soft mask (Chen et al., NeurIPS 2019): alpha = 1 − Π(1 − exp(−d²/δ)) outside, 1 inside. As GenDR
 * options: `exponential_rev`, squared, τ = δ, probabilistic (GenDR Table 1). Pixel convention `'gendr'`.
 *
 * @param options `delta` δ (default 2e-4)
 * @example
 * const alpha = rasterizeSilhouette(faces, { imageSize: 64, ...dibrPreset() });
 * // inside pixels are exactly 1
 * alpha.max().dataSync()[0]; // 1
 */
export function dibrPreset(options: { delta?: number } = {}): SilhouetteOptions {
  const opts = assertOptions<{ delta?: number }>("dibrPreset", options, ["delta"]);
  const delta = assertPositive("dibrPreset", "delta", orDefault(opts.delta, 2e-4));
  return { distribution: "exponential_rev", squared: true, scale: delta, tconorm: "probabilistic" };
}

/**
 * PyTorch3D `MeshRasterizer` + `SoftSilhouetteShader` (`sigmoid_alpha_blend`): prob = σ(−dists/σ) with
 * `dists` the signed squared distance (negative inside), alpha = 1 − Π(1 − prob) over faces inside or with
 * d² < `blurRadius` (default ln(1/1e-4 − 1)·σ, the SoftRas-equivalent radius). As GenDR options: logistic,
 * squared, τ = σ, probabilistic, `distEps` = blurRadius/σ, and PyTorch3D's pixel convention: column 0 is
 * NDC x = +1 − 1/S (+X points left), row 0 is y = +1 − 1/S. Equals PyTorch3D with `faces_per_pixel` at
 * least the number of faces covering a pixel (PyTorch3D keeps only the K nearest in z), and up to GenDR's
 * 1e-6 fragment cut (never active for the default radius).
 *
 * @param options `sigma` (default 1e-4), `blurRadius`
 * @example
 * const alpha = rasterizeSilhouette(faces, { imageSize: 64, ...pytorch3dPreset({ sigma: 1e-4 }) });
 * // columns are mirrored w.r.t. softRasPreset() for the same NDC triangles
 * const loss = mseLoss(alpha, target);
 */
export function pytorch3dPreset(options: { sigma?: number; blurRadius?: number } = {}): SilhouetteOptions {
  const opts = assertOptions<{ sigma?: number; blurRadius?: number }>("pytorch3dPreset", options, ["sigma", "blurRadius"]);
  const sigma = assertPositive("pytorch3dPreset", "sigma", orDefault(opts.sigma, 1e-4));
  const blur = assertPositive("pytorch3dPreset", "blurRadius", orDefault(opts.blurRadius, Math.log(1 / 1e-4 - 1) * sigma));
  const distEps = blur / sigma;
  if (!Number.isFinite(distEps)) {
    throw new RelaxError("pytorch3dPreset", "blurRadius", "a radius with blurRadius / sigma finite", `${blur} / ${sigma}`);
  }
  return {
    distribution: "logistic",
    squared: true,
    scale: sigma,
    tconorm: "probabilistic",
    distEps,
    pixelConvention: "pytorch3d",
  };
}
