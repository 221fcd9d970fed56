import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import { beforeAll, describe, expect, it } from "vitest";
import { allFiniteValues } from "../src/internal.js";
import {
  MAX_ITERATIONS,
  MAX_NETWORK_WIRES,
  RelaxError,
  bitonicNetwork,
  bubbleSort,
  catProbEq,
  editDistance,
  getNetwork,
  hasFusedKernel,
  oddEvenNetwork,
  program,
  relaxedLess,
  relaxedSwap,
  relaxedSwapLayer,
  setForceReference,
  shortestPath,
  softArgMax,
  softArgMin,
  softMax,
  softMin,
  splitterSelectionNetwork,
  stopGradient,
  top1,
} from "../src/index.js";

/** The RelaxError `fn` throws (fails the test if it throws anything else or nothing). */
function relaxError(fn: () => unknown): RelaxError {
  try {
    tf.dispose(fn() as tf.Tensor);
  } catch (e) {
    expect(e).toBeInstanceOf(RelaxError);
    return e as RelaxError;
  }
  throw new Error("expected a RelaxError, but the call returned");
}

beforeAll(async () => {
  await tf.setBackend("cpu");
});

describe("misspelled options name the op, the key and the nearest valid name", () => {
  const x = [[3, 1, 2]];
  const cases: [string, () => unknown, string, string][] = [
    ["relaxedSwapLayer", () => relaxedSwapLayer(x, { lo: [0], hi: [1] }, { steepnes: 0 } as never), "options.steepnes", "steepness"],
    ["relaxedSwap", () => relaxedSwap([1], [2], { artlambda: 0.1 } as never), "options.artlambda", "artLambda"],
    ["relaxedLess", () => relaxedLess([1], [2], { distributon: "cauchy" } as never), "options.distributon", "distribution"],
    ["catProbEq", () => catProbEq([[1, 0]], [[0, 1]], { bta: 2 } as never), "options.bta", "beta"],
    ["softMin", () => softMin(x, { axsi: 0 } as never), "options.axsi", "axis"],
    ["bubbleSort", () => bubbleSort(x, { maxiter: 3 } as never), "options.maxiter", "maxIter"],
    ["top1", () => top1(x, { hrad: true } as never), "options.hrad", "hard"],
    ["shortestPath", () => shortestPath([[[1, 2]]], { iteration: 3 } as never), "options.iteration", "iterations"],
    ["editDistance", () => editDistance([[[1, 0]]], [[[1, 0]]], { insertcost: 2 } as never), "options.insertcost", "insertCost"],
    ["program", () => program({ epsilom: 0.1 } as never), "program options.epsilom", "epsilon"],
  ];
  for (const [op, call, argument, near] of cases) {
    it(`${op}: ${argument} → did you mean "${near}"?`, () => {
      const e = relaxError(call);
      expect(e.op).toBe(op);
      expect(e.argument).toBe(argument);
      expect(e.message).toContain(`did you mean "${near}"?`);
    });
  }

  it("program DSL: condition, let, and/or options and run inputs", () => {
    const base = () => program().input("x").real("y", 0).output("y");
    expect(relaxError(() => base().body(($) => [$.if($.lt("x", 1, { bta: 2 } as never), [])])).message).toContain('did you mean "beta"?');
    expect(relaxError(() => base().body(($) => [$.let("y", "x", { betta: 2 } as never)])).message).toContain('did you mean "beta"?');
    expect(relaxError(() => base().body(($) => [$.if($.and([$.lt("x", 1)], { tconrom: "yager" } as never), [])])).message).toContain(
      'did you mean "tconorm"?',
    );
    const p = base().body(($) => [$.let("y", "x")]);
    expect(relaxError(() => p.run({ xx: [1] } as never)).argument).toBe("inputs.xx");
  });

  it("options that are not an object, and null values, are rejected", () => {
    for (const bad of [null, 5, [1], "x"]) {
      expect(relaxError(() => softMax([[1, 2]], bad as never)).argument).toBe("options");
      expect(relaxError(() => shortestPath([[[1, 2]]], bad as never)).argument).toBe("options");
    }
    expect(relaxError(() => relaxedSwap([1], [2], { steepness: null } as never)).argument).toBe("steepness");
    expect(relaxError(() => editDistance([[[1, 0]]], [[[1, 0]]], { beta: null } as never)).argument).toBe("beta");
  });
});

