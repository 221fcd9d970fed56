import { describe, expect, it, vi } from "vitest";
import "@tensorflow/tfjs-backend-cpu";
import * as tf from "@tensorflow/tfjs-core";
import { mkdtempSync, readFileSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createMlp } from "../src/models/mlp.js";
import { disposeModel } from "../src/models/model.js";
import { loadCheckpoint, saveCheckpoint } from "../src/loop/checkpoint.js";

// A "crash" mid-save: the disk write fails after part of the file was written.
const crash = vi.hoisted(() => ({ armed: false }));
vi.mock("node:fs", async (importOriginal) => {
  const fs = await importOriginal<typeof import("node:fs")>();
  const writeSync = ((fd: number, text: string) => {
    if (crash.armed) {
      fs.writeSync(fd, text.slice(0, text.length >> 1));
      throw new Error("simulated crash mid-write");
    }
    return fs.writeSync(fd, text);
  }) as typeof fs.writeSync;
  return { ...fs, default: { ...fs, writeSync }, writeSync };
});

describe("atomic checkpoint writes", () => {
  it("a crash mid-save leaves the previous checkpoint intact and loadable", async () => {
    const dir = mkdtempSync(join(tmpdir(), "relax-crash-"));
    const path = join(dir, "ckpt.json");
    const m = createMlp({ inputSize: 3, hidden: [4], seed: 1 });
    await saveCheckpoint(path, m, null, 7);
    const before = readFileSync(path, "utf8");
    m.params.forEach((p) => p.assign(tf.onesLike(p)));
    crash.armed = true;
    await expect(saveCheckpoint(path, m, null, 8)).rejects.toThrow(/simulated crash/);
    crash.armed = false;
    expect(readFileSync(path, "utf8")).toBe(before);
    expect(readdirSync(dir)).toEqual(["ckpt.json"]); // the temporary file was removed
    expect(await loadCheckpoint(path, m)).toBe(7);
    expect(m.params[0]?.dataSync()[0]).not.toBe(1);
    disposeModel(m);
  });
});
