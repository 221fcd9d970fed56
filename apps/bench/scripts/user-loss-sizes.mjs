// The issue-17 user loss at several sizes: forward + backward of sum(permutation ⊙ W) + sum(sorted) through
// tf.grad, batch 100, x ~ N(0, 1), cauchy, steepness 10, cpu backend (the wasm loops on), as a user writes it.
// "before" and "after" run interleaved in one process: before = the RELAX_FAST_BROADCAST flag off (tfjs's own
// broadcast Multiply in the Sum gradient), after = on. Against the PyTorch reference minima of
// shared/research/sort.md §4 (diffsort, 1 thread, same protocol).
//   node apps/bench/scripts/user-loss-sizes.mjs [reps=15] [sizes=32,64,128,256] [networks=odd_even,bitonic]
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import { diffSort } from "@relax/sort";

const reps = Number(process.argv[2] ?? 15);
const sizes = (process.argv[3] ?? "32,64,128,256").split(",").map(Number);
const networks = (process.argv[4] ?? "odd_even,bitonic").split(",");
const PYTORCH_MIN_MS = {
  odd_even: { 32: 46.6, 64: 258, 128: 3761 },
  bitonic: { 32: 21.7, 64: 86, 128: 838 },
};
await tf.setBackend("cpu");
const median = (t) => [...t].sort((a, b) => a - b)[Math.floor(t.length / 2)];
const rows = [];
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
    const r = n >= 128 ? Math.max(3, Math.ceil(reps / 3)) : reps;
    for (let i = 0; i < r + 2; i++) {
      for (const mode of i % 2 ? ["after", "before"] : ["before", "after"]) {
        tf.env().set("RELAX_FAST_BROADCAST", mode === "after");
        const t0 = performance.now();
        step();
        if (i >= 2) times[mode].push(performance.now() - t0);
      }
    }
    tf.env().set("RELAX_FAST_BROADCAST", true);
    const ref = PYTORCH_MIN_MS[network]?.[n];
    const b = median(times.before);
    const a = median(times.after);
    const amin = Math.min(...times.after);
    rows.push({
      network,
      n,
      before_median_ms: +b.toFixed(2),
      after_median_ms: +a.toFixed(2),
      after_min_ms: +amin.toFixed(2),
      speedup: +(b / a).toFixed(2),
      vs_pytorch_median: ref ? +(ref / a).toFixed(1) : null,
      vs_pytorch_min: ref ? +(ref / amin).toFixed(1) : null,
    });
    console.log(JSON.stringify(rows[rows.length - 1]));
    tf.dispose([x, W]);
  }
}
console.log(`| network | n | before, median ms | after, median (min) ms | after / before | PyTorch min ms | ×PyTorch (median; min) |`);
console.log(`|---|---|---|---|---|---|---|`);
for (const r of rows) {
  const ref = PYTORCH_MIN_MS[r.network]?.[r.n];
  console.log(
    `| ${r.network} | ${r.n} | ${r.before_median_ms} | ${r.after_median_ms} (${r.after_min_ms}) | ${r.speedup}× faster | ${ref ?? "–"} | ${ref ? `${r.vs_pytorch_median}×; ${r.vs_pytorch_min}×` : "–"} |`,
  );
}
