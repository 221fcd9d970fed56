// diffSort's carry (P · y without forming P, fused kernel) against forming P and multiplying, forward + backward
// through tf.grad of sum(carried ⊙ W), batch 100, cauchy, steepness 10, cpu backend; interleaved, medians.
//   node apps/bench/scripts/carry-vs-matrix.mjs [reps=11]
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import { diffSort } from "@relax/sort";

const reps = Number(process.argv[2] ?? 11);
await tf.setBackend("cpu");
const median = (t) => [...t].sort((a, b) => a - b)[Math.floor(t.length / 2)];
console.log("| network | n | d | carry, median ms | P then matMul, median ms | ratio |");
console.log("|---|---|---|---|---|---|");
for (const [network, n, d] of [["odd_even", 32, 16], ["bitonic", 128, 16], ["bitonic", 128, 1], ["bitonic", 512, 8]]) {
  const x = tf.randomNormal([100, n], 0, 1, "float32", 1);
  const y = tf.randomNormal([100, n, d], 0, 1, "float32", 2);
  const W = tf.randomNormal([100, n, d], 0, 1, "float32", 3);
  const ways = {
    carry: (a, b) => diffSort(a, { network, carry: b, valuesOnly: true }).carried,
    matrix: (a, b) => tf.matMul(diffSort(a, { network }).permutation, b),
  };
  const t = { carry: [], matrix: [] };
  for (let i = 0; i < reps + 2; i++) {
    for (const k of i % 2 ? ["matrix", "carry"] : ["carry", "matrix"]) {
      const t0 = performance.now();
      const g = tf.grads((a, b) => tf.sum(tf.mul(ways[k](a, b), W)))([x, y]);
      g[0].dataSync();
      g[1].dataSync();
      tf.dispose(g);
      if (i >= 2) t[k].push(performance.now() - t0);
    }
  }
  const c = median(t.carry);
  const m = median(t.matrix);
  console.log(`| ${network} | ${n} | ${d} | ${c.toFixed(2)} | ${m.toFixed(2)} | ${(m / c).toFixed(1)}× |`);
  tf.dispose([x, y, W]);
}
