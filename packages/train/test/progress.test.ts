import { afterEach, describe, expect, it, vi } from "vitest";
import "@tensorflow/tfjs-backend-cpu";
import * as tf from "@tensorflow/tfjs-core";
import { createRng } from "@relax/core";
import { ProgressBar, estimateProgress, formatDuration, progressLine } from "../src/loop/progress.js";
import { trainWithAlgorithm } from "../src/loop/train.js";
import { createMlp } from "../src/models/mlp.js";
import { disposeModel } from "../src/models/model.js";
import { rankingSupervision, setScores } from "../src/losses/ranking.js";

/** A fake clock (ms) the test moves by hand, and a stream that records what is written. */
function fakes() {
  const clock = { ms: 1000 };
  const out: string[] = [];
  return { clock, out, now: () => clock.ms, stream: { write: (t: string) => out.push(t) } };
}
const CLEAR = `\r${String.fromCharCode(27)}[2K`;
/** The visible lines: the text after the last carriage-return clear of each write. */
const lines = (out: string[]) =>
  out
    .join("")
    .replaceAll(CLEAR, "\n")
    .split("\n")
    .filter((l) => l.length > 0);
/** Seconds shown as `m:ss` or `h:mm:ss` → number. */
const secs = (t: string) => t.split(":").reduce((a, p) => a * 60 + Number(p), 0);

describe("estimateProgress", () => {
  it("a time-bounded run with a large step bound counts time and ends at the budget", () => {
    const e = estimateProgress({ step: 30, startStep: 0, steps: 100000, elapsedSeconds: 15, maxSeconds: 60 });
    expect(e).toEqual({ bound: "time", fraction: 0.25, etaSeconds: 45 });
  });
  it("the step bound wins when it ends first", () => {
    const e = estimateProgress({ step: 50, startStep: 0, steps: 100, elapsedSeconds: 10, maxSeconds: 60 });
    expect(e.bound).toBe("steps");
    expect(e.fraction).toBe(0.5);
    expect(e.etaSeconds).toBeCloseTo(10, 12);
  });
  it("steps only: pace of this run (a resumed run counts from its start step); unknown before the first step", () => {
    expect(estimateProgress({ step: 60, startStep: 40, steps: 140, elapsedSeconds: 20 }).etaSeconds).toBeCloseTo(80, 12);
    expect(estimateProgress({ step: 60, startStep: 40, steps: 140, elapsedSeconds: 20 }).fraction).toBe(0.2);
    expect(estimateProgress({ step: 0, startStep: 0, steps: 10, elapsedSeconds: 3 }).etaSeconds).toBeNaN();
    expect(estimateProgress({ step: 0, startStep: 0, steps: 10, elapsedSeconds: 3, maxSeconds: 5 })).toEqual({
      bound: "time",
      fraction: 0.6,
      etaSeconds: 2,
    });
  });
  it("past the budget: ETA 0, bar full", () => {
    expect(estimateProgress({ step: 9, startStep: 0, steps: 1000, elapsedSeconds: 70, maxSeconds: 60 })).toEqual({
      bound: "time",
      fraction: 1,
      etaSeconds: 0,
    });
  });
});

describe("progressLine / formatDuration", () => {
  it("formats durations", () => {
    expect(formatDuration(0)).toBe("0:00");
    expect(formatDuration(59.6)).toBe("1:00");
    expect(formatDuration(28500)).toBe("7:55:00");
    expect(formatDuration(NaN)).toBe("--:--");
  });
  it("a one-minute run shows time against the budget, not 0/100000 steps", () => {
    const l = progressLine({ step: 30, startStep: 0, steps: 100000, elapsedSeconds: 15, maxSeconds: 60, loss: "0.5" }, 8);
    expect(l).toBe("██░░░░░░ 0:15 / 1:00 | 30 steps | eta 0:45 | loss 0.5");
    expect(l).not.toContain("100000");
  });
  it("a step-bounded run shows steps", () => {
    const l = progressLine({ step: 25, startStep: 0, steps: 100, elapsedSeconds: 10, metrics: "em 3.0%" }, 4);
    expect(l).toBe("█░░░ 25/100 steps | 0:10 elapsed | eta 0:30 | loss - | em 3.0%");
  });
});

