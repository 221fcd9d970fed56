import * as tf from "@tensorflow/tfjs-core";
import { describe, expect, it } from "vitest";
import {
  RelaxLogicConvTree,
  RelaxLogicConvTreeGradLogits,
  RelaxLogicConvTreeGradX,
  RelaxLogicLeafGather,
  RelaxLogicLeafGatherGradWiring,
  RelaxLogicLeafGatherGradX,
  RelaxOrPoolMax,
  RelaxOrPoolMaxGrad,
  runFusedKernel,
  useFused,
  type RelaxLogicConvTreeAttrs,
  type RelaxOrPoolMaxAttrs,
} from "@relax/core";
import { ConvLogicNet, GroupSum, LogicConvTree, LogicLayer, OrPool } from "@relax/logic"; // also registers the CPU kernels
import { channelLeafTable } from "../src/kernels/conv_logic.js";
import { initWebGPU, maxAbsError, maxRelViolation, onBackend, randomFloats, trainStepGrads } from "./webgpu_env.js";

const ok = await initWebGPU();

interface TreeCase {
  batch: number;
  h: number;
  w: number;
  c: number;
  K: number;
  rf: number;
  depth: number;
  padding: "valid" | "same";
  /** Stride (absent: 1). */
  stride?: number;
  mode: "train" | "eval";
  /** 0/1 input (exact Boolean values, as after a binarised first layer) instead of floats in [0, 1]. */
  binary: boolean;
  /** Node options (absent: difflogic's softmax16, soft); τ 0.5 and noise seed 7 where they apply. */
  parametrization?: "softmax16" | "bilinear4";
  gateChoice?: "soft" | "gumbel-st" | "hard-st";
}

const TREE_CASES: TreeCase[] = [
  { batch: 1, h: 5, w: 4, c: 1, K: 3, rf: 1, depth: 1, padding: "valid", mode: "train", binary: false },
  { batch: 3, h: 7, w: 6, c: 2, K: 4, rf: 3, depth: 2, padding: "same", mode: "train", binary: false },
  { batch: 3, h: 6, w: 7, c: 3, K: 5, rf: 4, depth: 3, padding: "same", mode: "eval", binary: true },
  { batch: 1, h: 5, w: 6, c: 3, K: 2, rf: 2, depth: 3, padding: "valid", mode: "train", binary: true },
  { batch: 3, h: 6, w: 5, c: 2, K: 3, rf: 4, depth: 1, padding: "valid", mode: "eval", binary: false },
  { batch: 3, h: 8, w: 8, c: 1, K: 6, rf: 3, depth: 2, padding: "valid", mode: "train", binary: false },
  // 3 × 20 × 20 = 1200 positions: the ∂logits reduction spans two chunks of 1024 positions
  { batch: 3, h: 20, w: 20, c: 2, K: 2, rf: 3, depth: 2, padding: "same", mode: "train", binary: false },
  // strided trees: windows at every s-th row and column (∂x gathers only from the windows that exist)
  { batch: 2, h: 9, w: 8, c: 2, K: 3, rf: 3, depth: 2, padding: "valid", stride: 2, mode: "train", binary: false },
  { batch: 2, h: 7, w: 8, c: 3, K: 4, rf: 2, depth: 3, padding: "same", stride: 3, mode: "train", binary: false },
  // node options: the learned layer's gate choice and parameter gradient
  { batch: 3, h: 7, w: 6, c: 2, K: 4, rf: 3, depth: 2, padding: "same", mode: "train", binary: false, parametrization: "bilinear4" },
  {
    batch: 2,
    h: 9,
    w: 8,
    c: 2,
    K: 3,
    rf: 3,
    depth: 3,
    padding: "valid",
    stride: 2,
    mode: "train",
    binary: false,
    parametrization: "bilinear4",
    gateChoice: "gumbel-st",
  },
  {
    batch: 3,
    h: 6,
    w: 7,
    c: 3,
    K: 3,
    rf: 2,
    depth: 2,
    padding: "valid",
    mode: "train",
    binary: true,
    parametrization: "bilinear4",
    gateChoice: "hard-st",
  },
  { batch: 3, h: 6, w: 5, c: 2, K: 5, rf: 3, depth: 2, padding: "same", mode: "train", binary: false, gateChoice: "gumbel-st" },
  { batch: 3, h: 20, w: 20, c: 2, K: 2, rf: 3, depth: 2, padding: "same", mode: "train", binary: false, gateChoice: "hard-st" },
  {
    batch: 2,
    h: 5,
    w: 6,
    c: 8,
    K: 4,
    rf: 1,
    depth: 1,
    padding: "valid",
    mode: "train",
    binary: false,
    parametrization: "bilinear4",
    gateChoice: "hard-st",
  },
  { batch: 3, h: 6, w: 7, c: 3, K: 5, rf: 4, depth: 3, padding: "same", mode: "eval", binary: true, parametrization: "bilinear4" },
];

