import * as tf from "@tensorflow/tfjs-core";

/** Backends the page can run on, best first. */
export const BACKENDS = ["webgpu", "webgl", "cpu"] as const;
export type BackendName = (typeof BACKENDS)[number];

/** Loads a backend's package on demand (each one is its own chunk) and reports whether it registered. */
async function load(name: BackendName): Promise<boolean> {
  if (name === "webgpu") {
    const gpu = (navigator as Navigator & { gpu?: { requestAdapter(): Promise<unknown> } }).gpu;
    if (!gpu) return false;
    // tfjs-backend-webgpu registers itself only when an adapter is obtainable; probe first, quietly.
    const adapter = await gpu.requestAdapter().catch(() => null);
    if (!adapter) return false;
    await import("@tensorflow/tfjs-backend-webgpu");
    // Relax's WGSL kernels (diffSort, LogicLayer, rasterizeSilhouette, … forward and backward).
    await import("@relax/backend-webgpu");
  } else if (name === "webgl") {
    await import("@tensorflow/tfjs-backend-webgl");
  } else {
    await import("@tensorflow/tfjs-backend-cpu");
  }
  return tf.findBackendFactory(name) != null;
}

/**
 * Picks the tfjs backend: the requested one when it initialises, else the best available of
 * webgpu → webgl → cpu. The CPU backend is always loaded too (the fused typed-array kernels of
 * `@relax/*` and some host-side steps run there).
 */
export async function initBackend(requested: string | null): Promise<BackendName> {
  await import("@tensorflow/tfjs-backend-cpu");
  const wanted = BACKENDS.find((b) => b === requested);
  const order: BackendName[] = wanted ? [wanted, ...BACKENDS.filter((b) => b !== wanted)] : [...BACKENDS];
  for (const name of order) {
    try {
      if (!(await load(name))) continue;
      if (await tf.setBackend(name)) {
        await tf.ready();
        return name;
      }
    } catch {
      // try the next one
    }
  }
  throw new Error("no tfjs backend could be initialised");
}

/** A one-line description of the active backend (adapter / renderer where the browser tells). */
export function describeBackend(name: BackendName): string {
  if (name === "webgl") {
    const gl = document.createElement("canvas").getContext("webgl2");
    const info = gl?.getExtension("WEBGL_debug_renderer_info");
    const renderer = info && gl ? String(gl.getParameter(info.UNMASKED_RENDERER_WEBGL)) : "";
    return renderer ? `webgl (${renderer.slice(0, 60)})` : "webgl";
  }
  return name;
}
