/**
 * GPU benchmark of @relax/backend-webgpu: per kernel, tfjs `webgpu` (these WGSL kernels) vs tfjs `cpu`
 * (the fused typed-array kernels of @relax/core / sort / logic / render), median wall time per call
 * including the read-back of every output, plus the parity column max |webgpu − cpu|.
 *
 * Built into one file by `pnpm --filter @relax/backend-webgpu build:bench` → bench/dist/gpu-bench.mjs,
 * which imports nothing but `webgpu` (Dawn). Run on the GPU machine (Node ≥ 20, a node_modules holding
 * only `webgpu`): `node gpu-bench.mjs` (flags: `--quick` tiny sizes, `--swiftshader` no-GPU ICD,
 * `--reps=N`, `--only=substring`).
 */
import "./dawn_setup.js";
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import {
  RelaxDiffSort,
  RelaxDiffSortGrad,
  RelaxLogicLayer,
  RelaxLogicLayerGradLogits,
  RelaxLogicLayerGradX,
  RelaxRasterizeSilhouette,
  RelaxRasterizeSilhouetteGrad,
  RelaxSortNetSelect,
  RelaxSortNetSelectGrad,
  runFusedKernel,
  setInputChecks,
} from "@relax/core";
// CPU kernels of the algorithm packages (registered on import)
import "../../sort/src/kernels/register.js";
import "../../logic/src/logic_kernel.js";
import "../../render/src/silhouette_kernel.js";
import "../src/index.js";

const argv = process.argv.slice(2);
const quick = argv.includes("--quick");
const reps = Number(argv.find((a) => a.startsWith("--reps="))?.slice(7) ?? (quick ? 3 : 7));
const only = argv.find((a) => a.startsWith("--only="))?.slice(7);

function rand(count: number, seed: number, lo = -1, hi = 1): Float32Array {
  let s = seed >>> 0;
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = lo + ((hi - lo) * (((t ^ (t >>> 14)) >>> 0) / 4294967296));
  }
  return out;
}

/** Icosphere (level 3: 642 vertices, 1280 faces) projected orthographically: faces [1, F, 3, 3]. */
function sphereFaces(level: number, radius: number): { faces: Float32Array; F: number; V: number } {
  const t = (1 + Math.sqrt(5)) / 2;
  const norm = (v: number[]) => {
    const n = Math.hypot(v[0]!, v[1]!, v[2]!);
    return v.map((x) => x / n);
  };
  const verts: number[][] = [[-1, t, 0], [1, t, 0], [-1, -t, 0], [1, -t, 0], [0, -1, t], [0, 1, t], [0, -1, -t], [0, 1, -t], [t, 0, -1], [t, 0, 1], [-t, 0, -1], [-t, 0, 1]].map(norm);
  let faces = [[0, 11, 5], [0, 5, 1], [0, 1, 7], [0, 7, 10], [0, 10, 11], [1, 5, 9], [5, 11, 4], [11, 10, 2], [10, 7, 6], [7, 1, 8], [3, 9, 4], [3, 4, 2], [3, 2, 6], [3, 6, 8], [3, 8, 9], [4, 9, 5], [2, 4, 11], [6, 2, 10], [8, 6, 7], [9, 8, 1]];
  for (let l = 0; l < level; l++) {
    const cache = new Map<string, number>();
    const mid = (a: number, b: number) => {
      const key = a < b ? `${a},${b}` : `${b},${a}`;
      const hit = cache.get(key);
      if (hit !== undefined) return hit;
      verts.push(norm(verts[a]!.map((x, i) => (x + verts[b]![i]!) / 2)));
      cache.set(key, verts.length - 1);
      return verts.length - 1;
    };
    const next: number[][] = [];
    for (const [a, b, c] of faces) {
      const ab = mid(a!, b!), bc = mid(b!, c!), ca = mid(c!, a!);
      next.push([a!, ab, ca], [b!, bc, ab], [c!, ca, bc], [ab, bc, ca]);
    }
    faces = next;
  }
  // a slight rotation so that no face is exactly edge-on (a projected segment: its gradient could go
  // to either coincident vertex, equally valid, which would make the parity column meaningless)
  const [ca, sa, cb, sb] = [Math.cos(0.3), Math.sin(0.3), Math.cos(0.2), Math.sin(0.2)];
  const rot = (p: number[]) => {
    const y1 = ca * p[1]! - sa * p[2]!, z1 = sa * p[1]! + ca * p[2]!;
    return [cb * p[0]! + sb * z1, y1, -sb * p[0]! + cb * z1];
  };
  const out = new Float32Array(faces.length * 9);
  faces.forEach((f, i) => f.forEach((v, k) => {
    const p = rot(verts[v]!);
    out[i * 9 + k * 3] = p[0]! * radius + 0.05;
    out[i * 9 + k * 3 + 1] = p[1]! * radius - 0.03;
    out[i * 9 + k * 3 + 2] = 2 + p[2]!;
  }));
  return { faces: out, F: faces.length, V: verts.length };
}

