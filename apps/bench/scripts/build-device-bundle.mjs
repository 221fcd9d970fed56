// Bundles the Node WebGPU benchmark (src/webgpu/device.ts) into ONE file, dist/gpu-bench.mjs, that imports
// only `webgpu` (Dawn): for a GPU machine that has Node but not this workspace (see prepare-device.sh).
import { build } from "esbuild";
import { fileURLToPath } from "node:url";

const here = (p) => fileURLToPath(new URL(p, import.meta.url));
await build({
  entryPoints: [here("../src/webgpu/device.ts")],
  outfile: here("../dist/gpu-bench.mjs"),
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  // the browser/module builds of tfjs; @relax/core's `node` condition picks its pre-bundled gradient registry
  mainFields: ["module", "main"],
  external: ["webgpu"],
  // tfjs's CJS pieces call require(); give the ESM bundle one.
  banner: { js: "import { createRequire as __relaxCreateRequire } from 'node:module'; const require = __relaxCreateRequire(import.meta.url);" },
  logLevel: "warning",
  legalComments: "none",
});
console.log("wrote apps/bench/dist/gpu-bench.mjs");
