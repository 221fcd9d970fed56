/**
 * `--model layers`: the same ranking-supervision experiment with the model a tfjs user would write — a
 * `tf.sequential` CNN (tf.layers; the architecture of the experiments' CNN at the chosen resolution), applied to
 * every image of a set with `timeDistributed`, trained with `model.fit` on a Keras-style ranking loss
 * (`rankingLossFn` from `@relax/train/layers`, optionally wrapped in `newtonLossFn`).
 */
import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import {
  conv2dSame,
  type DigitSplit,
  type HistoryRecord,
  ProgressBar,
  writeHistory,
  type RankingSets,
  type Rng,
  rankingMetrics,
  rankingSetsToTensors,
  sampleRankingSets,
  sliceRankingSets,
} from "@relax/train";
import { type KerasLoss, newtonLossFn, rankingLossFn } from "@relax/train/layers";
import type { RankingLossOptions } from "@relax/sort";

/** Settings of {@link runLayers}. */
export interface LayersRun {
  n: number;
  sets: number;
  height: number;
  width: number;
  channels: number[];
  hidden: number;
  downsample: 1 | 2;
  seed: number;
  lr: number;
  steps: number;
  seconds: number;
  evalEvery: number;
  newton: "off" | "fisher" | "hessian";
  lambda: number;
  loss: Omit<RankingLossOptions, "reduction">;
  /** Files the history is written to after every evaluation (`.json` or `.csv`). */
  historyPaths: string[];
  /** Draw a progress bar (on stderr) instead of printing evaluation lines only. */
  progress: boolean;
}

/**
 * Conv 5×5 'same' + bias + ReLU through `@relax/train`'s `conv2dSame`, for backends without tfjs's conv filter
 * gradient kernel (tfjs-backend-wasm has no `Conv2DBackpropFilter`: `tf.layers.conv2d` cannot train there). A custom
 * layer, as a tfjs user would write one.
 */
class Conv2DSame extends tfl.layers.Layer {
  static className = "RankingMnistConv2DSame";
  private kernel: tfl.LayerVariable | null = null;
  private bias: tfl.LayerVariable | null = null;
  constructor(
    private readonly filters: number,
    private readonly seed: number,
    private readonly first: boolean,
    inputShape?: number[],
  ) {
    super(inputShape ? { inputShape } : {});
  }
  override build(inputShape: tfl.Shape | tfl.Shape[]): void {
    const cin = (inputShape as tfl.Shape)[3] as number;
    this.kernel = this.addWeight("kernel", [5, 5, cin, this.filters], "float32", tfl.initializers.heUniform({ seed: this.seed }));
    this.bias = this.addWeight("bias", [this.filters], "float32", tfl.initializers.zeros());
    this.built = true;
  }
  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    const s = inputShape as tfl.Shape;
    return [s[0] ?? null, s[1] ?? null, s[2] ?? null, this.filters];
  }
  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor4D;
    return tf.tidy(() => {
      const y = conv2dSame(x, this.kernel?.read() as tf.Tensor4D, { inputGrad: !this.first });
      return tf.relu(tf.add(y, this.bias?.read() as tf.Tensor));
    });
  }
}

/**
 * The image CNN (conv 5×5 'same', ReLU, max-pool 2 per block; dense hidden, ReLU; dense 1) as a tf.sequential:
 * `tf.layers.conv2d` where the backend can train it, else the {@link Conv2DSame} custom layer.
 */
export function layersCnn(r: LayersRun): tfl.Sequential {
  const cnn = tfl.sequential();
  const native = tf.getKernel("Conv2DBackpropFilter", tf.getBackend()) !== undefined;
  r.channels.forEach((filters, i) => {
    const inputShape = i === 0 ? [r.height, r.width, 1] : undefined;
    cnn.add(
      native
        ? tfl.layers.conv2d({
            filters,
            kernelSize: 5,
            padding: "same",
            activation: "relu",
            kernelInitializer: tfl.initializers.heUniform({ seed: r.seed + i }),
            ...(inputShape ? { inputShape } : {}),
          })
        : new Conv2DSame(filters, r.seed + i, i === 0, inputShape),
    );
    cnn.add(tfl.layers.maxPooling2d({ poolSize: 2 }));
  });
  cnn.add(tfl.layers.flatten());
  cnn.add(tfl.layers.dense({ units: r.hidden, activation: "relu", kernelInitializer: tfl.initializers.heUniform({ seed: r.seed + 10 }) }));
  cnn.add(tfl.layers.dense({ units: 1, kernelInitializer: tfl.initializers.glorotUniform({ seed: r.seed + 11 }) }));
  return cnn;
}

