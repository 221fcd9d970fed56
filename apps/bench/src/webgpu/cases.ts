/**
 * The WebGPU benchmark's cases, shared by the Node runner (Dawn) and the browser page: every fused
 * kernel that @relax/backend-webgpu implements, at a ladder of sizes, plus one whole logic-net training
 * step. A case builds its inputs on the active backend, so the same case runs on `cpu` (the typed-array
 * kernels of @relax/core, sort, logic and render) and on `webgpu` (the WGSL kernels) with equal inputs.
 */
import * as tf from "@tensorflow/tfjs-core";
import {
  RelaxDiffSort,
  RelaxDiffSortGrad,
  RelaxFastSoftSort,
  RelaxFastSoftSortGrad,
  RelaxGroupSum,
  RelaxGroupSumGrad,
  RelaxLogicLayer,
  RelaxLogicLayerGradLogits,
  RelaxLogicLayerGradX,
  RelaxLogicLayerLearned,
  RelaxLogicLayerLearnedGrad,
  RelaxLogicConvTree,
  RelaxLogicConvTreeGradLogits,
  RelaxLogicConvTreeGradX,
  RelaxLogicLeafGather,
  RelaxLogicLeafGatherGradWiring,
  RelaxLogicLeafGatherGradX,
  RelaxOrPoolMax,
  RelaxOrPoolMaxGrad,
  RelaxRasterizeRgb,
  RelaxRasterizeRgbGrad,
  RelaxRasterizeSilhouette,
  RelaxRasterizeSilhouetteGrad,
  RelaxSortNetSelect,
  RelaxSortNetSelectGrad,
  RelaxShortestPath,
  RelaxShortestPathGrad,
  RelaxSwapLayer,
  runFusedKernel,
} from "@relax/core";
import { seededUniform } from "@relax/core/testing";
// the CPU kernels of the algorithm packages register on import
import { ConvLogicNet, GroupSum, LogicConvTree, LogicLayer, LogicNet, type LogicLayerOptions } from "@relax/logic";
import "@relax/render";
import "@relax/sort";
import { sphereFaces } from "./sphere.js";

/** One benchmark case: a kernel (or a training step) at one size. */
export interface BenchCase {
  /** Kernel name (or `LogicNet train step`). */
  kernel: string;
  /** Human-readable size. */
  size: string;
  /** Creates the inputs on the active backend. */
  setup(): void;
  /** Runs once on the active backend and returns every output (the caller reads them back and disposes them). */
  run(): tf.Tensor[];
  /** Disposes the inputs. */
  teardown(): void;
}

/** Which ladder of sizes: `quick` is tiny (SwiftShader / CI), `standard` spans small to the issue's targets. */
export type CaseSet = "quick" | "standard";

function kernelCase(
  kernel: string,
  size: string,
  inputs: () => Record<string, tf.Tensor>,
  attrs: object,
  compared = Number.POSITIVE_INFINITY,
): BenchCase {
  let ins: Record<string, tf.Tensor> = {};
  return {
    kernel,
    size,
    setup: () => {
      ins = inputs();
    },
    run: () => {
      const out = runFusedKernel<tf.Tensor | tf.Tensor[]>(kernel, ins, attrs);
      const all = Array.isArray(out) ? out : [out];
      // outputs past `compared` are what a backend's kernel saves for its own gradient (a host tape): not compared
      tf.dispose(all.slice(compared));
      return all.slice(0, compared);
    },
    teardown: () => tf.dispose(Object.values(ins)),
  };
}

/** The diffsort paper's comparator: logistic sigmoid with steepness 10 and ART λ = 0.25. */
const COMPARATOR = { distribution: "logistic", steepness: 10, artLambda: 0.25 };

