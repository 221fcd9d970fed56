import { describe, expect, it } from "vitest";
import "@tensorflow/tfjs-backend-cpu";
import * as tf from "@tensorflow/tfjs-core";
import { countLeakedTensors } from "@relax/core/testing";
import { choleskySolve, luSolve, solveSymmetric } from "../src/newton/linalg.js";
import { injectFisher, newtonLoss, newtonTargets } from "../src/newton/newton_loss.js";

const arr = (t: tf.Tensor): number[] => Array.from(t.dataSync());

describe("host linear algebra", () => {
  it("Cholesky and LU solve; Cholesky refuses indefinite matrices, solveSymmetric falls back to LU", () => {
    const c = choleskySolve([4, 2, 2, 3], [1, 1], 2, 1)!;
    expect(c[0]).toBeCloseTo(0.125, 12);
    expect(c[1]).toBeCloseTo(0.25, 12);
    expect(Array.from(luSolve([0, 1, 1, 0], [2, 3], 2, 1))).toEqual([3, 2]);
    expect(choleskySolve([1, 2, 2, 1], [1, 0], 2, 1)).toBeNull();
    const x = solveSymmetric([1, 2, 2, 1], [1, 0], 2, 1); // inverse of [[1,2],[2,1]] = [[-1,2],[2,-1]]/3
    expect(x[0]).toBeCloseTo(-1 / 3, 12);
    expect(x[1]).toBeCloseTo(2 / 3, 12);
    expect(() => luSolve([1, 2, 2, 4], [1, 1], 2, 1)).toThrow(/non-singular/);
  });
});

// ℓ_i(y) = ½ (y_i − a)ᵀ A (y_i − a)
const A = tf.tensor2d([
  [2, 0.5],
  [0.5, 1],
]);
const a = tf.tensor1d([1, -2]);
const quad = (y: tf.Tensor2D): tf.Tensor1D => {
  const d = tf.sub(y, a);
  return tf.mul(0.5, tf.sum(tf.mul(tf.matMul(d, A), d), 1)) as tf.Tensor1D;
};

