// The issue-17 user loss (forward + backward of sum(permutation ⊙ W) + sum(sorted) through tf.grad, batch 100,
// x ~ N(0, 1), cauchy, steepness 10, cpu backend) with a set of tf.env() flags off ("before") and on ("after"),
// interleaved in one process; minima and medians in ms, against the PyTorch reference minima of
// shared/research/sort.md §4 (diffsort, 1 thread).
//   node apps/bench/scripts/user-loss-flags.mjs [reps=21] [sizes=32,64,128] [networks=odd_even,bitonic] [flags=RELAX_SORT_WASM_VALUES]
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import { diffSort } from "@relax/sort";

const reps = Number(process.argv[2] ?? 21);
const sizes = (process.argv[3] ?? "32,64,128").split(",").map(Number);
const networks = (process.argv[4] ?? "odd_even,bitonic").split(",");
const flags = (process.argv[5] ?? "RELAX_SORT_WASM_VALUES").split(",");
const PYTORCH_MIN_MS = {
  odd_even: { 32: 46.6, 64: 258, 128: 3761 },
  bitonic: { 32: 21.7, 64: 86, 128: 838 },
};
await tf.setBackend("cpu");
const median = (t) => [...t].sort((a, b) => a - b)[Math.floor(t.length / 2)];
const fmt = (v) => (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2));
const lines = [];
for (const network of networks) {
  for (const n of sizes) {
    const x = tf.randomNormal([100, n], 0, 1, "float32", 1);
    const W = tf.randomNormal([100, n, n], 0, 1, "float32", 2);
    const loss = (v) => {
      const r = diffSort(v, { network, steepness: 10 });
      return tf.add(tf.sum(tf.mul(r.permutation, W)), tf.sum(r.sorted));
    };
    const step = () => {
      const g = tf.grad(loss)(x);
      g.dataSync();
      g.dispose();
    };
    const times = { before: [], after: [] };
    const r = n >= 128 ? Math.max(5, Math.ceil(reps / 2)) : reps;
    for (let i = 0; i < r + 2; i++) {
      for (const mode of i % 2 ? ["after", "before"] : ["before", "after"]) {
        for (const f of flags) tf.env().set(f, mode === "after");
        const t0 = performance.now();
        step();
        if (i >= 2) times[mode].push(performance.now() - t0);
      }
    }
    for (const f of flags) tf.env().set(f, true);
    const ref = PYTORCH_MIN_MS[network]?.[n];
    const bmin = Math.min(...times.before);
    const amin = Math.min(...times.after);
    const line = `| ${network} | ${n} | ${fmt(median(times.before))} (${fmt(bmin)}) | ${fmt(median(times.after))} (${fmt(amin)}) | ${(bmin / amin).toFixed(2)}× | ${ref ?? "–"} | ${ref ? `${(ref / bmin).toFixed(1)}× → ${(ref / amin).toFixed(1)}×` : "–"} |`;
    console.log(line);
    lines.push(line);
    tf.dispose([x, W]);
  }
}
console.log(`flags off → on: ${flags.join(", ")}`);
console.log("| network | n | before, median (min) ms | after, median (min) ms | min before / after | PyTorch min ms | × PyTorch at the minimum, before → after |");
console.log("|---|---|---|---|---|---|---|");
for (const l of lines) console.log(l);
