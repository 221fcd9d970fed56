import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import { RelaxError } from "@relax/core";
import { beforeAll, describe, expect, it } from "vitest";
import { fusedAdam } from "../src/index.js";

beforeAll(async () => {
  await tf.setBackend("cpu");
});

/** Adam (torch's update) on `loss = Σ c·θ²` by hand, with a learning rate per step. */
function manualAdam(theta0: number[], c: number[], lrs: number[]): number[] {
  const [b1, b2, eps] = [0.9, 0.999, 1e-8];
  const theta = theta0.slice();
  const m = theta.map(() => 0);
  const v = theta.map(() => 0);
  lrs.forEach((lr, s) => {
    const t = s + 1;
    for (let i = 0; i < theta.length; i++) {
      const g = 2 * (c[i] as number) * (theta[i] as number);
      m[i] = b1 * (m[i] as number) + (1 - b1) * g;
      v[i] = b2 * (v[i] as number) + (1 - b2) * g * g;
      const mh = (m[i] as number) / (1 - b1 ** t);
      const vh = (v[i] as number) / (1 - b2 ** t);
      theta[i] = (theta[i] as number) - (lr * mh) / (Math.sqrt(vh) + eps);
    }
  });
  return theta;
}

describe("fusedAdam.setLearningRate (learning-rate schedules)", () => {
  it("each step uses the learning rate set before it; the moments are kept", () => {
    const theta0 = [1, -2, 0.5, 3];
    const c = [1, 0.5, 2, 0.25];
    const lrs = [0.1, 0.05, 0.2, 0.01];
    const theta = tf.variable(tf.tensor1d(theta0));
    const cT = tf.tensor1d(c);
    const opt = fusedAdam(lrs[0]);
    for (const lr of lrs) {
      opt.setLearningRate(lr);
      expect(opt.learningRate).toBe(lr);
      opt.minimize(() => tf.sum(tf.mul(cT, tf.square(theta))) as tf.Scalar, false, [theta]);
    }
    const got = Array.from(theta.dataSync());
    const want = manualAdam(theta0, c, lrs);
    for (let i = 0; i < want.length; i++) expect(got[i]).toBeCloseTo(want[i] as number, 5);
    // a constant rate would land elsewhere: the schedule is what changed the result
    const constant = manualAdam(theta0, c, [0.1, 0.1, 0.1, 0.1]);
    expect(Math.abs((got[0] as number) - (constant[0] as number))).toBeGreaterThan(1e-3);
    expect(opt.getConfig().learningRate).toBe(lrs[lrs.length - 1]);
    opt.dispose();
    tf.dispose([theta, cT]);
  });

  it("a non-positive or non-finite rate is a RelaxError and leaves the rate unchanged", () => {
    const opt = fusedAdam(0.02);
    for (const bad of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => opt.setLearningRate(bad)).toThrow(RelaxError);
      expect(opt.learningRate).toBe(0.02);
    }
    opt.dispose();
  });
});
