import * as tf from "@tensorflow/tfjs-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RelaxError, relaxedSwapLayer, shortestPath } from "@relax/core";
import { countLeakedTensors, countLeakedTensorsOnThrow } from "@relax/core/testing";
import { diffSort, diffTopK, fastSoftRank, fastSoftSort, lapSumRank, lapSumSort, lapSumTopK } from "@relax/sort";
import { GroupSum, LogicConvTree, LogicLayer, LogicNet, OrPool, orPool } from "@relax/logic";
import { faceVertices, projectVertices, rasterizeRgb, rasterizeSilhouette, render, tetrahedron, type Mesh } from "@relax/render";
import { MAX_CACHED_NETWORKS } from "../src/kernels/network_tables.js";
import { initWebGPU } from "./webgpu_env.js";

const ok = await initWebGPU();

/**
 * Every public op with a WGSL kernel, called BARE on webgpu (no tf.tidy): it must leave exactly the tensors it
 * returns (`countLeakedTensors` disposes them) and no GPU buffer of the backend (`numDataIds`: temporaries a
 * kernel uploads or computes and forgets to release never show up as engine tensors). Each call runs once
 * unmeasured first: the first call may upload a network / wiring table that is cached on purpose.
 */
const buffers = (): number => (tf.backend() as unknown as { numDataIds(): number }).numDataIds();

function expectNoLeak(fn: () => unknown): void {
  expect(countLeakedTensors(fn), "tensors left by the first call").toBe(0);
  const before = buffers();
  expect(countLeakedTensors(fn), "tensors left").toBe(0);
  expect(buffers() - before, "GPU buffers left").toBe(0);
}

/** The call throws a RelaxError naming `pattern` and leaves neither tensors nor GPU buffers. */
function expectCleanThrow(fn: () => unknown, pattern: RegExp): void {
  const before = buffers();
  const { error, leaked } = countLeakedTensorsOnThrow(fn);
  expect(error).toBeInstanceOf(RelaxError);
  expect((error as Error).message).toMatch(pattern);
  expect(leaked, "tensors left").toBe(0);
  expect(buffers() - before, "GPU buffers left").toBe(0);
}

const grad = (f: (v: tf.Tensor) => tf.Tensor) => (x: tf.Tensor) => tf.grad((v: tf.Tensor) => tf.sum(tf.square(f(v))))(x);

