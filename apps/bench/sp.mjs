import "/work/main/apps/bench/dist/webgpu/dawn.js";
import * as tf from "@tensorflow/tfjs-core";
await import("@relax/backend-webgpu");
import { shortestPath, setInputChecks } from "@relax/core";
setInputChecks(false);
await tf.setBackend("webgpu");
const c = tf.randomUniform([2, 6, 6], 0.1, 1);
try {
  const p = shortestPath(c);
  console.log("ok", (await p.data()).slice(0, 6));
  const g = tf.grad((x) => tf.sum(shortestPath(x)))(c);
  console.log("grad ok", (await g.data()).slice(0, 4));
} catch (e) { console.log("ERROR", String(e).slice(0, 300)); }
