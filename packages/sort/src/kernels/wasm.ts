/**
 * WebAssembly SIMD (f64x2) versions of the O(depth·n²) permutation-matrix loops (wasm/sortnet.wat).
 * Falls back to the plain typed-array loops of engine.ts where WebAssembly SIMD is unavailable, or
 * with the `RELAX_SORT_WASM` flag off.
 */
import * as tf from "@tensorflow/tfjs-core";
import { RelaxError, assertOneOf, describe } from "@relax/core";
import { RELAX_SORT_WASM, RELAX_SORT_WASM_LANES, RELAX_SORT_WASM_VALUES } from "../flags.js";
import { base64ToBytes } from "@relax/core/internal";
import type { FlatNetwork } from "../networks.js";
import { SORTNET_WASM_BASE64 } from "./wasm_bytes.js";

/** `(P | G, n, C, lo, hi, hs, he, alpha, store, hoff, use | dalpha)`: pointers and sizes into `mem` (see sortnet.wat). */
type MatrixLoop = (
  matrix: number,
  n: number,
  C: number,
  lo: number,
  hi: number,
  hs: number,
  he: number,
  alpha: number,
  store: number,
  hoff: number,
  last: number,
) => void;

interface SortnetExports {
  mem: WebAssembly.Memory;
  mat_fwd: MatrixLoop;
  mat_bwd: MatrixLoop;
  mat_fwd32: MatrixLoop;
  mat_bwd32: MatrixLoop;
  alpha_pairs: (alpha: number, out: number, C: number) => void;
  mul_f32: (a: number, b: number, out: number, count: number, bstep: number) => void;
  bwd_cauchy: (
    rows: number,
    n: number,
    C: number,
    lo: number,
    hi: number,
    K: number,
    alpha: number,
    dst: number,
    dA: number,
    gin: number,
    out: number,
    g: number,
  ) => void;
  vals_cauchy: (
    x: number,
    rows: number,
    n: number,
    C: number,
    lo: number,
    hi: number,
    K: number,
    v: number,
    alpha: number,
    dst: number,
    out: number,
  ) => void;
}

/** Lane type of the wasm matrix loops: `'f32'` (f32x4, default, fastest) or `'f64'` (f64x2). */
export type SortWasmPrecision = "f32" | "f64";

let exportsCache: SortnetExports | null | undefined;

function load(): SortnetExports | null {
  if (exportsCache !== undefined) return exportsCache;
  try {
    const bytes = base64ToBytes(SORTNET_WASM_BASE64);
    if (bytes === null || typeof WebAssembly === "undefined" || !WebAssembly.validate(bytes)) {
      exportsCache = null;
    } else {
      const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), {});
      exportsCache = instance.exports as unknown as SortnetExports;
    }
  } catch {
    exportsCache = null;
  }
  return exportsCache;
}

/**
 * Turns the WebAssembly SIMD loops of the fused sorting-network kernels on or off (for tests and
 * benchmarks) and picks their lane type (`'f32'`: f32x4, the default; `'f64'`: f64x2, twice the memory
 * traffic). Returns the previous on/off setting.
 *
 * @deprecated Use the flags: `tf.env().set("RELAX_SORT_WASM", value)` and
 * `tf.env().set("RELAX_SORT_WASM_LANES", lanes)`; this wrapper sets them and goes away in the next minor release.
 * @example
 * tf.env().set("RELAX_SORT_WASM", false); // plain typed-array loops
 */
export function setSortWasm(value: boolean, lanes?: SortWasmPrecision): boolean {
  if (typeof value !== "boolean") throw new RelaxError("setSortWasm", "value", "a boolean", describe(value));
  if (lanes !== undefined) assertOneOf("setSortWasm", "lanes", lanes, ["f32", "f64"] as const);
  const prev = tf.env().getBool(RELAX_SORT_WASM);
  tf.env().set(RELAX_SORT_WASM, value);
  if (lanes) tf.env().set(RELAX_SORT_WASM_LANES, lanes);
  return prev;
}

/**
 * Whether the WebAssembly SIMD loops are available (WebAssembly with SIMD) and enabled (the
 * `RELAX_SORT_WASM` flag).
 *
 * @example
 * if (!sortWasmActive()) console.warn("sorting networks run on plain JS loops");
 */
