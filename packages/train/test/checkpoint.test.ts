import { describe, expect, it } from "vitest";
import "@tensorflow/tfjs-backend-cpu";
import * as tf from "@tensorflow/tfjs-core";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { RelaxError } from "@relax/core";
import { countLeakedTensorsAsync } from "@relax/core/testing";
import { createMlp } from "../src/models/mlp.js";
import { disposeModel, type Model } from "../src/models/model.js";
import { loadCheckpoint, saveCheckpoint } from "../src/loop/checkpoint.js";
import { trainWithAlgorithm, type Batch } from "../src/loop/train.js";
import { rankingSupervision, setScores } from "../src/losses/ranking.js";

const dir = mkdtempSync(join(tmpdir(), "relax-ckpt-"));
const data = (s: number): Batch => ({
  x: tf.randomNormal([12, 4], 0, 1, "float32", 100 + s),
  target: tf.randomNormal([4, 3], 0, 1, "float32", 200 + s),
});
const mk = (): Model => createMlp({ inputSize: 4, hidden: [6], seed: 3 });
const train = (model: Model, optimizer: tf.Optimizer, steps: number, checkpoint?: { path: string; resume?: boolean }) =>
  trainWithAlgorithm({
    model,
    optimizer,
    data,
    steps,
    loss: rankingSupervision(),
    forward: setScores(3),
    progress: false,
    log: () => {},
    checkpoint,
  });
const bits = (t: tf.Tensor): number[] => [...new Uint32Array(new Float32Array(t.dataSync()).buffer)];
const stateBits = async (o: tf.Optimizer) =>
  (await o.getWeights()).map((w) => ({ name: w.name.replace(/_\d+/, ""), v: [...w.tensor.dataSync()] }));

