import { RelaxError, describe } from "../errors.js";
import { MAX_NETWORK_COMPARATORS, MAX_NETWORK_WIRES } from "../relaxed/limits.js";
import type { ComparatorLayer } from "../relaxed/swap_layer.js";
import { assertInteger, assertOneOf } from "../validate.js";

/** n as a wire count: an integer in [0, MAX_NETWORK_WIRES]. */
function wires(op: string, n: unknown): number {
  return assertInteger(op, "n", n, 0, MAX_NETWORK_WIRES);
}

/** Sorting networks for full sorts (DSN, ICML 2021). */
export type SortingNetworkType = "odd_even" | "bitonic";
/** Networks usable for top-k: both sorting networks plus splitter selection (difftopk, ICML 2022). */
export type TopKNetworkType = SortingNetworkType | "splitter_selection";

export const SORTING_NETWORKS: readonly SortingNetworkType[] = ["odd_even", "bitonic"];
export const TOPK_NETWORKS: readonly TopKNetworkType[] = ["odd_even", "bitonic", "splitter_selection"];

/**
 * A comparator network on n wires in flat form, ready for the fused kernels: comparator c orders
 * wires `lo[c]` (receives the min) and `hi[c]` (receives the max); layer ℓ holds comparators
 * `layerStart[ℓ] .. layerStart[ℓ+1]-1`. `hullStart/hullEnd[c]` is the column range `[s, e)` outside
 * which both rows `lo[c]`, `hi[c]` of the running permutation matrix (papers' convention, P⁽⁰⁾ = I)
 * are structurally zero after comparator c (padded to multiples of 4 columns) — the kernels skip those columns.
 */
export interface FlatNetwork {
  readonly type: TopKNetworkType;
  readonly n: number;
  readonly layers: ComparatorLayer[];
  readonly lo: Int32Array;
  readonly hi: Int32Array;
  readonly layerStart: Int32Array;
  readonly hullStart: Int32Array;
  readonly hullEnd: Int32Array;
  /** Prefix sums of the hull widths (length C+1): where comparator c's slice starts in a per-row store. */
  readonly hullOffset: Int32Array;
  /** Number of comparators C. */
  readonly size: number;
  readonly depth: number;
}

/**
 * Odd-even transposition network: n layers; layer ℓ compares (i, i+1) for i ≡ ℓ (mod 2) (DSN §3).
 * n must be an integer in [0, 5793] (n(n−1)/2 ≤ `MAX_NETWORK_COMPARATORS` (2^24)), else a `RelaxError`.
 *
 * @example
 * oddEvenNetwork(4); // [{lo:[0,2],hi:[1,3]}, {lo:[1],hi:[2]}, {lo:[0,2],hi:[1,3]}, {lo:[1],hi:[2]}]
 */
export function oddEvenNetwork(n: number): ComparatorLayer[] {
  wires("oddEvenNetwork", n);
  if ((n * (n - 1)) / 2 > MAX_NETWORK_COMPARATORS) {
    throw new RelaxError("oddEvenNetwork", "n", `at most ${MAX_NETWORK_COMPARATORS} comparators, n(n−1)/2 (n ≤ 5793)`, describe(n));
  }
  const layers: ComparatorLayer[] = [];
  for (let l = 0; l < n; l++) {
    const lo: number[] = [];
    const hi: number[] = [];
    for (let i = l % 2; i + 1 < n; i += 2) {
      lo.push(i);
      hi.push(i + 1);
    }
    if (lo.length) layers.push({ lo, hi });
  }
  return layers;
}

/**
 * Bitonic sorting network for any n (DSN §3): built for N = 2^⌈log2 n⌉ wires, then the first N−n wires
 * are dropped (−∞ padding, as the diffsort reference does) and every comparator touching a dropped wire
 * is skipped. In descending sub-blocks `lo > hi` by index; the output is ascending. Depth log2N(log2N+1)/2.
 * n must be an integer in [0, `MAX_NETWORK_WIRES` (65,536)], else a `RelaxError`.
 *
 * @example
 * bitonicNetwork(3); // [{lo:[2],hi:[1]}, {lo:[0],hi:[2]}, {lo:[1],hi:[2]}]
 */
export function bitonicNetwork(n: number): ComparatorLayer[] {
  wires("bitonicNetwork", n);
  const blocks = n <= 1 ? 0 : Math.ceil(Math.log2(n));
  const N = 2 ** blocks;
  const drop = N - n;
  const layers: ComparatorLayer[] = [];
  for (let b = 0; b < blocks; b++) {
    for (let l = 0; l <= b; l++) {
      const m = 2 ** (b - l);
      const lo: number[] = [];
      const hi: number[] = [];
      for (let i = 0; i < N; i += 2 * m) {
        for (let j = 0; j < m; j++) {
          const ix = i + j;
          let a = ix;
          let c = ix + m;
          if (a < drop || c < drop) continue;
          if (Math.floor(ix / 2 ** (b + 1)) % 2 === 1) [a, c] = [c, a];
          lo.push(a - drop);
          hi.push(c - drop);
        }
      }
      if (lo.length) layers.push({ lo, hi });
    }
  }
  return layers;
}

/**
 * Splitter selection network (difftopk, ICML 2022): a data-oblivious selection network that places
 * the k largest of n inputs, sorted ascending, on wires n−k … n−1, with far fewer layers than a full
 * sorting network for small k. Built from splitter cascades on the lanes that share a minimum rank.
 * n must be an integer in [0, `MAX_NETWORK_WIRES` (65,536)] and k an integer in [1, n], else a `RelaxError`.
 *
 * @example
 * splitterSelectionNetwork(4, 1); // [{lo:[1,0],hi:[3,2]}, {lo:[2,0],hi:[3,1]}]
 */
