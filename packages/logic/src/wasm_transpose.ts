/**
 * `[rows, cols]` → `[cols, rows]` float32 transposes in WebAssembly SIMD128 (wasm/transpose.wat: 4 × 4 blocks),
 * for the host kernels' switches between batch-major tensors and their feature-major rows. Bit-exact (floats are
 * moved, never computed), so it is used wherever WASM SIMD exists and the `RELAX_LOGIC_WASM` flag is on.
 */
import * as tf from "@tensorflow/tfjs-core";
import { RELAX_LOGIC_WASM } from "./flags.js";
import { compileWasm, embeddedWasm } from "./wasm_asm.js";
import { TRANSPOSE_WASM_BASE64 } from "./wasm_bytes.js";

/** The transpose module's bytes (compiled from wasm/transpose.wat at build time). */
export function assembleTransposeModule(): Uint8Array<ArrayBuffer> {
  return embeddedWasm(TRANSPOSE_WASM_BASE64);
}

interface Transposer {
  mem: WebAssembly.Memory;
  transpose: (src: number, dst: number, rows: number, cols: number) => void;
}
let transposer: Transposer | null | undefined;

function getTransposer(): Transposer | null {
  if (transposer === undefined) {
    const mod = compileWasm(assembleTransposeModule);
    const ex = mod ? (new WebAssembly.Instance(mod, {}).exports as Record<string, unknown>) : null;
    transposer = ex ? { mem: ex.mem as WebAssembly.Memory, transpose: ex.transpose as Transposer["transpose"] } : null;
  }
  return transposer;
}

/**
 * `v` (`[rows, cols]`, row-major) transposed to `[cols, rows]`; null where WASM SIMD is unavailable or the
 * `RELAX_LOGIC_WASM` flag is off (the caller then loops in JS).
 */
export function transposeWasm(v: Float32Array, rows: number, cols: number): Float32Array | null {
  if (!tf.env().getBool(RELAX_LOGIC_WASM)) return null;
  const t = getTransposer();
  if (!t) return null;
  const bytes = 4 * rows * cols;
  const dst = Math.ceil(bytes / 16) * 16;
  const need = Math.ceil((dst + bytes) / 65536) - t.mem.buffer.byteLength / 65536;
  if (need > 0) t.mem.grow(need);
  new Float32Array(t.mem.buffer, 0, rows * cols).set(v.subarray(0, rows * cols));
  t.transpose(0, dst, rows, cols);
  return new Float32Array(t.mem.buffer, dst, rows * cols).slice();
}