function treeInputs(t: TreeCase, seed: number) {
  const L = 1 << t.depth;
  const n = t.K * L;
  // random leaves, repetitions allowed (a tree may read the same pixel twice)
  const leafY = Int32Array.from(randomFloats(n, seed, 0, t.rf), Math.floor);
  const leafX = Int32Array.from(randomFloats(n, seed + 1, 0, t.rf), Math.floor);
  const leafC = Int32Array.from(randomFloats(n, seed + 2, 0, t.c), Math.floor);
  let xs = randomFloats(t.batch * t.h * t.w * t.c, seed + 3, 0, 1);
  if (t.binary) xs = xs.map((v) => (v < 0.5 ? 0 : 1));
  const P = t.parametrization === "bilinear4" ? 4 : 16;
  const logits = randomFloats(t.K * (L - 1) * P, seed + 4, -3, 3);
  if (P === 16) logits[4] = logits[9] = 10; // argmax tie in node 0 (first max wins)
  const s = t.stride ?? 1;
  const ho = t.padding === "same" ? Math.ceil(t.h / s) : Math.floor((t.h - t.rf) / s) + 1;
  const wo = t.padding === "same" ? Math.ceil(t.w / s) : Math.floor((t.w - t.rf) / s) + 1;
  // dy with exact zeros (as behind a max pool) so the skip of zero-gradient trees is exercised
  const dy = randomFloats(t.batch * ho * wo * t.K, seed + 5, -1, 1).map((v) => (Math.abs(v) < 0.3 ? 0 : v));
  const attrs: RelaxLogicConvTreeAttrs = {
    leafY,
    leafX,
    leafC,
    receptiveField: t.rf,
    depth: t.depth,
    padding: t.padding,
    mode: t.mode,
    ...(t.stride !== undefined ? { stride: t.stride } : {}),
    ...(t.parametrization || t.gateChoice
      ? { parametrization: t.parametrization ?? "softmax16", gateChoice: t.gateChoice ?? "soft", temperature: 0.5, noiseSeed: 7 }
      : {}),
  };
  return { xs, logits, dy, attrs, L, P, ho, wo };
}

async function runTree(backend: "cpu" | "webgpu", t: TreeCase, seed: number) {
  const { xs, logits: zs, dy: dys, attrs, L, P, ho, wo } = treeInputs(t, seed);
  return onBackend(backend, async () => {
    const x = tf.tensor4d(xs, [t.batch, t.h, t.w, t.c]);
    const logits = tf.tensor3d(zs, [t.K, L - 1, P]);
    const dy = tf.tensor4d(dys, [t.batch, ho, wo, t.K]);
    const y = runFusedKernel<tf.Tensor>(RelaxLogicConvTree, { x, logits }, attrs);
    const dx = runFusedKernel<tf.Tensor>(RelaxLogicConvTreeGradX, { x, logits, dy }, attrs);
    const dl = runFusedKernel<tf.Tensor>(RelaxLogicConvTreeGradLogits, { x, logits, dy }, attrs);
    expect(y.shape).toEqual([t.batch, ho, wo, t.K]);
    expect(dx.shape).toEqual([t.batch, t.h, t.w, t.c]);
    expect(dl.shape).toEqual([t.K, L - 1, P]);
    const [yv, dxv, dlv] = await Promise.all([y.data(), dx.data(), dl.data()]);
    tf.dispose([x, logits, dy, y, dx, dl]);
    return { y: yv as Float32Array, dx: dxv as Float32Array, dlogits: dlv as Float32Array };
  });
}

