// Bundles bench/gpu-bench.ts into ONE file, bench/dist/gpu-bench.mjs, that imports only `webgpu`.
import { build } from "esbuild";
import { fileURLToPath } from "node:url";

const here = (p) => fileURLToPath(new URL(p, import.meta.url));
await build({
  entryPoints: [here("./gpu-bench.ts")],
  outfile: here("./dist/gpu-bench.mjs"),
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  mainFields: ["module", "main"],
  external: ["webgpu"],
  // tfjs's CJS pieces call require(); give the ESM bundle one.
  banner: { js: "import { createRequire as __relaxCreateRequire } from 'node:module'; const require = __relaxCreateRequire(import.meta.url);" },
  logLevel: "warning",
  legalComments: "none",
  // The algorithm packages declare "sideEffects": false, but their kernel modules register kernels on import.
  ignoreAnnotations: true,
});
console.log("wrote bench/dist/gpu-bench.mjs");
