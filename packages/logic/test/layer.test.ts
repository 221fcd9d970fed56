import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import { RelaxError } from "@relax/core";
import { badInputs, countLeakedTensors, gradCheck, maxViolation } from "@relax/core/testing";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import {
  GroupSum,
  LogicLayer,
  LogicNet,
  fusedAdam,
  makeConnections,
  oneHotBinEncoder,
  thermometerEncoder,
  thresholdEncoder,
} from "../src/index.js";
import { logicRng } from "../src/rng.js";

beforeAll(async () => {
  await tf.setBackend("cpu");
});

function withReference<T>(f: () => T): T {
  const prev = tf.env().getBool("RELAX_FORCE_REFERENCE");
  tf.env().set("RELAX_FORCE_REFERENCE", true);
  try {
    return f();
  } finally {
    tf.env().set("RELAX_FORCE_REFERENCE", prev);
  }
}

function randomInput(seed: number, batch: number, n: number): tf.Tensor2D {
  const rng = logicRng(seed);
  return tf.tensor2d(
    Float32Array.from({ length: batch * n }, () => rng.next()),
    [batch, n],
  );
}

describe("fused kernel vs reference composition (parity)", () => {
  it("property: forward, dx and dlogits agree for random layers, modes, gradFactors, layouts", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 10_000 }),
        fc.integer({ min: 1, max: 9 }),
        fc.integer({ min: 2, max: 30 }),
        fc.integer({ min: 1, max: 40 }),
        fc.constantFrom<"train" | "eval">("train", "eval"),
        fc.constantFrom(1, 0.5, 2),
        (seed, batch, inDim, out, mode, gradFactor) => {
          const outDim = Math.max(out, Math.ceil(inDim / 2));
          const layer = new LogicLayer(inDim, outDim, { seed, gradFactor, connections: "random" });
          const x = randomInput(seed + 1, batch, inDim);
          const w = randomInput(seed + 2, batch, outDim);
          const run = () => {
            const f = (xi: tf.Tensor) => tf.sum(tf.mul(layer.forward(xi, { mode }), w)) as tf.Scalar;
            const y = tf.tidy(() => layer.forward(x, { mode }).arraySync());
            const gx = tf.tidy(() => tf.grad(f)(x).arraySync());
            const gz = tf.tidy(() => tf.variableGrads(() => f(x), [layer.logits]).grads[layer.logits.name]!.arraySync());
            return { y, gx, gz };
          };
          const fused = run();
          const ref = withReference(run);
          expect(maxViolation(fused.y, ref.y, 1e-5, 1e-6)).toBe(0);
          expect(maxViolation(fused.gx, ref.gx, 1e-4, 1e-5)).toBe(0);
          expect(maxViolation(fused.gz, ref.gz, 1e-4, 1e-5)).toBe(0);
          tf.dispose([x, w]);
          layer.dispose();
        },
      ),
      { numRuns: 30 },
    );
  });

  it("whole net: fused feature-major chain = reference, incl. GroupSum and gradFactor", () => {
    const layers = [
      new LogicLayer(20, 64, { seed: 1 }),
      new LogicLayer(64, 64, { seed: 2, gradFactor: 2 }),
      new LogicLayer(64, 35, { seed: 3, init: "residual" }),
    ];
    const net = new LogicNet([...layers, new GroupSum(5, 3)]);
    const x = randomInput(9, 13, 20);
    const loss = () => tf.sum(tf.square(net.forward(x))) as tf.Scalar;
    const run = () =>
      tf.tidy(() => {
        const { value, grads } = tf.variableGrads(loss, net.variables);
        return [value.dataSync()[0]!, ...net.variables.map((v) => Array.from(grads[v.name]!.dataSync()))] as const;
      });
    const fused = run();
    const ref = withReference(run);
    expect(fused[0]).toBeCloseTo(ref[0] as number, 4);
    for (let i = 1; i < fused.length; i++) expect(maxViolation(fused[i], ref[i], 1e-4, 1e-5)).toBe(0);
    x.dispose();
    net.dispose();
  });

  it("a == b (self-connected neuron) gets both gradient contributions", () => {
    const logits = Array.from({ length: 2 }, (_, j) => Array.from({ length: 16 }, (_, i) => Math.sin(i + 3 * j)));
    const layer = LogicLayer.fromWeights({ a: [0, 1], b: [0, 1], logits, inDim: 2 });
    const x = tf.tensor2d([
      [0.3, 0.8],
      [0.6, 0.1],
    ]);
    const fused = tf.tidy(() =>
      tf
        .grad((xi: tf.Tensor) => tf.sum(layer.forward(xi)))(x)
        .arraySync(),
    );
    const ref = withReference(() =>
      tf.tidy(() =>
        tf
          .grad((xi: tf.Tensor) => tf.sum(layer.forward(xi)))(x)
          .arraySync(),
      ),
    );
    expect(maxViolation(fused, ref, 1e-5, 1e-6)).toBe(0);
    tf.dispose(x);
    layer.dispose();
  });
});

