import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import { beforeAll, describe, expect, it } from "vitest";
import { logitGradFromStats } from "../src/gates.js";
import { gateProbabilities, logicBackwardFM, logicForwardFM, neuronCoefficients } from "../src/kernels/logic_layer.js";
import { GroupSum, LogicLayer, LogicNet } from "../src/index.js";
import {
  assembleLayerModule,
  logicBackwardWasm,
  logicForwardWasm,
  probsAndCoefficientsWasm,
  groupSumWasm,
  straightThroughProbsWasm,
  wasmLayerKernelsAvailable,
  wasmNetSupported,
} from "../src/wasm_layer.js";
import { WasmAdamState, assembleAdamModule } from "../src/wasm_adam.js";
import { assemblePackModule } from "../src/wasm_pack.js";
import { assembleTransposeModule, transposeWasm } from "../src/wasm_transpose.js";
import { transpose2d } from "../src/kernels/logic_layer.js";
import { netBackwardJS, netForwardJS } from "../src/kernels/logic_net.js";
import { wiringGradFromStats } from "../src/kernels/logic_layer_learned.js";
import { learnedBackwardWasm, learnedForwardWasm } from "../src/kernels/wasm_mix.js";
import { logicNetBackwardWasm, logicNetForwardWasm } from "../src/wasm_layer.js";
import { assembleModule } from "../src/wasm_simd.js";
import { logicRng } from "../src/rng.js";

beforeAll(async () => {
  await tf.setBackend("cpu");
});

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs((a[i] as number) - (b[i] as number)));
  return m;
}

function randomLayer(seed: number, inDim: number, outDim: number) {
  const rng = logicRng(seed);
  const a = Int32Array.from({ length: outDim }, () => rng.int(inDim));
  const b = Int32Array.from({ length: outDim }, (_, j) => (j % 5 === 0 ? (a[j] as number) : rng.int(inDim))); // some a = b
  const logits = Float32Array.from({ length: outDim * 16 }, (_, i) => (i % 37 === 0 ? 40 : 3 * rng.normal()));
  return { rng, a, b, logits };
}

describe("WASM SIMD modules (hand-assembled) validate", () => {
  it("evaluator (all plane counts), packer, layer kernels, Adam", () => {
    for (const planes of [1, 3, 4, 9, 16]) expect(WebAssembly.validate(assembleModule(4, planes))).toBe(true);
    expect(WebAssembly.validate(assemblePackModule())).toBe(true);
    expect(WebAssembly.validate(assembleLayerModule())).toBe(true);
    expect(WebAssembly.validate(assembleAdamModule())).toBe(true);
    expect(WebAssembly.validate(assembleTransposeModule())).toBe(true);
    expect(wasmLayerKernelsAvailable()).toBe(true);
  });
});

describe("WASM SIMD transpose", () => {
  it("moves every float where the definition says, whole 4 × 4 blocks and the edges past them, and transpose2d uses it", () => {
    // sizes with and without whole blocks, tail rows, tail columns, both, one row / column of blocks
    for (const [rows, cols] of [
      [4, 4],
      [8, 12],
      [5, 4],
      [4, 7],
      [9, 13],
      [100, 2352],
      [2352, 100],
      [3, 33],
      [33, 3],
    ] as const) {
      const v = Float32Array.from({ length: rows * cols }, (_, i) => (i % 7 === 3 ? -0 : i * 0.5 - 11)); // -0 keeps its sign
      const w = transposeWasm(v, rows, cols);
      expect(w, `${rows} × ${cols}`).not.toBeNull();
      const want = new Float32Array(rows * cols);
      for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) want[c * rows + r] = v[r * cols + c] as number;
      expect(Object.is((w as Float32Array)[3 * rows], want[3 * rows])).toBe(true);
      expect(Array.from(w as Float32Array), `${rows} × ${cols}`).toEqual(Array.from(want));
      expect(Array.from(transpose2d(v, rows, cols))).toEqual(Array.from(want));
    }
    const before = tf.env().getBool("RELAX_LOGIC_WASM");
    tf.env().set("RELAX_LOGIC_WASM", false);
    expect(transposeWasm(new Float32Array(16), 4, 4)).toBeNull(); // the flag turns it off; transpose2d then loops in JS
    tf.env().set("RELAX_LOGIC_WASM", before);
  });
});

