/**
 * @relax/sort benchmarks (results in BENCHMARKS.md, "Sorting networks"): forward+backward of
 * `sum(P∘W) + sum(sorted)` at batch 100 (n = 1024: batch 16), fused kernels vs the composed-tfjs
 * reference, in the same run. Medians in ms.
 *
 * Run: `pnpm --filter @relax/bench build && node apps/bench/dist/run.js sort`
 * Env: SORT_QUICK=1 skips the reference rows; SORT_NS=8,32 limits the sizes; SORT_OE1024=1 adds odd-even
 * at n = 1024 (O(n³) per row: tens of seconds); SORT_REF128=1 adds one reference run of bitonic n = 128
 * (minutes: the composed reference broadcasts per element on [100, 128, 128] in every layer).
 * SORT_ONLY=baselines runs only the NeuralSort / SoftSort table (fused kernels vs the composed reference).
 */
import * as tf from "@tensorflow/tfjs-core";
import { readFileSync } from "node:fs";
import { RelaxDiffSort, RelaxDiffSortGrad } from "@relax/core";
import { RelaxNeuralSort, RelaxNeuralSortGrad, RelaxSoftSort, RelaxSoftSortGrad } from "@relax/core";
import { diffSort, diffTopK, getNetwork, neuralSort, softRank, softSort } from "@relax/sort";
import { ms, table, time, type Timing } from "./harness.js";

type Net = "odd_even" | "bitonic";

/** The workload as written: `tf.sum(tf.mul(P, W)) + tf.sum(sorted)`, through tf.grad. */
function literal(x: tf.Tensor, W: tf.Tensor, network: Net): () => void {
  const g = tf.grad((z: tf.Tensor) => {
    const { sorted, permutation } = diffSort(z, { network });
    return tf.add(tf.sum(tf.mul(permutation, W)), tf.sum(sorted)) as tf.Scalar;
  });
  return () => void g(x).dataSync();
}

/** The same scalar with `⟨P, W⟩` as one dot product (avoids tfjs-core's per-element broadcasting Sum gradient). */
function viaDot(x: tf.Tensor, W: tf.Tensor, network: Net): () => void {
  const w = tf.reshape(W, [-1, 1]);
  const g = tf.grad((z: tf.Tensor) => {
    const { sorted, permutation } = diffSort(z, { network });
    return tf.add(tf.reshape(tf.matMul(tf.reshape(permutation, [1, -1]), w), []), tf.sum(sorted)) as tf.Scalar;
  });
  return () => void g(x).dataSync();
}

/** The fused forward and backward kernels alone (what the sort itself costs). */
function kernelsOnly(x: tf.Tensor, W: tf.Tensor, network: Net): () => void {
  const be = tf.backend();
  const fwd = tf.getKernel(RelaxDiffSort, tf.getBackend())!.kernelFunc;
  const bwd = tf.getKernel(RelaxDiffSortGrad, tf.getBackend())!.kernelFunc;
  const ones = tf.onesLike(x);
  const attrs = { network, distribution: "cauchy", steepness: 10, artLambda: 0.25, withMatrix: true, descending: false, hard: false };
  return () => {
    const outs = fwd({ inputs: { x }, attrs, backend: be }) as tf.TensorInfo[];
    for (const o of outs) be.disposeData(o.dataId);
    const dx = bwd({ inputs: { x, dSorted: ones, dPermutation: W }, attrs, backend: be }) as tf.TensorInfo;
    be.disposeData(dx.dataId);
  };
}

/** Floating-point operations of the fused fwd+bwd: 4 per hull column and comparator in the forward, 4 in the recompute, 6 in the backward. */
function flops(B: number, n: number, network: Net): number {
  const net = getNetwork(network, n);
  return B * (net.hullOffset[net.size] as number) * 14;
}

function peakRssMiB(): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync("/proc/self/status", "utf8"));
    return m ? Math.round(Number(m[1]) / 1024) : NaN;
  } catch {
    return NaN;
  }
}

function timed(fn: () => void, n: number, runs = 15): Timing {
  // n = 1024 runs once (after the smaller cases warmed the JIT): seconds per call.
  return n >= 1024 ? time(fn, { warmup: 0, maxRuns: 1, budgetMs: 0 }) : time(fn, { warmup: 2, maxRuns: runs, budgetMs: 3000 });
}

/**
 * NeuralSort / SoftSort (τ = 1) at batch 100: forward+backward of `sum(P∘W)` through tf.grad (as written, and
 * with ⟨P, W⟩ as one dot product), the fused kernels alone, and the composed-tfjs reference, in the same run.
 */