describe("gradients vs finite differences", () => {
  for (const path of ["fused", "reference"] as const) {
    it(`${path}: d/dx and d/dlogits of a 2-layer net`, () => {
      const prev = tf.env().getBool("RELAX_FORCE_REFERENCE");
      tf.env().set("RELAX_FORCE_REFERENCE", path === "reference");
      const l1 = new LogicLayer(6, 8, { seed: 4 });
      const l2 = new LogicLayer(8, 6, { seed: 5 }); // gradFactor ≠ 1 scales backward on purpose (golden-tested)
      const net = new LogicNet([l1, l2, new GroupSum(3, 2)]);
      const x = randomInput(3, 4, 6);
      const w = randomInput(8, 4, 3);
      const rx = gradCheck((xi) => tf.sum(tf.mul(net.forward(xi), w)), [x], { eps: 1e-2 });
      // Logit gradient: analytic (variableGrads) vs central differences on the variable.
      const l3 = new LogicLayer(6, 8, { seed: 6 });
      const w3 = randomInput(1, 4, 8);
      const f3 = () => tf.sum(tf.mul(l3.forward(x), w3)) as tf.Scalar;
      const analytic = tf.tidy(() => tf.variableGrads(f3, [l3.logits]).grads[l3.logits.name]!.dataSync().slice());
      const z0 = l3.logits.dataSync().slice();
      let worst = 0;
      for (let i = 0; i < z0.length; i += 3) {
        const h = 1e-2;
        const at = (d: number): number => {
          const z = z0.slice();
          z[i] = z0[i]! + d;
          l3.logits.assign(tf.tensor2d(z, [8, 16]));
          return tf.tidy(() => f3().dataSync()[0]!);
        };
        const numeric = (at(h) - at(-h)) / (2 * h);
        worst = Math.max(worst, Math.abs(numeric - analytic[i]!) / (2e-3 + 2e-2 * Math.abs(numeric)));
      }
      const rz = { ok: worst <= 1, worst };
      expect(rx.ok, JSON.stringify(rx.worst)).toBe(true);
      expect(rz.ok, JSON.stringify(rz.worst)).toBe(true);
      tf.env().set("RELAX_FORCE_REFERENCE", prev);
      tf.dispose([x, w]);
      net.dispose();
      l3.dispose();
      w3.dispose();
    });
  }
});