export function sortWasmActive(): boolean {
  return tf.env().getBool(RELAX_SORT_WASM) && load() !== null;
}

/** Views into the wasm memory laid out for one kernel call on one network (valid until the next `arena`). */
export interface MatrixArena {
  alpha: Float64Array;
  dAlpha: Float64Array;
  /** n×n scratch (P or G), row-major. */
  M: Float64Array | Float32Array;
  /** Forward pass over the comparators on `M` (optionally storing the differences). */
  forward(store: boolean): void;
  /** Reverse pass on the gradient in `M`, writing ∂L/∂α (matrix part) to `dAlpha`. */
  backward(): void;
}

/**
 * Lays out consecutive regions of `sizes` bytes in wasm memory from byte `base`, each starting on a 16-byte
 * boundary, and grows the memory to hold them. Returns each region's offset and the end of the last one.
 */
function layoutRegions(mem: WebAssembly.Memory, base: number, sizes: readonly number[]): { at: number[]; end: number } {
  const align = (v: number) => (v + 15) & ~15;
  let off = align(base);
  const at = sizes.map((bytes) => {
    const start = off;
    off = align(off + bytes);
    return start;
  });
  if (off > mem.buffer.byteLength) mem.grow(Math.ceil((off - mem.buffer.byteLength) / 65536));
  return { at, end: off };
}

/** Lays out the network, α, the matrix and (optionally) the difference store in wasm memory, from byte `base`. */
export function matrixArena(net: FlatNetwork, withStore: boolean, base = 16): MatrixArena | null {
  const ex = sortWasmActive() ? load() : null;
  if (!ex) return null;
  const { n, size: C } = net;
  const f32 = tf.env().getString(RELAX_SORT_WASM_LANES) === "f32";
  const bytes = f32 ? 4 : 8;
  const mem = ex.mem;
  // the store's region keeps 16 spare bytes (the SIMD loops may read one vector past its end)
  const {
    at: [lo, hi, hs, he, hoff, alpha, dalpha, alpha32, M, store],
  } = layoutRegions(mem, base, [
    4 * C,
    4 * C,
    4 * C,
    4 * C,
    4 * (C + 1),
    8 * C,
    8 * C,
    f32 ? 8 * C : 0,
    bytes * n * n,
    (withStore ? 4 * (net.hullOffset[C] as number) : 0) + 16,
  ]) as { at: number[]; end: number };
  const buf = mem.buffer;
  new Int32Array(buf, lo, C).set(net.lo);
  new Int32Array(buf, hi, C).set(net.hi);
  new Int32Array(buf, hs, C).set(net.hullStart);
  new Int32Array(buf, he, C).set(net.hullEnd);
  new Int32Array(buf, hoff, C + 1).set(net.hullOffset);
  const alphaView = new Float64Array(buf, alpha, C);
  if (!f32) {
    return {
      alpha: alphaView,
      dAlpha: new Float64Array(buf, dalpha, C),
      M: new Float64Array(buf, M, n * n),
      forward: (useStore) => ex.mat_fwd(M, n, C, lo, hi, hs, he, alpha, store, hoff, useStore ? 1 : 0),
      backward: () => ex.mat_bwd(M, n, C, lo, hi, hs, he, alpha, store, hoff, dalpha),
    };
  }
  // f32 lanes: pairs (α, 1 − α) with 1 − α formed in float64, so small weights keep their precision.
  return {
    alpha: alphaView,
    dAlpha: new Float64Array(buf, dalpha, C),
    M: new Float32Array(buf, M, n * n),
    forward: (useStore) => {
      ex.alpha_pairs(alpha, alpha32, C);
      ex.mat_fwd32(M, n, C, lo, hi, hs, he, alpha32, store, hoff, useStore ? 1 : 0);
    },
    backward: () => ex.mat_bwd32(M, n, C, lo, hi, hs, he, alpha32, store, hoff, dalpha),
  };
}

