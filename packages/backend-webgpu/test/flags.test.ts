import * as tf from "@tensorflow/tfjs-core";
import { describe, expect, it } from "vitest";
import { RelaxError } from "@relax/core";
import {
  RELAX_WEBGPU_BIN_MAX_CAP,
  RELAX_WEBGPU_FAST_SOFT_SORT_BUDGET,
  RELAX_WEBGPU_LEAF_GRAD_BUDGET,
  RELAX_WEBGPU_PATH_SLICE_BYTES,
  RELAX_WEBGPU_SELECT_FORCE_GLOBAL,
} from "../src/index.js";
import { binOptions } from "../src/kernels/face_bins.js";
import { setFastSoftSortBudget } from "../src/kernels/fast_soft_sort.js";
import { setLeafGradBudget } from "../src/kernels/conv_logic.js";
import { pathOptions } from "../src/kernels/shortest_path.js";
import { selectOptions } from "../src/kernels/sort_net_select.js";

describe("@relax/backend-webgpu flags", () => {
  it("are registered with the defaults the kernels used", () => {
    expect(tf.env().getNumber(RELAX_WEBGPU_FAST_SOFT_SORT_BUDGET)).toBe(256 * 1024 * 1024);
    expect(tf.env().getNumber(RELAX_WEBGPU_LEAF_GRAD_BUDGET)).toBe(256 * 1024 * 1024);
    expect(tf.env().getBool(RELAX_WEBGPU_SELECT_FORCE_GLOBAL)).toBe(false);
    expect(tf.env().getNumber(RELAX_WEBGPU_BIN_MAX_CAP)).toBe(4096);
    expect(tf.env().getNumber(RELAX_WEBGPU_PATH_SLICE_BYTES)).toBe(96 * 1024 * 1024);
  });

  it("the deprecated setters and option objects read and write the flags", () => {
    expect(setFastSoftSortBudget(1024)).toBe(256 * 1024 * 1024);
    expect(tf.env().getNumber(RELAX_WEBGPU_FAST_SOFT_SORT_BUDGET)).toBe(1024);
    expect(setFastSoftSortBudget(256 * 1024 * 1024)).toBe(1024);
    expect(setLeafGradBudget(2048)).toBe(256 * 1024 * 1024);
    expect(setLeafGradBudget(256 * 1024 * 1024)).toBe(2048);
    selectOptions.forceGlobal = true;
    expect(tf.env().getBool(RELAX_WEBGPU_SELECT_FORCE_GLOBAL)).toBe(true);
    tf.env().set(RELAX_WEBGPU_SELECT_FORCE_GLOBAL, false);
    expect(selectOptions.forceGlobal).toBe(false);
    binOptions.maxCap = 3;
    expect(tf.env().getNumber(RELAX_WEBGPU_BIN_MAX_CAP)).toBe(3);
    binOptions.maxCap = 4096;
    pathOptions.sliceBytes = 1024;
    expect(tf.env().getNumber(RELAX_WEBGPU_PATH_SLICE_BYTES)).toBe(1024);
    pathOptions.sliceBytes = 96 * 1024 * 1024;
  });

  it("a budget that is not a positive number is a RelaxError and leaves the flag as it was", () => {
    expect(() => tf.env().set(RELAX_WEBGPU_BIN_MAX_CAP, 0)).toThrow(RelaxError);
    expect(() => tf.env().set(RELAX_WEBGPU_PATH_SLICE_BYTES, "big")).toThrow(RelaxError);
    expect(tf.env().getNumber(RELAX_WEBGPU_BIN_MAX_CAP)).toBe(4096);
    expect(tf.env().getNumber(RELAX_WEBGPU_PATH_SLICE_BYTES)).toBe(96 * 1024 * 1024);
  });
});
