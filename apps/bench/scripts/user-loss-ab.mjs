// Before/after of the issue-17 user loss across two builds of @relax/sort: forward + backward of
// sum(permutation ⊙ W) + sum(sorted) through tf.grad, batch 100, x ~ N(0, 1), cauchy, steepness 10, cpu backend.
// A build cannot be switched inside one process (both register the same kernels), so the two builds run in
// alternating child processes (base, new, base, new, …), each with 10 warm-up steps (2 at n ≥ 256), and the minima and medians
// are taken over all rounds. Ratios against the PyTorch reference minima of shared/research/sort.md §4.
//   cp -r <a build of the old packages/sort/dist> packages/sort/dist-base   (from the repository root)
//   node apps/bench/scripts/user-loss-ab.mjs [rounds=4] [reps=20] [cases=bitonic:64,bitonic:32,odd_even:32,odd_even:64]
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";

const PYTORCH_MIN_MS = {
  "odd_even:32": 46.6,
  "odd_even:64": 258,
  "odd_even:128": 3761,
  "bitonic:32": 21.7,
  "bitonic:64": 86,
  "bitonic:128": 838,
};

async function child(which, reps, cases) {
  const { diffSort } = await import(which === "base" ? "../../../packages/sort/dist-base/index.js" : "@relax/sort");
  await tf.setBackend("cpu");
  const out = {};
  for (const c of cases) {
    const [network, ns] = c.split(":");
    const n = Number(ns);
    const x = tf.randomNormal([100, n], 0, 1, "float32", 1);
    const W = tf.randomNormal([100, n, n], 0, 1, "float32", 2);
    const loss = (v) => {
      const r = diffSort(v, { network, steepness: 10 });
      return tf.add(tf.sum(tf.mul(r.permutation, W)), tf.sum(r.sorted));
    };
    const step = () => {
      const g = tf.grad(loss)(x);
      g.dataSync();
      g.dispose();
    };
    for (let i = 0; i < (n >= 256 ? 2 : 10); i++) step();
    const ts = [];
    for (let i = 0; i < reps; i++) {
      const t0 = performance.now();
      step();
      ts.push(performance.now() - t0);
    }
    out[c] = ts;
    tf.dispose([x, W]);
  }
  console.log(`RESULT ${JSON.stringify(out)}`);
}

if (process.argv[2] === "--child") {
  await child(process.argv[3], Number(process.argv[4]), process.argv[5].split(","));
} else {
  const rounds = Number(process.argv[2] ?? 4);
  const reps = process.argv[3] ?? "20";
  const cases = process.argv[4] ?? "bitonic:64,bitonic:32,odd_even:32,odd_even:64";
  const self = fileURLToPath(import.meta.url);
  const t = { base: {}, new: {} };
  for (let r = 0; r < rounds; r++) {
    for (const which of ["base", "new"]) {
      const text = execFileSync(process.execPath, [self, "--child", which, reps, cases], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
      const line = text.split("\n").find((l) => l.startsWith("RESULT "));
      for (const [k, v] of Object.entries(JSON.parse(line.slice(7)))) (t[which][k] ??= []).push(...v);
    }
  }
  const median = (v) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];
  const f = (v) => (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2));
  console.log("| network:n | before, median (min) ms | after, median (min) ms | min before / after | PyTorch min ms | × PyTorch at the minimum, before → after |");
  console.log("|---|---|---|---|---|---|");
  for (const k of Object.keys(t.base)) {
    const b = t.base[k];
    const a = t.new[k];
    const ref = PYTORCH_MIN_MS[k];
    const bm = Math.min(...b);
    const am = Math.min(...a);
    console.log(
      `| ${k} | ${f(median(b))} (${f(bm)}) | ${f(median(a))} (${f(am)}) | ${(bm / am).toFixed(2)}× | ${ref ?? "–"} | ${ref ? `${(ref / bm).toFixed(1)}× → ${(ref / am).toFixed(1)}×` : "–"} |`,
    );
  }
}
