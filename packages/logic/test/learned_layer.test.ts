import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import fc from "fast-check";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import {
  GATE_NAMES,
  GroupSum,
  LogicLayer,
  LogicNet,
  compile,
  compileCircuit,
  exportC,
  exportJS,
  exportVerilog,
  fusedAdam,
  gateTruthTable,
  nearestGate,
  setWasmLayerKernels,
  type Choice,
  type LayerConnections,
  type Parametrization,
} from "../src/index.js";
import { loadNet, saveNet } from "../src/node.js";
import { hasGcc, randomBits, runExportedC } from "./helpers.js";

const dir = mkdtempSync(join(tmpdir(), "relax-logic-learned-"));

beforeAll(async () => {
  await tf.setBackend("cpu");
});

interface Combo {
  parametrization: Parametrization;
  gateChoice: Choice;
  connections: LayerConnections;
  wiringChoice?: Choice;
}

/** Every combination of the new options (wiring choice only for learned connections). */
function combos(): Combo[] {
  const out: Combo[] = [];
  for (const parametrization of ["softmax16", "bilinear4"] as const)
    for (const gateChoice of ["soft", "gumbel-st"] as const)
      for (const connections of ["random", "unique", "learned"] as const) {
        if (connections === "learned")
          for (const wiringChoice of ["soft", "gumbel-st"] as const) out.push({ parametrization, gateChoice, connections, wiringChoice });
        else out.push({ parametrization, gateChoice, connections });
      }
  // straight-through without noise: the gumbel-st code paths minus the noise
  for (const parametrization of ["softmax16", "bilinear4"] as const) {
    out.push({ parametrization, gateChoice: "hard-st", connections: "random" });
    out.push({ parametrization, gateChoice: "hard-st", connections: "learned", wiringChoice: "hard-st" });
  }
  return out;
}
const label = (c: Combo) => `${c.parametrization}/${c.gateChoice}/${c.connections}${c.wiringChoice ? `/${c.wiringChoice}` : ""}`;

function layerOf(c: Combo, inDim: number, outDim: number, seed: number, extra: object = {}): LogicLayer {
  const l = new LogicLayer(inDim, outDim, {
    ...c,
    ...(c.connections === "learned" ? { candidates: 4 } : {}),
    temperature: 0.7,
    seed,
    ...extra,
  });
  // random (non-zero) parameters so that every gate and wire occurs
  tf.tidy(() => {
    l.logits.assign(tf.randomNormal(l.logits.shape, 0, 1.5, "float32", seed));
    l.wiring?.assign(tf.randomNormal(l.wiring.shape, 0, 1.5, "float32", seed + 1));
  });
  return l;
}

function sigmoid(v: number): number {
  return 1 / (1 + Math.exp(-v));
}

describe("bilinear4: nearest gate", () => {
  it("is the gate whose truth table is nearest (L2) to σ(w) — brute force over the 16 gates", () => {
    fc.assert(
      // logits on a 0.01 grid (σ of a subnormal rounds to 0.5 exactly: a tie in float64); ties (w = 0) go to 0
      fc.property(
        fc.array(
          fc.integer({ min: -600, max: 600 }).map((i) => i / 100),
          { minLength: 4, maxLength: 4 },
        ),
        (w) => {
          const t = w.map(sigmoid);
          let best = 0;
          let bestD = Infinity;
          for (let g = 0; g < 16; g++) {
            const T = gateTruthTable(g);
            const d = T.reduce((s, v, k) => s + (t[k]! - v) ** 2, 0);
            if (d < bestD - 1e-12) {
              bestD = d;
              best = g;
            }
          }
          expect(nearestGate(w[0]!, w[1]!, w[2]!, w[3]!)).toBe(best);
        },
      ),
    );
  });

  it("a saturated truth table is its gate, and the relaxed output stays in [0, 1]", () => {
    for (let g = 0; g < 16; g++) {
      const T = gateTruthTable(g);
      const w = T.map((v) => (v ? 9 : -9));
      const layer = LogicLayer.fromWeights({ a: [0], b: [1], logits: [w], parametrization: "bilinear4", inDim: 2 });
      expect(layer.gateIds()[0], GATE_NAMES[g]).toBe(g);
      const x = tf.tensor2d([0, 0, 0, 1, 1, 0, 1, 1], [4, 2]);
      const y = layer.forward(x, { mode: "eval" });
      expect(Array.from(y.dataSync())).toEqual(T);
      tf.dispose([x, y]);
      layer.dispose();
    }
    const layer = layerOf({ parametrization: "bilinear4", gateChoice: "soft", connections: "random" }, 6, 40, 3);
    const x = tf.randomUniform([50, 6], 0, 1, "float32", 4);
    const y = layer.forward(x);
    const v = y.dataSync();
    expect(Math.min(...v)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...v)).toBeLessThanOrEqual(1);
    tf.dispose([x, y]);
    layer.dispose();
  });
});

