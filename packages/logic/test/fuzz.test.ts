import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import { assertRelaxErrorOrFinite } from "@relax/core/testing";
import fc from "fast-check";
import { afterAll, beforeAll, describe, it } from "vitest";
import {
  CompiledLogicNet,
  ConvLogicNet,
  GroupSum,
  InputEncoder,
  LogicConvTree,
  LogicLayer,
  LogicNet,
  OrPool,
  circuitFromJSON,
  circuitToJSON,
  compile,
  compileCircuit,
  exportC,
  exportJS,
  exportVerilog,
  fusedAdam,
  gateBits,
  gateTruthTable,
  oneHotBinEncoder,
  orPool,
  packBits,
  relaxedGate,
  relaxedGateGrad,
  thermometerEncoder,
} from "../src/index.js";

beforeAll(async () => {
  await tf.setBackend("cpu");
});

const RUNS = { numRuns: 60, seed: 14 };

/** Numbers a user could pass by mistake, plus ordinary ones. */
const anyNumber = fc.oneof(
  fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -1, 0, 0.5, 1, 1.5, 2, 3, 1e-300, 1e12, -0),
  fc.double({ min: -10, max: 10 }),
  fc.integer({ min: -3, max: 12 }),
);
/** Anything at all in an argument slot. */
const anyValue = fc.oneof(anyNumber, fc.constantFrom<unknown>(null, undefined, "x", true, [], {}, [1, 2], { mode: "eval" }));
/** Option objects: valid keys with odd values, misspelled keys. */
const anyOptions = (keys: string[]): fc.Arbitrary<unknown> =>
  fc.oneof(
    fc.dictionary(fc.constantFrom(...keys, ...keys.map((k) => `${k}s`), ...keys.map((k) => k.slice(1))), anyValue, { maxKeys: 3 }),
    fc.constantFrom<unknown>(undefined, null, 3, "eval", [1]),
  );
/** A small tensor or array of a given rank with edge values (NaN, ±Inf, zero-size dims). */
const entry = fc.oneof(fc.constantFrom(0, 1, 0.5, Number.NaN, Number.POSITIVE_INFINITY, -1, 2), fc.double({ min: 0, max: 1, noNaN: true }));
const shape = (rank: number, fixedLast?: number): fc.Arbitrary<number[]> =>
  fc.tuple(
    ...Array.from({ length: rank }, (_, i) =>
      i === rank - 1 && fixedLast !== undefined ? fc.constantFrom(fixedLast, fixedLast, 0, 3) : fc.integer({ min: 0, max: 5 }),
    ),
  );
const tensorInput = (rank: number, fixedLast?: number): fc.Arbitrary<{ shape: number[]; values: number[]; asArray: boolean }> =>
  shape(rank, fixedLast).chain((sh) => {
    const n = sh.reduce((a, b) => a * b, 1);
    return fc.record({ shape: fc.constant(sh), values: fc.array(entry, { minLength: n, maxLength: n }), asArray: fc.boolean() });
  });
/** Builds the input outside the measured call; returns it with its dispose. */
function build(inp: { shape: number[]; values: number[]; asArray: boolean }): { x: tf.Tensor | tf.TensorLike; done: () => void } {
  const t = tf.tensor(inp.values, inp.shape, "float32");
  if (!inp.asArray) return { x: t, done: () => t.dispose() };
  const arr = t.arraySync() as tf.TensorLike;
  t.dispose();
  return { x: arr, done: () => {} };
}

const net = new LogicNet([new LogicLayer(4, 8, { seed: 1 }), new LogicLayer(8, 4, { seed: 2 }), new GroupSum(2, 2)]);
const tree = new LogicConvTree(1, 2, { receptiveField: 2, depth: 2, seed: 3 });
const convNet = new ConvLogicNet(
  [4, 4, 1],
  [
    new LogicConvTree(1, 2, { receptiveField: 2, depth: 2, seed: 5 }),
    new OrPool({ size: 3, stride: 3 }),
    new LogicLayer(2, 4, { seed: 6 }),
    new GroupSum(2),
  ],
);
const circuit = compileCircuit(net);
const compiled = compile(net, { backend: "js" });
afterAll(() => {
  net.dispose();
  tree.dispose();
  convNet.dispose();
});

