import * as tf from "@tensorflow/tfjs-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RelaxError, shortestPath } from "@relax/core";
import { diffSort } from "@relax/sort";
import { render, tetrahedron } from "@relax/render";
import { initWebGPU } from "./webgpu_env.js";

const ok = await initWebGPU();

/**
 * On webgpu a tensor's values cannot be scanned without a GPU read-back, so the input scans are skipped for
 * tensors; an argument given as a plain array is still host data, and is checked there on every backend.
 */
describe.runIf(ok)("plain-array input is checked on webgpu too", () => {
  let checks = true;
  beforeAll(async () => {
    await tf.setBackend("webgpu");
    checks = tf.env().getBool("RELAX_INPUT_CHECKS");
    tf.env().set("RELAX_INPUT_CHECKS", true); // the environment turns them off on webgpu; they must not read GPU tensors anyway
  });
  afterAll(async () => {
    tf.env().set("RELAX_INPUT_CHECKS", checks);
    await tf.setBackend("cpu");
  });
  it("a degenerate camera given as arrays", () => {
    const mesh = tetrahedron();
    expect(() => render(mesh, { eye: [0, 0, 0] }, { imageSize: 8 })).toThrow(RelaxError);
    expect(() => render(mesh, { eye: [0, 0, 3], up: [0, 0, 1] }, { imageSize: 8 })).toThrow(/camera.up/);
    mesh.dispose();
  });
  it("negative or NaN shortest-path costs given as an array", () => {
    expect(() =>
      shortestPath([
        [
          [1, -2],
          [1, 1],
        ],
      ]),
    ).toThrow(/non-negative/);
    expect(() =>
      shortestPath([
        [
          [1, Number.NaN],
          [1, 1],
        ],
      ]),
    ).toThrow(/finite/);
  });
  it("NaN sort input given as an array", () => {
    expect(() => diffSort([[3, Number.NaN, 1]])).toThrow(/diffSort: x must be finite/);
  });
});
