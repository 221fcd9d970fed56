#!/usr/bin/env node
// Scaffolds a new fused relaxed op in the layout of CONTRIBUTING.md ("route 2"):  pnpm new-op <package> <opName>
// e.g. `pnpm new-op sort softMedian` writes
//   packages/sort/src/soft_median.ts          the op: validation, dispatch and the reference from tfjs ops
//   packages/sort/src/kernels/soft_median.ts  the host kernel and its gradient kernel (cpu, wasm)
//   packages/sort/test/soft_median.test.ts    parity, gradient check, leaks, bad input
//   apps/bench/src/ops/soft_median.ts         a bench case, fused vs reference (`pnpm bench sort-soft_median`)
//   .changeset/sort-soft-median.md            the changeset
// and edits: the kernel name + attributes into packages/core/src/kernels/names/<package>.ts, the import into
// packages/<package>/src/kernels/register.ts, the exports into src/index.ts and the reference subpath
// (`@relax/<package>/reference`), a row into the README's API table and the suite into apps/bench/src/run.ts.
// Refuses to overwrite a file it would create.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";

const [pkg, op] = process.argv.slice(2);
if (!pkg || !op || !/^[a-z][A-Za-z0-9]*$/.test(op) || !existsSync(join("packages", pkg, "package.json"))) {
  console.error("usage: pnpm new-op <package> <opName>   (package: a folder in packages/, opName: camelCase)");
  process.exit(1);
}
const snake = op.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
const pascal = op[0].toUpperCase() + op.slice(1);
const kernel = `Relax${pascal}`;
const core = pkg === "core";
const pkgDir = join("packages", pkg);
const manifest = JSON.parse(readFileSync(join(pkgDir, "package.json"), "utf8"));

