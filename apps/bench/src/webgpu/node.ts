/**
 * Node runner of the WebGPU benchmark: tfjs `webgpu` on Dawn (npm `webgpu`) against tfjs `cpu`, one
 * markdown table on stdout (`BENCHMARKS.md`, "WebGPU kernels").
 *
 *   node apps/bench/dist/run.js webgpu [--quick] [--swiftshader] [--reps=N] [--only=SUBSTRING] [--json=FILE]
 *   node apps/bench/dist/run.js webgpu --profile --only=SUBSTRING   (kernel-by-kernel breakdown, cpu and webgpu)
 *
 * `--swiftshader` uses Chromium's SwiftShader Vulkan ICD when there is no GPU (correctness, not speed);
 * `--quick` runs tiny sizes. The same code is bundled into one file for a GPU machine without a
 * workspace: `apps/bench/scripts/prepare-device.sh`.
 */
import { writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import * as tf from "@tensorflow/tfjs-core";
import { webgpuCases } from "./cases.js";
import { TABLE_HEADER, adapterDescription, formatRow, runWebGPUBench } from "./measure.js";
import { formatProfile, profileCase } from "./profile.js";

/** Parses the flags, installs Dawn, runs the benchmark and prints the table. */
export async function run(): Promise<void> {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    allowPositionals: true,
    strict: false,
    options: {
      quick: { type: "boolean", default: false },
      swiftshader: { type: "boolean", default: false },
      reps: { type: "string" },
      only: { type: "string" },
      json: { type: "string" },
      profile: { type: "boolean", default: false },
    },
  });
  const reps = values.reps === undefined ? undefined : Number(values.reps);
  if (reps !== undefined && !(Number.isInteger(reps) && reps > 0))
    throw new Error(`--reps: expected a positive integer, got '${values.reps}'`);
  // Dawn must be `navigator.gpu` before tfjs-backend-webgpu is evaluated.
  await import("./dawn.js");
  await import("@relax/backend-webgpu");
  if (!(await tf.setBackend("webgpu").catch(() => false)) || tf.getBackend() !== "webgpu") {
    console.error("No WebGPU adapter (Dawn). Without a GPU pass --swiftshader (needs Debian chromium + libvulkan1).");
    process.exitCode = 2;
    return;
  }
  const set = values.quick ? "quick" : "standard";
  console.log(`### WebGPU kernels (${set})\n`);
  console.log(
    `adapter: ${await adapterDescription()}; node ${process.version}; median of ${reps ?? (set === "quick" ? 3 : 7)} timed calls incl. read-back\n`,
  );
  if (values.profile) {
    const only = typeof values.only === "string" ? values.only : "";
    const cases = webgpuCases(set).filter((c) => `${c.kernel} ${c.size}`.includes(only));
    if (!only || cases.length === 0) throw new Error("--profile: pass --only=SUBSTRING matching at least one case");
    for (const c of cases) {
      for (const backend of ["cpu", "webgpu"]) console.log(formatProfile(c, await profileCase(c, backend, reps ?? 5)).join("\n"));
    }
    return;
  }
  for (const line of TABLE_HEADER) console.log(line);
  const rows = await runWebGPUBench({
    set,
    reps,
    only: typeof values.only === "string" ? values.only : undefined,
    onRow: (row) => console.log(formatRow(row)),
  });
  if (typeof values.json === "string") writeFileSync(values.json, `${JSON.stringify(rows, null, 2)}\n`);
  if (rows.some((r) => r.error)) process.exitCode = 1;
}
