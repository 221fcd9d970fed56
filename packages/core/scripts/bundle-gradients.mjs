// Builds dist/register_gradients.node.js: tfjs-core's gradient registrations as plain ESM for Node.
// tfjs-core ships them only as ESM files inside a CommonJS package, which plain `node` cannot load.
// The bundle carries its own copy of the internal ops the gradients use; the kernel/gradient
// registries and the engine are process-global in tfjs, so the registrations land where the real
// @tensorflow/tfjs-core looks them up.
import { build } from "esbuild";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

const require = createRequire(import.meta.url);
const tfDir = dirname(require.resolve("@tensorflow/tfjs-core/package.json"));

await build({
  entryPoints: [join(tfDir, "dist/register_all_gradients.js")],
  bundle: true,
  format: "esm",
  platform: "neutral",
  target: "es2020",
  minify: true,
  treeShaking: true,
  legalComments: "none",
  outfile: "dist/register_gradients.node.js",
  logLevel: "warning",
});