describe("leaks", () => {
  it("forward (both modes), gradients and a fused-Adam training step leave no tensors", () => {
    const net = new LogicNet([new LogicLayer(12, 24, { seed: 1 }), new LogicLayer(24, 20, { seed: 2 }), new GroupSum(4, 2)]);
    const x = randomInput(1, 5, 12);
    const y = tf.oneHot(tf.tensor1d([0, 1, 2, 3, 0], "int32"), 4);
    for (const ref of [false, true]) {
      const prev = tf.env().getBool("RELAX_FORCE_REFERENCE");
      tf.env().set("RELAX_FORCE_REFERENCE", ref);
      expect(countLeakedTensors(() => net.forward(x, { mode: "train" }))).toBe(0);
      expect(countLeakedTensors(() => net.forward(x, { mode: "eval" }))).toBe(0);
      expect(countLeakedTensors(() => net.forwardLayers(x))).toBe(0);
      expect(countLeakedTensors(() => tf.variableGrads(() => tf.sum(net.forward(x)) as tf.Scalar, net.variables))).toBe(0);
      tf.env().set("RELAX_FORCE_REFERENCE", prev);
    }
    const opt = fusedAdam(0.01);
    const adam = tf.train.adam(0.01);
    opt.minimize(() => tf.losses.softmaxCrossEntropy(y, net.forward(x)) as tf.Scalar, false, net.variables);
    adam.minimize(() => tf.losses.softmaxCrossEntropy(y, net.forward(x)) as tf.Scalar, false, net.variables);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) {
      opt.minimize(() => tf.losses.softmaxCrossEntropy(y, net.forward(x)) as tf.Scalar, false, net.variables);
      adam.minimize(() => tf.losses.softmaxCrossEntropy(y, net.forward(x)) as tf.Scalar, false, net.variables);
    }
    expect(tf.memory().numTensors).toBe(before);
    opt.dispose();
    adam.dispose();
    tf.dispose([x, y]);
    net.dispose();
  });
});

describe("bad inputs → RelaxError", () => {
  const net = new LogicNet([new LogicLayer(6, 8, { seed: 1 }), new GroupSum(4)]);
  it("NaN / Inf / wrong width / wrong rank / strings / ragged / unknown mode", () => {
    for (const bad of [
      badInputs.nan([2, 6]),
      badInputs.inf([2, 6]),
      tf.zeros([2, 5]),
      tf.zeros([6]),
      badInputs.string(),
      badInputs.ragged(),
      badInputs.notATensor(),
    ]) {
      expect(() => net.forward(bad as tf.Tensor)).toThrow(RelaxError);
    }
    expect(() => net.forward(tf.zeros([2, 6]), { mode: "test" as "train" })).toThrow(/mode/);
    expect(() => net.layers[0]!.forward(tf.zeros([2, 7]))).toThrow(/x must be \[batch, 6\]/);
  });
  it("constructor options", () => {
    expect(() => new LogicLayer(6, 8, { init: "xavier" as "gaussian" })).toThrow(/init must be one of 'gaussian', 'residual'/);
    expect(() => new LogicLayer(6, 8, { connections: "dense" as "random" })).toThrow(/connections/);
    expect(() => new LogicLayer(6, 2)).toThrow(/outDim/);
    expect(() => new LogicLayer(0, 2)).toThrow(/inDim/);
    expect(() => new LogicLayer(6, 8, { gradFactor: NaN })).toThrow(/gradFactor/);
    expect(() => new GroupSum(0)).toThrow(/k/);
    expect(() => new GroupSum(2, 0)).toThrow(/tau/);
    expect(() => new LogicNet([new LogicLayer(6, 8), new GroupSum(3)])).toThrow(/divisor of the last layer width 8/);
    expect(() => new LogicNet([new LogicLayer(6, 8), new LogicLayer(9, 8)])).toThrow(/inDim/);
    expect(() => new LogicNet([])).toThrow(RelaxError);
    expect(() => new GroupSum(3).forward(tf.zeros([2, 8]))).toThrow(/multiple of k = 3/);
  });
  it("fromWeights", () => {
    const logits = [new Array<number>(16).fill(0)];
    expect(() => LogicLayer.fromWeights({ a: [0], b: [5], logits, inDim: 4 })).toThrow(/indices in \[0, 4\)/);
    expect(() => LogicLayer.fromWeights({ a: [0, 1], b: [1], logits })).toThrow(/same non-zero length/);
    expect(() => LogicLayer.fromWeights({ a: [0], b: [1], logits: [[1, 2]] })).toThrow(/logits/);
    expect(() => LogicLayer.fromWeights({ a: [0.5], b: [1], logits })).toThrow(/integer/);
    expect(() => LogicLayer.fromWeights({ a: [0], b: [1], logits: [new Array<number>(16).fill(NaN)] })).toThrow(/finite/);
  });
});

