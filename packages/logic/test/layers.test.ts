import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import * as tfl from "@tensorflow/tfjs-layers";
import { RelaxError } from "@relax/core";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { bareImports } from "@relax/core/testing";
import { beforeAll, describe, expect, it } from "vitest";
import { ConvLogicNet, GroupSum, LogicConvTree, LogicLayer, LogicNet, OrPool, compile, fusedAdam } from "../src/index.js";
import {
  fuseLogicLayers,
  groupSum,
  logicConvTree,
  logicLayer,
  logicStack,
  orPoolLayer,
  softmaxCrossEntropyLoss,
  toConvLogicNet,
  toLogicNet,
} from "../src/layers/index.js";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");

const same = (a: tf.Tensor, b: tf.Tensor): void => expect(Array.from(a.dataSync())).toEqual(Array.from(b.dataSync()));

function data(n: number, inDim: number, k: number, seed: number): { x: tf.Tensor2D; y: tf.Tensor2D } {
  return tf.tidy(() => {
    const x = tf.cast(tf.greater(tf.randomUniform([n, inDim], 0, 1, "float32", seed), 0.5), "float32") as tf.Tensor2D;
    // a learnable target: class = (x0 + 2·x1) mod k
    const cls = tf.cast(tf.mod(tf.add(tf.slice(x, [0, 0], [-1, 1]), tf.mul(2, tf.slice(x, [0, 1], [-1, 1]))), k), "int32");
    return { x, y: tf.oneHot(tf.reshape(cls, [-1]), k) as tf.Tensor2D };
  });
}

function seqModel(seed: number, widths = [16, 64, 64], k = 4, tau = 4): tfl.Sequential {
  const model = tfl.sequential();
  for (let l = 1; l < widths.length; l++)
    model.add(logicLayer({ units: widths[l] as number, seed: seed + l - 1, ...(l === 1 ? { inputShape: [widths[0] as number] } : {}) }));
  model.add(groupSum({ k, tau }));
  return model;
}

beforeAll(async () => {
  await tf.setBackend("cpu");
});

