/**
 * @relax/logic benchmarks: training step of the anchors' net (784 → 6×8000 → GroupSum(10), batch 100)
 * with the fused kernels vs the reference composition, and bit-packed inference samples/s of the
 * compiled circuit (JS Int32, WASM SIMD) vs the reference's compiled C (~1.0 M samples/s, anchors.md).
 *
 *   pnpm --filter @relax/bench build && node apps/bench/dist/run.js logic
 *   LOGIC_BENCH_WIDTH=2000 node apps/bench/dist/run.js logic   # scaled-down size
 *   LOGIC_BENCH_PART=inference node apps/bench/dist/run.js logic  # only one part (train | inference | conv)
 *   LOGIC_BENCH_PART=conv node apps/bench/dist/run.js logic  # LogicConvTree fused kernel vs reference
 */
import * as tf from "@tensorflow/tfjs-core";
import { createRng, type Rng } from "@relax/core";
import {
  ConvLogicNet,
  GroupSum,
  LogicConvTree,
  LogicLayer,
  OrPool,
  LogicNet,
  compile,
  fusedAdam,
  orPool,
  packBits,
  wasmSimdSupported,
  type CompiledLogicNet,
} from "@relax/logic";

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
}

function makeNet(width: number, layers: number, seed: number): LogicNet {
  const ls: LogicLayer[] = [];
  for (let l = 0; l < layers; l++) ls.push(new LogicLayer(l === 0 ? 784 : width, width, { seed: seed + l }));
  return new LogicNet([...ls, new GroupSum(10, 10)]);
}

function timeSteps(net: LogicNet, opt: tf.Optimizer, x: tf.Tensor2D, y: tf.Tensor2D, steps: number): { wall: number; cpu: number } {
  const step = (): void => {
    const l = opt.minimize(() => tf.losses.softmaxCrossEntropy(y, net.forward(x)) as tf.Scalar, true, net.variables)!;
    l.dataSync();
    l.dispose();
  };
  step();
  const walls: number[] = [];
  const c0 = process.cpuUsage();
  for (let i = 0; i < steps; i++) {
    const t = performance.now();
    step();
    walls.push(performance.now() - t);
  }
  const cu = process.cpuUsage(c0);
  return { wall: median(walls), cpu: (cu.user + cu.system) / 1000 / steps };
}

function inference(
  c: CompiledLogicNet,
  bits: Uint8Array,
  n: number,
): { packed: number; bytes: number; packedCpu: number; bytesCpu: number } {
  const packed = packBits(bits, n, 784);
  c.countsPacked(packed);
  const tp: number[] = [],
    tb: number[] = [],
    cp: number[] = [],
    cb: number[] = [];
  const cpu = (u: NodeJS.CpuUsage): number => (u.user + u.system) / 1000;
  for (let r = 0; r < 5; r++) {
    let u = process.cpuUsage();
    let t = performance.now();
    c.countsPacked(packed);
    tp.push(performance.now() - t);
    cp.push(cpu(process.cpuUsage(u)));
    u = process.cpuUsage();
    t = performance.now();
    c.counts(bits, n);
    tb.push(performance.now() - t);
    cb.push(cpu(process.cpuUsage(u)));
  }
  const rate = (ms: number[]): number => (n / median(ms)) * 1000;
  return { packed: rate(tp), bytes: rate(tb), packedCpu: rate(cp), bytesCpu: rate(cb) };
}

