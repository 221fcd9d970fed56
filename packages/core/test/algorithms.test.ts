import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { RelaxError, argminSearch, bubbleSort, editDistance, program, top1 } from "../src/index.js";
import { countLeakedTensors, gradCheck, maxViolation } from "../src/testing/index.js";

beforeAll(async () => {
  await tf.setBackend("cpu");
});

function levenshtein(a: number[], b: number[]): number {
  const D = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const row = D[i] as number[];
      const up = D[i - 1] as number[];
      row[j] = Math.min((up[j] as number) + 1, (row[j - 1] as number) + 1, (up[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
  }
  return (D[a.length] as number[])[b.length] as number;
}

function inversions(x: number[]): number {
  let c = 0;
  for (let i = 0; i < x.length; i++) for (let j = i + 1; j < x.length; j++) if ((x[i] as number) > (x[j] as number)) c++;
  return c;
}

const rows = [
  [0.5, -0.2, 1.3, 0.9, -1.1, 2.2],
  [3, 1, 2, 0, -1, 5],
  [-1, 0, 1, 2, 3, 4],
];

describe("bubbleSort", () => {
  it("converges to the exact sort and inversion count as beta grows", () => {
    const exact = rows.map((r) => [...r].sort((a, b) => a - b));
    const errs = [1, 10, 100].map((beta) => maxViolation(bubbleSort(rows, { beta }).sorted.arraySync(), exact, 0, 0));
    expect(errs[2]!).toBeLessThan(1e-3);
    expect(errs[2]!).toBeLessThan(errs[1]!);
    expect(errs[1]!).toBeLessThan(errs[0]!);
    expect(maxViolation(bubbleSort(rows, { beta: 100 }).swaps.arraySync(), rows.map(inversions), 0, 1e-3)).toBe(0);
    // hard mode is exact at any beta
    expect(maxViolation(bubbleSort(rows, { beta: 1, hard: true }).sorted.arraySync(), exact, 0, 1e-6)).toBe(0);
  });

  it("property: hard mode sorts exactly and counts the inversions (any input)", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -50, max: 50 }), { minLength: 1, maxLength: 6 }), (ints) => {
        const xs = ints.map((v, i) => v + i * 1e-3); // distinct values
        const r = bubbleSort([xs], { beta: 10, hard: true });
        const sorted = [...xs].sort((a, b) => a - b);
        return (
          maxViolation(r.sorted.arraySync(), [sorted], 0, 1e-4) === 0 && Math.abs((r.swaps.dataSync()[0] as number) - inversions(xs)) < 1e-4
        );
      }),
      { numRuns: 25 },
    );
  });

  it("gradient matches finite differences", () => {
    const x = tf.tensor2d([[0.5, -0.2, 1.3, 0.9]]);
    const W = tf.tensor2d([[1, 2, 3, 4]]);
    const r = gradCheck(
      (t) => {
        const o = bubbleSort(t, { beta: 2 });
        return tf.add(tf.sum(tf.mul(o.sorted, W)), tf.sum(o.swaps));
      },
      [x],
      { eps: 1e-3 },
    );
    expect(r.ok, JSON.stringify(r.worst)).toBe(true);
  });

  it("straight-through hard mode: exact forward, soft gradient", () => {
    const x = tf.tensor2d([[2, 1, 3]]);
    const f = (t: tf.Tensor) => tf.sum(bubbleSort(t, { beta: 2, hard: true, straightThrough: true }).swaps);
    expect(bubbleSort(x, { hard: true, straightThrough: true }).swaps.arraySync()[0]).toBeCloseTo(1, 6);
    const g = tf.grad(f)(x).dataSync();
    expect(Math.max(...Array.from(g).map(Math.abs))).toBeGreaterThan(1e-3);
  });

  it("epsilonScope 'row' makes every row independent of the batch", () => {
    const batched = bubbleSort(rows, { beta: 5, epsilonScope: "row" }).sorted.arraySync();
    rows.forEach((r, i) => {
      const alone = bubbleSort([r], { beta: 5, epsilonScope: "row" }).sorted.arraySync()[0];
      expect(maxViolation(batched[i], alone, 0, 1e-6)).toBe(0);
    });
  });

  it("is leak-free (forward and gradient)", () => {
    const x = tf.tensor2d(rows);
    expect(countLeakedTensors(() => bubbleSort(x, { beta: 5 }))).toBe(0);
    expect(countLeakedTensors(() => tf.grad((t: tf.Tensor) => tf.sum(bubbleSort(t, { beta: 5 }).sorted))(x))).toBe(0);
    x.dispose();
  });

  it("rejects bad input with RelaxError", () => {
    expect(() => bubbleSort(tf.zeros([2, 2, 2]))).toThrow(/x must be \[batch, n\], got \[2, 2, 2\]/);
    expect(() => bubbleSort([[1, NaN]])).toThrow(/x must be finite/);
    expect(() => bubbleSort([[1, 2]], { beta: -1 })).toThrow(/beta must be a finite number > 0/);
    expect(() => bubbleSort([[1, 2]], { epsilonScope: "x" as never })).toThrow(/epsilonScope must be one of/);
    expect(() => bubbleSort([[1, 2]], { distribution: "nope" })).toThrow(/distribution must be one of/);
    expect(() => bubbleSort([[1, 2]], { foo: 1 } as never)).toThrow(RelaxError);
  });
});

