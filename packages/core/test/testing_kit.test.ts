import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative, resolve } from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import { describe, expect, it } from "vitest";
import { RelaxError, assertFinite, assertOptions, crc32, hostValues, nearestName, verifyChecksum, withChecksum } from "../src/index.js";
import { writeFileAtomic } from "../src/files/index.js";
import {
  assertRelaxErrorOrFinite,
  countLeakedTensors,
  countLeakedTensorsAsync,
  countLeakedTensorsOnThrow,
  goldenDir,
} from "../src/testing/index.js";

describe("countLeakedTensors (bare call)", () => {
  it("sees a leak that tf.tidy would have hidden", () => {
    const x = tf.tensor1d([1, 2, 3]);
    expect(countLeakedTensors(() => tf.add(tf.mul(x, 2), 1))).toBe(1); // the tf.mul intermediate
    expect(countLeakedTensors(() => tf.tidy(() => tf.add(tf.mul(x, 2), 1)))).toBe(0);
    x.dispose();
  });
  it("disposes what the call returns, nested in arrays, objects and Maps", () => {
    const x = tf.tensor1d([1, 2]);
    expect(countLeakedTensors(() => ({ a: tf.neg(x), b: [tf.abs(x), new Map([["c", tf.exp(x)]])] }))).toBe(0);
    x.dispose();
  });
  it("propagates errors; the OnThrow twin counts what a failed call leaves", () => {
    const x = tf.tensor1d([1, 2]);
    expect(() =>
      countLeakedTensors(() => {
        throw new Error("boom");
      }),
    ).toThrow("boom");
    const leaky = countLeakedTensorsOnThrow(() => {
      tf.neg(x);
      throw new RelaxError("op", "x", "fine", "bad");
    });
    expect(leaky.leaked).toBe(1);
    expect(leaky.error).toBeInstanceOf(RelaxError);
    expect(() => countLeakedTensorsOnThrow(() => tf.neg(x))).toThrow(/expected to throw/);
    x.dispose();
    tf.disposeVariables();
  });
  it("async twin", async () => {
    const x = tf.tensor1d([1, 2]);
    expect(await countLeakedTensorsAsync(async () => [tf.neg(x)])).toBe(0);
    expect(
      await countLeakedTensorsAsync(async () => {
        tf.neg(x);
        return null;
      }),
    ).toBe(1);
    x.dispose();
  });
});

describe("assertRelaxErrorOrFinite", () => {
  const x = tf.tensor1d([1, 2]);
  it("accepts a RelaxError or a finite result", () => {
    expect(
      assertRelaxErrorOrFinite(() => {
        throw new RelaxError("op", "x", "a", "b");
      }),
    ).toBe("error");
    expect(assertRelaxErrorOrFinite(() => tf.neg(x))).toBe("finite");
  });
  it("rejects obscure errors, NaN results and leaks", () => {
    expect(() =>
      assertRelaxErrorOrFinite(() => {
        throw new TypeError("reading 'join'");
      }),
    ).toThrow(/instead of a RelaxError/);
    expect(() => assertRelaxErrorOrFinite(() => tf.log(tf.neg(x)))).toThrow(/non-finite/);
    expect(() =>
      assertRelaxErrorOrFinite(() => {
        tf.neg(x);
        return 1;
      }),
    ).toThrow(/left 1 tensor/);
    expect(() => assertRelaxErrorOrFinite(() => ({ loss: Number.NaN }))).toThrow(/non-finite/);
  });
});

