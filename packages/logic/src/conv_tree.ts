import * as tf from "@tensorflow/tfjs-core";
import {
  RelaxError,
  RelaxLogicConvTree,
  RelaxLogicLeafGather,
  RelaxLogicLeafTree,
  assertFinite,
  assertInteger,
  assertOneOf,
  assertOptions,
  assertRank,
  describe,
  runFusedKernel,
  useFused,
  type RelaxLogicConvTreeAttrs,
  type RelaxLogicLeafGatherAttrs,
  type RelaxLogicLeafTreeAttrs,
  optionalBoolean,
} from "@relax/core";
import { MAX_FIELD, MAX_WIDTH, optionalFinite, withFloatInput } from "./check.js";
import "./kernels/register.js";
import { treeOutputSide } from "./kernels/conv_tree.js";
import { DEFAULT_RESIDUAL_LOGIT, GATE_A, GATE_COEFF_MATRIX, NUM_GATES } from "./gates.js";
import { checkFields } from "./json_file.js";
import { WIRING_STREAM, nearestGate, noiseUniform, paramsPerGate, type Choice, type Parametrization } from "./learned_choice.js";
import { categorical, gateCoefficientsTensor } from "./learned_reference.js";
import { checkSettings, LOGIC_INITS, LOGIC_MODES, type LogicInit, type LogicMode } from "./logic_layer.js";
import { logicRng, randomSeed } from "./rng.js";
import type { FusedAdamOptimizer } from "./adam.js";
import { pruneOptions, strongestPerRow } from "./candidates.js";

