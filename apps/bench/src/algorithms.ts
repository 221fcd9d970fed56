/**
 * @relax/core relaxed-program benchmarks (AlgoVision algorithms): forward+backward time per step,
 * tensors and kernels (ops) per step, for the fused shortest-path kernel vs its tfjs reference and
 * for bubble sort written with the program DSL. Medians in ms.
 * Run: `pnpm --filter @relax/core build && pnpm --filter @relax/bench build && node apps/bench/dist/run.js algorithms`
 * (env ALGO_QUICK=1 skips the slow reference row).
 */
import * as tf from "@tensorflow/tfjs-core";
import { bubbleSort, editDistance, shortestPath } from "@relax/core";
import { ms, table, time } from "./harness.js";

/** Kernels run and tensors they output during one call of `fn` (tf.profile; all disposed by tidy). */
async function opsOf(fn: () => void): Promise<{ kernels: number; tensors: number }> {
  const info = await tf.profile(() => {
    tf.tidy(fn);
  });
  return { kernels: info.kernels.length, tensors: info.kernels.reduce((n, k) => n + k.outputShapes.length, 0) };
}

export async function run(): Promise<void> {
  const quick = process.env.ALGO_QUICK === "1";
  const rows: (string | number)[][] = [];

  // Shortest path on Warcraft-size grids: 12×12, batch 32, costs in [0.2, 5.2), β = 10.
  const costs = tf.add(tf.randomUniform([32, 12, 12], 0, 5, "float32", 42), 0.2);
  const W = tf.randomUniform([32, 12, 12], 0, 1, "float32", 7);
  const spStep = () => {
    tf.grad((c: tf.Tensor) => tf.sum(tf.mul(shortestPath(c, { steepness: 10 }), W)))(costs).dataSync();
  };
  const spFwd = () => {
    shortestPath(costs, { steepness: 10 }).dataSync();
  };
  for (const [name, force] of [
    ["fused kernel", false],
    ["tfjs reference", true],
  ] as const) {
    if (force && quick) continue;
    tf.env().set("RELAX_FORCE_REFERENCE", force);
    try {
      const f = time(spFwd, force ? { warmup: 0, maxRuns: 1 } : {});
      const fb = time(spStep, force ? { warmup: 0, maxRuns: 1 } : {});
      const o = await opsOf(spStep);
      rows.push([`shortestPath 12×12, B=32 (${name})`, ms(f.median), ms(fb.median), o.kernels, o.tensors]);
    } finally {
      tf.env().set("RELAX_FORCE_REFERENCE", false);
    }
  }

  // Bubble sort (the DSL interpreter, no fused kernel): n = 16, batch 32, β = 10.
  const x = tf.randomNormal([32, 16], 0, 1, "float32", 3);
  const bsStep = () => {
    tf.grad((t: tf.Tensor) => {
      const r = bubbleSort(t, { steepness: 10 });
      return tf.add(tf.sum(r.sorted), tf.sum(r.swaps));
    })(x).dataSync();
  };
  const bsFwd = () => {
    bubbleSort(x, { steepness: 10 }).sorted.dataSync();
  };
  {
    const f = time(bsFwd, { warmup: 1, maxRuns: 3 });
    const fb = time(bsStep, { warmup: 1, maxRuns: 3 });
    const o = await opsOf(bsStep);
    rows.push(["bubbleSort n=16, B=32 (program DSL)", ms(f.median), ms(fb.median), o.kernels, o.tensors]);
  }

  // Edit distance, 8 × 8 soft symbols over 26 letters, batch 32.
  const a = tf.softmax(tf.randomNormal([32, 8, 26], 0, 2, "float32", 5));
  const b = tf.softmax(tf.randomNormal([32, 8, 26], 0, 2, "float32", 6));
  const edStep = () => {
    tf.grads((p: tf.Tensor, q: tf.Tensor) => tf.sum(editDistance(p, q, { steepness: 10 })))([a, b])[0]!.dataSync();
  };
  {
    const f = time(() => editDistance(a, b).dataSync(), { warmup: 1, maxRuns: 5 });
    const fb = time(edStep, { warmup: 1, maxRuns: 5 });
    const o = await opsOf(edStep);
    rows.push(["editDistance 8×8, alphabet 26, B=32 (tfjs ops)", ms(f.median), ms(fb.median), o.kernels, o.tensors]);
  }

  table(["case", "forward ms", "forward+backward ms", "kernels per fwd+bwd step", "tensors per fwd+bwd step"], rows);
  tf.dispose([costs, W, x, a, b]);
}
