/**
 * LapSum benchmarks (results in BENCHMARKS.md, "LapSum"): (1) speed of forward+backward of `sum(out ⊙ W)`
 * through `tf.grad` for lapSumSort / lapSumRank / lapSumTopK against diffSort (values only), softRank,
 * diffTopK, fastSoftSort and NeuralSort / SoftSort, n up to 1e5, all in the same run (medians, ms);
 * (2) a top-k training task: a linear classifier on a synthetic 100-class problem trained for the same wall
 * budget with each loss (accuracy per wall-second).
 *
 * Run: `pnpm --filter @relax/bench build && node apps/bench/dist/run.js lapsum`
 * Env: LAPSUM_NS=32,1024 limits the sizes; LAPSUM_ONLY=speed|task; LAPSUM_BUDGET_MS (task, default 6000).
 */
import * as tf from "@tensorflow/tfjs-core";
import {
  diffSort,
  diffTopK,
  fastSoftSort,
  lapSumRank,
  lapSumSort,
  lapSumTopK,
  neuralSort,
  softRank,
  softSort,
  topKCrossEntropy,
} from "@relax/sort";
import { ms, table } from "./harness.js";

type Op = (x: tf.Tensor) => tf.Tensor;

/** Batch per size: ~1e5 entries per call at small n, one row at n ≥ 1e4. */
const batchOf = (n: number) => (n <= 128 ? 100 : n <= 1024 ? 16 : 1);
/** Sorting networks have at most 65536 wires. */
const MAX_NETWORK_WIRES = 65536;
/** O(n²)-memory baselines (a [B, n, n] permutation) stop here. */
const DENSE_MAX = 1024;

/** `[name, op, why it is skipped at this n or null]`. */
function speedCases(n: number): [string, Op, string | null][] {
  const k = Math.max(1, Math.round(n / 10));
  const network = n > MAX_NETWORK_WIRES ? "— (sorting networks: at most 65536 wires)" : null;
  const dense = n > DENSE_MAX ? "skipped ([B, n, n] permutation: O(n²) memory, minutes per call)" : null;
  return [
    ["lapSumSort (α = 0.1)", (x) => lapSumSort(x, { alpha: 0.1 }), null],
    ["lapSumRank (α = 0.1)", (x) => lapSumRank(x, { alpha: 0.1 }), null],
    ["lapSumTopK (k = n/10, α = 0.1)", (x) => lapSumTopK(x, k, { alpha: 0.1 }), null],
    ["fastSoftSort (l2, ε = 0.1)", (x) => fastSoftSort(x, { regularizationStrength: 0.1 }), null],
    ["diffSort bitonic, values only", (x) => diffSort(x, { network: "bitonic", valuesOnly: true }).sorted, network],
    ["softRank bitonic", (x) => softRank(x, { network: "bitonic" }), network],
    [`diffTopK splitter (k = ${Math.min(k, 10)}), [k, n]`, (x) => diffTopK(x, Math.min(k, 10), { network: "splitter_selection" }), network],
    ["diffSort bitonic, with P [n, n]", (x) => diffSort(x, { network: "bitonic" }).permutation, network ?? dense],
    ["neuralSort (τ = 1), P [n, n]", (x) => neuralSort(x, { tau: 1 }).permutation, dense],
    ["softSort (τ = 1), P [n, n]", (x) => softSort(x, { tau: 1 }).permutation, dense],
  ];
}

