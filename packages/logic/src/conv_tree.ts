import * as tf from "@tensorflow/tfjs-core";
import {
  RelaxError,
  RelaxLogicConvTree,
  assertFinite,
  assertInteger,
  assertOneOf,
  assertOptions,
  assertRank,
  describe,
  runFusedKernel,
  useFused,
  type RelaxLogicConvTreeAttrs,
  optionalBoolean,
} from "@relax/core";
import { MAX_FIELD, MAX_WIDTH, optionalFinite, withFloatInput } from "./check.js";
import "./kernels/register.js";
import { treeOutputSide } from "./kernels/conv_tree.js";
import { DEFAULT_RESIDUAL_LOGIT, GATE_A, GATE_COEFF_MATRIX, NUM_GATES } from "./gates.js";
import { checkFields } from "./json_file.js";
import { nearestGate, noiseUniform, paramsPerGate, type Choice, type Parametrization } from "./learned_choice.js";
import { gateCoefficientsTensor } from "./learned_reference.js";
import { checkSettings, LOGIC_INITS, LOGIC_MODES, type LogicInit, type LogicMode } from "./logic_layer.js";
import { logicRng, randomSeed } from "./rng.js";

/** Padding of {@link LogicConvTree}: `'valid'` (no padding) or `'same'` (zeros, output size = input size). */
export type ConvPadding = "valid" | "same";
export const CONV_PADDINGS: readonly ConvPadding[] = ["valid", "same"];

/** Options of {@link LogicConvTree}. */
export interface LogicConvTreeOptions {
  /** Side of the square receptive field (default 3). */
  receptiveField?: number;
  /** Tree depth d: 2^d leaves, 2^d − 1 gates per kernel (default 2). */
  depth?: number;
  /** `'valid'` (default) or `'same'` (zero padding). */
  padding?: ConvPadding;
  /**
   * Stride s (default 1): the tree is evaluated at every s-th row and column only (rows and columns 0, s, 2s, …
   * of the stride-1 output), so a stride-2 layer has a quarter of the positions and of the gates.
   */
  stride?: number;
  /** Input channels each tree may read (paper: 2; default min(2, inChannels)). */
  channelsPerTree?: number;
  /** Logit initialisation: `'gaussian'` (default, z ~ N(0, 1)) or `'residual'` (z_A = residualLogit). */
  init?: LogicInit;
  /** Logit of the pass-through gate A for `init: 'residual'` (default 5). */
  residualLogit?: number;
  /** Seed of leaf positions and logits (default: random). */
  seed?: number;
  /** Whether the logits variable is trainable (default true). */
  trainable?: boolean;
  /**
   * Node parametrisation (default `'softmax16'`: 16 logits per node, difflogic). `'bilinear4'`: 4 truth-table
   * logits per node, as {@link LogicLayerOptions.parametrization} (residual init: the truth table of A).
   */
  parametrization?: Parametrization;
  /**
   * Node gate choice in train mode (default `'soft'`), as {@link LogicLayerOptions.gateChoice}: `'gumbel-st'`
   * (one noise draw per node and train-mode forward call, shared by all positions, seeded), `'hard-st'`.
   */
  gateChoice?: Choice;
  /** Temperature τ of the straight-through choices (default 1; 0.01 … 100). */
  temperature?: number;
}

/** Explicit weights of a {@link LogicConvTree} (see {@link LogicConvTree.toJSON}). */
export interface LogicConvTreeJSON {
  type: "logicConvTree";
  inChannels: number;
  outChannels: number;
  receptiveField: number;
  depth: number;
  padding: ConvPadding;
  /** Stride (absent: 1). */
  stride?: number;
  /** Leaf offsets `[outChannels, 2^depth]` flattened, row offset within the window. */
  leafY: number[];
  /** Leaf column offsets within the window, same layout as `leafY`. */
  leafX: number[];
  /** Leaf input channels, same layout as `leafY`. */
  leafC: number[];
  /** Gate parameters `[outChannels, 2^depth − 1, P]` flattened (P = 16, or 4 for bilinear4; node order: level 0 left to right, …, root last). */
  logits: number[];
  /** Node parametrisation (absent: `'softmax16'`; written unless the tree is difflogic's). */
  parametrization?: Parametrization;
  /** Node gate choice (absent: `'soft'`). */
  gateChoice?: Choice;
  /** Temperature τ (absent: 1). */
  temperature?: number;
  /** Base seed of the straight-through noise (absent: 0). */
  noiseSeed?: number;
}