function swapLayerCase(n: number, rows: number): BenchCase {
  const lo: number[] = [];
  const hi: number[] = [];
  for (let i = 0; i + 1 < n; i += 2) lo.push(i), hi.push(i + 1);
  return kernelCase(
    RelaxSwapLayer,
    `${n / 2} comparators, batch ${rows}`,
    () => ({ x: tf.tensor2d(seededUniform(rows * n, 5), [rows, n]) }),
    {
      ...COMPARATOR,
      lo,
      hi,
    },
  );
}

function sortCases(network: "odd_even" | "bitonic", n: number, rows: number, withMatrix: boolean): BenchCase[] {
  const attrs = { ...COMPARATOR, network, withMatrix, descending: false, hard: false };
  const size = `${network} n=${n} batch ${rows}${withMatrix ? " (values + P)" : " (values)"}`;
  const x = () => tf.tensor2d(seededUniform(rows * n, n + rows), [rows, n]);
  return [
    kernelCase(RelaxDiffSort, size, () => ({ x: x() }), attrs, 2),
    kernelCase(
      RelaxDiffSortGrad,
      size,
      () => ({
        x: x(),
        dSorted: tf.tensor2d(seededUniform(rows * n, 3), [rows, n]),
        dPermutation: withMatrix ? tf.tensor3d(seededUniform(rows * n * n, 4), [rows, n, n]) : tf.zeros([rows, 0, 0]),
      }),
      attrs,
    ),
  ];
}

/** Fast soft sort / rank (Blondel et al., ICML 2020): permutahedron projection by PAV, forward and gradient. */
function fastSoftSortCases(op: "sort" | "rank", regularization: "l2" | "kl", n: number, rows: number): BenchCase[] {
  const attrs = { op, regularization, regularizationStrength: 1, descending: false };
  const size = `${op} ${regularization} n=${n} batch ${rows}`;
  const x = () => tf.tensor2d(seededUniform(rows * n, 61), [rows, n]);
  return [
    kernelCase(RelaxFastSoftSort, size, () => ({ x: x() }), attrs),
    kernelCase(RelaxFastSoftSortGrad, size, () => ({ x: x(), dy: tf.tensor2d(seededUniform(rows * n, 62), [rows, n]) }), attrs),
  ];
}

function topkCases(n: number, k: number, rows: number): BenchCase[] {
  const attrs = { ...COMPARATOR, network: "splitter_selection", k, init: "topk" };
  const size = `splitter_selection n=${n} k=${k} batch ${rows}`;
  const x = () => tf.tensor2d(seededUniform(rows * n, 9), [rows, n]);
  return [
    kernelCase(RelaxSortNetSelect, size, () => ({ x: x() }), attrs),
    kernelCase(RelaxSortNetSelectGrad, size, () => ({ x: x(), dy: tf.tensor3d(seededUniform(rows * k * n, 10), [rows, k, n]) }), attrs),
  ];
}

function logicLayerCases(inDim: number, outDim: number, batch: number, featureMajor = false): BenchCase[] {
  const a = Int32Array.from(seededUniform(outDim, 21, 0, inDim), Math.floor);
  const b = Int32Array.from(seededUniform(outDim, 22, 0, inDim), Math.floor);
  const attrs = { a, b, mode: "train", gradFactor: 1, featureMajorIn: featureMajor, featureMajorOut: featureMajor };
  const size = `${inDim} → ${outDim} gates, batch ${batch}${featureMajor ? ", feature-major" : ""}`;
  const shape = (features: number): [number, number] => (featureMajor ? [features, batch] : [batch, features]);
  const x = () => tf.tensor2d(seededUniform(batch * inDim, 23, 0, 1), shape(inDim));
  const logits = () => tf.tensor2d(seededUniform(outDim * 16, 24, -2, 2), [outDim, 16]);
  const withDy = () => ({ x: x(), logits: logits(), dy: tf.tensor2d(seededUniform(batch * outDim, 25), shape(outDim)) });
  return [
    kernelCase(RelaxLogicLayer, size, () => ({ x: x(), logits: logits() }), attrs),
    kernelCase(RelaxLogicLayerGradX, size, withDy, attrs),
    kernelCase(RelaxLogicLayerGradLogits, size, withDy, attrs),
    kernelCase(RelaxLogicLayer, `${size} (eval)`, () => ({ x: x(), logits: logits() }), { ...attrs, mode: "eval" }),
  ];
}

