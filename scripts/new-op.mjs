#!/usr/bin/env node
// Scaffolds a new relaxed op following CONTRIBUTING.md:  pnpm new-op <package> <opName>
// e.g. `pnpm new-op sort softMedian` writes packages/sort/src/soft_median.ts (reference op +
// fused-kernel dispatch), packages/sort/test/soft_median.test.ts (parity, gradcheck, leaks, bad input),
// a kernel name in packages/core/src/kernels/kernel_names.ts and a changeset. Refuses to overwrite.
import { existsSync, readFileSync, writeFileSync, appendFileSync } from "node:fs";
import { join } from "node:path";

const [pkg, op] = process.argv.slice(2);
if (!pkg || !op || !/^[a-z][A-Za-z0-9]*$/.test(op) || !existsSync(join("packages", pkg, "package.json"))) {
  console.error("usage: pnpm new-op <package> <opName>   (package: a folder in packages/, opName: camelCase)");
  process.exit(1);
}
const snake = op.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
const pascal = op[0].toUpperCase() + op.slice(1);
const kernel = `Relax${pascal}`;
const importCore = pkg === "core" ? "../src/index.js" : "@relax/core";
const srcCore = pkg === "core" ? "./index.js" : "@relax/core";
const files = {
  [join("packages", pkg, "src", `${snake}.ts`)]: `import * as tf from "@tensorflow/tfjs-core";
import { assertFinite, assertOptions, assertPositive, assertRank, registerFusedGradient, registerHostKernel, runFusedKernel, toFloatTensor, useFused, ${kernel}, type ${kernel}Attrs } from "${srcCore}";

/** Options of {@link ${op}}. */
export interface ${pascal}Options {
  /** Inverse temperature β (default 10). */
  steepness?: number;
}

/**
 * TODO: one line naming the method and the paper it comes from.
 *
 * @param x \`[batch, n]\` input
 * @returns \`[batch, n]\`
 * @example
 * const y = ${op}(tf.tensor2d([[3, 1, 2]]), { steepness: 10 });
 */
export function ${op}(x: tf.Tensor2D | tf.TensorLike, options: ${pascal}Options = {}): tf.Tensor2D {
  const opName = "${op}";
  const opts = assertOptions<${pascal}Options>(opName, options, ["steepness"]);
  const steepness = assertPositive(opName, "steepness", opts.steepness ?? 10);
  // tidy disposes the float32 copy that toFloatTensor makes of an array input, also when a check throws
  return tf.tidy(() => {
    const xt = toFloatTensor(opName, "x", x);
    assertRank(opName, "x", xt, [2], "[batch, n]");
    assertFinite(opName, "x", xt);
    const attrs: ${kernel}Attrs = { steepness };
    if (useFused(${kernel})) return runFusedKernel<tf.Tensor2D>(${kernel}, { x: xt }, attrs);
    return ${op}Reference(xt as tf.Tensor2D, attrs);
  });
}

/** Reference composition from tfjs ops (defines the numbers; gradients from autodiff). */
export function ${op}Reference(x: tf.Tensor2D, attrs: ${kernel}Attrs): tf.Tensor2D {
  return tf.tidy(() => tf.sigmoid(tf.mul(x, attrs.steepness)) as tf.Tensor2D); // TODO: the real relaxation
}

registerHostKernel<${kernel}Attrs>(${kernel}, ({ x }, attrs) => {
  const values = new Float32Array(x!.values.length);
  for (let i = 0; i < values.length; i++) values[i] = 1 / (1 + Math.exp(-attrs.steepness * (x!.values[i] as number))); // TODO
  return { values, shape: x!.shape };
});

registerFusedGradient<${kernel}Attrs>({
  kernelName: ${kernel},
  inputsToSave: ["x"],
  // TODO: the derivative of the real relaxation, ideally as a fused backward kernel of its own.
  gradFunc: ([dy], [x], attrs) => ({
    x: () => {
      const s = tf.sigmoid(tf.mul(x!, attrs.steepness));
      return tf.mul(dy!, tf.mul(attrs.steepness, tf.mul(s, tf.sub(1, s))));
    },
  }),
});
`,
  [join("packages", pkg, "test", `${snake}.test.ts`)]: `import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import { describe, expect, it } from "vitest";
import { RelaxError, withFlags } from "${importCore}";
import { countLeakedTensors, countLeakedTensorsOnThrow, gradCheck } from "${pkg === "core" ? "../src/testing/index.js" : "@relax/core/testing"}";
import { ${op} } from "../src/${snake}.js";

const x = () => tf.tensor2d([[0.3, -0.2, 1.5], [2, 1, -1]]);

describe("${op}", () => {
  it("fused kernel matches the reference", () => {
    const fused = ${op}(x()).arraySync().flat();
    const ref = withFlags({ RELAX_FORCE_REFERENCE: true }, () => ${op}(x()).arraySync().flat());
    fused.forEach((v, i) => expect(v).toBeCloseTo(ref[i]!, 5));
  });
  it("has correct gradients", () => {
    expect(gradCheck((t) => ${op}(t as tf.Tensor2D), [x()], { eps: 1e-3 }).ok).toBe(true);
  });
  it("is leak-free called bare: tensor and array input, gradient, error path", () => {
    const input = x();
    const array = input.arraySync();
    expect(countLeakedTensors(() => ${op}(input))).toBe(0);
    expect(countLeakedTensors(() => ${op}(array))).toBe(0);
    expect(countLeakedTensors(() => tf.grad((t) => tf.sum(${op}(t as tf.Tensor2D)))(input))).toBe(0);
    expect(countLeakedTensorsOnThrow(() => ${op}([[1, Number.NaN]])).leaked).toBe(0);
    input.dispose();
  });
  it("rejects bad input", () => {
    expect(() => ${op}(tf.zeros([2, 2, 2]) as unknown as tf.Tensor2D)).toThrow(RelaxError);
    expect(() => ${op}(x(), { steepness: 0 })).toThrow(/steepness/);
    expect(() => ${op}(x(), { steepnes: 1 } as never)).toThrow(/did you mean "steepness"/);
  });
  it.todo("matches the golden reference data");
});
`,
  [join(".changeset", `${pkg}-${snake.replace(/_/g, "-")}.md`)]:
    `---\n"@relax/${pkg}": minor\n---\n\nAdd \`${op}\`: TODO one paragraph for the CHANGELOG.\n`,
};
for (const file of Object.keys(files))
  if (existsSync(file)) {
    console.error(`refusing to overwrite ${file}`);
    process.exit(1);
  }
for (const [file, text] of Object.entries(files)) {
  writeFileSync(file, text);
  console.log(`created ${file}`);
}
const names = join("packages", "core", "src", "kernels", "kernel_names.ts");
if (!readFileSync(names, "utf8").includes(`export const ${kernel} =`)) {
  appendFileSync(
    names,
    `\n/** TODO: what ${op} computes (inputs, outputs, shapes). */\nexport const ${kernel} = "${kernel}";\nexport interface ${kernel}Attrs {\n  steepness: number;\n}\n`,
  );
  console.log(`added ${kernel} to ${names}`);
}
console.log(
  `\nnext: export ${op} from packages/${pkg}/src/index.ts, write the real relaxation (CONTRIBUTING.md), add a bench case, fill the changeset.`,
);
