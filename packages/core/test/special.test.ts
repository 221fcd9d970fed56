import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import { describe, expect, it } from "vitest";
import {
  RelaxError,
  digamma,
  erf,
  erfTensor,
  erfc,
  erfcTensor,
  gammaP,
  gammaPTensor,
  gammaPdf,
  gammaQ,
  lgamma,
  lgammaTensor,
} from "../src/index.js";
import { countLeakedTensors, gradCheck } from "../src/testing/index.js";

/** |a − b| ≤ atol + rtol·|b|. */
function close(a: number, b: number, rtol: number, atol = 0): boolean {
  return Math.abs(a - b) <= atol + rtol * Math.abs(b);
}

// Reference values from mpmath at 30 digits.
const ERF_CASES: [number, number][] = [
  [0.5, 0.520499877813046537682746653892],
  [1e-10, 1.12837916709551257389239763923e-10],
  [-3, -0.99997790950300141455862722387],
];
const ERFC_CASES: [number, number][] = [
  [5, 1.53745979442803485018834348538e-12],
  [-1, 1.84270079294971486934122063508],
  [10, 2.08848758376254475700078629496e-45],
  [0.3, 0.671373240540872583810382014682],
  [2.5, 0.000406952017444958939564215739975],
  [26, 5.66319240885614284647572789693e-296],
];
const LGAMMA_CASES: [number, number][] = [
  [1e-5, 11.5129196928958257074208339309],
  [0.5, 0.572364942924700087071713675677],
  [1.5, -0.120782237635245222345518445782],
  [3.7, 1.42807232666538792187238112505],
  [10, 12.8018274800814696112077178746],
  [100, 359.13420536957539877604401046],
  [1e5, 1051287.70897365689490085801825],
  [-0.5, 1.26551212348464539648894579713],
  [-2.5, -0.0562437164976740506725945300976],
];
const DIGAMMA_CASES: [number, number][] = [
  [1, -0.577215664901532860606512090082],
  [0.5, -1.963510026021423479440976333],
  [3.7, 1.16715353936151138587386396614],
  [20, 2.97052399224214905087725697883],
  [-0.5, 0.0364899739785765205590236670012],
  [1e-3, -1000.57557193181030047147261447],
];
// [a, x, P(a, x), Q(a, x)]
const GAMMA_CASES: [number, number, number, number][] = [
  [1, 2, 0.864664716763387308106000505028, 0.135335283236612691893999494972],
  [0.5, 1, 0.842700792949714869341220635083, 0.157299207050285130658779364917],
  [3, 2, 0.323323583816936540530002525138, 0.676676416183063459469997474862],
  [10, 5, 0.0318280573062048117371865741808, 0.968171942693795188262813425819],
  [100, 90, 0.158220989186430168104969699671, 0.841779010813569831895030300329],
  [0.1, 0.001, 0.526768568392445111817869842601, 0.473231431607554888182130157399],
  [5, 30, 0.99999999637569904793851197377, 3.62430095206148802622995097844e-9],
  [2.5, 2.5, 0.584119813004492079716388420514, 0.415880186995507920283611579486],
  [30, 45, 0.992662800702203496371359927545, 0.00733719929779650362864007245475],
];