describe("checkpoints", () => {
  for (const [name, make] of [
    ["adam", () => tf.train.adam(0.01)],
    ["sgd", () => tf.train.sgd(0.05)],
    ["momentum", () => tf.train.momentum(0.05, 0.9)],
    ["rmsprop", () => tf.train.rmsprop(0.01, 0.9, 0.1)],
    ["adagrad", () => tf.train.adagrad(0.05)],
    ["adadelta", () => tf.train.adadelta(0.5)],
  ] as const) {
    it(`${name}: a run resumed from step k is bit-identical to the uninterrupted run`, async () => {
      const a = mk();
      const oa = make();
      await train(a, oa, 8);
      const b = mk();
      const ob = make();
      const path = join(dir, `${name}.json`);
      await train(b, ob, 3, { path });
      disposeModel(b);
      ob.dispose();
      const c = mk();
      const oc = make();
      c.params.forEach((p) => p.assign(tf.zerosLike(p)));
      const step = await loadCheckpoint(path, c, oc);
      expect(step).toBe(3);
      if (name === "adam") {
        const w = await oc.getWeights();
        expect(w[0]?.tensor.dtype).toBe("int32");
        expect(w[0]?.tensor.dataSync()[0]).toBe(3); // not 4.2e-45
        expect(w.length).toBe(1 + 2 * c.params.length);
      }
      await train(c, oc, 8, { path, resume: true });
      a.params.forEach((p, i) => expect(bits(c.params[i] as tf.Tensor)).toEqual(bits(p)));
      const sa = await stateBits(oa);
      const sc = await stateBits(oc);
      expect(sc.map((s) => s.v)).toEqual(sa.map((s) => s.v));
      disposeModel(a);
      disposeModel(c);
      oa.dispose();
      oc.dispose();
    });
  }

  it("round-trips params and Adam state bit-exactly, and saving leaves no tensor behind", async () => {
    const m = mk();
    const o = tf.train.adam(0.01);
    await train(m, o, 5);
    const path = join(dir, "rt.json");
    expect(await countLeakedTensorsAsync(() => saveCheckpoint(path, m, o, 5, { note: "x" }))).toBe(0);
    const m2 = createMlp({ inputSize: 4, hidden: [6], seed: 99 });
    const o2 = tf.train.adam(0.01);
    expect(await loadCheckpoint(path, m2, o2)).toBe(5);
    m.params.forEach((p, i) => expect(bits(m2.params[i] as tf.Tensor)).toEqual(bits(p)));
    expect((await stateBits(o2)).map((s) => s.v)).toEqual((await stateBits(o)).map((s) => s.v));
    const file = JSON.parse(readFileSync(path, "utf8"));
    expect(file.format).toBe("relax-checkpoint");
    expect(file.version).toBe(2);
    expect(file.checksum).toMatch(/^[0-9a-f]{8}$/);
    expect(Object.keys(file.optimizer.internals).sort()).toEqual(["accBeta1", "accBeta2"]);
    // saving again from the loaded state (new variable names) loads again
    await saveCheckpoint(path, m2, o2, 5);
    expect(await loadCheckpoint(path, m, tf.train.adam(0.01))).toBe(5);
    disposeModel(m);
    disposeModel(m2);
  });

  it("every damaged file is a RelaxError naming the file, and leaves model and optimizer untouched", async () => {
    const m = mk();
    const o = tf.train.adam(0.01);
    await train(m, o, 2);
    const path = join(dir, "good.json");
    await saveCheckpoint(path, m, o, 2);
    const good = readFileSync(path, "utf8");
    const j = () => JSON.parse(good);
    const variants: Record<string, string> = {
      truncated: good.slice(0, good.length >> 1),
      empty: "",
      corruptBase64: good.replace(/"data":"[A-Za-z0-9+/]{4}/, '"data":"!!!!'),
      missingParams: JSON.stringify({ ...j(), params: undefined }),
      missingStep: JSON.stringify({ ...j(), step: undefined }),
      nullJson: "null",
      oldFormatGarbage: JSON.stringify({ format: "relax-checkpoint-1", step: 1, params: [{ shape: [1], data: "AAAA" }] }),
    };
    const nan = j();
    nan.params[0].data = Buffer.from(
      new Float32Array(nan.params[0].shape.reduce((a: number, b: number) => a * b, 1)).fill(Number.NaN).buffer,
    ).toString("base64");
    variants.nanParams = JSON.stringify(nan);
    for (let k = 0; k < 40; k++) {
      const i = Math.floor(((k + 0.5) / 40) * good.length);
      const ch = good[i] === "A" ? "B" : good[i] === "1" ? "2" : "A";
      variants[`byte${i}`] = good.slice(0, i) + ch + good.slice(i + 1);
    }
    const target = mk();
    const to = tf.train.adam(0.01);
    const before = target.params.map(bits);
    const count = tf.memory().numTensors;
    for (const [name, text] of Object.entries(variants)) {
      const p = join(dir, `bad-${name}.json`);
      writeFileSync(p, text);
      const err = await loadCheckpoint(p, target, to).then(
        () => null,
        (e: unknown) => e,
      );
      expect(err, name).toBeInstanceOf(RelaxError);
      expect((err as Error).message, name).toContain(p);
    }
    expect(tf.memory().numTensors).toBe(count);
    expect(target.params.map(bits)).toEqual(before);
    expect((await to.getWeights()).length).toBe(1); // fresh: only the step count
    disposeModel(m);
    disposeModel(target);
  });

  it("reads the version-1 format, recovering the int32 step count exactly", async () => {
    const m = mk();
    const store = (t: tf.Tensor) => {
      const v = t.dataSync();
      return { shape: t.shape, data: Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString("base64") };
    };
    const iter = tf.scalar(5, "int32");
    const v1 = {
      format: "relax-checkpoint-1",
      step: 5,
      model: m.name,
      params: m.params.map(store),
      optimizer: [{ name: "iter", tensor: store(iter) }],
      extra: {},
    };
    iter.dispose();
    const path = join(dir, "v1.json");
    writeFileSync(path, JSON.stringify(v1));
    const o = tf.train.sgd(0.1);
    expect(await loadCheckpoint(path, m, o)).toBe(5);
    expect((o as unknown as { iterations: number }).iterations).toBe(5);
    disposeModel(m);
  });

  it("rejects bad arguments to saveCheckpoint before writing", async () => {
    const m = mk();
    const path = join(dir, "args.json");
    for (const [step, extra] of [
      [-1, {}],
      [1.5, {}],
      [Number.NaN, {}],
      [1, { f: () => 1 }],
      [1, { v: Number.NaN }],
    ] as const) {
      await expect(saveCheckpoint(path, m, null, step as number, extra as Record<string, unknown>)).rejects.toBeInstanceOf(RelaxError);
    }
    await expect(saveCheckpoint(path, null as unknown as Model, null, 1)).rejects.toBeInstanceOf(RelaxError);
    m.params[0]?.assign(tf.fill(m.params[0].shape, Number.NaN));
    await expect(saveCheckpoint(path, m, null, 1)).rejects.toThrow(/finite/);
    disposeModel(m);
  });
});
