/**
 * Fused host kernel of a depth-1 conv logic tree with learned leaves ({@link RelaxLogicLeafTree}): the leaf gather
 * (kernels/leaf_gather.ts) and the one-node tree over the leaf map (kernels/conv_tree.ts) in one pass. Every output
 * position of every tree is a gate of the learned logic layer (LILogicNet, arXiv 2511.12340; Petersen et al.,
 * NeurIPS 2024 for the trees) over the feature-major padded image: gate (position p, tree k) mixes its two leaves'
 * M candidate rows at p's window and applies tree k's node, with the parameters shared by the positions. It runs
 * in the learned layer's WASM SIMD kernels (`wasm/mix.wat`), the gate and wiring statistics of the positions then
 * summed per tree: no leaf map, no transposes of it, no JS tree loops. Without WASM SIMD it runs the two kernels.
 */
import {
  RelaxLogicLeafTree,
  RelaxLogicLeafTreeGrad,
  registerFusedGradient,
  registerHostKernel,
  runFusedKernel,
  type RelaxLogicConvTreeAttrs,
  type RelaxLogicLeafTreeAttrs,
} from "@relax/core";
import type * as tf from "@tensorflow/tfjs-core";
import { logicConvTreeBackwardHost, logicConvTreeForwardHost, nodeCoefficients, nodeParamGrad } from "./conv_tree.js";
import {
  batchMajorUnpadded,
  featureMajorPadded,
  type GatherGeometry,
  gatherGeometry,
  leafChoice,
  leafGatherBackwardHost,
  leafGatherForwardHost,
  sumOverPositions,
} from "./leaf_gather.js";
import { transpose2d } from "./logic_layer.js";
import { wiringGradFromStats } from "./logic_layer_learned.js";
import { learnedBackwardWasm, learnedForwardWasm, wasmMixAvailable } from "./wasm_mix.js";

/** The tree over the leaf map (receptive field 1, depth 1) as the two-kernel path runs it; its node options are the fused kernel's too. */
function leafMapTreeAttrs(attrs: RelaxLogicLeafTreeAttrs, K: number): RelaxLogicConvTreeAttrs {
  return {
    leafY: new Int32Array(2 * K),
    leafX: new Int32Array(2 * K),
    leafC: Int32Array.from({ length: 2 * K }, (_, i) => i),
    receptiveField: 1,
    depth: 1,
    padding: "valid",
    stride: 1,
    mode: attrs.mode,
    parametrization: attrs.parametrization ?? "softmax16",
    gateChoice: attrs.gateChoice ?? "soft",
    temperature: attrs.temperature,
    noiseSeed: attrs.gateNoiseSeed ?? 0,
  };
}

/**
 * The positions as gates of a learned layer over the feature-major padded image (`[Hp·Wp·C, B]`): gate
 * `n = p·K + k` has candidate rows `candA`/`candB` `[P·K, M]` (tree k's leaf 0 / leaf 1 candidates at position p's
 * window), and tree k's wiring weights `[2, M]`, coefficients `[4]` and pick `[2]` tiled over the positions.
 */
function positionGates(g: GatherGeometry, q: Float32Array, coef: ArrayLike<number>, pick: Int32Array | null) {
  const { M, off } = g;
  const K = g.slots / 2;
  const P = g.ho * g.wo;
  const candA = new Int32Array(P * K * M);
  const candB = new Int32Array(P * K * M);
  const qt = new Float32Array(P * K * 2 * M);
  const ct = new Float32Array(P * K * 4);
  const pt = pick ? new Int32Array(P * K * 2) : null;
  const c4 = Float32Array.from(coef);
  for (let i = 0, p = 0; i < g.ho; i++)
    for (let j = 0; j < g.wo; j++, p++) {
      const base = (i * g.wp + j) * g.stride * g.c;
      for (let e = 0; e < K * M; e++) {
        const k = Math.floor(e / M);
        const m = e - k * M;
        candA[p * K * M + e] = base + (off[2 * k * M + m] as number);
        candB[p * K * M + e] = base + (off[(2 * k + 1) * M + m] as number);
      }
      qt.set(q, p * K * 2 * M);
      ct.set(c4, p * K * 4);
      if (pt && pick) pt.set(pick, p * K * 2);
    }
  return { candA, candB, q: qt, c: ct, pick: pt };
}

