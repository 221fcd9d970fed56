import * as tf from "@tensorflow/tfjs-core";
import { RelaxError, assertInteger, assertOptions, describe } from "@relax/core";

/** A `[rows, cols]` matrix as a tensor or as a flat array with explicit shape. */
export type MatrixInput = tf.Tensor | { values: ArrayLike<number>; shape: [number, number] };

/** A matrix input on the host, validated: a rank-2 tensor or `{values, shape}`, finite entries (one scan). */
function host(op: string, arg: string, m: MatrixInput): { values: ArrayLike<number>; rows: number; cols: number } {
  let out: { values: ArrayLike<number>; rows: number; cols: number };
  if (m instanceof tf.Tensor) {
    if (m.rank !== 2) throw new RelaxError(op, arg, "[batch, n]", `[${m.shape.join(", ")}]`);
    out = { values: m.dataSync(), rows: m.shape[0] as number, cols: m.shape[1] as number };
  } else {
    const v = m as { values?: ArrayLike<number>; shape?: unknown };
    if (!v || typeof v !== "object" || !v.values || typeof v.values.length !== "number" || !Array.isArray(v.shape) || v.shape.length !== 2)
      throw new RelaxError(op, arg, "a [batch, n] tensor or { values, shape: [rows, cols] }", describe(m));
    const rows = assertInteger(op, `${arg}.shape[0]`, v.shape[0], 0, 2 ** 31);
    const cols = assertInteger(op, `${arg}.shape[1]`, v.shape[1], 0, 2 ** 31);
    if (v.values.length !== rows * cols)
      throw new RelaxError(op, arg, `${rows * cols} values for shape [${rows}, ${cols}]`, `${v.values.length}`);
    out = { values: v.values, rows, cols };
  }
  for (let i = 0; i < out.values.length; i++) {
    if (!Number.isFinite(out.values[i] as number))
      throw new RelaxError(op, arg, "finite values (a NaN/Inf has no rank)", `${describe(out.values[i])} at flat index ${i}`);
  }
  return out;
}

function argsortRow(v: ArrayLike<number>, off: number, n: number, out: Int32Array): void {
  for (let i = 0; i < n; i++) out[i] = i;
  out.sort((a, b) => (v[off + a] as number) - (v[off + b] as number) || a - b);
}

/** Ranking metrics of the diffsort experiments (fractions in [0, 1]). */
export interface RankingMetrics {
  /** Exact match: the whole order of a set is right. */
  em: number;
  /** Element-wise: fraction of positions whose element is right. */
  ew: number;
  /** Exact match of the first k positions (`acc_em5` with k = 5). */
  emFirstK: number;
  /** Number of sets scored. */
  sets: number;
}

/**
 * Ranking metrics (Petersen et al., ICML 2021, diffsort `main.py`): with `acc = argsort(targets) == argsort(scores)`
 * per position, EM = all n positions right, EW = mean of acc, EM-k = first k positions right. Ascending order;
 * ties broken by index (stable).
 *
 * @param scores `[batch, n]` predicted scores
 * @param targets `[batch, n]` true values (any order-preserving numbers)
 * @param options.k positions for `emFirstK` (default 5; clamped to n)
 * @example
 * const m = rankingMetrics(scores, targets);
 * console.log(`EM ${(100 * m.em).toFixed(1)}% EW ${(100 * m.ew).toFixed(1)}%`);
 */
export function rankingMetrics(scores: MatrixInput, targets: MatrixInput, options: { k?: number } = {}): RankingMetrics {
  const o = assertOptions<{ k?: number }>("rankingMetrics", options, ["k"]);
  const k0 = assertInteger("rankingMetrics", "k", o.k ?? 5, 1, Number.MAX_SAFE_INTEGER);
  const s = host("rankingMetrics", "scores", scores);
  const t = host("rankingMetrics", "targets", targets);
  if (s.rows !== t.rows || s.cols !== t.cols) {
    throw new RelaxError("rankingMetrics", "targets", `shape [${s.rows}, ${s.cols}] like scores`, `[${t.rows}, ${t.cols}]`);
  }
  const n = s.cols;
  if (n < 1 && s.rows > 0) throw new RelaxError("rankingMetrics", "scores", "[batch, n] with n ≥ 1", `[${s.rows}, ${n}]`);
  const k = Math.min(k0, n);
  const ps = new Int32Array(n);
  const pt = new Int32Array(n);
  let em = 0,
    ew = 0,
    emk = 0;
  for (let r = 0; r < s.rows; r++) {
    argsortRow(s.values, r * n, n, ps);
    argsortRow(t.values, r * n, n, pt);
    let right = 0,
      firstK = true,
      all = true;
    for (let j = 0; j < n; j++) {
      const ok = ps[j] === pt[j];
      if (ok) right++;
      else {
        all = false;
        if (j < k) firstK = false;
      }
    }
    em += all ? 1 : 0;
    emk += firstK ? 1 : 0;
    ew += right / n;
  }
  const rows = Math.max(1, s.rows);
  return { em: em / rows, ew: ew / rows, emFirstK: emk / rows, sets: s.rows };
}