describe("WASM SIMD layer kernels = the float64 JS kernels (float32 rounding)", () => {
  it("softmax + coefficients (fast exp), incl. extreme logits", () => {
    const { logits } = randomLayer(1, 10, 333);
    logits[5] = -200;
    const fast = probsAndCoefficientsWasm(logits, 333)!;
    const p = gateProbabilities(logits, 333, "train");
    expect(maxAbsDiff(fast.p, p)).toBeLessThan(1e-6);
    expect(maxAbsDiff(fast.c, neuronCoefficients(p, 333))).toBeLessThan(2e-6);
  });
  for (const noisy of [false, true]) {
    it(`straight-through choice (${noisy ? "Gumbel noise" : "no noise"}): learned_choice's argmax and relaxed softmax`, () => {
      const outDim = 257;
      const { rng, logits } = randomLayer(11, 10, outDim);
      // ties: neuron 3 all equal (first maximum wins), neuron 4 two equal maxima, neuron 5 an f32-rounding tie of z + g
      logits.fill(0.25, 3 * 16, 4 * 16);
      logits.fill(0, 4 * 16, 6 * 16);
      logits[4 * 16 + 2] = 9;
      logits[4 * 16 + 7] = 9;
      const noise = noisy ? Float32Array.from({ length: outDim * 16 }, () => rng.normal()) : null;
      if (noise) {
        noise.fill(0, 3 * 16, 6 * 16);
        logits[5 * 16] = 1;
        noise[5 * 16] = 2 ** -30;
        logits[5 * 16 + 1] = 1;
        noise[5 * 16 + 1] = 2 ** -29;
      }
      const tau = 0.7;
      const fast = straightThroughProbsWasm(logits, noise, outDim, 1 / tau)!;
      for (let j = 0; j < outDim; j++) {
        const z = Float64Array.from({ length: 16 }, (_, i) => (logits[16 * j + i] as number) + (noise ? (noise[16 * j + i] as number) : 0));
        let best = 0;
        for (let i = 1; i < 16; i++) if ((z[i] as number) > (z[best] as number)) best = i;
        expect(fast.best[j]).toBe(best);
        const max = z[best] as number;
        const e = Array.from(z, (v) => Math.exp((v - max) / tau));
        const sum = e.reduce((x, y) => x + y, 0);
        for (let i = 0; i < 16; i++) expect(Math.abs((fast.p[16 * j + i] as number) - (e[i] as number) / sum)).toBeLessThan(1e-6);
      }
      expect(fast.best[3]).toBe(0);
      expect(fast.best[4]).toBe(2);
      if (noisy) expect(fast.best[5]).toBe(1);
    });
  }
  for (const oneHot of [false, true]) {
    it(`learned wiring backward (${oneHot ? "one-hot" : "soft"} weights, K = 5): the wiring gradient is wiringGradFromStats's, bit for bit`, () => {
      const inDim = 23,
        outDim = 17,
        K = 5,
        B = 7;
      const rng = logicRng(21);
      const candA = Int32Array.from({ length: outDim * K }, () => rng.int(inDim));
      const candB = Int32Array.from({ length: outDim * K }, () => rng.int(inDim));
      const qs = new Float32Array(2 * outDim * K);
      for (let i = 0; i < 2 * outDim; i++) {
        const e = Array.from({ length: K }, () => Math.exp(rng.normal()));
        const sum = e.reduce((a, b) => a + b, 0);
        for (let k = 0; k < K; k++) qs[i * K + k] = (e[k] as number) / sum;
      }
      const pick = oneHot ? Int32Array.from({ length: 2 * outDim }, () => rng.int(K)) : null;
      const q = pick ? new Float32Array(qs.length) : qs;
      if (pick) pick.forEach((k, i) => (q[i * K + k] = 1));
      const c = Float32Array.from({ length: outDim * 4 }, () => rng.normal());
      const X = Float32Array.from({ length: inDim * B }, () => rng.next());
      const dY = Float32Array.from({ length: outDim * B }, () => rng.normal());
      const r = learnedBackwardWasm(X, dY, B, inDim, candA, candB, K, q, c, 1.5, pick, null, { qs, scale: 1.25 })!;
      expect(Array.from(r.du!)).toEqual(Array.from(wiringGradFromStats(r.dq, qs, 1.25, K)));
      expect(r.du!.some((v) => v !== 0)).toBe(true);
    });
  }
  for (const B of [1, 6, 8]) {
    it(`GroupSum of feature-major rows, batch ${B}: the f64 sums of the JS kernel, bit for bit`, () => {
      const rng = logicRng(31 + B);
      const n = 30,
        k = 3,
        tau = 7;
      const X = Float32Array.from({ length: n * B }, () => rng.next() * 2 ** (rng.int(40) - 20));
      const got = groupSumWasm(X, n, B, k, tau)!;
      for (let c = 0; c < k; c++)
        for (let r = 0; r < B; r++) {
          let sum = 0;
          for (let i = c * (n / k); i < (c + 1) * (n / k); i++) sum += X[i * B + r] as number;
          expect(got[r * k + c]).toBe(Math.fround(sum / tau));
        }
    });
  }
  it("straight-through choice: a NaN logit leaves the choice to the JS loop (null)", () => {
    const { logits } = randomLayer(12, 10, 9);
    expect(straightThroughProbsWasm(logits, null, 9, 1)).not.toBeNull();
    logits[5 * 16 + 3] = Number.NaN;
    expect(straightThroughProbsWasm(logits, null, 9, 1)).toBeNull();
  });
  for (const B of [1, 3, 4, 7, 100]) {
    it(`forward and backward (dX, fused logit gradient), batch ${B}`, () => {
      const inDim = 37,
        outDim = 53;
      const { rng, a, b, logits } = randomLayer(B, inDim, outDim);
      const X = Float32Array.from({ length: inDim * B }, () => rng.next());
      const dY = Float32Array.from({ length: outDim * B }, () => rng.normal());
      const p = gateProbabilities(logits, outDim, "train");
      const c = neuronCoefficients(p, outDim);
      expect(maxAbsDiff(logicForwardWasm(X, B, inDim, a, b, c)!, logicForwardFM(X, B, a, b, c))).toBeLessThan(1e-5);
      const ref = logicBackwardFM(X, dY, B, inDim, a, b, c, 2, true);
      const fast = logicBackwardWasm(X, dY, B, inDim, a, b, c, 2, p)!;
      expect(maxAbsDiff(fast.dX, ref.dX)).toBeLessThan(1e-4);
      expect(maxAbsDiff(fast.dlogits, logitGradFromStats(ref.S, p, outDim))).toBeLessThan(1e-4);
      const evalMode = logicBackwardWasm(X, dY, B, inDim, a, b, c, 1, null)!;
      expect(Array.from(evalMode.dlogits).every((v) => v === 0)).toBe(true);
      expect(maxAbsDiff(evalMode.dX, logicBackwardFM(X, dY, B, inDim, a, b, c, 1, false).dX)).toBeLessThan(1e-4);
    });
  }
  it("can be switched off (JS fallback)", () => {
    const prev = tf.env().getBool("RELAX_LOGIC_WASM");
    tf.env().set("RELAX_LOGIC_WASM", false);
    expect(logicForwardWasm(new Float32Array(4), 1, 4, Int32Array.of(0), Int32Array.of(1), new Float64Array(4))).toBeNull();
    tf.env().set("RELAX_LOGIC_WASM", prev);
    expect(tf.memory().numTensors).toBe(0);
  });
});

