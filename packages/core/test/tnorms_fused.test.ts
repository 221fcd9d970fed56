import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import { describe, expect, it } from "vitest";
import { TCONORM_NAMES, tconorm, tnorm, withFlags } from "../src/index.js";
import { countLeakedTensors, gradCheck, seededUniform } from "../src/testing/index.js";

/** The fused host kernel of the pairwise t-conorm / t-norm against the tensor reference (values and both partials). */
const P: Record<string, number[]> = {
  max: [Number.NaN],
  probabilistic: [Number.NaN],
  einstein: [Number.NaN],
  hamacher: [0, 0.5, 2, 1e6],
  frank: [0.01, 2, 50, 1e6],
  yager: [0.5, 2, 100, 1e6],
  aczel_alsina: [0.5, 2, 100],
  dombi: [0.5, 2, 100],
  schweizer_sklar: [-0.5, -2, -100],
};

function run(fused: boolean, f: (a: tf.Tensor, b: tf.Tensor) => tf.Tensor, a: tf.Tensor, b: tf.Tensor) {
  return withFlags({ RELAX_FORCE_REFERENCE: !fused }, () => {
    const value = f(a, b);
    const [da, db] = tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.mul(f(x, y), tf.reshape(tf.linspace(0.5, 1.5, 12), [3, 4]))))([
      a,
      b,
    ]);
    const out = { value: value.arraySync() as number[][], da: da!.arraySync() as number[][], db: db!.arraySync() as number[] };
    tf.dispose([value, da!, db!]);
    return out;
  });
}

describe("fused t-conorm / t-norm kernel", () => {
  // a [3, 4] against b [4] (broadcast), inside (0, 1): at 0 and 1 the nilpotent families sit on their kink, where
  // the float64 kernel and the float32 reference may take different one-sided limits (both finite, tested below)
  const a = tf.tensor2d(seededUniform(12, 3, 0.02, 0.98), [3, 4]);
  const b = tf.tensor1d([0.05, 0.3, 0.7, 0.95]);
  for (const name of TCONORM_NAMES) {
    for (const p of P[name] ?? []) {
      const options = Number.isNaN(p) ? { name } : { name, p };
      for (const [label, op] of [
        ["tconorm", tconorm],
        ["tnorm", tnorm],
      ] as const) {
        it(`${label} ${name} p=${p}: values and gradients equal the reference`, () => {
          const f = (x: tf.Tensor, y: tf.Tensor) => op(x, y, options);
          const fused = run(true, f, a, b);
          const ref = run(false, f, a, b);
          const close = (x: number[] | number[][], y: number[] | number[][], tol: number) =>
            (x.flat() as number[]).forEach((v, i) => {
              const r = (y.flat() as number[])[i] as number;
              expect(Math.abs(v - r), `entry ${i}: fused ${v}, reference ${r}`).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(r)));
            });
          close(fused.value, ref.value, 2e-6);
          close(fused.da, ref.da, 2e-3); // the reference's float32 log-domain forms carry ~1e-3 relative error
          close(fused.db, ref.db, 2e-3);
        });
      }
    }
  }
  it("is finite at the boundaries 0 and 1, for every family", () => {
    const x = tf.tensor2d([[0, 1, 0, 1, 1e-7, 1 - 1e-7]]);
    const y = tf.tensor2d([[0, 1, 1, 0, 0, 1]]);
    for (const name of TCONORM_NAMES) {
      for (const p of P[name] ?? []) {
        const options = Number.isNaN(p) ? { name } : { name, p };
        for (const op of [tconorm, tnorm]) {
          const [da, db] = tf.grads((u: tf.Tensor, v: tf.Tensor) => tf.sum(op(u, v, options)))([x, y]);
          const values = [...op(x, y, options).dataSync(), ...da!.dataSync(), ...db!.dataSync()];
          expect(values.every(Number.isFinite), `${name} p=${p}`).toBe(true);
        }
      }
    }
    tf.dispose([x, y]);
  });
  it("matches finite differences away from the kinks, and leaks nothing when called bare", () => {
    const x = tf.tensor2d(seededUniform(12, 5, 0.2, 0.8), [3, 4]);
    const y = tf.tensor2d(seededUniform(12, 6, 0.2, 0.8), [3, 4]);
    for (const options of [
      { name: "yager" as const, p: 3 },
      { name: "hamacher" as const, p: 0.5 },
      { name: "frank" as const, p: 5 },
    ]) {
      expect(gradCheck((u, v) => tconorm(u!, v!, options), [x, y], { eps: 1e-3 }).ok).toBe(true);
      expect(gradCheck((u, v) => tnorm(u!, v!, options), [x, y], { eps: 1e-3 }).ok).toBe(true);
      expect(countLeakedTensors(() => tconorm(x, y, options))).toBe(0);
      expect(countLeakedTensors(() => tf.grads((u: tf.Tensor, v: tf.Tensor) => tf.sum(tnorm(u, v, options)))([x, y]))).toBe(0);
      expect(countLeakedTensors(() => tf.grad((u: tf.Tensor) => tf.sum(tconorm(u, [[0.5, 0.5, 0.5, 0.5]], options)))(x))).toBe(0);
    }
    tf.dispose([x, y]);
  });
});
