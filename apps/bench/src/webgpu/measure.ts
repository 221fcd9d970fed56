/**
 * Runs the WebGPU benchmark cases on `cpu` and `webgpu` and compares them: median wall time per call
 * (including the read-back of every output, so an asynchronous GPU cannot look faster than it is) and
 * the parity columns max |webgpu − cpu| and max |cpu|. Platform-free: the Node runner and the browser
 * page both call {@link runWebGPUBench} after making the `webgpu` backend available.
 */
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu"; // the baseline every case is compared with
import { type BenchCase, type CaseSet, webgpuCases } from "./cases.js";

/** One row of the table. */
export interface BenchRow {
  kernel: string;
  size: string;
  /** Median ms per call on `cpu` / `webgpu` (NaN when the case failed). */
  cpuMs: number;
  webgpuMs: number;
  /** max |webgpu − cpu| over every output, and max |cpu| (the scale it is relative to). */
  maxAbsErr: number;
  maxAbsCpu: number;
  /** The error message when the case failed on either backend. */
  error?: string;
}

/** Options of {@link runWebGPUBench}. */
export interface WebGPUBenchOptions {
  /** Size ladder (default `'standard'`). */
  set?: CaseSet;
  /** Timed repetitions per backend after the warm-up (default 7; 3 for `quick`). */
  reps?: number;
  /** Only the cases whose `kernel size` contains this substring. */
  only?: string;
  /** Called after every row, e.g. to print or render it. */
  onRow?: (row: BenchRow) => void;
}

async function timeOn(c: BenchCase, backend: "cpu" | "webgpu", reps: number): Promise<{ ms: number; outs: Float32Array[] }> {
  if (!(await tf.setBackend(backend)) || tf.getBackend() !== backend) throw new Error(`backend ${backend} is not active`);
  c.setup();
  try {
    const once = async (): Promise<Float32Array[]> => {
      const outs = c.run();
      try {
        return await Promise.all(outs.map((o) => o.data() as Promise<Float32Array>));
      } finally {
        tf.dispose(outs);
      }
    };
    const outs = await once(); // warm-up: shader compilation, WASM instantiation
    // Browsers coarsen performance.now() (0.1 ms or worse): a fast case's sample averages several calls (≥ 2 ms).
    const t = performance.now();
    await once();
    const calls = Math.min(50, Math.max(1, Math.ceil(2 / Math.max(performance.now() - t, 0.01))));
    const times: number[] = [];
    for (let r = 0; r < reps; r++) {
      const t0 = performance.now();
      for (let k = 0; k < calls; k++) await once();
      times.push((performance.now() - t0) / calls);
    }
    times.sort((p, q) => p - q);
    return { ms: times[Math.floor(times.length / 2)] as number, outs };
  } finally {
    c.teardown();
  }
}

/** max |a − b| and max |b| over lists of equally shaped outputs (∞ on a shape mismatch). */
export function compareOutputs(a: Float32Array[], b: Float32Array[]): { maxAbsErr: number; maxAbsCpu: number } {
  let maxAbsErr = a.length === b.length ? 0 : Number.POSITIVE_INFINITY;
  let maxAbsCpu = 0;
  a.forEach((x, i) => {
    const y = b[i] as Float32Array;
    if (x.length !== y.length) {
      maxAbsErr = Number.POSITIVE_INFINITY;
      return;
    }
    for (let j = 0; j < x.length; j++) {
      const d = Math.abs((x[j] as number) - (y[j] as number));
      maxAbsErr = Number.isNaN(d) ? Number.POSITIVE_INFINITY : Math.max(maxAbsErr, d);
      maxAbsCpu = Math.max(maxAbsCpu, Math.abs(y[j] as number));
    }
  });
  return { maxAbsErr, maxAbsCpu };
}

/**
 * Benchmarks every case of the chosen set on `cpu` then `webgpu` (which must be registered and
 * initialisable) and returns the rows; a failing case becomes a row with `error`, not an exception.
 * Input NaN/Inf scans are switched off for the run (they would read GPU tensors back).
 *
 * @example
 * const rows = await runWebGPUBench({ set: "quick", onRow: (r) => console.log(formatRow(r)) });
 */
export async function runWebGPUBench(options: WebGPUBenchOptions = {}): Promise<BenchRow[]> {
  const set = options.set ?? "standard";
  const reps = options.reps ?? (set === "quick" ? 3 : 7);
  const rows: BenchRow[] = [];
  const checks = tf.env().getBool("RELAX_INPUT_CHECKS");
  tf.env().set("RELAX_INPUT_CHECKS", false);
  try {
    for (const c of webgpuCases(set)) {
      if (options.only && !`${c.kernel} ${c.size}`.includes(options.only)) continue;
      let row: BenchRow;
      try {
        const cpu = await timeOn(c, "cpu", reps);
        const gpu = await timeOn(c, "webgpu", reps);
        row = { kernel: c.kernel, size: c.size, cpuMs: cpu.ms, webgpuMs: gpu.ms, ...compareOutputs(gpu.outs, cpu.outs) };
      } catch (e) {
        const error = String((e as Error)?.message ?? e).split("\n")[0] as string;
        row = {
          kernel: c.kernel,
          size: c.size,
          cpuMs: Number.NaN,
          webgpuMs: Number.NaN,
          maxAbsErr: Number.NaN,
          maxAbsCpu: Number.NaN,
          error,
        };
      }
      rows.push(row);
      options.onRow?.(row);
    }
  } finally {
    tf.env().set("RELAX_INPUT_CHECKS", checks);
  }
  return rows;
}

/** Header lines of the markdown table. */
export const TABLE_HEADER = [
  "| kernel | size | cpu ms | webgpu ms | speed-up | max abs err | max abs cpu |",
  "| --- | --- | ---: | ---: | ---: | ---: | ---: |",
];

/** A row as a markdown table line. */
export function formatRow(r: BenchRow): string {
  if (r.error) return `| ${r.kernel} | ${r.size} | – | – | – | – | error: ${r.error} |`;
  return `| ${r.kernel} | ${r.size} | ${r.cpuMs.toFixed(2)} | ${r.webgpuMs.toFixed(2)} | ${(r.cpuMs / r.webgpuMs).toFixed(1)}× | ${r.maxAbsErr.toExponential(2)} | ${r.maxAbsCpu.toExponential(2)} |`;
}

/** Describes the WebGPU adapter (vendor / architecture / device / description) that `navigator.gpu` offers, or `unknown`. */
export async function adapterDescription(): Promise<string> {
  type Info = Partial<Record<"vendor" | "architecture" | "device" | "description", string>>;
  const gpu = (globalThis as { navigator?: { gpu?: { requestAdapter(o?: object): Promise<{ info?: Info } | null> } } }).navigator?.gpu;
  const info = (await gpu?.requestAdapter({ powerPreference: "high-performance" }).catch(() => null))?.info ?? {};
  return [info.vendor, info.architecture, info.device, info.description].filter(Boolean).join(" / ") || "unknown";
}