/** Forward on host arrays: `y: [B, H', W', K]`. */
export function leafTreeForwardHost(
  x: Float32Array,
  xShape: number[],
  logits: Float32Array,
  wiring: Float32Array,
  wiringShape: number[],
  attrs: RelaxLogicLeafTreeAttrs,
): { values: Float32Array; shape: number[] } {
  const g = gatherGeometry(xShape, wiringShape, attrs);
  const K = g.slots / 2;
  const shape = [g.batch, g.ho, g.wo, K];
  const gates = g.ho * g.wo * K;
  if (wasmMixAvailable() && g.batch > 0 && gates > 0) {
    const { q } = leafChoice(wiring, g, attrs);
    const t = positionGates(g, q, nodeCoefficients(logits, K, leafMapTreeAttrs(attrs, K)).c, null);
    const Y = learnedForwardWasm(featureMajorPadded(x, g), g.batch, g.hp * g.wp * g.c, t.candA, t.candB, g.M, t.q, t.c);
    if (Y) return { values: transpose2d(Y, gates, g.batch), shape };
  }
  const map = leafGatherForwardHost(x, xShape, wiring, wiringShape, attrs);
  return logicConvTreeForwardHost(map.values, map.shape, logits, [K, 1, logits.length / K], leafMapTreeAttrs(attrs, K));
}

/** Gradients on host arrays: `dx: [B, H, W, C]`, `dlogits: [K, 1, P]`, `dwiring: [K, 2, M]` (zeros in eval mode). */
export function leafTreeBackwardHost(
  x: Float32Array,
  xShape: number[],
  logits: Float32Array,
  wiring: Float32Array,
  wiringShape: number[],
  dy: Float32Array,
  attrs: RelaxLogicLeafTreeAttrs,
): { dx: Float32Array; dlogits: Float32Array; dwiring: Float32Array } {
  const g = gatherGeometry(xShape, wiringShape, attrs);
  const K = g.slots / 2;
  const P = g.ho * g.wo;
  const gates = P * K;
  if (wasmMixAvailable() && g.batch > 0 && gates > 0) {
    const { q, qs, scale, pick } = leafChoice(wiring, g, attrs);
    const treeAttrs = leafMapTreeAttrs(attrs, K);
    const choice = nodeCoefficients(logits, K, treeAttrs);
    const t = positionGates(g, q, choice.c, pick);
    const dY = transpose2d(dy, g.batch, gates);
    const r = learnedBackwardWasm(featureMajorPadded(x, g), dY, g.batch, g.hp * g.wp * g.c, t.candA, t.candB, g.M, t.q, t.c, 1, t.pick);
    if (r) {
      // the statistics of every position, summed per tree (S) and per leaf candidate (dq)
      const S = sumOverPositions(r.S, K * 4);
      const dq = sumOverPositions(r.dq, K * 2 * g.M);
      const train = attrs.mode === "train";
      return {
        dx: batchMajorUnpadded(r.dX, g),
        dlogits: nodeParamGrad(S, choice, treeAttrs, K, logits.length / K),
        dwiring: train ? wiringGradFromStats(dq, qs, scale, g.M) : new Float32Array(wiring.length),
      };
    }
  }
  // without WASM SIMD: the two kernels, the leaf map's gradient in between
  const map = leafGatherForwardHost(x, xShape, wiring, wiringShape, attrs);
  const tree = logicConvTreeBackwardHost(map.values, map.shape, logits, [K, 1, logits.length / K], dy, leafMapTreeAttrs(attrs, K));
  const leaves = leafGatherBackwardHost(x, xShape, wiring, wiringShape, tree.dx, attrs);
  return { dx: leaves.dx as Float32Array, dlogits: tree.dlogits, dwiring: leaves.dwiring as Float32Array };
}

registerHostKernel<RelaxLogicLeafTreeAttrs>(RelaxLogicLeafTree, ({ x, logits, wiring }, attrs) =>
  leafTreeForwardHost(x!.values, x!.shape, logits!.values, wiring!.values, wiring!.shape, attrs),
);

registerHostKernel<RelaxLogicLeafTreeAttrs>(RelaxLogicLeafTreeGrad, ({ x, logits, wiring, dy }, attrs) => {
  const { dx, dlogits, dwiring } = leafTreeBackwardHost(
    x!.values,
    x!.shape,
    logits!.values,
    wiring!.values,
    wiring!.shape,
    dy!.values,
    attrs,
  );
  return [
    { values: dx, shape: x!.shape },
    { values: dlogits, shape: logits!.shape },
    { values: dwiring, shape: wiring!.shape },
  ];
});

/** The three gradients from one backward pass, run when the tape reaches the op; each closure hands out one. */
registerFusedGradient<RelaxLogicLeafTreeAttrs>({
  kernelName: RelaxLogicLeafTree,
  inputsToSave: ["x", "logits", "wiring"],
  gradFunc: ([dy], [x, logits, wiring], attrs) => {
    const [dx, dlogits, dwiring] = runFusedKernel<tf.Tensor[]>(
      RelaxLogicLeafTreeGrad,
      { x: x!, logits: logits!, wiring: wiring!, dy: dy! },
      attrs,
    );
    return { x: () => dx!, logits: () => dlogits!, wiring: () => dwiring! };
  },
});
