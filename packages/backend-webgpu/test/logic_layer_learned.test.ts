import * as tf from "@tensorflow/tfjs-core";
import { describe, expect, it } from "vitest";
import {
  RELAX_FORCE_REFERENCE,
  RelaxLogicLayerLearned,
  RelaxLogicLayerLearnedGrad,
  registerKernelSupport,
  runFusedKernel,
  useFused,
  withFlags,
  type RelaxLogicLayerLearnedAttrs,
} from "@relax/core";
import { GroupSum, LogicLayer, LogicNet } from "@relax/logic"; // also registers the host kernels
import { learnedFanoutTable } from "../src/kernels/logic_layer_learned.js";
import { registerWebGPUKernelSupports } from "../src/supports.js";
import { initWebGPU, maxAbsError, maxRelViolation, onBackend, randomFloats, trainStepGrads } from "./webgpu_env.js";

const ok = await initWebGPU();
const batch = 19;
const inDim = 13;
const outDim = 11;
const xs = randomFloats(batch * inDim, 51, 0, 1);
const dyV = randomFloats(batch * outDim, 52, -1, 1);

type Choice = RelaxLogicLayerLearnedAttrs["gateChoice"];
type Param = RelaxLogicLayerLearnedAttrs["parametrization"];
interface Case {
  parametrization: Param;
  gateChoice: Choice;
  K: number;
  wiringChoice: Choice;
  mode: "train" | "eval";
  featureMajorIn: boolean;
  featureMajorOut: boolean;
}

/** `[r, c]` row-major values as `[c, r]`. */
function transposed(v: Float32Array, r: number, c: number): Float32Array {
  const t = new Float32Array(v.length);
  for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) t[j * r + i] = v[i * c + j] as number;
  return t;
}

function attrsOf(cs: Case): RelaxLogicLayerLearnedAttrs {
  const K = cs.K;
  const candA = Int32Array.from({ length: outDim * K }, (_, e) => (e * 7 + 3) % inDim);
  const candB = Int32Array.from({ length: outDim * K }, (_, e) => (e * 5 + 1) % inDim);
  candB[0] = candA[0]!; // a gate input reading the same input as its partner
  if (K > 1) candA[K + 1] = candA[K]!; // a gate input with the same candidate twice
  const { mode, parametrization, gateChoice, wiringChoice, featureMajorIn, featureMajorOut } = cs;
  return {
    candA,
    candB,
    K,
    parametrization,
    gateChoice,
    wiringChoice,
    temperature: 0.7,
    noiseSeed: 0x9e3779b9,
    mode,
    gradFactor: 1.5,
    featureMajorIn,
    featureMajorOut,
  };
}

const NAMES = ["y", "c", "s", "q", "qs", "dx", "dweights", "dwiring"] as const;

/** The five forward outputs and the three gradients (from the backend's own saved choices), read back. */
async function runAll(backend: "cpu" | "webgpu", cs: Case): Promise<Record<(typeof NAMES)[number], Float32Array>> {
  return onBackend(backend, async () => {
    const attrs = attrsOf(cs);
    const P = cs.parametrization === "softmax16" ? 16 : 4;
    const x = cs.featureMajorIn ? tf.tensor2d(transposed(xs, batch, inDim), [inDim, batch]) : tf.tensor2d(xs, [batch, inDim]);
    const weights = tf.tensor2d(randomFloats(outDim * P, 53, -3, 3), [outDim, P]);
    const wiring = tf.tensor3d(randomFloats(outDim * 2 * cs.K, 54, -2, 2), [outDim, 2, cs.K]);
    const dy = cs.featureMajorOut ? tf.tensor2d(transposed(dyV, batch, outDim), [outDim, batch]) : tf.tensor2d(dyV, [batch, outDim]);
    const [y, c, s, q, qs] = runFusedKernel<tf.Tensor[]>(RelaxLogicLayerLearned, { x, weights, wiring }, attrs) as tf.Tensor[];
    const grads = runFusedKernel<tf.Tensor[]>(RelaxLogicLayerLearnedGrad, { x, weights, wiring, dy, c: c!, s: s!, q: q!, qs: qs! }, attrs);
    const all = [y!, c!, s!, q!, qs!, ...grads];
    expect(all.map((t) => t.shape)).toEqual([
      cs.featureMajorOut ? [outDim, batch] : [batch, outDim],
      [outDim, 4],
      [outDim, P],
      [outDim, 2, cs.K],
      [outDim, 2, cs.K],
      x.shape,
      [outDim, P],
      [outDim, 2, cs.K],
    ]);
    const values = await Promise.all(all.map((t) => t.data() as Promise<Float32Array>));
    tf.dispose([x, weights, wiring, dy, ...all]);
    return Object.fromEntries(NAMES.map((n, i) => [n, values[i]!])) as Record<(typeof NAMES)[number], Float32Array>;
  });
}