export async function run(): Promise<void> {
  const width = Number(process.env.LOGIC_BENCH_WIDTH ?? 8000);
  const layers = Number(process.env.LOGIC_BENCH_LAYERS ?? 6);
  const batch = 100;
  const rng = createRng(1);
  const x = tf.tensor2d(
    Float32Array.from({ length: batch * 784 }, () => (rng.next() < 0.2 ? 1 : 0)),
    [batch, 784],
  );
  const y = tf.oneHot(
    tf.tensor1d(
      Array.from({ length: batch }, (_, i) => i % 10),
      "int32",
    ),
    10,
  ) as tf.Tensor2D;
  const part = process.env.LOGIC_BENCH_PART ?? "all";
  console.log(
    `Net 784 → ${layers}×${width} → GroupSum(10, τ=10), random connections, Gaussian logits; batch ${batch}; backend ${tf.getBackend()}.\n`,
  );
  if (part === "all" || part === "train") await trainBench(width, layers, x, y);
  if (part === "all" || part === "train" || part === "layers")
    await (await import("./logic_layers.js")).layersTrainBench(width, layers, x, y);
  if (part === "all" || part === "inference") inferenceBench(width, layers, rng);
  if (part === "all" || part === "conv") convBench();
  tf.dispose([x, y]);
}

async function trainBench(width: number, layers: number, x: tf.Tensor2D, y: tf.Tensor2D): Promise<void> {
  console.log("| training step (fwd + bwd + Adam) | median wall ms/step | CPU ms/step |");
  console.log("|---|---|---|");
  const rows: [string, () => { net: LogicNet; opt: tf.Optimizer }, number, boolean][] = [
    ["fused kernels (WASM SIMD) + fusedAdam", () => ({ net: makeNet(width, layers, 10), opt: fusedAdam(0.01) }), 20, false],
    [
      "fused kernels, JS loops (RELAX_LOGIC_WASM off) + fusedAdam",
      () => ({ net: makeNet(width, layers, 10), opt: fusedAdam(0.01) }),
      5,
      false,
    ],
    ["fused kernels + tf.train.adam", () => ({ net: makeNet(width, layers, 10), opt: tf.train.adam(0.01, 0.9, 0.999, 1e-8) }), 5, false],
  ];
  // The reference composition (16 [batch, out] gate temporaries, tfjs broadcasting) is far too slow at
  // 6×8000 on the cpu backend; compare fused vs reference at a scaled size.
  const sw = Number(process.env.LOGIC_BENCH_REF_WIDTH ?? 500);
  rows.push(
    [`fused kernels + fusedAdam, scaled net 784 → 2×${sw}`, () => ({ net: makeNet(sw, 2, 10), opt: fusedAdam(0.01) }), 10, false],
    [
      `reference composition (as difflogic's python path) + tf.train.adam, scaled net 784 → 2×${sw}`,
      () => ({ net: makeNet(sw, 2, 10), opt: tf.train.adam(0.01, 0.9, 0.999, 1e-8) }),
      2,
      true,
    ],
  );
  for (const [name, make, steps, reference] of rows) {
    const { net, opt } = make();
    const prev = tf.env().getBool("RELAX_FORCE_REFERENCE");
    tf.env().set("RELAX_FORCE_REFERENCE", reference);
    const prevWasm = tf.env().getBool("RELAX_LOGIC_WASM");
    tf.env().set("RELAX_LOGIC_WASM", !name.includes("JS loops"));
    const r = timeSteps(net, opt, x, y, steps);
    tf.env().set("RELAX_LOGIC_WASM", prevWasm);
    tf.env().set("RELAX_FORCE_REFERENCE", prev);
    console.log(`| ${name} | ${r.wall.toFixed(1)} | ${r.cpu.toFixed(1)} |`);
    opt.dispose();
    net.dispose();
  }
  console.log(`\nReference (anchors.md): difflogic python path 0.214 s/step (idle machine), 0.40 s/step (timings.json, contended).\n`);
}

