import { defineConfig } from "vitest/config";

// Node-side tests: they serve dist/ (built by `vite build`) and drive Debian's chromium with playwright-core.
export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    environment: "node",
    testTimeout: 90_000,
    hookTimeout: 60_000,
  },
});
