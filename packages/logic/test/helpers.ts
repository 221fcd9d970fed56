import * as tf from "@tensorflow/tfjs-core";
import { GroupSum, LogicLayer, LogicNet, SeededRandom } from "../src/index.js";

/** A random net whose logits are drawn so that every gate id (incl. constants, pass-throughs) occurs. */
export function randomNet(seed: number, widths: number[], k: number, connections: "random" | "unique" = "random"): LogicNet {
  const rng = new SeededRandom(seed);
  const layers = widths.slice(1).map((w, i) => {
    const l = new LogicLayer(widths[i]!, w, { seed: seed * 7 + i, connections });
    const z = new Float32Array(w * 16);
    for (let j = 0; j < z.length; j++) z[j] = rng.normal();
    for (let j = 0; j < w; j++) z[j * 16 + rng.int(16)]! += 3; // sharpen: some neurons strongly one gate
    l.logits.assign(tf.tensor2d(z, [w, 16]));
    return l;
  });
  return new LogicNet([...layers, new GroupSum(k, 1)]);
}

export function randomBits(seed: number, n: number): Uint8Array {
  const rng = new SeededRandom(seed);
  return Uint8Array.from({ length: n }, () => (rng.next() < 0.4 ? 1 : 0));
}

/** Eval-mode GroupSum counts computed with tfjs (the ground truth for every compiled path). */
export function evalCounts(net: LogicNet, bits: Uint8Array, batch: number): number[] {
  return tf.tidy(() => {
    const out = net.forward(tf.tensor2d(Float32Array.from(bits), [batch, net.inDim]), { mode: "eval" });
    return Array.from(tf.round(tf.mul(out, net.head!.tau)).dataSync());
  });
}