describe("ProgressBar", () => {
  it("elapsed time never restarts across log lines; the ETA is the budget's end", () => {
    const f = fakes();
    const bar = new ProgressBar({ steps: 100000, maxSeconds: 60, stream: f.stream, now: f.now, minIntervalMs: 0 });
    for (let s = 1; s <= 20; s++) {
      f.clock.ms += 2000; // 2 s per step
      bar.update(s, { loss: "0.1" });
      if (s % 5 === 0) {
        f.clock.ms += 7000; // an evaluation
        bar.log(`step ${s}: em 1%`);
      }
    }
    bar.stop();
    const drawn = lines(f.out).filter((l) => l.includes(" / 1:00"));
    expect(drawn.length).toBeGreaterThan(20);
    let prev = -1;
    for (const l of drawn) {
      const m = /(\d+:\d\d) \/ 1:00 \| (\d+) steps \| eta (\d+:\d\d)/.exec(l);
      expect(m, l).not.toBeNull();
      const elapsed = secs(m![1]!);
      expect(elapsed).toBeGreaterThanOrEqual(prev);
      expect(elapsed + secs(m![3]!)).toBe(Math.max(60, elapsed)); // elapsed + eta = the budget
      prev = elapsed;
    }
    expect(prev).toBe(20 * 2 + 4 * 7); // the whole run's time, evaluations included
    expect(lines(f.out).filter((l) => l.startsWith("step "))).toHaveLength(4);
  });
  it("throttles redraws to minIntervalMs", () => {
    const f = fakes();
    const bar = new ProgressBar({ steps: 100, stream: f.stream, now: f.now, minIntervalMs: 1000 });
    for (let s = 1; s <= 10; s++) {
      f.clock.ms += 250;
      bar.update(s);
    }
    expect(lines(f.out)).toHaveLength(3); // at 0.25 s, 1.25 s and 2.25 s
  });
});

describe("trainWithAlgorithm's bar", () => {
  afterEach(() => vi.restoreAllMocks());
  it("a time-bounded run's bar counts the budget and its clock runs through evaluations", async () => {
    let ms = 0;
    vi.spyOn(performance, "now").mockImplementation(() => (ms += 50)); // every clock read: +50 ms
    const written: string[] = [];
    vi.spyOn(process.stderr, "write").mockImplementation(((t: string) => {
      written.push(t);
      return true;
    }) as typeof process.stderr.write);
    const model = createMlp({ inputSize: 2, hidden: [4], seed: 1 });
    const rng = createRng(3);
    const data = () => {
      const x = Array.from({ length: 12 }, () => rng.normal());
      return {
        x: tf.tensor2d(x, [6, 2]),
        target: tf.tensor2d(
          x.filter((_, i) => i % 2 === 0),
          [2, 3],
        ),
      };
    };
    const h = await trainWithAlgorithm({
      model,
      data,
      steps: 100000,
      maxSeconds: 30,
      evalEvery: 5,
      evaluate: () => {
        ms += 3000; // a slow evaluation
        return { em: 0.5 };
      },
      loss: rankingSupervision({ network: "odd_even", distribution: "cauchy", steepness: 10 }),
      forward: setScores(3),
      optimizer: tf.train.sgd(0.01),
      progress: true,
      log: () => {},
    });
    disposeModel(model);
    expect(h.stopReason).toBe("time");
    const drawn = lines(written);
    expect(drawn.length).toBeGreaterThan(3);
    let prev = -1;
    for (const l of drawn) {
      expect(l).not.toContain("100000");
      const m = /(\d+:\d\d) \/ 0:30 \| \d+ steps \| eta (\d+:\d\d)/.exec(l);
      expect(m, l).not.toBeNull();
      const elapsed = secs(m![1]!);
      expect(elapsed).toBeGreaterThanOrEqual(prev);
      expect(Math.abs(elapsed + secs(m![2]!) - Math.max(30, elapsed))).toBeLessThanOrEqual(1); // each rounded to 1 s
      prev = elapsed;
    }
    expect(prev).toBeGreaterThanOrEqual(30);
  });
});