/**
 * Learned logic layer (issue 16), feature-major in and out as `LogicNet` chains it: `K` candidate wires per gate
 * input, gumbel-st gate and wiring choice (τ = 0.5); forward (all five outputs compared) and gradient, the
 * gradient from the forward's saved choices computed on the same backend.
 */
function learnedLayerCases(
  inDim: number,
  outDim: number,
  batch: number,
  K: number,
  parametrization: "softmax16" | "bilinear4",
): BenchCase[] {
  const candA = Int32Array.from(seededUniform(outDim * K, 26, 0, inDim), Math.floor);
  const candB = Int32Array.from(seededUniform(outDim * K, 27, 0, inDim), Math.floor);
  const attrs = {
    candA,
    candB,
    K,
    parametrization,
    gateChoice: "gumbel-st",
    wiringChoice: "gumbel-st",
    temperature: 0.5,
    noiseSeed: 12345,
    mode: "train",
    gradFactor: 1,
    featureMajorIn: true,
    featureMajorOut: true,
  };
  const P = parametrization === "softmax16" ? 16 : 4;
  const size = `${inDim} → ${outDim} gates, K=${K}, ${parametrization} gumbel-st, batch ${batch}, feature-major`;
  const inputs = () => ({
    x: tf.tensor2d(seededUniform(batch * inDim, 28, 0, 1), [inDim, batch]),
    weights: tf.tensor2d(seededUniform(outDim * P, 29, -2, 2), [outDim, P]),
    wiring: tf.tensor3d(seededUniform(outDim * 2 * K, 30, -1, 1), [outDim, 2, K]),
  });
  const withSaved = () => {
    const ins = inputs();
    const [y, c, s, q, qs] = runFusedKernel<tf.Tensor[]>(RelaxLogicLayerLearned, ins, attrs) as tf.Tensor[];
    (y as tf.Tensor).dispose();
    return { ...ins, dy: tf.tensor2d(seededUniform(batch * outDim, 31), [outDim, batch]), c: c!, s: s!, q: q!, qs: qs! };
  };
  return [kernelCase(RelaxLogicLayerLearned, size, inputs, attrs), kernelCase(RelaxLogicLayerLearnedGrad, size, withSaved, attrs)];
}

/** GroupSum of a logic net's last layer (`n` neurons → `k` classes, feature-major as `LogicNet` chains it) and its gradient. */
function groupSumCases(n: number, k: number, batch: number): BenchCase[] {
  const attrs = { k, tau: 10, featureMajor: true };
  const size = `${n} → ${k} classes, batch ${batch}, feature-major`;
  return [
    kernelCase(RelaxGroupSum, size, () => ({ x: tf.tensor2d(seededUniform(n * batch, 61, 0, 1), [n, batch]) }), attrs),
    kernelCase(RelaxGroupSumGrad, size, () => ({ dy: tf.tensor2d(seededUniform(batch * k, 62), [batch, k]) }), { ...attrs, n }),
  ];
}

/**
 * Convolutional logic tree kernels (NeurIPS 2024): `[batch, H, W, C]` → `K` trees of depth `depth` over an
 * `rf × rf` window ('valid', random leaves on at most 2 channels per tree), forward / ∂x / ∂logits, then the
 * max OR pool 2/2 of the output.
 */
