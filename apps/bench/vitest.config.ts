import { defineConfig } from "vitest/config";

// Node-side test of the browser page: it serves dist-web/ (built by `vite build`) and drives Debian's chromium.
export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    environment: "node",
    testTimeout: 180_000,
    hookTimeout: 60_000,
  },
});