async function speed(): Promise<void> {
  const ns = (process.env.LAPSUM_NS ?? "32,128,1024,10000,100000").split(",").map(Number);
  console.log(
    "\nForward + backward of `sum(out ⊙ W)` through tf.grad, cpu backend, medians in ms (ratio: / lapSumSort in the same run).\n",
  );
  for (const n of ns) {
    const B = batchOf(n);
    const x = tf.randomNormal([B, n], 0, 1, "float32", 7);
    const cases = speedCases(n).map(([name, op, skip]) => {
      if (skip) return { name, skip, run: null, W: null, samples: [] as number[] };
      const W = tf.tidy(() => tf.randomNormal(op(x).shape, 0, 1, "float32", 3));
      const g = tf.grad((z: tf.Tensor) => tf.sum(tf.mul(op(z), W)));
      const run = () => tf.tidy(() => void g(x).dataSync());
      for (let i = 0; i < 2; i++) run(); // warm-up
      return { name, skip, run, W, samples: [] as number[] };
    });
    // interleaved: one call of each op per round (order rotated), 3 to 9 rounds within ~30 s per size
    const start = performance.now();
    for (let round = 0; round < 9 && (round < 3 || performance.now() - start < 30000); round++) {
      for (let i = 0; i < cases.length; i++) {
        const c = cases[(i + round) % cases.length]!; // rotated: no op always follows the same one
        if (!c.run) continue;
        const t0 = performance.now();
        c.run();
        c.samples.push(performance.now() - t0);
      }
    }
    const median = (v: number[]) => [...v].sort((p, q) => p - q)[Math.floor(v.length / 2)] as number;
    const base = median(cases[0]?.samples ?? [1]);
    const rows = cases.map((c) => (c.skip ? [c.name, c.skip, ""] : [c.name, ms(median(c.samples)), (median(c.samples) / base).toFixed(2)]));
    for (const c of cases) c.W?.dispose();
    x.dispose();
    console.log(`\n**n = ${n}, batch ${B}** (${cases[0]?.samples.length} interleaved rounds)\n`);
    table(["op", "fwd+bwd ms (median)", "× lapSumSort"], rows);
  }
}

/** Synthetic classification: C classes with Gaussian prototypes in d dims and heavy noise (top-1 is hard, top-5 is not). */
function dataset(count: number, C: number, d: number, seed: number, protos: tf.Tensor2D) {
  return tf.tidy(() => {
    const labels = tf.randomUniform([count], 0, C, "int32", seed) as tf.Tensor1D;
    const centers = tf.gather(protos, labels);
    const xs = tf.add(centers, tf.randomNormal([count, d], 0, 1.6, "float32", seed + 1));
    return { xs: xs as tf.Tensor2D, labels };
  });
}

type Loss = (logits: tf.Tensor2D, labels: tf.Tensor1D, labelArray: number[]) => tf.Scalar;

/** The top-k loss of the difftopk paper ('sm' mode, P_K = [.5, 0, 0, 0, .5]) with LapSum's top-5 membership as C_5. */
const lapSumLoss: Loss = (logits, labels) => {
  const C = logits.shape[1];
  const p = tf.add(tf.mul(0.5, tf.softmax(logits)), tf.mul(0.5, lapSumTopK(logits, 5, { alpha: 0.5 })));
  const picked = tf.sum(tf.mul(p, tf.oneHot(labels, C)), 1);
  return tf.neg(tf.mean(tf.log(tf.add(tf.mul(picked, 1 - 2e-7), 1e-7)))) as tf.Scalar;
};

const LOSSES: [string, Loss][] = [
  ["softmax cross-entropy", (logits, labels) => tf.losses.softmaxCrossEntropy(tf.oneHot(labels, logits.shape[1]), logits) as tf.Scalar],
  ["lapSumTopK top-5 loss (sm, P_K = [.5,0,0,0,.5], α = 0.5)", lapSumLoss],
  [
    "topKCrossEntropy splitter_selection (same P_K, β = 1, m = 16)",
    (logits, _l, la) =>
      topKCrossEntropy(logits, la, { pK: [0.5, 0, 0, 0, 0.5], m: 16, steepness: 1, distribution: "logistic" }) as tf.Scalar,
  ],
  [
    "topKCrossEntropy bitonic (same P_K, β = 1, no m)",
    (logits, _l, la) =>
      topKCrossEntropy(logits, la, { pK: [0.5, 0, 0, 0, 0.5], method: "bitonic", steepness: 1, distribution: "logistic" }) as tf.Scalar,
  ],
  [
    "topKCrossEntropy neuralsort (same P_K, m = 16)",
    (logits, _l, la) => topKCrossEntropy(logits, la, { pK: [0.5, 0, 0, 0, 0.5], m: 16, method: "neuralsort", steepness: 2 }) as tf.Scalar,
  ],
];

