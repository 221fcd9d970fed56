/** What a progress line shows: the run's position against its bounds (steps and/or a wall-clock budget). */
export interface ProgressState {
  /** Steps done so far (counting from 0, including steps of a resumed run). */
  step: number;
  /** Step the run (or this resumed part of it) started at. */
  startStep: number;
  /** Step bound (`Infinity` when only the time budget bounds the run). */
  steps: number;
  /** Seconds since the run started (evaluations included; never restarts). */
  elapsedSeconds: number;
  /** Wall-clock budget in seconds, if any. */
  maxSeconds?: number;
  /** Last training loss (text; `-` before the first step). */
  loss?: string;
  /** Last evaluation's metrics (text). */
  metrics?: string;
}

/** The numbers of a progress line: which bound ends the run first, the done fraction and the ETA (seconds). */
export interface ProgressEstimate {
  /** `'time'` when the wall-clock budget ends the run first (as far as can be told yet), else `'steps'`. */
  bound: "steps" | "time";
  /** Done fraction in [0, 1] against the bound. */
  fraction: number;
  /** Seconds until the run ends (the budget's end when `bound` is `'time'`); `NaN` while unknown. */
  etaSeconds: number;
}

/**
 * Which bound ends a run first and when. Steps are estimated at the run's average pace so far
 * (`elapsed / steps done`, evaluations included); a time budget ends at `maxSeconds`. With both bounds, the one
 * estimated to end first wins; before the first step, a time budget wins.
 *
 * @example
 * estimateProgress({ step: 30, startStep: 0, steps: 100000, elapsedSeconds: 15, maxSeconds: 60 });
 * // { bound: 'time', fraction: 0.25, etaSeconds: 45 }
 */
export function estimateProgress(s: ProgressState): ProgressEstimate {
  const done = s.step - s.startStep;
  const stepsLeft = Math.max(0, s.steps - s.step);
  const stepEta = Number.isFinite(s.steps) ? (done > 0 ? (s.elapsedSeconds / done) * stepsLeft : stepsLeft === 0 ? 0 : NaN) : Infinity;
  if (s.maxSeconds !== undefined) {
    const timeEta = Math.max(0, s.maxSeconds - s.elapsedSeconds);
    if (!(stepEta < timeEta)) return { bound: "time", fraction: Math.min(1, s.elapsedSeconds / s.maxSeconds), etaSeconds: timeEta };
  }
  const total = s.steps - s.startStep;
  return { bound: "steps", fraction: total > 0 ? Math.min(1, done / total) : 1, etaSeconds: stepEta };
}

/** `h:mm:ss` / `m:ss` of a duration in seconds (`--:--` when unknown). */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return "--:--";
  const t = Math.round(seconds);
  const h = Math.floor(t / 3600);
  const m = Math.floor((t % 3600) / 60);
  const sec = String(t % 60).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${sec}` : `${m}:${sec}`;
}

/**
 * One progress line. Bounded by time: `[bar] 0:15 / 1:00 | 30 steps | eta 0:45 | loss … | metrics` (the bar and
 * ETA count the budget); bounded by steps: `[bar] 30/1000 steps | 0:15 elapsed | eta 7:55 | …`.
 *
 * @example
 * progressLine({ step: 30, startStep: 0, steps: 100000, elapsedSeconds: 15, maxSeconds: 60, loss: "0.1234" });
 * // '██████░░░░░░░░░░░░░░░░░░ 0:15 / 1:00 | 30 steps | eta 0:45 | loss 0.1234'
 */
export function progressLine(s: ProgressState, barWidth = 24): string {
  const e = estimateProgress(s);
  const filled = Math.round(e.fraction * barWidth);
  const bar = "█".repeat(filled) + "░".repeat(barWidth - filled);
  const where =
    e.bound === "time"
      ? `${formatDuration(s.elapsedSeconds)} / ${formatDuration(s.maxSeconds as number)} | ${s.step} steps`
      : `${s.step}/${s.steps} steps | ${formatDuration(s.elapsedSeconds)} elapsed`;
  const tail = [`eta ${formatDuration(e.etaSeconds)}`, `loss ${s.loss ?? "-"}`];
  if (s.metrics) tail.push(s.metrics);
  return `${bar} ${where} | ${tail.join(" | ")}`;
}

/** Where a {@link ProgressBar} draws and which clock it reads. */
export interface ProgressBarOptions {
  /** A writable text stream (default `process.stderr`). */
  stream?: { write(text: string): unknown };
  /** Milliseconds clock (default `performance.now`); the run's start is the bar's creation. */
  now?: () => number;
  /** Step bound (`Infinity` for time-bounded runs). */
  steps: number;
  /** Step the run starts at (a resumed run's step; default 0). */
  startStep?: number;
  /** Wall-clock budget in seconds, if any. */
  maxSeconds?: number;
  /** Redraw at most this often, in ms (default 100; a log line or `stop` always redraws). */
  minIntervalMs?: number;
}

/**
 * A one-line terminal progress bar of a training run whose clock starts once (log lines in between do not
 * restart it) and whose bar and ETA follow the bound that ends the run: the wall-clock budget or the steps.
 *
 * @example
 * const bar = new ProgressBar({ steps: 1000, maxSeconds: 60 });
 * bar.update(1, { loss: "0.52" });  bar.log("step 1: em 3%");  bar.stop();
 */
export class ProgressBar {
  private readonly stream: { write(text: string): unknown };
  private readonly now: () => number;
  private readonly t0: number;
  private readonly o: ProgressBarOptions;
  private step: number;
  private loss = "-";
  private metrics = "";
  private lastDraw = -Infinity;
  private drawn = false;

  constructor(options: ProgressBarOptions) {
    this.o = options;
    this.stream = options.stream ?? process.stderr;
    this.now = options.now ?? (() => performance.now());
    this.t0 = this.now();
    this.step = options.startStep ?? 0;
  }

  /** The current line's state. */
  state(): ProgressState {
    return {
      step: this.step,
      startStep: this.o.startStep ?? 0,
      steps: this.o.steps,
      elapsedSeconds: (this.now() - this.t0) / 1000,
      ...(this.o.maxSeconds !== undefined ? { maxSeconds: this.o.maxSeconds } : {}),
      loss: this.loss,
      metrics: this.metrics,
    };
  }

  /**
   * Moves to `step` (with the latest loss / metrics text) and redraws, unless it drew less than `minIntervalMs`
   * ago and `force` is false.
   */
  update(step: number, fields: { loss?: string; metrics?: string } = {}, force = false): void {
    this.step = step;
    if (fields.loss !== undefined) this.loss = fields.loss;
    if (fields.metrics !== undefined) this.metrics = fields.metrics;
    if (force || this.now() - this.lastDraw >= (this.o.minIntervalMs ?? 100)) this.draw();
  }

  /** Erases the bar's line (to print something else there; the next `update` draws it again, its clock ran on). */
  clear(): void {
    if (this.drawn) this.stream.write("\r\x1b[2K");
    this.drawn = false;
  }

  /** Prints `line` above the bar (the bar is cleared, the line written to the bar's stream, the bar redrawn). */
  log(line: string): void {
    this.clear();
    this.stream.write(`${line}\n`);
    this.draw();
  }

  /** Draws the final state and ends the line. */
  stop(): void {
    this.draw();
    this.stream.write("\n");
    this.drawn = false;
  }

  private draw(): void {
    this.lastDraw = this.now();
    this.stream.write(`\r\x1b[2K${progressLine(this.state())}`);
    this.drawn = true;
  }
}