describe("@relax/logic/layers", () => {
  it("the main entry never loads tfjs-layers; the layers entry does", () => {
    const main = join(root, "dist/index.js");
    expect(existsSync(main), "build the package first (pnpm --filter @relax/logic build)").toBe(true);
    const mainImports = bareImports(main);
    expect(mainImports.has("@tensorflow/tfjs-core")).toBe(true);
    expect([...mainImports].filter((s) => s.includes("tfjs-layers") || s === "@tensorflow/tfjs")).toEqual([]);
    expect(bareImports(join(root, "dist/layers/index.js")).has("@tensorflow/tfjs-layers")).toBe(true);
    const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
    expect(pkg.peerDependenciesMeta["@tensorflow/tfjs-layers"].optional).toBe(true);
    expect(pkg.exports["./layers"].default).toBe("./dist/layers/index.js");
  });

  it("logicLayer holds exactly LogicLayer's seeded connections and logits, and computes the same outputs", () => {
    const layer = logicLayer({ units: 32, seed: 7 });
    const x = tf.randomUniform([5, 12], 0, 1, "float32", 3);
    const ref = new LogicLayer(12, 32, { seed: 7 });
    for (const training of [true, false]) {
      const y = layer.apply(x, { training }) as tf.Tensor;
      const want = ref.forward(x, { mode: training ? "train" : "eval" });
      expect(Array.from(y.dataSync())).toEqual(Array.from(want.dataSync()));
      tf.dispose([y, want]);
    }
    const { a, b } = layer.indices();
    expect(Array.from(a)).toEqual(Array.from(ref.a));
    expect(Array.from(b)).toEqual(Array.from(ref.b));
    expect(Array.from(layer.logits().dataSync())).toEqual(Array.from(ref.logits.dataSync()));
    ref.dispose();
    layer.dispose();
    x.dispose();
  });

  it("model.fit with fusedAdam decreases the loss, without leaking tensors", async () => {
    const model = seqModel(1);
    model.compile({ optimizer: fusedAdam(0.05), loss: softmaxCrossEntropyLoss });
    const { x, y } = data(64, 16, 4, 2);
    await model.fit(x, y, { batchSize: 32, epochs: 1, verbose: 0 }); // warm-up
    const before = tf.memory().numTensors;
    const h = await model.fit(x, y, { batchSize: 32, epochs: 12, verbose: 0 });
    expect(tf.memory().numTensors).toBe(before);
    const loss = h.history.loss as number[];
    expect(loss[loss.length - 1]).toBeLessThan((loss[0] as number) * 0.9);
    model.dispose();
    tf.dispose([x, y]);
  });

  it("logicStack and fuseLogicLayers compute the same values and gradients as the sequential layers (whole-net kernel vs per layer)", () => {
    const seq = seqModel(3);
    const stack = tfl.sequential({ layers: [logicStack({ units: [64, 64], k: 4, tau: 4, seed: 3, inputShape: [16] })] });
    const { x, y } = data(8, 16, 4, 5);
    const run = (m: tfl.Sequential) =>
      tf.tidy(() => {
        const vars = m.trainableWeights.map((w) => w.read() as tf.Variable);
        const { value, grads } = tf.variableGrads(
          () => tf.mean(softmaxCrossEntropyLoss(y, m.apply(x, { training: true }) as tf.Tensor)) as tf.Scalar,
          vars,
        );
        return { value: value.dataSync()[0] as number, grads: vars.map((v) => Array.from((grads[v.name] as tf.Tensor).dataSync())) };
      });
    const a = run(seq);
    const b = run(stack);
    expect(b.value).toBeCloseTo(a.value, 5);
    b.grads.forEach((g, i) => g.forEach((v, j) => expect(v).toBeCloseTo((a.grads[i] as number[])[j] as number, 5)));
    same(stack.predict(x) as tf.Tensor, seq.predict(x) as tf.Tensor);
    // fuseLogicLayers copies the weights (perturbed first, so that the stack's own seeded init would not match)
    seq.layers.forEach((l, i) => {
      const [logits, connections] = l.getWeights();
      if (logits && connections) l.setWeights([tf.randomNormal(logits.shape, 0, 2, "float32", 20 + i), connections]);
    });
    const a2 = run(seq);
    const fused = fuseLogicLayers(seq);
    expect(fused.layers.map((l) => l.getClassName())).toEqual(["InputLayer", "RelaxLogicStack"]);
    const c = run(fused as tfl.Sequential);
    expect(c.value).not.toBeCloseTo(a.value, 3);
    expect(c.value).toBeCloseTo(a2.value, 5);
    c.grads.forEach((g, i) => g.forEach((v, j) => expect(v).toBeCloseTo((a2.grads[i] as number[])[j] as number, 5)));
    same(fused.predict(x) as tf.Tensor, seq.predict(x) as tf.Tensor);
    fused.dispose();
    tf.dispose([x, y]);
    seq.dispose();
    stack.dispose();
  });

  it("model.save / tf.loadLayersModel round-trip (in memory) and toLogicNet compiles to the same circuit as a LogicNet", async () => {
    for (const make of [
      () => seqModel(11),
      () => tfl.sequential({ layers: [logicStack({ units: [64, 64], k: 4, tau: 4, seed: 11, inputShape: [16] })] }),
    ]) {
      const model = make();
      model.compile({ optimizer: fusedAdam(0.05), loss: softmaxCrossEntropyLoss });
      const { x, y } = data(64, 16, 4, 9);
      await model.fit(x, y, { batchSize: 32, epochs: 3, verbose: 0 });
      let saved: tf.io.ModelArtifacts | null = null;
      await model.save(
        tf.io.withSaveHandler(async (artifacts) => {
          saved = artifacts;
          return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: "JSON" } };
        }),
      );
      const loaded = await tfl.loadLayersModel(tf.io.fromMemory(saved as unknown as tf.io.ModelArtifacts));
      const p0 = model.predict(x) as tf.Tensor;
      const p1 = loaded.predict(x) as tf.Tensor;
      expect(Array.from(p1.dataSync())).toEqual(Array.from(p0.dataSync()));
      loaded
        .getWeights()
        .forEach((w, i) => expect(Array.from(w.dataSync())).toEqual(Array.from((model.getWeights()[i] as tf.Tensor).dataSync())));
      // the circuit: compile(toLogicNet(model)) equals compile of a LogicNet holding the same weights, and predict (eval mode)
      const net = toLogicNet(loaded);
      const direct = new LogicNet([
        ...net.layers.map((l) => LogicLayer.fromWeights({ a: l.a, b: l.b, logits: l.logits, inDim: l.inDim })),
        new GroupSum(4, 4),
      ]);
      const bits = Uint8Array.from(x.dataSync());
      const counts = Array.from(compile(net).counts(bits, 64));
      expect(counts).toEqual(Array.from(compile(direct).counts(bits, 64)));
      expect(counts).toEqual(Array.from(p0.dataSync()).map((v) => Math.round(v * 4)));
      tf.dispose([p0, p1, x, y]);
      net.dispose();
      direct.dispose();
      model.dispose();
      loaded.dispose();
    }
  });

  it("conv trees: logicConvTree + orPoolLayer + flatten + logicLayer + groupSum equals ConvLogicNet, trains, saves, compiles", async () => {
    const convNet = () =>
      tfl.sequential({
        layers: [
          logicConvTree({ filters: 4, receptiveField: 3, depth: 2, seed: 5, inputShape: [8, 8, 1] }),
          orPoolLayer({ size: 2 }),
          tfl.layers.flatten(),
          logicLayer({ units: 40, seed: 6 }),
          groupSum({ k: 2, tau: 4 }),
        ],
      });
    const model = convNet();
    const x = tf.cast(tf.greater(tf.randomUniform([16, 8, 8, 1], 0, 1, "float32", 3), 0.6), "float32") as tf.Tensor4D;
    const y = tf.oneHot(
      tf.tensor1d(
        Array.from({ length: 16 }, (_, i) => i % 2),
        "int32",
      ),
      2,
    );
    // the same numbers as a ConvLogicNet built from the same seeds (train mode and eval mode)
    const ref = new ConvLogicNet(
      [8, 8, 1],
      [
        new LogicConvTree(1, 4, { receptiveField: 3, depth: 2, seed: 5 }),
        new OrPool({ size: 2 }),
        new LogicLayer(3 * 3 * 4, 40, { seed: 6 }),
        new GroupSum(2, 4),
      ],
    );
    for (const training of [true, false])
      same(model.apply(x, { training }) as tf.Tensor, ref.forward(x, { mode: training ? "train" : "eval" }));
    ref.dispose();
    model.compile({ optimizer: fusedAdam(0.05), loss: softmaxCrossEntropyLoss });
    const h = await model.fit(x, y, { epochs: 8, batchSize: 16, verbose: 0 });
    const loss = h.history.loss as number[];
    expect(loss[loss.length - 1]).toBeLessThan(loss[0] as number);
    let saved: tf.io.ModelArtifacts | null = null;
    await model.save(
      tf.io.withSaveHandler(async (a) => {
        saved = a;
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: "JSON" } };
      }),
    );
    const loaded = await tfl.loadLayersModel(tf.io.fromMemory(saved as unknown as tf.io.ModelArtifacts));
    const p = model.predict(x) as tf.Tensor;
    same(loaded.predict(x) as tf.Tensor, p);
    const net = toConvLogicNet(loaded);
    const counts = Array.from(compile(net).counts(Uint8Array.from(x.dataSync()), 16));
    expect(counts).toEqual(Array.from(p.dataSync(), (v) => Math.round(v * 4)));
    net.dispose();
    tf.dispose([x, y, p]);
    model.dispose();
    loaded.dispose();
  });

  it("fusedAdam's state round-trips through getWeights / setWeights: a resumed model.fit is bit-identical", async () => {
    const { x, y } = data(32, 16, 4, 13);
    const fit = (m: tfl.LayersModel, epochs: number) => m.fit(x, y, { epochs, batchSize: 32, shuffle: false, verbose: 0 });
    const straight = seqModel(21);
    straight.compile({ optimizer: fusedAdam(0.05), loss: softmaxCrossEntropyLoss });
    await fit(straight, 6);
    const first = seqModel(21);
    const opt = fusedAdam(0.05);
    first.compile({ optimizer: opt, loss: softmaxCrossEntropyLoss });
    await fit(first, 3);
    const state = await opt.getWeights();
    const vars = first.trainableWeights.map((w) => (w.read() as tf.Variable).name);
    expect(state.map((w) => w.name)).toEqual(["iter", ...vars.map((n) => `${n}/m`), ...vars.map((n) => `${n}/v`)]);
    const resumed = seqModel(99); // other initial weights and variable names: everything comes from the saved state
    resumed.setWeights(first.getWeights());
    const names = resumed.trainableWeights.map((w) => (w.read() as tf.Variable).name);
    const restored = fusedAdam(0.05);
    await restored.setWeights(
      state.map((w, j) =>
        j === 0 ? w : { name: `${names[(j - 1) % names.length]}${w.name.slice(w.name.lastIndexOf("/"))}`, tensor: w.tensor },
      ),
    );
    resumed.compile({ optimizer: restored, loss: softmaxCrossEntropyLoss });
    await fit(resumed, 3);
    const want = straight.getWeights();
    resumed.getWeights().forEach((w, i) => same(w, want[i] as tf.Tensor));
    tf.dispose([x, y, ...state.map((w) => w.tensor)]);
    for (const m of [straight, first, resumed]) m.dispose();
  });

  it("a strided logicConvTree: output shape, the LogicConvTree's numbers, config round trip", () => {
    const layer = logicConvTree({ filters: 3, receptiveField: 3, depth: 2, stride: 2, seed: 7, inputShape: [9, 8, 2] });
    const model = tfl.sequential({ layers: [layer] });
    expect(model.outputs[0]!.shape).toEqual([null, 4, 3, 3]);
    const x = tf.randomUniform([2, 9, 8, 2], 0, 1, "float32", 4) as tf.Tensor4D;
    const tree = new LogicConvTree(2, 3, { receptiveField: 3, depth: 2, stride: 2, seed: 7 });
    for (const training of [true, false])
      same(model.apply(x, { training }) as tf.Tensor, tree.forward(x, { mode: training ? "train" : "eval" }));
    expect(layer.getConfig().stride).toBe(2);
    const copy = logicConvTree(layer.getConfig() as never);
    expect(copy.computeOutputShape([null, 9, 8, 2])).toEqual([null, 4, 3, 3]);
    const back = layer.toLogicConvTree();
    expect(back.stride).toBe(2);
    tf.dispose(x);
    for (const d of [tree, back, model]) d.dispose();
  });

  it("bad arguments are RelaxErrors naming the argument", () => {
    expect(() => logicConvTree({ filters: 2, stride: 0 })).toThrow(/stride/);
    expect(() => logicLayer({ units: 0 })).toThrow(RelaxError);
    expect(() => logicLayer({ units: 4, mode: "fast" as never })).toThrow(/mode/);
    expect(() => logicLayer({ units: 4, unit: 3 } as never)).toThrow(/unit/);
    expect(() => groupSum({ k: 0 })).toThrow(/k/);
    expect(() => logicStack({ units: [10], k: 4 })).toThrow(/divisor/);
    expect(() => logicConvTree({ filters: 2, padding: "full" as never })).toThrow(/padding/);
    expect(() => orPoolLayer({ method: "xor" as never })).toThrow(/method/);
    expect(() => toLogicNet(tfl.sequential({ layers: [tfl.layers.dense({ units: 2, inputShape: [3] })] }))).toThrow(
      /logicLayer or groupSum/,
    );
  });
});
