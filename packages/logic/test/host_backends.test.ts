/**
 * The fused logic kernels on both host backends: values and gradients of LogicLayer, the whole-net
 * LogicNet kernel and LogicConvTree are the same numbers on `cpu` (hands kernels views of tensor data) and
 * `wasm` (hands them copies), and each op's gradient runs its one gradient kernel once — ∂x and ∂logits
 * come from one backward pass, not from two kernels connected by a cache.
 */
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import "@tensorflow/tfjs-backend-wasm";
import {
  RelaxLogicConvTreeGrad,
  RelaxLogicConvTreeGradLogits,
  RelaxLogicConvTreeGradX,
  RelaxLogicLayerGrad,
  RelaxLogicLayerGradLogits,
  RelaxLogicLayerGradX,
  RelaxLogicNetGrad,
  runFusedKernel,
  withFlags,
} from "@relax/core";
import { afterAll, describe, expect, it } from "vitest";
import { GroupSum, LogicConvTree, LogicLayer, LogicNet, SeededRandom } from "../src/index.js";

const BACKENDS = ["cpu", "wasm"] as const;
type Mode = "train" | "eval";

function uniform(seed: number, n: number): Float32Array {
  const rng = new SeededRandom(seed);
  return Float32Array.from({ length: n }, () => rng.next());
}

/** Value and gradients (w.r.t. x and every parameter) of `sum(f(x) · w)` for a fixed random `w`, as arrays. */
function valueAndGrads(x: tf.Tensor, params: tf.Variable[], f: (x: tf.Tensor) => tf.Tensor): Float32Array[] {
  return tf.tidy(() => {
    const xv = tf.variable(x, true);
    const y = f(xv);
    const w = tf.tensor(uniform(99, y.size), y.shape);
    const { grads } = tf.variableGrads(() => tf.sum(tf.mul(f(xv), w)) as tf.Scalar, [xv, ...params]);
    const out = [y.dataSync() as Float32Array, grads[xv.name]!.dataSync() as Float32Array];
    for (const p of params) out.push(grads[p.name]!.dataSync() as Float32Array);
    xv.dispose();
    return out.map((a) => Float32Array.from(a));
  });
}

/** Kernel names the engine ran during `f`. */
function kernelsRun(f: () => void): Promise<string[]> {
  return tf.profile(f).then((p) => p.kernels.map((k) => k.name));
}

interface Case {
  name: string;
  run: (mode: Mode) => Float32Array[];
}

function layerCase(): Case {
  return {
    name: "LogicLayer (two layers)",
    run: (mode) => {
      const l1 = new LogicLayer(12, 20, { seed: 1 });
      const l2 = new LogicLayer(20, 10, { seed: 2, gradFactor: 2 });
      const x = tf.tensor2d(uniform(3, 5 * 12), [5, 12]);
      const r = valueAndGrads(x, [l1.logits, l2.logits], (xi) => l2.forward(l1.forward(xi, { mode }), { mode }));
      x.dispose();
      l1.dispose();
      l2.dispose();
      return r;
    },
  };
}

function netCase(): Case {
  return {
    name: "LogicNet (whole-net kernel)",
    run: (mode) => {
      const layers = [new LogicLayer(16, 24, { seed: 4 }), new LogicLayer(24, 24, { seed: 5 }), new LogicLayer(24, 12, { seed: 6 })];
      const net = new LogicNet([...layers, new GroupSum(3, 2)]);
      const x = tf.tensor2d(uniform(7, 6 * 16), [6, 16]);
      const r = valueAndGrads(x, net.variables, (xi) => net.forward(xi, { mode }));
      x.dispose();
      net.dispose();
      return r;
    },
  };
}

function convCase(padding: "valid" | "same"): Case {
  return {
    name: `LogicConvTree (${padding})`,
    run: (mode) => {
      const conv = new LogicConvTree(3, 4, { depth: 2, receptiveField: 3, padding, seed: 8 });
      const x = tf.tensor4d(uniform(9, 2 * 6 * 5 * 3), [2, 6, 5, 3]);
      const r = valueAndGrads(x, [conv.logits], (xi) => conv.forward(xi, { mode }));
      x.dispose();
      conv.dispose();
      return r;
    },
  };
}

const CASES = [layerCase(), netCase(), convCase("valid"), convCase("same")];

async function onBackend<T>(name: string, f: () => T): Promise<T> {
  await tf.setBackend(name);
  await tf.ready();
  return f();
}

afterAll(async () => {
  await tf.setBackend("cpu");
});

