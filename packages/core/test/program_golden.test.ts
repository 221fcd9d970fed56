import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import { beforeAll, describe, expect, it } from "vitest";
import { bubbleSort, program } from "../src/index.js";
import { loadGolden, maxViolation } from "../src/testing/index.js";
import type { ConditionsMinMaxGolden } from "./golden_types.js";

const RTOL = 1e-4;
const ATOL = 1e-5;

beforeAll(async () => {
  await tf.setBackend("cpu");
});

describe("golden: conditions_minmax.json", () => {
  const g = loadGolden<ConditionsMinMaxGolden>("algo/conditions_minmax.json");
  const ops = { LT: "lt", LEq: "le", GT: "gt", GEq: "ge", Eq: "eq", NEq: "ne" } as const;
  for (const c of g.cases) {
    for (const [name, op] of Object.entries(ops)) {
      it(`${name} at beta=${c.beta}: probability and gradients`, () => {
        const prog = program({ beta: c.beta })
          .input("a")
          .input("b")
          .real("p", 0)
          .output("p")
          .body(($) => [$.let("p", $[op]("a", "b"))]);
        const f = (a: tf.Tensor, b: tf.Tensor) => tf.sum(prog.run({ a, b }).p);
        const a = tf.tensor1d(g.a);
        const b = tf.tensor1d(g.b);
        const p = prog.run({ a, b }).p.arraySync();
        const [ga, gb] = tf.grads(f)([a, b]);
        const want = c[name as keyof typeof ops];
        expect(maxViolation(p, want.p, RTOL, ATOL)).toBe(0);
        expect(maxViolation(ga!.arraySync(), want.grad_a, RTOL, ATOL)).toBe(0);
        expect(maxViolation(gb!.arraySync(), want.grad_b, RTOL, ATOL)).toBe(0);
      });
    }
  }
  for (const c of g.vec_cases) {
    for (const kind of ["CatProbEq", "CosineSimilarity"] as const) {
      it(`${kind} at beta=${c.beta}`, () => {
        const prog = program({ beta: c.beta })
          .input("u")
          .input("v")
          .real("p", 0)
          .output("p")
          .body(($) => [$.let("p", kind === "CatProbEq" ? $.catProbEq("u", "v") : $.cosineSimilarity("u", "v"))]);
        const u = tf.tensor2d(g.vec_u);
        const v = tf.tensor2d(g.vec_v);
        expect(maxViolation(prog.run({ u, v }).p.arraySync(), c[kind], RTOL, ATOL)).toBe(0);
        const gu = tf.grad((t: tf.Tensor) => tf.sum(prog.run({ u: t, v }).p))(u);
        expect(maxViolation(gu.arraySync(), c[`${kind}_grad_u`], RTOL, 1e-4)).toBe(0);
      });
    }
  }
  for (const c of g.minmax_cases) {
    for (const kind of ["Min", "ArgMin", "Max", "ArgMax"] as const) {
      it(`${kind} at beta=${c.beta}: value and gradients`, () => {
        const isArg = kind.startsWith("Arg");
        const fnName = ({ Min: "min", ArgMin: "argmin", Max: "max", ArgMax: "argmax" } as const)[kind];
        const prog = program({ beta: c.beta })
          .input("x0")
          .input("x1")
          .input("x2")
          .real("out", isArg ? [0, 0, 0] : 0)
          .output("out")
          .body(($) => [$.let("out", (s, ctx) => ctx[fnName](s.x0, s.x1, s.x2))]);
        const xs = g.minmax_inputs.map((r) => tf.tensor1d(r));
        const want = c[kind];
        const out = prog.run({ x0: xs[0]!, x1: xs[1]!, x2: xs[2]! }).out;
        expect(maxViolation(out.arraySync(), want.out, RTOL, ATOL)).toBe(0);
        const W = tf.tensor(want.W as number[]);
        const grads = tf.grads((a: tf.Tensor, b: tf.Tensor, d: tf.Tensor) => tf.sum(tf.mul(prog.run({ x0: a, x1: b, x2: d }).out, W)))(xs);
        expect(
          maxViolation(
            grads.map((t) => t.arraySync()),
            want.grads,
            RTOL,
            ATOL,
          ),
        ).toBe(0);
      });
    }
  }
});

interface BubbleCase {
  beta: number;
  hard: boolean;
  input: number[];
  sorted: number[];
  loss_sum: number;
  W: number[];
  grad_input_of_sum_sorted_times_W_plus_loss: number[];
  grad_input_of_loss: number[];
}
interface Bubble {
  cases: BubbleCase[];
  batched: {
    beta: number;
    input: number[][];
    sorted: number[][];
    loss_sum: number[];
    W: number[][];
    grad_input_of_sum_sorted_times_W_plus_loss: number[][];
  };
}

