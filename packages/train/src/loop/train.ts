import * as tf from "@tensorflow/tfjs-core";
import { existsSync } from "node:fs";
import { RelaxError, assertInteger } from "@relax/core";
import type { Model } from "../models/model.js";
import { loadCheckpoint, saveCheckpoint } from "./checkpoint.js";
import { writeHistory, type History, type HistoryRecord } from "./history.js";
import { plainStrategy, type AlgoLoss, type Strategy } from "./strategy.js";

/** One training batch: inputs and the algorithm-level labels. The loop disposes both after the step. */
export interface Batch {
  x: tf.Tensor;
  target: tf.Tensor;
}

/** Options of {@link trainWithAlgorithm}. */
export interface TrainOptions {
  /** The network (its `params` are trained). */
  model: Model;
  /**
   * Per-sample algorithmic loss of a batch: `(y [N, m], batch) → [N]`. `y` comes from `forward`.
   * Example: ranking supervision `(y, b) => rankingLoss(y, b.target, {reduction: 'none'})`.
   */
  loss: (y: tf.Tensor2D, batch: Batch) => tf.Tensor1D;
  /** Network outputs as `[N, m]` (default `model.apply(batch.x)`); e.g. reshape per-image scores to `[sets, n]`. */
  forward?: (model: Model, batch: Batch) => tf.Tensor2D;
  /** The batch of step `step` (0-based; seeded generators make runs reproducible and resumable). */
  data: (step: number) => Batch;
  /** Total training steps (a resumed run continues up to it). */
  steps: number;
  /** Any tfjs optimiser (default Adam, learning rate 10^-3.5 as the diffsort experiments). */
  optimizer?: tf.Optimizer;
  /** How the loss is optimised: plain (default), a Newton loss, `injectFisher`, … */
  strategy?: Strategy;
  /** Evaluate every N steps (and at step 0 and at the end); default: only at the end. */
  evalEvery?: number;
  /** Metrics of the current model (held-out sets), e.g. `{em, ew}`; called at evaluation steps. */
  evaluate?: (model: Model, step: number) => Record<string, number> | Promise<Record<string, number>>;
  /** Evaluate at step 0 too (default true). */
  evalAtStart?: boolean;
  /** Stop when `metric` has not improved for `patience` evaluations; optionally restore the best weights. */
  earlyStopping?: { metric: string; mode?: "max" | "min"; patience: number; restoreBest?: boolean };
  /** Wall-clock budget in seconds (training stops after the step that crosses it). */
  maxSeconds?: number;
  /** Checkpoint file: saved every `every` steps (default: at evaluations) and at the end; `resume` loads it first if present. */
  checkpoint?: { path: string; every?: number; resume?: boolean };
  /** Write the history to these files (`.json` → JSON, else CSV) after every evaluation. */
  historyPaths?: string[];
  /** Progress bar: `true`, `false` or `'auto'` (default: a bar on a TTY, log lines otherwise). */
  progress?: boolean | "auto";
  /** Called after each evaluation with its record. */
  onEvaluate?: (record: HistoryRecord) => void;
  /** Where log lines go (default `console.log`); used when no progress bar is drawn. */
  log?: (line: string) => void;
}

function fmt(record: HistoryRecord): string {
  const parts = Object.entries(record)
    .filter(([k]) => k !== "step" && k !== "seconds")
    .map(([k, v]) => `${k} ${Math.abs(v) < 1e-3 || Math.abs(v) >= 1e4 ? v.toExponential(2) : v.toFixed(4)}`);
  return `step ${record.step} (${(record.seconds / 60).toFixed(2)} min): ${parts.join(", ")}`;
}

/**
 * Algorithmic supervision, end to end (Petersen, *Learning with Differentiable Algorithms*, 2022, ch. 3): a network
 * produces `y`, a relaxed algorithm turns `y` into a loss against an algorithm-level label, and a strategy
 * (plain, Newton loss, …) turns that into the objective an optimiser follows. Handles the progress bar,
 * evaluation every N steps, early stopping, time budget, checkpoints (save / resume) and JSON/CSV history.
 * Every step runs inside `tf.tidy`-equivalent scopes: the tensor count stays flat.
 *
 * @returns the {@link History} (records at every evaluation)
 * @example
 * const history = await trainWithAlgorithm({
 *   model, data: (s) => makeBatch(s), steps: 1000, evalEvery: 100, evaluate: (m) => heldOutMetrics(m),
 *   loss: (y, b) => rankingLoss(y, b.target, { reduction: "none", steepness: 10 }) as tf.Tensor1D });
 */
