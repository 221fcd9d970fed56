import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  RELAX_FORCE_REFERENCE,
  RELAX_INPUT_CHECKS,
  RelaxError,
  RelaxShortestPath,
  inputChecksEnabled,
  registerKernelSupport,
  setForceReference,
  setInputChecks,
  shortestPath,
  useFused,
  withFlags,
} from "../src/index.js";

beforeAll(() => tf.ready());

describe("tf.env() flags", () => {
  afterEach(() => {
    tf.env().set(RELAX_FORCE_REFERENCE, false);
    tf.env().set(RELAX_INPUT_CHECKS, true);
  });

  it("are registered with their defaults", () => {
    expect(tf.env().getBool(RELAX_FORCE_REFERENCE)).toBe(false);
    expect(tf.env().getBool(RELAX_INPUT_CHECKS)).toBe(true);
  });

  it("RELAX_FORCE_REFERENCE decides the dispatch; the deprecated setter sets it", () => {
    expect(useFused(RelaxShortestPath)).toBe(true);
    tf.env().set(RELAX_FORCE_REFERENCE, true);
    expect(useFused(RelaxShortestPath)).toBe(false);
    expect(setForceReference(false)).toBe(true);
    expect(tf.env().getBool(RELAX_FORCE_REFERENCE)).toBe(false);
  });

  it("RELAX_INPUT_CHECKS is what inputChecksEnabled reads; the deprecated setter sets it", () => {
    setInputChecks(false);
    expect(tf.env().getBool(RELAX_INPUT_CHECKS)).toBe(false);
    expect(inputChecksEnabled()).toBe(false);
    tf.env().set(RELAX_INPUT_CHECKS, true);
    expect(inputChecksEnabled()).toBe(true);
  });

  it("a value of the wrong kind is a RelaxError naming the flag, and the flag keeps its value", () => {
    tf.env().set(RELAX_FORCE_REFERENCE, true);
    let error: unknown;
    try {
      tf.env().set(RELAX_FORCE_REFERENCE, "yes");
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(RelaxError);
    expect((error as RelaxError).argument).toBe(RELAX_FORCE_REFERENCE);
    expect(tf.env().getBool(RELAX_FORCE_REFERENCE)).toBe(true);
  });

  it("withFlags sets flags for one call and restores them, also when the call throws", () => {
    expect(withFlags({ [RELAX_FORCE_REFERENCE]: true }, () => tf.env().getBool(RELAX_FORCE_REFERENCE))).toBe(true);
    expect(tf.env().getBool(RELAX_FORCE_REFERENCE)).toBe(false);
    expect(() =>
      withFlags({ [RELAX_FORCE_REFERENCE]: true }, () => {
        throw new Error("boom");
      }),
    ).toThrow("boom");
    expect(tf.env().getBool(RELAX_FORCE_REFERENCE)).toBe(false);
  });
});

describe("dispatch that falls back", () => {
  it("a kernel that declines some attributes makes the op run its reference, with the reference's numbers", () => {
    const costs = tf.tensor3d([
      [
        [1, 9, 3],
        [2, 1, 9],
        [9, 4, 1],
      ],
    ]);
    const options = { beta: 5, tconorm: "yager" as const, p: 3 };
    const fused = shortestPath(costs, options);
    const reference = withFlags({ [RELAX_FORCE_REFERENCE]: true }, () => shortestPath(costs, options));
    registerKernelSupport<{ tconorm: string }>(RelaxShortestPath, "cpu", (at) => at.tconorm !== "yager");
    try {
      expect(useFused(RelaxShortestPath, { tconorm: "probabilistic" })).toBe(true);
      expect(useFused(RelaxShortestPath, { tconorm: "yager" })).toBe(false);
      const declined = shortestPath(costs, options);
      expect(Array.from(declined.dataSync())).toEqual(Array.from(reference.dataSync()));
      expect(Array.from(fused.dataSync())).not.toEqual([]);
      tf.dispose(declined);
    } finally {
      registerKernelSupport(RelaxShortestPath, "cpu", () => true);
    }
    tf.dispose([costs, fused, reference]);
  });

  it("registerKernelSupport checks its predicate", () => {
    expect(() => registerKernelSupport(RelaxShortestPath, "cpu", "yes" as never)).toThrow(RelaxError);
  });
});