/** Wraps the webgpu kernelFunc of each name to count its calls while `fn` runs. */
async function countWebGPUCalls<T>(names: string[], fn: () => Promise<T>): Promise<{ out: T; calls: Record<string, number> }> {
  const calls: Record<string, number> = {};
  const restore: (() => void)[] = [];
  for (const name of names) {
    const config = tf.getKernel(name, "webgpu");
    if (!config) throw new Error(`${name} is not registered for webgpu`);
    const original = config.kernelFunc;
    calls[name] = 0;
    config.kernelFunc = (args) => {
      calls[name]!++;
      return original(args);
    };
    restore.push(() => {
      config.kernelFunc = original;
    });
  }
  try {
    return { out: await fn(), calls };
  } finally {
    for (const r of restore) r();
  }
}

describe("channelLeafTable", () => {
  it("lists the (kernel, leaf) pairs of each channel in CSR order", () => {
    // q:      0  1  2  3  4
    // leafC:  1  0  1  2  1
    expect(Array.from(channelLeafTable([1, 0, 1, 2, 1], 3))).toEqual([0, 1, 4, 5, 1, 0, 2, 4, 3]);
  });
});

describe.runIf(ok)("RelaxLogicConvTree on webgpu", () => {
  TREE_CASES.forEach((t, ci) => {
    const options = t.parametrization || t.gateChoice ? ` ${t.parametrization ?? "softmax16"} ${t.gateChoice ?? "soft"}` : "";
    const name = `${t.h}×${t.w} C=${t.c} rf=${t.rf} depth=${t.depth} ${t.padding}${t.stride ? ` stride ${t.stride}` : ""} batch=${t.batch} ${t.mode}${t.binary ? " (0/1 input)" : ""}${options}`;
    it(`matches the CPU kernels: ${name} (y, dx, dlogits)`, async () => {
      const cpu = await runTree("cpu", t, 100 + 10 * ci);
      const gpu = await runTree("webgpu", t, 100 + 10 * ci);
      expect(tf.getBackend()).toBe("webgpu");
      const err = { y: maxAbsError(gpu.y, cpu.y), dx: maxAbsError(gpu.dx, cpu.dx), dlogits: maxAbsError(gpu.dlogits, cpu.dlogits) };
      console.log(`conv tree ${name} max|webgpu − cpu|`, err);
      expect(maxRelViolation(gpu.y, cpu.y, 1e-4, 1e-6)).toBeLessThanOrEqual(1);
      expect(maxRelViolation(gpu.dx, cpu.dx, 1e-4, 1e-5)).toBeLessThanOrEqual(1);
      expect(maxRelViolation(gpu.dlogits, cpu.dlogits, 1e-4, 1e-5)).toBeLessThanOrEqual(1);
      if (t.mode === "eval") expect(gpu.dlogits.every((v) => v === 0)).toBe(true);
      else expect(maxAbsError(cpu.dlogits, new Float32Array(cpu.dlogits.length))).toBeGreaterThan(0); // not a vacuous comparison
      expect(maxAbsError(cpu.dx, new Float32Array(cpu.dx.length))).toBeGreaterThan(0);
    });
  });
});

describe.runIf(ok)("RelaxLogicConvTreeGradX in slices of images", () => {
  it("a leaf-gradient budget of 2 images (batch 3: slices of 2 and 1) gives the CPU kernel's dx", async () => {
    const t = TREE_CASES[1]!;
    const perImage = t.h * t.w * t.K * (1 << t.depth) * 4; // 'same': H' × W' = H × W
    const cpu = await runTree("cpu", t, 110);
    const previous = tf.env().getNumber("RELAX_WEBGPU_LEAF_GRAD_BUDGET");
    tf.env().set("RELAX_WEBGPU_LEAF_GRAD_BUDGET", 2 * perImage + 4);
    try {
      const gpu = await runTree("webgpu", t, 110);
      expect(tf.getBackend()).toBe("webgpu");
      expect(maxRelViolation(gpu.dx, cpu.dx, 1e-4, 1e-5)).toBeLessThanOrEqual(1);
    } finally {
      tf.env().set("RELAX_WEBGPU_LEAF_GRAD_BUDGET", previous);
    }
  });
});