// The reference subpath: the file `./reference` maps to in the exports map (created when the package has none).
const refExport = manifest.exports?.["./reference"];
const refDist = typeof refExport === "string" ? refExport : refExport?.default;
const refSrc = refDist ? join(pkgDir, refDist.replace(/^\.\/dist\//, "src/").replace(/\.js$/, ".ts")) : join(pkgDir, "src", "reference.ts");

const files = {
  [join(pkgDir, "src", `${snake}.ts`)]: `import * as tf from "@tensorflow/tfjs-core";
${
  core
    ? `import { runFusedKernel, useFused } from "./kernels/fused.js";
import { ${kernel}, type ${kernel}Attrs } from "./kernels/kernel_names.js";
import { assertFinite, assertOptions, assertPositive, assertRank, toFloatTensor } from "./validate.js";`
    : `import { assertFinite, assertOptions, assertPositive, assertRank, runFusedKernel, toFloatTensor, useFused, ${kernel}, type ${kernel}Attrs } from "@relax/core";`
}

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
    if (useFused(${kernel}, attrs)) return runFusedKernel<tf.Tensor2D>(${kernel}, { x: xt }, attrs);
    return ${op}Reference(xt as tf.Tensor2D, attrs);
  });
}

/**
 * Reference composition of {@link ${op}} from tfjs ops: defines the numbers the kernels are held to, runs on
 * every backend, gradients by autodiff. Exported from \`@relax/${pkg}/reference\`.
 *
 * @param x \`[batch, n]\` float32, already validated
 * @param attrs the kernel attributes
 * @returns \`[batch, n]\`
 */
export function ${op}Reference(x: tf.Tensor2D, attrs: ${kernel}Attrs): tf.Tensor2D {
  return tf.tidy(() => tf.sigmoid(tf.mul(x, attrs.steepness)) as tf.Tensor2D); // TODO: the real relaxation
}
`,
  [join(pkgDir, "src", "kernels", `${snake}.ts`)]: `import type * as tf from "@tensorflow/tfjs-core";
${
  core
    ? `import { registerFusedGradient, registerHostKernel, runFusedKernel } from "./fused.js";
import { ${kernel}, ${kernel}Grad, type ${kernel}Attrs } from "./kernel_names.js";`
    : `import { registerFusedGradient, registerHostKernel, runFusedKernel, ${kernel}, ${kernel}Grad, type ${kernel}Attrs } from "@relax/core";`
}

/**
 * Host kernels of \`${op}\` (\`cpu\`, \`wasm\`): the forward over typed arrays and its gradient kernel
 * (\`${kernel}Grad\`). Save what the backward needs as inputs or outputs of the forward, never in module state.
 */

registerHostKernel<${kernel}Attrs>(${kernel}, ({ x }, attrs) => {
  const xv = x!.values;
  const values = new Float32Array(xv.length);
  for (let i = 0; i < values.length; i++) values[i] = 1 / (1 + Math.exp(-attrs.steepness * (xv[i] as number))); // TODO
  return { values, shape: x!.shape };
});

registerHostKernel<${kernel}Attrs>(${kernel}Grad, ({ x, dy }, attrs) => {
  const xv = x!.values;
  const g = dy!.values;
  const values = new Float32Array(xv.length);
  for (let i = 0; i < values.length; i++) {
    const s = 1 / (1 + Math.exp(-attrs.steepness * (xv[i] as number))); // TODO: the derivative of the real relaxation
    values[i] = (g[i] as number) * attrs.steepness * s * (1 - s);
  }
  return { values, shape: x!.shape };
});

registerFusedGradient<${kernel}Attrs>({
  kernelName: ${kernel},
  inputsToSave: ["x"],
  gradFunc: ([dy], [x], attrs) => ({
    x: () => runFusedKernel<tf.Tensor>(${kernel}Grad, { x: x!, dy: dy! }, attrs),
  }),
});
`,
  [join(pkgDir, "test", `${snake}.test.ts`)]: `import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import { describe, expect, it } from "vitest";
import { RelaxError, withFlags } from "${core ? "../src/index.js" : "@relax/core"}";
import { countLeakedTensors, countLeakedTensorsOnThrow, gradCheck } from "${core ? "../src/testing/index.js" : "@relax/core/testing"}";
import "../src/index.js"; // registers the package's kernels
import { ${op} } from "../src/${snake}.js";

const x = () => tf.tensor2d([[0.3, -0.2, 1.5], [2, 1, -1]]);

describe("${op}", () => {
  it("fused kernel matches the reference (values and gradients)", () => {
    const f = (t: tf.Tensor) => tf.sum(tf.mul(${op}(t as tf.Tensor2D), tf.reshape(tf.range(1, 7), [2, 3])));
    const fused = [${op}(x()).arraySync().flat(), Array.from(tf.grad(f)(x()).dataSync())];
    const ref = withFlags({ RELAX_FORCE_REFERENCE: true }, () => [${op}(x()).arraySync().flat(), Array.from(tf.grad(f)(x()).dataSync())]);
    fused.forEach((values, k) => values.forEach((v, i) => expect(v).toBeCloseTo(ref[k]![i]!, 5)));
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
  [join("apps", "bench", "src", "ops", `${snake}.ts`)]: `/**
 * \`${op}\` (@relax/${pkg}): forward + backward per step, fused kernel vs the tfjs reference, medians in ms.
 * Run: \`pnpm --filter @relax/${pkg} build && pnpm --filter @relax/bench build && node apps/bench/dist/run.js ${pkg}-${snake}\`
 */
import * as tf from "@tensorflow/tfjs-core";
import { ${op} } from "@relax/${pkg}";
import { ms, table, time } from "../harness.js";

export async function run(): Promise<void> {
  const x = tf.randomNormal([256, 64], 0, 1, "float32", 1);
  const step = () => tf.tidy(() => tf.grad((t: tf.Tensor) => tf.sum(${op}(t as tf.Tensor2D)))(x).dataSync());
  const rows: (string | number)[][] = [];
  for (const [name, force] of [["fused kernel", false], ["tfjs reference", true]] as const) {
    tf.env().set("RELAX_FORCE_REFERENCE", force);
    try {
      rows.push([\`${op} [256, 64] (\${name})\`, ms(time(step).median)]);
    } finally {
      tf.env().set("RELAX_FORCE_REFERENCE", false);
    }
  }
  table(["case", "fwd+bwd ms"], rows);
  x.dispose();
}
`,
  [join(".changeset", `${pkg}-${snake.replace(/_/g, "-")}.md`)]:
    `---\n"@relax/${pkg}": minor\n"@relax/core": minor\n---\n\nAdd \`${op}\` (kernel \`${kernel}\`): TODO one paragraph for the CHANGELOG.\n`,
};

for (const file of Object.keys(files))
  if (existsSync(file)) {
    console.error(`refusing to overwrite ${file}`);
    process.exit(1);
  }
for (const [file, text] of Object.entries(files)) {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, text);
  console.log(`created ${file}`);
}

/** Applies `edit` to a text file (creating it from `initial` when missing) and reports it. */
function edit(file, edit, initial = "") {
  const before = existsSync(file) ? readFileSync(file, "utf8") : initial;
  const after = edit(before);
  if (after === before) return;
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, after);
  console.log(`edited ${file}`);
}

// Kernel name + attributes, in the package's own file of kernel names (grouped by op).
const namesFile = join("packages", "core", "src", "kernels", "names", `${pkg}.ts`);
edit(
  namesFile,
  (t) =>
    t.includes(`export const ${kernel} =`)
      ? t
      : `${t}
// ---- ${op} ----
/** TODO: what ${op} computes. Inputs \`{ x: [batch, n] }\`; output \`[batch, n]\`. */
export const ${kernel} = "${kernel}";
export interface ${kernel}Attrs {
  steepness: number;
}
/** Gradient of {@link ${kernel}}: inputs \`{ x, dy }\`, output \`dx: [batch, n]\`. */
export const ${kernel}Grad = "${kernel}Grad";
`,
  `/**\n * Kernels of \`@relax/${pkg}\`, grouped by op; each op's host kernel lives in \`packages/${pkg}/src/kernels/<op>.ts\`.\n */\n`,
);
edit(join("packages", "core", "src", "kernels", "kernel_names.ts"), (t) =>
  t.includes(`"./names/${pkg}.js"`) ? t : `${t}export * from "./names/${pkg}.js";\n`,
);

// The package registers every kernel from kernels/register.ts, which its entry imports.
edit(
  join(pkgDir, "src", "kernels", "register.ts"),
  (t) => (t.includes(`"./${snake}.js"`) ? t : `${t}import "./${snake}.js";\n`),
  `/**\n * Registers every fused host kernel of \`@relax/${pkg}\` (side effects only). Each kernel lives in\n * \`kernels/<op>.ts\` with its gradient; the package entry imports this one module.\n */\n`,
);
edit(join(pkgDir, "src", "index.ts"), (t) => {
  let s = t.replace(/^export {};\n?/m, "");
  if (!s.includes('"./kernels/register.js"')) {
    // after the module's doc comment, before its first import or export
    const at = s.search(/^(import|export) /m);
    s = `${s.slice(0, at)}import "./kernels/register.js";\n${s.slice(at)}`;
  }
  if (!s.includes(`"./${snake}.js"`))
    s += `export { ${op} } from "./${snake}.js";\nexport type { ${pascal}Options } from "./${snake}.js";\n`;
  return s;
});

// The reference subpath.
edit(
  refSrc,
  (t) => (t.includes(`${op}Reference`) ? t : `${t}export { ${op}Reference } from "./${snake}.js";\n`),
  `/** \`@relax/${pkg}/reference\` — reference compositions from tfjs ops, for parity tests and benchmarks. */\nimport "./index.js";\n\n`,
);
// The manifest: the reference subpath (when new) and the kernels kept by bundlers as side effects.
edit(join(pkgDir, "package.json"), (t) => {
  const m = JSON.parse(t);
  if (!refDist) m.exports = { ...m.exports, "./reference": { types: "./dist/reference.d.ts", default: "./dist/reference.js" } };
  if (Array.isArray(m.sideEffects) && !m.sideEffects.includes("./dist/kernels/*.js")) m.sideEffects.push("./dist/kernels/*.js");
  if (m.sideEffects === false) m.sideEffects = ["./dist/index.js", "./dist/kernels/*.js"];
  return refDist && JSON.stringify(JSON.parse(t)) === JSON.stringify(m) ? t : `${JSON.stringify(m, null, 2)}\n`;
});

// A row in the README's API table (the first table after "## API"), as many columns as its header.
edit(join(pkgDir, "README.md"), (t) => {
  const lines = t.split("\n");
  const api = lines.findIndex((l) => /^## API/.test(l));
  const head = lines.findIndex((l, i) => i > api && l.startsWith("|"));
  if (api < 0 || head < 0) return t;
  let end = head;
  while (lines[end + 1]?.startsWith("|")) end++;
  const columns = (lines[head].match(/\|/g)?.length ?? 3) - 1;
  const cells = [
    `\`${op}(x, {steepness})\``,
    "TODO: what it computes (paper)",
    ...Array(Math.max(0, columns - 2)).fill("`[batch, n]` → `[batch, n]`"),
  ];
  lines.splice(end + 1, 0, `| ${cells.slice(0, columns).join(" | ")} |`);
  return lines.join("\n");
});

// The bench suite.
edit(join("apps", "bench", "src", "run.ts"), (t) =>
  t.includes(`"./ops/${snake}.js"`)
    ? t
    : t.replace(
        "  // Each package adds its suite here: name → dynamic import of ./<name>.js\n",
        `  // Each package adds its suite here: name → dynamic import of ./<name>.js\n  "${pkg}-${snake}": () => import("./ops/${snake}.js"),\n`,
      ),
);

console.log(`\nnext: write the real relaxation and its derivative (CONTRIBUTING.md), fill the TODOs, the README row and the changeset;
a WGSL kernel goes in packages/backend-webgpu/src/kernels/${snake}.ts.`);
