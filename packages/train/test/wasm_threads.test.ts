import { describe, expect, it } from "vitest";
import "@tensorflow/tfjs-backend-cpu";
import "@tensorflow/tfjs-backend-wasm";
import { getThreadsCount } from "@tensorflow/tfjs-backend-wasm";
import * as tf from "@tensorflow/tfjs-core";
import { RelaxError } from "@relax/core";
import { enableWasmThreads } from "../src/runtime/wasm_threads.js";
import { conv2dSame } from "../src/models/conv.js";

describe("enableWasmThreads", () => {
  it("rejects bad options before touching the backend", async () => {
    await expect(enableWasmThreads({ threads: 0 })).rejects.toThrow(RelaxError);
    await expect(enableWasmThreads({ threads: 2.5 })).rejects.toThrow(/threads/);
    await expect(enableWasmThreads({ thread: 2 } as never)).rejects.toThrow(/thread/);
    expect(tf.engine().registry.wasm).toBeUndefined();
  });
  it("runs the wasm backend on 2 threads with the single-threaded numbers (conv, its gradients, matMul)", async () => {
    expect(await enableWasmThreads({ threads: 2 })).toBe(2);
    await tf.setBackend("wasm");
    expect(getThreadsCount()).toBe(2);
    const x = tf.randomNormal([4, 12, 20, 3], 0, 1, "float32", 1) as tf.Tensor4D;
    const w = tf.randomNormal([5, 5, 3, 8], 0, 1, "float32", 2) as tf.Tensor4D;
    const a = tf.randomNormal([64, 96], 0, 1, "float32", 3) as tf.Tensor2D;
    const run = () =>
      tf.tidy(() => {
        const [gx, gw] = tf.grads((xx: tf.Tensor, ww: tf.Tensor) => tf.sum(tf.square(conv2dSame(xx as tf.Tensor4D, ww as tf.Tensor4D))))([
          x,
          w,
        ]);
        return [conv2dSame(x, w), gx, gw, tf.matMul(a, tf.transpose(a))].map((t) => Array.from((t as tf.Tensor).dataSync()));
      });
    const threaded = run();
    await tf.setBackend("cpu");
    const cpu = run();
    threaded.forEach((t, i) => {
      const ref = cpu[i] as number[];
      const scale = Math.max(1, ...ref.map(Math.abs));
      const err = Math.max(...t.map((v, j) => Math.abs(v - (ref[j] as number))));
      expect(err, `output ${i}`).toBeLessThan(1e-5 * scale);
    });
    await expect(enableWasmThreads({ threads: 2 })).rejects.toThrow(/before the wasm backend is first used/);
    tf.dispose([x, w, a]);
  });
});