describe("WASM Adam = torch's Adam formula", () => {
  it("three steps on two variables (sizes not multiples of 4)", () => {
    const rng = logicRng(3);
    const st = WasmAdamState.create()!;
    for (const [name, n] of [
      ["u", 10],
      ["w", 7],
    ] as const) {
      let theta: Float32Array = Float32Array.from({ length: n }, () => rng.normal());
      const ref = Float64Array.from(theta);
      const m = new Float64Array(n),
        v = new Float64Array(n);
      for (let t = 1; t <= 3; t++) {
        const g = Float32Array.from({ length: n }, () => rng.normal());
        const bc1 = 1 - 0.9 ** t,
          bc2 = 1 - 0.999 ** t;
        theta = st.step(name, theta, g, 0.9, 0.999, 0.01 / bc1, Math.sqrt(bc2), 1e-8);
        for (let i = 0; i < n; i++) {
          m[i] = 0.9 * m[i]! + 0.1 * g[i]!;
          v[i] = 0.999 * v[i]! + 0.001 * g[i]! * g[i]!;
          ref[i] = ref[i]! - ((0.01 / bc1) * m[i]!) / (Math.sqrt(v[i]!) / Math.sqrt(bc2) + 1e-8);
        }
        expect(maxAbsDiff(theta, ref)).toBeLessThan(1e-6);
      }
    }
  });
  it("reuses the memory of forgotten variables, with fresh moments", () => {
    const rng = logicRng(4);
    const vec = (n: number) => Float32Array.from({ length: n }, () => rng.normal());
    const twoSteps = (st: WasmAdamState, name: string, theta: Float32Array, g1: Float32Array, g2: Float32Array) => {
      const t1 = st.step(name, theta, g1, 0.9, 0.999, 0.01 / 0.1, Math.sqrt(0.001), 1e-8);
      return st.step(name, t1, g2, 0.9, 0.999, 0.01 / 0.19, Math.sqrt(1 - 0.999 ** 2), 1e-8);
    };
    const st = WasmAdamState.create()!;
    twoSteps(st, "a", vec(100), vec(100), vec(100));
    twoSteps(st, "b", vec(60), vec(60), vec(60));
    twoSteps(st, "c", vec(30), vec(30), vec(30));
    const reserved = st.bytesReserved;
    st.forget("a");
    st.forget("b");
    // a and b merge into one free block: d (150 floats) fits where neither alone would.
    const [theta, g1, g2] = [vec(150), vec(150), vec(150)];
    const reused = twoSteps(st, "d", theta, g1, g2);
    expect(st.bytesReserved).toBe(reserved);
    expect(Array.from(reused)).toEqual(Array.from(twoSteps(WasmAdamState.create()!, "d", theta, g1, g2)));
    // A variable that changes size leaves its old region free.
    twoSteps(st, "c", vec(20), vec(20), vec(20));
    twoSteps(st, "e", vec(8), vec(8), vec(8));
    expect(st.bytesReserved).toBe(reserved);
    expect(st.moments("a")).toBeNull();
  });
});