function accuracy(logits: tf.Tensor2D, labels: number[], k: number): number {
  const { indices } = tf.topk(logits, k);
  const top = indices.arraySync() as number[][];
  indices.dispose();
  return top.reduce((s, row, i) => s + (row.includes(labels[i] as number) ? 1 : 0), 0) / labels.length;
}

async function task(): Promise<void> {
  const C = 100;
  const d = 32;
  const batch = 128;
  const budget = Number(process.env.LAPSUM_BUDGET_MS ?? 6000);
  const protos = tf.randomNormal([C, d], 0, 1, "float32", 11) as tf.Tensor2D;
  const train = dataset(8192, C, d, 21, protos);
  const test = dataset(4096, C, d, 31, protos);
  const testLabels = Array.from(test.labels.dataSync());
  console.log(
    `\nTop-k training task: linear classifier, ${C} classes, ${d} features (Gaussian prototypes + N(0, 1.6²) noise), 8192 train / 4096 test, batch ${batch}, Adam(1e-2), ${budget / 1000} s of step time per loss (losses interleaved step by step), cpu backend.\n`,
  );
  // Round-robin: one step of each loss in turn, each charged only its own step time, until each has used
  // its budget, so the load of a shared machine falls on every loss alike.
  const runs = LOSSES.map(([name, loss]) => ({
    name,
    loss,
    W: tf.variable(tf.zeros([d, C])),
    b: tf.variable(tf.zeros([C])),
    opt: tf.train.adam(1e-2),
    steps: 0,
    spent: 0,
    early: Number.NaN,
  }));
  const top5Now = (r: (typeof runs)[number]) => {
    const logits = tf.tidy(() => tf.add(tf.matMul(test.xs, r.W), r.b) as tf.Tensor2D);
    const a = accuracy(logits, testLabels, 5);
    logits.dispose();
    return a;
  };
  while (runs.some((r) => r.spent < budget)) {
    for (const r of runs) {
      if (r.spent >= budget) continue;
      const from = (r.steps * batch) % 8192;
      const t0 = performance.now();
      tf.tidy(() => {
        const xb = tf.slice(train.xs, [from, 0], [batch, d]);
        const lb = tf.slice(train.labels, [from], [batch]) as tf.Tensor1D;
        const la = Array.from(lb.dataSync());
        r.opt.minimize(() => r.loss(tf.add(tf.matMul(xb, r.W), r.b) as tf.Tensor2D, lb, la));
      });
      r.spent += performance.now() - t0;
      r.steps++;
      if (Number.isNaN(r.early) && r.spent >= budget / 6) r.early = top5Now(r); // not charged
    }
  }
  const rows: (string | number)[][] = [];
  for (const r of runs) {
    const seconds = r.spent / 1000;
    const logits = tf.tidy(() => tf.add(tf.matMul(test.xs, r.W), r.b) as tf.Tensor2D);
    const top1 = accuracy(logits, testLabels, 1);
    const top5 = accuracy(logits, testLabels, 5);
    rows.push([
      r.name,
      r.steps,
      (r.steps / seconds).toFixed(0),
      (100 * r.early).toFixed(1),
      (100 * top1).toFixed(1),
      (100 * top5).toFixed(1),
    ]);
    tf.dispose([logits, r.W, r.b]);
    r.opt.dispose();
  }
  table(["loss", "steps in the budget", "steps/s", `test top-5 % after ${budget / 6000} s`, "test top-1 %", "test top-5 %"], rows);
  tf.dispose([protos, train.xs, train.labels, test.xs, test.labels]);
}

/** Runs the LapSum suite (speed, then the training task). */
export async function run(): Promise<void> {
  const only = process.env.LAPSUM_ONLY;
  if (only !== "task") await speed();
  if (only !== "speed") await task();
}