/** Forward + all gradients of `sum(w ⊙ y)` for a layer, with the noise of call `step`. */
function run(layer: LogicLayer, x: tf.Tensor2D, w: tf.Tensor2D, mode: "train" | "eval", step: number, reference: boolean) {
  return tf.tidy(() => {
    layer.noiseStep = step;
    const vars = layer.variables;
    const f = (xi: tf.Tensor) =>
      tf.sum(tf.mul(reference ? layer.reference(xi as tf.Tensor2D, mode) : layer.apply(xi as tf.Tensor2D, mode), w));
    layer.noiseStep = step;
    const y = Array.from((reference ? layer.reference(x, mode) : layer.apply(x, mode)).dataSync());
    layer.noiseStep = step;
    // eval mode: the reference's output does not depend on the parameters (its gradients are zero)
    const dp =
      reference && mode === "eval"
        ? vars.map((v) => new Array<number>(v.size).fill(0))
        : (() => {
            const { grads } = tf.variableGrads(() => f(x) as tf.Scalar, vars);
            return vars.map((v) => Array.from(grads[v.name]!.dataSync()));
          })();
    layer.noiseStep = step;
    const dx = Array.from(
      tf
        .grad((xi) => f(xi))(x)
        .dataSync(),
    );
    return { y, dx, dp };
  });
}

function close(a: number[], b: number[], tol: number, what: string): void {
  expect(a.length, what).toBe(b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!) / (tol + Math.abs(b[i]!) * 1e-3));
  expect(worst, what).toBeLessThanOrEqual(1);
}

describe("learned layer kernels: parity fused vs reference (forward and every gradient)", () => {
  for (const c of combos()) {
    it(label(c), () => {
      const layer = layerOf(c, 12, 30, 11, { gradFactor: 1.5 });
      const x = tf.randomUniform([9, 12], 0, 1, "float32", 5) as tf.Tensor2D;
      const w = tf.randomNormal([9, 30], 0, 1, "float32", 6) as tf.Tensor2D;
      for (const mode of ["train", "eval"] as const) {
        const ref = run(layer, x, w, mode, 3, true);
        // the WASM SIMD layer kernels on one-hot wiring, and the JS loops
        for (const wasm of [true, false]) {
          const before = setWasmLayerKernels(wasm);
          const fused = run(layer, x, w, mode, 3, false);
          setWasmLayerKernels(before);
          close(fused.y, ref.y, 1e-5, `${mode} y, wasm ${wasm}`);
          close(fused.dx, ref.dx, 1e-4, `${mode} dx, wasm ${wasm}`);
          fused.dp.forEach((g, i) => close(g, ref.dp[i]!, 1e-4, `${mode} dparam ${i}, wasm ${wasm}`));
        }
      }
      // feature-major layouts give the same numbers
      tf.tidy(() => {
        const y1 = layer.apply(x, "eval");
        const y2 = layer.apply(tf.transpose(x) as tf.Tensor2D, "eval", { featureMajorIn: true, featureMajorOut: true });
        expect(Array.from(tf.transpose(y2).dataSync())).toEqual(Array.from(y1.dataSync()));
      });
      tf.dispose([x, w]);
      layer.dispose();
    });
  }
  // the WASM kernel mixes candidates four at a time, then a pair, then one at a time: K = 2, 3, 6, 7 and 9 take
  // every path; one-hot (straight-through) wiring mixes and scatters the chosen candidate only and takes the dot
  // products of the other K − 1 (1, 2, 5, 6, 8: the same paths)
  for (const K of [2, 3, 6, 7, 9])
    for (const wiringChoice of ["soft", "hard-st"] as const)
      it(`softmax16/soft/learned/${wiringChoice} with K = ${K}`, () => {
        const c: Combo = { parametrization: "softmax16", gateChoice: "soft", connections: "learned", wiringChoice };
        const layer = layerOf(c, 12, 30, 13, { gradFactor: 1.5, candidates: K });
        const x = tf.randomUniform([9, 12], 0, 1, "float32", 15) as tf.Tensor2D;
        const w = tf.randomNormal([9, 30], 0, 1, "float32", 16) as tf.Tensor2D;
        const ref = run(layer, x, w, "train", 3, true);
        for (const wasm of [true, false]) {
          const before = setWasmLayerKernels(wasm);
          const fused = run(layer, x, w, "train", 3, false);
          setWasmLayerKernels(before);
          close(fused.y, ref.y, 1e-5, `y, wasm ${wasm}`);
          close(fused.dx, ref.dx, 1e-4, `dx, wasm ${wasm}`);
          fused.dp.forEach((g, i) => close(g, ref.dp[i]!, 1e-4, `dparam ${i}, wasm ${wasm}`));
        }
        tf.dispose([x, w]);
        layer.dispose();
      });
});

