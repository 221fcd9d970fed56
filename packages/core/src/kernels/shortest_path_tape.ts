/**
 * The forward tape of the shortest-path host kernel, packed into one output tensor so the gradient kernel
 * receives it as a saved output (no state shared between the kernels). The float64 numbers travel bit-exact
 * as the bytes of a `Float32Array` twice as long; an iterate the forward kept by reference (a settled
 * Bellman-Ford distance repeats) is stored once and referenced by index.
 *
 * Layout (float64 words): `B`, then per row `nD, nUnique, index[nD], unique[nUnique·N], w[N·8], K, m[K·N], path[K·N]`.
 */

/** The per-row record the backward pass reads. */
export interface RowTape {
  /** Bellman-Ford iterates d_0..d_T, each N values (a settled iterate may repeat by reference). */
  d: Float64Array[];
  /** Final predecessor weights [N, 8] (0 for out-of-grid neighbours and the source). */
  w: Float64Array;
  /** Traceback masses m_0..m_{K−1} and path values path_0..path_{K−1} (before each update). */
  m: Float64Array[];
  path: Float64Array[];
}

/** Packs the tapes of a batch (N values per grid) into the bytes of a Float32Array. */
export function packTapes(tapes: RowTape[], N: number): Float32Array {
  const layouts = tapes.map((t) => {
    const slot = new Map<Float64Array, number>();
    for (const d of t.d) if (!slot.has(d)) slot.set(d, slot.size);
    return { unique: [...slot.keys()], index: t.d.map((d) => slot.get(d) as number) };
  });
  let words = 1;
  tapes.forEach((t, r) => {
    const { unique } = layouts[r]!;
    words += 2 + t.d.length + unique.length * N + N * 8 + 1 + 2 * t.m.length * N;
  });
  const out = new Float64Array(words);
  let o = 0;
  out[o++] = tapes.length;
  tapes.forEach((t, r) => {
    const { unique, index } = layouts[r]!;
    out[o++] = t.d.length;
    out[o++] = unique.length;
    for (const i of index) out[o++] = i;
    for (const u of unique) {
      out.set(u, o);
      o += N;
    }
    out.set(t.w, o);
    o += N * 8;
    out[o++] = t.m.length;
    for (const m of t.m) {
      out.set(m, o);
      o += N;
    }
    for (const p of t.path) {
      out.set(p, o);
      o += N;
    }
  });
  return new Float32Array(out.buffer);
}

/** Unpacks {@link packTapes}' bytes (any alignment) into per-row tapes (views, no copies of the iterates). */
export function unpackTapes(packed: Float32Array, N: number): RowTape[] {
  const aligned = packed.byteOffset % 8 === 0 ? packed : new Float32Array(packed); // same-type copy: bytes kept
  const f = new Float64Array(aligned.buffer, aligned.byteOffset, aligned.length / 2);
  let o = 0;
  const B = f[o++] as number;
  const tapes: RowTape[] = [];
  for (let r = 0; r < B; r++) {
    const nD = f[o++] as number;
    const nUnique = f[o++] as number;
    const index = Array.from(f.subarray(o, o + nD));
    o += nD;
    const unique: Float64Array[] = [];
    for (let u = 0; u < nUnique; u++, o += N) unique.push(f.subarray(o, o + N));
    const w = f.subarray(o, o + N * 8);
    o += N * 8;
    const K = f[o++] as number;
    const m: Float64Array[] = [];
    for (let k = 0; k < K; k++, o += N) m.push(f.subarray(o, o + N));
    const path: Float64Array[] = [];
    for (let k = 0; k < K; k++, o += N) path.push(f.subarray(o, o + N));
    tapes.push({ d: index.map((i) => unique[i] as Float64Array), w, m, path });
  }
  return tapes;
}
