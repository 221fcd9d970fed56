import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import { loadGolden, maxViolation } from "@relax/core/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  GATE_NAMES,
  GroupSum,
  fusedAdam,
  LogicLayer,
  LogicNet,
  gateTruthTable,
  relaxedGate,
  relaxedGateGrad,
  relaxedGatesTensor,
  uniquePairs,
} from "../src/index.js";

interface GatesGolden {
  gate_index_order: string[];
  truth_table: number[][];
  grid: number[];
  values: number[][][];
  d_da: number[][][];
  d_db: number[][][];
}
interface LayerSpec {
  in_dim: number;
  out_dim: number;
  a: number[];
  b: number[];
  logits: number[][];
}
interface ModeOut {
  layer_outputs: number[][][];
  output: number[][];
  group_counts?: number[][];
}
interface Grad {
  x: number[][];
  logits: number[][][];
}
interface NetGolden {
  spec: { in_dim: number; k: number; tau: number; layers: LayerSpec[] };
  x: number[][];
  x_binary: number[][];
  y: number[];
  C: number[][];
  train: ModeOut & { loss_ce: number; grad_ce: Grad; loss_lin: number; grad_lin: Grad };
  train_on_binary_input: ModeOut;
  eval_on_real_input: ModeOut;
  eval_on_binary_input: ModeOut & { group_counts: number[][] };
  argmax_gates: number[][];
  softmax_probs: number[][][];
  grad_factor_variant: { grad_factors: number[]; loss_ce: number; output: number[][]; grad_ce: Grad };
  adam: { lr: number; betas: number[]; eps: number; steps: { loss_before_step: number; logits_after_step: number[][][] }[] };
  compiled_c: { group_counts: number[][] };
}
interface UniqueGolden {
  cases: {
    in_dim: number;
    out_dim: number;
    a_unpermuted?: number[];
    b_unpermuted?: number[];
    error?: string;
    a_unpermuted_first40?: number[];
    b_unpermuted_first40?: number[];
    a_unpermuted_last10?: number[];
    b_unpermuted_last10?: number[];
  }[];
}

const gates = loadGolden<GatesGolden>("logic/gates.json");
const net = loadGolden<NetGolden>("logic/net_small.json");
const RTOL = 1e-5;
const ATOL = 1e-5;

beforeAll(async () => {
  await tf.setBackend("cpu");
});

describe("gates.json", () => {
  it("gate order and truth tables", () => {
    expect([...GATE_NAMES]).toEqual(gates.gate_index_order);
    for (let i = 0; i < 16; i++) expect(gateTruthTable(i)).toEqual(gates.truth_table[i]);
  });
  it("relaxed values and derivatives on the grid (scalar and tensor)", () => {
    const g = gates.grid;
    for (let i = 0; i < 16; i++) {
      for (let ia = 0; ia < g.length; ia++) {
        for (let ib = 0; ib < g.length; ib++) {
          expect(relaxedGate(i, g[ia]!, g[ib]!)).toBeCloseTo(gates.values[i]![ia]![ib]!, 12);
          const [da, db] = relaxedGateGrad(i, g[ia]!, g[ib]!);
          expect(da).toBeCloseTo(gates.d_da[i]![ia]![ib]!, 12);
          expect(db).toBeCloseTo(gates.d_db[i]![ia]![ib]!, 12);
        }
      }
    }
    const A = tf.tensor2d(g.map((v) => g.map(() => v)));
    const B = tf.tensor2d(g.map(() => g));
    for (let i = 0; i < 16; i++) {
      const out = tf.tidy(() => relaxedGatesTensor(A, B)[i]!.arraySync());
      expect(maxViolation(out, gates.values[i], RTOL, ATOL)).toBe(0);
      const [da, db] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(relaxedGatesTensor(a, b)[i]!))([A, B]);
      expect(maxViolation(da!.arraySync(), gates.d_da[i], RTOL, ATOL)).toBe(0);
      expect(maxViolation(db!.arraySync(), gates.d_db[i], RTOL, ATOL)).toBe(0);
      tf.dispose([da!, db!]);
    }
    tf.dispose([A, B]);
  });
});

function buildNet(gradFactors?: number[]): LogicNet {
  return new LogicNet([
    ...net.spec.layers.map((l, i) =>
      LogicLayer.fromWeights({ a: l.a, b: l.b, logits: l.logits, inDim: l.in_dim, gradFactor: gradFactors?.[i] ?? 1 }),
    ),
    new GroupSum(net.spec.k, net.spec.tau),
  ]);
}

function ce(out: tf.Tensor2D, y: number[]): tf.Scalar {
  return tf.losses.softmaxCrossEntropy(tf.oneHot(tf.tensor1d(y, "int32"), out.shape[1]), out) as tf.Scalar;
}