export function splitterSelectionNetwork(n: number, k: number): ComparatorLayer[] {
  wires("splitterSelectionNetwork", n);
  assertInteger("splitterSelectionNetwork", "k", k, n === 0 ? 0 : 1, n);
  // Splitter cascade on a lane set: ⌈log2 m⌉ layers of half-cleaner-like swaps.
  const cascade = (lanes: number[]): [number, number][][] => {
    const m = lanes.length;
    if (m < 2) return [];
    const count = Math.ceil(Math.log2(m));
    const out: [number, number][][] = [];
    for (let i = 0; i < count; i++) {
      const s = 2 ** (count - i - 1);
      const layer: [number, number][] = [];
      for (let o = 0; o < m; o += 2 * s) {
        for (let j = o; j < Math.min(o + s, m - s); j++) layer.push([lanes[j] as number, lanes[j + s] as number]);
      }
      out.push(layer);
    }
    return out;
  };
  const popcount = (v: number): number => {
    let c = 0;
    for (let t = v; t; t >>= 1) c += t & 1;
    return c;
  };
  const gain = Array.from({ length: n }, (_, i) => 2 ** popcount(i) - 1);
  const minRank = new Array<number>(n).fill(0);
  const nextLayer = new Array<number>(n).fill(0);
  const raw: [number, number][][] = [];
  const splitRank = (rank: number): boolean => {
    const sel: number[] = [];
    minRank.forEach((r, lane) => {
      if (r === rank) sel.push(lane);
    });
    if (sel.length < 2) return false;
    const ext = cascade(sel);
    let off = 0;
    for (const lane of sel) off = Math.max(off, nextLayer[lane] as number);
    while (raw.length < off + ext.length) raw.push([]);
    ext.forEach((layer, t) => (raw[off + t] as [number, number][]).push(...layer));
    off += ext.length;
    sel.forEach((lane, j) => {
      minRank[lane] = (minRank[lane] as number) + (gain[j] as number);
      nextLayer[lane] = off;
    });
    return true;
  };
  let rankEnd = -1;
  for (;;) {
    let added = false;
    for (let r = k - 1; r > rankEnd; r--) added = splitRank(r) || added;
    rankEnd++;
    if (!added) break;
  }
  // The construction selects towards wire 0; mirror it so the maxima end on the last wires.
  return raw
    .filter((layer) => layer.length > 0)
    .map((layer) => ({ lo: layer.map(([, b]) => n - b - 1), hi: layer.map(([a]) => n - a - 1) }));
}

const cache = new Map<string, FlatNetwork>();

/**
 * The flat (kernel) form of a network, cached per (type, n, k). `k` is used by splitter selection only
 * (an integer in [1, n]); an unknown type or a wire count out of range is a `RelaxError`.
 *
 * @example
 * const net = getNetwork("bitonic", 1024);
 * net.depth; // 55
 * net.size;  // 28160 comparators
 */
export function getNetwork(type: TopKNetworkType, n: number, k = 1): FlatNetwork {
  assertOneOf("getNetwork", "type", type, TOPK_NETWORKS);
  wires("getNetwork", n);
  if (type === "splitter_selection") assertInteger("getNetwork", "k", k, n === 0 ? 0 : 1, n);
  if (type === "odd_even" && (n * (n - 1)) / 2 > MAX_NETWORK_COMPARATORS) {
    throw new RelaxError("getNetwork", "n", `at most ${MAX_NETWORK_COMPARATORS} comparators (odd_even: n ≤ 5793)`, describe(n));
  }
  const key = type === "splitter_selection" ? `${type}:${n}:${k}` : `${type}:${n}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const layers = type === "odd_even" ? oddEvenNetwork(n) : type === "bitonic" ? bitonicNetwork(n) : splitterSelectionNetwork(n, k);
  let size = 0;
  for (const l of layers) size += l.lo.length;
  const lo = new Int32Array(size);
  const hi = new Int32Array(size);
  const layerStart = new Int32Array(layers.length + 1);
  const hullStart = new Int32Array(size);
  const hullEnd = new Int32Array(size);
  // Structural support of each row of P (papers' convention, rows = wires): starts as the diagonal.
  const sStart = Int32Array.from({ length: n }, (_, i) => i);
  const sEnd = Int32Array.from({ length: n }, (_, i) => i + 1);
  let c = 0;
  layers.forEach((layer, l) => {
    layerStart[l] = c;
    for (let t = 0; t < layer.lo.length; t++, c++) {
      const a = layer.lo[t] as number;
      const b = layer.hi[t] as number;
      lo[c] = a;
      hi[c] = b;
      const s = Math.min(sStart[a] as number, sStart[b] as number);
      const e = Math.max(sEnd[a] as number, sEnd[b] as number);
      sStart[a] = sStart[b] = hullStart[c] = s;
      sEnd[a] = sEnd[b] = hullEnd[c] = e;
    }
  });
  layerStart[layers.length] = c;
  // Pad each hull to 4-column boundaries (whole SIMD lanes). Safe: the padding columns are zero in both
  // rows of P, and the mixing is column-wise, so padded gradient columns never reach a true-hull column.
  for (let t = 0; t < size; t++) {
    hullStart[t] = (hullStart[t] as number) & ~3;
    hullEnd[t] = Math.min(n, ((hullEnd[t] as number) + 3) & ~3);
  }
  const hullOffset = new Int32Array(size + 1);
  for (let t = 0; t < size; t++) hullOffset[t + 1] = (hullOffset[t] as number) + (hullEnd[t] as number) - (hullStart[t] as number);
  const net: FlatNetwork = { type, n, layers, lo, hi, layerStart, hullStart, hullEnd, hullOffset, size, depth: layers.length };
  cache.set(key, net);
  return net;
}
