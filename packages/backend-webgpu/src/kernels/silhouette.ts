/**
 * WGSL GenDR soft silhouette rasterizer (Petersen et al., "GenDR: A Generalized Differentiable
 * Renderer", CVPR 2022), forward and backward, the same numbers as `@relax/render`'s CPU kernel
 * (kernels/silhouette.ts): per pixel and face in index order, barycentric inside test (|det| ≥ 1e-10),
 * squared distance to the nearest edge segment, culling by the face bbox grown by √thr and by outside
 * d² ≥ thr, fragment s = F(sign·x/τ) dropped when s ≤ 1e-6, folded with the t-conorm from the first
 * fragment on. One invocation per pixel; the backward pass replays the pixel's fold in reverse and
 * adds each fragment's gradient to its face's nearest-edge endpoints with a float atomic (CAS loop).
 *
 * WGSL exists for every distribution and aggregation of the CPU kernel: `hard` and GenDR's 17 CDFs
 * (gamma: the 32-term truncated series forward, the exact density backward, ln Γ precomputed on the host)
 * and `hard`, `max` and the 9 t-conorms (GenDR's guards included). Unknown names throw (see README).
 */
import type { KernelConfig, TensorInfo } from "@tensorflow/tfjs-core";
import type { WebGPUBackend } from "@tensorflow/tfjs-backend-webgpu";
import { RelaxRasterizeSilhouette, RelaxRasterizeSilhouetteGrad, type RelaxRasterizeSilhouetteAttrs } from "@relax/core";
import { release, run, withFloatStorage } from "../program.js";
import { rasterBins } from "./raster_cull.js";
import { zeroProgram } from "./raster_scatter.js";
import { check } from "./raster_support.js";
import { uniformsOf } from "./raster_uniforms.js";
import { backwardProgram } from "./silhouette_backward.js";
import { forwardProgram } from "./silhouette_forward.js";

export const rasterizeSilhouetteConfig: KernelConfig = withFloatStorage({
  kernelName: RelaxRasterizeSilhouette,
  backendName: "webgpu",
  kernelFunc: ({ inputs, attrs, backend }) => {
    const gpu = backend as WebGPUBackend;
    const at = attrs as unknown as RelaxRasterizeSilhouetteAttrs;
    const { dist, tconorm } = check(at);
    const faces = inputs.faces as TensorInfo;
    const [B, F] = faces.shape as [number, number];
    const S = at.imageSize;
    if (F === 0) return gpu.makeTensorInfo([B, S, S], "float32", new Float32Array(B * S * S));
    const bins = rasterBins(gpu, faces, at, dist);
    const y = run(
      gpu,
      forwardProgram(B, S, dist, tconorm),
      [faces, bins.tiles],
      "float32",
      uniformsOf(at, F, dist, tconorm, bins.uniforms),
    );
    release(gpu, bins.tiles);
    return y;
  },
});

export const rasterizeSilhouetteGradConfig: KernelConfig = withFloatStorage({
  kernelName: RelaxRasterizeSilhouetteGrad,
  backendName: "webgpu",
  kernelFunc: ({ inputs, attrs, backend }) => {
    const gpu = backend as WebGPUBackend;
    const at = attrs as unknown as RelaxRasterizeSilhouetteAttrs;
    const { dist, tconorm } = check(at);
    const { faces, dy } = inputs as Record<string, TensorInfo>;
    const [B, F] = faces!.shape as [number, number];
    const S = at.imageSize;
    const out = run(gpu, zeroProgram([B, F, 3, 3]), [], "float32");
    if (dist === "hard" || tconorm === "hard" || F === 0 || S === 0) return out;
    const program = backwardProgram(B, F, S, dist, tconorm);
    const bins = rasterBins(gpu, faces!, at, dist);
    // accumulate into the zero-filled buffer (runWebGPUProgram's `output` argument)
    gpu.runWebGPUProgram(
      program,
      [faces!, dy!, bins.tiles],
      "float32",
      [...program.leadingUniforms, ...uniformsOf(at, F, dist, tconorm, bins.uniforms)],
      out,
    );
    release(gpu, bins.tiles);
    return out;
  },
});