let convCounter = 0;

const TREE_OPTION_KEYS = [
  "receptiveField",
  "depth",
  "padding",
  "channelsPerTree",
  "init",
  "residualLogit",
  "seed",
  "trainable",
  "parametrization",
  "gateChoice",
  "temperature",
  "stride",
] as const;
const TREE_JSON_KEYS = [
  "type",
  "inChannels",
  "outChannels",
  "receptiveField",
  "depth",
  "padding",
  "leafY",
  "leafX",
  "leafC",
  "logits",
  "parametrization",
  "gateChoice",
  "temperature",
  "noiseSeed",
  "stride",
] as const;
const TREE_JSON_REQUIRED = TREE_JSON_KEYS.slice(0, 10);

/**
 * Convolutional logic tree (Petersen, Kuehne, Borgelt, Welzel, Ermon, Deussen, *Convolutional
 * Differentiable Logic Gate Networks*, NeurIPS 2024, §3.1 "logic tree kernels"): each of
 * `outChannels` kernels is a complete binary tree of depth d of relaxed two-input gates (2^d − 1
 * gates, 16 logits each). Its 2^d leaves read fixed, seeded random positions `(dy, dx, c)` of the
 * `receptiveField × receptiveField` window, restricted to `channelsPerTree` input channels per tree
 * (the paper uses 2). The tree slides over the image with stride s (default 1, the paper's; weights shared):
 * `[batch, H, W, C] → [batch, H', W', outChannels]` with `H' = ⌊(H − rf) / s⌋ + 1` (`'valid'`) or `⌈H / s⌉`
 * (`'same'`), the rows and columns 0, s, 2s, … of the stride-1 output. Every position costs 2^d − 1 gates in the
 * compiled circuit, so a stride-2 layer costs a quarter of a stride-1 layer.
 * Level t pairs neighbouring nodes `(2m, 2m+1)` of level t − 1 as the gate's `(A, B)`.
 * Train mode: softmax mixture of the 16 gates in the four-coefficient form
 * `c0 + c1·A + c2·B + c3·A·B`, `c = softmax(z)·M`; eval mode: the argmax gate (exact Boolean on 0/1 input).
 * Options `parametrization` (`'bilinear4'`: 4 truth-table logits per node) and `gateChoice`/`temperature`
 * (straight-through choice) as {@link LogicLayer}'s, with the same math (`learned_choice.ts`); learned wiring
 * does not apply (the receptive field is the wiring).
 * On the host backends (`cpu`, `wasm`) forward and backward run as one fused typed-array kernel
 * (`RelaxLogicConvTree`, ∂x and ∂logits in one pass); elsewhere, or under the `RELAX_FORCE_REFERENCE` flag, a
 * reference composition of tfjs ops (gather by a precomputed index, then level by level).
 *
 * @example
 * const conv = new LogicConvTree(1, 16, { receptiveField: 3, depth: 2, seed: 1 });
 * const y = conv.forward(x, { mode: "train" }); // [batch, 28, 28, 1] → [batch, 26, 26, 16]
 * const pooled = orPool(y, { size: 2, stride: 2 }); // → [batch, 13, 13, 16]
 */
export class LogicConvTree {
  readonly inChannels: number;
  readonly outChannels: number;
  readonly receptiveField: number;
  readonly depth: number;
  readonly padding: ConvPadding;
  /** Stride s of the positions (see {@link LogicConvTreeOptions.stride}). */
  readonly stride: number;
  /** Leaf row offsets `[outChannels · 2^depth]` (kernel-major). */
  readonly leafY: Int32Array;
  /** Leaf column offsets, same layout. */
  readonly leafX: Int32Array;
  /** Leaf input channels, same layout. */
  readonly leafC: Int32Array;
  /** Gate parameters `[outChannels, 2^depth − 1, P]` (P = 16, or 4 for bilinear4), a trainable tfjs variable. */
  readonly logits: tf.Variable;
  /** Node parametrisation (see {@link LogicConvTreeOptions.parametrization}). */
  readonly parametrization: Parametrization;
  /** Node gate choice in train mode (see {@link LogicConvTreeOptions.gateChoice}). */
  readonly gateChoice: Choice;
  /** Temperature τ of the straight-through choices. */
  readonly temperature: number;
  /** Base seed (uint32) of the straight-through noise, drawn from `seed`. */
  readonly noiseSeed: number;
  /** Train-mode forward calls drawn so far: the noise of a call is a function of (`noiseSeed`, `noiseStep`). */
  noiseStep = 0;
  private readonly indexCache = new Map<string, { index: Int32Array; nodePerm: Int32Array }>();