describe("whole-net kernel (activations resident in WASM memory)", () => {
  function grads(net: LogicNet, x: tf.Tensor2D, y: tf.Tensor2D, mode: "train" | "eval") {
    return tf.tidy(() => {
      const f = () => tf.losses.softmaxCrossEntropy(y, net.forward(x, { mode })) as tf.Scalar;
      const { value, grads: g } = tf.variableGrads(f, net.variables);
      const gx = tf.grad((xx: tf.Tensor) => tf.losses.softmaxCrossEntropy(y, net.forward(xx, { mode })) as tf.Scalar)(x);
      return { loss: value.dataSync()[0]!, gx: Array.from(gx.dataSync()), gz: net.variables.map((v) => Array.from(g[v.name]!.dataSync())) };
    });
  }
  for (const depth of [3, 15]) {
    it(`= the per-layer JS kernels (${depth} layers${depth > 13 ? ": too deep for the slots, per-layer WASM path" : ""}), both modes, gradFactor, batch 7`, () => {
      const rng = logicRng(depth);
      const widths = [12, ...new Array<number>(depth).fill(20)];
      const layers = widths.slice(1).map((w, i) => new LogicLayer(widths[i]!, w, { seed: 50 + i, gradFactor: i === 1 ? 2 : 1 }));
      const net = new LogicNet([...layers, new GroupSum(4, 3)]);
      const x = tf.tensor2d(
        Float32Array.from({ length: 7 * 12 }, () => rng.next()),
        [7, 12],
      );
      const y = tf.oneHot(tf.tensor1d([0, 1, 2, 3, 0, 1, 2], "int32"), 4) as tf.Tensor2D;
      expect(wasmNetSupported(depth)).toBe(depth <= 13);
      for (const mode of ["train", "eval"] as const) {
        const fast = grads(net, x, y, mode);
        const prev = tf.env().getBool("RELAX_LOGIC_WASM");
        tf.env().set("RELAX_LOGIC_WASM", false);
        const ref = grads(net, x, y, mode);
        tf.env().set("RELAX_LOGIC_WASM", prev);
        expect(Math.abs(fast.loss - ref.loss)).toBeLessThan(1e-5);
        expect(maxAbsDiff(fast.gx, ref.gx)).toBeLessThan(1e-5);
        fast.gz.forEach((g, i) => expect(maxAbsDiff(g, ref.gz[i]!)).toBeLessThan(1e-5));
      }
      tf.dispose([x, y]);
      net.dispose();
    });
  }
});