/** Exact-match accuracy of rankings (see {@link rankingMetrics}). */
export function rankExactMatch(scores: MatrixInput, targets: MatrixInput): number {
  return rankingMetrics(scores, targets).em;
}

/** Element-wise ranking accuracy (see {@link rankingMetrics}). */
export function rankElementWise(scores: MatrixInput, targets: MatrixInput): number {
  return rankingMetrics(scores, targets).ew;
}

/** Exact match of the first k sorted positions (see {@link rankingMetrics}). */
export function rankExactMatchFirstK(scores: MatrixInput, targets: MatrixInput, k: number): number {
  return rankingMetrics(scores, targets, { k }).emFirstK;
}

/**
 * Top-k classification accuracy (Petersen et al., ICML 2022): the true label is among the k largest logits
 * (ties count against: a label wins only if fewer than k other logits are strictly larger).
 *
 * @param logits `[batch, classes]`
 * @param labels `batch` integer labels
 * @example
 * topKAccuracy(logits, [3, 1], 5);   // fraction in [0, 1]
 */
export function topKAccuracy(logits: MatrixInput, labels: ArrayLike<number> | tf.Tensor, k = 1): number {
  assertInteger("topKAccuracy", "k", k, 1, Number.MAX_SAFE_INTEGER);
  const l = host("topKAccuracy", "logits", logits);
  const lab = labels instanceof tf.Tensor ? labels.dataSync() : labels;
  if (!lab || typeof lab.length !== "number")
    throw new RelaxError("topKAccuracy", "labels", "an array or tensor of integer labels", describe(labels));
  if (lab.length !== l.rows) throw new RelaxError("topKAccuracy", "labels", `${l.rows} labels`, `${lab.length}`);
  let hit = 0;
  for (let r = 0; r < l.rows; r++) {
    const y = lab[r] as number;
    if (!(Number.isInteger(y) && y >= 0 && y < l.cols))
      throw new RelaxError("topKAccuracy", `labels[${r}]`, `an integer in [0, ${l.cols})`, String(y));
    const v = l.values[r * l.cols + y] as number;
    let larger = 0;
    for (let c = 0; c < l.cols; c++) if ((l.values[r * l.cols + c] as number) > v) larger++;
    if (larger < k) hit++;
  }
  return hit / Math.max(1, l.rows);
}

/**
 * Perfect-path match rate (shortest-path supervision, Warcraft protocol): a predicted path `[batch, cells]`
 * (thresholded at 0.5) counts only if every cell equals the true path.
 *
 * @example
 * pathPerfectMatch(predicted, truth);   // both [batch, 144] for 12×12 maps
 */
export function pathPerfectMatch(predicted: MatrixInput, truth: MatrixInput, threshold = 0.5): number {
  if (typeof threshold !== "number" || !Number.isFinite(threshold))
    throw new RelaxError("pathPerfectMatch", "threshold", "a finite number", describe(threshold));
  const p = host("pathPerfectMatch", "predicted", predicted);
  const t = host("pathPerfectMatch", "truth", truth);
  if (p.rows !== t.rows || p.cols !== t.cols)
    throw new RelaxError("pathPerfectMatch", "truth", `shape [${p.rows}, ${p.cols}]`, `[${t.rows}, ${t.cols}]`);
  let ok = 0;
  for (let r = 0; r < p.rows; r++) {
    let same = true;
    for (let c = 0; c < p.cols && same; c++) {
      same = (p.values[r * p.cols + c] as number) > threshold === (t.values[r * t.cols + c] as number) > threshold;
    }
    if (same) ok++;
  }
  return ok / Math.max(1, p.rows);
}