  constructor(inChannels: number, outChannels: number, options: LogicConvTreeOptions = {}) {
    const op = "LogicConvTree";
    options = assertOptions<LogicConvTreeOptions>(op, options, TREE_OPTION_KEYS);
    this.inChannels = assertInteger(op, "inChannels", inChannels, 1, MAX_WIDTH);
    this.outChannels = assertInteger(op, "outChannels", outChannels, 1, MAX_WIDTH);
    this.receptiveField = assertInteger(op, "receptiveField", options.receptiveField ?? 3, 1, MAX_FIELD);
    this.depth = assertInteger(op, "depth", options.depth ?? 2, 1, 8);
    if (this.outChannels * ((1 << this.depth) - 1) > MAX_WIDTH)
      throw new RelaxError(
        op,
        "outChannels",
        `at most ${Math.floor(MAX_WIDTH / ((1 << this.depth) - 1))} at depth ${this.depth}`,
        String(outChannels),
      );
    this.padding = assertOneOf(op, "padding", options.padding ?? "valid", CONV_PADDINGS);
    this.stride = assertInteger(op, "stride", options.stride ?? 1, 1, MAX_FIELD);
    const cpt = assertInteger(op, "channelsPerTree", options.channelsPerTree ?? Math.min(2, this.inChannels), 1, this.inChannels);
    const init = assertOneOf(op, "init", options.init ?? "gaussian", LOGIC_INITS);
    const residualLogit = optionalFinite(op, "residualLogit", options.residualLogit, DEFAULT_RESIDUAL_LOGIT, 1e6);
    const seedOpt = optionalFinite(op, "seed", options.seed, Number.NaN);
    const seed = Number.isNaN(seedOpt) ? randomSeed() : seedOpt;
    const trainable = optionalBoolean(op, "trainable", options.trainable, true);
    const settings = checkSettings(op, options);
    this.parametrization = settings.parametrization;
    this.gateChoice = settings.gateChoice;
    this.temperature = settings.temperature;
    this.noiseSeed = Math.floor(logicRng(seed + 0x1b873593).next() * 2 ** 32) >>> 0;
    const rng = logicRng(seed);
    const leaves = 1 << this.depth;
    const rf = this.receptiveField;
    const n = this.outChannels * leaves;
    this.leafY = new Int32Array(n);
    this.leafX = new Int32Array(n);
    this.leafC = new Int32Array(n);
    for (let k = 0; k < this.outChannels; k++) {
      const chans = Array.from(rng.permutation(this.inChannels).subarray(0, cpt));
      const pool = rf * rf * cpt;
      // Distinct leaf positions when the window has enough of them, else with repetition.
      const picks =
        pool >= leaves ? Array.from(rng.permutation(pool).subarray(0, leaves)) : Array.from({ length: leaves }, () => rng.int(pool));
      picks.forEach((p, l) => {
        const i = k * leaves + l;
        this.leafC[i] = chans[p % cpt] as number;
        const pos = Math.floor(p / cpt);
        this.leafY[i] = Math.floor(pos / rf);
        this.leafX[i] = pos % rf;
      });
    }
    const nodes = leaves - 1;
    const P = paramsPerGate(this.parametrization);
    const z = new Float32Array(this.outChannels * nodes * P);
    if (P === 4) {
      // residual: the truth table of A (t = σ(±residualLogit)); gaussian: w ~ N(0, 1)
      if (init === "residual")
        for (let j = 0; j < this.outChannels * nodes; j++) z.set([-residualLogit, -residualLogit, residualLogit, residualLogit], 4 * j);
      else {
        const zr = logicRng(seed + 0x5bd1e995);
        for (let i = 0; i < z.length; i++) z[i] = zr.normal();
      }
    } else if (init === "residual") {
      for (let j = 0; j < this.outChannels * nodes; j++) z[j * NUM_GATES + GATE_A] = residualLogit;
    } else {
      const zr = logicRng(seed + 0x5bd1e995);
      for (let i = 0; i < z.length; i++) z[i] = zr.normal();
    }
    this.logits = makeVariable(z, [this.outChannels, nodes, P], trainable);
  }