describe("bounded work: iteration counts have a cap (MAX_ITERATIONS)", () => {
  it("shortestPath rejects iterations / traceSteps past the cap, naming the op and the argument", () => {
    const e = relaxError(() => shortestPath(tf.ones([1, 3, 3]), { iterations: 1e9, tolerance: 0 }));
    expect([e.op, e.argument]).toEqual(["shortestPath", "iterations"]);
    expect(relaxError(() => shortestPath([[[1, 2]]], { traceSteps: MAX_ITERATIONS + 1 })).argument).toBe("traceSteps");
  });

  it("shortestPath runs exactly MAX_ITERATIONS with tolerance 0, forward and backward", () => {
    const c = tf.tensor3d([[[1, 2]]]);
    const g = tf.grad((v: tf.Tensor) => tf.sum(shortestPath(v, { iterations: MAX_ITERATIONS, tolerance: 0 })))(c);
    expect(Array.from(g.dataSync()).every(Number.isFinite)).toBe(true);
    tf.dispose([c, g]);
  });

  it("program maxIter and for ranges past the cap are rejected at build or run time", () => {
    expect(relaxError(() => program({ maxIter: MAX_ITERATIONS + 1 })).argument).toBe("program maxIter");
    expect(relaxError(() => bubbleSort([[2, 1]], { maxIter: 1e12 })).argument).toBe("options.maxIter");
    const loop = (range: number | (() => number)) =>
      program()
        .input("x")
        .real("y", 0)
        .output("y")
        .body(($) => [$.for("i", range, ($) => [$.let("y", (s) => tf.add(s.y, 1))])]);
    expect(relaxError(() => loop(1e9)).message).toContain("MAX_ITERATIONS");
    const lazy = loop(() => 1e9);
    expect(relaxError(() => lazy.run({ x: [1] })).message).toContain("MAX_ITERATIONS");
  });

  it("comparator networks cap their size", () => {
    expect(relaxError(() => oddEvenNetwork(1e9)).argument).toBe("n");
    expect(relaxError(() => bitonicNetwork(MAX_NETWORK_WIRES + 1)).argument).toBe("n");
    expect(relaxError(() => oddEvenNetwork(6000)).op).toBe("oddEvenNetwork");
    for (const n of [-1, 2.5, Number.NaN, Number.POSITIVE_INFINITY, "4", null]) {
      expect(relaxError(() => bitonicNetwork(n as never)).argument).toBe("n");
    }
    expect(relaxError(() => splitterSelectionNetwork(4, 5)).argument).toBe("k");
    expect(relaxError(() => getNetwork("nope" as never, 4)).argument).toBe("type");
    expect(getNetwork("bitonic", 4).size).toBe(6);
  });
});

