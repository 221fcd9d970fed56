/**
 * Before / after / PyTorch, interleaved: the reference CNN's training step (`bench_step.js --models reference
 * --backends wasm`) with tfjs's single-threaded wasm and tfjs's own bias + ReLU ("before"), with the threaded wasm
 * build and the fused bias + ReLU and max-pool-gradient kernels ("after"), and the same CNN step in PyTorch (`bench/torch_step.py`,
 * skipped when `python3 -c "import torch"` fails; `PYTHON=/path/to/python` picks the interpreter). Each round
 * (plus the fused kernels on 1 thread, to tell the kernels' gain from the threads') runs them in a new order, each in its own process; reports medians over rounds of wall and CPU ms/step,
 * the per-round ratios' medians and, with `--profile`, per-layer kernel times before and after.
 *   node dist/bench_compare.js [--rounds 3] [--steps 4] [--threads 2] [--profile]
 */
import { execFileSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { LAYERS } from "./layers.js";

const { values: args } = parseArgs({
  args: process.argv.slice(2).filter((a) => a !== "--"),
  options: {
    rounds: { type: "string", default: "3" },
    steps: { type: "string", default: "4" },
    threads: { type: "string", default: "2" },
    profile: { type: "boolean", default: false },
  },
});
const here = dirname(fileURLToPath(import.meta.url));
const python = process.env.PYTHON ?? "python3";
interface Row {
  ms: number;
  cpuMs: number;
  layers?: Record<string, number>;
  layersCpu?: Record<string, number>;
}
const hasTorch = (() => {
  try {
    execFileSync(python, ["-c", "import torch"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
})();
const tfjs = (threads: string, fused: boolean) => (): Row => {
  const out = execFileSync(
    process.execPath,
    [
      join(here, "bench_step.js"),
      "--models=reference",
      "--backends=wasm",
      `--steps=${args.steps}`,
      `--threads=${threads}`,
      `--fused=${fused}`,
      "--json",
      ...(args.profile ? ["--profile"] : []),
    ],
    { encoding: "utf8", maxBuffer: 1 << 24 },
  );
  return JSON.parse(out.trim().split("\n").pop() as string) as Row;
};
const torch = (): Row => {
  const out = execFileSync(python, [join(here, "..", "bench", "torch_step.py"), `--steps=${args.steps}`, `--threads=${args.threads}`], {
    encoding: "utf8",
  });
  return JSON.parse(out.trim().split("\n").pop() as string) as Row;
};
const variants: [string, () => Row][] = [
  ["before (1 thread, previous layers)", tfjs("1", false)],
  [`after (${args.threads} threads, fused CNN kernels)`, tfjs(args.threads, true)],
  ["fused CNN kernels, 1 thread", tfjs("1", true)],
  ...(hasTorch ? [[`PyTorch (${args.threads} threads)`, torch] as [string, () => Row]] : []),
];
const rows = new Map<string, Row[]>(variants.map(([n]) => [n, []]));
const rounds = Number(args.rounds);
for (let r = 0; r < rounds; r++) {
  for (let i = 0; i < variants.length; i++) {
    const [name, run] = variants[(i + r) % variants.length] as [string, () => Row];
    const row = run();
    rows.get(name)?.push(row);
    console.error(`round ${r + 1}: ${name}: ${row.ms.toFixed(0)} ms/step (CPU ${row.cpuMs.toFixed(0)} ms)`);
  }
}
const median = (v: number[]): number => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)] as number;
const names = variants.map(([n]) => n);
console.log(`${rounds} rounds × ${args.steps} steps (after 2 warm-up steps), each variant in its own process, interleaved`);
console.log("| variant | wall ms/step (median) | CPU ms/step (median) |\n|---|---:|---:|");
for (const n of names) {
  const rs = rows.get(n) as Row[];
  console.log(`| ${n} | ${median(rs.map((x) => x.ms)).toFixed(0)} | ${median(rs.map((x) => x.cpuMs)).toFixed(0)} |`);
}
const ratio = (a: string, b: string, k: "ms" | "cpuMs") =>
  median((rows.get(a) as Row[]).map((x, i) => x[k] / ((rows.get(b) as Row[])[i] as Row)[k])).toFixed(2);
console.log(`\nafter / before: wall ${ratio(names[1]!, names[0]!, "ms")}, CPU ${ratio(names[1]!, names[0]!, "cpuMs")}`);
console.log(`fused kernels, 1 thread / before: wall ${ratio(names[2]!, names[0]!, "ms")}, CPU ${ratio(names[2]!, names[0]!, "cpuMs")}`);
if (hasTorch) {
  console.log(`after / PyTorch: wall ${ratio(names[1]!, names[3]!, "ms")}, CPU ${ratio(names[1]!, names[3]!, "cpuMs")}`);
  console.log(`fused kernels, 1 thread / PyTorch: wall ${ratio(names[2]!, names[3]!, "ms")}, CPU ${ratio(names[2]!, names[3]!, "cpuMs")}`);
} else console.log(`PyTorch skipped: ${python} cannot import torch`);
if (args.profile) {
  console.log(
    "\n| layer: kernel ms (median over rounds) | before wall | after wall | 1-thread fused wall | before CPU | after CPU | 1-thread fused CPU |\n|---|---:|---:|---:|---:|---:|---:|",
  );
  for (const l of [...LAYERS, "host code between kernels", "step (profiled)"]) {
    const pick = (n: string, k: "layers" | "layersCpu") => median((rows.get(n) as Row[]).map((x) => x[k]?.[l] ?? 0)).toFixed(0);
    const [b, a, f] = names as [string, string, string];
    const cells = [
      pick(b, "layers"),
      pick(a, "layers"),
      pick(f, "layers"),
      pick(b, "layersCpu"),
      pick(a, "layersCpu"),
      pick(f, "layersCpu"),
    ];
    console.log(`| ${l} | ${cells.join(" | ")} |`);
  }
}