describe("Newton losses (NeurIPS 2024) — analytic answers", () => {
  it("Hessian variant, λ = 0, quadratic loss: z* = a for any y (autodiff and finite differences)", () => {
    for (const hessian of ["autodiff", "finite-diff"] as const) {
      const y = tf.tensor2d([
        [0, 0],
        [3, 1],
      ]);
      const { z, curvature } = newtonTargets(y, quad, { variant: "hessian", lambda: 0, hessian });
      expect(arr(z)[0]).toBeCloseTo(1, 3);
      expect(arr(z)[1]).toBeCloseTo(-2, 3);
      expect(arr(z)[2]).toBeCloseTo(1, 3);
      expect(arr(z)[3]).toBeCloseTo(-2, 3);
      expect(arr(curvature).map((v) => Number(v.toFixed(3)))).toEqual([2, 0.5, 0.5, 1]);
      tf.dispose([y, z, curvature]);
    }
  });
  it("Hessian variant with λ: z* = y − (A + λI)⁻¹ A (y − a)", () => {
    const y = tf.tensor2d([[3, 1]]);
    const { z } = newtonTargets(y, quad, { variant: "hessian", lambda: 0.5, hessian: "autodiff" });
    // (A + .5I) = [[2.5,.5],[.5,1.5]]; A(y−a) = [2·2+.5·3, .5·2+3] = [5.5, 4]; solve → [1.5625, 2.1458…]
    const det = 2.5 * 1.5 - 0.25;
    const s0 = (1.5 * 5.5 - 0.5 * 4) / det,
      s1 = (2.5 * 4 - 0.5 * 5.5) / det;
    expect(arr(z)[0]).toBeCloseTo(3 - s0, 4);
    expect(arr(z)[1]).toBeCloseTo(1 - s1, 4);
    tf.dispose([y, z]);
  });
  it("Fisher variant with N = 1: z* = y − g/(‖g‖² + λ) (Sherman–Morrison)", () => {
    const y = tf.tensor2d([[3, 1]]);
    const { z, grad } = newtonTargets(y, quad, { variant: "fisher", lambda: 0.7 });
    const g = arr(grad); // A(y − a) = [5.5, 4]
    expect(g[0]).toBeCloseTo(5.5, 5);
    expect(g[1]).toBeCloseTo(4, 5);
    const nn = 5.5 ** 2 + 16 + 0.7;
    expect(arr(z)[0]).toBeCloseTo(3 - 5.5 / nn, 5);
    expect(arr(z)[1]).toBeCloseTo(1 - 4 / nn, 5);
    tf.dispose([y, z, grad]);
  });
  it("λ → ∞: the Newton-loss gradient tends to ∇ℓ/λ (per sample: (1/N)·∇ℓ_i/λ)", () => {
    const y = tf.tensor2d([
      [3, 1],
      [0, 0.5],
    ]);
    const lambda = 1e4;
    const g = tf.grad((yy: tf.Tensor) => newtonLoss(yy as tf.Tensor2D, quad, { variant: "fisher", lambda }))(y);
    const gl = tf.grad((yy: tf.Tensor) => tf.sum(quad(yy as tf.Tensor2D)))(y);
    arr(g).forEach((v, i) =>
      expect(Math.abs(v * lambda * 2 - (arr(gl)[i] as number))).toBeLessThan(1e-2 * Math.max(1, Math.abs(arr(gl)[i] as number))),
    );
    tf.dispose([y, g, gl]);
  });
  it("injectFisher's gradient equals the gradient of the mean-reduced Fisher Newton loss, (y − z*)/N", () => {
    const y = tf.tensor2d([
      [3, 1],
      [0, 0.5],
      [-1, 2],
    ]);
    const lambda = 0.3;
    const gi = tf.grad((yy: tf.Tensor) => tf.mean(quad(injectFisher(yy as tf.Tensor2D, { lambda }))))(y);
    const { z } = newtonTargets(y, quad, { variant: "fisher", lambda });
    const expected = tf.div(tf.sub(y, z), 3);
    arr(gi).forEach((v, i) => expect(v).toBeCloseTo(arr(expected)[i] as number, 5));
    const gn = tf.grad((yy: tf.Tensor) => newtonLoss(yy as tf.Tensor2D, quad, { variant: "fisher", lambda }))(y);
    arr(gn).forEach((v, i) => expect(v).toBeCloseTo(arr(expected)[i] as number, 5));
    expect(arr(injectFisher(y, { lambda }))).toEqual(arr(y));
    // the deprecated positional λ gives the same gradient
    const gp = tf.grad((yy: tf.Tensor) => tf.mean(quad(injectFisher(yy as tf.Tensor2D, lambda))))(y);
    expect(arr(gp)).toEqual(arr(gi));
    gp.dispose();
    tf.dispose([y, gi, z, expected, gn]);
  });
  it("is leak-free and rejects bad input", () => {
    const y = tf.tensor2d([
      [3, 1],
      [0, 0.5],
    ]);
    expect(countLeakedTensors(() => newtonLoss(y, quad, { variant: "hessian", lambda: 1 }))).toBe(0);
    expect(countLeakedTensors(() => tf.grad((yy: tf.Tensor) => tf.mean(quad(injectFisher(yy as tf.Tensor2D, { lambda: 0.1 }))))(y))).toBe(
      0,
    );
    expect(() => injectFisher(y as tf.Tensor2D, { lambda: -1 })).toThrow(/lambda/);
    expect(() => injectFisher(y as tf.Tensor2D, { lamda: 1 } as never)).toThrow(/did you mean "lambda"/);
    expect(() => newtonTargets(y, quad, { lambda: -1 })).toThrow(/lambda/);
    expect(() => newtonTargets(y, quad, { variant: "newton" as never })).toThrow(/variant/);
    expect(() => newtonTargets(tf.ones([3]) as never, quad)).toThrow(/y must be/);
    y.dispose();
  });
});
