import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import { drawNoise, gumbelNoise, logisticNoise } from "@relax/core/internal";
import { describe, expect, it } from "vitest";
import "../src/index.js";
import { drawNoiseWasm } from "../src/kernels/wasm_noise.js";
import { wasmSimdSupported } from "../src/index.js";

describe("Gumbel / logistic noise in WebAssembly SIMD (wasm/noise.wat)", () => {
  it.runIf(wasmSimdSupported())("has core's bits for every kind, length, offset and seed", () => {
    for (const [seed, stream, index0, n] of [
      [1, 2, 0, 1],
      [0xdeadbeef, 0xb5297a4d, 12345, 3],
      [-5, 0x68e31da4, 2 ** 31 - 3, 17],
      [7, 11, 0, 40_001],
    ] as const)
      for (const kind of ["gumbel", "logistic"] as const) {
        const v = drawNoiseWasm(kind, seed, stream, index0, n);
        expect(v).not.toBeNull();
        const draw = kind === "gumbel" ? gumbelNoise : logisticNoise;
        let mismatches = 0;
        for (let i = 0; i < n; i++) if (!Object.is(v?.[i], draw(seed, stream, index0 + i))) mismatches++;
        expect(mismatches).toBe(0);
      }
  });

  it("is core's bulk generator once the kernels load, and declines with RELAX_LOGIC_WASM off", () => {
    const wasmOn = tf.env().getBool("RELAX_LOGIC_WASM");
    const fast = drawNoise("gumbel", 5, 6, 7, 1000);
    tf.env().set("RELAX_LOGIC_WASM", false);
    try {
      expect(drawNoiseWasm("gumbel", 5, 6, 7, 1000)).toBeNull();
      expect(Array.from(drawNoise("gumbel", 5, 6, 7, 1000))).toEqual(Array.from(fast));
    } finally {
      tf.env().set("RELAX_LOGIC_WASM", wasmOn);
    }
  });
});