describe("scalar special functions (float64)", () => {
  it("erf and erfc match mpmath", () => {
    for (const [x, v] of ERF_CASES) expect(close(erf(x), v, 1e-14), `erf(${x})`).toBe(true);
    for (const [x, v] of ERFC_CASES) expect(close(erfc(x), v, 1e-13), `erfc(${x})`).toBe(true);
    expect(erfc(30)).toBe(0);
    expect(erfc(-30)).toBe(2);
    expect(() => erfc(NaN)).toThrow(/erfc: x must be a number, not NaN/);
    expect(() => erf(NaN)).toThrow(/erf: x/);
    expect(erf(Infinity)).toBe(1);
    expect(erf(-Infinity)).toBe(-1);
  });

  it("lgamma and digamma match mpmath; poles", () => {
    for (const [x, v] of LGAMMA_CASES) expect(close(lgamma(x), v, 1e-12, 1e-14), `lgamma(${x})`).toBe(true);
    for (const [x, v] of DIGAMMA_CASES) expect(close(digamma(x), v, 1e-12, 1e-14), `digamma(${x})`).toBe(true);
    expect(lgamma(1)).toBe(0);
    expect(lgamma(2)).toBe(0);
    expect(lgamma(0)).toBe(Infinity);
    expect(lgamma(-3)).toBe(Infinity);
    expect(() => digamma(-2)).toThrow(/digamma: x must be a number other than NaN/);
    expect(() => lgamma(Number.NaN)).toThrow(/lgamma/);
    expect(() => lgamma(-Infinity)).toThrow(/lgamma/);
    expect(lgamma(Infinity)).toBe(Infinity);
    // ln Γ(n) = ln (n−1)!
    let logFact = 0;
    for (let n = 2; n < 60; n++) {
      logFact += Math.log(n - 1);
      expect(close(lgamma(n), logFact, 1e-13, 1e-13)).toBe(true);
    }
  });

  it("gammaP / gammaQ match mpmath, sum to 1, and handle edges", () => {
    for (const [a, x, p, q] of GAMMA_CASES) {
      expect(close(gammaP(a, x), p, 1e-12, 1e-15), `P(${a}, ${x})`).toBe(true);
      expect(close(gammaQ(a, x), q, 1e-11, 1e-16), `Q(${a}, ${x})`).toBe(true);
      expect(Math.abs(gammaP(a, x) + gammaQ(a, x) - 1)).toBeLessThan(1e-14);
    }
    // P(1/2, x) = erf(√x), P(1, x) = 1 − e^{−x}
    for (const x of [0.01, 0.3, 2, 7, 20]) {
      expect(close(gammaP(0.5, x), erf(Math.sqrt(x)), 1e-13)).toBe(true);
      expect(close(gammaP(1, x), -Math.expm1(-x), 1e-13)).toBe(true);
    }
    expect(gammaP(2, 0)).toBe(0);
    expect(gammaP(2, -1)).toBe(0);
    expect(gammaP(2, Infinity)).toBe(1);
    expect(gammaQ(2, 0)).toBe(1);
    expect(close(gammaPdf(2, 1), Math.exp(-1), 1e-14)).toBe(true);
    expect(gammaPdf(2, -1)).toBe(0);
  });

  it("gammaPdf is the derivative of gammaP", () => {
    for (const a of [0.5, 1, 2.5, 10]) {
      for (const x of [0.3, 1, 4, 12]) {
        const h = 1e-5 * x;
        const numeric = (gammaP(a, x + h) - gammaP(a, x - h)) / (2 * h);
        expect(close(gammaPdf(a, x), numeric, 1e-7, 1e-12)).toBe(true);
      }
    }
  });

  it("rejects a bad shape a with RelaxError", () => {
    for (const a of [0, -1, NaN, Infinity]) {
      expect(() => gammaP(a, 1)).toThrow(RelaxError);
      expect(() => gammaQ(a, 1)).toThrow(/gammaQ: a must be a finite number > 0/);
    }
    expect(() => gammaPTensor([1, 2], 0)).toThrow(/gammaPTensor: a must be a finite number > 0, got 0/);
  });
});

