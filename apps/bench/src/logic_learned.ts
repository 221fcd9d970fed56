/**
 * @relax/logic learned layers (issue 16): training step (fwd + bwd + fusedAdam) of 784 → L × W → GroupSum(10)
 * per parametrisation / gate choice / wiring, against the difflogic layer (softmax16, soft, fixed random
 * wiring: the fixed-wiring kernels) in the same run. Interleaved rounds (one step of each configuration per
 * round), medians; per-gate cost = median ms / (L·W / 1000).
 *
 *   pnpm --filter @relax/bench build && node apps/bench/dist/run.js logic-learned
 *   LOGIC_LEARNED_WIDTH=2000 LOGIC_LEARNED_LAYERS=2 LOGIC_LEARNED_ROUNDS=15 node apps/bench/dist/run.js logic-learned
 */
import * as tf from "@tensorflow/tfjs-core";
import { createRng } from "@relax/core";
import { GroupSum, LogicLayer, LogicNet, fusedAdam, type LogicLayerOptions } from "@relax/logic";

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
}

const CONFIGS: [string, LogicLayerOptions][] = [
  ["difflogic: softmax16, soft, random (fixed-wiring kernels, baseline)", {}],
  ["softmax16, gumbel-st, random", { gateChoice: "gumbel-st" }],
  ["bilinear4, soft, random", { parametrization: "bilinear4" }],
  ["bilinear4, gumbel-st, random", { parametrization: "bilinear4", gateChoice: "gumbel-st" }],
  ["softmax16, soft, learned K=4 (soft wiring)", { connections: "learned", candidates: 4, wiringChoice: "soft" }],
  ["softmax16, soft, learned K=8 (soft wiring)", { connections: "learned", candidates: 8, wiringChoice: "soft" }],
  ["softmax16, soft, learned K=8 (gumbel-st wiring)", { connections: "learned", candidates: 8, wiringChoice: "gumbel-st" }],
  ["softmax16, gumbel-st, learned K=8 (gumbel-st wiring)", { connections: "learned", candidates: 8, gateChoice: "gumbel-st" }],
];

export async function run(): Promise<void> {
  const width = Number(process.env.LOGIC_LEARNED_WIDTH ?? 4000);
  const layers = Number(process.env.LOGIC_LEARNED_LAYERS ?? 2);
  const rounds = Number(process.env.LOGIC_LEARNED_ROUNDS ?? 9);
  const batch = 100;
  const rng = createRng(3);
  const x = tf.tensor2d(
    Float32Array.from({ length: batch * 784 }, () => (rng.next() < 0.2 ? 1 : 0)),
    [batch, 784],
  );
  const y = tf.oneHot(
    tf.tensor1d(
      Array.from({ length: batch }, (_, i) => i % 10),
      "int32",
    ),
    10,
  ) as tf.Tensor2D;
  const nets = CONFIGS.map(([, o]) => {
    const ls: LogicLayer[] = [];
    for (let l = 0; l < layers; l++) ls.push(new LogicLayer(l === 0 ? 784 : width, width, { seed: 10 + l, ...o }));
    return { net: new LogicNet([...ls, new GroupSum(10, 10)]), opt: fusedAdam(0.01) };
  });
  const step = (i: number): number => {
    const { net, opt } = nets[i]!;
    const t = performance.now();
    const l = opt.minimize(() => tf.losses.softmaxCrossEntropy(y, net.forward(x)) as tf.Scalar, true, net.variables)!;
    l.dataSync();
    l.dispose();
    return performance.now() - t;
  };
  for (let i = 0; i < nets.length; i++) step(i); // warm-up
  const times: number[][] = nets.map(() => []);
  for (let r = 0; r < rounds; r++) for (let i = 0; i < nets.length; i++) times[i]!.push(step(i));
  const gates = (layers * width) / 1000;
  const base = median(times[0]!);
  console.log(
    `Net 784 → ${layers}×${width} → GroupSum(10, τ=10), batch ${batch}, ${rounds} interleaved rounds, backend ${tf.getBackend()}.\n`,
  );
  console.log("| layer | median ms/step | ms per 1k gates | × difflogic step |");
  console.log("|---|---|---|---|");
  CONFIGS.forEach(([name], i) => {
    const m = median(times[i]!);
    console.log(`| ${name} | ${m.toFixed(1)} | ${(m / gates).toFixed(2)} | ${(m / base).toFixed(2)} |`);
  });
  for (const { net, opt } of nets) {
    net.dispose();
    opt.dispose();
  }
  tf.dispose([x, y]);
}