describe.runIf(ok)("empty batch on webgpu", () => {
  it("returns empty outputs and zero logit gradients without binding a zero-size buffer", async () => {
    await onBackend("webgpu", async () => {
      const attrs: RelaxLogicConvTreeAttrs = {
        leafY: Int32Array.of(0, 1, 2, 0),
        leafX: Int32Array.of(1, 0, 2, 2),
        leafC: Int32Array.of(0, 0, 0, 0),
        receptiveField: 3,
        depth: 2,
        padding: "valid",
        mode: "train",
      };
      const x = tf.zeros([0, 5, 5, 1]);
      const logits = tf.ones([1, 3, 16]);
      const dy = tf.zeros([0, 3, 3, 1]);
      const y = runFusedKernel<tf.Tensor>(RelaxLogicConvTree, { x, logits }, attrs);
      const dx = runFusedKernel<tf.Tensor>(RelaxLogicConvTreeGradX, { x, logits, dy }, attrs);
      const dl = runFusedKernel<tf.Tensor>(RelaxLogicConvTreeGradLogits, { x, logits, dy }, attrs);
      const p = runFusedKernel<tf.Tensor>(RelaxOrPoolMax, { x }, { size: 2, stride: 2 });
      expect([y.shape, dx.shape, dl.shape, p.shape]).toEqual([
        [0, 3, 3, 1],
        [0, 5, 5, 1],
        [1, 3, 16],
        [0, 2, 2, 1],
      ]);
      expect(Array.from(await dl.data())).toEqual(new Array(48).fill(0));
      expect((await y.data()).length).toBe(0);
      tf.dispose([x, logits, dy, y, dx, dl, p]);
    });
  });
});

interface PoolCase {
  batch: number;
  h: number;
  w: number;
  c: number;
  size: number;
  stride: number;
  binary: boolean;
}

const POOL_CASES: PoolCase[] = [
  { batch: 3, h: 6, w: 7, c: 2, size: 2, stride: 2, binary: true },
  { batch: 1, h: 7, w: 8, c: 3, size: 3, stride: 2, binary: true },
  { batch: 3, h: 9, w: 6, c: 1, size: 3, stride: 2, binary: false },
  { batch: 1, h: 5, w: 5, c: 2, size: 2, stride: 2, binary: false },
];

describe.runIf(ok)("RelaxOrPoolMax on webgpu", () => {
  POOL_CASES.forEach((p, ci) => {
    const name = `size ${p.size} stride ${p.stride}, [${p.batch}, ${p.h}, ${p.w}, ${p.c}]${p.binary ? ", 0/1 input with ties" : ""}`;
    it(`matches the CPU kernel (y and dx, first maximum of each window): ${name}`, async () => {
      let xs = randomFloats(p.batch * p.h * p.w * p.c, 300 + ci, 0, 1);
      if (p.binary) xs = xs.map((v) => (v < 0.6 ? 0 : 1));
      const ho = Math.floor((p.h - p.size) / p.stride) + 1;
      const wo = Math.floor((p.w - p.size) / p.stride) + 1;
      const dys = randomFloats(p.batch * ho * wo * p.c, 400 + ci, -1, 1);
      const attrs: RelaxOrPoolMaxAttrs = { size: p.size, stride: p.stride };
      const go = (backend: "cpu" | "webgpu") =>
        onBackend(backend, async () => {
          const x = tf.tensor4d(xs, [p.batch, p.h, p.w, p.c]);
          const dy = tf.tensor4d(dys, [p.batch, ho, wo, p.c]);
          const y = runFusedKernel<tf.Tensor>(RelaxOrPoolMax, { x }, attrs);
          const dx = runFusedKernel<tf.Tensor>(RelaxOrPoolMaxGrad, { x, dy }, attrs);
          expect(y.shape).toEqual([p.batch, ho, wo, p.c]);
          const [yv, dxv] = await Promise.all([y.data(), dx.data()]);
          tf.dispose([x, dy, y, dx]);
          return { y: yv as Float32Array, dx: dxv as Float32Array };
        });
      const cpu = await go("cpu");
      const gpu = await go("webgpu");
      expect(tf.getBackend()).toBe("webgpu");
      // same comparisons and the same summation order (windows in row-major order): bit-exact
      expect(Array.from(gpu.y)).toEqual(Array.from(cpu.y));
      expect(Array.from(gpu.dx)).toEqual(Array.from(cpu.dx));
      if (p.binary) expect(cpu.dx.filter((v) => v !== 0).length).toBeLessThan(cpu.dx.length / 2); // ties went to one position
    });
  });
});