function convTreeCases(batch: number, h: number, c: number, K: number, rf: number, depth: number): BenchCase[] {
  const L = 1 << depth;
  const n = K * L;
  const leafY = Int32Array.from(seededUniform(n, 51, 0, rf), Math.floor);
  const leafX = Int32Array.from(seededUniform(n, 52, 0, rf), Math.floor);
  const chans = Int32Array.from(seededUniform(2 * K, 53, 0, c), Math.floor);
  const leafC = Int32Array.from({ length: n }, (_, q) => chans[2 * Math.floor(q / L) + (q % 2)] as number);
  const attrs = { leafY, leafX, leafC, receptiveField: rf, depth, padding: "valid", mode: "train" };
  const ho = h - rf + 1;
  const size = `[${batch}, ${h}, ${h}, ${c}] → ${K} trees, rf ${rf}, depth ${depth}`;
  const x = () => tf.tensor4d(seededUniform(batch * h * h * c, 54, 0, 1), [batch, h, h, c]);
  const logits = () => tf.tensor3d(seededUniform(K * (L - 1) * 16, 55, -2, 2), [K, L - 1, 16]);
  const withDy = () => ({ x: x(), logits: logits(), dy: tf.tensor4d(seededUniform(batch * ho * ho * K, 56), [batch, ho, ho, K]) });
  const pool = { size: 2, stride: 2 };
  const po = Math.floor((ho - 2) / 2) + 1;
  const poolSize = `[${batch}, ${ho}, ${ho}, ${K}], size 2, stride 2`;
  const y = () => tf.tensor4d(seededUniform(batch * ho * ho * K, 57, 0, 1), [batch, ho, ho, K]);
  return [
    kernelCase(RelaxLogicConvTree, size, () => ({ x: x(), logits: logits() }), attrs),
    kernelCase(RelaxLogicConvTreeGradX, size, withDy, attrs),
    kernelCase(RelaxLogicConvTreeGradLogits, size, withDy, attrs),
    kernelCase(RelaxOrPoolMax, poolSize, () => ({ x: y() }), pool),
    kernelCase(
      RelaxOrPoolMaxGrad,
      poolSize,
      () => ({ x: y(), dy: tf.tensor4d(seededUniform(batch * po * po * K, 58), [batch, po, po, K]) }),
      pool,
    ),
  ];
}

/**
 * Learned leaves of conv trees (`RelaxLogicLeafGather`: K trees of depth d over `[batch, h, h, c]`, M candidate
 * window positions per leaf, rf 3, stride 2, valid; soft wiring weights from random logits).
 */
function leafGatherCases(batch: number, h: number, c: number, K: number, depth: number, M: number): BenchCase[] {
  const n = K * (1 << depth) * M;
  const attrs = {
    candY: Int32Array.from(seededUniform(n, 61, 0, 3), Math.floor),
    candX: Int32Array.from(seededUniform(n, 62, 0, 3), Math.floor),
    candC: Int32Array.from(seededUniform(n, 63, 0, c), Math.floor),
    receptiveField: 3,
    padding: "valid",
    stride: 2,
    mode: "train",
    wiringChoice: "soft",
    temperature: 1,
    noiseSeed: 0,
  };
  const ho = Math.floor((h - 3) / 2) + 1;
  const Q = K * (1 << depth);
  const size = `[${batch}, ${h}, ${h}, ${c}] → [${batch}, ${ho}, ${ho}, ${Q}], ${K} trees of depth ${depth}, M = ${M}, stride 2`;
  const inputs = () => ({
    x: tf.tensor4d(seededUniform(batch * h * h * c, 64, 0, 1), [batch, h, h, c]),
    wiring: tf.tensor3d(seededUniform(n, 65, -2, 2), [K, 1 << depth, M]),
  });
  const withDy = () => ({ ...inputs(), dy: tf.tensor4d(seededUniform(batch * ho * ho * Q, 66), [batch, ho, ho, Q]) });
  return [
    kernelCase(RelaxLogicLeafGather, size, inputs, attrs),
    kernelCase(RelaxLogicLeafGatherGradX, size, withDy, attrs),
    kernelCase(RelaxLogicLeafGatherGradWiring, size, withDy, attrs),
  ];
}

