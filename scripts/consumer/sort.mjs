// @ts-check
// Consumer check: @relax/sort installed alone (with @relax/core and the tfjs peers) in plain Node ESM.
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import { diffSort, rankingLoss } from "@relax/sort";

await tf.setBackend("cpu");
const x = tf.tensor2d([[0.3, -1, 2, 0.5]]);
const { sorted } = diffSort(x, { network: "bitonic", steepness: 20 });
const s = Array.from(sorted.dataSync());
if (!s.every((v, i) => i === 0 || v >= (s[i - 1] ?? -Infinity))) throw new Error(`not sorted: ${s}`);
const g = tf.grad((v) => rankingLoss(/** @type {tf.Tensor2D} */ (v), tf.tensor2d([[1, 0, 3, 2]])))(x);
if (!Array.from(g.dataSync()).every(Number.isFinite)) throw new Error("non-finite gradient");
console.log("@relax/sort consumer check ok:", s.map((v) => v.toFixed(2)).join(" "));
