import * as tf from "@tensorflow/tfjs-core";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import "../src/index.js";
import "./helpers.js";

/** tfjs's own Multiply (flag off) and the fast path (flag on) on the same inputs, bit for bit. */
function both(a: tf.Tensor, b: tf.Tensor): [Float32Array, Float32Array, number[], number[]] {
  const run = (on: boolean) => {
    tf.env().set("RELAX_FAST_BROADCAST", on);
    const y = tf.mul(a, b);
    const out = [y.dataSync() as Float32Array, y.shape] as const;
    y.dispose();
    return out;
  };
  try {
    const [ref, refShape] = run(false);
    const [fast, fastShape] = run(true);
    return [fast, ref, fastShape, refShape];
  } finally {
    tf.env().set("RELAX_FAST_BROADCAST", true);
  }
}

describe("RELAX_FAST_BROADCAST: the cpu Multiply fast path gives tfjs's numbers exactly", () => {
  it("broadcast shapes of rank ≤ 4 (fast-check), incl. scalars, size-1 axes and equal shapes", () => {
    const dim = fc.integer({ min: 1, max: 4 });
    fc.assert(
      fc.property(
        fc.array(dim, { minLength: 0, maxLength: 4 }),
        fc.array(fc.boolean(), { minLength: 8, maxLength: 8 }),
        fc.nat(),
        (out, keep, seed) => {
          const aShape = out.map((d, i) => (keep[i] ? d : 1));
          const bShape = out.slice(keep[7] ? 1 : 0).map((d, i) => (keep[i + 4] ? d : 1));
          const a = tf.randomNormal(aShape, 0, 1e3, "float32", seed);
          const b = tf.randomNormal(bShape, 0, 1, "float32", seed + 1);
          const [fast, ref, fs, rs] = both(a, b);
          expect(fs).toEqual(rs);
          expect(Array.from(fast)).toEqual(Array.from(ref));
          tf.dispose([a, b]);
        },
      ),
      { numRuns: 200 },
    );
  });

  it("large equal-shape and scalar products (the wasm f32x4 path, chunked), incl. ±0, ±∞, subnormals and odd tails", () => {
    const special = [0, -0, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 1e-45, -3e-39, 3.4e38, -1];
    for (const size of [4096, 4099, 65536 + 7, 3 * 65536 + 1]) {
      const av = tf.randomNormal([size], 0, 1e3, "float32", size).dataSync() as Float32Array;
      const bv = tf.randomNormal([size], 0, 1e-3, "float32", size + 1).dataSync() as Float32Array;
      for (let i = 0; i < special.length; i++) {
        av[size - 1 - 3 * i] = special[i] as number;
        bv[5 * i] = special[(i + 3) % special.length] as number;
      }
      const a = tf.tensor2d(av, [1, size]);
      const b = tf.tensor2d(bv, [1, size]);
      for (const [x, y] of [
        [a, b],
        [a, tf.scalar(-2.5e-3)],
        [tf.scalar(7), b],
      ] as const) {
        const [fast, ref, fs, rs] = both(x, y);
        expect(fs).toEqual(rs);
        expect(Array.from(fast)).toEqual(Array.from(ref));
      }
      tf.dispose([a, b]);
    }
  });

  it("the Sum gradient's broadcast and int32 inputs (left to tfjs)", () => {
    const W = tf.randomNormal([3, 5, 7], 0, 1, "float32", 3);
    const g = tf.grad((w: tf.Tensor) => tf.sum(w))(W);
    expect(Array.from(g.dataSync())).toEqual(new Array(105).fill(1));
    const i = tf.tensor1d([1, 2, 3], "int32");
    const y = tf.mul(i, tf.scalar(2, "int32"));
    expect(y.dtype).toBe("int32");
    expect(Array.from(y.dataSync())).toEqual([2, 4, 6]);
    tf.dispose([W, g, i, y]);
  });
});