describe("learned layer: finite-difference gradient checks (float64 central differences of the fused forward)", () => {
  /** Central differences of `sum(w ⊙ y)` w.r.t. some entries of a tensor, with the noise of call `step`. */
  function fd(layer: LogicLayer, x: tf.Tensor2D, w: tf.Tensor2D, target: tf.Variable | "x", idx: number[], step: number): number[] {
    const h = 1e-2;
    return idx.map((i) => {
      const at = (delta: number): number =>
        tf.tidy(() => {
          layer.noiseStep = step;
          if (target === "x") {
            const v = Float32Array.from(x.dataSync());
            v[i]! += delta;
            return tf.sum(tf.mul(layer.apply(tf.tensor2d(v, x.shape), "train"), w)).dataSync()[0]!;
          }
          const old = target.clone();
          const v = Float32Array.from(old.dataSync());
          v[i]! += delta;
          target.assign(tf.tensor(v, target.shape));
          const r = tf.sum(tf.mul(layer.apply(x, "train"), w)).dataSync()[0]!;
          target.assign(old);
          return r;
        });
      return (at(h) - at(-h)) / (2 * h);
    });
  }
  for (const c of combos()) {
    it(label(c), () => {
      const layer = layerOf(c, 8, 10, 21);
      const x = tf.randomUniform([5, 8], 0.1, 0.9, "float32", 7) as tf.Tensor2D;
      const w = tf.randomNormal([5, 10], 0, 1, "float32", 8) as tf.Tensor2D;
      const g = run(layer, x, w, "train", 1, false);
      const xi = [0, 3, 9, 17, 22, 39];
      // the input gradient is exact for every choice (the discrete forward is bilinear in the inputs)
      close(
        xi.map((i) => g.dx[i]!),
        fd(layer, x, w, "x", xi, 1),
        2e-3,
        "dx",
      );
      // parameters: exact for relaxed choices (straight-through gradients are checked against the reference above)
      if (c.gateChoice === "soft") {
        const pi = [0, 5, 13, 22, 37];
        close(
          pi.map((i) => g.dp[0]![i]!),
          fd(layer, x, w, layer.logits, pi, 1),
          2e-3,
          "dweights",
        );
      }
      if (c.connections === "learned" && c.wiringChoice === "soft") {
        const wi = [0, 3, 9, 30, 77];
        close(
          wi.map((i) => g.dp[1]![i]!),
          fd(layer, x, w, layer.wiring!, wi, 1),
          2e-3,
          "dwiring",
        );
      }
      tf.dispose([x, w]);
      layer.dispose();
    });
  }
});

