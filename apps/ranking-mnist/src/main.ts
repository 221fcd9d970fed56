/**
 * The main job: ranking supervision on 4-digit MNIST. A CNN learns to read 4-digit numbers from images using only
 * the ORDER of sets of n numbers, through a differentiable sorting network (Petersen et al., ICML 2021 / ICLR 2022).
 *
 *   pnpm --filter @relax/ranking-mnist start                      # ~5 min on 2 cores
 *   pnpm --filter @relax/ranking-mnist start -- --minutes 12 --newton fisher
 *
 * Flags (defaults): --n 5 --network odd_even --distribution cauchy --steepness 10 --art-lambda 0.25
 *   --newton off|fisher|hessian --lambda 1 --model fast|reference|mlp (fast) --sets 32 --lr 0.001
 *   --steps 100000 --minutes 5 --eval-every 100 --eval-sets 1000 --seed 0 --backend auto|wasm|cpu --threads 1|N|auto
 *   --out runs/ranking-mnist (history.json/csv) --checkpoint FILE --resume --no-progress
 */
import * as tf from "@tensorflow/tfjs-core";
import { createRng } from "@relax/core";
import "@tensorflow/tfjs-backend-cpu";
import "@tensorflow/tfjs-backend-wasm";
import { join } from "node:path";
import { parseArgs } from "node:util";
import {
  createCnn,
  createMlp,
  countParams,
  loadMnistDigits,
  makeEvalSets,
  rankingMetrics,
  rankingSetsToTensors,
  rankingSupervision,
  sampleRankingSets,
  setScores,
  sliceRankingSets,
  splitMnist,
  trainWithAlgorithm,
  newtonStrategy,
  injectFisherStrategy,
  type Model,
  type Strategy,
  selectBackend,
  enableWasmThreads,
} from "@relax/train";
import { REFERENCE_CURVE, referenceAt } from "./reference.js";
import { runLayers } from "./layers_run.js";

const OPTIONS = {
  n: { type: "string", default: "5", description: "numbers per set" },
  network: { type: "string", default: "odd_even", description: "odd_even | bitonic | neuralsort | softsort" },
  distribution: {
    type: "string",
    default: "cauchy",
    description: "comparator relaxation (logistic, logistic_phi, gaussian, reciprocal, cauchy, optimal)",
  },
  steepness: { type: "string", default: "10", description: "inverse temperature β" },
  "art-lambda": { type: "string", default: "0.25", description: "ART λ for logistic_phi" },
  newton: { type: "string", default: "off", description: "off | fisher | hessian | inject-fisher (Newton losses)" },
  lambda: { type: "string", default: "1", description: "Newton-loss regulariser λ" },
  model: { type: "string", default: "fast", description: "fast | reference | mlp | layers (a tf.sequential CNN trained with model.fit)" },
  sets: { type: "string", default: "32", description: "sets per training step" },
  lr: { type: "string", description: "Adam learning rate (default 1e-3; reference model 10^-3.5)" },
  steps: { type: "string", description: "stop after this many steps" },
  minutes: { type: "string", description: "stop after this many minutes (default 5 unless --steps is given)" },
  "eval-every": { type: "string", default: "100", description: "evaluate every N steps" },
  "eval-sets": { type: "string", default: "1000", description: "held-out sets for evaluation" },
  seed: { type: "string", default: "0", description: "random seed" },
  backend: { type: "string", default: "auto", description: "auto | wasm | cpu" },
  threads: {
    type: "string",
    default: "1",
    description: "wasm threads: 1 (tfjs's single-threaded build), N or auto (all cores; see BENCHMARKS.md)",
  },
  out: { type: "string", default: join("runs", "ranking-mnist"), description: "output folder (history JSON/CSV)" },
  checkpoint: { type: "string", description: "checkpoint file to write" },
  resume: { type: "boolean", default: false, description: "resume from --checkpoint" },
  "no-progress": { type: "boolean", default: false, description: "no progress bar (also off without a TTY)" },
  help: { type: "boolean", short: "h", default: false, description: "show this help" },
} as const;

