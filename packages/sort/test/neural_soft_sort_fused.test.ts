import * as tf from "@tensorflow/tfjs-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RelaxError, RelaxNeuralSort, RelaxSoftSort, useFused } from "@relax/core";
import { badInputs, countLeakedTensors, gradCheck } from "@relax/core/testing";
import { neuralSort } from "../src/neural_sort.js";
import { softSort, type SoftSortOptions } from "../src/soft_sort.js";
import { arr, withReference } from "./helpers.js";
import { sortWasmActive } from "../src/kernels/wasm.js";
import { baselineWasmExp } from "../src/kernels/baselines_wasm.js";
import { neuralSortBackward, neuralSortForward } from "../src/kernels/neural_sort.js";
import { softSortBackward, softSortForward } from "../src/kernels/soft_sort.js";

type Fn = (x: tf.Tensor | number[] | number[][], o?: number | SoftSortOptions) => { sorted: tf.Tensor; permutation: tf.Tensor };
/** neuralSort has no `pow` option (an unknown key is a RelaxError): the shared option sets drop it. */
const neuralSortNoPow = ((x: tf.Tensor | number[] | number[][], o?: number | SoftSortOptions) => {
  if (typeof o !== "object") return neuralSort(x, o);
  const { pow: _pow, ...rest } = o;
  return neuralSort(x, rest);
}) as Fn;

const METHODS: [string, Fn][] = [
  ["neuralSort", neuralSortNoPow],
  ["softSort", softSort as Fn],
];

/** P, sorted and the gradient of sum(P∘W) + sum(sorted∘V) (fixed random W, V), all flat. */
function run(fn: Fn, x: tf.Tensor, o: SoftSortOptions, seed: number): { P: number[]; s: number[]; g: number[] } {
  return tf.tidy(() => {
    const { sorted, permutation } = fn(x, o);
    const W = tf.randomNormal(permutation.shape, 0, 1, "float32", seed);
    const V = tf.randomNormal(sorted.shape, 0, 1, "float32", seed + 1);
    const g = tf.grad((z: tf.Tensor) => {
      const r = fn(z, o);
      return tf.add(tf.sum(tf.mul(r.permutation, W)), tf.sum(tf.mul(r.sorted, V))) as tf.Scalar;
    })(x);
    return { P: arr(permutation), s: arr(sorted), g: arr(g) };
  });
}

function maxAbs(a: number[]): number {
  return a.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
}

/** max |a − b| (Infinity on NaN or a length mismatch). */
function maxDiff(a: number[], b: number[]): number {
  if (a.length !== b.length) return Infinity;
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs((a[i] as number) - (b[i] as number));
    m = Number.isNaN(d) ? Infinity : Math.max(m, d);
  }
  return m;
}

/**
 * Fused vs reference within float32 tolerances. The reference forms the logits in float32, so its error
 * grows with the logits' size (NeuralSort: ~n·|x|/τ); the fused kernels are float64 inside.
 */
function expectParity(fn: Fn, x: tf.Tensor, o: SoftSortOptions, logitScale: number, seed = 11): void {
  const f = run(fn, x, o, seed);
  const r = withReference(() => run(fn, x, o, seed));
  const tolP = 2e-6 + 4e-7 * logitScale;
  expect(maxDiff(f.P, r.P), "P").toBeLessThanOrEqual(o.hard ? 0 : tolP);
  expect(maxDiff(f.s, r.s), "sorted").toBeLessThanOrEqual(o.hard ? 0 : tolP * (1 + maxAbs(arr(x))) * 4);
  expect(maxDiff(f.g, r.g), "grad").toBeLessThanOrEqual((1e-5 + 4e-7 * logitScale) * Math.max(1, maxAbs(r.g)) * 8);
}

/** Direct float64 oracle of both methods from the papers' formulas (one exp per entry), ascending. */
function oracle(method: string, x: number[], tau: number, descending: boolean, pow = 1): number[][] {
  const n = x.length;
  const s = descending ? x : x.map((v) => -v);
  const ys = [...x].sort((a, b) => (descending ? b - a : a - b));
  return Array.from({ length: n }, (_, j) => {
    const z = x.map((_, i) => {
      if (method === "softSort") return -(Math.abs((x[i] as number) - (ys[j] as number)) ** pow) / tau;
      const B = s.reduce((acc, sk) => acc + Math.abs((s[i] as number) - sk), 0);
      return ((n - 1 - 2 * j) * (s[i] as number) - B) / tau;
    });
    const m = Math.max(...z);
    const e = z.map((v) => Math.exp(v - m));
    const S = e.reduce((a, b) => a + b, 0);
    return e.map((v) => v / S);
  });
}

