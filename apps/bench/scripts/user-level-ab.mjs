// User-level timings of the public ops (forward + backward through tf.grad, inputs as a user passes them, input
// checks on) for one built checkout of the repository, to compare two revisions on the same machine:
//   git worktree add /tmp/relax-base <rev> && (cd /tmp/relax-base && pnpm install --offline && pnpm build)
//   for i in 1 2 3; do for r in /tmp/relax-base "$PWD"; do node apps/bench/scripts/user-level-ab.mjs $r 11; done; done
// Prints one JSON line of medians (ms) per run; compare the medians of the alternating runs.
import { createRequire } from "node:module";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
const root = process.argv[2];
const reps = Number(process.argv[3] ?? 15);
const req = createRequire(join(root, "packages/core/package.json"));
const tf = await import(pathToFileURL(req.resolve("@tensorflow/tfjs-core")).href);
await import(pathToFileURL(req.resolve("@tensorflow/tfjs-backend-cpu")).href);
const pkg = (name) => import(pathToFileURL(join(root, `packages/${name}/dist/index.js`)).href);
const core = await pkg("core");
const sort = await pkg("sort");
const logic = await pkg("logic");
const render = await pkg("render");
await tf.setBackend("cpu");
const rand = (shape, seed) => tf.randomUniform(shape, -1, 1, "float32", seed);
function time(fn) {
  for (let i = 0; i < 3; i++) fn();
  const t = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    fn();
    t.push(performance.now() - t0);
  }
  t.sort((a, b) => a - b);
  return +t[Math.floor(t.length / 2)].toFixed(3);
}
const out = {};
{
  const x = rand([100, 32], 1), W = rand([100, 32, 32], 2);
  out["diffSort odd_even n=32 B=100 sum(P⊙W)+sum(sorted), fwd+bwd"] = time(() => {
    const g = tf.grad((v) => { const r = sort.diffSort(v, { steepness: 10 }); return tf.add(tf.sum(tf.mul(r.permutation, W)), tf.sum(r.sorted)); })(x);
    g.dataSync(); g.dispose();
  });
  const x128 = rand([100, 128], 3);
  out["diffSort bitonic n=128 B=100 valuesOnly, fwd+bwd"] = time(() => {
    const g = tf.grad((v) => tf.sum(sort.diffSort(v, { network: "bitonic", valuesOnly: true }).sorted))(x128);
    g.dataSync(); g.dispose();
  });
  const z = rand([100, 10], 4); const labels = Array.from({ length: 100 }, (_, i) => i % 10);
  out["topKCrossEntropy C=10 B=100, fwd+bwd"] = time(() => {
    const g = tf.grad((v) => sort.topKCrossEntropy(v, labels, { pK: [0.5, 0, 0, 0, 0.5] }))(z);
    g.dataSync(); g.dispose();
  });
  const xr = rand([64, 16], 5);
  out["relaxedSwapLayer 64×16, 8 comparators, fwd+bwd"] = time(() => {
    const g = tf.grad((v) => tf.sum(core.relaxedSwapLayer(v, { lo: [0, 2, 4, 6, 8, 10, 12, 14], hi: [1, 3, 5, 7, 9, 11, 13, 15] }).y))(xr);
    g.dataSync(); g.dispose();
  });
  const costs = tf.randomUniform([32, 12, 12], 0.1, 2, "float32", 6); const Wc = rand([32, 12, 12], 7);
  out["shortestPath 12×12 B=32, fwd+bwd"] = time(() => {
    const g = tf.grad((c) => tf.sum(tf.mul(core.shortestPath(c), Wc)))(costs);
    g.dataSync(); g.dispose();
  });
  const a = tf.randomUniform([256, 64], 0, 1, "float32", 8), b = tf.randomUniform([256, 64], 0, 1, "float32", 9);
  out["tconorm yager 256×64, fwd+bwd"] = time(() => {
    const g = tf.grad((v) => tf.sum(core.tconorm(v, b, { name: "yager", p: 2 })))(a);
    g.dataSync(); g.dispose();
  });
}
{
  const net = new logic.LogicNet([new logic.LogicLayer(784, 8000, { seed: 1 }), ...Array.from({ length: 5 }, (_, i) => new logic.LogicLayer(8000, 8000, { seed: i + 2 })), new logic.GroupSum(10, 1)]);
  const x = tf.randomUniform([100, 784], 0, 1, "float32", 10);
  const y = tf.oneHot(tf.tensor1d(Array.from({ length: 100 }, (_, i) => i % 10), "int32"), 10);
  const opt = logic.fusedAdam(0.01);
  out["LogicNet step 784→6×8000 B=100, fusedAdam"] = time(() => {
    const l = opt.minimize(() => tf.losses.softmaxCrossEntropy(y, net.forward(x)), true, net.variables);
    l.dataSync(); l.dispose();
  });
}
{
  const mesh = render.icosphere({ level: 3 });
  out["render silhouette icosphere(level 3) 64×64, fwd+bwd (vertices)"] = time(() => {
    const g = tf.grad((v) => tf.sum(render.render(mesh.withVertices(v), { eye: [0, 0, 3] }, { imageSize: 64, rgb: false }).alpha))(mesh.vertices);
    g.dataSync(); g.dispose();
  });
}
console.log(JSON.stringify({ root, numTensors: tf.memory().numTensors, ...out }));
