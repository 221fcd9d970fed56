/**
 * @relax/logic learned layers (issue 16): training step (fwd + bwd + fusedAdam) of IN (784, or LOGIC_LEARNED_IN) → L × W → GroupSum(10)
 * per parametrisation / gate choice / wiring, against the difflogic layer (softmax16, soft, fixed random
 * wiring: the fixed-wiring kernels) in the same run. Interleaved rounds (one step of each configuration per
 * round), medians; per-gate cost = median ms / (L·W / 1000).
 *
 *   pnpm --filter @relax/bench build && node apps/bench/dist/run.js logic-learned
 *   LOGIC_LEARNED_WIDTH=2000 LOGIC_LEARNED_LAYERS=2 LOGIC_LEARNED_ROUNDS=15 node apps/bench/dist/run.js logic-learned
 *   LOGIC_LEARNED_IN=2352 LOGIC_LEARNED_WIDTH=4000 LOGIC_LEARNED_LAYERS=4 node apps/bench/dist/run.js logic-learned   # the app's default net
 *   LOGIC_LEARNED_NET=runs/latest/net.json node apps/bench/dist/run.js logic-learned   # compiled inference of a saved net
 *   LOGIC_LEARNED_CONFIGS=9 LOGIC_LEARNED_ROUNDS=60 …   # only the listed rows (0-based, comma-separated): one net per process
 *
 * Inference rates are given per wall second and per CPU second of this process (`process.cpuUsage`), the latter
 * robust to other jobs on a shared machine.
 */
import * as tf from "@tensorflow/tfjs-core";
import { createRng } from "@relax/core";
import { GroupSum, LogicLayer, LogicNet, compile, fusedAdam, packBits, type LogicLayerOptions } from "@relax/logic";
import { loadNet } from "@relax/logic/node";

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
}

/** Name, layer options, and `inputGradient` of the forward (false: x is data; the backward leaves its gradient out). */
const CONFIGS: [string, LogicLayerOptions, boolean?][] = [
  ["difflogic: softmax16, soft, random (fixed-wiring kernels, baseline)", {}],
  ["difflogic, x as data (inputGradient: false)", {}, false],
  ["softmax16, gumbel-st, random", { gateChoice: "gumbel-st" }],
  ["softmax16, hard-st, random", { gateChoice: "hard-st" }],
  ["bilinear4, soft, random", { parametrization: "bilinear4" }],
  ["bilinear4, gumbel-st, random", { parametrization: "bilinear4", gateChoice: "gumbel-st" }],
  ["bilinear4, hard-st, random", { parametrization: "bilinear4", gateChoice: "hard-st" }],
  ["softmax16, soft, learned K=4 (soft wiring)", { connections: "learned", candidates: 4, wiringChoice: "soft" }],
  ["softmax16, soft, learned K=8 (soft wiring)", { connections: "learned", candidates: 8, wiringChoice: "soft" }],
  ["softmax16, soft, learned K=8 (soft wiring), x as data", { connections: "learned", candidates: 8, wiringChoice: "soft" }, false],
  ["softmax16, soft, learned K=8 (gumbel-st wiring)", { connections: "learned", candidates: 8, wiringChoice: "gumbel-st" }],
  ["softmax16, gumbel-st, learned K=8 (gumbel-st wiring)", { connections: "learned", candidates: 8, gateChoice: "gumbel-st" }],
  ["softmax16, hard-st, learned K=8 (hard-st wiring)", { connections: "learned", candidates: 8, gateChoice: "hard-st" }],
  // the app's default (K = 16) in its three phases: soft wiring; the hard-st tail; the tail once net.freezeWiring()
  // has fixed the wires (the frozen soft phase is row 1, difflogic with x as data)
  ["softmax16, soft, learned K=16 (soft wiring), x as data", { connections: "learned", candidates: 16, wiringChoice: "soft" }, false],
  [
    "softmax16, hard-st, learned K=16 (hard-st wiring), x as data",
    { connections: "learned", candidates: 16, gateChoice: "hard-st" },
    false,
  ],
  ["softmax16, hard-st, random (a frozen hard-st tail), x as data", { gateChoice: "hard-st" }, false],
  // the phases of a net whose K = 16 candidates net.pruneCandidates(4) and then (2) pruned
  ["softmax16, soft, learned K=4 (soft wiring), x as data", { connections: "learned", candidates: 4, wiringChoice: "soft" }, false],
  ["softmax16, soft, learned K=2 (soft wiring), x as data", { connections: "learned", candidates: 2, wiringChoice: "soft" }, false],
];