describe("initialisation and connections", () => {
  it("residual init: z_A = residualLogit, others 0 → p(A) ≈ 0.908", () => {
    const l = new LogicLayer(4, 3, { init: "residual", seed: 1 });
    const p = tf.tidy(() => tf.softmax(l.logits).arraySync()) as number[][];
    for (const row of p) expect(row[3]).toBeCloseTo(Math.exp(5) / (Math.exp(5) + 15), 5);
    expect(Array.from(l.gateIds())).toEqual([3, 3, 3]);
    l.dispose();
    const l2 = new LogicLayer(4, 3, { init: "residual", residualLogit: 10 });
    expect(l2.logits.dataSync()[3]).toBe(10);
    l2.dispose();
  });
  it("gaussian init ~ N(0, 1), seeded", () => {
    const a = new LogicLayer(100, 500, { seed: 7 });
    const b = new LogicLayer(100, 500, { seed: 7 });
    const z = Array.from(a.logits.dataSync());
    expect(z).toEqual(Array.from(b.logits.dataSync()));
    const mean = z.reduce((s, v) => s + v, 0) / z.length;
    const variance = z.reduce((s, v) => s + (v - mean) ** 2, 0) / z.length;
    expect(Math.abs(mean)).toBeLessThan(0.03);
    expect(Math.abs(variance - 1)).toBeLessThan(0.05);
    a.dispose();
    b.dispose();
  });
  it("'random': each input used ⌊2out/in⌋ or ⌈2out/in⌉ times; 'unique': no self or duplicate pairs", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 60 }), fc.integer({ min: 1, max: 200 }), fc.integer(), (inDim, out, seed) => {
        const outDim = Math.max(out, Math.ceil(inDim / 2));
        const { a, b } = makeConnections(inDim, outDim, "random", seed);
        const use = new Int32Array(inDim);
        a.forEach((v) => use[v]!++);
        b.forEach((v) => use[v]!++);
        const lo = Math.floor((2 * outDim) / inDim);
        expect(Math.min(...use)).toBeGreaterThanOrEqual(lo);
        expect(Math.max(...use)).toBeLessThanOrEqual(Math.ceil((2 * outDim) / inDim));
      }),
      { numRuns: 50 },
    );
    const { a, b } = makeConnections(784, 8000, "unique", 3);
    const pairs = new Set<number>();
    a.forEach((v, j) => {
      expect(v).not.toBe(b[j]);
      pairs.add(Math.min(v, b[j]!) * 1000 + Math.max(v, b[j]!));
    });
    expect(pairs.size).toBe(8000);
  });
});