/** Constants of `vals_cauchy` after β: 1/π, tan(3π/8), tan(π/8), then the atan series 1/25, −1/23, …, −1/3, 1 (as fast_math.ts). */
const CAUCHY_K = [
  1 / Math.PI,
  2.414213562373095,
  0.41421356237309503,
  1 / 25,
  -1 / 23,
  1 / 21,
  -1 / 19,
  1 / 17,
  -1 / 15,
  1 / 13,
  -1 / 11,
  1 / 9,
  -1 / 7,
  1 / 5,
  -1 / 3,
  1,
];

/** Bytes of wasm memory one chunk of the values pass may use (rows are processed in chunks of this size). */
const VALUES_CHUNK_BYTES = 1 << 21;

/**
 * The values pass of the default cauchy comparator (α = ½ + atan(β·d)/π) for every row, two rows per f64x2
 * lane pair in wasm (wasm/sortnet.wat `vals_cauchy`): bit-identical to engine.ts's `forwardValues` with the
 * kernels' inlined cauchy. Writes α to `alpha` and d to `d` (`[rows][C]`, float64, `d` optional) and the
 * network's output wires to `wires` (`[rows][n]`, float32-rounded). Returns false (writing nothing) where the
 * wasm loops are off or unavailable.
 */
export function cauchyValuesPass(
  net: FlatNetwork,
  beta: number,
  x: Float32Array,
  rows: number,
  alpha: Float64Array,
  d: Float64Array | null,
  wires: Float32Array,
): boolean {
  const ex = sortWasmActive() && tf.env().getBool(RELAX_SORT_WASM_VALUES) ? load() : null;
  if (!ex) return false;
  const { n, size: C } = net;
  const perRow = 8 * n + 16 * C;
  const chunk = Math.max(2, Math.min(rows, Math.floor(VALUES_CHUNK_BYTES / Math.max(perRow, 1)) & ~1));
  const mem = ex.mem;
  const {
    at: [K, lo, hi, v, xp, outp, ap, dp],
  } = layoutRegions(mem, 16, [
    32 * (CAUCHY_K.length + 1),
    4 * C,
    4 * C,
    16 * n,
    4 * n * chunk,
    4 * n * chunk,
    8 * C * chunk,
    8 * C * chunk,
  ]) as {
    at: number[];
    end: number;
  };
  const buf = mem.buffer;
  const k = new Float64Array(buf, K, 2 * (CAUCHY_K.length + 1));
  k.fill(beta, 0, 2);
  for (let i = 0; i < CAUCHY_K.length; i++) k.fill(CAUCHY_K[i] as number, 2 * i + 2, 2 * i + 4);
  new Int32Array(buf, lo, C).set(net.lo);
  new Int32Array(buf, hi, C).set(net.hi);
  const xv = new Float32Array(buf, xp, n * chunk);
  const ov = new Float32Array(buf, outp, n * chunk);
  const av = new Float64Array(buf, ap, C * chunk);
  const dv = new Float64Array(buf, dp, C * chunk);
  for (let r0 = 0; r0 < rows; r0 += chunk) {
    const m = Math.min(chunk, rows - r0);
    xv.set(x.subarray(r0 * n, (r0 + m) * n));
    ex.vals_cauchy(xp, m, n, C, lo, hi, K, v, ap, d ? dp : 0, outp);
    alpha.set(av.subarray(0, m * C), r0 * C);
    if (d) d.set(dv.subarray(0, m * C), r0 * C);
    wires.set(ov.subarray(0, m * n), r0 * n);
  }
  return true;
}

/** Views of a {@link CauchyBackward} chunk (`[chunk][C]` float64, `[chunk][n]` float32). */
export interface CauchyBackwardViews {
  alpha: Float64Array;
  d: Float64Array;
  /** The matrix part of ∂L/∂α, row by row (read only when `run`'s `withMatrix`). */
  dAlpha: Float64Array;
  /** ∂L/∂(output wires), in wire order. */
  g: Float32Array;
  /** ∂L/∂x after `run`. */
  out: Float32Array;
}

