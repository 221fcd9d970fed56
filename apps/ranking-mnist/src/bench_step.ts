/**
 * Times training steps of the ranking job (32 sets of n = 5, odd-even cauchy) per model and tfjs backend.
 *   node dist/bench_step.js [--models fast,reference] [--backends wasm,cpu] [--steps 10]
 * Prints a markdown table of the median ms/step (after 2 warm-up steps).
 */
import { parseArgs } from "node:util";
import * as tf from "@tensorflow/tfjs-core";
import { createRng } from "@relax/core";
import "@tensorflow/tfjs-backend-cpu";
import "@tensorflow/tfjs-backend-wasm";
import {
  createCnn,
  createMlp,
  disposeModel,
  loadMnistDigits,
  rankingSetsToTensors,
  rankingSupervision,
  sampleRankingSets,
  setScores,
  splitMnist,
  type Model,
  enableWasmThreads,
} from "@relax/train";

const { values: args } = parseArgs({
  args: process.argv.slice(2).filter((a) => a !== "--"), // pnpm passes the `--` of `pnpm start -- --flag` through
  options: {
    models: { type: "string", default: "fast,reference" },
    backends: { type: "string", default: "wasm,cpu" },
    steps: { type: "string", default: "10" },
    threads: { type: "string", default: "1" },
  },
});
const models = args.models.split(",");
const backends = args.backends.split(",");
const steps = Number(args.steps);
const threads = await enableWasmThreads({ threads: Number(args.threads) });
const { train } = splitMnist(loadMnistDigits());
const loss = rankingSupervision({ network: "odd_even", distribution: "cauchy", steepness: 10 });
console.log(`wasm threads: ${threads}`);
console.log("| model | backend | ms/step (median) | min | steps |\n|---|---|---|---|---|");
for (const backend of backends) {
  await tf.setBackend(backend);
  await tf.ready();
  for (const kind of models) {
    const build = (): [Model, 1 | 2] =>
      kind === "reference"
        ? [createCnn(), 1]
        : kind === "mlp"
          ? [createMlp({ inputSize: 784, hidden: [256, 64] }), 2]
          : [createCnn({ height: 14, width: 56, channels: [16, 32] }), 2];
    const [model, downsample] = build();
    const opt = tf.train.adam(1e-3);
    const rng = createRng(0);
    const times: number[] = [];
    const n = kind === "reference" && backend === "cpu" ? Math.min(steps, 2) : steps;
    for (let s = 0; s < n + 2; s++) {
      const t = performance.now();
      const b = sampleRankingSets(train, 32, rng, { n: 5 });
      const { x, y } = rankingSetsToTensors(train, b, { downsample });
      tf.tidy(() => {
        const { value, grads } = tf.variableGrads(
          () => tf.mean(loss(setScores(5)(model, { x, target: y }), { x, target: y })) as tf.Scalar,
          model.params,
        );
        opt.applyGradients(grads as unknown as Parameters<typeof opt.applyGradients>[0]);
        value.dataSync();
      });
      tf.dispose([x, y]);
      if (s >= 2) times.push(performance.now() - t);
    }
    times.sort((a, b) => a - b);
    console.log(
      `| ${kind} | ${backend} | ${times[Math.floor(times.length / 2)]!.toFixed(0)} | ${times[0]!.toFixed(0)} | ${times.length} |`,
    );
    disposeModel(model);
    opt.dispose();
  }
}