describe("NeuralSort / SoftSort fused kernels", () => {
  it("are registered and dispatched on the cpu backend", async () => {
    await tf.ready();
    expect(tf.getBackend()).toBe("cpu");
    expect(useFused(RelaxNeuralSort)).toBe(true);
    expect(useFused(RelaxSoftSort)).toBe(true);
  });

  it("run on WebAssembly SIMD in Node, whose f64x2 exp is within 1 ulp of Math.exp on [−700, 700]", () => {
    expect(sortWasmActive()).toBe(true);
    let worst = 0;
    for (let k = 0; k <= 20000; k++) {
      const x = -699 + (1398 * k) / 20000 + 1e-3 * Math.sin(k);
      const want = Math.exp(x);
      worst = Math.max(worst, Math.abs((baselineWasmExp(x) as number) - want) / want);
    }
    expect(worst).toBeLessThan(2.3e-16);
    expect(baselineWasmExp(0)).toBe(1);
  });

  it("wasm and plain-JS kernels agree (odd n, ties, wide ranges, both SoftSort forms, pow 1.5 fallback, hard)", () => {
    let seed = 3;
    const rnd = () => {
      seed = (seed * 16807) % 2147483647;
      return seed / 2147483647 - 0.5;
    };
    const zeros = (k: number) => new Float32Array(k);
    for (const n of [2, 3, 8, 31, 64]) {
      for (const [scale, tau] of [
        [1, 1],
        [8, 0.05],
        [300, 0.1],
        [1299, 1], // separable SoftSort form at its range limit (≈ 1300/τ), then past it
        [1301, 1],
      ] as [number, number][]) {
        const rows = 3;
        const x = Float32Array.from({ length: rows * n }, () => scale * rnd());
        if (n > 4) {
          x[1] = x[0] as number;
          x[2] = 0;
          x[3] = -0;
        }
        const W = Float32Array.from({ length: rows * n * n }, () => rnd());
        const V = Float32Array.from({ length: rows * n }, () => rnd());
        for (const [method, fwd, bwd, pows] of [
          ["neuralSort", neuralSortForward, neuralSortBackward, [1]],
          ["softSort", softSortForward, softSortBackward, [1, 2, 1.5]],
        ] as const) {
          for (const pow of pows) {
            for (const descending of [false, true]) {
              for (const hard of [false, true]) {
                const attrs = { tau, descending, hard, pow };
                const runs = [true, false].map((wasm) => {
                  const prev = tf.env().getBool("RELAX_SORT_WASM");
                  tf.env().set("RELAX_SORT_WASM", wasm);
                  try {
                    const o = fwd(x, rows, n, attrs);
                    const g = bwd({ x, permutation: o.permutation, relaxed: o.relaxed, dSorted: V, dPermutation: W }, rows, n, attrs);
                    const g0 = bwd(
                      { x, permutation: o.permutation, relaxed: o.relaxed, dSorted: zeros(rows * n), dPermutation: W },
                      rows,
                      n,
                      attrs,
                    );
                    return { P: Array.from(o.permutation), s: Array.from(o.sorted), g: [...g, ...g0] };
                  } finally {
                    tf.env().set("RELAX_SORT_WASM", prev);
                  }
                });
                const [a, b] = runs as [(typeof runs)[0], (typeof runs)[0]];
                const where = `${method} n=${n} scale=${scale} τ=${tau} pow=${pow} desc=${descending} hard=${hard}`;
                expect(maxDiff(a.P, b.P), `P ${where}`).toBeLessThanOrEqual(hard ? 0 : 2e-7);
                expect(maxDiff(a.s, b.s), `sorted ${where}`).toBeLessThanOrEqual(hard ? 0 : 2e-7 * (1 + scale));
                expect(maxDiff(a.g, b.g), `grad ${where}`).toBeLessThanOrEqual(1e-6 * Math.max(1, maxAbs(b.g)));
              }
            }
          }
        }
      }
    }
  });

  for (const [name, fn] of METHODS)
    for (const wasm of [true, false]) {
      describe(`${name} (${wasm ? "wasm SIMD" : "plain JS"} loops)`, () => {
        let prev = true;
        beforeAll(() => {
          prev = tf.env().getBool("RELAX_SORT_WASM");
          tf.env().set("RELAX_SORT_WASM", wasm);
        });
        afterAll(() => {
          tf.env().set("RELAX_SORT_WASM", prev);
        });

        it("matches the reference composition: n, τ, descending, hard, pow (forward and gradient)", () => {
          for (const n of [1, 2, 5, 16, 33]) {
            const x = tf.randomNormal([3, n], 0, 1, "float32", n * 7 + 1);
            for (const tau of [0.1, 1, 3]) {
              for (const descending of [false, true]) {
                for (const hard of [false, true]) {
                  for (const pow of name === "softSort" ? [1, 2, 1.5] : [1]) {
                    const scale = name === "neuralSort" ? (3 * n) / tau : 9 / tau;
                    expectParity(fn, x, { tau, descending, hard, pow }, scale);
                  }
                }
              }
            }
            x.dispose();
          }
        });

        it("matches the reference at n = 128, batch 4", () => {
          const x = tf.randomNormal([4, 128], 0, 1, "float32", 5);
          expectParity(fn, x, { tau: 1 }, name === "neuralSort" ? 400 : 9);
          expectParity(fn, x, { tau: 0.5, descending: true }, name === "neuralSort" ? 800 : 18);
          x.dispose();
        });

        it("matches the reference with exact ties (incl. ±0) and near ties, gradient convention included", () => {
          const x = tf.tensor2d([
            [1, 2, 2, 0, 1, -0, 0, 2],
            [0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5],
            [3, -1, 3.0001, -1, 2, 7, 3, -1],
          ]);
          for (const o of [{ tau: 1 }, { tau: 0.3, descending: true }, { tau: 1, hard: true }, { tau: 2, pow: 2 }]) {
            expectParity(fn, x, o, 40 / o.tau);
          }
          x.dispose();
        });

        it("matches the reference for batch shapes and axes", () => {
          const x3 = tf.randomNormal([2, 3, 6], 0, 1, "float32", 3);
          const f1 = tf.tidy(() => arr(fn(x3, { tau: 0.7, axis: 1 }).permutation));
          const r1 = withReference(() => tf.tidy(() => arr(fn(x3, { tau: 0.7, axis: 1 }).permutation)));
          expect(maxDiff(f1, r1)).toBeLessThan(1e-5);
          expectParity(fn, x3, { tau: 0.7 }, 30);
          const x1 = tf.tensor1d([0.3, -2, 1.5, 0.9]);
          const s1 = fn(x1, 0.5).sorted;
          expect(s1.shape).toEqual([4]);
          expect(
            maxDiff(
              arr(s1),
              withReference(() => arr(fn(x1, 0.5).sorted)),
            ),
          ).toBeLessThan(1e-5);
          tf.dispose([x3, x1, s1]);
        });

        it("agrees with a float64 oracle where the float32 reference cannot (small τ, large n, wide ranges)", () => {
          const cases: [number[], number, boolean][] = [];
          let seed = 7;
          const rnd = () => {
            seed = (seed * 16807) % 2147483647;
            return seed / 2147483647 - 0.5;
          };
          cases.push([Array.from({ length: 64 }, rnd), 0.05, false]); // sharp rows
          cases.push([Array.from({ length: 40 }, () => 200 * rnd()), 0.1, true]); // exp-per-entry path (range > 300)
          cases.push([Array.from({ length: 50 }, () => 8 * rnd()), 1, false]); // entries under e^−650 re-enter
          for (const [xs, tau, descending] of cases) {
            const got = tf.tidy(() => fn(tf.tensor2d([xs]), { tau, descending }).permutation.arraySync() as number[][][])[0] as number[][];
            const want = oracle(name, Array.from(Float32Array.from(xs)), tau, descending);
            expect(maxDiff(got.flat(), want.flat())).toBeLessThan(2e-7);
          }
        });

        it("gradient agrees with finite differences", () => {
          const x = tf.tensor2d([
            [0.3, -1.2, 2.0, 0.5, 0.9],
            [1.0, 0.8, -0.4, 0.0, 0.35],
          ]);
          for (const o of [{ tau: 1 }, { tau: 2, descending: true }, { tau: 1.5, pow: 2 }]) {
            const W = tf.randomNormal([2, 5, 5], 0, 1, "float32", 9);
            const r = gradCheck((z) => tf.add(tf.sum(tf.mul(fn(z, o).permutation, W)), tf.sum(fn(z, o).sorted)), [x], {
              eps: 1e-3,
            });
            expect(r.ok, JSON.stringify(r.worst)).toBe(true);
            W.dispose();
          }
          x.dispose();
        });

        it("is leak-free (forward and gradient) and rejects bad input with RelaxError", () => {
          const x = tf.randomNormal([3, 7], 0, 1, "float32", 4);
          expect(countLeakedTensors(() => fn(x, { tau: 0.5, hard: true }))).toBe(0);
          expect(countLeakedTensors(() => tf.grad((z: tf.Tensor) => tf.sum(fn(z, 1).permutation))(x))).toBe(0);
          expect(countLeakedTensors(() => tf.grad((z: tf.Tensor) => tf.sum(fn(z, { tau: 1, hard: true }).sorted))(x))).toBe(0);
          x.dispose();
          const bad: [() => unknown, string][] = [
            [() => fn([[1, 2]], 0), "tau"],
            [() => fn([[1, 2]], { tau: Number.NaN }), "tau"],
            [() => fn(badInputs.nan() as tf.Tensor), "x"],
            [() => fn(badInputs.inf() as tf.Tensor), "x"],
            [() => fn(tf.scalar(1)), "x"],
            [() => fn([[1, 2]], { axis: 3 }), "axis"],
            [() => fn([[1, 2]], { hard: "yes" as unknown as boolean }), "hard"],
          ];
          for (const [f, argument] of bad) {
            let err: unknown;
            try {
              tf.tidy(() => {
                f();
              });
            } catch (e) {
              err = e;
            }
            expect(err, argument).toBeInstanceOf(RelaxError);
            expect((err as RelaxError).argument).toBe(argument);
          }
        });
      });
    }
});