describe("tensor special functions (float32)", () => {
  const grid = Array.from({ length: 401 }, (_, i) => -10 + i * 0.05);

  it("erfcTensor / erfTensor match the float64 scalars to float32 accuracy (relative, also in the tail)", () => {
    const xs = [...grid, 1e-8, -1e-8, 0, 12, 15, 40, -40, 1e6, -1e6, 1e30, -1e30];
    const x = tf.tensor1d(xs);
    const yc = erfcTensor(x).dataSync();
    const ye = erfTensor(x).dataSync();
    xs.forEach((v, i) => {
      const xf = Math.fround(v);
      const ec = erfc(xf);
      const ee = erf(xf);
      // float32 normal range: relative accuracy; below it, absolute.
      expect(close(yc[i] as number, ec, 2e-6, 1e-37), `erfc(${v}) = ${yc[i]} vs ${ec}`).toBe(true);
      expect(close(ye[i] as number, ee, 2e-6, 1e-37), `erf(${v}) = ${ye[i]} vs ${ee}`).toBe(true);
    });
    x.dispose();
  });

  it("erfcTensor / erfTensor gradients are ∓(2/√π)e^{−x²} and agree with finite differences", () => {
    const x = tf.tensor1d([-3, -0.7, -0.2, 0, 0.3, 0.8, 2.5, 4.5, 1e6]);
    const g = tf
      .grad((t: tf.Tensor) => tf.sum(erfcTensor(t)))(x)
      .dataSync();
    const ge = tf
      .grad((t: tf.Tensor) => tf.sum(erfTensor(t)))(x)
      .dataSync();
    Array.from(x.dataSync()).forEach((v, i) => {
      const d = (2 / Math.sqrt(Math.PI)) * Math.exp(-v * v);
      expect(close(g[i] as number, -d, 1e-6, 1e-12)).toBe(true);
      expect(close(ge[i] as number, d, 1e-6, 1e-12)).toBe(true);
    });
    const w = tf.tensor1d([1, -2, 0.5, 1.5, -1, 0.7, 2, 3]);
    const xs = tf.tensor1d([-1.7, -0.45, -0.1, 0.2, 0.6, 1.2, 3.1, 4.4]);
    expect(gradCheck((t) => tf.sum(tf.mul(erfcTensor(t), w)), [xs], { eps: 1e-3 }).ok).toBe(true);
    expect(gradCheck((t) => tf.sum(tf.mul(erfTensor(t), w)), [xs], { eps: 1e-3 }).ok).toBe(true);
    tf.dispose([x, w, xs]);
  });

  it("lgammaTensor and gammaPTensor match the scalars; gradients are digamma and the density", () => {
    const xs = [1e-3, 0.2, 0.5, 1, 1.5, 3.7, 10, 55.5];
    const x = tf.tensor1d(xs);
    const lg = lgammaTensor(x).dataSync();
    const dlg = tf
      .grad((t: tf.Tensor) => tf.sum(lgammaTensor(t)))(x)
      .dataSync();
    const p = gammaPTensor(x, 2.5).dataSync();
    const dp = tf
      .grad((t: tf.Tensor) => tf.sum(gammaPTensor(t, 2.5)))(x)
      .dataSync();
    xs.forEach((v, i) => {
      const xf = Math.fround(v);
      expect(close(lg[i] as number, lgamma(xf), 1e-6, 1e-6)).toBe(true);
      expect(close(dlg[i] as number, digamma(xf), 1e-6, 1e-6)).toBe(true);
      expect(close(p[i] as number, gammaP(2.5, xf), 1e-6, 1e-7)).toBe(true);
      expect(close(dp[i] as number, gammaPdf(2.5, xf), 1e-6, 1e-7)).toBe(true);
    });
    const xc = tf.tensor1d([0.4, 1.3, 2.2, 6]);
    expect(gradCheck((t) => lgammaTensor(t), [xc], { eps: 1e-3 }).ok).toBe(true);
    expect(gradCheck((t) => gammaPTensor(t, 0.7), [xc], { eps: 1e-3 }).ok).toBe(true);
    tf.dispose([x, xc]);
  });

  it("is leak-free (forward and gradient)", () => {
    const x = tf.tensor2d([
      [0.3, 2],
      [5, -1],
    ]);
    const xp = tf.tensor2d([
      [0.3, 2],
      [5, 1],
    ]);
    expect(countLeakedTensors(() => erfcTensor(x))).toBe(0);
    expect(countLeakedTensors(() => erfTensor(x))).toBe(0);
    expect(countLeakedTensors(() => lgammaTensor(xp))).toBe(0);
    expect(countLeakedTensors(() => gammaPTensor(xp, 3))).toBe(0);
    expect(countLeakedTensors(() => tf.grad((t: tf.Tensor) => tf.sum(erfcTensor(t)))(x))).toBe(0);
    expect(countLeakedTensors(() => tf.grad((t: tf.Tensor) => tf.sum(lgammaTensor(t)))(xp))).toBe(0);
    expect(countLeakedTensors(() => tf.grad((t: tf.Tensor) => tf.sum(gammaPTensor(t, 3)))(xp))).toBe(0);
    const shape = erfcTensor(x).shape;
    expect(shape).toEqual([2, 2]);
    tf.dispose([x, xp]);
  });
});