describe.runIf(ok)("public ops on webgpu leave nothing behind (called bare, tensors and GPU buffers)", () => {
  const rowsA = [
    [3, 1, 2, 0.5],
    [0, -1, 4, 2],
  ];
  const bitsA = [
    [0, 1, 1, 0],
    [1, 0, 0.5, 1],
  ];
  let x: tf.Tensor2D, xi: tf.Tensor2D, bits: tf.Tensor2D, img: tf.Tensor4D, costs: tf.Tensor3D;
  let mesh: Mesh, faces: tf.Tensor, colors: tf.Tensor;
  let facesA: number[][][];
  beforeAll(async () => {
    await tf.setBackend("webgpu");
    x = tf.tensor2d(rowsA);
    xi = tf.tensor2d(
      rowsA.map((r) => r.map(Math.round)),
      [2, 4],
      "int32",
    );
    bits = tf.tensor2d(bitsA);
    img = tf.tensor4d(
      Array.from({ length: 2 * 3 * 3 * 2 }, (_, i) => ((i * 7) % 3) / 2),
      [2, 3, 3, 2],
    );
    costs = tf.tensor3d([
      [
        [1, 2, 1],
        [1, 5, 1],
        [2, 1, 1],
      ],
    ]);
    mesh = tetrahedron({ color: [0.5, 0.4, 0.3] });
    faces = tf.tidy(() => faceVertices(projectVertices(mesh.vertices, { eye: [0, 0, -3] }), mesh.faces));
    colors = tf.tidy(() => faceVertices(mesh.colors!, mesh.faces));
    facesA = (await faces.array()) as number[][][];
  });
  afterAll(() => {
    tf.dispose([x, xi, bits, img, costs, faces, colors]);
    mesh.dispose();
  });

  it("relaxedSwapLayer: tensor, array, int32, tf.grad; misspelled option", () => {
    const layer = { lo: [0, 2], hi: [1, 3] };
    expectNoLeak(() => relaxedSwapLayer(x, layer));
    expectNoLeak(() => relaxedSwapLayer(rowsA, layer));
    expectNoLeak(() => relaxedSwapLayer(xi, layer));
    expectNoLeak(() => grad((v) => relaxedSwapLayer(v as tf.Tensor2D, layer).y)(x));
    expectCleanThrow(() => relaxedSwapLayer(rowsA, layer, { steepnes: 3 } as never), /did you mean "steepness"/);
  });

  for (const network of ["odd_even", "bitonic"] as const) {
    it(`diffSort ${network}: tensor, array, int32, valuesOnly, hard, tf.grad (values and matrix); misspelled option`, () => {
      expectNoLeak(() => diffSort(x, { network }));
      expectNoLeak(() => diffSort(rowsA, { network, descending: true }));
      expectNoLeak(() => diffSort(xi, { network }));
      expectNoLeak(() => diffSort(x, { network, valuesOnly: true }));
      expectNoLeak(() => diffSort(x, { network, hard: true }));
      expectNoLeak(() => grad((v) => diffSort(v, { network, valuesOnly: true }).sorted)(x));
      expectNoLeak(() => grad((v) => diffSort(v, { network, descending: true }).permutation)(x));
      expectCleanThrow(() => diffSort(rowsA, { network, steepnes: 0 } as never), /did you mean "steepness"/);
    });
  }

  it("diffTopK (sorting-network selection, bitonic and splitter): tensor, array, int32, tf.grad; misspelled option", () => {
    expectNoLeak(() => diffTopK(x, 2));
    expectNoLeak(() => diffTopK(rowsA, 2, { network: "splitter_selection" }));
    expectNoLeak(() => diffTopK(xi, 1));
    expectNoLeak(() => grad((v) => diffTopK(v, 2))(x));
    expectNoLeak(() => grad((v) => diffTopK(v, 2, { network: "splitter_selection" }))(x));
    expectCleanThrow(() => diffTopK(rowsA, 2, { netwrok: "bitonic" } as never), /did you mean "network"/);
  });

  it("fastSoftSort / fastSoftRank: tensor, array, int32, tf.grad (l2, kl); misspelled option", () => {
    for (const f of [fastSoftSort, fastSoftRank]) {
      expectNoLeak(() => f(x));
      expectNoLeak(() => f(rowsA, { regularization: "kl" }));
      expectNoLeak(() => f(xi));
      expectNoLeak(() => grad((v) => f(v))(x));
      expectNoLeak(() => grad((v) => f(v, { regularization: "kl", descending: true }))(x));
      expectCleanThrow(() => f(rowsA, { regularisation: "l2" } as never), /did you mean "regularization"/);
    }
  });

  it("lapSumRank / lapSumSort / lapSumTopK: tensor, array, int32, tf.grad; misspelled option", () => {
    const ops = [
      (v: tf.Tensor | number[][], o = {}) => lapSumRank(v, o),
      (v: tf.Tensor | number[][], o = {}) => lapSumSort(v, o),
      (v: tf.Tensor | number[][], o = {}) => lapSumTopK(v, 2, o),
    ];
    for (const f of ops) {
      expectNoLeak(() => f(x));
      expectNoLeak(() => f(rowsA, { alpha: 0.3 }));
      expectNoLeak(() => f(xi));
      expectNoLeak(() => grad((v) => f(v))(x));
      expectCleanThrow(() => f(rowsA, { alhpa: 1 }), /did you mean "alpha"/);
    }
  });

  it("LogicLayer, GroupSum, LogicNet: forward (train, eval) with tensor and array input, tf.grad, a training step; misspelled option", () => {
    const layer = new LogicLayer(4, 6, { seed: 1 });
    const head = new GroupSum(2, 1);
    const net = new LogicNet([new LogicLayer(4, 6, { seed: 2 }), new LogicLayer(6, 4, { seed: 3 }), new GroupSum(2, 1)]);
    const labels = tf.tensor2d([
      [1, 0],
      [0, 1],
    ]);
    const sgd = tf.train.sgd(0.1);
    for (const mode of ["train", "eval"] as const) {
      expectNoLeak(() => layer.forward(bits, { mode }));
      expectNoLeak(() => layer.forward(bitsA, { mode }));
      expectNoLeak(() => net.forward(bits, { mode }));
      expectNoLeak(() => net.forward(bitsA, { mode }));
    }
    expectNoLeak(() => head.forward(bits));
    expectNoLeak(() => head.forward(bitsA));
    expectNoLeak(() => grad((v) => layer.forward(v))(bits));
    expectNoLeak(() => grad((v) => head.forward(v))(bits));
    expectNoLeak(() => sgd.minimize(() => tf.losses.softmaxCrossEntropy(labels, net.forward(bits)) as tf.Scalar, true, net.variables));
    expectCleanThrow(() => layer.forward(bitsA, { mdoe: "eval" } as never), /did you mean "mode"/);
    expectCleanThrow(() => net.forward(bitsA, { mdoe: "eval" } as never), /did you mean "mode"/);
    expectCleanThrow(() => head.forward([[0, 1, 1]]), /GroupSum/);
    tf.dispose(labels);
    for (const m of [layer, net]) m.dispose();
    sgd.dispose();
  });

  it("learned LogicLayer / LogicNet (bilinear4 and softmax16, gumbel-st gates, learned wiring): forward, tf.grad, a training step", () => {
    const opts = { connections: "learned", candidates: 3, gateChoice: "gumbel-st" } as const;
    const layer = new LogicLayer(4, 6, { seed: 1, parametrization: "bilinear4", ...opts });
    const net = new LogicNet([
      new LogicLayer(4, 6, { seed: 2, ...opts }),
      new LogicLayer(6, 4, { seed: 3, wiringChoice: "soft", ...opts }),
      new GroupSum(2, 1),
    ]);
    const labels = tf.tensor2d([
      [1, 0],
      [0, 1],
    ]);
    const sgd = tf.train.sgd(0.1);
    for (const mode of ["train", "eval"] as const) {
      expectNoLeak(() => layer.forward(bits, { mode }));
      expectNoLeak(() => net.forward(bits, { mode }));
    }
    expectNoLeak(() => grad((v) => layer.forward(v))(bits));
    expectNoLeak(() => sgd.minimize(() => tf.losses.softmaxCrossEntropy(labels, net.forward(bits)) as tf.Scalar, true, net.variables));
    tf.dispose(labels);
    for (const m of [layer, net]) m.dispose();
    sgd.dispose();
  });

  it("LogicConvTree and OrPool: forward (train, eval), int32, tf.grad, gradients of the logits; misspelled option", () => {
    const tree = new LogicConvTree(2, 3, { receptiveField: 2, depth: 2, seed: 1 });
    const imgI = tf.cast(img, "int32");
    for (const mode of ["train", "eval"] as const) expectNoLeak(() => tree.forward(img, { mode }));
    expectNoLeak(() => tree.forward(imgI));
    expectNoLeak(() => grad((v) => tree.forward(v))(img));
    expectNoLeak(() => tf.variableGrads(() => tf.sum(tf.square(tree.forward(img))), [tree.logits]));
    expectNoLeak(() => orPool(img, { size: 2, stride: 1 }));
    expectNoLeak(() => new OrPool({ size: 2 }).forward(imgI));
    expectNoLeak(() => grad((v) => orPool(v, { size: 2, stride: 1 }))(img));
    expectCleanThrow(() => tree.forward(img, { mdoe: "train" } as never), /did you mean "mode"/);
    expectCleanThrow(() => orPool(img, { sise: 2 } as never), /did you mean "size"/);
    imgI.dispose();
    tree.dispose();
  });

  it("LogicConvTree with node options and learned leaves: forward (train, eval), tf.grad, gradients of logits and wiring", () => {
    for (const opts of [
      { parametrization: "bilinear4", gateChoice: "gumbel-st" },
      { gateChoice: "hard-st", connections: "learned", candidates: 4, wiringChoice: "gumbel-st" },
      { parametrization: "bilinear4", connections: "learned", candidates: 3, wiringChoice: "soft" },
    ] as const) {
      const tree = new LogicConvTree(2, 3, { receptiveField: 2, depth: 2, seed: 1, temperature: 0.5, ...opts });
      for (const mode of ["train", "eval"] as const) expectNoLeak(() => tree.forward(img, { mode }));
      expectNoLeak(() => grad((v) => tree.forward(v))(img));
      expectNoLeak(() => tf.variableGrads(() => tf.sum(tf.square(tree.forward(img))), tree.variables));
      tree.dispose();
    }
  });

  it("rasterizeSilhouette / rasterizeRgb / render: [F,3,3] tensor and array faces, batched, tf.grad; misspelled option", () => {
    const batched = tf.expandDims(faces, 0);
    const opts = { imageSize: 6 };
    expectNoLeak(() => rasterizeSilhouette(faces, opts));
    expectNoLeak(() => rasterizeSilhouette(facesA, { ...opts, tconorm: "einstein", distribution: "gaussian" }));
    expectNoLeak(() => rasterizeSilhouette(batched, opts));
    expectNoLeak(() => grad((v) => rasterizeSilhouette(v, opts))(faces));
    expectNoLeak(() => rasterizeRgb(faces, colors, opts));
    expectNoLeak(() => rasterizeRgb(facesA, colors, opts));
    expectNoLeak(() => grad((v) => rasterizeRgb(v, colors, opts))(faces));
    expectNoLeak(() => grad((c) => rasterizeRgb(faces, c, opts))(colors));
    expectNoLeak(() => render(mesh, { eye: [0, 0, -3] }, opts));
    expectNoLeak(() => grad((v) => render(mesh, { eye: [0, 0, -3] }, { ...opts, vertices: v }).rgb!)(mesh.vertices));
    expectCleanThrow(() => rasterizeSilhouette(facesA, { imageSise: 6 } as never), /did you mean "imageSize"/);
    expectCleanThrow(() => rasterizeRgb(facesA, colors, { backgroud: [0, 0, 0] } as never), /did you mean "background"/);
    expectCleanThrow(() => render(mesh, { eye: [0, 0, -3] }, { imagesize: 6 } as never), /did you mean "imageSize"/);
    batched.dispose();
  });

  it("shortestPath: tensor, array, int32, tf.grad (probabilistic, einstein); misspelled option; a map too big for a GPU buffer", () => {
    const costsI = tf.cast(costs, "int32");
    const costsA = [
      [
        [1, 2, 1],
        [1, 5, 1],
        [2, 1, 1],
      ],
    ];
    expectNoLeak(() => shortestPath(costs));
    expectNoLeak(() => shortestPath(costsA, { tconorm: "einstein" }));
    expectNoLeak(() => shortestPath(costsI));
    expectNoLeak(() => grad((v) => shortestPath(v))(costs));
    expectNoLeak(() => grad((v) => shortestPath(v, { tconorm: "einstein", beta: 3 }))(costs));
    expectCleanThrow(() => shortestPath(costsA, { bta: 3 } as never), /did you mean "beta"/);
    // the kernel's own limit reaches the user as a RelaxError, and the array's float copy is not left behind
    const saved = tf.env().getNumber("RELAX_WEBGPU_PATH_SLICE_BYTES");
    tf.env().set("RELAX_WEBGPU_PATH_SLICE_BYTES", 256);
    try {
      expectCleanThrow(
        () => shortestPath(costsA),
        /ShortestPath \(webgpu\): costs must be maps whose scratch fits .* MiB of scratch per map/,
      );
    } finally {
      tf.env().set("RELAX_WEBGPU_PATH_SLICE_BYTES", saved);
    }
    costsI.dispose();
  });

  it(`keeps at most ${MAX_CACHED_NETWORKS} sorting-network tables on the GPU (rows of ever new lengths)`, async () => {
    const before = buffers();
    for (let n = 2; n < MAX_CACHED_NETWORKS + 10; n++) {
      const row = tf.zeros([1, n]);
      tf.dispose([row, diffSort(row, { valuesOnly: true, network: "odd_even" }).sorted]);
    }
    await tf.nextFrame(); // any table still owned by a queued command is freed once it is submitted
    expect(buffers() - before).toBeLessThanOrEqual(MAX_CACHED_NETWORKS);
    expect(buffers() - before).toBeGreaterThan(0); // the cache is used
  });
});
