import { describe, expect, it } from "vitest";
import "@tensorflow/tfjs-backend-cpu";
import * as tf from "@tensorflow/tfjs-core";
import { countLeakedTensors } from "@relax/core/testing";
import { NOISES, noise } from "../src/smoothing/noise.js";
import { smooth, smoothedEstimate } from "../src/smoothing/smooth.js";

const x0 = 0.37;
// research/thesis_train.md §7 (independent numpy oracles): d/dx E|x+u| = 1 − 2F(−x); d/dx E[H(x+u)] = pdf(−x)
const ABS: Record<string, number> = {
  gaussian: 0.288618,
  logistic: 0.182918,
  gumbel: 0.529795,
  cauchy: 0.225605,
  laplace: 0.309266,
  triangular: 0.6031,
};
const STEP: Record<string, number> = {
  gaussian: 0.372548,
  logistic: 0.241635,
  gumbel: 0.340366,
  cauchy: 0.279981,
  laplace: 0.345367,
  triangular: 0.63,
};

function seedStats(f: (v: Float64Array) => number, name: (typeof NOISES)[number], extra: object, seeds = 30, samples = 512) {
  const est = Array.from(
    { length: seeds },
    (_, s) => smoothedEstimate(f, [x0], { noise: name, samples, seed: s + 1, ...extra }).jacobian[0] as number,
  );
  const mean = est.reduce((a, b) => a + b, 0) / seeds;
  const sd = Math.sqrt(est.reduce((a, b) => a + (b - mean) ** 2, 0) / (seeds - 1));
  return { mean, sd, seeds };
}

describe("noise distributions", () => {
  it("inverse CDF inverts the CDF; closed-form oracles of the table", () => {
    for (const name of NOISES) {
      const d = noise(name);
      for (const v of [0.1, 0.3, 0.5, 0.8]) expect(d.cdf(d.inverseCdf(v))).toBeCloseTo(v, 8);
      expect(1 - 2 * d.cdf(-x0)).toBeCloseTo(ABS[name] as number, 5);
      expect(d.pdf(-x0)).toBeCloseTo(STEP[name] as number, 5);
    }
    expect(() => noise("student" as never)).toThrow(/name must be/);
  });
});

describe("stochastic smoothing estimators (arXiv 2410.08125)", () => {
  it("match the smoothed |x| and step H(x) for every noise within sampling error (fixed seeds)", () => {
    for (const name of NOISES) {
      for (const [f, truth] of [
        [(v: Float64Array) => Math.abs(v[0] as number), ABS],
        [(v: Float64Array) => ((v[0] as number) > 0 ? 1 : 0), STEP],
      ] as const) {
        const { mean, sd, seeds } = seedStats(f, name, { sampler: "rqmc-latin", covariate: name === "cauchy" ? "none" : "loo" });
        expect(Math.abs(mean - (truth[name] as number))).toBeLessThan((5 * sd) / Math.sqrt(seeds) + 2e-3);
      }
    }
  });
  it("variance reduction: Latin + LOO beats plain MC for Gaussian noise; antithetic pairs are unbiased", () => {
    const f = (v: Float64Array) => Math.abs(v[0] as number);
    const mc = seedStats(f, "gaussian", { sampler: "mc" }, 40, 64);
    const best = seedStats(f, "gaussian", { sampler: "rqmc-latin", covariate: "loo" }, 40, 64);
    expect(best.sd).toBeLessThan(mc.sd / 2);
    const anti = seedStats(f, "logistic", { antithetic: true, covariate: "f(x)" }, 30, 256);
    expect(Math.abs(anti.mean - (ABS.logistic as number))).toBeLessThan((5 * anti.sd) / Math.sqrt(30) + 2e-3);
  });
  it("negative test: Cauchy noise with a leave-one-out baseline blows up on the unbounded |x|", () => {
    const f = (v: Float64Array) => Math.abs(v[0] as number);
    const loo = seedStats(f, "cauchy", { covariate: "loo" }, 60, 64);
    const plain = seedStats(f, "cauchy", { covariate: "none" }, 60, 64);
    expect(loo.sd).toBeGreaterThan(0.5);
    expect(loo.sd).toBeGreaterThan(3 * plain.sd);
  });
  it("rqmc-cartesian needs S = s^n; asymmetric noise refuses antithetic pairs", () => {
    expect(() => smoothedEstimate((v) => v[0] as number, [0, 0], { sampler: "rqmc-cartesian", samples: 10 })).toThrow(/perfect 2-th power/);
    expect(smoothedEstimate((v) => v[0] as number, [0, 0], { sampler: "rqmc-cartesian", samples: 16 }).jacobian.length).toBe(2);
    expect(() => smoothedEstimate((v) => v[0] as number, [0], { noise: "gumbel", antithetic: true })).toThrow(/antithetic/);
  });
  it("smooth() is a differentiable tfjs op: forward = smoothed value, backward = estimated Jacobian", () => {
    const op = smooth((v) => [(v[0] as number) > (v[1] as number) ? 1 : 0], {
      n: 2,
      m: 1,
      noise: "gaussian",
      scale: 1,
      samples: 4096,
      sampler: "rqmc-latin",
      covariate: "loo",
      seed: 3,
    });
    const x = tf.tensor2d([[0.3, 0.1]]);
    // P(x0 + u0 > x1 + u1) = Φ((x0 − x1)/√2)
    const p = op(x).dataSync()[0] as number;
    const d = noise("gaussian");
    expect(p).toBeCloseTo(d.cdf(0.2 / Math.SQRT2), 1);
    const g = tf
      .grad((xx: tf.Tensor) => tf.sum(op(xx as tf.Tensor2D)))(x)
      .dataSync();
    const dens = d.pdf(0.2 / Math.SQRT2) / Math.SQRT2;
    expect(g[0]).toBeCloseTo(dens, 1);
    expect(g[1]).toBeCloseTo(-dens, 1);
    expect(countLeakedTensors(() => tf.grad((xx: tf.Tensor) => tf.sum(op(xx as tf.Tensor2D)))(x))).toBe(0);
    expect(() => op(tf.ones([2, 3]) as tf.Tensor2D)).toThrow(/\[batch, 2\]/);
    x.dispose();
  });
});
