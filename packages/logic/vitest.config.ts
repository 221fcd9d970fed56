import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    setupFiles: ["./test/setup_fast_check.ts"],
    testTimeout: 60_000,
  },
});
