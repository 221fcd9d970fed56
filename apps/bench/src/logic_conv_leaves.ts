/**
 * Learned leaves of `LogicConvTree` (issue 16): a training step of a first conv layer (forward, ∂params) with
 * fixed leaves against learned leaves (soft and hard-st choice over M candidates): the fused depth-1 kernel
 * (`RelaxLogicLeafTree`, WASM SIMD), the two kernels it replaces (leaf gather in WASM SIMD, then the tree kernel over
 * the leaf map), the JS loops, and the tfjs reference; interleaved rounds, medians. The layer is the 16 000-gate conv net's
 * (`apps/logic-mnist --conv --conv-trees 32 --conv-depth 1 --conv-stride 2`).
 *
 *   pnpm --filter @relax/bench build && node apps/bench/dist/run.js logic-conv-leaves
 *   LOGIC_BENCH_CONV_BATCH=100 LOGIC_BENCH_ROUNDS=9 node apps/bench/dist/run.js logic-conv-leaves
 */
import * as tf from "@tensorflow/tfjs-core";
import {
  createRng,
  RelaxLogicConvTree,
  RelaxLogicLeafGather,
  runFusedKernel,
  type RelaxLogicConvTreeAttrs,
  type RelaxLogicLeafGatherAttrs,
} from "@relax/core";
import { LogicConvTree, type LogicConvTreeOptions } from "@relax/logic";

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
}

interface Config {
  name: string;
  options: LogicConvTreeOptions;
  /** Flags set around the step. */
  flags: Record<string, boolean>;
  /** Run the leaf gather and the tree over the leaf map as two kernels (the path before the fused kernel). */
  twoKernels?: boolean;
}

const LEARNED: LogicConvTreeOptions = { connections: "learned", candidates: 8 };
const CONFIGS: Config[] = [
  { name: "fixed leaves (fused tree kernel)", options: {}, flags: {} },
  { name: "learned, soft, fused leaf-tree kernel (WASM SIMD)", options: { ...LEARNED, wiringChoice: "soft" }, flags: {} },
  {
    name: "learned, soft, two kernels (WASM SIMD gather + tree kernel)",
    options: { ...LEARNED, wiringChoice: "soft" },
    flags: {},
    twoKernels: true,
  },
  {
    name: "learned, soft, JS loops (gather + tree kernel)",
    options: { ...LEARNED, wiringChoice: "soft" },
    flags: { RELAX_LOGIC_WASM: false },
  },
  { name: "learned, hard-st, fused leaf-tree kernel (WASM SIMD)", options: { ...LEARNED, wiringChoice: "hard-st" }, flags: {} },
  { name: "learned, soft, tfjs reference", options: { ...LEARNED, wiringChoice: "soft" }, flags: { RELAX_FORCE_REFERENCE: true } },
];

function withFlags<T>(flags: Record<string, boolean>, fn: () => T): T {
  const prev = Object.fromEntries(Object.keys(flags).map((k) => [k, tf.env().getBool(k)]));
  for (const [k, v] of Object.entries(flags)) tf.env().set(k, v);
  try {
    return fn();
  } finally {
    for (const [k, v] of Object.entries(prev)) tf.env().set(k, v);
  }
}

/** Prints the table: median ms per step and the ratio to the fixed-leaf tree. */
export async function run(): Promise<void> {
  const batch = Number(process.env.LOGIC_BENCH_CONV_BATCH ?? 100);
  const rounds = Number(process.env.LOGIC_BENCH_ROUNDS ?? 7);
  const rng = createRng(5);
  const x = tf.tensor4d(
    Float32Array.from({ length: batch * 28 * 28 * 3 }, () => (rng.next() < 0.3 ? 1 : 0)),
    [batch, 28, 28, 3],
  );
  const trees = CONFIGS.map((c) => new LogicConvTree(3, 32, { receptiveField: 3, depth: 1, stride: 2, seed: 1, ...c.options }));
  const W = tf.randomNormal([batch, 13, 13, 32], 0, 1, "float32", 2);
  // loss Σ y ⊙ W with the gradient W handed straight to the layer (tfjs's sum gradient is a broadcast multiply that
  // costs more than the layer on the CPU backend)
  const loss = tf.customGrad(((y: tf.Tensor) => ({
    value: tf.sum(tf.mul(y, W)),
    gradFunc: () => tf.clone(W),
  })) as unknown as Parameters<typeof tf.customGrad>[0]);
  // the leaf gather, then the depth-1 tree over the leaf map (receptive field 1), each its own fused kernel
  const twoKernels = (tree: LogicConvTree): tf.Tensor => {
    const gather: RelaxLogicLeafGatherAttrs = {
      candY: tree.leafY,
      candX: tree.leafX,
      candC: tree.leafC,
      receptiveField: 3,
      padding: "valid",
      stride: 2,
      mode: "train",
      wiringChoice: "soft",
      temperature: 1,
      noiseSeed: 0,
    };
    const Q = 2 * tree.outChannels;
    const treeAttrs: RelaxLogicConvTreeAttrs = {
      leafY: new Int32Array(Q),
      leafX: new Int32Array(Q),
      leafC: Int32Array.from({ length: Q }, (_, i) => i),
      receptiveField: 1,
      depth: 1,
      padding: "valid",
      mode: "train",
    };
    const map = runFusedKernel<tf.Tensor>(RelaxLogicLeafGather, { x, wiring: tree.wiring as tf.Variable }, gather);
    return runFusedKernel<tf.Tensor>(RelaxLogicConvTree, { x: map, logits: tree.logits }, treeAttrs);
  };
  const step = (tree: LogicConvTree, two = false): void =>
    tf.tidy(() => {
      const { value, grads } = tf.variableGrads(
        () => loss(two ? twoKernels(tree) : tree.forward(x, { mode: "train" })) as tf.Scalar,
        tree.variables,
      );
      value.dataSync();
      for (const g of Object.values(grads)) g.dataSync();
    });
  CONFIGS.forEach((c, i) => withFlags(c.flags, () => step(trees[i]!, c.twoKernels)));
  const times: number[][] = trees.map(() => []);
  for (let r = 0; r < rounds; r++)
    CONFIGS.forEach((c, i) => {
      const t0 = performance.now();
      withFlags(c.flags, () => step(trees[i]!, c.twoKernels));
      times[i]!.push(performance.now() - t0);
    });
  console.log(
    `LogicConvTree [${batch}, 28, 28, 3] → [${batch}, 13, 13, 32], rf 3, depth 1, stride 2 (a first layer: ∂params only); learned leaves of 8 candidates; forward + backward, ${rounds} interleaved rounds, backend ${tf.getBackend()}.\n`,
  );
  console.log("| leaves | median ms/step | × fixed leaves |");
  console.log("|---|---|---|");
  const base = median(times[0]!);
  CONFIGS.forEach((c, i) => {
    const m = median(times[i]!);
    console.log(`| ${c.name} | ${m.toFixed(1)} | ${(m / base).toFixed(2)} |`);
  });
  for (const t of trees) t.dispose();
  tf.dispose([x, W]);
}
