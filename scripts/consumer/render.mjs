// @ts-check
// Consumer check: @relax/render installed alone (with @relax/core and the tfjs peers) in plain Node ESM.
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import { icosphere, eyeFromAngles, render } from "@relax/render";

await tf.setBackend("cpu");
const mesh = icosphere({ level: 1 });
const camera = { eye: eyeFromAngles(2.732, 30, 45), viewingAngle: 30 };
const alpha = render(mesh, camera, { imageSize: 16 }).alpha;
const covered = tf.sum(alpha).dataSync()[0] ?? 0;
if (!(covered > 1)) throw new Error(`empty silhouette: ${covered}`);
const g = tf.grad((v) => tf.sum(render(mesh, camera, { imageSize: 16, vertices: v }).alpha))(mesh.vertices);
if (!Array.from(g.dataSync()).some((v) => v !== 0)) throw new Error("zero gradient");
console.log(`@relax/render consumer check ok: coverage ${covered.toFixed(1)} px`);
