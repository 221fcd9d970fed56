import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import { beforeAll, describe, expect, it } from "vitest";
import { RelaxError, program } from "../src/index.js";
import { countLeakedTensors, gradCheck, maxViolation } from "../src/testing/index.js";

beforeAll(async () => {
  await tf.setBackend("cpu");
});

const counter = (settings = {}) =>
  program(settings)
    .input("x0")
    .real("x", 0)
    .real("steps", 0)
    .output("x", "steps")
    .body(($) => [$.let("x", "x0"), $.while($.lt("x", 5), [$.let("x", (s) => tf.add(s.x, 1)), $.let("steps", (s) => tf.add(s.steps, 1))])]);

describe("program: build-time errors", () => {
  const base = () => program().input("x").real("a", 0).int("n", 3).output("a");
  it("unknown variables", () => {
    expect(() => base().body(($) => [$.let("zz" as never, 1)])).toThrow(/unknown variable 'zz'/);
    expect(() => base().body(($) => [$.let("a", "zz" as never)])).toThrow(/unknown variable 'zz'/);
    expect(() => base().body(($) => [$.if($.lt("a", "zz" as never), [])])).toThrow(/unknown variable 'zz'/);
    expect(() => base().body(($) => [$.read("a", "zz" as never, [0])])).toThrow(/unknown variable 'zz'/);
    expect(() =>
      program()
        .input("x")
        .real("a", 0)
        .output("zz" as never),
    ).toThrow(/output must be a declared input or real variable/);
  });
  it("integers that would depend on values", () => {
    expect(() => base().body(($) => [$.letInt("n", "a" as never)])).toThrow(
      /integers may depend on shapes, never on values.*real variable 'a'/,
    );
    expect(() => base().body(($) => [$.read("a", "x", ["a" as never])])).toThrow(/real variable 'a'/);
    expect(() => base().body(($) => [$.for("i", "a" as never, () => [])])).toThrow(/real variable 'a'/);
    expect(() => base().body(($) => [$.letInt("a" as never, 1)])).toThrow(/letInt target must be an integer variable/);
    expect(() => base().body(($) => [$.let("n" as never, 1)])).toThrow(/assign integers with \$\.letInt/);
  });
  it("scoping, names and options", () => {
    expect(() => base().body(($) => [$.for("n", 2, () => [])])).toThrow(/for variable must be a name not already in scope/);
    expect(() => base().body(($) => [$.for("i", 2, ($) => [$.for("i", 2, () => [])])])).toThrow(/not already in scope/);
    expect(() => program().input("x").real("x", 0)).toThrow(/declared once/);
    expect(() => program().input("1x")).toThrow(/variable name must be a name matching/);
    expect(() => program({ beta: 0 })).toThrow(/beta must be a finite number > 0/);
    expect(() => program({ epsilon: 2 })).toThrow(/epsilon must be a number in \[0, 1\)/);
    expect(() => base().body(($) => [$.while($.isTrue("a"), [], { maxIter: -1 })])).toThrow(/maxIter/);
    expect(() => base().body(($) => [$.if($.lt("a", 1, { distribution: "nope" }), [])])).toThrow(/distribution must be one of/);
    expect(() => base().body(($) => [$.if($.or([$.lt("a", 1)], { tconorm: "nope" }), [])])).toThrow(/tconorm must be one of/);
    expect(() => base().body(() => [{ kind: "let" } as never])).toThrow(/must be a statement built with the \$ helpers/);
    expect(() => base().body(($) => [$.if({} as never, [])])).toThrow(/must be a condition built with the \$ helpers/);
    expect(() =>
      program()
        .real("a", 0)
        .output("a")
        .body(() => []),
    ).toThrow(/at least one input/);
  });
  it("shape mismatches are found at build time when input shapes are declared", () => {
    const bad = () =>
      program()
        .input("x", [3])
        .real("a", [0, 0])
        .output("a")
        .body(($) => [
          $.if(
            $.lt((s) => tf.sum(s.x, 1), 0),
            [$.let("a", (s) => s.x)],
            [$.let("a", 0)],
          ),
        ]);
    expect(bad).toThrow(/value of 'a' must be shape \[1, 2\], got \[1, 3\]/);
    expect(() =>
      program()
        .input("x", [3])
        .real("a", 0)
        .output("a")
        .body(($) => [$.read("a", "x", [5])]),
    ).toThrow(/index 0 of 'x' must be an index in \[-3, 3\)/);
  });
});

