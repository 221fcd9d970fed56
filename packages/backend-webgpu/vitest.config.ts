import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const src = (pkg: string) => fileURLToPath(new URL(`../${pkg}/src/index.ts`, import.meta.url));

export default defineConfig({
  resolve: {
    // Parity tests compare against the CPU kernels of the algorithm packages; use their sources so the
    // tests never run against a stale dist (these packages are devDependencies only).
    alias: {
      "@relax/logic": src("logic"),
      "@relax/sort": src("sort"),
      "@relax/render": src("render"),
    },
  },
  test: {
    include: ["test/**/*.test.ts"],
    // Dawn + navigator.gpu must exist before @tensorflow/tfjs-backend-webgpu is imported.
    setupFiles: ["./test/setup_webgpu.ts", "./test/setup_fast_check.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // SwiftShader is CPU-bound: run test files one after another, not in parallel workers.
    fileParallelism: false,
  },
});