describe("whole-net kernel: WASM = JS fallback", () => {
  it("forward and backward on a 3-layer net, batch 9, gradFactor 3 on layer 1", () => {
    const B = 9,
      inDim = 11;
    const rng = logicRng(77);
    const layers = [30, 30, 40].map((outDim, l) => {
      const { a, b, logits } = randomLayer(l + 3, l === 0 ? inDim : 30, outDim);
      const p = gateProbabilities(logits, outDim, "train");
      return { a, b, gradFactor: l === 1 ? 3 : 1, c: neuronCoefficients(p, outDim), p };
    });
    const xFM = Float32Array.from({ length: inDim * B }, () => rng.next());
    const dy = Float32Array.from({ length: B * 4 }, () => rng.normal());
    const { out, record } = logicNetForwardWasm(xFM, B, inDim, layers, 4, 2)!;
    expect(maxAbsDiff(out, netForwardJS(xFM, B, layers, 4, 2))).toBeLessThan(1e-5);
    const fast = logicNetBackwardWasm(() => xFM, B, inDim, layers, 4, 2, record, dy)!;
    const fresh = logicNetBackwardWasm(() => xFM, B, inDim, layers, 4, 2, null, dy)!; // recomputes the activations
    const ref = netBackwardJS(xFM, B, inDim, layers, 4, 2, dy);
    // the record is what connects the two kernels: given it, the backward reads the forward's activations (a zeroed
    // input changes nothing); once another forward reused the slots, the record is stale and it recomputes from x
    const zeros = new Float32Array(xFM.length);
    const fromRecord = logicNetBackwardWasm(() => zeros, B, inDim, layers, 4, 2, record, dy)!;
    for (let i = 0; i < 4; i++) logicNetForwardWasm(zeros, B, inDim, layers, 4, 2); // 4 × 4 slots: all 16 reused
    const afterStale = logicNetBackwardWasm(() => xFM, B, inDim, layers, 4, 2, record, dy)!;
    for (const r of [fast, fresh, fromRecord, afterStale]) {
      expect(maxAbsDiff(r.dX!, ref.dX)).toBeLessThan(1e-5);
      r.dlogits.forEach((d, i) => expect(maxAbsDiff(d, ref.dlogits[i]!)).toBeLessThan(1e-5));
    }
  });
});

// five layers, four with soft learned wiring: their kept rows and the activations take 14 of the 16 slots, so the
// backward's slots wrap round past them; eight learned layers: slots to spare for the first two only, the others
// mix again in the backward
const KEPT_ROW_NETS: [string, { outDim: number; K: number }[]][] = [
  [
    "five layers, four learned (all kept)",
    [
      { outDim: 32, K: 4 },
      { outDim: 32, K: 3 },
      { outDim: 32, K: 0 },
      { outDim: 32, K: 4 },
      { outDim: 40, K: 2 },
    ],
  ],
  ["eight learned layers (two kept)", [...Array.from({ length: 7 }, (_, i) => ({ outDim: 24, K: 2 + (i % 3) })), { outDim: 40, K: 3 }]],
];

