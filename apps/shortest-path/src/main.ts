/**
 * Shortest-path supervision on synthetic Warcraft-like 12×12 maps (the Warcraft benchmark of Vlastelica et al.,
 * ICLR 2020, as trained by AlgoVision, Petersen et al., NeurIPS 2021). A small network reads each cell of a map image
 * and predicts its traversal cost; it never sees a cost. The only supervision is the true shortest path (top-left to
 * bottom-right, 8-neighbourhood), through a relaxed Bellman-Ford (`@relax/core`'s `shortestPath`) or a stochastically
 * smoothed black-box Dijkstra. Held-out maps are scored by running exact Dijkstra on the predicted costs.
 *
 *   pnpm --filter @relax/example-shortest-path start                    # < 2 min on 2 cores
 *   pnpm --filter @relax/example-shortest-path start -- --loss smoothed --newton fisher
 *
 * Flags (defaults): --steps 600 --minutes 1.5 --batch 32 --lr 0.03 --beta 10 --norm l1|l2sq|bce (l1) --cost-mean 5
 *   --loss relaxed|smoothed (relaxed) --samples 32 --sigma 0.5 (smoothed) --newton off|fisher|inject-fisher --lambda 1
 *   --hidden 32,32 --train-maps 2000 --test-maps 500 --size 12 --variation 0 --noise 0.03 --eval-every 100
 *   --seed 0 --backend auto|wasm|cpu --out runs/shortest-path (history.json/csv, plot.svg, plot.html) --no-progress
 */
import * as tf from "@tensorflow/tfjs-core";
import { createRng } from "@relax/core";
import "@tensorflow/tfjs-backend-cpu";
import "@tensorflow/tfjs-backend-wasm";
import { join } from "node:path";
import { parseArgs } from "node:util";
import {
  createMlp,
  countParams,
  generateTerrainMaps,
  injectFisherStrategy,
  newtonStrategy,
  pathSupervision,
  selectTerrainMaps,
  shortestPathMetrics,
  smoothedPathSupervision,
  terrainToTensors,
  trainWithAlgorithm,
  writePlot,
  type Model,
  type Strategy,
  type TerrainMaps,
  selectBackend,
} from "@relax/train";

/** The flags that take a value (see the list above); `--no-progress` is the one switch. */
const VALUE_FLAGS = ["steps", "minutes", "batch", "lr", "beta", "norm", "cost-mean", "loss", "samples", "sigma", "newton", "lambda"].concat(
  ["hidden", "train-maps", "test-maps", "size", "noise", "variation", "eval-every", "seed", "backend", "out"],
);
const OPTIONS = {
  ...Object.fromEntries(VALUE_FLAGS.map((k) => [k, { type: "string" as const }])),
  "no-progress": { type: "boolean" as const },
};

function readFlags(): Record<string, string | boolean | undefined> {
  try {
    // pnpm passes the `--` of `pnpm start -- --flag` through: drop it
    return parseArgs({ args: process.argv.slice(2).filter((a) => a !== "--"), options: OPTIONS, strict: true, allowPositionals: false })
      .values;
  } catch (e) {
    console.error(`shortest-path: ${(e as Error).message} (flags are listed at the top of src/main.ts)`);
    process.exit(2);
  }
}

const flags = readFlags();
const str = (k: string, d: string): string => (typeof flags[k] === "string" ? (flags[k] as string) : d);
const num = (k: string, d: number): number => {
  const v = Number(str(k, String(d)));
  if (!Number.isFinite(v)) throw new Error(`--${k} must be a number, got ${String(flags[k])}`);
  return v;
};

const steps = num("steps", 600);
const minutes = num("minutes", 1.5);
const batchSize = num("batch", 32);
const lr = num("lr", 0.03);
const costMean = num("cost-mean", 5);
const beta = num("beta", 10);
const norm = str("norm", "l1") as "l1" | "l2sq" | "bce";
const lossKind = str("loss", "relaxed");
const samples = num("samples", 32);
const sigma = num("sigma", 0.5);
const newton = str("newton", "off");
const lambda = num("lambda", 1);
const hidden = str("hidden", "32,32").split(",").map(Number);
const trainCount = num("train-maps", 2000);
const testCount = num("test-maps", 500);
const size = num("size", 12);
const variation = num("variation", 0);
const noiseSd = num("noise", 0.03);
const evalEvery = num("eval-every", 100);
const seed = num("seed", 0);
const outDir = str("out", join("runs", "shortest-path"));
const CH = 3;

/**
 * The network reads every cell's pixel and predicts a non-negative cost: `x [N, H, W, 3]` → `[N, H·W]`. Paths do not
 * determine the scale of the costs; left free it drifts upwards, which sharpens the relaxation until training becomes
 * unstable, so each map's costs are rescaled to mean `--cost-mean` (0 turns this off).
 */
function predictCosts(model: Model, x: tf.Tensor): tf.Tensor2D {
  return tf.tidy(() => {
    const n = x.shape[0] as number;
    const c = tf.softplus(tf.reshape(model.apply(tf.reshape(x, [-1, CH])), [n, size * size]));
    return (costMean > 0 ? tf.mul(costMean, tf.div(c, tf.mean(c, 1, true))) : c) as tf.Tensor2D;
  });
}