describe("assertOptions", () => {
  type Opts = { steepness?: number; distribution?: string; network?: string };
  const keys = ["steepness", "distribution", "network"] as const;
  it("suggests the nearest valid name for a misspelled key", () => {
    expect(() => assertOptions<Opts>("diffSort", { steepnes: 0 }, [...keys])).toThrow(
      'diffSort: options.steepnes must be a known option (did you mean "steepness"?), got 0',
    );
    expect(() => assertOptions<Opts>("diffSort", { zzz: 1 }, [...keys])).toThrow(/known: "steepness", "distribution", "network"/);
  });
  it("rejects non-objects, accepts undefined and undefined-valued keys", () => {
    for (const bad of [null, 3, "x", [1], tf.scalar(1)]) expect(() => assertOptions("op", bad, [...keys])).toThrow(RelaxError);
    expect(assertOptions<Opts>("op", undefined, [...keys])).toEqual({});
    expect(assertOptions<Opts>("op", { steepness: 2, other: undefined }, [...keys])).toEqual({ steepness: 2, other: undefined });
  });
  it("nearestName", () => {
    expect(nearestName("Steepness", ["steepness", "network"])).toBe("steepness");
    expect(nearestName("artLamda", ["artLambda"])).toBe("artLambda");
    expect(nearestName("qqqqqq", ["steepness"])).toBeUndefined();
  });
});

describe("checksums and atomic files", () => {
  it("crc32 matches the standard check value", () => {
    expect(crc32("123456789")).toBe("cbf43926");
    expect(crc32("")).toBe("00000000");
  });
  it("every single-character change of a sealed file is caught", () => {
    const text = JSON.stringify(withChecksum({ format: "demo", version: 1, values: [0.5, -2, 3e-8], names: ["a", "b"] }));
    expect(() => verifyChecksum("load", "file", JSON.parse(text))).not.toThrow();
    let caught = 0;
    let parsed = 0;
    for (let i = 0; i < text.length; i++) {
      const damaged = text.slice(0, i) + (text[i] === "1" ? "2" : "1") + text.slice(i + 1);
      let data: unknown;
      try {
        data = JSON.parse(damaged);
      } catch {
        continue; // not JSON any more: the loader reports that itself
      }
      parsed++;
      if (JSON.stringify(data) === JSON.stringify(JSON.parse(text))) continue; // same value (e.g. 3e-8 → 3e-1 is not)
      expect(() => verifyChecksum("load", "file", data as Record<string, unknown>)).toThrow(RelaxError);
      caught++;
    }
    expect(parsed).toBeGreaterThan(10);
    expect(caught).toBeGreaterThan(10);
  });
  it("writeFileAtomic replaces the file whole and leaves no temporary file", () => {
    const dir = mkdtempSync(join(tmpdir(), "relax-atomic-"));
    const path = join(dir, "sub", "state.json");
    writeFileAtomic(path, "first");
    writeFileAtomic(path, "second");
    expect(readFileSync(path, "utf8")).toBe("second");
    expect(readdirSync(join(dir, "sub"))).toEqual(["state.json"]);
  });
  it("a write that fails midway leaves the previous file intact and no temporary file", () => {
    const dir = mkdtempSync(join(tmpdir(), "relax-atomic-"));
    const path = join(dir, "state.json");
    writeFileSync(path, "previous");
    // the temporary file is created, then writing its content throws
    expect(() => writeFileAtomic(path, { toString: () => "not a string" } as unknown as string)).toThrow();
    expect(readFileSync(path, "utf8")).toBe("previous");
    expect(readdirSync(dir)).toEqual(["state.json"]);
    // a target that cannot be replaced (a folder): the rename fails after the content is on disk
    const folder = join(dir, "folder");
    mkdirSync(folder);
    expect(() => writeFileAtomic(folder, "x")).toThrow();
    expect(readdirSync(dir).sort()).toEqual(["folder", "state.json"]);
  });
});

describe("golden data", () => {
  it("is read from the repository's own golden/ folder, never from beside it", () => {
    const dir = goldenDir();
    const repo = resolve(__dirname, "../../..");
    expect(relative(repo, dir)).toBe("golden");
  });
});

describe("hostValues: what an input scan reads", () => {
  it("reads array input as the float32 values the tensor holds", () => {
    const src = [
      [1e300, -1.5e-305],
      [2, 3],
    ];
    const t = tf.tensor(src);
    expect(Array.from(hostValues(t, src) ?? [])).toEqual([Number.POSITIVE_INFINITY, -0, 2, 3]);
    expect(() => assertFinite("op", "x", t, src)).toThrow(/op: x must be finite/);
    expect(Array.from(hostValues(t, new Float64Array([1e300, 1, 2, 3])) ?? [])[0]).toBe(Number.POSITIVE_INFINITY);
    t.dispose();
  });
});