describe("straight-through choice", () => {
  it("train-mode forward is a discrete circuit on 0/1 inputs (gumbel-st everywhere), noise is seeded, eval has none", () => {
    const c: Combo = { parametrization: "softmax16", gateChoice: "gumbel-st", connections: "learned", wiringChoice: "gumbel-st" };
    const layer = layerOf(c, 10, 50, 31);
    const x = tf.tensor2d(randomBits(3, 20 * 10), [20, 10]);
    const y1 = layer.apply(x, "train");
    const v = y1.dataSync();
    expect(Array.from(v).every((t) => t === 0 || t === 1)).toBe(true);
    layer.noiseStep = 0;
    const y2 = layer.apply(x, "train");
    expect(Array.from(y2.dataSync())).toEqual(Array.from(v));
    const y3 = layer.apply(x, "train"); // the next call draws new noise
    expect(Array.from(y3.dataSync())).not.toEqual(Array.from(v));
    const e1 = layer.apply(x, "eval");
    const e2 = layer.apply(x, "eval");
    expect(Array.from(e2.dataSync())).toEqual(Array.from(e1.dataSync()));
    tf.dispose([x, y1, y2, y3, e1, e2]);
    layer.dispose();
  });

  it("learned wiring learns the right pair of inputs among many (XOR of inputs 3 and 7 out of 16)", () => {
    for (const wiringChoice of ["soft", "gumbel-st"] as const) {
      const layer = new LogicLayer(16, 8, { connections: "learned", candidates: 16, wiringChoice, gateChoice: "soft", seed: 5 });
      const opt = fusedAdam(0.1);
      const n = 64;
      const bits = randomBits(11, n * 16);
      const x = tf.tensor2d(Float32Array.from(bits), [n, 16]);
      const t = tf.tensor2d(
        Array.from({ length: n }, (_, r) => bits[r * 16 + 3]! ^ bits[r * 16 + 7]!),
        [n, 1],
      ); // every neuron's target
      for (let s = 0; s < 500; s++)
        opt.minimize(() => tf.mean(tf.square(tf.sub(layer.apply(x, "train"), t))) as tf.Scalar, false, layer.variables);
      const { a, b } = layer;
      const ids = layer.gateIds();
      let solved = 0;
      for (let j = 0; j < 8; j++) if ([a[j], b[j]].sort((p, q) => p! - q!).join() === "3,7" && GATE_NAMES[ids[j]!] === "xor") solved++;
      console.log(`XOR task, ${wiringChoice} wiring: ${solved}/8 neurons found inputs 3, 7 and the XOR gate`);
      // one noisy wiring sample per step makes the two-wire search slower with straight-through choice
      expect(solved, wiringChoice).toBeGreaterThanOrEqual(wiringChoice === "soft" ? 4 : 1);
      tf.dispose([x, t]);
      layer.dispose();
      opt.dispose();
    }
  });
});

describe("every combination: trains, discretises, compiles identical to eval mode, exports, round-trips", () => {
  it("property over all combinations", async () => {
    for (const c of combos()) {
      const layers = [layerOf(c, 20, 48, 41), layerOf(c, 48, 40, 42)];
      const net = new LogicNet([...layers, new GroupSum(5, 2)]);
      const opt = fusedAdam(0.05);
      const batch = 37;
      const bits = randomBits(13, batch * 20);
      const x = tf.tensor2d(Float32Array.from(bits), [batch, 20]);
      const y = tf.oneHot(
        tf.tensor1d(
          Array.from({ length: batch }, (_, i) => i % 5),
          "int32",
        ),
        5,
      );
      const before = net.variables.map((v) => Array.from(v.dataSync()));
      let afterFirst = 0;
      for (let s = 0; s < 3; s++) {
        opt.minimize(() => tf.losses.softmaxCrossEntropy(y, net.forward(x)) as tf.Scalar, false, net.variables);
        if (s === 0) afterFirst = tf.memory().numTensors;
      }
      // a training step leaves no tensors behind (the choices saved for the gradient are released with it)
      expect(tf.memory().numTensors, `${label(c)} training-step leak`).toBe(afterFirst);
      const after = net.variables.map((v) => Array.from(v.dataSync()));
      expect(
        after.some((v, i) => v.some((t, j) => t !== before[i]![j])),
        label(c),
      ).toBe(true);
      const nTensors = tf.memory().numTensors;
      const expected = tf.tidy(() => Array.from(tf.round(tf.mul(net.forward(x, { mode: "eval" }), 2)).dataSync()));
      expect(tf.memory().numTensors, `${label(c)} leak`).toBe(nTensors);
      for (const simplify of [true, false]) {
        const counts = compile(net, { backend: "js", simplify }).counts(bits, batch);
        expect(Array.from(counts), `${label(c)} compiled, simplify ${simplify}`).toEqual(expected);
      }
      const circuit = compileCircuit(net);
      const file = join(dir, `net_${label(c).replaceAll("/", "_")}.mjs`);
      writeFileSync(file, exportJS(circuit));
      const mod = (await import(pathToFileURL(file).href)) as { counts: (x: ArrayLike<number>, b?: number) => Int32Array };
      expect(Array.from(mod.counts(bits, batch)), `${label(c)} exportJS`).toEqual(expected);
      expect(exportVerilog(circuit)).toMatch(/module/);
      if (hasGcc)
        expect(runExportedC(dir, label(c).replaceAll("/", "_"), exportC(circuit), bits, batch, 5), `${label(c)} C`).toEqual(expected);
      // JSON and saveNet/loadNet: bit-exact, same settings, same eval output
      const path = join(dir, `${label(c).replaceAll("/", "_")}.json`);
      saveNet(path, net);
      for (const back of [LogicNet.fromJSON(JSON.stringify(net.toJSON())), loadNet(path) as LogicNet]) {
        back.layers.forEach((l, i) => {
          const o = net.layers[i]!;
          if (!o.isDifflogic)
            expect([l.parametrization, l.gateChoice, l.wiringChoice, l.temperature, l.candidates, l.noiseSeed]).toEqual([
              o.parametrization,
              o.gateChoice,
              o.wiringChoice,
              o.temperature,
              o.candidates,
              o.noiseSeed,
            ]);
          expect(Array.from(l.a)).toEqual(Array.from(o.a));
          expect(Array.from(l.gateIds())).toEqual(Array.from(o.gateIds()));
        });
        const got = tf.tidy(() => Array.from(tf.round(tf.mul(back.forward(x, { mode: "eval" }), 2)).dataSync()));
        expect(got).toEqual(expected);
        back.dispose();
      }
      tf.dispose([x, y]);
      net.dispose();
      opt.dispose();
    }
  });
});