/** A net the training-step cases run: `LogicNet` or `ConvLogicNet`. */
interface TrainableNet {
  forward(x: tf.Tensor, options: { mode: "train" }): tf.Tensor;
  readonly variables: tf.Variable[];
  dispose(): void;
}

/**
 * One training step of `build()`'s net on its input (softmax cross-entropy against seeded labels of 10 classes,
 * gradients of every variable); outputs the loss and the gradients.
 */
function trainStepCase(kernel: string, size: string, labelSeed: number, build: () => { net: TrainableNet; x: tf.Tensor }): BenchCase {
  let net: TrainableNet | undefined;
  let x: tf.Tensor | undefined;
  let y: tf.Tensor2D | undefined;
  return {
    kernel,
    size,
    setup: () => {
      ({ net, x } = build());
      const batch = x.shape[0] as number;
      const labels = tf.tensor1d(Int32Array.from(seededUniform(batch, labelSeed, 0, 10), Math.floor), "int32");
      y = tf.cast(tf.oneHot(labels, 10), "float32") as tf.Tensor2D;
      labels.dispose();
    },
    run: () => {
      const model = net as TrainableNet;
      const { value, grads } = tf.variableGrads(
        () => tf.losses.softmaxCrossEntropy(y as tf.Tensor2D, model.forward(x as tf.Tensor, { mode: "train" }) as tf.Tensor2D) as tf.Scalar,
        model.variables,
      );
      return [value, ...model.variables.map((v) => grads[v.name] as tf.Tensor)];
    },
    teardown: () => {
      net?.dispose();
      tf.dispose([x as tf.Tensor, y as tf.Tensor]);
    },
  };
}

/**
 * One training step of a conv logic net with learned leaves, the shape of `apps/logic-mnist --conv
 * --conv-connections learned`: `[batch, h, h, 3]` → `trees` depth-1 trees (rf 3, stride 2, M = 8) → 3 learned dense
 * layers (K = 8) of `width` → GroupSum(10).
 */
function convLeavesTrainStepCase(h: number, trees: number, width: number, batch: number): BenchCase {
  const ho = Math.floor((h - 3) / 2) + 1;
  const size = `[${batch}, ${h}, ${h}, 3] → ${trees} learned-leaf trees (depth 1, stride 2) → 3×${width} learned K=8 → GroupSum(10)`;
  return trainStepCase("ConvLogicNet train step", size, 44, () => {
    const learned: LogicLayerOptions = { connections: "learned", candidates: 8 };
    const net = new ConvLogicNet(
      [h, h, 3],
      [
        new LogicConvTree(3, trees, { receptiveField: 3, depth: 1, stride: 2, seed: 1, connections: "learned", candidates: 8 }),
        new LogicLayer(ho * ho * trees, width, { seed: 2, ...learned }),
        new LogicLayer(width, width, { seed: 3, ...learned }),
        new LogicLayer(width, width, { seed: 4, ...learned }),
        new GroupSum(10, 10),
      ],
    );
    return { net, x: tf.tensor4d(seededUniform(batch * h * h * 3, 43, 0, 1), [batch, h, h, 3]) };
  });
}

/** Learned-layer configurations of the WebGPU training-step cases (issue 16). */
const LEARNED_STEPS: [string, LogicLayerOptions][] = [
  ["softmax16 gumbel-st, learned K=8", { gateChoice: "gumbel-st", connections: "learned", candidates: 8 }],
  ["bilinear4 gumbel-st, random", { parametrization: "bilinear4", gateChoice: "gumbel-st" }],
];

/**
 * One training step of a whole logic gate network (DLGN, NeurIPS 2022): `inDim → depth × width →
 * GroupSum(10)`, softmax cross-entropy, gradients of every layer's logits. On cpu this is the whole-net
 * kernel `RelaxLogicNet`; on webgpu the per-layer WGSL kernels chained feature-major, then the WGSL GroupSum.
 * With `learned` (a label and `LogicLayer` options: parametrisation, gate choice, learned wiring), every layer
 * runs `RelaxLogicLayerLearned` (cpu: the host kernel; webgpu: the WGSL kernel).
 */
