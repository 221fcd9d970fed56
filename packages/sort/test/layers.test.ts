import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import * as tfl from "@tensorflow/tfjs-layers";
import { RelaxError } from "@relax/core";
import { bareImports, countLeakedTensors } from "@relax/core/testing";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { diffSort, softRank } from "../src/index.js";
import { diffSortLayer } from "../src/layers/index.js";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");

beforeAll(async () => {
  await tf.setBackend("cpu");
});

describe("@relax/sort/layers", () => {
  it("the main entry never loads tfjs-layers; the layers entry does", () => {
    const main = join(root, "dist/index.js");
    expect(existsSync(main), "build the package first (pnpm --filter @relax/sort build)").toBe(true);
    const mainImports = bareImports(main);
    expect(mainImports.has("@tensorflow/tfjs-core")).toBe(true);
    expect([...mainImports].filter((s) => s.includes("tfjs-layers") || s === "@tensorflow/tfjs")).toEqual([]);
    expect(bareImports(join(root, "dist/layers/index.js")).has("@tensorflow/tfjs-layers")).toBe(true);
    const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
    expect(pkg.peerDependenciesMeta["@tensorflow/tfjs-layers"].optional).toBe(true);
  });

  it("diffSortLayer gives softRank's ranks / diffSort's sorted values, with the same gradients", () => {
    const x = tf.tensor2d([
      [0.3, -1.2, 2.5, 0.1, 0.7],
      [1.0, 0.2, -0.4, 3.1, -2.2],
    ]);
    const w = tf.tensor2d([[1, -2, 3, 0.5, -1]]);
    const cases: [Parameters<typeof diffSortLayer>[0], (t: tf.Tensor) => tf.Tensor][] = [
      [{ steepness: 10 }, (t) => softRank(t, { steepness: 10, axis: -1 })],
      [
        { steepness: 4, network: "bitonic", descending: true, oneBased: true },
        (t) => softRank(t, { steepness: 4, network: "bitonic", descending: true, oneBased: true, axis: -1 }),
      ],
      [
        { returns: "sorted", distribution: "logistic", steepness: 6 },
        (t) => diffSort(t, { distribution: "logistic", steepness: 6, valuesOnly: true }).sorted,
      ],
    ];
    for (const [args, ref] of cases) {
      const layer = diffSortLayer(args);
      const f = (t: tf.Tensor) => tf.sum(tf.mul(layer.apply(t) as tf.Tensor, w));
      const g = (t: tf.Tensor) => tf.sum(tf.mul(ref(t), w));
      expect(Array.from((layer.apply(x) as tf.Tensor).dataSync())).toEqual(Array.from(ref(x).dataSync()));
      expect(Array.from(tf.grad(f)(x).dataSync())).toEqual(Array.from(tf.grad(g)(x).dataSync()));
      expect(countLeakedTensors(() => layer.apply(x) as tf.Tensor)).toBe(0);
      expect(countLeakedTensors(() => tf.grad(f)(x))).toBe(0);
    }
    tf.dispose([x, w]);
  });

  it("trains inside a tf.sequential with model.fit and round-trips through model.save / tf.loadLayersModel", async () => {
    const model = tfl.sequential({
      layers: [tfl.layers.dense({ units: 4, inputShape: [6], useBias: false }), diffSortLayer({ steepness: 5 })],
    });
    model.compile({ optimizer: tf.train.adam(0.05), loss: "meanSquaredError" });
    const x = tf.randomNormal([32, 6], 0, 1, "float32", 1);
    const y = tf.tile(tf.tensor2d([[0, 1, 2, 3]]), [32, 1]); // target: the identity ranking
    const h = await model.fit(x, y, { epochs: 15, batchSize: 32, verbose: 0 });
    const loss = h.history.loss as number[];
    expect(loss[loss.length - 1]).toBeLessThan((loss[0] as number) * 0.8);
    let saved: tf.io.ModelArtifacts | null = null;
    await model.save(
      tf.io.withSaveHandler(async (a) => {
        saved = a;
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: "JSON" } };
      }),
    );
    const loaded = await tfl.loadLayersModel(tf.io.fromMemory(saved as unknown as tf.io.ModelArtifacts));
    expect(Array.from((loaded.predict(x) as tf.Tensor).dataSync())).toEqual(Array.from((model.predict(x) as tf.Tensor).dataSync()));
    tf.dispose([x, y]);
    model.dispose();
    loaded.dispose();
  });

  it("bad arguments are RelaxErrors at construction", () => {
    expect(() => diffSortLayer({ steepness: -1 })).toThrow(RelaxError);
    expect(() => diffSortLayer({ returns: "perm" as never })).toThrow(/returns/);
    expect(() => diffSortLayer({ returns: "sorted", oneBased: true })).toThrow(/oneBased/);
    expect(() => diffSortLayer({ steepnes: 3 } as never)).toThrow(/steepnes/);
  });
});