describe("learnedFanoutTable", () => {
  it("lists the candidate entries reading each input in CSR order", () => {
    // entries: 0→1, 1→0, 2→1, 3→2
    expect(Array.from(learnedFanoutTable(Int32Array.of(1, 0, 1, 2), 3))).toEqual([0, 1, 3, 4, 1, 0, 2, 3]);
  });
});

const CHOICES: Choice[] = ["soft", "gumbel-st", "hard-st"];
const cases: Case[] = [];
for (const parametrization of ["softmax16", "bilinear4"] as const) {
  for (const gateChoice of CHOICES) {
    // fixed wiring (K = 1), then learned wiring (K = 4) under each wiring choice
    for (const [K, wiringChoice] of [
      [1, gateChoice],
      [4, "soft"],
      [4, "gumbel-st"],
      [4, "hard-st"],
    ] as [number, Choice][]) {
      const l = cases.length % 4;
      cases.push({ parametrization, gateChoice, K, wiringChoice, mode: "train", featureMajorIn: l % 2 === 1, featureMajorOut: l >= 2 });
    }
  }
  for (const K of [1, 4])
    cases.push({
      parametrization,
      gateChoice: "gumbel-st",
      K,
      wiringChoice: "gumbel-st",
      mode: "eval",
      featureMajorIn: K === 4,
      featureMajorOut: K === 1,
    });
}

describe.runIf(ok)("RelaxLogicLayerLearned on webgpu", () => {
  for (const cs of cases) {
    const layout = `${cs.featureMajorIn ? "fm" : "bm"} in, ${cs.featureMajorOut ? "fm" : "bm"} out`;
    it(`matches the host kernel: ${cs.parametrization}, gate ${cs.gateChoice}, K = ${cs.K} wiring ${cs.wiringChoice}, ${cs.mode}, ${layout}`, async () => {
      const cpu = await runAll("cpu", cs);
      const gpu = await runAll("webgpu", cs);
      expect(tf.getBackend()).toBe("webgpu");
      const worst = Object.fromEntries(NAMES.map((n) => [n, maxAbsError(gpu[n], cpu[n])]));
      for (const n of NAMES) expect(maxRelViolation(gpu[n], cpu[n], 1e-4, 1e-5), `${n} ${JSON.stringify(worst)}`).toBeLessThanOrEqual(1);
      if (cs.mode === "eval") {
        expect(Array.from(gpu.dweights).every((v) => v === 0)).toBe(true);
        expect(Array.from(gpu.dwiring).every((v) => v === 0)).toBe(true);
      }
    });
  }

  it("uses the noise: gumbel-st picks other gates and wires than hard-st from the same logits", async () => {
    const base: Case = {
      parametrization: "softmax16",
      gateChoice: "hard-st",
      K: 4,
      wiringChoice: "hard-st",
      mode: "train",
      featureMajorIn: false,
      featureMajorOut: false,
    };
    const hard = await runAll("webgpu", base);
    const noisy = await runAll("webgpu", { ...base, gateChoice: "gumbel-st", wiringChoice: "gumbel-st" });
    expect(maxAbsError(hard.c, noisy.c)).toBeGreaterThan(0.5);
    expect(maxAbsError(hard.q, noisy.q)).toBe(1);
  });
});

