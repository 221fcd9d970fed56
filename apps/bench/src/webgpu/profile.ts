/**
 * Where a case's time goes on one backend: `tf.profile` of one call after a warm-up, grouped by kernel
 * name. On webgpu the kernel times are GPU timestamps (`timestamp-query`, when the adapter offers it);
 * elsewhere they are wall times of each kernel's dispatch. Wall time of the whole call is measured
 * twice: with every output read back, and with one scalar (their sum) read back, so the cost of
 * reading large outputs can be told from the cost of computing them.
 */
import * as tf from "@tensorflow/tfjs-core";
import type { BenchCase } from "./cases.js";

/** One kernel name's share of a profiled call. */
export interface KernelShare {
  name: string;
  calls: number;
  /** Sum of the kernel times (ms); NaN when the backend could not time them. */
  ms: number;
}

/** The profile of one case on one backend. */
export interface CaseProfile {
  backend: string;
  /** Median wall ms per call, every output read back. */
  wallMs: number;
  /** Median wall ms per call, one scalar read back. */
  wallScalarMs: number;
  /** By kernel name, largest first. */
  kernels: KernelShare[];
}

const median = (xs: number[]): number => [...xs].sort((p, q) => p - q)[Math.floor(xs.length / 2)] as number;

async function wall(c: BenchCase, reps: number, scalar: boolean): Promise<number> {
  const times: number[] = [];
  for (let r = 0; r < reps + 1; r++) {
    const t0 = performance.now();
    const outs = c.run();
    if (scalar) {
      const s = tf.tidy(() => tf.addN(outs.map((o) => tf.sum(o))));
      await s.data();
      s.dispose();
    } else {
      await Promise.all(outs.map((o) => o.data()));
    }
    tf.dispose(outs);
    if (r > 0) times.push(performance.now() - t0); // the first call warms up
  }
  return median(times);
}

/** Profiles case `c` on `backend` (which must be registered). */
export async function profileCase(c: BenchCase, backend: string, reps = 5): Promise<CaseProfile> {
  if (!(await tf.setBackend(backend)) || tf.getBackend() !== backend) throw new Error(`backend ${backend} is not active`);
  c.setup();
  try {
    const wallMs = await wall(c, reps, false);
    const wallScalarMs = await wall(c, reps, true);
    const info = await tf.profile(async () => {
      const outs = c.run();
      await Promise.all(outs.map((o) => o.data()));
      tf.dispose(outs);
    });
    const byName = new Map<string, KernelShare>();
    for (const k of info.kernels) {
      const share = byName.get(k.name) ?? { name: k.name, calls: 0, ms: 0 };
      share.calls++;
      share.ms += typeof k.kernelTimeMs === "number" ? k.kernelTimeMs : Number.NaN;
      byName.set(k.name, share);
    }
    const kernels = [...byName.values()].sort((p, q) => (Number.isNaN(q.ms) ? -1 : q.ms - p.ms));
    return { backend, wallMs, wallScalarMs, kernels };
  } finally {
    c.teardown();
  }
}

/** A profile as markdown lines. */
export function formatProfile(c: BenchCase, p: CaseProfile): string[] {
  const total = p.kernels.reduce((s, k) => s + (Number.isNaN(k.ms) ? 0 : k.ms), 0);
  return [
    `#### ${c.kernel} — ${c.size} — ${p.backend}`,
    "",
    `wall ${p.wallMs.toFixed(2)} ms per call with every output read back, ${p.wallScalarMs.toFixed(2)} ms with one scalar; kernels ${total.toFixed(2)} ms in all`,
    "",
    "| kernel | calls | ms |",
    "| --- | ---: | ---: |",
    ...p.kernels.map((k) => `| ${k.name} | ${k.calls} | ${Number.isNaN(k.ms) ? "–" : k.ms.toFixed(3)} |`),
    "",
  ];
}