/** Padding of {@link LogicConvTree}: `'valid'` (no padding) or `'same'` (zeros, output size = input size). */
export type ConvPadding = "valid" | "same";
export const CONV_PADDINGS: readonly ConvPadding[] = ["valid", "same"];
/** Where a tree's leaves read: fixed random window positions, or learned among M candidate positions. */
export type TreeConnections = "random" | "learned";
export const TREE_CONNECTIONS: readonly TreeConnections[] = ["random", "learned"];
/** Default number of candidate positions per leaf of `connections: 'learned'` (at most the window's positions). */
export const DEFAULT_LEAF_CANDIDATES = 8;

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
  /**
   * Where the leaves read (default `'random'`: one fixed, seeded window position per leaf, the paper's).
   * `'learned'`: each leaf chooses among `candidates` positions of its window by a softmax over M learned logits,
   * discretised to the argmax (learned wiring, LILogicNet arXiv 2511.12340, applied to the tree leaves); candidate 0
   * is the `'random'` leaf, the others distinct positions of the tree's `channelsPerTree` channels (seeded).
   */
  connections?: TreeConnections;
  /** Candidate positions M per leaf with `connections: 'learned'` (default min(8, rf² · channelsPerTree); 2 … rf² · channelsPerTree). */
  candidates?: number;
  /** Choice of the learned leaves in train mode (default: `gateChoice`), as {@link LogicLayerOptions.wiringChoice}. */
  wiringChoice?: Choice;
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
  /** Leaf offsets `[outChannels, 2^depth]` flattened (`[outChannels, 2^depth, candidates]` for learned leaves), row offset within the window. */
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
  /** Candidate positions per leaf (absent: 1, fixed leaves). */
  candidates?: number;
  /** Wiring logits `[outChannels, 2^depth, candidates]` flattened (learned leaves only). */
  wiring?: number[];
  /** Choice of the learned leaves in train mode (learned leaves only). */
  wiringChoice?: Choice;
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
  "connections",
  "candidates",
  "wiringChoice",
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
  "candidates",
  "wiring",
  "wiringChoice",
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
 * (straight-through choice) as {@link LogicLayer}'s, with the same math (`learned_choice.ts`); `connections:
 * 'learned'` learns each leaf's window position among `candidates` (the leaf map of a fused leaf-gather kernel, then
 * the trees over it with receptive field 1; eval mode and the circuit read the argmax positions).
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
  /** Leaf row offsets `[outChannels · 2^depth · candidates]` (kernel-major; one per leaf for fixed leaves). */
  readonly leafY: Int32Array;
  /** Leaf column offsets, same layout. */
  readonly leafX: Int32Array;
  /** Leaf input channels, same layout. */
  readonly leafC: Int32Array;
  /** Where the leaves read (see {@link LogicConvTreeOptions.connections}). */
  readonly connections: TreeConnections;
  /** Candidate positions per leaf (1: fixed leaves). */
  readonly candidates: number;
  /** Wiring logits `[outChannels, 2^depth, candidates]` of learned leaves (null for fixed leaves), a trainable variable. */
  readonly wiring: tf.Variable | null;
  /** Choice of the learned leaves in train mode (see {@link LogicConvTreeOptions.wiringChoice}). */
  readonly wiringChoice: Choice;
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
  private readonly indexCache = new Map<string, Int32Array>();
  private order: { nodePerm: Int32Array; leafPerm: Int32Array } | null = null;

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
    const rf = this.receptiveField;
    const pool = rf * rf * cpt; // window positions a tree may read
    this.connections = assertOneOf(op, "connections", options.connections ?? "random", TREE_CONNECTIONS);
    let M = 1;
    if (this.connections === "learned") {
      if (pool < 2)
        throw new RelaxError(
          op,
          "connections",
          "'random' for a window of one position (receptiveField 1, one channel per tree)",
          "'learned'",
        );
      M = assertInteger(op, "candidates", options.candidates ?? Math.min(DEFAULT_LEAF_CANDIDATES, pool), 2, pool);
    } else {
      for (const key of ["candidates", "wiringChoice"] as const)
        if (options[key] !== undefined) throw new RelaxError(op, key, "no value unless connections is 'learned'", describe(options[key]));
    }
    this.candidates = M;
    this.wiringChoice = settings.wiringChoice;
    const rng = logicRng(seed);
    const candRng = logicRng(seed + 0x27d4eb2f);
    const leaves = 1 << this.depth;
    const n = this.outChannels * leaves * M;
    this.leafY = new Int32Array(n);
    this.leafX = new Int32Array(n);
    this.leafC = new Int32Array(n);
    for (let k = 0; k < this.outChannels; k++) {
      const chans = Array.from(rng.permutation(this.inChannels).subarray(0, cpt));
      // Distinct leaf positions when the window has enough of them, else with repetition.
      const picks =
        pool >= leaves ? Array.from(rng.permutation(pool).subarray(0, leaves)) : Array.from({ length: leaves }, () => rng.int(pool));
      picks.forEach((p0, l) => {
        // candidate 0 is the fixed leaf; learned leaves add M − 1 other distinct positions of the window
        const taken = new Set([p0]);
        for (let m = 0; m < M; m++) {
          let p = p0;
          if (m > 0) {
            do p = candRng.int(pool);
            while (taken.has(p));
            taken.add(p);
          }
          const i = (k * leaves + l) * M + m;
          this.leafC[i] = chans[p % cpt] as number;
          const pos = Math.floor(p / cpt);
          this.leafY[i] = Math.floor(pos / rf);
          this.leafX[i] = pos % rf;
        }
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
    this.wiring = M > 1 ? makeVariable(new Float32Array(n), [this.outChannels, leaves, M], trainable) : null;
  }

  /** Trainable tensors of the layer: the gate parameters, then the wiring logits (learned leaves). */
  get variables(): tf.Variable[] {
    return this.wiring ? [this.logits, this.wiring] : [this.logits];
  }

  /**
   * The window position every leaf reads in eval mode and in the compiled circuit, `[outChannels · 2^depth]` each:
   * the fixed leaves, or for learned leaves the argmax candidate (first maximum of the wiring logits).
   */
  discreteLeaves(): { leafY: Int32Array; leafX: Int32Array; leafC: Int32Array } {
    const M = this.candidates;
    if (M === 1) return { leafY: this.leafY, leafX: this.leafX, leafC: this.leafC };
    const u = (this.wiring as tf.Variable).dataSync();
    const n = u.length / M;
    const out = { leafY: new Int32Array(n), leafX: new Int32Array(n), leafC: new Int32Array(n) };
    for (let s = 0; s < n; s++) {
      let best = 0;
      for (let m = 1; m < M; m++) if ((u[s * M + m] as number) > (u[s * M + best] as number)) best = m;
      out.leafY[s] = this.leafY[s * M + best] as number;
      out.leafX[s] = this.leafX[s * M + best] as number;
      out.leafC[s] = this.leafC[s * M + best] as number;
    }
    return out;
  }

  /**
   * Fixes learned leaves at their chosen window positions ({@link LogicConvTree.discreteLeaves}, the leaves of eval
   * mode and of the circuit), as {@link LogicLayer.freezeWiring} does for a dense layer: the tree gets fixed leaves
   * (`candidates` 1; the wiring logits are disposed, take `variables` again), keeps its gate-logit variable, and its
   * eval-mode forward and circuit do not change. A tree with fixed leaves is a `RelaxError`.
   */
  freezeWiring(): void {
    if (this.candidates === 1 || !this.wiring)
      throw new RelaxError("LogicConvTree.freezeWiring", "this", "a tree with learned leaves (connections: 'learned')", "fixed leaves");
    this.pruneCandidates(1);
  }

  /**
   * Top-K pruning of learned leaves, as {@link LogicLayer.pruneCandidates} does for a dense layer: every leaf keeps the
   * `keep` window positions with the largest wiring logits (its chosen one always among them, so the eval-mode forward
   * and the circuit do not change), and train mode renormalises the softmax over them. The wiring logits become a new
   * `[outChannels, 2^depth, keep]` variable (take `variables` again); pass the `optimizer` (`fusedAdam`) to carry the
   * kept logits' moments over. `keep` 1 is {@link LogicConvTree.freezeWiring}; `keep` = M changes nothing. A tree with
   * fixed leaves is a `RelaxError`.
   *
   * @returns for each new wiring logit, its flat index among the old ones.
   */
  pruneCandidates(keep: number, options: { optimizer?: FusedAdamOptimizer } = {}): Int32Array {
    const op = "LogicConvTree.pruneCandidates";
    const opts = pruneOptions(op, options);
    if (this.candidates === 1 || !this.wiring)
      throw new RelaxError(op, "this", "a tree with learned leaves (connections: 'learned')", "fixed leaves");
    const M = this.candidates;
    assertInteger(op, "keep", keep, 1, M);
    const old = this.wiring;
    // the leaves lie like the wiring logits, [outChannels, 2^depth, M]: kept flat indices address both
    const { kept, wiring: uKept } = strongestPerRow(old.dataSync(), M, keep);
    if (keep === M) return kept;
    const leaves = {
      leafY: Int32Array.from(kept, (e) => this.leafY[e] as number),
      leafX: Int32Array.from(kept, (e) => this.leafX[e] as number),
      leafC: Int32Array.from(kept, (e) => this.leafC[e] as number),
    };
    const wiring = keep === 1 ? null : makeVariable(uKept, [this.outChannels, 1 << this.depth, keep], old.trainable);
    old.dispose();
    this.indexCache.clear(); // the gather indices of the learned leaves' layout
    Object.assign(this, { ...leaves, candidates: keep, connections: keep === 1 ? "random" : "learned", wiring, leafMap: null });
    opts.optimizer?.carryMoments(old.name, wiring, kept);
    return kept;
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
        ...(json.candidates !== undefined && json.candidates !== 1 ? { connections: "learned" as const, candidates: json.candidates } : {}),
        ...(json.wiringChoice !== undefined ? { wiringChoice: json.wiringChoice } : {}),
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
      const n = layer.outChannels * leaves * layer.candidates;
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
      if (layer.wiring) {
        const u = json.wiring;
        if (!Array.isArray(u) || u.length !== n || u.some((v) => typeof v !== "number" || !Number.isFinite(v)))
          throw new RelaxError(op, "json.wiring", `${n} finite numbers`, Array.isArray(u) ? `${u.length} values` : describe(u));
        const wiring = layer.wiring;
        tf.tidy(() => wiring.assign(tf.tensor3d(u, wiring.shape as [number, number, number])));
      } else if (json.wiring !== undefined)
        throw new RelaxError(op, "json.wiring", "no value unless candidates > 1", describe(json.wiring));
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
      ...(this.isDifflogic && !this.wiring
        ? {}
        : { parametrization: this.parametrization, gateChoice: this.gateChoice, temperature: this.temperature, noiseSeed: this.noiseSeed }),
      ...(this.wiring ? { candidates: this.candidates, wiring: Array.from(this.wiring.dataSync()), wiringChoice: this.wiringChoice } : {}),
    };
  }

  /**
   * Changes the nodes' train-mode choice between training steps (as {@link LogicLayer.setChoice}): a key not
   * given keeps its value; the weights, the eval-mode forward and the circuit do not change.
   */
  setChoice(options: { gateChoice?: Choice; wiringChoice?: Choice; temperature?: number }): void {
    const op = "LogicConvTree.setChoice";
    const opts = assertOptions<{ gateChoice?: Choice; wiringChoice?: Choice; temperature?: number }>(op, options, [
      "gateChoice",
      "wiringChoice",
      "temperature",
    ]);
    if (opts.wiringChoice !== undefined && !this.wiring)
      throw new RelaxError(op, "wiringChoice", "no value unless connections is 'learned'", describe(opts.wiringChoice));
    const { gateChoice, wiringChoice, temperature } = checkSettings(op, {
      parametrization: this.parametrization,
      gateChoice: opts.gateChoice ?? this.gateChoice,
      wiringChoice: opts.wiringChoice ?? this.wiringChoice,
      temperature: opts.temperature ?? this.temperature,
    });
    Object.assign(this, { gateChoice, wiringChoice, temperature });
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
    this.outputSize(x.shape[1], x.shape[2]); // throws when the window does not fit
    const noise = this.noiseSeeds(mode);
    if (!this.wiring) return this.applyTree(x, mode, this.fixedLayout(), noise.gate);
    // learned leaves of depth-1 trees: one fused kernel where the backend has one
    if (this.depth === 1) {
      const attrs: RelaxLogicLeafTreeAttrs = {
        ...this.leafGatherAttrs(mode, noise.wiring),
        parametrization: this.parametrization,
        gateChoice: this.gateChoice,
        gateNoiseSeed: noise.gate,
      };
      if (useFused(RelaxLogicLeafTree, attrs))
        return runFusedKernel<tf.Tensor4D>(RelaxLogicLeafTree, { x, logits: this.logits, wiring: this.wiring }, attrs);
    }
    // learned leaves: the leaf map [batch, H', W', K · 2^d], then the trees over it with receptive field 1
    return tf.tidy(() => this.applyTree(this.gatherLeaves(x, mode, noise.wiring), mode, this.leafMapLayout(), noise.gate));
  }

  /** The trees over `x` with the leaves of `layout`: the fused kernel where the backend has one, else the reference. */
  private applyTree(x: tf.Tensor4D, mode: LogicMode, layout: LeafLayout, gateNoiseSeed: number): tf.Tensor4D {
    const [batch, h, w] = x.shape;
    const [ho, wo] = layoutOutputSize(layout, h, w);
    const attrs: RelaxLogicConvTreeAttrs = {
      leafY: layout.leafY,
      leafX: layout.leafX,
      leafC: layout.leafC,
      receptiveField: layout.receptiveField,
      depth: this.depth,
      padding: layout.padding,
      stride: layout.stride,
      mode,
      ...this.choiceAttrs(gateNoiseSeed),
    };
    if (useFused(RelaxLogicConvTree, attrs)) {
      return runFusedKernel<tf.Tensor4D>(RelaxLogicConvTree, { x, logits: this.logits }, attrs);
    }
    const leaves = 1 << this.depth;
    const K = this.outChannels;
    const P = ho * wo;
    const order = this.storageOrder();
    return tf.tidy(() => {
      const nodePerm = tf.tensor1d(order.nodePerm, "int32");
      // [2^d · P · K, batch], rows (leaf [bit-reversed], kernel, position). A leaf map's leaves are its channels: a
      // transpose and a gather over the 2^d leaves, not a gather over every row (whose gradient, an unsorted segment
      // sum, costs rows² on the CPU backend).
      let hcur: tf.Tensor =
        layout.key === "leafMap"
          ? tf.reshape(
              tf.gather(tf.transpose(tf.reshape(x, [batch, P, K, leaves]), [3, 2, 1, 0]), tf.tensor1d(order.leafPerm, "int32"), 0),
              [leaves * K * P, batch],
            )
          : tf.gather(featureMajor(x, layout), tf.tensor1d(this.leafIndex(h, w, layout), "int32"), 0);
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
   * The leaf map `[batch, H', W', K · 2^d]` of learned leaves: leaf `(k, l)` at `(i, j)` is `Σ_m q_m · x` at candidate
   * m's window position (q: the wiring choice over the candidates). Fused kernel where the backend has one, else
   * a reference gather (feature-major, rows (leaf, candidate, position)) weighted by the choice from tfjs ops.
   */
  private gatherLeaves(x: tf.Tensor4D, mode: LogicMode, noiseSeed: number): tf.Tensor4D {
    const wiring = this.wiring as tf.Variable;
    const layout = this.fixedLayout();
    const attrs = this.leafGatherAttrs(mode, noiseSeed);
    if (useFused(RelaxLogicLeafGather, attrs)) return runFusedKernel<tf.Tensor4D>(RelaxLogicLeafGather, { x, wiring }, attrs);
    const [batch, h, w] = x.shape;
    const [ho, wo] = layoutOutputSize(layout, h, w);
    const M = this.candidates;
    const Q = this.leafY.length / M;
    const index = this.leafIndex(h, w, layout);
    return tf.tidy(() => {
      const g = tf.reshape(tf.gather(featureMajor(x, layout), tf.tensor1d(index, "int32"), 0), [Q, M, ho * wo * batch]);
      const u = tf.reshape(wiring, [Q, M]) as tf.Tensor2D;
      const q = tf.reshape(categorical(u, this.wiringChoice, this.temperature, noiseSeed, WIRING_STREAM, mode), [Q, M, 1]);
      const leaf = tf.reshape(tf.sum(tf.mul(g, q), 1), [Q, ho * wo, batch]);
      return tf.reshape(tf.transpose(leaf, [2, 1, 0]), [batch, ho, wo, Q]) as tf.Tensor4D;
    });
  }

  /** The leaf gather's attributes of one call (learned leaves). */
  private leafGatherAttrs(mode: LogicMode, noiseSeed: number): RelaxLogicLeafGatherAttrs {
    return {
      candY: this.leafY,
      candX: this.leafX,
      candC: this.leafC,
      receptiveField: this.receptiveField,
      padding: this.padding,
      stride: this.stride,
      mode,
      wiringChoice: this.wiringChoice,
      temperature: this.temperature,
      noiseSeed,
    };
  }

  /** The window the trees (fixed leaves) or the leaf gather (learned leaves) read. */
  private fixedLayout(): LeafLayout {
    return {
      key: "window",
      leafY: this.leafY,
      leafX: this.leafX,
      leafC: this.leafC,
      receptiveField: this.receptiveField,
      padding: this.padding,
      stride: this.stride,
      channels: this.inChannels,
      slots: this.leafY.length,
    };
  }

  private leafMap: LeafLayout | null = null;
  /** The trees over a leaf map: leaf (k, l) reads channel k · 2^d + l at its own position (receptive field 1). */
  private leafMapLayout(): LeafLayout {
    if (!this.leafMap) {
      const Q = this.leafY.length / this.candidates;
      this.leafMap = {
        key: "leafMap",
        leafY: new Int32Array(Q),
        leafX: new Int32Array(Q),
        leafC: Int32Array.from({ length: Q }, (_, i) => i),
        receptiveField: 1,
        padding: "valid",
        stride: 1,
        channels: Q,
        slots: Q,
      };
    }
    return this.leafMap;
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

  /**
   * The noise seeds of one call: a fresh seed per train-mode call for the nodes' `'gumbel-st'` choice and for the
   * learned leaves' `'gumbel-st'` choice, from (`noiseSeed`, `noiseStep`); 0 where the choice draws no noise.
   */
  private noiseSeeds(mode: LogicMode): { gate: number; wiring: number } {
    const gateNoisy = mode === "train" && !this.isDifflogic && this.gateChoice === "gumbel-st";
    const wiringNoisy = mode === "train" && this.wiring !== null && this.wiringChoice === "gumbel-st";
    if (!gateNoisy && !wiringNoisy) return { gate: 0, wiring: 0 };
    const step = this.noiseStep++;
    const draw = (stream: number): number => Math.floor(noiseUniform(this.noiseSeed, stream, step) * 2 ** 32) >>> 0;
    return { gate: gateNoisy ? draw(0x3c6ef372) : 0, wiring: wiringNoisy ? draw(0x7f4a7c15) : 0 };
  }

  /** The choice attributes of one call (none for difflogic trees). */
  private choiceAttrs(noiseSeed: number): Partial<RelaxLogicConvTreeAttrs> {
    if (this.isDifflogic) return {};
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
   * Gather index into the feature-major (padded) input `[Hp·Wp·C, batch]` of a layout, cached per layout and input
   * size. Window layout of fixed leaves (the trees): rows (leaf in bit-reversed order, kernel, position); of learned
   * leaves (the leaf gather): rows (leaf slot, candidate, position).
   */
  private leafIndex(h: number, w: number, layout: LeafLayout): Int32Array {
    const key = `${layout.key}:${h}x${w}`;
    const hit = this.indexCache.get(key);
    if (hit) return hit;
    const [ho, wo] = layoutOutputSize(layout, h, w);
    const wp = layout.padding === "same" ? w + layout.receptiveField - 1 : w;
    const c = layout.channels;
    const st = layout.stride;
    const d = this.depth;
    const leaves = 1 << d;
    const values = new Int32Array(layout.slots * ho * wo);
    const perSlot = layout.slots / (leaves * this.outChannels); // candidates per leaf in the leaf gather's layout, else 1
    let o = 0;
    const emit = (q: number): void => {
      for (let i = 0; i < ho; i++)
        for (let j = 0; j < wo; j++)
          values[o++] =
            ((i * st + (layout.leafY[q] as number)) * wp + j * st + (layout.leafX[q] as number)) * c + (layout.leafC[q] as number);
    };
    if (perSlot > 1) for (let q = 0; q < layout.slots; q++) emit(q);
    else for (let s = 0; s < leaves; s++) for (let k = 0; k < this.outChannels; k++) emit(k * leaves + bitReverse(s, d));
    this.indexCache.set(key, values);
    return values;
  }

  /**
   * Storage order of the reference's tree (a function of the depth): `leafPerm[s]` is the leaf stored at row block s
   * (bit-reversed), `nodePerm` the logical node at each storage slot, level by level.
   */
  private storageOrder(): { nodePerm: Int32Array; leafPerm: Int32Array } {
    if (!this.order) {
      const d = this.depth;
      const leaves = 1 << d;
      // Level with `width` nodes (logical order, offset `start`): storage m holds logical node bitrev(m).
      const nodePerm = new Int32Array(leaves - 1);
      let start = 0;
      for (let width = leaves / 2, bits = d - 1; width >= 1; width /= 2, bits--) {
        for (let m = 0; m < width; m++) nodePerm[start + m] = start + bitReverse(m, bits);
        start += width;
      }
      this.order = { nodePerm, leafPerm: Int32Array.from({ length: leaves }, (_, t) => bitReverse(t, d)) };
    }
    return this.order;
  }

  /** Releases the logits (and wiring) variables and the cached gather indices. */
  dispose(): void {
    this.logits.dispose();
    this.wiring?.dispose();
    this.indexCache.clear();
  }
}

/** Where the leaves of one tree call read (the window of fixed leaves, or a leaf map for learned leaves). */
interface LeafLayout {
  /** Cache key of the gather index. */
  key: string;
  leafY: Int32Array;
  leafX: Int32Array;
  leafC: Int32Array;
  receptiveField: number;
  padding: ConvPadding;
  stride: number;
  /** Channels of the input read. */
  channels: number;
  /** Entries of the leaf arrays. */
  slots: number;
}

/** Output size `[H', W']` of a layout over an `[H, W]` input. */
function layoutOutputSize(layout: LeafLayout, h: number, w: number): [number, number] {
  return [
    treeOutputSide(h, layout.receptiveField, layout.stride, layout.padding),
    treeOutputSide(w, layout.receptiveField, layout.stride, layout.padding),
  ];
}

/** `x: [batch, H, W, C]` zero-padded as the layout says, then feature-major `[Hp·Wp·C, batch]` (the reference's gather source). */
function featureMajor(x: tf.Tensor4D, layout: LeafLayout): tf.Tensor {
  let xp: tf.Tensor = x;
  if (layout.padding === "same") {
    const lo = Math.floor((layout.receptiveField - 1) / 2);
    const hi = layout.receptiveField - 1 - lo;
    xp = tf.pad(x, [
      [0, 0],
      [lo, hi],
      [lo, hi],
      [0, 0],
    ]);
  }
  return tf.transpose(tf.reshape(xp, [x.shape[0], -1]), [1, 0]);
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
