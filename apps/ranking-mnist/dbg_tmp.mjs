import * as tf from "@tensorflow/tfjs-core";
import "@relax/core";
import "@tensorflow/tfjs-backend-wasm";
await tf.setBackend("wasm");
const N = 160, H = 28, W = 112, K = 5, p = 2, Co = 32;
const x = tf.randomNormal([N, H, W, 1]); const dy = tf.randomNormal([N, H, W, Co]);
const viaConv = () => tf.tidy(() => { const xp = tf.pad(x, [[0,0],[p,p],[p,p],[0,0]]); const xt = tf.transpose(xp, [3,1,2,0]); const dyt = tf.transpose(dy, [1,2,0,3]); return tf.transpose(tf.conv2d(xt, dyt, 1, "valid"), [1,2,0,3]); });
const viaGemm = () => tf.tidy(() => { const xp = tf.reshape(tf.pad(x, [[0,0],[p,p],[p,p],[0,0]]), [N, H + 2*p, W + 2*p]);
  const rows = []; for (let i = 0; i < K; i++) for (let j = 0; j < K; j++) rows.push(tf.reshape(tf.slice(xp, [0, i, j], [N, H, W]), [1, N*H*W]));
  const P = tf.concat(rows, 0); return tf.reshape(tf.matMul(P, tf.reshape(dy, [N*H*W, Co])), [K, K, 1, Co]); });
const a = viaConv(), b = viaGemm(); console.log("maxdiff", tf.max(tf.abs(tf.sub(a, b))).dataSync()[0], tf.max(tf.abs(a)).dataSync()[0]);
for (let r = 0; r < 3; r++) for (const [n, f] of [["conv", viaConv], ["gemm", viaGemm]]) { const c = process.cpuUsage(); const t = performance.now(); const y = f(); y.dataSync(); const d = process.cpuUsage(c); console.log(n, "wall", (performance.now() - t).toFixed(0), "cpu", ((d.user + d.system) / 1000).toFixed(0)); y.dispose(); }