function inferenceBench(width: number, layers: number, rng: Rng): void {
  const net = makeNet(width, layers, 10);
  const n = 65_536;
  const bits = Uint8Array.from({ length: n * 784 }, () => (rng.next() < 0.2 ? 1 : 0));
  console.log(
    `| bit-packed inference (${n} samples) | gates | M samples/s, packed input (wall / CPU time) | M samples/s, from bytes incl. packing (wall / CPU time) |`,
  );
  console.log("|---|---|---|---|");
  const backends = wasmSimdSupported() ? (["wasm", "js"] as const) : (["js"] as const);
  for (const simplify of [false, true]) {
    for (const backend of backends) {
      const c = compile(net, { backend, simplify });
      const r = inference(c, bits, n);
      const f = (v: number): string => (v / 1e6).toFixed(2);
      console.log(
        `| ${backend === "wasm" ? "WASM SIMD128" : "JS Int32"}, ${simplify ? "simplified circuit" : "all gates (no simplification, as the reference)"} | ${c.numGates} | ${f(r.packed)} / ${f(r.packedCpu)} | ${f(r.bytes)} / ${f(r.bytesCpu)} |`,
      );
    }
  }
  console.log(`\nReference (anchors.md): CompiledLogicNet C, gcc -O3, 64-bit words: ~1.0 M samples/s (from bool arrays).`);
  net.dispose();
}

/** Median wall ms and CPU ms of `fn` (one warm-up call). */
function timeIt(fn: () => void, reps: number): { wall: number; cpu: number } {
  fn();
  const walls: number[] = [];
  const c0 = process.cpuUsage();
  for (let i = 0; i < reps; i++) {
    const t = performance.now();
    fn();
    walls.push(performance.now() - t);
  }
  const cu = process.cpuUsage(c0);
  return { wall: median(walls), cpu: (cu.user + cu.system) / 1000 / reps };
}

/**
 * LogicConvTree (NeurIPS 2024): the fused host kernels (conv tree, max OR pool) vs the reference
 * composition (gather + level-by-level tfjs ops, tf.maxPool), same run, on MNIST-like input
 * [batch, 28, 28, 1] → 16 trees, rf 3, depth 3; then one training step of a small ConvLogicNet. The
 * reference's input gradient (tf.gather's gradient, unsortedSegmentSum on tfjs-cpu, O(H·W·C) passes over
 * the gathered leaves) is too slow at batch 100, so rows that need ∂x also run at a small batch.
 */