function parseFlags() {
  try {
    // pnpm passes the `--` of `pnpm start -- --flag` through: drop it
    return parseArgs({ args: process.argv.slice(2).filter((a) => a !== "--"), options: OPTIONS, strict: true, allowPositionals: false })
      .values;
  } catch (e) {
    console.error(`ranking-mnist: ${(e as Error).message} (see --help)`);
    process.exit(2);
  }
}
const flags = parseFlags();
if (flags.help) {
  console.log("usage: ranking-mnist [options]\n");
  for (const [name, o] of Object.entries(OPTIONS)) {
    const def = "default" in o && o.type === "string" ? ` (default ${o.default})` : "";
    console.log(`  --${name.padEnd(14)} ${o.description}${def}`);
  }
  process.exit(0);
}
const str = (k: keyof typeof OPTIONS, d: string): string => (typeof flags[k] === "string" ? (flags[k] as string) : d);
const num = (k: keyof typeof OPTIONS, d: number): number => {
  const v = Number(str(k, String(d)));
  if (!Number.isFinite(v)) throw new Error(`--${k} must be a number, got ${String(flags[k])}`);
  return v;
};

const n = num("n", 5);
const network = str("network", "odd_even") as "odd_even" | "bitonic" | "neuralsort" | "softsort";
const distribution = str("distribution", "cauchy");
const steepness = num("steepness", 10);
const artLambda = num("art-lambda", 0.25);
const newton = str("newton", "off");
const lambda = num("lambda", 1);
const modelKind = str("model", "fast");
const sets = num("sets", 32);
const lr = num("lr", modelKind === "reference" ? 10 ** -3.5 : 1e-3);
const minutesFlag = typeof flags.minutes === "string";
const stepsFlag = typeof flags.steps === "string";
const minutes = minutesFlag ? num("minutes", 5) : stepsFlag ? Infinity : 5;
const steps = num("steps", 100000);
const evalEvery = num("eval-every", 100);
const evalCount = num("eval-sets", 1000);
const seed = num("seed", 0);
const outDir = str("out", join("runs", "ranking-mnist"));

function buildModel(): { model: Model; downsample: 1 | 2 } {
  if (modelKind === "reference")
    return { model: createCnn({ height: 28, width: 112, channels: [32, 64], hidden: 64, seed }), downsample: 1 };
  if (modelKind === "fast") return { model: createCnn({ height: 14, width: 56, channels: [16, 32], hidden: 64, seed }), downsample: 2 };
  if (modelKind === "mlp") return { model: createMlp({ inputSize: 14 * 56, hidden: [256, 64], outputs: 1, seed }), downsample: 2 };
  throw new Error(`--model must be fast, reference, mlp or layers, got ${modelKind}`);
}

