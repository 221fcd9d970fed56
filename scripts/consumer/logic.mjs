// @ts-check
// Consumer check: @relax/logic installed alone (with @relax/core and the tfjs peers) in plain Node ESM.
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import { LogicLayer, GroupSum, LogicNet, compile } from "@relax/logic";

await tf.setBackend("cpu");
const net = new LogicNet([new LogicLayer(8, 16, { seed: 1 }), new LogicLayer(16, 16, { seed: 2 }), new GroupSum(2, 1)]);
const x = tf.tensor2d([
  [1, 0, 1, 1, 0, 0, 1, 0],
  [0, 1, 1, 0, 1, 0, 0, 1],
]);
const grads = tf.variableGrads(() => tf.sum(net.forward(x, { mode: "train" })));
if (Object.keys(grads.grads).length === 0) throw new Error("no gradients");
const compiled = compile(net);
const hard = Array.from(net.forward(x, { mode: "eval" }).dataSync(), (v) => Math.round(v)); // GroupSum(k, τ = 1)
const fast = Array.from(compiled.counts(x));
if (hard.join() !== fast.join()) throw new Error(`compiled ${fast} != eval ${hard}`);
console.log("@relax/logic consumer check ok: compiled circuit agrees with eval mode");
