import * as tf from "@tensorflow/tfjs-core";
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { type Choice, GroupSum, LogicLayer, LogicNet, type Parametrization } from "../src/index.js";
import { logicRng } from "../src/rng.js";

/** A random net whose logits are drawn so that every gate id (incl. constants, pass-throughs) occurs. */
export function randomNet(seed: number, widths: number[], k: number, connections: "random" | "unique" = "random"): LogicNet {
  const rng = logicRng(seed);
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

/** A learned layer (K candidates) with random gate and wiring logits, so that soft and discrete forwards differ. */
export function learnedLayer(
  inDim: number,
  outDim: number,
  parametrization: Parametrization,
  choice: Choice,
  seed: number,
  candidates: number,
): LogicLayer {
  const l = new LogicLayer(inDim, outDim, { connections: "learned", candidates, parametrization, gateChoice: choice, seed });
  tf.tidy(() => {
    l.logits.assign(tf.randomNormal(l.logits.shape, 0, 2, "float32", seed));
    l.wiring?.assign(tf.randomNormal(l.wiring.shape, 0, 2, "float32", seed + 1));
  });
  return l;
}

/** 12 → learned 10 → fixed 8 → learned 6 → GroupSum(2), the learned layers with K candidates. */
export function learnedNet(parametrization: Parametrization, choice: Choice, candidates: number): LogicNet {
  return new LogicNet([
    learnedLayer(12, 10, parametrization, choice, 3, candidates),
    new LogicLayer(10, 8, { parametrization, gateChoice: choice, seed: 4 }),
    learnedLayer(8, 6, parametrization, choice, 5, candidates),
    new GroupSum(2, 1),
  ]);
}

/** The values of `t` as an array; disposes `t`. */
export function takeValues(t: tf.Tensor): number[] {
  const v = Array.from(t.dataSync());
  t.dispose();
  return v;
}

/** A tensor of seeded uniform values in [lo, hi) (the logic package's generator). */
export function randomTensor(seed: number, shape: number[], lo = 0, hi = 1): tf.Tensor {
  const rng = logicRng(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(
    Float32Array.from({ length: n }, () => lo + (hi - lo) * rng.next()),
    shape,
  );
}

export function randomBits(seed: number, n: number): Uint8Array {
  const rng = logicRng(seed);
  return Uint8Array.from({ length: n }, () => (rng.next() < 0.4 ? 1 : 0));
}

/** Eval-mode GroupSum counts computed with tfjs (the ground truth for every compiled path). */
export function evalCounts(net: LogicNet, bits: Uint8Array, batch: number): number[] {
  return tf.tidy(() => {
    const out = net.forward(tf.tensor2d(Float32Array.from(bits), [batch, net.inDim]), { mode: "eval" });
    return Array.from(tf.round(tf.mul(out, net.head!.tau)).dataSync());
  });
}

/** Whether `gcc` is on the PATH (the C-export tests skip without it). */
export const hasGcc = (() => {
  try {
    execFileSync("gcc", ["--version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
})();

/**
 * Compiles an exported C net (`exportC`) with `gcc -std=c99 -pedantic -Wall -Wextra -Werror` next to a small main
 * that calls `relax_logic_counts` on `bits` (batch rows, k classes), runs it and returns the printed counts.
 */
export function runExportedC(dir: string, tag: string, src: string, bits: Uint8Array, batch: number, k: number, opt = "-O1"): number[] {
  const net = join(dir, `net_${tag}.c`);
  const main = join(dir, `main_${tag}.c`);
  writeFileSync(net, src);
  writeFileSync(
    main,
    `#include <stdio.h>\n#include <stdint.h>\n#include <stddef.h>\nvoid relax_logic_counts(const uint8_t *x, int32_t *counts, size_t batch);\n` +
      `static const uint8_t X[${bits.length}] = {${Array.from(bits).join(",")}};\nstatic int32_t C[${batch * k}];\n` +
      `int main(void) { size_t i; relax_logic_counts(X, C, ${batch}); for (i = 0; i < ${batch * k}; i++) printf("%d\\n", (int)C[i]); return 0; }\n`,
  );
  const exe = join(dir, `net_${tag}`);
  execFileSync("gcc", ["-std=c99", "-pedantic", "-Wall", "-Wextra", "-Werror", opt, "-o", exe, net, main]);
  return execFileSync(exe, { encoding: "utf8" }).trim().split("\n").map(Number);
}