function logicTrainStepCase(inDim: number, width: number, depth: number, batch: number, learned?: [string, LogicLayerOptions]): BenchCase {
  const size = `${inDim} → ${depth}×${width} → GroupSum(10), batch ${batch}${learned ? `, ${learned[0]}` : ""}`;
  return trainStepCase("LogicNet train step", size, 42, () => {
    const opts = learned?.[1] ?? {};
    const layers = Array.from({ length: depth }, (_, i) => new LogicLayer(i === 0 ? inDim : width, width, { seed: 100 + i, ...opts }));
    return { net: new LogicNet([...layers, new GroupSum(10, 10)]), x: tf.tensor2d(seededUniform(batch * inDim, 41, 0, 1), [batch, inDim]) };
  });
}

/** GenDR rasterizer settings of the benchmarks: logistic fragments with τ = 0.01, probabilistic union. */
const SILHOUETTE_ATTRS = {
  distribution: "logistic",
  scale: 0.01,
  squared: false,
  shape: 1,
  shift: 0,
  tconorm: "probabilistic",
  p: Number.NaN,
  distEps: 1e4,
  maxTies: "split",
  pixelConvention: "gendr",
};

function silhouetteCases(S: number, level: number): BenchCase[] {
  const { faces, F, V } = sphereFaces(level, 0.7);
  const attrs = { ...SILHOUETTE_ATTRS, imageSize: S };
  const size = `${S}×${S}, sphere ${V} vertices / ${F} faces, logistic τ=0.01, probabilistic`;
  const f = () => tf.tensor4d(faces, [1, F, 3, 3]);
  return [
    kernelCase(RelaxRasterizeSilhouette, size, () => ({ faces: f() }), attrs),
    kernelCase(RelaxRasterizeSilhouetteGrad, size, () => ({ faces: f(), dy: tf.tensor3d(seededUniform(S * S, 31), [1, S, S]) }), attrs),
  ];
}

/**
 * GenDR's soft colour image (softmax over depth, γ = 1e-3) of the same sphere with random corner colours,
 * double-sided so that both hemispheres overlap in every pixel; near/far 0.5/4 keep every face.
 */
function rgbCases(S: number, level: number): BenchCase[] {
  const { faces, F, V } = sphereFaces(level, 0.7);
  const attrs = {
    ...SILHOUETTE_ATTRS,
    imageSize: S,
    gamma: 1e-3,
    eps: 1e-3,
    near: 0.5,
    far: 4,
    doubleSide: true,
    background: [0.1, 0.2, 0.3],
  };
  const size = `${S}×${S}, sphere ${V} vertices / ${F} faces, logistic τ=0.01, γ=1e-3, double-sided`;
  const f = () => tf.tensor4d(faces, [1, F, 3, 3]);
  const c = () => tf.tensor4d(seededUniform(F * 9, 32, 0, 1), [1, F, 3, 3]);
  return [
    kernelCase(RelaxRasterizeRgb, size, () => ({ faces: f(), colors: c() }), attrs),
    kernelCase(
      RelaxRasterizeRgbGrad,
      size,
      () => ({ faces: f(), colors: c(), dy: tf.tensor4d(seededUniform(S * S * 3, 31), [1, S, S, 3]) }),
      attrs,
    ),
  ];
}

/**
 * Relaxed shortest path on `batch` random `H × W` terrain maps (AlgoVision; the Warcraft benchmark uses
 * 12×12 at batch 70), β = 10, the default iterations (H·W, stopping early) and probabilistic traceback.
 */