/** Runs the experiment; returns the last held-out metrics. */
export async function runLayers(
  r: LayersRun,
  train: DigitSplit,
  test: DigitSplit,
  evalSets: RankingSets,
  rng: Rng,
  log: (line: string) => void,
): Promise<{ em: number; ew: number; steps: number; msPerStep: number }> {
  const cnn = layersCnn(r);
  // [sets, n, H, W, 1] → per image [1] → [sets, n]: one score per image, grouped into its set
  const model = tfl.sequential({
    layers: [
      tfl.layers.timeDistributed({ layer: cnn, inputShape: [r.n, r.height, r.width, 1] }),
      tfl.layers.reshape({ targetShape: [r.n] }),
    ],
  });
  const ranking = rankingLossFn(r.loss);
  const loss: KerasLoss = r.newton === "off" ? ranking : newtonLossFn(ranking, { variant: r.newton, lambda: r.lambda });
  model.compile({ optimizer: tf.train.adam(r.lr), loss });
  log(
    `model: tf.sequential(timeDistributed(CNN), reshape), ${model.countParams().toLocaleString("en")} parameters; model.fit, Adam lr ${r.lr.toPrecision(3)}`,
  );
  const evaluate = (): { em: number; ew: number } => {
    const chunk = 100;
    const all = new Float32Array(evalSets.count * r.n);
    for (let from = 0; from < evalSets.count; from += chunk) {
      const part = sliceRankingSets(evalSets, from, Math.min(evalSets.count, from + chunk));
      const scores = tf.tidy(() => {
        const { x } = rankingSetsToTensors(test, part, { downsample: r.downsample });
        return (model.predict(tf.reshape(x, [-1, r.n, r.height, r.width, 1])) as tf.Tensor).dataSync() as Float32Array;
      });
      all.set(scores, from * r.n);
    }
    const m = rankingMetrics({ values: all, shape: [evalSets.count, r.n] }, { values: evalSets.values, shape: [evalSets.count, r.n] });
    return { em: m.em, ew: m.ew };
  };
  const t0 = performance.now();
  let trainMs = 0;
  let step = 0;
  let metrics = evaluate();
  const records: HistoryRecord[] = [{ step: 0, seconds: 0, loss: Number.NaN, em: metrics.em, ew: metrics.ew }];
  // the run is bounded by steps and/or a time budget; the bar follows whichever ends first (one clock for the run)
  const bar = r.progress ? new ProgressBar({ steps: r.steps, ...(Number.isFinite(r.seconds) ? { maxSeconds: r.seconds } : {}) }) : null;
  const say = (line: string) => (bar ? bar.log(line) : log(line));
  const shown = () => `em ${(100 * metrics.em).toFixed(1)}% ew ${(100 * metrics.ew).toFixed(1)}%`;
  say(`step 0: EM ${(100 * metrics.em).toFixed(1)}% EW ${(100 * metrics.ew).toFixed(1)}%`);
  let lossSum = 0;
  while (step < r.steps && (performance.now() - t0) / 1000 < r.seconds) {
    const batch = sampleRankingSets(train, r.sets, rng, { n: r.n });
    const { x, y } = rankingSetsToTensors(train, batch, { downsample: r.downsample });
    const x5 = tf.reshape(x, [-1, r.n, r.height, r.width, 1]);
    const s0 = performance.now();
    const h = await model.fit(x5, y, { batchSize: r.sets, epochs: 1, shuffle: false, verbose: 0 });
    trainMs += performance.now() - s0;
    tf.dispose([x, y, x5]);
    const stepLoss = (h.history.loss as number[])[0] as number;
    lossSum += stepLoss;
    step += 1;
    bar?.update(step, { loss: stepLoss.toFixed(4), metrics: shown() });
    if (step % r.evalEvery === 0) {
      metrics = evaluate();
      const seconds = (performance.now() - t0) / 1000;
      records.push({ step, seconds, loss: lossSum / r.evalEvery, em: metrics.em, ew: metrics.ew });
      for (const path of r.historyPaths) writeHistory(path, records);
      bar?.update(step, { metrics: shown() });
      say(
        `step ${step} (${(seconds / 60).toFixed(2)} min): loss ${(lossSum / r.evalEvery).toFixed(4)}, EM ${(100 * metrics.em).toFixed(1)}% EW ${(100 * metrics.ew).toFixed(1)}%`,
      );
      lossSum = 0;
    }
  }
  if (step % r.evalEvery !== 0) {
    metrics = evaluate();
    records.push({ step, seconds: (performance.now() - t0) / 1000, loss: Number.NaN, em: metrics.em, ew: metrics.ew });
    for (const path of r.historyPaths) writeHistory(path, records);
  }
  bar?.stop();
  model.dispose();
  return { ...metrics, steps: step, msPerStep: step > 0 ? trainMs / step : 0 };
}
