import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import * as fs from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it, vi } from "vitest";
import { GroupSum, LogicLayer, LogicNet } from "../src/index.js";
import { loadNet, saveNet } from "../src/node.js";

/** When set, `writeSync` writes half of its text to the temporary file, then throws (a disk failing mid-save). */
const failure = vi.hoisted(() => ({ on: false }));
vi.mock("node:fs", async (importOriginal) => {
  const real = await importOriginal<typeof import("node:fs")>();
  return {
    ...real,
    writeSync: (fd: number, text: string) => {
      if (!failure.on) return real.writeSync(fd, text);
      real.writeSync(fd, text.slice(0, text.length >> 1));
      throw new Error("EIO: simulated disk failure mid-save");
    },
  };
});

describe("saveNet: a write that fails after creating the temporary file", () => {
  it("throws a RelaxError naming the file and leaves the previous file intact, with no temporary file", async () => {
    await tf.setBackend("cpu");
    const dir = fs.mkdtempSync(join(tmpdir(), "relax-logic-fail-"));
    const path = join(dir, "net.json");
    const net = new LogicNet([new LogicLayer(4, 6, { seed: 1 }), new GroupSum(2)]);
    saveNet(path, net);
    const before = fs.readFileSync(path, "utf8");
    const other = new LogicNet([new LogicLayer(4, 6, { seed: 2 }), new GroupSum(3)]);
    failure.on = true;
    try {
      expect(() => saveNet(path, other)).toThrow(/saveNet: file ".*net\.json" must be writable, got EIO: simulated disk failure/);
    } finally {
      failure.on = false;
    }
    expect(fs.readFileSync(path, "utf8")).toBe(before);
    expect(fs.readdirSync(dir)).toEqual(["net.json"]);
    const back = loadNet(path) as LogicNet;
    expect(back.head!.k).toBe(2);
    back.dispose();
    net.dispose();
    other.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