describe("program: run-time behaviour", () => {
  it("run-time input errors name the input", () => {
    const p = counter();
    expect(() => p.run({} as never)).toThrow(/input 'x0' must be given/);
    expect(() => p.run({ x0: [NaN] })).toThrow(/input 'x0' must be finite/);
    const two = program()
      .input("a")
      .input("b")
      .real("y", 0)
      .output("y")
      .body(($) => [$.let("y", "a")]);
    expect(() => two.run({ a: [1, 2], b: [1] })).toThrow(/input 'b' must be batch size 2/);
    const pr = program()
      .input("a")
      .real("y", 0)
      .output("y")
      .body(($) => [$.if($.isTrue("a"), [$.let("y", 1)])]);
    expect(() => pr.run({ a: [2] })).toThrow(/isTrue operand must be a probability in \[0, 1\]/);
    const s = program()
      .input("a")
      .real("y", 0)
      .output("y")
      .body(($) => [$.let("y", (v) => (v as unknown as Record<string, tf.Tensor>).nope!)]);
    expect(() => s.run({ a: [1] })).toThrow(RelaxError);
  });

  it("an integer changed in only one branch is an error", () => {
    const p = program()
      .input("a")
      .int("n", 0)
      .real("y", 0)
      .output("y")
      .body(($) => [$.if($.lt("a", 0), [$.letInt("n", 1)])]);
    expect(() => p.run({ a: [1, -1] })).toThrow(/integer 'n' must be equal in both branches/);
  });

  it("settings override per run and per statement", () => {
    const a = counter()
      .run({ x0: [0] }, { beta: 4 })
      .x.dataSync()[0]!;
    const b = counter({ beta: 4 })
      .run({ x0: [0] })
      .x.dataSync()[0]!;
    expect(a).toBeCloseTo(b, 6);
    const local = program({ beta: 1 })
      .input("a")
      .real("y", 0)
      .output("y")
      .body(($) => [$.let("y", $.lt("a", 0, { beta: 4 }))]);
    expect(local.run({ a: [1] }).y.dataSync()[0]).toBeCloseTo(1 / (1 + Math.exp(4)), 6);
  });

  it("and / or with t-norms of choice, not, eq / ne, distributions", () => {
    const p = (cond: "and" | "or", tconorm?: string) =>
      program({ beta: 1 })
        .input("a")
        .input("b")
        .real("y", 0)
        .output("y")
        .body(($) => [$.let("y", $[cond]([$.lt("a", 0), $.not($.lt("b", 0))], { tconorm }))]);
    const s = (z: number) => 1 / (1 + Math.exp(-z));
    const [pa, pb] = [s(-0.5), 1 - s(-1)];
    expect(
      p("and")
        .run({ a: [0.5], b: [1] })
        .y.dataSync()[0],
    ).toBeCloseTo(pa * pb, 6);
    expect(
      p("or")
        .run({ a: [0.5], b: [1] })
        .y.dataSync()[0],
    ).toBeCloseTo(pa + pb - pa * pb, 6);
    expect(
      p("or", "max")
        .run({ a: [0.5], b: [1] })
        .y.dataSync()[0],
    ).toBeCloseTo(Math.max(pa, pb), 6);
    expect(
      p("and", "max")
        .run({ a: [0.5], b: [1] })
        .y.dataSync()[0],
    ).toBeCloseTo(Math.min(pa, pb), 6);
    const c = program({ beta: 2, distribution: "cauchy" })
      .input("a")
      .real("y", 0)
      .output("y")
      .body(($) => [$.let("y", $.lt("a", 0))]);
    expect(c.run({ a: [1] }).y.dataSync()[0]).toBeCloseTo(0.5 + Math.atan(-2) / Math.PI, 5);
    const e = program({ beta: 2, distribution: "gaussian" })
      .input("a")
      .real("y", 0)
      .output("y")
      .body(($) => [$.let("y", $.eq("a", 0))]);
    expect(e.run({ a: [1] }).y.dataSync()[0]).toBeCloseTo(Math.exp(-2), 5);
  });

  it("indexed reads and writes on 2-D variables, tuple assignment, relaxed write lambdas", () => {
    const p = program()
      .input("m")
      .real("row", [0, 0, 0])
      .real("v", 0)
      .real("u", 0)
      .output("m", "row", "v", "u")
      .body(($) => [
        $.read("row", "m", [1]),
        $.read("v", "m", [-1, 0]),
        $.write("m", [0, 2], 7),
        $.write("m", [1], (s) => tf.mul(s.row, 2)),
        $.letMany(["v", "u"], (s) => [tf.add(s.v, 1), tf.sum(s.row, 1)]),
        $.writeRelaxed(
          "m",
          () =>
            tf.tensor([
              [
                [0, 0, 0],
                [0, 0, 0.5],
              ],
            ]),
          -1,
        ),
      ]);
    const out = p.run({
      m: [
        [
          [1, 2, 3],
          [4, 5, 6],
        ],
      ],
    });
    expect(out.m.arraySync()).toEqual([
      [
        [1, 2, 7],
        [8, 10, 5.5],
      ],
    ]);
    expect(out.row.arraySync()).toEqual([[4, 5, 6]]);
    expect(out.v.arraySync()).toEqual([5]);
    expect(out.u.arraySync()).toEqual([15]);
  });

  it("while: expectation over the stopping time, maxIter, statistics", () => {
    const p = counter({ beta: 1.25 });
    const x = p.run({ x0: [0] }).x.dataSync()[0]!;
    expect(x).toBeCloseTo(4.98039, 3);
    expect(p.lastStats.whileIterations).toBeGreaterThan(5);
    const capped = counter({ beta: 1.25, maxIter: 2 })
      .run({ x0: [0] })
      .x.dataSync()[0]!;
    expect(capped).toBeLessThan(2.01);
    expect(
      counter({ beta: 1.25, maxIter: 0 })
        .run({ x0: [0] })
        .x.dataSync()[0],
    ).toBeCloseTo(0, 6);
  });

  it("epsilonScope 'row' gives each row its single-row result (while and if)", () => {
    const xs = [0, 2.5, 4.6, 7];
    const batched = counter({ beta: 4, epsilonScope: "row" }).run({ x0: xs });
    xs.forEach((x0, i) => {
      const alone = counter({ beta: 4, epsilonScope: "row" }).run({ x0: [x0] });
      expect(Math.abs(batched.x.dataSync()[i]! - alone.x.dataSync()[0]!)).toBeLessThan(1e-6);
    });
  });

  it("hard mode merges by 1[p > 0.5]; straight-through keeps the soft gradient", () => {
    const mk = (s: object) =>
      program({ beta: 1, ...s })
        .input("a")
        .real("y", 0)
        .output("y")
        .body(($) => [$.if($.lt("a", 0), [$.let("y", (v) => tf.mul(v.a, 2))], [$.let("y", (v) => tf.mul(v.a, 3))])]);
    expect(
      mk({ hard: true })
        .run({ a: [-1, 1] })
        .y.arraySync(),
    ).toEqual([-2, 3]);
    const g = tf
      .grad((a: tf.Tensor) => tf.sum(mk({ hard: true, straightThrough: true }).run({ a }).y))(tf.tensor1d([0.2]))
      .dataSync()[0]!;
    const s = 1 / (1 + Math.exp(0.2));
    // d/da [q·2a + (1−q)·3a] with q = 0 forward and dq/da = −σ'(−a)
    expect(g).toBeCloseTo(3 + (2 * 0.2 - 3 * 0.2) * -s * (1 - s), 4);
  });

  it("gradients of a program match finite differences", () => {
    const p = counter({ beta: 2 });
    const r = gradCheck(
      (x) => {
        const o = p.run({ x0: x });
        return tf.add(tf.sum(o.x), tf.sum(o.steps));
      },
      [tf.tensor1d([0.3, 3.7])],
      { eps: 1e-3 },
    );
    expect(r.ok, JSON.stringify(r.worst)).toBe(true);
  });

  it("is leak-free, including unrolled for loops and while loops, forward and backward", () => {
    const p = program({ beta: 3 })
      .input("x")
      .real("acc", 0)
      .output("acc")
      .body(($) => [
        $.for(
          "i",
          (_s, ctx) => ctx.shape("x")[1] as number,
          ($) => [
            $.if(
              $.gt((s) => tf.reshape(tf.slice(s.x, [0, s.i], [-1, 1]), [-1]), 0),
              [$.let("acc", (s) => tf.add(s.acc, 1))],
            ),
          ],
        ),
        $.while($.lt("acc", 6), [$.let("acc", (s) => tf.add(s.acc, 0.5))]),
      ]);
    const x = tf.tensor2d([
      [0.1, -0.2, 0.3],
      [1, 2, -3],
    ]);
    expect(countLeakedTensors(() => p.run({ x }))).toBe(0);
    expect(countLeakedTensors(() => tf.grad((t: tf.Tensor) => tf.sum(p.run({ x: t }).acc))(x))).toBe(0);
    const before = tf.memory().numTensors;
    tf.dispose(Object.values(p.run({ x })));
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
    expect(maxViolation(1, 1)).toBe(0);
  });
});

