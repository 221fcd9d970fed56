/**
 * WebAssembly SIMD128 kernels of learned wiring (wasm/mix.wat): the mix of K candidate rows per gate input
 * (`M[i] = Σ_k q_k·X[cand_k]`, feature-major) and its backward (`dX[cand_k] += gf·q_k·dM[i]`,
 * `dq_k = Σ dM[i]·X[cand_k]`). The gate itself then runs on the mixed rows `M` (`A_j = M[2j]`, `B_j = M[2j+1]`)
 * with the layer kernels. Float32 arithmetic; null (the caller's JS loops run) where WASM SIMD is missing or the
 * `RELAX_LOGIC_WASM` flag is off.
 */
import * as tf from "@tensorflow/tfjs-core";
import { RELAX_LOGIC_WASM } from "../flags.js";
import { compileWasm, embeddedWasm } from "../wasm_asm.js";
import { MIX_WASM_BASE64 } from "../wasm_bytes.js";
import { getRows, growTo, putRows } from "../wasm_rows.js";

interface MixWasm {
  mem: WebAssembly.Memory;
  mix: (dst: number, tab: number, w: number, K: number, count: number, bb: number) => void;
  unmix: (dm: number, tab: number, ws: number, dq: number, K: number, count: number, bb: number, delta: number) => void;
}
let inst: MixWasm | null | undefined;

function instance(): MixWasm | null {
  if (!tf.env().getBool(RELAX_LOGIC_WASM)) return null;
  if (inst === undefined) {
    const module = compileWasm(() => embeddedWasm(MIX_WASM_BASE64));
    const ex = module ? (new WebAssembly.Instance(module, {}).exports as Record<string, unknown>) : null;
    inst = ex ? { mem: ex.mem as WebAssembly.Memory, mix: ex.mix as MixWasm["mix"], unmix: ex.unmix as MixWasm["unmix"] } : null;
  }
  return inst;
}

/** Memory layout of one call (byte offsets). */
function layout(inDim: number, outDim: number, K: number, B: number) {
  const Bp = Math.ceil(B / 4) * 4;
  const bb = Bp * 4;
  const n = 2 * outDim;
  const x = 0;
  const dx = x + inDim * bb;
  const m = dx + inDim * bb;
  const tab = m + n * bb;
  const w = tab + n * K * 4;
  const dq = w + n * K * 4;
  return { Bp, bb, n, x, dx, m, tab, w, dq, end: dq + n * K * 4 };
}

function fillTables(
  f32: Float32Array,
  i32: Int32Array,
  L: ReturnType<typeof layout>,
  candA: Int32Array,
  candB: Int32Array,
  K: number,
  q: ArrayLike<number>,
  scale: number,
): void {
  const outDim = L.n / 2;
  for (let j = 0; j < outDim; j++) {
    for (let k = 0; k < K; k++) {
      i32[L.tab / 4 + 2 * j * K + k] = L.x + (candA[j * K + k] as number) * L.bb;
      i32[L.tab / 4 + (2 * j + 1) * K + k] = L.x + (candB[j * K + k] as number) * L.bb;
    }
  }
  for (let i = 0; i < L.n * K; i++) f32[L.w / 4 + i] = scale * (q[i] as number);
}

/**
 * The mixed rows `M: [2·outDim, B]` (`M[2j] = A_j`, `M[2j+1] = B_j`) of feature-major `X: [inDim, B]`, wiring
 * weights `q` `[outDim, 2, K]`; null where unavailable.
 */
export function mixRowsWasm(
  X: Float32Array,
  B: number,
  inDim: number,
  candA: Int32Array,
  candB: Int32Array,
  K: number,
  q: ArrayLike<number>,
): Float32Array | null {
  const w = instance();
  const outDim = candA.length / K;
  if (!w || B === 0 || outDim === 0) return null;
  const L = layout(inDim, outDim, K, B);
  const f32 = growTo(w.mem, L.end);
  const i32 = new Int32Array(w.mem.buffer);
  putRows(f32, L.x / 4, X, inDim, B, L.Bp);
  fillTables(f32, i32, L, candA, candB, K, q, 1);
  w.mix(L.m, L.tab, L.w, K, L.n, L.bb);
  return getRows(f32, L.m / 4, L.n, B, L.Bp);
}

/**
 * Backward of {@link mixRowsWasm}: `dX: [inDim, B]` (`Σ gf·q_k·dM`) and `dq` `[outDim, 2, K]` (`Σ_r dM·X[cand_k]`)
 * from the mixed rows' gradient `dM: [2·outDim, B]`; null where unavailable.
 */
export function unmixRowsWasm(
  X: Float32Array,
  dM: Float32Array,
  B: number,
  inDim: number,
  candA: Int32Array,
  candB: Int32Array,
  K: number,
  q: ArrayLike<number>,
  gradFactor: number,
): { dX: Float32Array; dq: Float32Array } | null {
  const w = instance();
  const outDim = candA.length / K;
  if (!w || B === 0 || outDim === 0) return null;
  const L = layout(inDim, outDim, K, B);
  const f32 = growTo(w.mem, L.end);
  const i32 = new Int32Array(w.mem.buffer);
  putRows(f32, L.x / 4, X, inDim, B, L.Bp);
  f32.fill(0, L.dx / 4, L.dx / 4 + inDim * L.Bp);
  putRows(f32, L.m / 4, dM, L.n, B, L.Bp);
  fillTables(f32, i32, L, candA, candB, K, q, gradFactor);
  w.unmix(L.m, L.tab, L.w, L.dq, K, L.n, L.bb, L.dx - L.x);
  return { dX: getRows(f32, L.dx / 4, inDim, B, L.Bp), dq: f32.slice(L.dq / 4, L.dq / 4 + L.n * K) };
}