describe.runIf(ok)("ConvLogicNet on webgpu", () => {
  it("a training step (2 conv trees, 2 max pools, LogicLayer, GroupSum; softmax cross-entropy) matches cpu and runs the WGSL kernels", async () => {
    const batch = 4;
    const xs = randomFloats(batch * 8 * 8 * 2, 51, 0, 1);
    const step = async (backend: "cpu" | "webgpu"): Promise<{ loss: number; grads: Float32Array[] }> =>
      onBackend(backend, async () => {
        const net = new ConvLogicNet(
          [8, 8, 2],
          [
            new LogicConvTree(2, 4, { receptiveField: 3, depth: 2, padding: "same", seed: 1 }),
            new OrPool({ size: 2, stride: 2 }),
            new LogicConvTree(4, 6, { receptiveField: 2, depth: 3, seed: 2 }),
            new OrPool({ size: 2, stride: 1 }),
            new LogicLayer(2 * 2 * 6, 40, { seed: 3 }),
            new GroupSum(4, 2),
          ],
        );
        expect(useFused(RelaxLogicConvTree) && useFused(RelaxOrPoolMax)).toBe(true);
        const out = await trainStepGrads(net, tf.tensor4d(xs, [batch, 8, 8, 2]), Int32Array.of(0, 1, 2, 3), 4);
        net.dispose();
        return out;
      });
    const cpu = await step("cpu");
    const names = [RelaxLogicConvTree, RelaxLogicConvTreeGradX, RelaxLogicConvTreeGradLogits, RelaxOrPoolMax, RelaxOrPoolMaxGrad];
    const { out: gpu, calls } = await countWebGPUCalls(names, () => step("webgpu"));
    expect(tf.getBackend()).toBe("webgpu");
    // forward and both gradients of each tree; pool forward and gradient (the first tree's ∂x is not needed)
    expect(calls).toEqual({
      [RelaxLogicConvTree]: 2,
      [RelaxLogicConvTreeGradX]: 1,
      [RelaxLogicConvTreeGradLogits]: 2,
      [RelaxOrPoolMax]: 2,
      [RelaxOrPoolMaxGrad]: 2,
    });
    console.log("ConvLogicNet step loss cpu/webgpu", cpu.loss, gpu.loss);
    expect(Math.abs(gpu.loss - cpu.loss)).toBeLessThan(1e-5 * Math.max(1, Math.abs(cpu.loss)));
    cpu.grads.forEach((g, i) => {
      expect(maxAbsError(g, new Float32Array(g.length)), `variable ${i}`).toBeGreaterThan(0);
      expect(maxRelViolation(gpu.grads[i]!, g, 1e-4, 1e-6), `variable ${i}`).toBeLessThanOrEqual(1);
    });
  });
});

