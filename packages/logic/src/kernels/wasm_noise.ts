/**
 * Gumbel and logistic noise of the straight-through choices in WebAssembly SIMD128 (wasm/noise.wat): the
 * counter-based draws of `@relax/core`'s `gumbelNoise` / `logisticNoise`, bit for bit, four at a time.
 * Registered as core's bulk generator (`drawNoise`) when the logic kernels load; it declines (core's loop
 * runs) where WASM SIMD is missing or the `RELAX_LOGIC_WASM` flag is off.
 */
import * as tf from "@tensorflow/tfjs-core";
import { type NoiseKind, registerNoiseFill } from "@relax/core/internal";
import { RELAX_LOGIC_WASM } from "../flags.js";
import { compileWasm, embeddedWasm } from "../wasm_asm.js";
import { NOISE_WASM_BASE64 } from "../wasm_bytes.js";

interface NoiseWasm {
  mem: WebAssembly.Memory;
  noise: (out: number, n: number, seed: number, stream: number, index0: number, kind: number) => void;
}
let inst: NoiseWasm | null | undefined;

function instance(): NoiseWasm | null {
  if (!tf.env().getBool(RELAX_LOGIC_WASM)) return null;
  if (inst === undefined) {
    const module = compileWasm(() => embeddedWasm(NOISE_WASM_BASE64));
    inst = module ? (new WebAssembly.Instance(module, {}).exports as unknown as NoiseWasm) : null;
  }
  return inst;
}

/** `n` draws of `(seed, stream)` from `index0` in WASM SIMD; null where the module does not run. */
export function drawNoiseWasm(kind: NoiseKind, seed: number, stream: number, index0: number, n: number): Float32Array | null {
  const k = instance();
  if (!k) return null;
  const pages = Math.ceil((Math.ceil(n / 4) * 16) / 65536) - k.mem.buffer.byteLength / 65536;
  if (pages > 0) k.mem.grow(pages);
  k.noise(0, n, seed | 0, stream | 0, index0 | 0, kind === "logistic" ? 1 : 0);
  return new Float32Array(k.mem.buffer, 0, n).slice();
}

registerNoiseFill(drawNoiseWasm);
