import "/work/main/apps/bench/dist/webgpu/dawn.js";
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
await import("@relax/backend-webgpu");
import * as core from "@relax/core";
import * as sort from "@relax/sort";
import * as render from "@relax/render";
import * as logic from "@relax/logic";
core.setInputChecks(false);
await tf.setBackend("webgpu");
const x = tf.randomUniform([4, 8]);
const y = tf.randomUniform([4, 8]);
const cases = {
  diffSort: () => sort.diffSort(x).sorted,
  diffSortHard: () => sort.diffSort(x, { hard: true }).sorted,
  diffSortP: () => sort.diffSort(x).permutation,
  neuralSort: () => sort.neuralSort(x, 1).permutation,
  neuralSortHard: () => sort.neuralSort(x, { tau: 1, hard: true }).permutation,
  softSort: () => sort.softSort(x, 1).permutation,
  diffTopK: () => sort.diffTopK(x, 3),
  softRank: () => sort.softRank(x),
  fastSoftSort: () => sort.fastSoftSort(x),
  softSpearman: () => sort.softSpearman(x, y),
  rankingLoss: () => sort.rankingLoss(x, y),
  topKCE: () => sort.topKCrossEntropy(tf.randomUniform([4, 10]), [1, 2, 3, 4], { k: 5, pK: [0.5, 0, 0, 0, 0.5] }),
  shortestPath: () => core.shortestPath(tf.randomUniform([2, 5, 5], 0.1, 1)),
  editDistance: () => core.editDistance ? core.editDistance(tf.randomUniform([2, 4, 3]), tf.randomUniform([2, 5, 3])) : null,
  bubbleSort: () => core.bubbleSort(x).sorted ?? core.bubbleSort(x),
  softMin: () => core.softMin(x),
  relaxedSwapLayer: () => core.relaxedSwapLayer(x, { lo: [0, 2], hi: [1, 3] }).y,
  logicNet: () => new logic.LogicNet([new logic.LogicLayer(8, 20, { seed: 1 }), new logic.GroupSum(4, 1)]).forward(x),
  silhouette: () => { const m = render.icosphere ? render.icosphere(1) : null; return m ? render.rasterizeSilhouette(render.projectVertices ? m : m, {}) : null; },
};
for (const [name, f] of Object.entries(cases)) {
  try {
    const out = f();
    if (out === null) { console.log(name.padEnd(16), "skipped"); continue; }
    await out.data();
    const g = tf.grad((v) => { const o = name === "topKCE" || name === "shortestPath" || name === "editDistance" || name === "logicNet" || name==="silhouette" ? f() : (() => { const saved = x; return f(); })(); return tf.sum(o); })(x);
    await g.data();
    console.log(name.padEnd(16), "ok");
  } catch (e) { console.log(name.padEnd(16), "FAIL", String(e).split("\n")[0].slice(0, 120)); }
}
