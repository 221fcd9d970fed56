import * as tf from "@tensorflow/tfjs-core";
import { existsSync } from "node:fs";
import { RelaxError, assertInteger, assertOneOf, assertOptions, assertPositive, describe } from "@relax/core";
import type { Model } from "../models/model.js";
import { asModel, type LayersModelLike } from "../models/layers_model.js";
import { assertModel, loadCheckpoint, saveCheckpoint } from "./checkpoint.js";
import { writeHistory, type History, type HistoryRecord } from "./history.js";
import { plainStrategy, type AlgoLoss, type Strategy } from "./strategy.js";
import { releaseTape } from "../runtime/tape.js";
import { ProgressBar } from "./progress.js";

/** One training batch: inputs and the algorithm-level labels. The loop disposes both after the step. */
export interface Batch {
  x: tf.Tensor;
  target: tf.Tensor;
}

/** Options of {@link trainWithAlgorithm}. */
export interface TrainOptions {
  /** The network (its `params` are trained), or a `tf.LayersModel` (its trainable weights; `forward` and `evaluate` then get its {@link Model} view, see `fromLayersModel`). */
  model: Model | LayersModelLike;
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
  /**
   * What to do when a step's loss or a gradient is NaN/±Inf (checked before the update, so the parameters and the
   * optimizer state stay exactly as they were): `'throw'` (default) stops with a `RelaxError`; `'skip'` drops the
   * step's update, counts it (`History.skippedSteps`, a `skipped` column in the records) and goes on.
   */
  onNonFinite?: "throw" | "skip";
}

const TRAIN_KEYS = [
  "model",
  "loss",
  "forward",
  "data",
  "steps",
  "optimizer",
  "strategy",
  "evalEvery",
  "evaluate",
  "evalAtStart",
  "earlyStopping",
  "maxSeconds",
  "checkpoint",
  "historyPaths",
  "progress",
  "onEvaluate",
  "log",
  "onNonFinite",
] as const satisfies readonly (keyof TrainOptions)[];

function assertFunction(op: string, arg: string, f: unknown, optional: boolean): void {
  if ((optional && f === undefined) || typeof f === "function") return;
  throw new RelaxError(op, arg, "a function", describe(f));
}

function assertBoolean(op: string, arg: string, v: unknown): void {
  if (v !== undefined && typeof v !== "boolean") throw new RelaxError(op, arg, "true or false", describe(v));
}

/** Validates every option of {@link trainWithAlgorithm} before anything is created. */
function validateTrainOptions(op: string, options: unknown): TrainOptions {
  const o = assertOptions<TrainOptions>(op, options, TRAIN_KEYS);
  if (options === undefined) throw new RelaxError(op, "options", "an options object ({ model, data, loss, steps, ... })", "undefined");
  assertModel(op, asModel(o.model));
  assertFunction(op, "loss", o.loss, false);
  assertFunction(op, "data", o.data, false);
  assertFunction(op, "forward", o.forward, true);
  assertFunction(op, "evaluate", o.evaluate, true);
  assertFunction(op, "onEvaluate", o.onEvaluate, true);
  assertFunction(op, "log", o.log, true);
  assertInteger(op, "steps", o.steps, 0, Number.MAX_SAFE_INTEGER);
  if (o.optimizer !== undefined && !(o.optimizer instanceof tf.Optimizer))
    throw new RelaxError(op, "optimizer", "a tfjs optimizer", describe(o.optimizer));
  if (o.strategy !== undefined && (o.strategy === null || typeof (o.strategy as Strategy).apply !== "function")) {
    throw new RelaxError(op, "strategy", "a Strategy ({ name, apply })", describe(o.strategy));
  }
  if (o.evalEvery !== undefined) assertInteger(op, "evalEvery", o.evalEvery, 1, Number.MAX_SAFE_INTEGER);
  assertBoolean(op, "evalAtStart", o.evalAtStart);
  if (o.earlyStopping !== undefined) {
    const es = assertOptions<NonNullable<TrainOptions["earlyStopping"]>>(
      op,
      o.earlyStopping,
      ["metric", "mode", "patience", "restoreBest"],
      "earlyStopping",
    );
    if (typeof es.metric !== "string") throw new RelaxError(op, "earlyStopping.metric", "a metric name", describe(es.metric));
    if (es.mode !== undefined) assertOneOf(op, "earlyStopping.mode", es.mode, ["max", "min"] as const);
    assertInteger(op, "earlyStopping.patience", es.patience, 1, Number.MAX_SAFE_INTEGER);
    assertBoolean(op, "earlyStopping.restoreBest", es.restoreBest);
  }
  if (o.maxSeconds !== undefined) assertPositive(op, "maxSeconds", o.maxSeconds);
  if (o.checkpoint !== undefined) {
    const c = assertOptions<NonNullable<TrainOptions["checkpoint"]>>(op, o.checkpoint, ["path", "every", "resume"], "checkpoint");
    if (typeof c.path !== "string" || c.path.length === 0) throw new RelaxError(op, "checkpoint.path", "a file path", describe(c.path));
    if (c.every !== undefined) assertInteger(op, "checkpoint.every", c.every, 1, Number.MAX_SAFE_INTEGER);
    assertBoolean(op, "checkpoint.resume", c.resume);
  }
  if (
    o.historyPaths !== undefined &&
    (!Array.isArray(o.historyPaths) || o.historyPaths.some((p) => typeof p !== "string" || p.length === 0))
  ) {
    throw new RelaxError(op, "historyPaths", "an array of file paths", describe(o.historyPaths));
  }
  if (o.progress !== undefined && o.progress !== true && o.progress !== false && o.progress !== "auto") {
    throw new RelaxError(op, "progress", "true, false or 'auto'", describe(o.progress));
  }
  if (o.onNonFinite !== undefined) assertOneOf(op, "onNonFinite", o.onNonFinite, ["throw", "skip"] as const);
  return o;
}