interface Case {
  kernel: string;
  size: string;
  /** Builds inputs on the active backend and runs the kernel; returns every output. */
  run: () => tf.Tensor[];
  /** Inputs shared by both backends are created once per backend in `setup`. */
  setup: () => void;
  teardown: () => void;
}

function kernelCase(kernel: string, size: string, inputs: () => Record<string, tf.Tensor>, attrs: object): Case {
  let ins: Record<string, tf.Tensor> = {};
  return {
    kernel,
    size,
    setup: () => (ins = inputs()),
    run: () => {
      const out = runFusedKernel<tf.Tensor | tf.Tensor[]>(kernel, ins, attrs);
      return Array.isArray(out) ? out : [out];
    },
    teardown: () => tf.dispose(Object.values(ins)),
  };
}

const cmp = { distribution: "logistic", steepness: 10, artLambda: 0.25 };

function sortCases(network: "odd_even" | "bitonic", n: number, rows: number, withMatrix: boolean): Case[] {
  const attrs = { ...cmp, network, withMatrix, descending: false, hard: false };
  const size = `${network} n=${n} batch ${rows}${withMatrix ? " (values + P)" : " (values)"}`;
  const x = () => tf.tensor2d(rand(rows * n, n + rows), [rows, n]);
  const fwd = kernelCase(RelaxDiffSort, size, () => ({ x: x() }), attrs);
  const bwd = kernelCase(
    RelaxDiffSortGrad,
    size,
    () => {
      const xx = x();
      return {
        x: xx,
        dSorted: tf.tensor2d(rand(rows * n, 3), [rows, n]),
        dPermutation: withMatrix ? tf.tensor3d(rand(rows * n * n, 4), [rows, n, n]) : tf.zeros([rows, 0, 0]),
      };
    },
    attrs,
  );
  return [fwd, bwd];
}

function topkCases(n: number, k: number, rows: number): Case[] {
  const attrs = { ...cmp, network: "splitter_selection", k, init: "topk" };
  const size = `splitter_selection n=${n} k=${k} batch ${rows}`;
  const x = () => tf.tensor2d(rand(rows * n, 9), [rows, n]);
  return [
    kernelCase(RelaxSortNetSelect, size, () => ({ x: x() }), attrs),
    kernelCase(
      RelaxSortNetSelectGrad,
      size,
      () => {
        const xx = x();
        return { x: xx, dy: tf.tensor3d(rand(rows * k * n, 10), [rows, k, n]) };
      },
      attrs,
    ),
  ];
}

function logicCases(inDim: number, outDim: number, batch: number): Case[] {
  const a = Int32Array.from(rand(outDim, 21, 0, inDim), Math.floor);
  const b = Int32Array.from(rand(outDim, 22, 0, inDim), Math.floor);
  const attrs = { a, b, mode: "train", gradFactor: 1 };
  const size = `${inDim} → ${outDim} gates, batch ${batch}`;
  const ins = () => ({
    x: tf.tensor2d(rand(batch * inDim, 23, 0, 1), [batch, inDim]),
    logits: tf.tensor2d(rand(outDim * 16, 24, -2, 2), [outDim, 16]),
    dy: tf.tensor2d(rand(batch * outDim, 25), [batch, outDim]),
  });
  return [
    kernelCase(RelaxLogicLayer, size, () => {
      const { x, logits, dy } = ins();
      dy.dispose();
      return { x, logits };
    }, attrs),
    kernelCase(RelaxLogicLayerGradX, size, ins, attrs),
    kernelCase(RelaxLogicLayerGradLogits, size, ins, attrs),
    kernelCase(RelaxLogicLayer, `${size} (eval)`, () => {
      const { x, logits, dy } = ins();
      dy.dispose();
      return { x, logits };
    }, { ...attrs, mode: "eval" }),
  ];
}