describe("non-finite inputs", () => {
  it("soft min/max: the never-winning infinity is padding (weight 0, zero gradient), the same as leaving it out", () => {
    const cases: [typeof softMin, number, boolean][] = [
      [softMin, Number.POSITIVE_INFINITY, false],
      [softArgMin, Number.POSITIVE_INFINITY, true],
      [softMax, Number.NEGATIVE_INFINITY, false],
      [softArgMax, Number.NEGATIVE_INFINITY, true],
    ];
    for (const [op, pad, weights] of cases) {
      const padded = tf.tensor2d([[0, pad, 1, 2]]);
      const out = Array.from(op(padded, { beta: 2 }).dataSync());
      const plain = Array.from(op([[0, 1, 2]], { beta: 2 }).dataSync());
      const kept = weights ? [out[0], out[2], out[3]] : out;
      kept.forEach((v, i) => expect(v).toBeCloseTo(plain[i] as number, 6));
      if (weights) expect(out[1] === 0).toBe(true);
      const scale = tf.tensor2d([weights ? [1, 2, 3, 4] : [1]]);
      const g = tf.grad((v: tf.Tensor) => tf.sum(tf.mul(op(v, { beta: 2 }), scale)))(padded);
      const gv = Array.from(g.dataSync());
      expect(gv.every(Number.isFinite)).toBe(true);
      expect(gv[1] === 0).toBe(true); // ±0
      expect(gv.some((v) => v !== 0)).toBe(true);
      tf.dispose([padded, scale, g]);
    }
  });

  it("soft min/max reject NaN, the winning infinity and a slice of padding only", () => {
    expect(relaxError(() => softMin([[Number.NaN, 1]])).message).toContain("NaN");
    expect(relaxError(() => softMin([[Number.NEGATIVE_INFINITY, 1]])).argument).toBe("x");
    expect(relaxError(() => softMax([[Number.POSITIVE_INFINITY, 1]])).argument).toBe("x");
    expect(relaxError(() => softArgMax([[1, Number.NEGATIVE_INFINITY]], { axis: 0 })).message).toContain("at least one finite");
  });

  it("a program whose lambda produces NaN, or whose initial value is not finite, throws instead of returning it", () => {
    const div = program()
      .input("x")
      .output("x")
      .body(($) => [$.let("x", (s) => tf.div(s.x, 0))]);
    expect(relaxError(() => div.run({ x: [0] })).argument).toBe("output 'x'");
    expect(relaxError(() => program().input("x").real("y", Number.NaN)).argument).toBe("initial value of 'y'");
    const inf = program()
      .input("x")
      .real("y", tf.tensor1d([Number.POSITIVE_INFINITY]))
      .output("y")
      .body(() => []);
    expect(relaxError(() => inf.run({ x: [1] })).argument).toBe("initial value of 'y'");
    expect(
      relaxError(() =>
        program()
          .input("x")
          .output("x")
          .body(($) => [$.if($.and([$.lt("x", 1)], { tconorm: "yager", p: -3 }), [])]),
      ).op,
    ).toBe("program");
  });
});

describe("other public entry points", () => {
  it("stopGradient takes tensors (kept as they are) and numeric arrays, and rejects the rest", () => {
    expect(relaxError(() => stopGradient(null as never)).op).toBe("stopGradient");
    const a = stopGradient([1, 2]) as tf.Tensor;
    expect(Array.from(a.dataSync())).toEqual([1, 2]);
    a.dispose();
    const n = tf.tensor1d([Number.NaN]);
    const s = stopGradient(n); // an identity: NaN passes through unchanged
    expect(Number.isNaN(s.dataSync()[0])).toBe(true);
    tf.dispose([n, s]);
  });

  it("setForceReference and hasFusedKernel check their argument types", () => {
    expect(relaxError(() => setForceReference("yes" as never)).argument).toBe("value");
    expect(relaxError(() => hasFusedKernel(null as never)).argument).toBe("kernelName");
    expect(setForceReference(false)).toBe(false);
  });

  it("Program.check rejects shapes that are not a record of positive sizes", () => {
    const p = program()
      .input("x")
      .output("x")
      .body(() => []);
    expect(relaxError(() => p.check(null as never)).argument).toBe("shapes");
    expect(relaxError(() => p.check({ x: [-1] })).argument).toBe("shapes.x");
  });
});

describe("allFiniteValues (the fast pass of assertFinite and fusedAdam's gradient check)", () => {
  it("finds one NaN, +Inf or −Inf at any position, in the four-wide loop and the tail", () => {
    for (const n of [1, 3, 4, 5, 8, 13])
      for (let at = 0; at < n; at++)
        for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
          const a = Float32Array.from({ length: n }, (_, i) => (i % 2 ? -1e38 : 3.5));
          expect(allFiniteValues(a)).toBe(true);
          a[at] = bad;
          expect(allFiniteValues(a), `n ${n}, at ${at}, ${bad}`).toBe(false);
        }
    expect(allFiniteValues(new Float64Array([-0, 0, Number.MAX_VALUE, -Number.MIN_VALUE]))).toBe(true);
    expect(allFiniteValues([])).toBe(true);
  });
});