describe("program: merges of several variables of the same rank", () => {
  it("an if assigning two [B, n] variables merges both", () => {
    const p = program({ beta: 1 })
      .input("a")
      .real("u", [0, 0])
      .real("v", [0, 0])
      .output("u", "v")
      .body(($) => [$.if($.lt("a", 0), [$.let("u", 1), $.let("v", 2)])]);
    const s = 1 / (1 + Math.exp(1));
    const out = p.run({ a: [1] });
    expect(maxViolation(out.u.arraySync(), [[s, s]], 1e-5, 1e-6)).toBe(0);
    expect(maxViolation(out.v.arraySync(), [[2 * s, 2 * s]], 1e-5, 1e-6)).toBe(0);
  });
});

describe("program: steepness is the one name of β (beta is its deprecated spelling)", () => {
  const cmp = (opts: object) =>
    program()
      .input("x0")
      .real("x", 0)
      .real("y", 0)
      .output("x", "y")
      .body(($) => [
        $.let("x", "x0"),
        $.if($.lt("x", 0.5, opts), [$.let("x", (s) => tf.add(s.x, 1))]),
        $.let("y", (s, ctx) => ctx.min(s.x, tf.mul(tf.onesLike(s.x), ctx.steepness / 10)), opts),
      ]);
  const runOf = (p: ReturnType<typeof cmp>, settings = {}) => {
    const r = p.run({ x0: tf.tensor1d([0.2, 0.45, 0.8]) }, settings);
    return [Array.from(r.x.dataSync()), Array.from(r.y.dataSync())];
  };
  it("settings, condition and statement options: steepness and beta give the same numbers", () => {
    expect(runOf(cmp({ steepness: 3 }))).toEqual(runOf(cmp({ beta: 3 })));
    expect(runOf(cmp({}), { steepness: 3 })).toEqual(runOf(cmp({}), { beta: 3 }));
    expect(runOf(cmp({}), { steepness: 3 })).not.toEqual(runOf(cmp({})));
    const viaProgram = (s: object) => {
      const r = counter(s).run({ x0: tf.tensor1d([0.3, 4.7]) });
      return Array.from(r.steps.dataSync());
    };
    expect(viaProgram({ steepness: 2 })).toEqual(viaProgram({ beta: 2 }));
  });
  it("both at once, or a bad value under either name, is a RelaxError naming it", () => {
    expect(() => program({ steepness: 2, beta: 2 })).toThrow(/steepness must be given once/);
    expect(() => program({ steepness: 0 })).toThrow(/steepness must be a finite number > 0/);
    expect(() => cmp({ steepness: 1, beta: 1 })).toThrow(/steepness must be given once/);
    expect(() => cmp({ steepness: -1 })).toThrow(RelaxError);
  });
});