describe("fused logic kernels on the host backends", () => {
  for (const c of CASES) {
    for (const mode of ["train", "eval"] as const) {
      it(`${c.name}, ${mode}: values and gradients equal on cpu and wasm, and match the reference on cpu`, async () => {
        const results: Record<string, Float32Array[]> = {};
        for (const b of BACKENDS) results[b] = await onBackend(b, () => c.run(mode));
        const [cpu, wasm] = [results.cpu!, results.wasm!];
        expect(wasm.length).toBe(cpu.length);
        cpu.forEach((a, i) => expect(wasm[i], `output ${i}`).toEqual(a));
        // the reference composition's gradients need tfjs kernels that wasm lacks (UnsortedSegmentSum): cpu only
        for (const b of ["cpu"]) {
          const ref = await onBackend(b, () => withFlags({ RELAX_FORCE_REFERENCE: true }, () => c.run(mode)));
          ref.forEach((r, i) => {
            const got = results[b]![i]!;
            for (let k = 0; k < r.length; k++)
              expect(Math.abs((got[k] as number) - (r[k] as number)), `${b} output ${i}[${k}]`).toBeLessThan(2e-5);
          });
        }
      });
    }
  }

  for (const b of BACKENDS) {
    it(`${b}: each op's gradient runs its one two-output kernel once per call, never the single-output ones`, async () => {
      await onBackend(b, () => undefined);
      const l1 = new LogicLayer(10, 16, { seed: 11 });
      const l2 = new LogicLayer(16, 8, { seed: 12 });
      const conv = new LogicConvTree(2, 3, { depth: 1, receptiveField: 2, seed: 13 });
      const net = new LogicNet([new LogicLayer(10, 12, { seed: 14 }), new LogicLayer(12, 6, { seed: 15 }), new GroupSum(2, 1)]);
      const x = tf.tensor2d(uniform(16, 4 * 10), [4, 10]);
      const img = tf.tensor4d(uniform(17, 1 * 4 * 4 * 2), [1, 4, 4, 2]);
      const names = await kernelsRun(() => {
        const g1 = tf.variableGrads(() => tf.sum(l2.forward(l1.forward(x))) as tf.Scalar, [l1.logits, l2.logits]);
        const g2 = tf.variableGrads(() => tf.sum(conv.forward(img)) as tf.Scalar, [conv.logits]);
        const g3 = tf.variableGrads(() => tf.sum(net.forward(x)) as tf.Scalar, net.variables);
        for (const g of [g1, g2, g3]) {
          g.value.dispose();
          for (const t of Object.values(g.grads)) t.dispose();
        }
      });
      const count = (n: string) => names.filter((k) => k === n).length;
      expect(count(RelaxLogicLayerGrad)).toBe(2);
      expect(count(RelaxLogicConvTreeGrad)).toBe(1);
      expect(count(RelaxLogicNetGrad)).toBe(1);
      for (const n of [RelaxLogicLayerGradX, RelaxLogicLayerGradLogits, RelaxLogicConvTreeGradX, RelaxLogicConvTreeGradLogits])
        expect(count(n), n).toBe(0);
      for (const t of [x, img]) t.dispose();
      for (const m of [l1, l2, conv, net]) m.dispose();
    });

    it(`${b}: the single-output kernels give the two-output kernel's outputs`, async () => {
      await onBackend(b, () => undefined);
      const l = new LogicLayer(9, 7, { seed: 21 });
      const attrs = { a: l.a, b: l.b, mode: "train" as const, gradFactor: 1.5, featureMajorIn: false, featureMajorOut: false };
      const inputs = {
        x: tf.tensor2d(uniform(22, 3 * 9), [3, 9]),
        logits: l.logits as tf.Tensor,
        dy: tf.tensor2d(uniform(23, 3 * 7), [3, 7]),
      };
      const [dx, dz] = runFusedKernel<tf.Tensor[]>(RelaxLogicLayerGrad, inputs, attrs);
      const dx1 = runFusedKernel<tf.Tensor>(RelaxLogicLayerGradX, inputs, attrs);
      const dz1 = runFusedKernel<tf.Tensor>(RelaxLogicLayerGradLogits, inputs, attrs);
      expect(dx1.dataSync()).toEqual(dx!.dataSync());
      expect(dz1.dataSync()).toEqual(dz!.dataSync());
      tf.dispose([dx!, dz!, dx1, dz1, inputs.x, inputs.dy]);
      l.dispose();
    });
  }
});