/** The docs example: edit distance written by a user with the DSL (for loops, relaxed reads in lambdas, Min(β)). */
function editDistanceProgram(La: number, Lb: number, beta: number) {
  return program({ beta })
    .input("a")
    .input("b")
    .real("D", () =>
      tf.tensor2d(Array.from({ length: La + 1 }, (_, i) => Array.from({ length: Lb + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)))),
    )
    .output("D")
    .body(($) => [
      $.for("i", La, ($) => [
        $.for("j", Lb, ($) => [
          $.write("D", [(s) => s.i + 1, (s) => s.j + 1], (s, ctx) => {
            const at = (i: number, j: number) => tf.reshape(tf.slice(s.D, [0, i, j], [-1, 1, 1]), [-1]);
            const ai = tf.reshape(tf.slice(s.a, [0, s.i, 0], [-1, 1, -1]), [ctx.batch, -1]);
            const bj = tf.reshape(tf.slice(s.b, [0, s.j, 0], [-1, 1, -1]), [ctx.batch, -1]);
            const sub = tf.sub(1, tf.sum(tf.mul(ai, bj), -1));
            return ctx.min(tf.add(at(s.i, s.j + 1), 1), tf.add(at(s.i + 1, s.j), 1), tf.add(at(s.i, s.j), sub));
          }),
        ]),
      ]),
    ]);
}