for (const path of ["fused", "reference"] as const) {
  describe(`net_small.json (${path} path)`, () => {
    let prev = false;
    beforeAll(() => {
      prev = tf.env().getBool("RELAX_FORCE_REFERENCE");
      tf.env().set("RELAX_FORCE_REFERENCE", path === "reference");
    });
    afterAll(() => {
      tf.env().set("RELAX_FORCE_REFERENCE", prev);
    });

    const cases: [string, number[][], "train" | "eval", ModeOut][] = [
      ["train", net.x, "train", net.train],
      ["train_on_binary_input", net.x_binary, "train", net.train_on_binary_input],
      ["eval_on_real_input", net.x, "eval", net.eval_on_real_input],
      ["eval_on_binary_input", net.x_binary, "eval", net.eval_on_binary_input],
    ];
    for (const [name, x, mode, expected] of cases) {
      it(`${name}: layer outputs and GroupSum`, () => {
        const m = buildNet();
        const outs = tf.tidy(() => m.forwardLayers(x, { mode }).map((t) => t.arraySync()));
        expect(maxViolation(outs[0], expected.layer_outputs[0], RTOL, ATOL)).toBe(0);
        expect(maxViolation(outs[1], expected.layer_outputs[1], RTOL, ATOL)).toBe(0);
        expect(maxViolation(outs[2], expected.output, RTOL, ATOL)).toBe(0);
        m.dispose();
      });
    }

    it("argmax gates", () => {
      const m = buildNet();
      m.layers.forEach((l, i) => expect(Array.from(l.gateIds())).toEqual(net.argmax_gates[i]));
      m.dispose();
    });

    for (const [lossName, expectedLoss, expectedGrad] of [
      ["ce", net.train.loss_ce, net.train.grad_ce],
      ["lin", net.train.loss_lin, net.train.grad_lin],
    ] as const) {
      it(`gradients of loss_${lossName} w.r.t. x and logits`, () => {
        const m = buildNet();
        const x = tf.tensor2d(net.x);
        const lossFn = (xi: tf.Tensor): tf.Scalar => {
          const out = m.forward(xi, { mode: "train" });
          return lossName === "ce" ? ce(out, net.y) : (tf.sum(tf.mul(out, tf.tensor2d(net.C))) as tf.Scalar);
        };
        const loss = tf.tidy(() => lossFn(x).dataSync()[0]!);
        expect(loss).toBeCloseTo(expectedLoss, 5);
        const gx = tf.grad(lossFn)(x);
        expect(maxViolation(gx.arraySync(), expectedGrad.x, 1e-4, 1e-6)).toBe(0);
        const { grads } = tf.variableGrads(() => lossFn(x), m.variables);
        m.variables.forEach((v, i) => expect(maxViolation(grads[v.name]!.arraySync(), expectedGrad.logits[i], 1e-4, 1e-6)).toBe(0));
        tf.dispose([x, gx, ...Object.values(grads)]);
        m.dispose();
      });
    }

    it("grad_factor variant", () => {
      const g = net.grad_factor_variant;
      const m = buildNet(g.grad_factors);
      const x = tf.tensor2d(net.x);
      const lossFn = (xi: tf.Tensor): tf.Scalar => ce(m.forward(xi), net.y);
      const out = tf.tidy(() => m.forward(x).arraySync());
      expect(maxViolation(out, g.output, RTOL, ATOL)).toBe(0);
      const gx = tf.grad(lossFn)(x);
      expect(maxViolation(gx.arraySync(), g.grad_ce.x, 1e-4, 1e-6)).toBe(0);
      const { grads } = tf.variableGrads(() => lossFn(x), m.variables);
      m.variables.forEach((v, i) => expect(maxViolation(grads[v.name]!.arraySync(), g.grad_ce.logits[i], 1e-4, 1e-6)).toBe(0));
      tf.dispose([x, gx, ...Object.values(grads)]);
      m.dispose();
    });

    for (const optName of ["tf.train.adam", "fusedAdam"] as const)
      it(`three Adam steps (${optName} with torch's eps)`, () => {
        const m = buildNet();
        const x = tf.tensor2d(net.x);
        const opt =
          optName === "fusedAdam"
            ? fusedAdam(net.adam.lr, { beta1: net.adam.betas[0], beta2: net.adam.betas[1], epsilon: net.adam.eps })
            : tf.train.adam(net.adam.lr, net.adam.betas[0], net.adam.betas[1], net.adam.eps);
        for (const step of net.adam.steps) {
          const loss = opt.minimize(() => ce(m.forward(x), net.y), true, m.variables)!;
          expect(loss.dataSync()[0]).toBeCloseTo(step.loss_before_step, 5);
          loss.dispose();
          m.variables.forEach((v, i) => expect(maxViolation(v.arraySync(), step.logits_after_step[i], 1e-5, 2e-5)).toBe(0));
        }
        opt.dispose();
        x.dispose();
        m.dispose();
      });
  });
}

describe("unique_connections.json", () => {
  const u = loadGolden<UniqueGolden>("logic/unique_connections.json");
  for (const c of u.cases) {
    it(`in ${c.in_dim} → out ${c.out_dim}`, () => {
      if (c.error) {
        expect(() => uniquePairs(c.in_dim, c.out_dim)).toThrow(/outDim/);
        return;
      }
      const p = uniquePairs(c.in_dim, c.out_dim);
      if (c.a_unpermuted) {
        expect(Array.from(p.a)).toEqual(c.a_unpermuted);
        expect(Array.from(p.b)).toEqual(c.b_unpermuted);
      } else {
        expect(Array.from(p.a.slice(0, 40))).toEqual(c.a_unpermuted_first40);
        expect(Array.from(p.b.slice(0, 40))).toEqual(c.b_unpermuted_first40);
        expect(Array.from(p.a.slice(-10))).toEqual(c.a_unpermuted_last10);
        expect(Array.from(p.b.slice(-10))).toEqual(c.b_unpermuted_last10);
        const use = new Int32Array(c.in_dim);
        p.a.forEach((v, i) => {
          expect(v).not.toBe(p.b[i]);
          use[v]!++;
          use[p.b[i]!]!++;
        });
        expect([Math.min(...use), Math.max(...use)]).toEqual([10, 22]);
      }
    });
  }
});