describe("whole-net kernel: soft learned wiring keeps its mixed rows for the backward", () => {
  it.each(KEPT_ROW_NETS)("%s: equals the per-layer kernels, and stays right whichever slots later passes reuse", (_, spec) => {
    const B = 7,
      inDim = 11,
      k = 4,
      tau = 2;
    const rng = logicRng(91);
    const layers = spec.map(({ outDim, K }, l) => {
      const prev = l === 0 ? inDim : (spec[l - 1]!.outDim as number);
      const { a, b, logits } = randomLayer(20 + l, prev, outDim);
      const p64 = gateProbabilities(logits, outDim, "train");
      const p = Float32Array.from(p64);
      const c = Float32Array.from(neuronCoefficients(p64, outDim));
      if (K === 0) return { a, b, gradFactor: 2, c, p };
      const candA = Int32Array.from({ length: outDim * K }, () => rng.int(prev));
      const candB = Int32Array.from({ length: outDim * K }, () => rng.int(prev));
      const q = new Float32Array(outDim * 2 * K);
      for (let i = 0; i < outDim * 2; i++) {
        const e = Array.from({ length: K }, () => Math.exp(rng.normal()));
        const sum = e.reduce((u, v) => u + v, 0);
        e.forEach((v, j) => (q[i * K + j] = v / sum));
      }
      const wiring = { candA, candB, K, q, pick: null, train: { qs: q, scale: 1, gates: { p, scale: 1 } } };
      return { a: new Int32Array(outDim), b: new Int32Array(outDim), gradFactor: 1, c, p, wiring };
    });
    const xFM = Float32Array.from({ length: inDim * B }, () => rng.next());
    const dy = Float32Array.from({ length: B * k }, () => rng.normal());
    // the per-layer kernels, layer by layer (they mix the candidates again in the backward)
    const acts: Float32Array[] = [xFM];
    layers.forEach((l, i) => {
      const X = acts[i]!;
      const rows = i === 0 ? inDim : spec[i - 1]!.outDim;
      const w = l.wiring;
      acts.push(w ? learnedForwardWasm(X, B, rows, w.candA, w.candB, w.K, w.q, l.c)! : logicForwardWasm(X, B, rows, l.a, l.b, l.c)!);
    });
    const n = spec[spec.length - 1]!.outDim;
    let dY: Float32Array = new Float32Array(n * B);
    for (let i = 0; i < n; i++) for (let r = 0; r < B; r++) dY[i * B + r] = (dy[r * k + Math.floor(i / (n / k))] as number) / tau;
    const refGrads: Float32Array[] = [];
    for (let i = layers.length - 1; i >= 0; i--) {
      const l = layers[i]!;
      const rows = i === 0 ? inDim : spec[i - 1]!.outDim;
      const w = l.wiring;
      const r = w
        ? learnedBackwardWasm(
            acts[i]!,
            dY,
            B,
            rows,
            w.candA,
            w.candB,
            w.K,
            w.q,
            l.c,
            l.gradFactor,
            null,
            { p: l.p, scale: 1 },
            { qs: w.q, scale: 1 },
          )!
        : logicBackwardWasm(acts[i]!, dY, B, rows, l.a, l.b, l.c, l.gradFactor, l.p)!;
      refGrads[i] = "du" in r ? r.du! : r.dlogits;
      dY = r.dX;
    }
    const gradsOf = (r: NonNullable<ReturnType<typeof logicNetBackwardWasm>>) =>
      layers.map((l, i) => (l.wiring ? r.wiring[i]!.du : r.dlogits[i]!));
    const { record } = logicNetForwardWasm(xFM, B, inDim, layers, k, tau)!;
    const first = logicNetBackwardWasm(() => xFM, B, inDim, layers, k, tau, record, dy)!;
    expect(maxAbsDiff(first.dX!, dY)).toBeLessThan(1e-5);
    gradsOf(first).forEach((g, i) => expect(maxAbsDiff(g, refGrads[i]!)).toBeLessThan(1e-5));
    // given a current record the backward reads the kept rows and activations (a zeroed input changes nothing)
    const zeros = new Float32Array(xFM.length);
    const again = logicNetForwardWasm(xFM, B, inDim, layers, k, tau)!.record;
    expect(logicNetBackwardWasm(() => zeros, B, inDim, layers, k, tau, again, dy)!.dX).toEqual(first.dX);
    // forwards of other inputs and backwards in between move the slots round: the backward still reads its own
    // forward's rows, or finds the record stale and recomputes; either way the same numbers
    for (let round = 0; round < 9; round++) {
      const { record: rec } = logicNetForwardWasm(xFM, B, inDim, layers, k, tau)!;
      for (let extra = 0; extra < round % 3; extra++) {
        const other = logicNetForwardWasm(zeros, B, inDim, layers, k, tau)!.record;
        if (extra === 1) logicNetBackwardWasm(() => zeros, B, inDim, layers, k, tau, other, dy);
      }
      const r = logicNetBackwardWasm(() => xFM, B, inDim, layers, k, tau, rec, dy)!;
      expect(r.dX).toEqual(first.dX);
      gradsOf(r).forEach((g, i) => expect(g).toEqual(gradsOf(first)[i]));
    }
  });
});