  /**
   * A layer from explicit leaves and logits (as written by {@link LogicConvTree.toJSON}).
   *
   * @example
   * const conv = LogicConvTree.fromJSON(JSON.parse(text));
   */
  static fromJSON(json: LogicConvTreeJSON): LogicConvTree {
    const op = "LogicConvTree.fromJSON";
    checkFields(op, "json", json, TREE_JSON_KEYS, TREE_JSON_REQUIRED);
    if (json.type !== "logicConvTree") throw new RelaxError(op, "json.type", "'logicConvTree'", describe(json.type));
    let layer: LogicConvTree;
    try {
      layer = new LogicConvTree(json.inChannels, json.outChannels, {
        receptiveField: json.receptiveField,
        depth: json.depth,
        padding: json.padding,
        ...(json.stride !== undefined ? { stride: json.stride } : {}),
        seed: 0,
        init: "residual",
        ...(json.parametrization !== undefined ? { parametrization: json.parametrization } : {}),
        ...(json.gateChoice !== undefined ? { gateChoice: json.gateChoice } : {}),
        ...(json.temperature !== undefined ? { temperature: json.temperature } : {}),
      });
      if (json.noiseSeed !== undefined) {
        const ns = assertInteger(op, "noiseSeed", json.noiseSeed, 0, 2 ** 32 - 1);
        Object.assign(layer, { noiseSeed: ns });
      }
    } catch (e) {
      if (e instanceof RelaxError) throw new RelaxError(op, `json.${e.argument}`, e.expected, e.got);
      throw e;
    }
    try {
      const leaves = 1 << layer.depth;
      const n = layer.outChannels * leaves;
      const fill = (name: "leafY" | "leafX" | "leafC", hi: number): void => {
        const v = json[name];
        if (!Array.isArray(v) || v.length !== n) throw new RelaxError(op, `json.${name}`, `${n} integers`, describe(v));
        v.forEach((x, i) => {
          if (!Number.isInteger(x) || x < 0 || x >= hi)
            throw new RelaxError(op, `json.${name}`, `integers in [0, ${hi})`, `${describe(x)} at ${i}`);
          layer[name][i] = x;
        });
      };
      fill("leafY", layer.receptiveField);
      fill("leafX", layer.receptiveField);
      fill("leafC", layer.inChannels);
      const m = layer.outChannels * (leaves - 1) * paramsPerGate(layer.parametrization);
      if (!Array.isArray(json.logits) || json.logits.length !== m)
        throw new RelaxError(
          op,
          "json.logits",
          `${m} numbers`,
          Array.isArray(json.logits) ? `${json.logits.length} numbers` : describe(json.logits),
        );
      json.logits.forEach((x, i) => {
        if (typeof x !== "number" || !Number.isFinite(x))
          throw new RelaxError(op, "json.logits", "finite numbers", `${describe(x)} at ${i}`);
      });
      tf.tidy(() => layer.logits.assign(tf.tensor3d(json.logits, layer.logits.shape as [number, number, number])));
      return layer;
    } catch (e) {
      layer.dispose();
      throw e;
    }
  }

  /** Leaves and logits as plain JSON (logits as float32 values turned into numbers: exact round trip). */
  toJSON(): LogicConvTreeJSON {
    return {
      type: "logicConvTree",
      inChannels: this.inChannels,
      outChannels: this.outChannels,
      receptiveField: this.receptiveField,
      depth: this.depth,
      padding: this.padding,
      ...(this.stride !== 1 ? { stride: this.stride } : {}),
      leafY: Array.from(this.leafY),
      leafX: Array.from(this.leafX),
      leafC: Array.from(this.leafC),
      logits: Array.from(this.logits.dataSync()),
      ...(this.isDifflogic
        ? {}
        : { parametrization: this.parametrization, gateChoice: this.gateChoice, temperature: this.temperature, noiseSeed: this.noiseSeed }),
    };
  }

