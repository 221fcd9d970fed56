// @ts-check
// Consumer check: @relax/core alone, installed from its tarball, in plain Node ESM.
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import { relaxedSwapLayer, RelaxError } from "@relax/core";

await tf.setBackend("cpu");
const x = tf.tensor2d([[3, 1]]);
const dx = tf.grad((v) => tf.sum(relaxedSwapLayer(/** @type {tf.Tensor2D} */ (v), { lo: [0], hi: [1] }).y))(x);
const g = Array.from(dx.dataSync());
if (g.some((v) => Math.abs(v - 1) > 1e-5)) throw new Error(`unexpected gradient ${g}`);
try {
  relaxedSwapLayer(x, { lo: [0], hi: [1] }, { steepness: -1 });
  throw new Error("expected a RelaxError");
} catch (e) {
  if (!(e instanceof RelaxError)) throw e;
}
console.log("@relax/core consumer check ok");
