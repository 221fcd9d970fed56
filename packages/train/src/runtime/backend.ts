import * as tf from "@tensorflow/tfjs-core";
import { RelaxError, describe } from "@relax/core";

/**
 * Activates the first usable tfjs backend: `'auto'` tries `wasm` (SIMD; fastest for training on CPUs,
 * if `@tensorflow/tfjs-backend-wasm` was imported) then `cpu`; any other name is tried alone.
 * Resolves to the active backend's name.
 *
 * @example
 * import "@tensorflow/tfjs-backend-wasm";
 * const backend = await selectBackend("auto"); // "wasm"
 */
export async function selectBackend(want = "auto"): Promise<string> {
  if (typeof want !== "string" || want.length === 0)
    throw new RelaxError("selectBackend", "want", "'auto' or a backend name", describe(want));
  const order = want === "auto" ? ["wasm", "cpu"] : [want];
  for (const name of order) {
    try {
      if (await tf.setBackend(name)) {
        await tf.ready();
        return name;
      }
    } catch {
      // not registered or failed to initialise: try the next one
    }
  }
  throw new RelaxError("selectBackend", "want", `'auto' or a registered tfjs backend (${order.join(", ")} unusable)`, describe(want));
}