  /**
   * Changes the nodes' train-mode choice between training steps (as {@link LogicLayer.setChoice}): a key not
   * given keeps its value; the weights, the eval-mode forward and the circuit do not change.
   */
  setChoice(options: { gateChoice?: Choice; temperature?: number }): void {
    const op = "LogicConvTree.setChoice";
    const opts = assertOptions<{ gateChoice?: Choice; temperature?: number }>(op, options, ["gateChoice", "temperature"]);
    const { gateChoice, temperature } = checkSettings(op, {
      parametrization: this.parametrization,
      gateChoice: opts.gateChoice ?? this.gateChoice,
      temperature: opts.temperature ?? this.temperature,
    });
    Object.assign(this, { gateChoice, temperature });
  }

  /** True for difflogic's trees (softmax16 nodes, soft choice): today's kernels and numbers. */
  get isDifflogic(): boolean {
    return this.parametrization === "softmax16" && this.gateChoice === "soft";
  }

  /** Output spatial size `[H', W']` for input `[H, W]` (throws `RelaxError` when the field does not fit). */
  outputSize(h: number, w: number, op = "LogicConvTree.forward"): [number, number] {
    const rf = this.receptiveField;
    if (this.padding === "valid" && (h < rf || w < rf))
      throw new RelaxError(op, "x", `height and width >= receptiveField ${rf}`, `${h} × ${w}`);
    return [treeOutputSide(h, rf, this.stride, this.padding), treeOutputSide(w, rf, this.stride, this.padding)];
  }

  /**
   * Output `[batch, H', W', outChannels]` for images `x: [batch, H, W, inChannels]` with values in [0, 1]
   * (NaN and ±Inf are a `RelaxError` on the host backends; finite values outside [0, 1] are accepted — the
   * four-coefficient form `c0 + c1·A + c2·B + c3·A·B` is defined on all reals and finite-difference checks step
   * across 0 and 1 — but have no probabilistic meaning; a plain array or a non-float32 tensor is converted and the copy disposed).
   *
   * @example
   * const y = conv.forward(x, { mode: "eval" }); // 0/1 in → 0/1 out
   */
  forward(x: tf.Tensor | tf.TensorLike, options: { mode?: LogicMode } = {}): tf.Tensor4D {
    const op = "LogicConvTree.forward";
    const opts = assertOptions<{ mode?: LogicMode }>(op, options, ["mode"]);
    const mode = assertOneOf(op, "mode", opts.mode ?? "train", LOGIC_MODES);
    return withFloatInput(op, "x", x, (xt) => {
      assertRank(op, "x", xt, [4], `[batch, H, W, ${this.inChannels}]`);
      if (xt.shape[3] !== this.inChannels) throw new RelaxError(op, "x", `[batch, H, W, ${this.inChannels}]`, `[${xt.shape.join(", ")}]`);
      this.outputSize(xt.shape[1] as number, xt.shape[2] as number, op);
      assertFinite(op, "x", xt);
      return this.apply(xt as tf.Tensor4D, mode);
    });
  }