function evaluate(model: Model, maps: TerrainMaps): Record<string, number> {
  const chunk = 250;
  const pred = new Float32Array(maps.count * size * size);
  for (let from = 0; from < maps.count; from += chunk) {
    const to = Math.min(maps.count, from + chunk);
    const values = tf.tidy(() => {
      const { x, costs, paths } = terrainToTensors(maps, from, to);
      tf.dispose([costs, paths]);
      return predictCosts(model, x).dataSync() as Float32Array;
    });
    pred.set(values, from * size * size);
  }
  const m = shortestPathMetrics(pred, maps.costs, maps.paths, { height: size, width: size });
  return { optimal: m.optimal, exact: m.exact, costRatio: m.costRatio };
}

async function main(): Promise<void> {
  const backend = await selectBackend(str("backend", "auto"));
  const t0 = performance.now();
  const terrain = { height: size, width: size, variation, noise: noiseSd };
  const train = generateTerrainMaps(trainCount, { ...terrain, seed: seed * 7919 + 1 });
  const test = generateTerrainMaps(testCount, { ...terrain, seed: 1_000_003 });
  const model = createMlp({ inputSize: CH, hidden, outputs: 1, seed });
  const meanLen = Array.from(test.paths).reduce((a, b) => a + b, 0) / test.count;
  console.log(`shortest-path supervision on synthetic Warcraft-like ${size}×${size} maps (8-neighbourhood, vertex costs)`);
  console.log(`data: ${train.count} training / ${test.count} held-out maps (seeded), mean true path length ${meanLen.toFixed(1)} cells`);
  console.log(
    `loss: ${lossKind === "smoothed" ? `smoothed Dijkstra (gaussian σ=${sigma}, ${samples} samples, ${norm === "l1" ? "l2sq" : norm})` : `relaxed Bellman-Ford (β=${beta}, ${norm})`}; newton ${newton}${newton !== "off" ? ` (λ=${lambda})` : ""}`,
  );
  console.log(
    `model: per-cell ${model.name}, ${countParams(model).toLocaleString("en")} parameters; Adam lr ${lr}; batch ${batchSize}; backend ${backend}; seed ${seed}`,
  );
  const rng = createRng(seed + 17);
  const data = () => {
    const idx = Array.from({ length: batchSize }, () => rng.int(train.count));
    const { x, paths, costs } = terrainToTensors(selectTerrainMaps(train, idx));
    costs.dispose();
    return { x, target: paths };
  };
  let strategy: Strategy | undefined;
  if (newton === "fisher") strategy = newtonStrategy({ variant: "fisher", lambda });
  else if (newton === "inject-fisher") strategy = injectFisherStrategy({ lambda });
  else if (newton !== "off") throw new Error(`--newton must be off, fisher or inject-fisher, got ${newton}`);
  let loss: ReturnType<typeof pathSupervision>;
  if (lossKind === "relaxed") loss = pathSupervision({ beta, norm });
  else if (lossKind === "smoothed")
    loss = smoothedPathSupervision({ noise: "gaussian", scale: sigma, samples, norm: norm === "l1" ? "l2sq" : norm, seed });
  else throw new Error(`--loss must be relaxed or smoothed, got ${lossKind}`);

  const before = evaluate(model, test);
  const history = await trainWithAlgorithm({
    model,
    data,
    steps,
    forward: (m, b) => predictCosts(m, b.x),
    loss,
    optimizer: tf.train.adam(lr),
    strategy,
    evalEvery,
    evaluate: (m) => evaluate(m, test),
    evalAtStart: false,
    maxSeconds: minutes * 60,
    historyPaths: [join(outDir, "history.json"), join(outDir, "history.csv")],
    progress: flags["no-progress"] === true ? false : "auto",
  });
  history.records.unshift({ step: 0, seconds: 0, loss: NaN, ...before });
  writePlot(history, join(outDir, "plot.svg"), { title: `shortest-path supervision, ${size}×${size} (${lossKind})` });
  writePlot(history, join(outDir, "plot.html"), { title: `shortest-path supervision, ${size}×${size} (${lossKind})` });
  const last = history.records[history.records.length - 1]!;
  const wallMin = (performance.now() - t0) / 60000;
  console.log(
    `\n${history.steps} steps in ${(history.seconds / 60).toFixed(2)} min, ${(1000 * history.secondsPerStep).toFixed(0)} ms/step (training only; backend ${backend})`,
  );
  console.log("optimal = Dijkstra on the predicted costs finds a path of optimal true cost (a tied shortest path counts; ties are common");
  console.log("  with per-type costs); exact = that path is the label path cell by cell; cost ratio = its true cost / the optimal cost");
  console.log(
    `held-out before training: optimal ${(100 * before.optimal!).toFixed(1)}%, exact ${(100 * before.exact!).toFixed(1)}%, cost ratio ${before.costRatio!.toFixed(3)}`,
  );
  console.log(`plot: ${join(outDir, "plot.svg")} (and plot.html); history: ${join(outDir, "history.csv")}`);
  console.log(
    `optimal ${(100 * (last.optimal ?? 0)).toFixed(1)}% exact ${(100 * (last.exact ?? 0)).toFixed(1)}% cost ratio ${(last.costRatio ?? NaN).toFixed(3)} (${size}x${size}, ${lossKind}, ${history.steps} steps, ${wallMin.toFixed(1)} min)`,
  );
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