describe("fuzz: every public op gives a RelaxError or a finite result, and leaks nothing", () => {
  it("LogicLayer / LogicNet / GroupSum forward on edge inputs and options", () => {
    fc.assert(
      fc.property(tensorInput(2, 4), anyOptions(["mode"]), (inp, options) => {
        const { x, done } = build(inp);
        assertRelaxErrorOrFinite(() => net.layers[0]!.forward(x, options as never), "LogicLayer.forward");
        assertRelaxErrorOrFinite(() => net.forward(x, options as never), "LogicNet.forward");
        assertRelaxErrorOrFinite(() => net.forwardLayers(x, options as never), "LogicNet.forwardLayers");
        assertRelaxErrorOrFinite(() => new GroupSum(2).forward(x), "GroupSum.forward");
        done();
      }),
      RUNS,
    );
  });

  it("constructors: LogicLayer, GroupSum, LogicConvTree, OrPool, fusedAdam, encoders", () => {
    const make =
      (f: () => object): (() => number) =>
      () => {
        (f() as { dispose?: () => void }).dispose?.();
        return 0;
      };
    fc.assert(
      fc.property(
        anyValue,
        anyValue,
        anyOptions(["connections", "init", "residualLogit", "gradFactor", "seed", "trainable"]),
        (a, b, options) => {
          assertRelaxErrorOrFinite(
            make(() => new LogicLayer(a as number, b as number, options as never)),
            "LogicLayer",
          );
          assertRelaxErrorOrFinite(
            make(() => new LogicLayer(4, 4, options as never)),
            "LogicLayer options",
          );
          assertRelaxErrorOrFinite(
            make(() => new GroupSum(a as number, b as number)),
            "GroupSum",
          );
          assertRelaxErrorOrFinite(
            make(() => new LogicConvTree(a as number, 2, options as never)),
            "LogicConvTree",
          );
          assertRelaxErrorOrFinite(
            make(() => new OrPool(options as never)),
            "OrPool",
          );
          assertRelaxErrorOrFinite(
            make(() => fusedAdam(a as number, options as never)),
            "fusedAdam",
          );
          assertRelaxErrorOrFinite(
            make(() => thermometerEncoder({ bins: a as number, min: b as number })),
            "thermometerEncoder",
          );
          assertRelaxErrorOrFinite(
            make(() => oneHotBinEncoder(options as never)),
            "oneHotBinEncoder",
          );
          assertRelaxErrorOrFinite(
            make(() => new InputEncoder(options as never, [a as number, b as number])),
            "InputEncoder",
          );
        },
      ),
      RUNS,
    );
  });

  it("conv trees, OR pooling and conv nets on edge images and options", () => {
    fc.assert(
      fc.property(tensorInput(4, 1), anyOptions(["mode", "size", "stride", "method"]), (inp, options) => {
        const { x, done } = build(inp);
        assertRelaxErrorOrFinite(() => tree.forward(x, options as never), "LogicConvTree.forward");
        assertRelaxErrorOrFinite(() => convNet.forward(x, options as never), "ConvLogicNet.forward");
        assertRelaxErrorOrFinite(() => orPool(x, options as never), "orPool");
        done();
      }),
      RUNS,
    );
  });

  it("scalar gate functions", () => {
    fc.assert(
      fc.property(anyValue, anyNumber, anyNumber, (id, a, b) => {
        assertRelaxErrorOrFinite(() => relaxedGate(id as number, a, b), "relaxedGate");
        assertRelaxErrorOrFinite(() => relaxedGateGrad(id as number, a, b), "relaxedGateGrad");
        assertRelaxErrorOrFinite(() => gateTruthTable(id as number), "gateTruthTable");
        assertRelaxErrorOrFinite(() => gateBits(id as number, a, b), "gateBits");
      }),
      RUNS,
    );
  });

  it("compiled evaluation, packBits and exporters on edge inputs and options", () => {
    fc.assert(
      fc.property(
        fc.array(entry, { maxLength: 12 }),
        anyValue,
        anyOptions(["wordBits", "prefix", "moduleName", "simplify", "backend"]),
        (values, batch, options) => {
          assertRelaxErrorOrFinite(() => compiled.counts(values, batch as number), "CompiledLogicNet.counts");
          assertRelaxErrorOrFinite(() => compiled.predict(values), "CompiledLogicNet.predict");
          assertRelaxErrorOrFinite(() => packBits(values, batch as number, 4), "packBits");
          assertRelaxErrorOrFinite(() => exportC(circuit, options as never).length, "exportC");
          assertRelaxErrorOrFinite(() => exportVerilog(circuit, options as never).length, "exportVerilog");
          assertRelaxErrorOrFinite(() => compile(net, options as never).numGates, "compile");
        },
      ),
      { ...RUNS, numRuns: 40 },
    );
  });

  it("damaged circuits and gate lists", () => {
    const json = circuitToJSON(circuit);
    fc.assert(
      fc.property(fc.constantFrom("numInputs", "k", "tau", "gates", "outputs", "a", "ops"), anyValue, (key, value) => {
        const damaged = { ...circuit, [key]: value };
        assertRelaxErrorOrFinite(() => new CompiledLogicNet(damaged as never, "js").numGates, "CompiledLogicNet");
        assertRelaxErrorOrFinite(() => exportJS(damaged as never).length, "exportJS");
        assertRelaxErrorOrFinite(
          () => circuitFromJSON({ ...json, version: 1, checksum: undefined, [key]: value } as never).ops.length,
          "circuitFromJSON v1",
        );
        assertRelaxErrorOrFinite(() => circuitFromJSON({ ...json, [key]: value } as never).ops.length, "circuitFromJSON v2");
      }),
      RUNS,
    );
  });

  it("damaged saved nets (random edits of the JSON text): RelaxError, or a load bit-identical to the original", () => {
    const text = JSON.stringify(net.toJSON());
    const conv = JSON.stringify(convNet.toJSON());
    // An edit that keeps every value (e.g. a digit appended beyond float64 precision) may load: the net is the same.
    fc.assert(
      fc.property(fc.nat(), fc.string({ minLength: 0, maxLength: 3 }), fc.nat({ max: 3 }), (pos, insert, cut) => {
        for (const [t, load] of [
          [text, (s: string) => LogicNet.fromJSON(s)],
          [conv, (s: string) => ConvLogicNet.fromJSON(s)],
        ] as const) {
          const p = pos % t.length;
          const damaged = t.slice(0, p) + insert + t.slice(p + cut);
          if (damaged === t) continue;
          assertRelaxErrorOrFinite(() => {
            const back = load(damaged);
            const same = JSON.stringify(back.toJSON()) === t;
            back.dispose();
            if (!same) throw new Error(`a damaged net loaded with different values: edit at ${p}`);
            return 0;
          }, "fromJSON");
        }
      }),
      RUNS,
    );
  });
});