function silhouetteCases(S: number, level: number): Case[] {
  const { faces, F, V } = sphereFaces(level, 0.7);
  const attrs = {
    imageSize: S, distribution: "logistic", scale: 0.01, squared: false, shape: 1, shift: 0,
    tconorm: "probabilistic", p: NaN, distEps: 1e4, maxTies: "split", pixelConvention: "gendr",
  };
  const size = `${S}×${S}, sphere ${V} vertices / ${F} faces, logistic τ=0.01, probabilistic`;
  const f = () => tf.tensor4d(faces, [1, F, 3, 3]);
  return [
    kernelCase(RelaxRasterizeSilhouette, size, () => ({ faces: f() }), attrs),
    kernelCase(RelaxRasterizeSilhouetteGrad, size, () => ({ faces: f(), dy: tf.tensor3d(rand(S * S, 31), [1, S, S]) }), attrs),
  ];
}

const cases: Case[] = quick
  ? [
      ...sortCases("odd_even", 8, 4, true),
      ...sortCases("bitonic", 16, 2, false),
      ...topkCases(16, 3, 4),
      ...logicCases(32, 64, 8),
      ...silhouetteCases(32, 1),
    ]
  : [
      ...sortCases("odd_even", 32, 100, true),
      ...sortCases("bitonic", 1024, 16, false),
      ...sortCases("odd_even", 128, 1024, false),
      ...sortCases("bitonic", 128, 1024, false),
      ...topkCases(1024, 10, 64),
      ...logicCases(8000, 8000, 100),
      ...logicCases(784, 8000, 1024),
      ...logicCases(8000, 8000, 1024),
      ...silhouetteCases(256, 3),
    ];

async function time(c: Case, backend: "cpu" | "webgpu"): Promise<{ ms: number; outs: Float32Array[] }> {
  await tf.setBackend(backend);
  if (tf.getBackend() !== backend) throw new Error(`backend ${backend} is not active`);
  c.setup();
  const runOnce = async (): Promise<Float32Array[]> => {
    const outs = c.run();
    const data = await Promise.all(outs.map((o) => o.data() as Promise<Float32Array>));
    tf.dispose(outs);
    return data;
  };
  let outs = await runOnce(); // warm-up (pipeline compilation)
  if (backend === "webgpu") outs = await runOnce();
  const times: number[] = [];
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    await runOnce();
    times.push(performance.now() - t0);
  }
  c.teardown();
  times.sort((p, q) => p - q);
  return { ms: times[Math.floor(times.length / 2)]!, outs };
}

function maxAbs(a: Float32Array[], b: Float32Array[]): { err: number; scale: number } {
  let m = 0;
  let scale = 0;
  a.forEach((x, i) => {
    const y = b[i]!;
    if (x.length !== y.length) m = Infinity;
    else
      for (let j = 0; j < x.length; j++) {
        m = Math.max(m, Math.abs(x[j]! - y[j]!));
        scale = Math.max(scale, Math.abs(y[j]!));
      }
  });
  return { err: m, scale };
}

async function main(): Promise<void> {
  setInputChecks(false);
  if (!(await tf.setBackend("webgpu")) || tf.getBackend() !== "webgpu") {
    console.error("No WebGPU adapter (Dawn). On a machine without a GPU pass --swiftshader (needs Debian chromium + libvulkan1).");
    process.exit(2);
  }
  const backend = tf.backend() as unknown as { adapterInfo?: { vendor?: string; architecture?: string; description?: string; device?: string } };
  const info = backend.adapterInfo ?? {};
  console.log(`# @relax/backend-webgpu benchmark${quick ? " (--quick)" : ""}\n`);
  console.log(`adapter: ${[info.vendor, info.architecture, info.device, info.description].filter(Boolean).join(" / ") || "unknown"}; node ${process.version}; ${reps} timed reps (median, incl. read-back)\n`);
  console.log("| kernel | size | cpu ms | webgpu ms | speed-up | max abs err | max abs cpu |");
  console.log("| --- | --- | ---: | ---: | ---: | ---: | ---: |");
  for (const c of cases) {
    if (only && !`${c.kernel} ${c.size}`.includes(only)) continue;
    try {
      const cpu = await time(c, "cpu");
      const gpu = await time(c, "webgpu");
      const { err, scale } = maxAbs(gpu.outs, cpu.outs);
      console.log(`| ${c.kernel} | ${c.size} | ${cpu.ms.toFixed(2)} | ${gpu.ms.toFixed(2)} | ${(cpu.ms / gpu.ms).toFixed(1)}× | ${err.toExponential(2)} | ${scale.toExponential(2)} |`);
    } catch (e) {
      console.log(`| ${c.kernel} | ${c.size} | – | – | – | – | error: ${String((e as Error).message ?? e).split("\n")[0]} |`);
    }
  }
}

await main();
