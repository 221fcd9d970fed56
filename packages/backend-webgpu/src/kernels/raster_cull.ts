/**
 * Culling of the WGSL rasterizers: the squared-distance threshold beyond which a face's fragment is
 * dropped, and the face bins of one call built from it.
 */
import type { TensorInfo } from "@tensorflow/tfjs-core";
import type { WebGPUBackend } from "@tensorflow/tfjs-backend-webgpu";
import { getDistribution, type DistributionName, type RelaxRasterizeSilhouetteAttrs } from "@relax/core";
import { binFaces, type FaceBins } from "./face_bins.js";

const supportCache = new Map<string, number>();

/**
 * Culling threshold on d² (GenDR: distEps·τ), tightened to the distribution's effective support as the
 * CPU kernel does (F ≤ 1e-6 beyond it, where GenDR drops the fragment anyway, so no value changes).
 */
export function cullThreshold(attrs: RelaxRasterizeSilhouetteAttrs, dist: string): number {
  if (dist === "hard") return 0;
  const thr2 = attrs.distEps * attrs.scale;
  const key = `${dist}|${attrs.shape}|${attrs.shift}`;
  let m = supportCache.get(key);
  if (m === undefined) {
    const d = getDistribution(dist as DistributionName, { shape: attrs.shape, shift: attrs.shift });
    if (d.cdf(0) <= 1e-6) m = 0;
    else {
      let lo = -1;
      while (d.cdf(lo) > 1e-6 && lo > -1e30) lo *= 2;
      if (d.cdf(lo) > 1e-6) m = Infinity;
      else {
        let hi = lo / 2;
        if (d.cdf(hi) <= 1e-6) hi = 0;
        for (let i = 0; i < 200 && hi - lo > 1e-12 * Math.max(1, -lo); i++) {
          const mid = (lo + hi) / 2;
          if (d.cdf(mid) <= 1e-6) lo = mid;
          else hi = mid;
        }
        m = -lo;
      }
    }
    supportCache.set(key, m);
  }
  const xMax = m * attrs.scale;
  const eff = attrs.squared ? xMax : xMax * xMax;
  // one float32 ulp of slack so that f32 round-off never culls a fragment the f64 kernel keeps
  return Math.min(thr2, eff * (1 + 1e-6));
}

/** The face bins of one rasterizer call (see face_bins.ts); the caller releases `tiles`. */
export function rasterBins(gpu: WebGPUBackend, faces: TensorInfo, attrs: RelaxRasterizeSilhouetteAttrs, dist: string): FaceBins {
  const [B, F] = faces.shape as [number, number];
  const grow = Math.min(Math.sqrt(cullThreshold(attrs, dist)), 3.0e38);
  return binFaces(gpu, faces, { B, F, S: attrs.imageSize, grow, mirror: attrs.pixelConvention === "pytorch3d" });
}