function baselines(): void {
  const quick = process.env.SORT_QUICK === "1";
  const only = process.env.SORT_NS?.split(",").map(Number);
  const B = 100;
  const methods = [
    ["neuralSort", neuralSort, RelaxNeuralSort, RelaxNeuralSortGrad, {}],
    ["softSort", softSort, RelaxSoftSort, RelaxSoftSortGrad, { pow: 1 }],
  ] as const;
  const rows: (string | number)[][] = [];
  for (const n of [32, 128]) {
    if (only && !only.includes(n)) continue;
    const x = tf.randomNormal([B, n], 0, 1, "float32", 4);
    const W = tf.randomNormal([B, n, n], 0, 1, "float32", 5);
    const w = tf.reshape(W, [-1, 1]);
    for (const [name, fn, fwdName, bwdName, extra] of methods) {
      const g = tf.grad((z: tf.Tensor) => tf.sum(tf.mul(fn(z, 1).permutation, W)) as tf.Scalar);
      const gDot = tf.grad((z: tf.Tensor) => tf.reshape(tf.matMul(tf.reshape(fn(z, 1).permutation, [1, -1]), w), []) as tf.Scalar);
      const be = tf.backend();
      const fwd = tf.getKernel(fwdName, tf.getBackend())!.kernelFunc;
      const bwd = tf.getKernel(bwdName, tf.getBackend())!.kernelFunc;
      const attrs = { tau: 1, descending: false, hard: false, ...extra };
      const zeros = tf.zeros([B, n]);
      const none = tf.zeros([B, 0, 0]);
      const kernels = time(
        () => {
          const outs = fwd({ inputs: { x }, attrs, backend: be }) as tf.TensorInfo[];
          const P = tf.engine().makeTensorFromTensorInfo(outs[1] as tf.TensorInfo);
          for (const o of [outs[0], outs[2]] as tf.TensorInfo[]) be.disposeData(o.dataId);
          const dx = bwd({
            inputs: { x, permutation: P, relaxed: none, dSorted: zeros, dPermutation: W },
            attrs,
            backend: be,
          }) as tf.TensorInfo;
          be.disposeData(dx.dataId);
          P.dispose();
        },
        { warmup: 3, maxRuns: 21, budgetMs: 3000 },
      );
      const lit = time(() => void g(x).dataSync(), { warmup: 2, maxRuns: 11, budgetMs: 3000 });
      const dot = time(() => void gDot(x).dataSync(), { warmup: 2, maxRuns: 11, budgetMs: 3000 });
      let ref = "–";
      let ratio = "–";
      if (!quick) {
        const prev = tf.env().getBool("RELAX_FORCE_REFERENCE");
        tf.env().set("RELAX_FORCE_REFERENCE", true);
        try {
          const r = time(() => void g(x).dataSync(), { warmup: n <= 32 ? 1 : 0, maxRuns: 3, budgetMs: n <= 32 ? 3000 : 0 });
          ref = ms(r.median);
          ratio = `${(r.median / lit.median).toFixed(0)}× / ${(r.median / kernels.median).toFixed(0)}×`;
        } finally {
          tf.env().set("RELAX_FORCE_REFERENCE", prev);
        }
      }
      const mm = (t: Timing) => `${ms(t.median)} (${ms(t.min)})`;
      rows.push([`${name} τ=1`, n, B, mm(kernels), mm(lit), mm(dot), ref, ratio]);
      console.error(`sort bench: ${name} n=${n} done`);
      tf.dispose([zeros, none]);
    }
    tf.dispose([x, W, w]);
  }
  console.log("");
  table(
    [
      "baseline (P, fwd+bwd of sum(P∘W))",
      "n",
      "batch",
      "fused kernels fwd+bwd, median (min)",
      "tf.grad sum(P∘W), fused",
      "tf.grad ⟨P,W⟩ as dot, fused",
      "reference (composed tfjs), tf.grad sum(P∘W)",
      "speed-up vs reference (tf.grad / kernels)",
    ],
    rows,
  );
}

