import * as tf from "@tensorflow/tfjs-core";

/** Timing statistics of one benchmark case, in milliseconds. */
export interface Timing {
  median: number;
  min: number;
  runs: number;
}

/**
 * Times `fn` (synchronous; it must read its result back so async backends are included) after
 * `warmup` untimed runs; stops after `maxRuns` or when `budgetMs` is spent. Reports the median.
 */
export function time(fn: () => void, options: { warmup?: number; maxRuns?: number; budgetMs?: number } = {}): Timing {
  const warmup = options.warmup ?? 2;
  const maxRuns = options.maxRuns ?? 15;
  const budget = options.budgetMs ?? 5000;
  for (let i = 0; i < warmup; i++) tf.tidy(fn);
  const samples: number[] = [];
  const start = performance.now();
  while (samples.length < maxRuns && (samples.length < 3 || performance.now() - start < budget)) {
    const t0 = performance.now();
    tf.tidy(fn);
    samples.push(performance.now() - t0);
  }
  samples.sort((a, b) => a - b);
  return { median: samples[Math.floor(samples.length / 2)] as number, min: samples[0] as number, runs: samples.length };
}

/** Formats milliseconds for a markdown table. */
export function ms(t: number): string {
  return t >= 100 ? t.toFixed(0) : t >= 10 ? t.toFixed(1) : t.toFixed(2);
}

/** Prints a markdown table. */
export function table(header: string[], rows: (string | number)[][]): void {
  console.log(`| ${header.join(" | ")} |`);
  console.log(`| ${header.map(() => "---").join(" | ")} |`);
  for (const r of rows) console.log(`| ${r.join(" | ")} |`);
}
