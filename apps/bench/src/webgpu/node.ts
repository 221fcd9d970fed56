/**
 * Node runner of the WebGPU benchmark: tfjs `webgpu` on Dawn (npm `webgpu`) against tfjs `cpu`, one
 * markdown table on stdout (`BENCHMARKS.md`, "WebGPU kernels").
 *
 *   node apps/bench/dist/run.js webgpu [--quick] [--swiftshader] [--reps=N] [--only=SUBSTRING] [--json=FILE]
 *
 * `--swiftshader` uses Chromium's SwiftShader Vulkan ICD when there is no GPU (correctness, not speed);
 * `--quick` runs tiny sizes. The same code is bundled into one file for a GPU machine without a
 * workspace: `apps/bench/scripts/prepare-device.sh`.
 */
import { writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import * as tf from "@tensorflow/tfjs-core";
import { TABLE_HEADER, adapterDescription, formatRow, runWebGPUBench } from "./measure.js";

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