describe("toJSON / fromJSON", () => {
  it("bit-exact round trip (logits, connections, gradFactor, head) and identical outputs", () => {
    const net = new LogicNet([
      new LogicLayer(10, 16, { seed: 1, gradFactor: 2 }),
      new LogicLayer(16, 12, { seed: 2, connections: "unique" }),
      new GroupSum(3, 4),
    ]);
    const json = JSON.stringify(net.toJSON());
    const back = LogicNet.fromJSON(json);
    net.layers.forEach((l, i) => {
      const m = back.layers[i]!;
      expect(new Uint32Array(m.logits.dataSync().buffer)).toEqual(new Uint32Array(l.logits.dataSync().buffer));
      expect(m.a).toEqual(l.a);
      expect(m.b).toEqual(l.b);
      expect(m.gradFactor).toBe(l.gradFactor);
    });
    expect(back.head!.k).toBe(3);
    expect(back.head!.tau).toBe(4);
    const x = randomInput(2, 3, 10);
    expect(tf.tidy(() => back.forward(x).arraySync())).toEqual(tf.tidy(() => net.forward(x).arraySync()));
    x.dispose();
    back.dispose();
    net.dispose();
  });
  it("corrupt or mismatched files → RelaxError", () => {
    const net = new LogicNet([new LogicLayer(10, 16, { seed: 1 }), new LogicLayer(16, 12, { seed: 2 }), new GroupSum(3)]);
    // Field validation is checked on a version 1 file (no checksum); any edit of a version 2 file is a checksum error.
    const good = { ...net.toJSON(), version: 1 as const, checksum: undefined };
    const n0 = tf.memory().numTensors;
    expect(() => LogicNet.fromJSON("{not json")).toThrow(/valid JSON/);
    expect(() => LogicNet.fromJSON({ ...good, format: "x" } as never)).toThrow(/format/);
    expect(() => LogicNet.fromJSON({ ...good, version: 3 } as never)).toThrow(/version/);
    expect(() => LogicNet.fromJSON({ ...net.toJSON(), layers: [good.layers[0]!, good.layers[0]!] })).toThrow(/checksum/);
    expect(() => LogicNet.fromJSON({ ...good, layers: [{ ...good.layers[0]!, logits: "AAAA" }, good.layers[1]!] })).toThrow(/logits/);
    expect(() => LogicNet.fromJSON({ ...good, layers: [{ ...good.layers[0]!, a: "!!!!" }, good.layers[1]!] })).toThrow(/malformed base64/);
    expect(() => LogicNet.fromJSON({ ...good, layers: [good.layers[1]!, good.layers[0]!] })).toThrow(RelaxError);
    expect(() => LogicNet.fromJSON({ ...good, head: { type: "groupSum", k: 5, tau: 1 } })).toThrow(/divisor/);
    expect(() => LogicNet.fromJSON({ ...good, layers: [{ ...good.layers[0]!, inDim: 3 }, good.layers[1]!] })).toThrow(
      /indices in \[0, 3\)/,
    );
    expect(tf.memory().numTensors).toBe(n0); // failed loads dispose what they built
    net.dispose();
  });
});

describe("input encodings", () => {
  it("thresholds, thermometer, one-hot bins", () => {
    expect(
      thresholdEncoder([0.5])
        .encode([[0.2, 0.5, 0.7]])
        .arraySync(),
    ).toEqual([[0, 0, 1]]);
    expect(
      thermometerEncoder({ bins: 3 })
        .encode([[0.1, 0.6, 0.9]])
        .arraySync(),
    ).toEqual([[0, 0, 0, 1, 1, 0, 1, 1, 1]]);
    expect(
      oneHotBinEncoder({ bins: 4 })
        .encode([[0.3, -1, 1, 0.99]])
        .arraySync(),
    ).toEqual([[0, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1]]);
    expect(Array.from(thresholdEncoder([0.25, 0.75]).encodeBytes([0.5, 1], 2))).toEqual([1, 0, 1, 1]);
    fc.assert(
      fc.property(fc.float({ min: -2, max: 2, noNaN: true }), fc.integer({ min: 1, max: 12 }), (v, bins) => {
        const oh = oneHotBinEncoder({ bins, min: -1, max: 1 }).encodeBytes([v], 1);
        expect(oh.reduce((s, b) => s + b, 0)).toBe(1);
        const th = thermometerEncoder({ bins, min: -1, max: 1 }).encodeBytes([v], 1);
        const ones = th.reduce((s, b) => s + b, 0);
        expect(Array.from(th)).toEqual(Array.from({ length: bins }, (_, t) => (t < ones ? 1 : 0)));
      }),
    );
    expect(() => thresholdEncoder([0.5, 0.2])).toThrow(RelaxError);
    expect(() => thermometerEncoder({ bins: 0 })).toThrow(/bins/);
    expect(() => thresholdEncoder([0.5]).encodeBytes([NaN], 1)).toThrow(/NaN/);
  });
});
