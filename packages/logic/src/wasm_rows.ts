/**
 * Feature-major rows in WebAssembly memory: each row of B floats is stored padded to `Bp = 4·⌈B/4⌉` floats so
 * that f32x4 loops need no tail. Shared by the layer kernels (`wasm_layer.ts`) and the learned-wiring mixing
 * (`kernels/wasm_mix.ts`).
 */

/** Grows `mem` to at least `bytes` and returns a fresh float view of it. */
export function growTo(mem: WebAssembly.Memory, bytes: number): Float32Array {
  const need = Math.ceil(bytes / 65536) - mem.buffer.byteLength / 65536;
  if (need > 0) mem.grow(need);
  return new Float32Array(mem.buffer);
}

/** Copies `[rows, B]` into WASM memory at float index `at` with row stride `Bp ≥ B` (padding zeroed). */
export function putRows(f32: Float32Array, at: number, src: Float32Array, rows: number, B: number, Bp: number): void {
  if (B === Bp) {
    f32.set(src.subarray(0, rows * B), at);
    return;
  }
  for (let r = 0; r < rows; r++) {
    f32.set(src.subarray(r * B, (r + 1) * B), at + r * Bp);
    f32.fill(0, at + r * Bp + B, at + (r + 1) * Bp);
  }
}

/** Copies `[rows, B]` out of WASM memory at float index `at` (row stride `Bp`). */
export function getRows(f32: Float32Array, at: number, rows: number, B: number, Bp: number): Float32Array {
  if (B === Bp) return f32.slice(at, at + rows * B);
  const out = new Float32Array(rows * B);
  for (let r = 0; r < rows; r++) out.set(f32.subarray(at + r * Bp, at + r * Bp + B), r * B);
  return out;
}
