import { execFileSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, test } from "vitest";

const APP = join(dirname(fileURLToPath(import.meta.url)), "..");
const work = mkdtempSync(join(tmpdir(), "relax-device-bundle-"));

describe("the one-file benchmark for a GPU machine (scripts/build-device-bundle.mjs)", () => {
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  test("runs outside the workspace with only `webgpu` beside it and prints a parity row", () => {
    execFileSync(process.execPath, [join(APP, "scripts", "build-device-bundle.mjs")], { stdio: "pipe" });
    copyFileSync(join(APP, "dist", "gpu-bench.mjs"), join(work, "gpu-bench.mjs"));
    mkdirSync(join(work, "node_modules"));
    symlinkSync(realpathSync(join(APP, "node_modules", "webgpu")), join(work, "node_modules", "webgpu"), "dir");
    const out = execFileSync(process.execPath, ["gpu-bench.mjs", "--quick", "--swiftshader", "--reps=1", "--only=RelaxSwapLayer"], {
      cwd: work,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
      timeout: 120_000,
    });
    const row = out.split("\n").find((l) => l.startsWith("| RelaxSwapLayer |"));
    expect(row, out).toBeDefined();
    const cells = row!.split("|").map((c) => c.trim());
    const [err, scale] = [Number(cells[6]), Number(cells[7])];
    expect(scale).toBeGreaterThan(0);
    expect(err).toBeLessThanOrEqual(1e-5 * scale);
    expect(out).toMatch(/adapter: .+/);
  });
});