  /**
   * Forward without input validation (used by {@link ConvLogicNet}): the fused kernel where the backend
   * has one, else the reference composition.
   *
   * Reference layout: the (padded) input is made feature-major `[Hp·Wp·C, batch]`, the leaves are gathered
   * into `[2^d · K · H'·W', batch]` with the leaf axis in bit-reversed order, so that every tree level
   * pairs storage rows `m` and `m + width` (two contiguous slices) and still computes the logical
   * pairing `(2m, 2m+1)` of the documented tree.
   */
  apply(x: tf.Tensor4D, mode: LogicMode): tf.Tensor4D {
    const [batch, h, w] = x.shape;
    const [ho, wo] = this.outputSize(h, w);
    const attrs: RelaxLogicConvTreeAttrs = {
      leafY: this.leafY,
      leafX: this.leafX,
      leafC: this.leafC,
      receptiveField: this.receptiveField,
      depth: this.depth,
      padding: this.padding,
      stride: this.stride,
      mode,
      ...this.choiceAttrs(mode),
    };
    if (useFused(RelaxLogicConvTree, attrs)) {
      return runFusedKernel<tf.Tensor4D>(RelaxLogicConvTree, { x, logits: this.logits }, attrs);
    }
    const leaves = 1 << this.depth;
    const K = this.outChannels;
    const P = ho * wo;
    const cached = this.leafIndex(h, w);
    return tf.tidy(() => {
      const index = tf.tensor1d(cached.index, "int32");
      const nodePerm = tf.tensor1d(cached.nodePerm, "int32");
      let xp: tf.Tensor = x;
      if (this.padding === "same") {
        const lo = Math.floor((this.receptiveField - 1) / 2);
        const hi = this.receptiveField - 1 - lo;
        xp = tf.pad(x, [
          [0, 0],
          [lo, hi],
          [lo, hi],
          [0, 0],
        ]);
      }
      const xT = tf.transpose(tf.reshape(xp, [batch, -1]), [1, 0]); // [Hp·Wp·C, batch]
      let hcur: tf.Tensor = tf.gather(xT, index, 0); // [2^d · P · K, batch], rows (leaf [bit-reversed], kernel, position)
      // Four-coefficient form: C = p · M (or the choice's coefficients), [K, nodes, 4], node axis put into storage order.
      const coeffs = this.isDifflogic ? difflogicCoefficients(this.logits, mode) : this.choiceCoefficients(attrs, mode);
      const C = tf.gather(tf.reshape(coeffs, [K, leaves - 1, 4]), nodePerm, 1);
      let nodeStart = 0;
      const cols = P * batch;
      for (let width = leaves / 2; width >= 1; width /= 2) {
        // Rows (node m, kernel k), columns (position, sample); per-row coefficients applied as batched
        // [1×1]·[1×cols] products: y = c0 + c1·A + c2·B + c3·A·B (broadcasting ops are slow on the CPU backend).
        const rows = width * K;
        const a = tf.reshape(tf.slice(hcur, [0, 0], [rows * P, batch]), [rows, 1, cols]);
        const b = tf.reshape(tf.slice(hcur, [rows * P, 0], [rows * P, batch]), [rows, 1, cols]);
        const cl = tf.reshape(tf.transpose(tf.slice(C, [0, nodeStart, 0], [K, width, 4]), [2, 1, 0]), [4, rows, 1, 1]);
        const [c0, c1, c2, c3] = tf.unstack(cl, 0) as tf.Tensor3D[];
        const ab = tf.mul(a, b);
        const terms = tf.addN([tf.matMul(c1!, a), tf.matMul(c2!, b), tf.matMul(c3!, ab)]);
        hcur = tf.reshape(tf.add(terms, tf.matMul(c0!, tf.onesLike(a))), [rows * P, batch]);
        nodeStart += width;
      }
      return tf.reshape(tf.transpose(tf.reshape(hcur, [K, P, batch]), [2, 1, 0]), [batch, ho, wo, K]) as tf.Tensor4D;
    });
  }

  /**
   * Reference coefficients `[K · nodes, 4]` of the non-difflogic nodes (parametrisation and gate choice of
   * `attrs`, which carries the call's noise seed).
   */
  private choiceCoefficients(attrs: RelaxLogicConvTreeAttrs, mode: LogicMode): tf.Tensor2D {
    const P = paramsPerGate(this.parametrization);
    const w = tf.reshape(this.logits, [-1, P]) as tf.Tensor2D;
    return gateCoefficientsTensor(w, this.parametrization, this.gateChoice, this.temperature, attrs.noiseSeed ?? 0, mode);
  }

  /** The choice attributes of one call (none for difflogic trees; a fresh noise seed per train-mode 'gumbel-st' call). */
  private choiceAttrs(mode: LogicMode): Partial<RelaxLogicConvTreeAttrs> {
    if (this.isDifflogic) return {};
    const noisy = mode === "train" && this.gateChoice === "gumbel-st";
    const noiseSeed = noisy ? Math.floor(noiseUniform(this.noiseSeed, 0x3c6ef372, this.noiseStep++) * 2 ** 32) >>> 0 : 0;
    return { parametrization: this.parametrization, gateChoice: this.gateChoice, temperature: this.temperature, noiseSeed };
  }

