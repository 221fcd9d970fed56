// @ts-check
// consumer-install: @tensorflow/tfjs@4.22.0 core sort logic train
// Consumer check: a tfjs user with the union package `@tensorflow/tfjs` puts each Relax piece into tf.layers models
// (plain Node ESM, packages from their tarballs): a logic net trained with model.fit, saved and loaded in memory and
// compiled to a circuit; a soft-rank layer; a ranking loss in model.compile; trainWithAlgorithm on a layers model.
import * as tf from "@tensorflow/tfjs";
import { compile } from "@relax/logic";
import { fusedAdam, groupSum, logicLayer, softmaxCrossEntropyLoss, toLogicNet } from "@relax/logic/layers";
import { diffSortLayer } from "@relax/sort/layers";
import { rankingSupervision, setScores, trainWithAlgorithm } from "@relax/train";
import { rankingLossFn } from "@relax/train/layers";

await tf.setBackend("cpu");

// 1. a logic gate network as a tf.sequential, trained with model.fit and the fused Adam
const logic = tf.sequential({
  layers: [logicLayer({ units: 32, inputShape: [8], seed: 1 }), logicLayer({ units: 32, seed: 2 }), groupSum({ k: 2, tau: 4 })],
});
logic.compile({ optimizer: fusedAdam(0.05), loss: softmaxCrossEntropyLoss });
const bits = tf.cast(tf.greater(tf.randomUniform([64, 8], 0, 1, "float32", 1), 0.5), "float32");
const labels = tf.oneHot(tf.cast(tf.reshape(tf.slice(bits, [0, 0], [-1, 1]), [-1]), "int32"), 2); // class = first bit
const fit = await logic.fit(bits, labels, { epochs: 20, batchSize: 32, verbose: 0 });
const losses = /** @type {number[]} */ (fit.history.loss);
if (!((losses.at(-1) ?? Infinity) < (losses[0] ?? 0))) throw new Error(`logic net did not learn: ${losses}`);
/** @type {tf.io.ModelArtifacts | null} */
let saved = null;
await logic.save(
  tf.io.withSaveHandler(async (artifacts) => {
    saved = artifacts;
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: "JSON" } };
  }),
);
if (!saved) throw new Error("nothing saved");
const loaded = await tf.loadLayersModel(tf.io.fromMemory(saved));
const scores = /** @type {tf.Tensor} */ (loaded.predict(bits)); // eval mode: the argmax gates
const circuit = compile(toLogicNet(loaded));
const counts = Array.from(circuit.counts(Uint8Array.from(bits.dataSync()), 64));
const want = Array.from(scores.dataSync(), (v) => Math.round(v * 4));
if (counts.join() !== want.join()) throw new Error("compiled circuit != loaded model");

// 2. a differentiable sort inside a model, and a ranking loss in model.compile
const ranker = tf.sequential({ layers: [tf.layers.dense({ units: 1, inputShape: [5, 3] }), tf.layers.reshape({ targetShape: [5] })] });
ranker.compile({ optimizer: tf.train.adam(0.05), loss: rankingLossFn({ steepness: 10 }) });
const sets = tf.randomNormal([32, 5, 3], 0, 1, "float32", 2);
const truth = tf.sum(tf.mul(sets, tf.tensor1d([1, -1, 0.5])), 2);
await ranker.fit(sets, truth, { epochs: 3, batchSize: 16, verbose: 0 });
const ranks = /** @type {tf.Tensor} */ (diffSortLayer({ steepness: 10 }).apply(truth));
if (ranks.shape.join() !== "32,5") throw new Error(`soft ranks ${ranks.shape}`);

// 3. @relax/train's loop on the layers model, no adapter
const history = await trainWithAlgorithm({
  model: tf.sequential({ layers: [tf.layers.dense({ units: 1, inputShape: [3] })] }),
  data: () => ({ x: tf.reshape(sets, [-1, 3]), target: tf.clone(truth) }),
  steps: 5,
  loss: rankingSupervision({ steepness: 10 }),
  forward: setScores(5),
  progress: false,
  log: () => {},
});
if (history.steps !== 5) throw new Error("trainWithAlgorithm did not run");
console.log(
  `tf.layers consumer check ok (@tensorflow/tfjs ${tf.version.tfjs}): logic net fit ${losses[0]?.toFixed(3)} → ${losses.at(-1)?.toFixed(3)}, circuit = loaded model, ranking loss, soft ranks, trainWithAlgorithm`,
);