export async function trainWithAlgorithm(options: TrainOptions): Promise<History> {
  const op = "trainWithAlgorithm";
  const { model } = options;
  const steps = assertInteger(op, "steps", options.steps, 0);
  const evalEvery = options.evalEvery === undefined ? 0 : assertInteger(op, "evalEvery", options.evalEvery, 1);
  if (!model || !Array.isArray(model.params)) throw new RelaxError(op, "model", "a Model ({ params, apply })", typeof model);
  const optimizer = options.optimizer ?? tf.train.adam(10 ** -3.5);
  const strategy = options.strategy ?? plainStrategy();
  const forward = options.forward ?? ((m: Model, b: Batch) => m.apply(b.x));
  const log = options.log ?? ((line: string) => console.log(line));
  const es = options.earlyStopping;
  const mode = es?.mode ?? "max";
  const records: HistoryRecord[] = [];
  let start = 0;
  if (options.checkpoint?.resume && existsSync(options.checkpoint.path)) {
    start = await loadCheckpoint(options.checkpoint.path, model, optimizer);
    log(`resumed from ${options.checkpoint.path} at step ${start}`);
  }
  const useBar =
    options.progress === true ||
    ((options.progress ?? "auto") === "auto" && typeof process !== "undefined" && process.stderr?.isTTY === true);
  // cli-progress is loaded only when a terminal bar is drawn (it is Node-only).
  const cliProgress = useBar ? (await import("cli-progress")).default : null;
  const bar = cliProgress
    ? new cliProgress.SingleBar(
        {
          format: "{bar} {value}/{total} steps | {duration_formatted} elapsed, eta {eta_formatted} | loss {loss} | {metrics}",
          hideCursor: true,
          etaBuffer: 50,
          stream: process.stderr,
        },
        cliProgress.Presets.shades_classic,
      )
    : null;
  const t0 = performance.now();
  let trainMs = 0;
  let trainedSteps = 0;
  let lossSum = 0;
  let lossCount = 0;
  let best = mode === "max" ? -Infinity : Infinity;
  let bestStep = start;
  let sinceBest = 0;
  let bestParams: tf.Tensor[] | null = null;
  let stopReason: History["stopReason"] = "steps";
  const say = (line: string): void => {
    if (bar) {
      bar.stop();
      log(line);
      bar.start(steps, lastStep, { loss: lastLoss, metrics: lastMetrics });
    } else log(line);
  };
  let lastStep = start;
  let lastLoss = "-";
  let lastMetrics = "";

  const evaluateNow = async (step: number): Promise<boolean> => {
    const metrics = options.evaluate ? await options.evaluate(model, step) : {};
    const record: HistoryRecord = {
      step,
      seconds: (performance.now() - t0) / 1000,
      loss: lossCount > 0 ? lossSum / lossCount : NaN,
      ...metrics,
    };
    lossSum = 0;
    lossCount = 0;
    records.push(record);
    lastMetrics = Object.entries(metrics)
      .map(([k, v]) => `${k} ${(100 * v).toFixed(1)}%`)
      .join(" ");
    say(fmt(record));
    options.onEvaluate?.(record);
    for (const p of options.historyPaths ?? []) writeHistory(p, records);
    if (options.checkpoint && options.checkpoint.every === undefined && step > start)
      await saveCheckpoint(options.checkpoint.path, model, optimizer, step);
    if (es) {
      const v = metrics[es.metric];
      if (v === undefined)
        throw new RelaxError(
          op,
          "earlyStopping.metric",
          `one of the evaluated metrics (${Object.keys(metrics).join(", ")})`,
          JSON.stringify(es.metric),
        );
      if (mode === "max" ? v > best : v < best) {
        best = v;
        bestStep = step;
        sinceBest = 0;
        if (es.restoreBest) {
          if (bestParams) tf.dispose(bestParams);
          bestParams = model.params.map((p) => tf.clone(p));
        }
      } else {
        sinceBest += 1;
        if (sinceBest >= es.patience) return true;
      }
    } else bestStep = step;
    return false;
  };

  bar?.start(steps, start, { loss: lastLoss, metrics: "" });
  if ((options.evalAtStart ?? true) && options.evaluate && start === 0) await evaluateNow(0);
  let step = start;
  while (step < steps) {
    const s0 = performance.now();
    const batch = options.data(step);
    let lossValue = NaN;
    try {
      const { value, grads } = tf.variableGrads(() => {
        const y = forward(model, batch);
        const r = strategy.apply(y, (yy) => options.loss(yy, batch));
        if (r.loss !== r.objective) lossValue = r.loss.dataSync()[0] as number;
        return r.objective;
      }, model.params);
      if (Number.isNaN(lossValue)) lossValue = value.dataSync()[0] as number;
      optimizer.applyGradients(grads);
      tf.dispose([value, ...Object.values(grads)]);
    } finally {
      tf.dispose([batch.x, batch.target]);
    }
    if (!Number.isFinite(lossValue)) {
      bar?.stop();
      throw new RelaxError(op, "loss", "finite at every step", `${lossValue} at step ${step}`);
    }
    step += 1;
    trainedSteps += 1;
    trainMs += performance.now() - s0;
    lossSum += lossValue;
    lossCount += 1;
    lastStep = step;
    lastLoss = lossValue.toFixed(4);
    bar?.update(step, { loss: lastLoss, metrics: lastMetrics });
    if (options.checkpoint?.every !== undefined && step % options.checkpoint.every === 0)
      await saveCheckpoint(options.checkpoint.path, model, optimizer, step);
    const outOfTime = options.maxSeconds !== undefined && (performance.now() - t0) / 1000 >= options.maxSeconds;
    if (evalEvery > 0 && step % evalEvery === 0 && step < steps && !outOfTime) {
      if (await evaluateNow(step)) {
        stopReason = "early-stopping";
        break;
      }
    }
    if (outOfTime) {
      stopReason = "time";
      break;
    }
  }
  const lastRecord = records[records.length - 1];
  if ((options.evaluate || lossCount > 0) && (!lastRecord || lastRecord.step !== step)) await evaluateNow(step);
  bar?.stop();
  if (es?.restoreBest && bestParams) {
    model.params.forEach((p, i) => p.assign(bestParams![i] as tf.Tensor));
    tf.dispose(bestParams);
  }
  if (options.checkpoint) await saveCheckpoint(options.checkpoint.path, model, optimizer, step);
  return {
    records,
    bestStep,
    steps: step,
    seconds: (performance.now() - t0) / 1000,
    secondsPerStep: trainedSteps > 0 ? trainMs / 1000 / trainedSteps : 0,
    stopReason,
  };
}

export type { AlgoLoss };