describe("editDistance", () => {
  const strings: [number[], number[]][] = [
    [
      [0, 1, 2, 3],
      [0, 2, 3],
    ],
    [
      [1, 1, 2, 0],
      [2, 1, 0],
    ],
    [
      [3, 2, 1, 0],
      [0, 1, 2],
    ],
  ];
  const A = 4;
  const oh = (xs: number[][]) => tf.cast(tf.oneHot(tf.tensor2d(xs, undefined, "int32"), A), "float32");

  it("converges to the exact Levenshtein distance as beta grows", () => {
    const a = oh(strings.map((s) => s[0]));
    const b = oh(strings.map((s) => s[1]));
    const exact = strings.map(([x, y]) => levenshtein(x, y));
    const errs = [1, 5, 50].map((beta) => maxViolation(editDistance(a, b, { beta }).arraySync(), exact, 0, 0));
    expect(errs[2]!).toBeLessThan(1e-3);
    expect(errs[2]!).toBeLessThan(errs[0]!);
    expect(maxViolation(editDistance(a, b, { beta: 50, substitution: "catProbEq" }).arraySync(), exact, 0, 1e-3)).toBe(0);
  });

  it("equals the same algorithm written with the program DSL", () => {
    const a = tf.softmax(tf.randomNormal([2, 3, A], 0, 2, "float32", 1));
    const b = tf.softmax(tf.randomNormal([2, 4, A], 0, 2, "float32", 2));
    const D = editDistanceProgram(3, 4, 3).run({ a, b }).D;
    const dsl = tf.reshape(tf.slice(D, [0, 3, 4], [-1, 1, 1]), [-1]);
    expect(maxViolation(editDistance(a, b, { beta: 3 }).arraySync(), dsl.arraySync(), 1e-5, 1e-5)).toBe(0);
  });

  it("gradient matches finite differences", () => {
    const a = tf.softmax(tf.randomNormal([2, 3, A], 0, 1, "float32", 3));
    const b = tf.softmax(tf.randomNormal([2, 2, A], 0, 1, "float32", 4));
    const r = gradCheck((x, y) => editDistance(x, y, { beta: 2 }), [a, b], { eps: 1e-3 });
    expect(r.ok, JSON.stringify(r.worst)).toBe(true);
  });

  it("is leak-free", () => {
    const a = oh([[0, 1, 2]]);
    const b = oh([[2, 1]]);
    expect(countLeakedTensors(() => editDistance(a, b))).toBe(0);
    expect(countLeakedTensors(() => tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(editDistance(x, y)))([a, b]))).toBe(0);
    tf.dispose([a, b]);
  });

  it("rejects bad input with RelaxError", () => {
    const a = oh([[0, 1]]);
    expect(() => editDistance(tf.zeros([2, 2]), a)).toThrow(/a must be \[batch, La, alphabet\]/);
    expect(() => editDistance(a, tf.zeros([1, 2, 3]))).toThrow(/b must be \[1, Lb, 4\]/);
    expect(() => editDistance(a, tf.fill([1, 2, 4], NaN))).toThrow(/b must be finite/);
    expect(() => editDistance(a, a, { beta: 0 })).toThrow(/beta/);
    expect(() => editDistance(a, a, { substitution: "x" as never })).toThrow(/substitution must be one of/);
    expect(() => editDistance(a, a, { insertCost: -1 })).toThrow(/insertCost/);
  });
});

describe("argminSearch / top1", () => {
  const x = [
    [0.3, -1, 2, 0.1],
    [1, 0.5, 0.7, 3],
  ];
  it("converge to the exact argmin / argmax as beta grows", () => {
    const minOH = [
      [0, 1, 0, 0],
      [0, 1, 0, 0],
    ];
    const maxOH = [
      [0, 0, 1, 0],
      [0, 0, 0, 1],
    ];
    const errs = [1, 10, 100].map((beta) => maxViolation(argminSearch(x, { beta }).weights.arraySync(), minOH, 0, 0));
    expect(errs[2]!).toBeLessThan(1e-6);
    expect(errs[1]!).toBeLessThan(errs[0]!);
    const t = top1(x, { beta: 100 });
    expect(maxViolation(t.weights.arraySync(), maxOH, 0, 1e-6)).toBe(0);
    expect(maxViolation(t.value.arraySync(), [2, 3], 0, 1e-5)).toBe(0);
    expect(maxViolation(argminSearch(x, { beta: 100 }).value.arraySync(), [-1, 0.5], 0, 1e-5)).toBe(0);
  });

  it("weights sum to 1 and gradients match finite differences", () => {
    const xt = tf.tensor2d(x);
    const s = tf.sum(argminSearch(xt, { beta: 2 }).weights, 1).arraySync();
    expect(maxViolation(s, [1, 1], 0, 1e-6)).toBe(0);
    const W = tf.tensor2d([
      [1, 2, 3, 4],
      [4, 3, 2, 1],
    ]);
    const r = gradCheck(
      (t) => {
        const o = top1(t, { beta: 2 });
        return tf.add(tf.sum(tf.mul(o.weights, W)), tf.sum(o.value));
      },
      [xt],
      { eps: 1e-3 },
    );
    expect(r.ok, JSON.stringify(r.worst)).toBe(true);
  });

  it("is leak-free and rejects bad input", () => {
    const xt = tf.tensor2d(x);
    expect(countLeakedTensors(() => argminSearch(xt))).toBe(0);
    expect(countLeakedTensors(() => tf.grad((t: tf.Tensor) => tf.sum(top1(t).value))(xt))).toBe(0);
    xt.dispose();
    expect(() => argminSearch(tf.zeros([3]))).toThrow(/x must be \[batch, n\]/);
    expect(() => top1([[1, Infinity]])).toThrow(/x must be finite/);
    expect(() => top1([[1, 2]], { beta: NaN })).toThrow(RelaxError);
  });
});