/** The reverse values pass of the cauchy comparator in wasm for chunks of `chunk` rows (see {@link cauchyBackward}). */
export interface CauchyBackward {
  /** Rows per chunk. */
  chunk: number;
  /** First byte after the region (a matrix arena goes from here). */
  end: number;
  /** Fresh views (valid until wasm memory grows, i.e. take them after laying out the matrix arena). */
  views(): CauchyBackwardViews;
  /** ∂L/∂x of the first `rows` rows of the chunk into `out` (adding the matrix part `dAlpha` when `withMatrix`). */
  run(rows: number, withMatrix: boolean): void;
}

/**
 * Lays out (from byte 16) the reverse values pass of the default cauchy comparator, engine.ts's `backwardRow`
 * with the matrix part of ∂L/∂α given (bit-identical), two rows per f64x2 (wasm/sortnet.wat `bwd_cauchy`).
 * Null where the wasm loops (or `RELAX_SORT_WASM_VALUES`) are off or unavailable.
 */
export function cauchyBackward(net: FlatNetwork, beta: number, rows: number): CauchyBackward | null {
  const ex = sortWasmActive() && tf.env().getBool(RELAX_SORT_WASM_VALUES) ? load() : null;
  if (!ex) return null;
  const { n, size: C } = net;
  const chunk = Math.max(2, Math.min(rows + (rows & 1), Math.floor(VALUES_CHUNK_BYTES / Math.max(24 * C + 8 * n, 1)) & ~1));
  const mem = ex.mem;
  const {
    at: [K, lo, hi, g, ap, dp, dap, gin, out],
    end: off,
  } = layoutRegions(mem, 16, [32, 4 * C, 4 * C, 16 * n, 8 * C * chunk, 8 * C * chunk, 8 * C * chunk, 4 * n * chunk, 4 * n * chunk]) as {
    at: number[];
    end: number;
  };
  const buf = mem.buffer;
  new Float64Array(buf, K, 4).set([beta, beta, Math.PI, Math.PI]);
  new Int32Array(buf, lo, C).set(net.lo);
  new Int32Array(buf, hi, C).set(net.hi);
  return {
    chunk,
    end: off,
    views: () => {
      const b = mem.buffer;
      return {
        alpha: new Float64Array(b, ap, C * chunk),
        d: new Float64Array(b, dp, C * chunk),
        dAlpha: new Float64Array(b, dap, C * chunk),
        g: new Float32Array(b, gin, n * chunk),
        out: new Float32Array(b, out, n * chunk),
      };
    },
    run: (m, withMatrix) => ex.bwd_cauchy(m, n, C, lo, hi, K, ap, dp, withMatrix ? dap : 0, gin, out, g),
  };
}

/** Elements per chunk of {@link wasmMultiply} (three 256 KiB buffers in wasm memory). */
const MUL_CHUNK = 1 << 16;

/**
 * `out[i] = a[i] · b[i]` (b of a's length) or `a[i] · b[0]` (b of length 1) with f32x4 products in wasm, in chunks
 * (the same IEEE single products as a JS loop storing into a Float32Array). Returns false (writing nothing)
 * where the wasm loops are off or unavailable.
 */
export function wasmMultiply(a: Float32Array, b: Float32Array, out: Float32Array): boolean {
  const ex = sortWasmActive() ? load() : null;
  if (!ex) return false;
  const scalar = b.length === 1;
  const pa = 16;
  const pb = pa + 4 * MUL_CHUNK;
  const po = pb + 4 * MUL_CHUNK;
  const need = po + 4 * MUL_CHUNK;
  const mem = ex.mem;
  if (need > mem.buffer.byteLength) mem.grow(Math.ceil((need - mem.buffer.byteLength) / 65536));
  const buf = mem.buffer;
  const A = new Float32Array(buf, pa, MUL_CHUNK);
  const B = new Float32Array(buf, pb, MUL_CHUNK);
  const O = new Float32Array(buf, po, MUL_CHUNK);
  if (scalar) B[0] = b[0] as number;
  for (let s = 0; s < a.length; s += MUL_CHUNK) {
    const m = Math.min(MUL_CHUNK, a.length - s);
    A.set(a.subarray(s, s + m));
    if (!scalar) B.set(b.subarray(s, s + m));
    ex.mul_f32(pa, pb, po, m, scalar ? 0 : 4);
    out.set(m === MUL_CHUNK ? O : O.subarray(0, m), s);
  }
  return true;
}