function convBench(): void {
  const big = Number(process.env.LOGIC_BENCH_CONV_BATCH ?? 100);
  const small = Number(process.env.LOGIC_BENCH_CONV_SMALL_BATCH ?? 4);
  const rng = createRng(3);
  const images = (batch: number): tf.Tensor4D =>
    tf.tensor4d(
      Float32Array.from({ length: batch * 784 }, () => rng.next()),
      [batch, 28, 28, 1],
    );
  const tree = new LogicConvTree(1, 16, { receptiveField: 3, depth: 3, seed: 1 });
  console.log(`\nLogicConvTree [batch, 28, 28, 1] → [batch, 26, 26, 16], rf 3, depth 3 (7 gates per tree); backend ${tf.getBackend()}.\n`);
  console.log("| LogicConvTree | batch | fused: median wall ms / CPU ms | reference: median wall ms / CPU ms | speed-up (wall) |");
  console.log("|---|---|---|---|---|");
  const rows: [string, number, number, (x: tf.Variable, W: tf.Tensor) => void][] = [
    ["forward (train mode)", big, 10, (x) => tf.tidy(() => void tree.forward(x, { mode: "train" }).dataSync())],
    [
      "forward + backward (∂logits; a first layer)",
      big,
      5,
      (x, W) =>
        tf.tidy(() => {
          const { value, grads } = tf.variableGrads(() => tf.sum(tf.mul(tree.forward(x, { mode: "train" }), W)), [tree.logits]);
          value.dataSync();
          grads[tree.logits.name]!.dataSync();
        }),
    ],
    [
      "forward + orPool(2) + backward (∂logits)",
      big,
      5,
      (x) =>
        tf.tidy(() => {
          const { value, grads } = tf.variableGrads(() => tf.sum(orPool(tree.forward(x, { mode: "train" }))), [tree.logits]);
          value.dataSync();
          grads[tree.logits.name]!.dataSync();
        }),
    ],
  ];
  const withX = (x: tf.Variable, W: tf.Tensor): void =>
    tf.tidy(() => {
      const { value, grads } = tf.variableGrads(() => tf.sum(tf.mul(tree.forward(x, { mode: "train" }), W)), [x, tree.logits]);
      value.dataSync();
      grads[x.name]!.dataSync();
    });
  rows.push(["forward + backward (∂x and ∂logits; a hidden layer)", small, 3, withX]);
  for (const [name, batch, reps, fn] of rows) {
    const x = tf.variable(images(batch), true);
    const W = tf.randomUniform([batch, 26, 26, 16], -1, 1, "float32", 2);
    const f = timeIt(() => fn(x, W), reps);
    const prev = tf.env().getBool("RELAX_FORCE_REFERENCE");
    tf.env().set("RELAX_FORCE_REFERENCE", true);
    const r = timeIt(() => fn(x, W), Math.max(2, Math.floor(reps / 2)));
    tf.env().set("RELAX_FORCE_REFERENCE", prev);
    console.log(
      `| ${name} | ${batch} | ${f.wall.toFixed(1)} / ${f.cpu.toFixed(1)} | ${r.wall.toFixed(1)} / ${r.cpu.toFixed(1)} | ${(r.wall / f.wall).toFixed(1)}× |`,
    );
    tf.dispose([x, W]);
  }
  {
    const x = tf.variable(images(big), true);
    const W = tf.randomUniform([big, 26, 26, 16], -1, 1, "float32", 2);
    const f = timeIt(() => withX(x, W), 5);
    console.log(
      `| forward + backward (∂x and ∂logits; a hidden layer) | ${big} | ${f.wall.toFixed(1)} / ${f.cpu.toFixed(1)} | (too slow) | |`,
    );
    tf.dispose([x, W]);
  }
  tree.dispose();
  // A small ConvLogicNet training step (tf.train.adam); the reference rows force every op's reference.
  const makeNet = (): ConvLogicNet =>
    new ConvLogicNet(
      [28, 28, 1],
      [
        new LogicConvTree(1, 16, { receptiveField: 3, depth: 3, seed: 1 }),
        new OrPool({ size: 2 }),
        new LogicConvTree(16, 32, { receptiveField: 3, depth: 3, seed: 2 }),
        new OrPool({ size: 2 }),
        new LogicLayer(5 * 5 * 32, 2000, { seed: 3 }),
        new LogicLayer(2000, 2000, { seed: 4 }),
        new GroupSum(10, 10),
      ],
    );
  console.log(
    "\n| ConvLogicNet training step (tf.train.adam): conv 16 → pool → conv 32 → pool → 2×2000 → GroupSum(10) | batch | median wall ms/step | CPU ms/step |",
  );
  console.log("|---|---|---|---|");
  for (const [batch, reference] of [
    [big, false],
    [small, false],
    [small, true],
  ] as const) {
    const x = images(batch);
    const labels = tf.oneHot(
      tf.tensor1d(
        Array.from({ length: batch }, (_, i) => i % 10),
        "int32",
      ),
      10,
    ) as tf.Tensor2D;
    const net = makeNet();
    const opt = tf.train.adam(0.01);
    const prev = tf.env().getBool("RELAX_FORCE_REFERENCE");
    tf.env().set("RELAX_FORCE_REFERENCE", reference);
    const r = timeIt(
      () => {
        const l = opt.minimize(() => tf.losses.softmaxCrossEntropy(labels, net.forward(x)) as tf.Scalar, true, net.variables)!;
        l.dataSync();
        l.dispose();
      },
      reference ? 2 : 5,
    );
    tf.env().set("RELAX_FORCE_REFERENCE", prev);
    console.log(
      `| ${reference ? "reference composition (all ops)" : "fused kernels"} | ${batch} | ${r.wall.toFixed(1)} | ${r.cpu.toFixed(1)} |`,
    );
    opt.dispose();
    net.dispose();
    tf.dispose([x, labels]);
  }
}
