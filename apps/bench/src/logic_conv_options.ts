/**
 * `LogicConvTree` node options (issue 16): a forward + backward step (∂x and ∂params) of the fused host kernel
 * for every parametrisation × gate choice against difflogic's nodes (softmax16, soft), interleaved rounds, medians.
 *
 *   pnpm --filter @relax/bench build && node apps/bench/dist/run.js logic-conv-options
 *   LOGIC_BENCH_CONV_BATCH=16 LOGIC_BENCH_ROUNDS=9 node apps/bench/dist/run.js logic-conv-options
 */
import * as tf from "@tensorflow/tfjs-core";
import { createRng } from "@relax/core";
import { LogicConvTree, type LogicConvTreeOptions } from "@relax/logic";

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
}

const CONFIGS: [string, LogicConvTreeOptions][] = [
  ["softmax16 soft (difflogic)", {}],
  ["softmax16 gumbel-st", { gateChoice: "gumbel-st" }],
  ["softmax16 hard-st", { gateChoice: "hard-st" }],
  ["bilinear4 soft", { parametrization: "bilinear4" }],
  ["bilinear4 gumbel-st", { parametrization: "bilinear4", gateChoice: "gumbel-st" }],
  ["bilinear4 hard-st", { parametrization: "bilinear4", gateChoice: "hard-st" }],
];

/** Prints the table: median ms per step and the ratio to the difflogic tree. */
export async function run(): Promise<void> {
  const batch = Number(process.env.LOGIC_BENCH_CONV_BATCH ?? 32);
  const rounds = Number(process.env.LOGIC_BENCH_ROUNDS ?? 7);
  const rng = createRng(5);
  const x = tf.variable(
    tf.tensor4d(
      Float32Array.from({ length: batch * 28 * 28 * 2 }, () => rng.next()),
      [batch, 28, 28, 2],
    ),
  );
  const trees = CONFIGS.map(([, o]) => new LogicConvTree(2, 32, { receptiveField: 3, depth: 3, seed: 1, ...o }));
  const W = tf.randomNormal([batch, 26, 26, 32], 0, 1, "float32", 2);
  const step = (tree: LogicConvTree): void =>
    tf.tidy(() => {
      const { value, grads } = tf.variableGrads(() => tf.sum(tf.mul(tree.forward(x, { mode: "train" }), W)), [x, tree.logits]);
      value.dataSync();
      for (const g of Object.values(grads)) g.dataSync();
    });
  for (const t of trees) step(t);
  const times: number[][] = trees.map(() => []);
  for (let r = 0; r < rounds; r++)
    trees.forEach((t, i) => {
      const t0 = performance.now();
      step(t);
      times[i]!.push(performance.now() - t0);
    });
  console.log(
    `LogicConvTree [${batch}, 28, 28, 2] → [${batch}, 26, 26, 32], rf 3, depth 3; forward + backward (∂x, ∂params), fused host kernel, ${rounds} interleaved rounds, backend ${tf.getBackend()}.\n`,
  );
  console.log("| tree nodes | median ms/step | × difflogic |");
  console.log("|---|---|---|");
  const base = median(times[0]!);
  CONFIGS.forEach(([name], i) => {
    const m = median(times[i]!);
    console.log(`| ${name} | ${m.toFixed(1)} | ${(m / base).toFixed(2)} |`);
  });
  for (const t of trees) t.dispose();
  tf.dispose([x, W]);
}
