/**
 * The embedded modules (src/kernels/wasm_bytes.ts, src/kernels/baselines_wasm_bytes.ts) are what wasm/*.wat
 * compiles to: recompiles every source with wabt (scripts/build-wasm.mjs --check) so CI fails when a .wat was
 * edited without `build:wasm`.
 */
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

describe("generated WebAssembly", () => {
  it("src/kernels/*wasm_bytes.ts match wasm/*.wat", () => {
    const script = fileURLToPath(new URL("../scripts/build-wasm.mjs", import.meta.url));
    expect(() => execFileSync(process.execPath, [script, "--check"], { stdio: "pipe" })).not.toThrow();
  });
});