/** Throws unless `data(step)` returned a batch of two live tensors. */
function checkBatch(op: string, batch: unknown, step: number): Batch {
  const b = batch as Batch | null;
  if (!b || !(b.x instanceof tf.Tensor) || !(b.target instanceof tf.Tensor) || b.x.isDisposed || b.target.isDisposed) {
    if (b && b.x instanceof tf.Tensor && !b.x.isDisposed) b.x.dispose();
    if (b && b.target instanceof tf.Tensor && !b.target.isDisposed) b.target.dispose();
    throw new RelaxError(op, `data(${step})`, "a batch { x: tf.Tensor, target: tf.Tensor }", describe(batch));
  }
  return b;
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
  validateTrainOptions(op, options);
  const model = asModel(options.model);
  const steps = options.steps;
  const evalEvery = options.evalEvery ?? 0;
  const ownOptimizer = options.optimizer === undefined;
  const optimizer = options.optimizer ?? tf.train.adam(10 ** -3.5);
  try {
    return await run(op, options, model, steps, evalEvery, optimizer);
  } finally {
    if (ownOptimizer) optimizer.dispose(); // the default Adam's state would otherwise outlive the run
  }
}

async function run(
  op: string,
  options: TrainOptions,
  model: Model,
  steps: number,
  evalEvery: number,
  optimizer: tf.Optimizer,
): Promise<History> {
  const onNonFinite = options.onNonFinite ?? "throw";
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
  const t0 = performance.now();
  // one clock for the whole run (log lines do not restart it); a time budget drives the bar and its ETA
  const bar = useBar
    ? new ProgressBar({
        steps,
        startStep: start,
        ...(options.maxSeconds !== undefined ? { maxSeconds: options.maxSeconds } : {}),
      })
    : null;
  let trainMs = 0;
  let trainedSteps = 0;
  let lossSum = 0;
  let lossCount = 0;
  let best = mode === "max" ? -Infinity : Infinity;
  let bestStep = start;
  let sinceBest = 0;
  let bestParams: tf.Tensor[] | null = null;
  let stopReason: History["stopReason"] = "steps";
  let skipped = 0;
  let skippedSinceEval = 0;
  const say = (line: string): void => {
    bar?.clear();
    log(line);
    bar?.update(lastStep, { loss: lastLoss, metrics: lastMetrics }, true);
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
      ...(onNonFinite === "skip" ? { skipped: skippedSinceEval } : {}),
    };
    skippedSinceEval = 0;
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

  bar?.update(start, { loss: lastLoss, metrics: "" }, true);
  if ((options.evalAtStart ?? true) && options.evaluate && start === 0) await evaluateNow(0);
  let step = start;
  while (step < steps) {
    const s0 = performance.now();
    const batch = checkBatch(op, options.data(step), step);
    let lossValue = NaN;
    let bad = "";
    try {
      tf.tidy(() => {
        const { value, grads } = tf.variableGrads(() => {
          const y = forward(model, batch);
          const r = strategy.apply(y, (yy) => options.loss(yy, batch));
          if (r.loss !== r.objective) lossValue = r.loss.dataSync()[0] as number;
          return r.objective;
        }, model.params);
        const objective = value.dataSync()[0] as number;
        if (Number.isNaN(lossValue)) lossValue = objective;
        // check before the update: a NaN/Inf step must never reach the parameters or the optimizer state
        const gs = Object.values(grads);
        const finite = gs.length === 0 || (tf.all(tf.stack(gs.map((g) => tf.all(tf.isFinite(g))))).dataSync()[0] as number) === 1;
        if (!Number.isFinite(lossValue)) bad = `loss ${lossValue}`;
        else if (!Number.isFinite(objective)) bad = `objective ${objective}`;
        else if (!finite) bad = "a NaN/Inf gradient";
        else optimizer.applyGradients(grads);
      });
    } catch (e) {
      releaseTape();
      throw e;
    } finally {
      tf.dispose([batch.x, batch.target]);
    }
    if (bad) {
      if (onNonFinite === "throw") {
        bar?.stop();
        throw new RelaxError(
          op,
          "loss",
          "finite, with finite gradients, at every step (parameters left as before the step)",
          `${bad} at step ${step}`,
        );
      }
      skipped += 1;
      skippedSinceEval += 1;
      say(`step ${step}: ${bad}, update skipped`);
    }
    step += 1;
    trainedSteps += 1;
    trainMs += performance.now() - s0;
    if (!bad) {
      lossSum += lossValue;
      lossCount += 1;
      lastLoss = lossValue.toFixed(4);
    }
    lastStep = step;
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
    skippedSteps: skipped,
  };
}

export type { AlgoLoss };