export async function run(): Promise<void> {
  if (process.env.SORT_ONLY === "baselines") return baselines();
  const quick = process.env.SORT_QUICK === "1";
  const only = process.env.SORT_NS?.split(",").map(Number);
  const cases: [Net, number, number][] = [
    ["odd_even", 8, 100],
    ["bitonic", 8, 100],
    ["odd_even", 32, 100],
    ["bitonic", 32, 100],
    ["odd_even", 128, 100],
    ["bitonic", 128, 100],
    ["bitonic", 1024, 16],
    ...(process.env.SORT_OE1024 === "1" ? ([["odd_even", 1024, 16]] as [Net, number, number][]) : []),
  ];
  const header = [
    "network",
    "n",
    "batch",
    "fused kernels fwd+bwd (wasm f32x4), median (min)",
    "fused kernels, JS loops",
    "tf.grad, sum(P∘W)+sum(sorted)",
    "tf.grad, ⟨P,W⟩ as dot",
    "reference (composed tfjs), sum(P∘W)",
    "speed-up vs reference",
    "kernel GFLOP/s (at min)",
    "peak RSS MiB",
  ];
  // Warm the JIT (kernels, tf.grad, the reference ops) before anything is timed.
  tf.tidy(() => {
    const x = tf.randomNormal([20, 8]);
    const W = tf.randomNormal([20, 8, 8]);
    for (const network of ["odd_even", "bitonic"] as const) {
      for (let i = 0; i < 20; i++) {
        literal(x, W, network)();
        viaDot(x, W, network)();
        kernelsOnly(x, W, network)();
      }
    }
  });
  // Rows are printed as they finish (a long run still leaves its finished rows behind).
  console.log(`| ${header.join(" | ")} |`);
  console.log(`| ${header.map(() => "---").join(" | ")} |`);
  for (const [network, n, B] of cases) {
    if (only && !only.includes(n)) continue;
    const x = tf.randomNormal([B, n], 0, 1, "float32", 1);
    const W = tf.randomNormal([B, n, n], 0, 1, "float32", 2);
    const kern = timed(kernelsOnly(x, W, network), n);
    const prevWasm = tf.env().getBool("RELAX_SORT_WASM");
    tf.env().set("RELAX_SORT_WASM", false);
    const kernJs = n <= 128 ? timed(kernelsOnly(x, W, network), n, 7) : null;
    tf.env().set("RELAX_SORT_WASM", prevWasm);
    const lit = timed(literal(x, W, network), n);
    const dot = timed(viaDot(x, W, network), n);
    console.error(`sort bench: ${network} n=${n} done`);
    let ref = "–";
    let ratio = "–";
    const ref128 = process.env.SORT_REF128 === "1" && n === 128 && network === "bitonic";
    if (!quick && (n <= 32 || ref128)) {
      const prev = tf.env().getBool("RELAX_FORCE_REFERENCE");
      tf.env().set("RELAX_FORCE_REFERENCE", true);
      try {
        // The composed reference pays tfjs's per-element broadcasting on [B, n, n] every layer: slow.
        const r = time(
          literal(x, W, network),
          n <= 32 ? { warmup: 1, maxRuns: 3, budgetMs: 5000 } : { warmup: 0, maxRuns: 1, budgetMs: 0 },
        );
        ref = ms(r.median);
        ratio = `${(r.median / lit.median).toFixed(0)}×`;
      } finally {
        tf.env().set("RELAX_FORCE_REFERENCE", prev);
      }
    }
    const gflops = flops(B, n, network) / (kern.min * 1e6);
    const mm = (t: Timing) => (t.runs > 1 ? `${ms(t.median)} (${ms(t.min)})` : ms(t.median));
    const row = [network, n, B, mm(kern), kernJs ? mm(kernJs) : "–", mm(lit), mm(dot), ref, ratio, gflops.toFixed(2), peakRssMiB()];
    console.log(`| ${row.join(" | ")} |`);
    tf.dispose([x, W]);
  }

  // Other ops: forward+backward of sum(y·sin(y)), fused path.
  const other: (string | number)[][] = [];
  const B = 100;
  for (const n of [32, 128]) {
    if (only && !only.includes(n)) continue;
    const x = tf.randomNormal([B, n], 0, 1, "float32", 3);
    const k = 5;
    const ops: [string, (z: tf.Tensor) => tf.Tensor][] = [
      ["diffSort valuesOnly (odd_even)", (z) => diffSort(z, { valuesOnly: true }).sorted],
      ["diffSort valuesOnly (bitonic)", (z) => diffSort(z, { valuesOnly: true, network: "bitonic" }).sorted],
      ["softRank (bitonic)", (z) => softRank(z, { network: "bitonic" })],
      [`diffTopK k=${k} (bitonic)`, (z) => diffTopK(z, k, { network: "bitonic" })],
      [`diffTopK k=${k} (splitter_selection)`, (z) => diffTopK(z, k, { network: "splitter_selection" })],
      // NeuralSort / SoftSort here at n = 32 only; the baselines table (SORT_ONLY=baselines) has n = 128.
      ...(n <= 32
        ? ([
            ["neuralSort τ=1 (P)", (z) => neuralSort(z, 1).permutation],
            ["softSort τ=1 (P)", (z) => softSort(z, 1).permutation],
          ] as [string, (z: tf.Tensor) => tf.Tensor][])
        : []),
    ];
    for (const [name, f] of ops) {
      const g = tf.grad((z: tf.Tensor) => {
        const y = f(z);
        return tf.sum(tf.mul(y, tf.sin(y))) as tf.Scalar;
      });
      const t = time(() => void g(x).dataSync(), { warmup: 2, maxRuns: 11, budgetMs: 2000 });
      other.push([name, n, B, ms(t.median)]);
    }
    x.dispose();
  }
  console.log("");
  table(["op (fwd+bwd of sum(y·sin y))", "n", "batch", "median ms"], other);
  baselines();
}
