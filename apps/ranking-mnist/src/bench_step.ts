/**
 * Times training steps of the ranking job (32 sets of n = 5, odd-even cauchy) per model and tfjs backend.
 *   node dist/bench_step.js [--models fast,reference] [--backends wasm,cpu] [--steps 10] [--threads 1]
 *                           [--fused true|false] [--profile] [--json]
 * Prints a markdown table of the median ms/step (after 2 warm-up steps) and the process's CPU ms/step;
 * `--profile` adds per-layer kernel times of one more step (tf.profile); `--json` prints one JSON line per row.
 * `--threads N` runs tfjs's threaded wasm build with N threads (`enableWasmThreads`).
 */
import { parseArgs } from "node:util";
import * as tf from "@tensorflow/tfjs-core";
import { createRng } from "@relax/core";
import "@tensorflow/tfjs-backend-cpu";
import "@tensorflow/tfjs-backend-wasm";
import {
  RELAX_FUSED_CNN,
  createCnn,
  createMlp,
  disposeModel,
  enableWasmThreads,
  loadMnistDigits,
  rankingSetsToTensors,
  rankingSupervision,
  sampleRankingSets,
  setScores,
  splitMnist,
  type Model,
} from "@relax/train";
import { layerOf, LAYERS } from "./layers.js";

const { values: args } = parseArgs({
  args: process.argv.slice(2).filter((a) => a !== "--"), // pnpm passes the `--` of `pnpm start -- --flag` through
  options: {
    models: { type: "string", default: "fast,reference" },
    backends: { type: "string", default: "wasm,cpu" },
    steps: { type: "string", default: "10" },
    threads: { type: "string", default: "1" },
    fused: { type: "string", default: "true" },
    profile: { type: "boolean", default: false },
    json: { type: "boolean", default: false },
  },
});
const models = args.models.split(",");
const backends = args.backends.split(",");
const steps = Number(args.steps);
const threads = await enableWasmThreads({ threads: Number(args.threads) });
tf.env().set(RELAX_FUSED_CNN, args.fused !== "false");
const { train } = splitMnist(loadMnistDigits());
const loss = rankingSupervision({ network: "odd_even", distribution: "cauchy", steepness: 10 });
const median = (v: number[]): number => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)] as number;
if (!args.json) {
  console.log(`wasm threads: ${threads}; fused CNN kernels: ${tf.env().getBool(RELAX_FUSED_CNN)}`);
  console.log("| model | backend | ms/step (median) | min | CPU ms/step | steps |\n|---|---|---|---|---|---|");
}
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
    const step = (): void => {
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
    };
    const times: number[] = [];
    const cpu: number[] = [];
    const n = kind === "reference" && backend === "cpu" ? Math.min(steps, 2) : steps;
    for (let s = 0; s < n + 2; s++) {
      const t = performance.now();
      const c = process.cpuUsage();
      step();
      const cu = process.cpuUsage(c);
      if (s >= 2) {
        times.push(performance.now() - t);
        cpu.push((cu.user + cu.system) / 1000);
      }
    }
    const layers: Record<string, number> = {};
    const layersCpu: Record<string, number> = {};
    if (args.profile) {
      /** Per-layer kernel times of one step: wall (tfjs's timer) or CPU (the process's, all threads). */
      const profile = async (into: Record<string, number>, cpuTimer: boolean): Promise<void> => {
        const b = tf.backend() as unknown as { time: (f: () => void) => Promise<{ kernelMs: number }> };
        const wallTimer = b.time;
        if (cpuTimer)
          b.time = async (f) => {
            const c = process.cpuUsage();
            f();
            const d = process.cpuUsage(c);
            return { kernelMs: (d.user + d.system) / 1000 };
          };
        try {
          const t = performance.now();
          const c = process.cpuUsage();
          const p = await tf.profile(step);
          const d = process.cpuUsage(c);
          const total = cpuTimer ? (d.user + d.system) / 1000 : performance.now() - t;
          let sum = 0;
          for (const k of p.kernels) {
            if (k.name === "unnamed scope" || k.name.startsWith("grad")) continue; // scopes repeat their kernels' time
            const l = layerOf(k.name, k.inputShapes as number[][]);
            into[l] = (into[l] ?? 0) + (k.kernelTimeMs as number);
            sum += k.kernelTimeMs as number;
          }
          into["host code between kernels"] = total - sum;
          into["step (profiled)"] = total;
        } finally {
          b.time = wallTimer;
        }
      };
      await profile(layers, false);
      await profile(layersCpu, true);
    }
    const row = {
      model: kind,
      backend,
      threads,
      fused: tf.env().getBool(RELAX_FUSED_CNN),
      ms: median(times),
      min: Math.min(...times),
      cpuMs: median(cpu),
      steps: times.length,
      layers,
      layersCpu,
    };
    if (args.json) console.log(JSON.stringify(row));
    else {
      console.log(`| ${kind} | ${backend} | ${row.ms.toFixed(0)} | ${row.min.toFixed(0)} | ${row.cpuMs.toFixed(0)} | ${row.steps} |`);
      if (args.profile)
        for (const l of [...LAYERS, "host code between kernels", "step (profiled)"])
          if (layers[l] !== undefined) console.log(`|   ${l} | | ${layers[l]!.toFixed(0)} ms | | ${(layersCpu[l] ?? 0).toFixed(0)} ms | |`);
    }
    disposeModel(model);
    opt.dispose();
  }
}