function shortestPathCases(H: number, batch: number): BenchCase[] {
  const attrs = { beta: 10, iterations: H * H, tolerance: 1e-6, traceSteps: H * H, epsilon: 1e-6, tconorm: "probabilistic", p: Number.NaN };
  const size = `${H}×${H} maps, batch ${batch}`;
  const c = () => tf.tensor3d(seededUniform(batch * H * H, 71, 0.1, 2), [batch, H, H]);
  return [
    kernelCase(RelaxShortestPath, size, () => ({ costs: c() }), attrs, 1),
    kernelCase(
      RelaxShortestPathGrad,
      size,
      () => ({ costs: c(), dy: tf.tensor3d(seededUniform(batch * H * H, 72), [batch, H, H]) }),
      attrs,
    ),
  ];
}

/** The cases of one set, in table order. */
export function webgpuCases(set: CaseSet): BenchCase[] {
  if (set === "quick") {
    return [
      swapLayerCase(16, 8),
      ...sortCases("odd_even", 8, 4, true),
      ...sortCases("bitonic", 16, 2, false),
      ...sortCases("bitonic", 32, 8, false),
      ...topkCases(16, 3, 4),
      ...fastSoftSortCases("sort", "l2", 64, 8),
      ...fastSoftSortCases("rank", "kl", 32, 4),
      ...logicLayerCases(32, 64, 8),
      ...logicLayerCases(64, 256, 32),
      ...logicLayerCases(64, 256, 32, true),
      ...learnedLayerCases(64, 256, 32, 4, "softmax16"),
      ...learnedLayerCases(64, 256, 32, 4, "bilinear4"),
      ...groupSumCases(200, 10, 16),
      logicTrainStepCase(64, 200, 2, 16),
      ...LEARNED_STEPS.map((l) => logicTrainStepCase(64, 200, 2, 16, l)),
      ...convTreeCases(2, 8, 2, 4, 3, 2),
      ...leafGatherCases(2, 9, 2, 4, 1, 6),
      convLeavesTrainStepCase(9, 4, 60, 4),
      ...silhouetteCases(16, 0),
      ...silhouetteCases(32, 1),
      ...rgbCases(16, 0),
      ...rgbCases(32, 1),
      ...shortestPathCases(6, 4),
    ];
  }
  return [
    swapLayerCase(128, 1024),
    ...sortCases("odd_even", 32, 100, true),
    ...sortCases("odd_even", 32, 1024, false),
    ...sortCases("odd_even", 128, 1024, false),
    ...sortCases("bitonic", 128, 1024, false),
    ...sortCases("bitonic", 1024, 16, false),
    ...topkCases(1024, 10, 64),
    ...fastSoftSortCases("sort", "kl", 100, 1024),
    ...fastSoftSortCases("rank", "l2", 1000, 128),
    ...logicLayerCases(784, 8000, 100),
    ...logicLayerCases(784, 8000, 1024),
    ...logicLayerCases(8000, 8000, 1024),
    ...logicLayerCases(8000, 8000, 1024, true),
    ...learnedLayerCases(8000, 8000, 1024, 8, "softmax16"),
    ...learnedLayerCases(8000, 8000, 1024, 8, "bilinear4"),
    ...groupSumCases(8000, 10, 1024),
    logicTrainStepCase(784, 8000, 6, 100),
    logicTrainStepCase(784, 8000, 6, 1024),
    ...LEARNED_STEPS.map((l) => logicTrainStepCase(784, 8000, 6, 1024, l)),
    ...convTreeCases(100, 28, 1, 16, 3, 3),
    ...convTreeCases(100, 13, 16, 32, 3, 3),
    ...leafGatherCases(1024, 28, 3, 32, 1, 8),
    convLeavesTrainStepCase(28, 32, 3520, 1024),
    ...silhouetteCases(64, 3),
    ...silhouetteCases(256, 3),
    ...rgbCases(64, 3),
    ...rgbCases(256, 3),
    ...shortestPathCases(12, 70),
    ...shortestPathCases(30, 16),
  ];
}
