/**
 * WebAssembly SIMD (f64x2) versions of the O(n²)-per-row loops of the NeuralSort / SoftSort kernels
 * (wasm/baselines.wat): one call per batch row on vectors laid out in wasm memory by {@link baselineArena}.
 * Off with the sorting networks' flag (`RELAX_SORT_WASM`) or where WebAssembly SIMD is missing; the
 * plain typed-array loops of neural_sort.ts and soft_sort.ts then run. Always float64 inside (the `'f32'` lane setting of
 * `RELAX_SORT_WASM_LANES` concerns the sorting networks only).
 */
import { BASELINES_WASM_BASE64 } from "./baselines_wasm_bytes.js";
import { base64ToBytes } from "@relax/core/internal";
import { sortWasmActive } from "./wasm.js";

interface BaselineExports {
  mem: WebAssembly.Memory;
  exp1(x: number): number;
  ns_fwd(
    n: number,
    u: number,
    b: number,
    q: number,
    x: number,
    E: number,
    P: number,
    out: number,
    mx: number,
    thr: number,
    centre: number,
  ): void;
  ss_sep(n: number, s: number, ys: number, a: number, ai: number, beta: number, betai: number, P: number): void;
  ss_fwd(n: number, s: number, ys: number, x: number, E: number, P: number, out: number, invTau: number, pow: number): void;
  repack(src: number, dst: number, n: number): void;
  bwd(
    mode: number,
    n: number,
    st: number,
    x: number,
    y: number,
    gs: number,
    P: number,
    G: number,
    Z: number,
    o1: number,
    o2: number,
    ks: number,
  ): void;
}

let exportsCache: BaselineExports | null | undefined;

function load(): BaselineExports | null {
  if (exportsCache !== undefined) return exportsCache;
  try {
    const bytes = base64ToBytes(BASELINES_WASM_BASE64);
    if (bytes === null || typeof WebAssembly === "undefined" || !WebAssembly.validate(bytes)) exportsCache = null;
    else exportsCache = new WebAssembly.Instance(new WebAssembly.Module(bytes), {}).exports as unknown as BaselineExports;
  } catch {
    exportsCache = null;
  }
  return exportsCache;
}

/** The module's f64x2 exp on one value (exp of x clamped to [−700, 700]), or null without wasm (for tests). */
export function baselineWasmExp(x: number): number | null {
  const ex = load();
  return ex ? ex.exp1(x) : null;
}

/**
 * Views into wasm memory for one kernel call at row length n (valid until the next `baselineArena`). The
 * float64 vectors have an even length (n rounded up); their pad lanes are set per method by the callers.
 */
export interface BaselineArena {
  /** x of the row (pad 0). */
  x: Float64Array;
  /** NeuralSort u = s/τ (pad 0); SoftSort forward s = ±x (pad +∞). */
  u: Float64Array;
  /** NeuralSort b = B/τ (pad +∞); SoftSort: the sorted values (ascending ±y forward, y backward). */
  b: Float64Array;
  /** NeuralSort q_i = exp(−2(u_i − centre)) (pad 0); separable SoftSort a_i = exp((s_i − centre)/τ). */
  q: Float64Array;
  /** NeuralSort: the row maxima m_j of the logits. */
  mx: Float64Array;
  /** dSorted of the row. */
  gs: Float64Array;
  /** Forward: sorted values of the row; SoftSort backward: dy per output row. */
  out: Float64Array;
  /**
   * Backward outputs: NeuralSort colC_i + ks·Σ_j P[j, i]·gs_j (c1) and colS (c2); SoftSort Σ_j f[j, i] + ks·Σ_j
   * P[j, i]·gs_j (c1) and Σ_i f[j, i] per row (c2), f the signed dZ (see `bwd` in the .wat). Separable SoftSort
   * forward: βi_j (c1), ai_i = 1/a_i (c2).
   */
  c1: Float64Array;
  c2: Float64Array;
  /** Separable SoftSort forward: β_j. */
  hx: Float64Array;
  /** The n×n f32 block of P (row-major). */
  P: Float32Array;
  /** The n×n f32 block of dPermutation. */
  G: Float32Array;
  nsForward(thr: number, centre: number): void;
  ssForward(invTau: number, pow: number): void;
  /** SoftSort pow = 1 in the separable form (ss_sep in the .wat): P from s (u), ys (b), a (q), ai (c2), β (hx), βi (c1). */
  ssSeparable(): void;
  /** The backward sums from x, gs, P, G (and the sorted values y in `b` for SoftSort): mode 0 NeuralSort, 1 / 2 SoftSort pow. */
  backward(mode: number, ks: number): void;
}

/** Lays out the vectors and blocks for rows of length n ≥ 2 in wasm memory, or null (wasm off or missing). */
export function baselineArena(n: number): BaselineArena | null {
  const ex = n >= 2 && sortWasmActive() ? load() : null;
  if (!ex) return null;
  const np = (n + 1) & ~1;
  const vec = 8 * np;
  const blk = (4 * n * np + 32 + 15) & ~15;
  // Eleven float64 vectors (x, u, b, q, gs, out, c1, c2, hx, mx, E), then the P and G blocks.
  const [x, u, b, q, gs, out, c1, c2, hx, mx, E] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map((k) => 16 + k * vec) as [
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const P = 16 + 11 * vec;
  const G = P + blk;
  const Pr = G + blk; // P, G repacked to row stride np (odd n)
  const Gr = Pr + blk;
  const Z = Gr + blk; // a zero row
  const off = Z + 4 * np + 16;
  const mem = ex.mem;
  if (off > mem.buffer.byteLength) mem.grow(Math.ceil((off - mem.buffer.byteLength) / 65536));
  const buf = mem.buffer;
  const f64 = (o: number) => new Float64Array(buf, o, np);
  new Float32Array(buf, Z, np).fill(0);
  const odd = n % 2 === 1;
  return {
    x: f64(x),
    u: f64(u),
    b: f64(b),
    q: f64(q),
    gs: f64(gs),
    out: f64(out),
    c1: f64(c1),
    c2: f64(c2),
    hx: f64(hx),
    mx: f64(mx),
    P: new Float32Array(buf, P, n * n),
    G: new Float32Array(buf, G, n * n),
    nsForward: (thr, centre) => ex.ns_fwd(n, u, b, q, x, E, P, out, mx, thr, centre),
    ssSeparable: () => ex.ss_sep(n, u, b, q, c2, hx, c1, P),
    ssForward: (invTau, pow) => ex.ss_fwd(n, u, b, x, E, P, out, invTau, pow),
    backward: (mode, ks) => {
      if (odd) {
        ex.repack(P, Pr, n);
        ex.repack(G, Gr, n);
      }
      ex.bwd(mode, n, odd ? np : n, x, b, gs, odd ? Pr : P, odd ? Gr : G, Z, c1, c2, ks);
    },
  };
}