describe("learned connections on a narrow layer", () => {
  it("a layer narrower than inDim / 2 learns its wiring (no input-coverage requirement, unlike 'random')", () => {
    expect(() => new LogicLayer(100, 10, { connections: "random" })).toThrow(/outDim must be at least inDim \/ 2/);
    const layer = new LogicLayer(100, 10, { connections: "learned", candidates: 4, seed: 3 });
    expect(Array.from(layer.a).every((v) => v >= 0 && v < 100)).toBe(true);
    expect(new Set(layer.candA).size).toBeGreaterThan(10);
    const y = layer.forward(tf.ones([2, 100]));
    expect(y.shape).toEqual([2, 10]);
    y.dispose();
    layer.dispose();
  });
});

describe("learned layer: empty batch", () => {
  it("gives an empty output and empty gradients for every kind of kernel path", () => {
    for (const c of [combos()[2]!, combos()[4]!, combos()[combos().length - 1]!]) {
      const layer = layerOf(c, 12, 30, 9);
      const net = new LogicNet([layer, new GroupSum(5, 1)]);
      const x = tf.zeros([0, 12]) as tf.Tensor2D;
      const y = net.forward(x);
      expect(y.shape, label(c)).toEqual([0, 5]);
      const g = tf.grad((xi) => tf.sum(net.forward(xi as tf.Tensor2D)))(x);
      expect(g.shape).toEqual([0, 12]);
      tf.dispose([x, y, g]);
      net.dispose();
    }
  });
});

describe("learned layer: bad input is a RelaxError naming the option", () => {
  it("rejects bad options", () => {
    expect(() => new LogicLayer(4, 4, { parametrization: "walsh" as never })).toThrow(/LogicLayer: parametrization must be/);
    expect(() => new LogicLayer(4, 4, { gateChoice: "hard" as never })).toThrow(/LogicLayer: gateChoice must be/);
    expect(() => new LogicLayer(4, 4, { wiringChoice: "x" as never })).toThrow(/LogicLayer: wiringChoice must be/);
    expect(() => new LogicLayer(4, 4, { temperature: 0 })).toThrow(/LogicLayer: temperature/);
    expect(() => new LogicLayer(4, 4, { temperature: Number.NaN })).toThrow(/LogicLayer: temperature/);
    expect(() => new LogicLayer(4, 4, { connections: "learned", candidates: 1 })).toThrow(/LogicLayer: candidates/);
    expect(() => new LogicLayer(4, 4, { connections: "learned", candidates: 5 })).toThrow(/LogicLayer: candidates must be at most inDim/);
    expect(() => new LogicLayer(4, 4, { candidates: 3 })).toThrow(/LogicLayer: candidates must be no value unless/);
    expect(() => new LogicLayer(4, 4, { connection: "learned" } as never)).toThrow(/LogicLayer/);
    expect(() => LogicLayer.fromWeights({ a: [0], b: [1], logits: [[1, 2, 3]], parametrization: "bilinear4" })).toThrow(
      /LogicLayer.fromWeights: logits must be 1 rows of 4 numbers/,
    );
    expect(() => LogicLayer.fromWeights({ a: [0, 1, 2], b: [1, 0, 2], logits: new Float32Array(16), candidates: 2 })).toThrow(
      /LogicLayer.fromWeights: a must be outDim · candidates/,
    );
    expect(() =>
      LogicLayer.fromWeights({ a: [0, 1], b: [1, 0], logits: new Float32Array(16), candidates: 2, wiring: [0, 0, Number.NaN, 0] }),
    ).toThrow(/LogicLayer.fromWeights: wiring must be finite numbers/);
  });
});