describe.runIf(ok)("LogicConvTree options on webgpu (the WGSL kernel)", () => {
  it("supports.ts accepts every parametrisation and gate choice, declines an unknown one", async () => {
    await onBackend("webgpu", () => {
      expect(useFused(RelaxLogicConvTree, {})).toBe(true);
      for (const parametrization of ["softmax16", "bilinear4"])
        for (const gateChoice of ["soft", "gumbel-st", "hard-st"])
          expect(useFused(RelaxLogicConvTree, { parametrization, gateChoice })).toBe(true);
      expect(useFused(RelaxLogicConvTree, { parametrization: "walsh", gateChoice: "soft" })).toBe(false);
      expect(useFused(RelaxLogicConvTree, { parametrization: "softmax16", gateChoice: "sparsemax" })).toBe(false);
    });
  });

  const combos = [
    { parametrization: "bilinear4", gateChoice: "soft" },
    { parametrization: "bilinear4", gateChoice: "gumbel-st" },
    { parametrization: "softmax16", gateChoice: "hard-st" },
  ] as const;
  for (const c of combos) {
    it(`${c.parametrization} ${c.gateChoice}: a training step on webgpu runs the WGSL tree kernels and matches the cpu kernel`, async () => {
      const batch = 3;
      const xs = randomFloats(batch * 6 * 6 * 2, 61, 0, 1);
      const step = async (backend: "cpu" | "webgpu"): Promise<{ loss: number; grads: Float32Array[] }> =>
        onBackend(backend, async () => {
          const net = new ConvLogicNet(
            [6, 6, 2],
            [
              // no pool: the discrete nodes of straight-through trees give exact ties, which a max pool would route by
              // the last bit of the two backends' sums
              new LogicConvTree(2, 4, { receptiveField: 3, depth: 2, seed: 1, temperature: 0.5, ...c }),
              new LogicLayer(4 * 4 * 4, 36, { seed: 3 }),
              new GroupSum(3, 2),
            ],
          );
          const out = await trainStepGrads(net, tf.tensor4d(xs, [batch, 6, 6, 2]), Int32Array.of(0, 1, 2), 3);
          net.dispose();
          return out;
        });
      const cpu = await step("cpu");
      const { out: gpu, calls } = await countWebGPUCalls([RelaxLogicConvTree, RelaxLogicConvTreeGradX, RelaxLogicConvTreeGradLogits], () =>
        step("webgpu"),
      );
      expect(tf.getBackend()).toBe("webgpu");
      // a first layer: forward and ∂logits (the data's gradient is not taken)
      expect(calls).toEqual({ [RelaxLogicConvTree]: 1, [RelaxLogicConvTreeGradX]: 0, [RelaxLogicConvTreeGradLogits]: 1 });
      expect(Math.abs(gpu.loss - cpu.loss)).toBeLessThan(1e-5 * Math.max(1, Math.abs(cpu.loss)));
      cpu.grads.forEach((g, i) => {
        expect(maxAbsError(g, new Float32Array(g.length)), `variable ${i}`).toBeGreaterThan(0);
        expect(maxRelViolation(gpu.grads[i]!, g, 1e-3, 1e-5), `variable ${i}`).toBeLessThanOrEqual(1);
      });
    });
  }
});

