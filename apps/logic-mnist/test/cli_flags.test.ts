import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const MAIN = join(dirname(fileURLToPath(import.meta.url)), "..", "dist", "main.js");

/** Runs the app for one step with `flags` (its files in a temporary folder) and returns its exit status and output. */
function run(flags: string[]): { status: number | null; stdout: string; stderr: string } {
  const out = mkdtempSync(join(tmpdir(), "logic-mnist-flags-"));
  try {
    const r = spawnSync(process.execPath, [MAIN, ...flags, "--steps", "1", "--eval-every", "0", "--out", out], {
      encoding: "utf8",
      timeout: 60_000,
    });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

describe("logic-mnist refuses flags that would do nothing or crash later", () => {
  it.each([
    [
      ["--prune-candidates", "0.1:2,0.5:4"],
      "--prune-candidates: expected entries keeping fewer candidates as training goes on (2 from 0.1, then 4 from 0.5)",
    ],
    [["--prune-candidates", "0.1:16"], "--prune-candidates: expected entries keeping fewer candidates than a gate input has (16;"],
    [["--candidates", "8", "--prune-candidates", "0.2:8"], "fewer candidates than a gate input has (8;"],
    [["--connections", "random", "--prune-candidates", "0.1:4"], "--prune-candidates: expected no value without learned wiring"],
    [["--connections", "unique", "--freeze-wiring-from", "0.5"], "--freeze-wiring-from: expected no value without learned wiring"],
    [["--prune-candidates", "0.1:4,0.3:2,0.5:1", "--freeze-wiring-from", "0.4"], "(1 from 0.4, then 1 from 0.5)"],
    [["--width", "105"], "--width: expected a last layer width divisible by 10"],
    [["--widths", "100,105"], "--widths: expected a last layer width divisible by 10"],
    [["--sweep", "1200,1205"], "--sweep: expected comma-separated positive widths divisible by 10"],
  ])(
    "%j",
    (flags, message) => {
      const { status, stderr } = run(flags);
      expect(status).toBe(2);
      expect(stderr).toContain(message);
    },
    30_000,
  );

  it("trims the automatic schedule to the candidates a gate input has", () => {
    // auto is 0.1:4,0.3:2,0.5:1; with K = 4 it starts at 0.3:2 instead of refusing a flag the user did not give
    const { status, stdout, stderr } = run(["--candidates", "4", "--width", "100"]);
    expect(stderr).not.toContain("logic-mnist:");
    expect(status).toBe(0);
    // the net's summary line lists the schedule it trains with
    expect(stdout).toContain("; wiring pruned to 2 candidates from 30 %; wiring fixed from 50 %");
    expect(stdout).not.toContain("pruned to 4 candidates");
  }, 60_000);

  it("takes a schedule whose entries keep fewer candidates each time, with conv leaves counted", () => {
    // leaves have M = 8 and the dense layers K = 4: keeping 6 prunes the leaves only, which is a valid first entry
    const flags = ["--conv", "--conv-trees", "2", "--conv-depth", "1", "--conv-stride", "2", "--conv-pool", "0"];
    flags.push("--conv-connections", "learned", "--candidates", "4", "--prune-candidates", "0.2:6,0.4:1", "--widths", "10");
    const { status, stderr } = run(flags);
    expect(stderr).not.toContain("logic-mnist:");
    expect(status).toBe(0);
  }, 60_000);
});
