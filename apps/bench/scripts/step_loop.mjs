// Standalone training-step loop of logic-mnist's net (2 352 → 4 × 4 000 → GroupSum(10)), batch 100, fusedAdam: to time
// an older build of @relax/logic against this one (e.g. the commit an issue was filed with, built in a git worktree).
// Copy it into <root>/packages/logic of a built checkout and run it there, so that it imports that build:
//   cp apps/bench/scripts/step_loop.mjs <root>/packages/logic/ && (cd <root>/packages/logic && node step_loop.mjs k16 40)
// Configs: difflogic | difflogic-data (x as data: inputGradient false) | k16 | k4 | k2 (soft learned wiring, x as
// data) | frozen-hard (hard-st gates, fixed wiring, x as data). Prints the median ms of <rounds> steps.
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import { GroupSum, LogicLayer, LogicNet, fusedAdam } from "./dist/index.js";
const [config, roundsArg] = process.argv.slice(2);
const rounds = Number(roundsArg ?? 40);
const opts = {
  difflogic: [{}, true],
  "difflogic-data": [{}, false],
  k16: [{ connections: "learned", candidates: 16, wiringChoice: "soft" }, false],
  k4: [{ connections: "learned", candidates: 4, wiringChoice: "soft" }, false],
  k2: [{ connections: "learned", candidates: 2, wiringChoice: "soft" }, false],
  "frozen-hard": [{ gateChoice: "hard-st" }, false],
}[config];
if (!opts) throw new Error(`unknown config ${config}`);
await tf.setBackend("cpu");
const inDim = 2352, width = 4000, batch = 100;
let s = 3;
const rnd = () => ((s = (s * 1103515245 + 12345) >>> 0) / 2 ** 32);
const x = tf.tensor2d(Float32Array.from({ length: batch * inDim }, () => (rnd() < 0.2 ? 1 : 0)), [batch, inDim]);
const y = tf.oneHot(tf.tensor1d(Array.from({ length: batch }, (_, i) => i % 10), "int32"), 10);
const ls = [];
for (let l = 0; l < 4; l++) ls.push(new LogicLayer(l === 0 ? inDim : width, width, { seed: 10 + l, ...opts[0] }));
const net = new LogicNet([...ls, new GroupSum(10, 10)]);
const opt = fusedAdam(0.01);
const fwd = opts[1] ? () => net.forward(x) : () => net.forward(x, { inputGradient: false });
const times = [];
for (let r = 0; r <= rounds; r++) {
  const t = performance.now();
  const l = opt.minimize(() => tf.losses.softmaxCrossEntropy(y, fwd()), true, net.variables);
  l.dataSync();
  l.dispose();
  if (r > 0) times.push(performance.now() - t);
}
times.sort((a, b) => a - b);
console.log(config, times[Math.floor(times.length / 2)].toFixed(2));