describe.runIf(ok)("LogicNet with learned layers on webgpu", () => {
  const layers = () => [
    new LogicLayer(20, 36, { seed: 1, connections: "learned", candidates: 4, gateChoice: "gumbel-st", temperature: 0.5 }),
    new LogicLayer(36, 36, {
      seed: 2,
      parametrization: "bilinear4",
      gateChoice: "hard-st",
      connections: "learned",
      candidates: 3,
      wiringChoice: "soft",
    }),
    new LogicLayer(36, 24, { seed: 3, parametrization: "bilinear4", gateChoice: "gumbel-st", gradFactor: 2 }),
    new GroupSum(4, 3),
  ];

  it("a training step through tf.variableGrads matches cpu (loss, every weight and wiring gradient) and runs the WGSL kernels", async () => {
    const step = (backend: "cpu" | "webgpu") =>
      onBackend(backend, async () => {
        const net = new LogicNet(layers());
        const x = tf.tensor2d(randomFloats(12 * 20, 61, 0, 1), [12, 20]);
        const out = await trainStepGrads(
          net,
          x,
          Int32Array.from({ length: 12 }, (_, i) => i % 4),
          4,
        );
        net.dispose();
        return out;
      });
    const cpu = await step("cpu");
    const gpu = await step("webgpu");
    expect(tf.getBackend()).toBe("webgpu");
    expect(gpu.grads.length).toBe(cpu.grads.length);
    expect(Math.abs(gpu.loss - cpu.loss)).toBeLessThan(1e-5 * Math.max(1, Math.abs(cpu.loss)));
    cpu.grads.forEach((g, i) => expect(maxRelViolation(gpu.grads[i]!, g, 1e-4, 1e-6), `variable ${i}`).toBeLessThanOrEqual(1));

    await onBackend("webgpu", async () => {
      const net = new LogicNet(layers());
      const x = tf.tensor2d(randomFloats(6 * 20, 62, 0, 1), [6, 20]);
      const info = await tf.profile(() => net.forward(x));
      expect(info.kernels.filter((k) => k.name === RelaxLogicLayerLearned).length).toBe(3);
      tf.dispose([x, info.result as tf.Tensor]);
      net.dispose();
    });
  });
  it("a net pruned to its 2 strongest candidates (pruneCandidates) trains like on cpu, on the kernels with K = 2", async () => {
    const step = (backend: "cpu" | "webgpu") =>
      onBackend(backend, async () => {
        const net = new LogicNet(layers());
        const pruned = net.pruneCandidates(2);
        const x = tf.tensor2d(randomFloats(12 * 20, 63, 0, 1), [12, 20]);
        const info = await tf.profile(() => net.forward(x));
        const kernels = info.kernels.filter((k) => k.name === RelaxLogicLayerLearned).length;
        tf.dispose(info.result as tf.Tensor);
        const shapes = net.variables.map((v) => v.shape);
        const out = await trainStepGrads(
          net,
          x,
          Int32Array.from({ length: 12 }, (_, i) => i % 4),
          4,
        );
        net.dispose();
        return { ...out, pruned, kernels, shapes };
      });
    const cpu = await step("cpu");
    const gpu = await step("webgpu");
    expect([gpu.pruned, gpu.kernels]).toEqual([2, 3]);
    expect(gpu.shapes).toEqual(cpu.shapes);
    expect(gpu.shapes.filter((s) => s.length === 3)).toEqual([
      [36, 2, 2],
      [36, 2, 2],
    ]);
    expect(Math.abs(gpu.loss - cpu.loss)).toBeLessThan(1e-5 * Math.max(1, Math.abs(cpu.loss)));
    cpu.grads.forEach((g, i) => expect(maxRelViolation(gpu.grads[i]!, g, 1e-4, 1e-6), `variable ${i}`).toBeLessThanOrEqual(1));
  });
});

describe.runIf(ok)("RelaxLogicLayerLearned support on webgpu", () => {
  it("accepts every option of LogicLayer, declines others; a declined layer runs the reference (same numbers)", async () => {
    await onBackend("webgpu", async () => {
      for (const parametrization of ["softmax16", "bilinear4"])
        for (const gateChoice of CHOICES)
          expect(useFused(RelaxLogicLayerLearned, { parametrization, gateChoice, wiringChoice: gateChoice, K: 4 })).toBe(true);
      expect(useFused(RelaxLogicLayerLearned, { parametrization: "walsh", gateChoice: "soft", wiringChoice: "soft", K: 1 })).toBe(false);
      expect(useFused(RelaxLogicLayerLearned, { parametrization: "bilinear4", gateChoice: "soft", wiringChoice: "concrete", K: 4 })).toBe(
        false,
      );

      const layer = new LogicLayer(10, 16, { seed: 7, parametrization: "bilinear4", connections: "learned", candidates: 3 });
      const x = tf.tensor2d(randomFloats(5 * 10, 71, 0, 1), [5, 10]);
      const values = async () => {
        const info = await tf.profile(() => layer.forward(x));
        const y = info.result as tf.Tensor;
        const v = { y: (await y.data()) as Float32Array, fused: info.kernels.some((k) => k.name === RelaxLogicLayerLearned) };
        y.dispose();
        return v;
      };
      const fused = await values();
      const reference = await withFlags({ [RELAX_FORCE_REFERENCE]: true }, values);
      try {
        registerKernelSupport<{ parametrization: string }>(RelaxLogicLayerLearned, "webgpu", (at) => at.parametrization !== "bilinear4");
        const declined = await values();
        expect([fused.fused, reference.fused, declined.fused]).toEqual([true, false, false]);
        expect(Array.from(declined.y)).toEqual(Array.from(reference.y));
        expect(maxRelViolation(fused.y, reference.y, 1e-4, 1e-5)).toBeLessThanOrEqual(1);
      } finally {
        registerWebGPUKernelSupports();
        tf.dispose(x);
        layer.dispose();
      }
    });
  });
});