async function main(): Promise<void> {
  const threadsFlag = str("threads", "1");
  const threads =
    str("backend", "auto") === "cpu" ? 1 : await enableWasmThreads(threadsFlag === "auto" ? {} : { threads: num("threads", 1) });
  const backend = await selectBackend(str("backend", "auto"));
  const t0 = performance.now();
  const { train, test } = splitMnist(loadMnistDigits());
  if (modelKind === "layers") {
    if (newton !== "off" && newton !== "fisher" && newton !== "hessian")
      throw new Error(`--model layers takes --newton off, fisher or hessian`);
    const evalLayers = makeEvalSets(test, { n, count: evalCount, seed: 1234 });
    console.log(
      `ranking supervision on 4-digit MNIST with tf.layers: n=${n}, ${network}/${distribution}, steepness ${steepness}, newton ${newton}; backend ${tf.getBackend()}`,
    );
    const settings = {
      n,
      sets,
      height: 14,
      width: 56,
      channels: [16, 32],
      hidden: 64,
      downsample: 2 as const,
      seed,
      lr,
      steps,
      evalEvery,
      newton: newton as "off" | "fisher" | "hessian",
      lambda,
    };
    const seconds = Number.isFinite(minutes) ? minutes * 60 : Infinity;
    const loss = { network, distribution: distribution as never, steepness, artLambda };
    const historyPaths = [join(outDir, "history.json"), join(outDir, "history.csv")];
    const progress = flags["no-progress"] !== true && process.stderr.isTTY === true;
    const r = await runLayers({ ...settings, seconds, loss, historyPaths, progress }, train, test, evalLayers, createRng(seed), (l) =>
      console.log(l),
    );
    console.log(
      `\nEM ${(100 * r.em).toFixed(1)}% EW ${(100 * r.ew).toFixed(1)}% (n=${n}, ${r.steps} steps, ${r.msPerStep.toFixed(0)} ms/step, ${((performance.now() - t0) / 60000).toFixed(1)} min)`,
    );
    return;
  }
  const { model, downsample } = buildModel();
  const evalSets = makeEvalSets(test, { n, count: evalCount, seed: 1234 });
  console.log(
    `ranking supervision on 4-digit MNIST: n=${n}, ${network}/${distribution}, steepness ${steepness}, newton ${newton}${newton !== "off" ? ` (λ=${lambda})` : ""}`,
  );
  console.log(
    `data: mnist@1.1.0 digits, train ${train.count} / test ${test.count}; ${evalCount} fixed held-out sets; ${sets} sets per step`,
  );
  console.log(
    `model: ${model.name}, ${countParams(model).toLocaleString("en")} parameters; Adam lr ${lr.toPrecision(3)}; backend ${backend}${backend === "wasm" ? ` (${threads} thread${threads > 1 ? "s" : ""})` : ""}; seed ${seed}`,
  );
  const rng = createRng(seed);
  const data = () => {
    const batch = sampleRankingSets(train, sets, rng, { n });
    const { x, y } = rankingSetsToTensors(train, batch, { downsample });
    return { x, target: y };
  };
  const evaluate = (m: Model) => {
    const chunk = 100;
    const all = new Float32Array(evalSets.count * n);
    for (let from = 0; from < evalSets.count; from += chunk) {
      const part = sliceRankingSets(evalSets, from, Math.min(evalSets.count, from + chunk));
      const scores = tf.tidy(() => {
        const { x } = rankingSetsToTensors(test, part, { downsample });
        return m.apply(x).dataSync() as Float32Array;
      });
      all.set(scores, from * n);
    }
    const r = rankingMetrics({ values: all, shape: [evalSets.count, n] }, { values: evalSets.values, shape: [evalSets.count, n] });
    return { em: r.em, ew: r.ew };
  };
  let strategy: Strategy | undefined;
  if (newton === "fisher" || newton === "hessian") strategy = newtonStrategy({ variant: newton, lambda });
  else if (newton === "inject-fisher") strategy = injectFisherStrategy({ lambda });
  else if (newton !== "off") throw new Error(`--newton must be off, fisher, hessian or inject-fisher, got ${newton}`);

  const history = await trainWithAlgorithm({
    model,
    data,
    steps,
    forward: setScores(n),
    loss: rankingSupervision({ network, distribution: distribution as never, steepness, artLambda }),
    optimizer: tf.train.adam(lr),
    strategy,
    evalEvery,
    evaluate,
    maxSeconds: Number.isFinite(minutes) ? minutes * 60 : undefined,
    historyPaths: [join(outDir, "history.json"), join(outDir, "history.csv")],
    checkpoint: typeof flags.checkpoint === "string" ? { path: flags.checkpoint, resume: flags.resume === true } : undefined,
    progress: flags["no-progress"] === true ? false : "auto",
    log: (line) => {
      const m = /step (\d+) \(([\d.]+) min\).*em ([\d.]+).*ew ([\d.]+)/.exec(line);
      if (m) {
        const ref = referenceAt(Number(m[2]));
        const refText = ref ? ` | reference at this wall time ≈ EM ${(100 * ref.em).toFixed(1)}% EW ${(100 * ref.ew).toFixed(1)}%` : "";
        console.log(`step ${m[1]} (${m[2]} min): EM ${(100 * Number(m[3])).toFixed(1)}% EW ${(100 * Number(m[4])).toFixed(1)}%${refText}`);
      } else console.log(line);
    },
  });
  const last = history.records[history.records.length - 1]!;
  const wallMin = (performance.now() - t0) / 60000;
  console.log(
    `\n${history.steps} steps in ${(history.seconds / 60).toFixed(2)} min, ${(1000 * history.secondsPerStep).toFixed(0)} ms/step (training only; backend ${backend}; reference: 1280 ms/step)`,
  );
  console.log("reference (PyTorch diffsort, same data, reference CNN):");
  for (const r of REFERENCE_CURVE)
    console.log(
      `  ${r.minutes.toFixed(1).padStart(4)} min  ${String(r.steps).padStart(4)} steps  EM ${(100 * r.em).toFixed(1)}%  EW ${(100 * r.ew).toFixed(1)}%`,
    );
  void minutesFlag;
  console.log(
    `EM ${(100 * (last.em ?? 0)).toFixed(1)}% EW ${(100 * (last.ew ?? 0)).toFixed(1)}% (n=${n}, ${history.steps} steps, ${wallMin.toFixed(1)} min)`,
  );
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