describe.runIf(ok)("LogicConvTree learned leaves on webgpu", () => {
  it("a training step matches cpu and runs the WGSL kernels: the leaf gather (forward, ∂wiring) and the trees over the leaf map", async () => {
    const batch = 3;
    const xs = randomFloats(batch * 7 * 7 * 2, 71, 0, 1);
    const step = async (backend: "cpu" | "webgpu"): Promise<{ loss: number; grads: Float32Array[] }> =>
      onBackend(backend, async () => {
        const tree = new LogicConvTree(2, 4, { receptiveField: 3, depth: 2, stride: 2, seed: 1, connections: "learned", candidates: 6 });
        // random wiring logits: the softmax over the candidates is not uniform
        tf.tidy(() => tree.wiring!.assign(tf.tensor(randomFloats(tree.wiring!.size, 72, -2, 2), tree.wiring!.shape)));
        const net = new ConvLogicNet([7, 7, 2], [tree, new LogicLayer(3 * 3 * 4, 36, { seed: 3 }), new GroupSum(3, 2)]);
        expect(net.variables).toContain(tree.wiring);
        const out = await trainStepGrads(net, tf.tensor4d(xs, [batch, 7, 7, 2]), Int32Array.of(0, 1, 2), 3);
        net.dispose();
        return out;
      });
    const cpu = await step("cpu");
    const gather = [RelaxLogicLeafGather, RelaxLogicLeafGatherGradX, RelaxLogicLeafGatherGradWiring];
    const { out: gpu, calls } = await countWebGPUCalls(
      [RelaxLogicConvTree, RelaxLogicConvTreeGradX, RelaxLogicConvTreeGradLogits, ...gather],
      () => step("webgpu"),
    );
    expect(tf.getBackend()).toBe("webgpu");
    // the tree over the leaf map: forward, ∂leaf map and ∂logits; the gather: forward and ∂wiring (a first layer: no ∂x)
    expect(calls).toEqual({
      [RelaxLogicConvTree]: 1,
      [RelaxLogicConvTreeGradX]: 1,
      [RelaxLogicConvTreeGradLogits]: 1,
      [RelaxLogicLeafGather]: 1,
      [RelaxLogicLeafGatherGradX]: 0,
      [RelaxLogicLeafGatherGradWiring]: 1,
    });
    expect(Math.abs(gpu.loss - cpu.loss)).toBeLessThan(1e-5 * Math.max(1, Math.abs(cpu.loss)));
    expect(cpu.grads.length).toBe(3); // tree logits, wiring logits, dense logits
    cpu.grads.forEach((g, i) => {
      expect(maxAbsError(g, new Float32Array(g.length)), `variable ${i}`).toBeGreaterThan(0);
      expect(maxRelViolation(gpu.grads[i]!, g, 1e-3, 1e-5), `variable ${i}`).toBeLessThanOrEqual(1);
    });
  });
  it("a second-layer learned tree (bilinear4, hard-st nodes, gumbel-st leaves): the gather's ∂x runs on the GPU and matches cpu", async () => {
    const batch = 3;
    const xs = randomFloats(batch * 8 * 8 * 2, 81, 0, 1);
    const step = async (backend: "cpu" | "webgpu"): Promise<{ loss: number; grads: Float32Array[] }> =>
      onBackend(backend, async () => {
        const first = new LogicConvTree(2, 3, { receptiveField: 3, depth: 1, seed: 1 });
        const second = new LogicConvTree(3, 4, {
          receptiveField: 3,
          depth: 1,
          stride: 2,
          seed: 2,
          connections: "learned",
          candidates: 5,
          parametrization: "bilinear4",
          gateChoice: "hard-st",
          wiringChoice: "gumbel-st",
          temperature: 0.5,
        });
        tf.tidy(() => second.wiring!.assign(tf.tensor(randomFloats(second.wiring!.size, 82, -2, 2), second.wiring!.shape)));
        const net = new ConvLogicNet([8, 8, 2], [first, second, new LogicLayer(2 * 2 * 4, 36, { seed: 3 }), new GroupSum(3, 2)]);
        const out = await trainStepGrads(net, tf.tensor4d(xs, [batch, 8, 8, 2]), Int32Array.of(0, 1, 2), 3);
        net.dispose();
        return out;
      });
    const cpu = await step("cpu");
    const { out: gpu, calls } = await countWebGPUCalls(
      [RelaxLogicLeafGather, RelaxLogicLeafGatherGradX, RelaxLogicLeafGatherGradWiring],
      () => step("webgpu"),
    );
    expect(calls).toEqual({ [RelaxLogicLeafGather]: 1, [RelaxLogicLeafGatherGradX]: 1, [RelaxLogicLeafGatherGradWiring]: 1 });
    expect(Math.abs(gpu.loss - cpu.loss)).toBeLessThan(1e-5 * Math.max(1, Math.abs(cpu.loss)));
    expect(cpu.grads.length).toBe(4); // first tree, second tree's logits and wiring, dense logits
    cpu.grads.forEach((g, i) => {
      expect(maxAbsError(g, new Float32Array(g.length)), `variable ${i}`).toBeGreaterThan(0);
      expect(maxRelViolation(gpu.grads[i]!, g, 1e-3, 1e-5), `variable ${i}`).toBeLessThanOrEqual(1);
    });
  });
});