describe("golden: bubble_sort.json", () => {
  const g = loadGolden<Bubble>("algo/bubble_sort.json");
  for (const c of g.cases) {
    it(`beta=${c.beta} hard=${c.hard} n=${c.input.length}`, () => {
      const x = tf.tensor2d([c.input]);
      const opts = { beta: c.beta, hard: c.hard };
      const { sorted, swaps } = bubbleSort(x, opts);
      expect(maxViolation(sorted.arraySync(), [c.sorted], RTOL, ATOL)).toBe(0);
      expect(maxViolation(swaps.arraySync(), [c.loss_sum], RTOL, ATOL)).toBe(0);
      const W = tf.tensor2d([c.W]);
      const g1 = tf.grad((t: tf.Tensor) => {
        const r = bubbleSort(t, opts);
        return tf.add(tf.sum(tf.mul(r.sorted, W)), tf.sum(r.swaps));
      })(x);
      expect(maxViolation(g1.arraySync(), [c.grad_input_of_sum_sorted_times_W_plus_loss], RTOL, 1e-4)).toBe(0);
      // (+ 0·Σt: in hard mode the loss does not depend on x at all, and tf.grad would throw instead of returning 0)
      const g2 = tf.grad((t: tf.Tensor) => tf.add(tf.sum(bubbleSort(t, opts).swaps), tf.mul(0, tf.sum(t))))(x);
      expect(maxViolation(g2.arraySync(), [c.grad_input_of_loss], RTOL, 1e-4)).toBe(0);
    });
  }
  it("batched run (batch-wide epsilon coupling)", () => {
    const b = g.batched;
    const x = tf.tensor2d(b.input);
    const { sorted, swaps } = bubbleSort(x, { beta: b.beta });
    expect(maxViolation(sorted.arraySync(), b.sorted, RTOL, ATOL)).toBe(0);
    expect(maxViolation(swaps.arraySync(), b.loss_sum, RTOL, ATOL)).toBe(0);
    const W = tf.tensor2d(b.W);
    const gr = tf.grad((t: tf.Tensor) => {
      const r = bubbleSort(t, { beta: b.beta });
      return tf.add(tf.sum(tf.mul(r.sorted, W)), tf.sum(r.swaps));
    })(x);
    expect(maxViolation(gr.arraySync(), b.grad_input_of_sum_sorted_times_W_plus_loss, RTOL, 1e-4)).toBe(0);
  });
});

interface WhileIf {
  while_cases: { beta: number; x0: number[]; x: number[]; steps: number[]; grad_x0_of_sum_x_plus_half_steps: number[] }[];
  if_cases: { beta: number; a: number[]; b: number[]; y: number[]; grad_a: number[]; grad_b: number[] }[];
}

describe("golden: while_if.json", () => {
  const g = loadGolden<WhileIf>("algo/while_if.json");
  for (const c of g.while_cases) {
    it(`while x < 5: x += 1 at beta=${c.beta}`, () => {
      const prog = program({ beta: c.beta })
        .input("x0")
        .real("x", 0)
        .real("steps", 0)
        .output("x", "steps")
        .body(($) => [
          $.let("x", "x0"),
          $.while($.lt("x", 5), [$.let("x", (s) => tf.add(s.x, 1)), $.let("steps", (s) => tf.add(s.steps, 1))]),
        ]);
      const x0 = tf.tensor1d(c.x0);
      const out = prog.run({ x0 });
      expect(maxViolation(out.x.arraySync(), c.x, RTOL, ATOL)).toBe(0);
      expect(maxViolation(out.steps.arraySync(), c.steps, RTOL, ATOL)).toBe(0);
      const gx = tf.grad((t: tf.Tensor) => {
        const o = prog.run({ x0: t });
        return tf.add(tf.sum(o.x), tf.mul(0.5, tf.sum(o.steps)));
      })(x0);
      expect(maxViolation(gx.arraySync(), c.grad_x0_of_sum_x_plus_half_steps, RTOL, 1e-4)).toBe(0);
    });
  }
  for (const c of g.if_cases) {
    it(`if a < b: y = ab + 1 else y = a² at beta=${c.beta}`, () => {
      const prog = program({ beta: c.beta })
        .input("a")
        .input("b")
        .real("y", 0)
        .output("y")
        .body(($) => [$.if($.lt("a", "b"), [$.let("y", (s) => tf.add(tf.mul(s.a, s.b), 1))], [$.let("y", (s) => tf.square(s.a))])]);
      const a = tf.tensor1d(c.a);
      const b = tf.tensor1d(c.b);
      expect(maxViolation(prog.run({ a, b }).y.arraySync(), c.y, RTOL, ATOL)).toBe(0);
      const [ga, gb] = tf.grads((s: tf.Tensor, t: tf.Tensor) => tf.sum(prog.run({ a: s, b: t }).y))([a, b]);
      expect(maxViolation(ga!.arraySync(), c.grad_a, RTOL, 1e-4)).toBe(0);
      expect(maxViolation(gb!.arraySync(), c.grad_b, RTOL, 1e-4)).toBe(0);
    });
  }
});

describe("golden: relaxed_write.json", () => {
  const g = loadGolden<{
    array: number[][];
    weights: number[][];
    value: number;
    out: number[][];
    W: number[][];
    grad_array: number[][];
    grad_weights: number[][];
  }>("algo/relaxed_write.json");
  it("array = w·v + (1−w)·array", () => {
    const prog = program()
      .input("array")
      .input("w")
      .real("v", g.value)
      .output("array")
      .body(($) => [$.writeRelaxed("array", "w", "v")]);
    const arr = tf.tensor2d(g.array);
    const w = tf.tensor2d(g.weights);
    expect(maxViolation(prog.run({ array: arr, w }).array.arraySync(), g.out, RTOL, ATOL)).toBe(0);
    const W = tf.tensor2d(g.W);
    const [gArr, gW] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(prog.run({ array: a, w: b }).array, W)))([arr, w]);
    expect(maxViolation(gArr!.arraySync(), g.grad_array, RTOL, ATOL)).toBe(0);
    expect(maxViolation(gW!.arraySync(), g.grad_weights, RTOL, ATOL)).toBe(0);
  });
});