  /**
   * Gate id of every node `[outChannels · (2^depth − 1)]`, the gates of eval mode: the argmax logit (first
   * maximum) for softmax16, the nearest gate `8·[w00 > 0] + 4·[w01 > 0] + 2·[w10 > 0] + [w11 > 0]` for bilinear4.
   */
  gateIds(): Int32Array {
    const z = this.logits.dataSync();
    if (this.parametrization === "bilinear4") {
      const ids = new Int32Array(z.length / 4);
      for (let j = 0; j < ids.length; j++)
        ids[j] = nearestGate(z[4 * j] as number, z[4 * j + 1] as number, z[4 * j + 2] as number, z[4 * j + 3] as number);
      return ids;
    }
    const nodes = z.length / NUM_GATES;
    const ids = new Int32Array(nodes);
    for (let j = 0; j < nodes; j++) {
      let best = 0;
      for (let i = 1; i < NUM_GATES; i++) if ((z[j * NUM_GATES + i] as number) > (z[j * NUM_GATES + best] as number)) best = i;
      ids[j] = best;
    }
    return ids;
  }

  /**
   * Gather index into the feature-major (padded) input `[Hp·Wp·C, batch]`, ordered
   * (leaf in bit-reversed order, kernel, position), and the storage order of the tree nodes; cached per input size.
   */
  private leafIndex(h: number, w: number): { index: Int32Array; nodePerm: Int32Array } {
    const key = `${h}x${w}`;
    const hit = this.indexCache.get(key);
    if (hit) return hit;
    const [ho, wo] = this.outputSize(h, w);
    const wp = this.padding === "same" ? w + this.receptiveField - 1 : w;
    const c = this.inChannels;
    const st = this.stride;
    const d = this.depth;
    const leaves = 1 << d;
    const K = this.outChannels;
    const values = new Int32Array(leaves * ho * wo * K);
    let o = 0;
    for (let s = 0; s < leaves; s++) {
      const l = bitReverse(s, d);
      for (let k = 0; k < K; k++) {
        const q = k * leaves + l;
        for (let i = 0; i < ho; i++) {
          for (let j = 0; j < wo; j++) {
            values[o++] = ((i * st + (this.leafY[q] as number)) * wp + j * st + (this.leafX[q] as number)) * c + (this.leafC[q] as number);
          }
        }
      }
    }
    // Level with `width` nodes (logical order, offset `start`): storage m holds logical node bitrev(m).
    const perm = new Int32Array(leaves - 1);
    let start = 0;
    for (let width = leaves / 2, bits = d - 1; width >= 1; width /= 2, bits--) {
      for (let m = 0; m < width; m++) perm[start + m] = start + bitReverse(m, bits);
      start += width;
    }
    const entry = { index: values, nodePerm: perm };
    this.indexCache.set(key, entry);
    return entry;
  }

  /** Releases the logits variable and the cached gather indices. */
  dispose(): void {
    this.logits.dispose();
    this.indexCache.clear();
  }
}

/** Difflogic's node coefficients `[K · nodes, 4]`: `softmax(z)·M` (train) or the argmax gate's row of M (eval). */
function difflogicCoefficients(logits: tf.Variable, mode: LogicMode): tf.Tensor2D {
  const probs = mode === "train" ? tf.softmax(logits, -1) : tf.oneHot(tf.argMax(logits, 2), NUM_GATES, 1, 0, "float32");
  return tf.matMul(tf.reshape(probs, [-1, NUM_GATES]), tf.tensor2d(Float32Array.from(GATE_COEFF_MATRIX), [NUM_GATES, 4], "float32"));
}

/** `v` with its lowest `bits` bits in reverse order. */
function bitReverse(v: number, bits: number): number {
  let r = 0;
  for (let i = 0; i < bits; i++) r |= ((v >> i) & 1) << (bits - 1 - i);
  return r;
}

function makeVariable(values: Float32Array, shape: number[], trainable: boolean): tf.Variable {
  const init = tf.tensor(values, shape, "float32");
  const v = tf.variable(init, trainable, `logic_conv_tree_${convCounter++}`);
  init.dispose();
  return v;
}
