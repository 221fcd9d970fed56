/**
 * Benchmark entry: `pnpm bench [suite ...]` runs the named suites (default: all) and prints
 * markdown tables for BENCHMARKS.md. Each suite is `src/<suite>.ts` exporting `run()`.
 */
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import "@relax/core";
import { cpus } from "node:os";
import { parseArgs } from "node:util";

const SUITES: Record<string, () => Promise<{ run: () => Promise<void> }>> = {
  // Each package adds its suite here: name → dynamic import of ./<name>.js
  logic: () => import("./logic.js"),
  // @relax/logic learned layers (issue 16); not in the default list
  "logic-learned": () => import("./logic_learned.js"),
  // LogicConvTree node options (issue 16); not in the default list
  "logic-conv-options": () => import("./logic_conv_options.js"),
  "logic-conv-leaves": () => import("./logic_conv_leaves.js"),
  algorithms: () => import("./algorithms.js"),
  render: () => import("./render.js"),
  sort: () => import("./sort.js"),
  // not in the default list (about 2 minutes): LapSum vs the other relaxations, n up to 1e5, and a top-k training task
  lapsum: () => import("./lapsum.js"),
  // not in the default list: needs a WebGPU adapter (Dawn); flags --quick --swiftshader --reps=N --only=S
  webgpu: () => import("./webgpu/node.js"),
};
const DEFAULT_SUITES = ["logic", "algorithms", "render", "sort"];

// suite names are positionals; flags are left to the suites (the webgpu suite reads its own)
const wanted = parseArgs({ strict: false, allowPositionals: true }).positionals;
const names = wanted.length ? wanted : DEFAULT_SUITES;
await tf.setBackend("cpu");
console.log(
  `# Relax benchmarks — ${new Date().toISOString()} — Node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? "cpu"}\n`,
);
for (const name of names) {
  const load = SUITES[name];
  if (!load) {
    console.error(`unknown suite '${name}'; known: ${Object.keys(SUITES).join(", ")}`);
    process.exitCode = 1;
    continue;
  }
  console.log(`\n## ${name}\n`);
  await (await load()).run();
}