/** Bit-packed inference of a saved net (WASM SIMD, one thread), on random 0/1 inputs. */
function inferenceOfSaved(path: string): void {
  const net = loadNet(path);
  const c = compile(net, { backend: "wasm" });
  const n = 131_072;
  const inDim = c.circuit.numInputs;
  const rng = createRng(5);
  const bits = Uint8Array.from({ length: n * inDim }, () => (rng.next() < 0.3 ? 1 : 0));
  const packed = packBits(bits, n, inDim);
  c.countsPacked(packed);
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let r = 0; r < 9; r++) {
    const u = process.cpuUsage();
    const t = performance.now();
    c.countsPacked(packed);
    wall.push(performance.now() - t);
    const d = process.cpuUsage(u);
    cpu.push((d.user + d.system) / 1000);
  }
  console.log(
    `Compiled ${path}: ${c.circuit.sourceGates} gates → ${c.numGates} after simplification; ${n} samples, packed input, WASM SIMD, one thread: ` +
      `${((n / median(wall)) * 1e-3).toFixed(2)} M samples/s (wall), ${((n / median(cpu)) * 1e-3).toFixed(2)} M samples per CPU second (median of 9).`,
  );
  net.dispose();
}

export async function run(): Promise<void> {
  if (process.env.LOGIC_LEARNED_NET) {
    inferenceOfSaved(process.env.LOGIC_LEARNED_NET);
    return;
  }
  const width = Number(process.env.LOGIC_LEARNED_WIDTH ?? 4000);
  const layers = Number(process.env.LOGIC_LEARNED_LAYERS ?? 2);
  const rounds = Number(process.env.LOGIC_LEARNED_ROUNDS ?? 9);
  const inDim = Number(process.env.LOGIC_LEARNED_IN ?? 784);
  const batch = 100;
  const rng = createRng(3);
  const x = tf.tensor2d(
    Float32Array.from({ length: batch * inDim }, () => (rng.next() < 0.2 ? 1 : 0)),
    [batch, inDim],
  );
  const y = tf.oneHot(
    tf.tensor1d(
      Array.from({ length: batch }, (_, i) => i % 10),
      "int32",
    ),
    10,
  ) as tf.Tensor2D;
  const only = process.env.LOGIC_LEARNED_CONFIGS?.split(",").map(Number);
  const configs = only ? CONFIGS.filter((_, i) => only.includes(i)) : CONFIGS;
  if (configs.length === 0) throw new Error(`LOGIC_LEARNED_CONFIGS: no row among 0 … ${CONFIGS.length - 1}`);
  const nets = configs.map((o) => {
    const ls: LogicLayer[] = [];
    for (let l = 0; l < layers; l++) ls.push(new LogicLayer(l === 0 ? inDim : width, width, { seed: 10 + l, ...o[1] }));
    return { net: new LogicNet([...ls, new GroupSum(10, 10)]), opt: fusedAdam(0.01), inputGradient: o[2] ?? true };
  });
  const step = (i: number): number => {
    const { net, opt, inputGradient } = nets[i]!;
    const t = performance.now();
    const l = opt.minimize(
      () => tf.losses.softmaxCrossEntropy(y, net.forward(x, inputGradient ? {} : { inputGradient })) as tf.Scalar,
      true,
      net.variables,
    )!;
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
    `Net ${inDim} → ${layers}×${width} → GroupSum(10, τ=10), batch ${batch}, ${rounds} interleaved rounds, backend ${tf.getBackend()}.\n`,
  );
  console.log(`| layer | median ms/step | ms per 1k gates | × ${only ? "the first row's" : "difflogic"} step |`);
  console.log("|---|---|---|---|");
  configs.forEach(([name], i) => {
    const m = median(times[i]!);
    console.log(`| ${name} | ${m.toFixed(1)} | ${(m / gates).toFixed(2)} | ${(m / base).toFixed(2)} |`);
  });
  for (const { net, opt } of nets) {
    net.dispose();
    opt.dispose();
  }
  tf.dispose([x, y]);
}
