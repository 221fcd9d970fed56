import * as tf from "@tensorflow/tfjs-core";
import {
  RelaxError,
  RelaxLogicLayer,
  RelaxLogicLayerLearned,
  assertFinite,
  assertInRange,
  assertInteger,
  assertOneOf,
  assertOptions,
  assertRank,
  describe,
  runFusedKernel,
  useFused,
  type RelaxLogicLayerAttrs,
  type RelaxLogicLayerLearnedAttrs,
  type RelaxLogicNetAttrs,
  optionalBoolean,
} from "@relax/core";
import { CONNECTION_METHODS, makeConnections, type ConnectionMethod } from "./connections.js";
import { DEFAULT_RESIDUAL_LOGIT, GATE_A, NUM_GATES, relaxedGatesTensor } from "./gates.js";
import { logicRng, randomSeed } from "./rng.js";
import { MAX_WIDTH, optionalFinite, withFloatInput } from "./check.js";
import "./kernels/register.js";
import { MAX_CANDIDATES, makeCandidates, pruneOptions, resampleCandidates, topCandidates } from "./candidates.js";
import type { FusedAdamOptimizer } from "./adam.js";
import {
  CHOICES,
  PARAMETRIZATIONS,
  nearestGate,
  noiseUniform,
  paramsPerGate,
  type Choice,
  type Parametrization,
} from "./learned_choice.js";
import { learnedReference } from "./learned_reference.js";

/** Forward mode: `'train'` = softmax mixture of the 16 relaxed gates, `'eval'` = argmax gate. */
export type LogicMode = "train" | "eval";
export const LOGIC_MODES: readonly LogicMode[] = ["train", "eval"];

/** Initialisation of the gate logits. */
export type LogicInit = "gaussian" | "residual";
export const LOGIC_INITS: readonly LogicInit[] = ["gaussian", "residual"];

/** How a layer's neurons get their inputs: fixed (`'random'`, `'unique'`) or learned among K candidates. */
export type LayerConnections = ConnectionMethod | "learned";
/** Connection methods accepted by {@link LogicLayer}. */
export const LAYER_CONNECTIONS: readonly LayerConnections[] = [...CONNECTION_METHODS, "learned"];
/** Default temperature τ of straight-through choices. */
export const DEFAULT_TEMPERATURE = 1;
/** Default number of candidate wires of `connections: 'learned'`. */
export const DEFAULT_CANDIDATES = 8;

/** Options of {@link LogicLayer}. */
export interface LogicLayerOptions {
  /**
   * How neurons pick their two inputs (default `'random'`, the reference's LogicLayer default). `'learned'`:
   * each gate input chooses among `candidates` wires by a softmax over K learned logits (LILogicNet,
   * arXiv 2511.12340; Mommen et al., arXiv 2507.06173), discretised to the argmax; candidate 0 is the
   * `'random'` connection (a uniform draw when outDim < inDim / 2), the others are drawn uniformly without
   * replacement from the other inputs.
   */
  connections?: LayerConnections;
  /** Candidate wires K per gate input with `connections: 'learned'` (default 8, 2 … min(256, inDim)). */
  candidates?: number;
  /**
   * Gate parametrisation (default `'softmax16'`: 16 logits, difflogic). `'bilinear4'`: 4 truth-table logits
   * `w = [w00, w01, w10, w11]` per gate (Light DLGN's input-wise form, arXiv 2510.03250): `t = σ(w)`,
   * `y = Σ_ab t_ab·[A = a][B = b]` relaxed, i.e. `c0 + c1·A + c2·B + c3·A·B` with `c0 = t00`, `c1 = t10 − t00`,
   * `c2 = t01 − t00`, `c3 = t11 − t10 − t01 + t00`; in [0, 1] for inputs in [0, 1]. Discretised to the
   * nearest of the 16 gates: truth table `[w_ab > 0]`.
   */
  parametrization?: Parametrization;
  /**
   * Gate choice in train mode (default `'soft'`: the relaxed mixture). `'gumbel-st'` (Mind the Gap, NeurIPS 2025):
   * the forward uses the discrete gate of the noisy argmax (Gumbel noise on softmax16 logits, logistic noise on
   * bilinear4 truth-table logits; one draw per neuron and forward call, seeded), the backward the relaxed
   * `softmax((z + g)/τ)` / `σ((w + l)/τ)` (straight-through). `'hard-st'`: the same without noise (forward the
   * argmax gate, backward `softmax(z/τ)`; Kim, arXiv 2603.14157). Eval mode: argmax, no noise.
   */
  gateChoice?: Choice;
  /** Choice of the learned wiring in train mode (default: `gateChoice`), as `gateChoice` over the K candidates. */
  wiringChoice?: Choice;
  /** Temperature τ of the straight-through relaxations (default 1; 0.01 … 100). */
  temperature?: number;
  /**
   * Logit initialisation (default `'gaussian'`: z ~ N(0, 1) as the reference; `'residual'`: z_A =
   * `residualLogit`, others 0, NeurIPS 2024 §3.2).
   */
  init?: LogicInit;
  /** Logit of the pass-through gate A for `init: 'residual'` (default 5). */
  residualLogit?: number;
  /** Multiplies the gradient flowing into this layer's input (default 1; the reference suggests 2 for > 6 layers). */
  gradFactor?: number;
  /** Seed of connections and logits (default: random). */
  seed?: number;
  /** Whether the logits variable is trainable (default true). */
  trainable?: boolean;
}

/** Explicit weights of a layer, for {@link LogicLayer.fromWeights}. */
export interface LogicLayerWeights {
  /** First input index (A) of each neuron, length outDim. */
  a: ArrayLike<number>;
  /** Second input index (B) of each neuron, length outDim. */
  b: ArrayLike<number>;
  /** Gate parameters `[outDim, P]` (P = 16, or 4 for bilinear4; nested rows, a flat row-major array, or a tensor). */
  logits: number[][] | Float32Array | number[] | tf.Tensor;
  /** Width of the layer input (default: largest index + 1). */
  inDim?: number;
  /** Gradient multiplier on the layer input (default 1). */
  gradFactor?: number;
  /** Whether the logits variable is trainable (default true). */
  trainable?: boolean;
  /** Candidate wires per gate input (default 1: fixed wiring; > 1: learned, `a`/`b` hold `[outDim, K]`). */
  candidates?: number;
  /** Wiring logits `[outDim, 2, K]` of learned connections (default zeros). */
  wiring?: number[][] | Float32Array | number[] | tf.Tensor;
  /** Gate parametrisation (default `'softmax16'`; `logits` then has 4 columns for `'bilinear4'`). */
  parametrization?: Parametrization;
  /** Gate choice in train mode (default `'soft'`). */
  gateChoice?: Choice;
  /** Wiring choice in train mode (default `gateChoice`). */
  wiringChoice?: Choice;
  /** Temperature τ of straight-through choices (default 1). */
  temperature?: number;
  /** Base seed of the straight-through noise (uint32, default 0). */
  noiseSeed?: number;
}

/** Largest |logit| accepted for `residualLogit` (softmax saturates long before; float32 overflows at 3.4e38). */
const MAX_LOGIT = 1e6;
/** Largest gradFactor accepted. */
const MAX_GRAD_FACTOR = 1e6;
const LAYER_OPTION_KEYS = [
  "connections",
  "init",
  "residualLogit",
  "gradFactor",
  "seed",
  "trainable",
  "candidates",
  "parametrization",
  "gateChoice",
  "wiringChoice",
  "temperature",
] as const;
const WEIGHT_KEYS = [
  "a",
  "b",
  "logits",
  "inDim",
  "gradFactor",
  "trainable",
  "candidates",
  "wiring",
  "parametrization",
  "gateChoice",
  "wiringChoice",
  "temperature",
  "noiseSeed",
] as const;
/** Smallest temperature τ accepted. */
export const MIN_TEMPERATURE = 0.01;
/** Largest temperature τ accepted. */
export const MAX_TEMPERATURE = 100;

/** The learned-layer settings (every field at its difflogic default for a fixed-wiring softmax16 layer). */
interface LearnedSettings {
  parametrization: Parametrization;
  gateChoice: Choice;
  wiringChoice: Choice;
  temperature: number;
  /** Candidates per gate input (1: fixed wiring). */
  K: number;
  noiseSeed: number;
}

/** Validates the gate settings of a layer (a conv tree reads all but `wiringChoice`), defaults filled in. Internal. */
export function checkSettings(op: string, o: Partial<Omit<LearnedSettings, "K" | "noiseSeed">>): Omit<LearnedSettings, "K" | "noiseSeed"> {
  const parametrization = assertOneOf(op, "parametrization", o.parametrization ?? "softmax16", PARAMETRIZATIONS);
  const gateChoice = assertOneOf(op, "gateChoice", o.gateChoice ?? "soft", CHOICES);
  const wiringChoice = assertOneOf(op, "wiringChoice", o.wiringChoice ?? gateChoice, CHOICES);
  const temperature = assertInRange(op, "temperature", o.temperature ?? DEFAULT_TEMPERATURE, MIN_TEMPERATURE, MAX_TEMPERATURE);
  return { parametrization, gateChoice, wiringChoice, temperature };
}

/** Checks a gradFactor (a number in [0, 1e6]; 0 stops the gradient). */
export function checkGradFactor(op: string, value: unknown): number {
  return assertInRange(op, "gradFactor", value === undefined ? 1 : value, 0, MAX_GRAD_FACTOR);
}

let layerCounter = 0;

function makeVariable(values: Float32Array, outDim: number, trainable: boolean, cols = NUM_GATES): tf.Variable {
  const init = tf.tensor2d(values, [outDim, cols]);
  const v = tf.variable(init, trainable, `logic_layer_${layerCounter++}`);
  init.dispose(); // the variable holds its own reference to the data
  return v;
}

function checkIndices(op: string, name: string, idx: Int32Array, inDim: number): void {
  for (let j = 0; j < idx.length; j++) {
    const v = idx[j] as number;
    if (!(v >= 0 && v < inDim)) throw new RelaxError(op, name, `indices in [0, ${inDim})`, `${v} at neuron ${j}`);
  }
}

function toIndexArray(op: string, name: string, v: ArrayLike<number>): Int32Array {
  if (v == null || typeof v !== "object" || typeof (v as ArrayLike<number>).length !== "number") {
    throw new RelaxError(op, name, "an array of integer indices", describe(v));
  }
  const out = new Int32Array(v.length);
  for (let i = 0; i < v.length; i++) {
    const x = v[i];
    if (typeof x !== "number" || !Number.isInteger(x)) throw new RelaxError(op, name, "integer indices", `${describe(x)} at ${i}`);
    out[i] = x;
  }
  return out;
}

/**
 * A differentiable logic gate layer (Petersen et al., *Deep Differentiable Logic Gate Networks*,
 * NeurIPS 2022): `outDim` neurons, each reading two fixed inputs `A = x[:, a_j]`, `B = x[:, b_j]` and
 * holding 16 gate logits. Train mode: `y = Σ_i softmax(z_j)_i · f_i(A, B)`; eval mode: the argmax gate.
 * Runs a fused CPU kernel (four-coefficient form) when the backend has one, else the reference composition.
 *
 * @example
 * const layer = new LogicLayer(784, 8000, { connections: "random", seed: 1 });
 * const y = layer.forward(x, { mode: "train" }); // [batch, 8000]
 * layer.dispose();
 */
export class LogicLayer {
  readonly inDim: number;
  readonly outDim: number;
  /**
   * Gate parameters `[outDim, P]`, a trainable tfjs variable: the 16 gate logits (column = gate id) for
   * `'softmax16'`, the 4 truth-table logits `[w00, w01, w10, w11]` for `'bilinear4'`.
   */
  readonly logits: tf.Variable;
  /** Gradient multiplier on the layer input (GradFactor of the reference). */
  readonly gradFactor: number;
  /** Gate parametrisation (see {@link LogicLayerOptions.parametrization}). */
  readonly parametrization: Parametrization = "softmax16";
  /** Gate choice in train mode. */
  readonly gateChoice: Choice = "soft";
  /** Wiring choice in train mode (learned connections only). */
  readonly wiringChoice: Choice = "soft";
  /** Temperature τ of the straight-through relaxations. */
  readonly temperature: number = DEFAULT_TEMPERATURE;
  /** Candidate wires per gate input (1: fixed wiring). */
  readonly candidates: number = 1;
  /** Candidate inputs of A, `[outDim, candidates]` row-major (the fixed A indices when candidates = 1). */
  readonly candA: Int32Array;
  /** Candidate inputs of B, `[outDim, candidates]` row-major. */
  readonly candB: Int32Array;
  /** Wiring logits `[outDim, 2, candidates]` (trainable) for learned connections, else null. */
  readonly wiring: tf.Variable | null = null;
  /** Base seed of the straight-through noise (uint32). */
  readonly noiseSeed: number = 0;
  /**
   * Train-mode forward calls drawn so far: the noise of a call is a function of (`noiseSeed`, `noiseStep`),
   * so a test can replay a call by setting it back.
   */
  noiseStep = 0;
  private readonly aTensor: tf.Tensor1D;
  private readonly bTensor: tf.Tensor1D;
  /** Constant `[outDim, 2, 1]` zeros standing in for the wiring logits of fixed wiring (learned kernel only). */
  private fixedWiring: tf.Tensor3D | null = null;

  constructor(inDim: number, outDim: number, options: LogicLayerOptions = {}) {
    const op = "LogicLayer";
    options = assertOptions<LogicLayerOptions>(op, options, LAYER_OPTION_KEYS);
    assertInteger(op, "inDim", inDim, 1, MAX_WIDTH);
    assertInteger(op, "outDim", outDim, 1, MAX_WIDTH);
    const connections = assertOneOf(op, "connections", options.connections ?? "random", LAYER_CONNECTIONS);
    const init = assertOneOf(op, "init", options.init ?? "gaussian", LOGIC_INITS);
    const gradFactor = checkGradFactor(op, options.gradFactor);
    const residualLogit = optionalFinite(op, "residualLogit", options.residualLogit, DEFAULT_RESIDUAL_LOGIT, MAX_LOGIT);
    const seed = optionalFinite(op, "seed", options.seed, Number.NaN);
    const trainable = optionalBoolean(op, "trainable", options.trainable, true);
    const settings = checkSettings(op, options);
    let K = 1;
    if (connections === "learned")
      K = assertInteger(op, "candidates", options.candidates ?? Math.min(DEFAULT_CANDIDATES, inDim), 2, MAX_CANDIDATES);
    else if (options.candidates !== undefined)
      throw new RelaxError(op, "candidates", "no value unless connections is 'learned'", describe(options.candidates));
    const finalSeed = Number.isNaN(seed) ? randomSeed() : seed;
    // learned wiring needs no coverage of every input: a layer narrower than inDim / 2 draws candidate 0 uniformly
    const { a, b } =
      connections === "learned" && 2 * outDim < inDim
        ? uniformWires(inDim, outDim, finalSeed)
        : makeConnections(inDim, outDim, connections === "learned" ? "random" : connections, finalSeed);
    const cands = K > 1 ? makeCandidates(op, inDim, { a, b }, K, finalSeed) : { candA: a, candB: b };
    const P = paramsPerGate(settings.parametrization);
    const logits = new Float32Array(outDim * P);
    if (settings.parametrization === "bilinear4") {
      // residual: the truth table of A (t = σ(±residualLogit)); gaussian: w ~ N(0, 1)
      if (init === "residual") {
        for (let j = 0; j < outDim; j++) logits.set([-residualLogit, -residualLogit, residualLogit, residualLogit], 4 * j);
      } else {
        const rng = logicRng(finalSeed + 0x5bd1e995, "LogicLayer");
        for (let i = 0; i < logits.length; i++) logits[i] = rng.normal();
      }
    } else if (init === "residual") {
      for (let j = 0; j < outDim; j++) logits[j * NUM_GATES + GATE_A] = residualLogit;
    } else {
      const rng = logicRng(finalSeed + 0x5bd1e995, "LogicLayer");
      for (let i = 0; i < logits.length; i++) logits[i] = rng.normal();
    }
    this.inDim = inDim;
    this.outDim = outDim;
    this.candA = cands.candA;
    this.candB = cands.candB;
    this.gradFactor = gradFactor;
    this.logits = makeVariable(logits, outDim, trainable, P);
    Object.assign(this, settings, {
      candidates: K,
      noiseSeed: Math.floor(logicRng(finalSeed + 0x1b873593, op).next() * 2 ** 32) >>> 0,
      wiring: K > 1 ? makeWiring(new Float32Array(outDim * 2 * K), outDim, K, trainable) : null,
    });
    this.aTensor = tf.keep(tf.tensor1d(a, "int32"));
    this.bTensor = tf.keep(tf.tensor1d(b, "int32"));
  }

  /**
   * First input index (A) of every neuron: the fixed connection, or for learned connections the argmax
   * candidate (the wire the discrete circuit uses; read from the wiring logits on each access).
   */
  get a(): Int32Array {
    return this.candidates === 1 ? this.candA : this.chosenWires(0);
  }

  /** Second input index (B) of every neuron (see {@link LogicLayer.a}). */
  get b(): Int32Array {
    return this.candidates === 1 ? this.candB : this.chosenWires(1);
  }

  /**
   * True for the difflogic layer (softmax16 gates, soft choice, fixed wiring), which runs the fixed-wiring
   * kernels (and the whole-net kernel); every other layer runs the learned-layer kernel.
   */
  get isDifflogic(): boolean {
    return this.parametrization === "softmax16" && this.gateChoice === "soft" && this.candidates === 1;
  }

  /** Trainable tensors of the layer: the gate parameters, then the wiring logits (learned connections). */
  get variables(): tf.Variable[] {
    return this.wiring ? [this.logits, this.wiring] : [this.logits];
  }

  /**
   * Candidate resampling of learned connections (see {@link resampleCandidates}): every gate input whose weakest
   * candidate has a wiring weight below `below` (default 0.1 / K) swaps it for a random input not yet among its
   * candidates, keeping the logit. Call it between training steps every few hundred steps; reset the optimizer's
   * moments at the returned wiring indices (`fusedAdam`'s `resetMoments(layer.wiring, indices)`). The chosen
   * wires (`a`, `b`) and so the compiled circuit do not change. Seeded: the n-th call of a layer draws the same
   * inputs in every run.
   *
   * @returns flat indices into the wiring logits `[outDim, 2, K]` whose candidate changed.
   */
  resampleCandidates(options: { below?: number } = {}): Int32Array {
    const op = "LogicLayer.resampleCandidates";
    const opts = assertOptions<{ below?: number }>(op, options, ["below"]);
    if (this.candidates === 1 || !this.wiring)
      throw new RelaxError(op, "this", "a layer with learned connections (connections: 'learned')", "fixed wiring");
    const below = optionalFinite(op, "below", opts.below, 0.1 / this.candidates, 1);
    if (!(below > 0)) throw new RelaxError(op, "below", "a weight in (0, 1]", String(below));
    const rng = logicRng(this.noiseSeed + 0x68e31da4 + 7919 * this.resampleCalls++, op);
    return resampleCandidates(this.candA, this.candB, this.wiring.dataSync(), this.candidates, this.inDim, below, rng);
  }

  private resampleCalls = 0;

  /**
   * Changes the train-mode choice between training steps, e.g. soft training followed by a straight-through
   * fine-tune (`{ gateChoice: 'hard-st', wiringChoice: 'hard-st' }`), whose forward is the discrete net the layer
   * deploys. A key not given keeps its value; the weights, the eval-mode forward and the circuit do not change.
   */
  setChoice(options: { gateChoice?: Choice; wiringChoice?: Choice; temperature?: number }): void {
    const op = "LogicLayer.setChoice";
    const opts = assertOptions<{ gateChoice?: Choice; wiringChoice?: Choice; temperature?: number }>(op, options, [
      "gateChoice",
      "wiringChoice",
      "temperature",
    ]);
    const settings = checkSettings(op, {
      parametrization: this.parametrization,
      gateChoice: opts.gateChoice ?? this.gateChoice,
      wiringChoice: opts.wiringChoice ?? this.wiringChoice,
      temperature: opts.temperature ?? this.temperature,
    });
    Object.assign(this, settings);
  }

  /**
   * Fixes learned connections at their chosen wires ({@link LogicLayer.a}, {@link LogicLayer.b}: the argmax
   * candidates, the wires of eval mode and of the circuit). The layer becomes a fixed-wiring layer: `candidates` 1,
   * no wiring logits (their variable is disposed; take `variables` again). The gate logits stay the same variable,
   * so an optimizer keeps their moments; the choices, the eval-mode forward and the compiled circuit do not change.
   * Later steps train the gates only, on the fixed-wiring kernels: learn the wiring first, then fine-tune the gates
   * at the speed of fixed wiring. A layer with fixed wiring is a `RelaxError`.
   */
  freezeWiring(): void {
    const op = "LogicLayer.freezeWiring";
    if (this.candidates === 1 || !this.wiring)
      throw new RelaxError(op, "this", "a layer with learned connections (connections: 'learned')", "fixed wiring");
    this.pruneCandidates(1);
  }

  /**
   * Top-K pruning of learned connections (LILogicNet's Top-K connectivity, arXiv 2511.12340, on this layer's
   * candidate pool): every gate input keeps its `keep` candidates with the largest wiring logits and drops the
   * others, so later steps read `keep` rows per gate input instead of K (the learned-layer kernels cost about K
   * times a fixed-wiring gate). The argmax candidate is always kept, so the eval-mode forward and the compiled
   * circuit do not change; train mode renormalises the softmax over the kept candidates. The wiring logits become a
   * new variable `[outDim, 2, keep]` (take `variables` again); pass the `optimizer` (`fusedAdam`) to carry the
   * kept logits' moments over. `keep` 1 is {@link LogicLayer.freezeWiring}; `keep` = K changes nothing. A layer
   * with fixed wiring is a `RelaxError`.
   *
   * @returns for each new wiring logit, its flat index `(2j + side)·K + k` among the old ones.
   * @example
   * // learn among 16 candidates for the first fifth of training, then among the best 4
   * if (step === pruneStep) { net.pruneCandidates(4, { optimizer }); variables = net.variables; }
   */
  pruneCandidates(keep: number, options: { optimizer?: FusedAdamOptimizer } = {}): Int32Array {
    const op = "LogicLayer.pruneCandidates";
    const opts = pruneOptions(op, options);
    if (this.candidates === 1 || !this.wiring)
      throw new RelaxError(op, "this", "a layer with learned connections (connections: 'learned')", "fixed wiring");
    const K = this.candidates;
    assertInteger(op, "keep", keep, 1, K);
    const old = this.wiring;
    const pruned = topCandidates(this.candA, this.candB, old.dataSync(), K, keep);
    if (keep === K) return pruned.kept;
    const wiring = keep === 1 ? null : makeWiring(pruned.wiring, this.outDim, keep, old.trainable);
    this.replaceWiring(pruned.candA, pruned.candB, keep, wiring);
    opts.optimizer?.carryMoments(old.name, wiring, pruned.kept);
    return pruned.kept;
  }

  /** Swaps in new candidate wires and wiring logits (null: fixed wiring), disposing the old ones. */
  private replaceWiring(candA: Int32Array, candB: Int32Array, K: number, wiring: tf.Variable | null): void {
    this.wiring?.dispose();
    this.aTensor.dispose();
    this.bTensor.dispose();
    Object.assign(this, {
      candidates: K,
      candA,
      candB,
      wiring,
      aTensor: tf.keep(tf.tensor1d(firstCandidates(candA, K), "int32")),
      bTensor: tf.keep(tf.tensor1d(firstCandidates(candB, K), "int32")),
    });
  }

  private chosenWires(side: number): Int32Array {
    const K = this.candidates;
    const u = (this.wiring as tf.Variable).dataSync();
    const cand = side === 0 ? this.candA : this.candB;
    const out = new Int32Array(this.outDim);
    for (let j = 0; j < this.outDim; j++) {
      const o = (2 * j + side) * K;
      let best = 0;
      for (let k = 1; k < K; k++) if ((u[o + k] as number) > (u[o + best] as number)) best = k;
      out[j] = cand[j * K + best] as number;
    }
    return out;
  }

  /**
   * A layer from explicit connections and gate parameters (trained or imported weights load exactly).
   * With `candidates` K > 1 (learned connections) `a` and `b` hold the candidate wires `[outDim, K]`
   * row-major and `wiring` the wiring logits `[outDim, 2, K]` (default zeros).
   *
   * @example
   * const layer = LogicLayer.fromWeights({ a: [0, 1], b: [1, 0], logits: [[...16 numbers], [...16 numbers]] });
   */
  static fromWeights(weights: LogicLayerWeights): LogicLayer {
    const op = "LogicLayer.fromWeights";
    if (weights == null || typeof weights !== "object" || Array.isArray(weights))
      throw new RelaxError(op, "weights", "{ a, b, logits }", describe(weights));
    assertOptions<LogicLayerWeights>(op, weights, WEIGHT_KEYS, "weights");
    const gradFactor = checkGradFactor(op, weights.gradFactor);
    const trainable = optionalBoolean(op, "trainable", weights.trainable, true);
    const settings = checkSettings(op, weights);
    const K = weights.candidates === undefined ? 1 : assertInteger(op, "candidates", weights.candidates, 1, MAX_CANDIDATES);
    const P = paramsPerGate(settings.parametrization);
    const noiseSeed = weights.noiseSeed === undefined ? 0 : assertInteger(op, "noiseSeed", weights.noiseSeed, 0, 2 ** 32 - 1);
    const a = toIndexArray(op, "a", weights.a);
    const b = toIndexArray(op, "b", weights.b);
    if (a.length !== b.length || a.length === 0)
      throw new RelaxError(op, "b", `the same non-zero length as a (${a.length})`, String(b.length));
    if (a.length % K !== 0) throw new RelaxError(op, "a", `outDim · candidates (${K}) indices`, String(a.length));
    const outDim = a.length / K;
    let inDim = weights.inDim;
    if (inDim === undefined) {
      inDim = 0;
      for (let j = 0; j < a.length; j++) inDim = Math.max(inDim, (a[j] as number) + 1, (b[j] as number) + 1);
    }
    assertInteger(op, "inDim", inDim, 1, MAX_WIDTH);
    if (outDim > MAX_WIDTH) throw new RelaxError(op, "a", `at most ${MAX_WIDTH} neurons`, String(outDim));
    checkIndices(op, "a", a, inDim);
    checkIndices(op, "b", b, inDim);
    const flat = readMatrix(op, "logits", weights.logits, outDim, P);
    if (K === 1 && weights.wiring !== undefined)
      throw new RelaxError(op, "wiring", "no value unless candidates > 1", describe(weights.wiring));
    const wiringFlat =
      K > 1
        ? weights.wiring === undefined
          ? new Float32Array(outDim * 2 * K)
          : readMatrix(op, "wiring", weights.wiring, outDim, 2 * K)
        : null;
    const layer = Object.create(LogicLayer.prototype) as LogicLayer;
    Object.assign(layer, {
      inDim,
      outDim,
      candA: a,
      candB: b,
      gradFactor,
      ...settings,
      candidates: K,
      noiseSeed,
      noiseStep: 0,
      fixedWiring: null,
      logits: makeVariable(flat, outDim, trainable, P),
      wiring: wiringFlat ? makeWiring(wiringFlat, outDim, K, trainable) : null,
      aTensor: tf.keep(tf.tensor1d(firstCandidates(a, K), "int32")),
      bTensor: tf.keep(tf.tensor1d(firstCandidates(b, K), "int32")),
    });
    return layer;
  }

  /**
   * Layer output `[batch, outDim]` for input `x: [batch, inDim]` (values in [0, 1]: a relaxed gate reads
   * probabilities). NaN and ±Inf are a `RelaxError` on the host backends; finite values outside [0, 1] are accepted — the
   * four-coefficient form `c0 + c1·A + c2·B + c3·A·B` is defined on all reals and finite-difference checks step
   * across 0 and 1 — but have no probabilistic meaning. A plain
   * array or a non-float32 tensor is converted and the copy disposed.
   * Train mode mixes the 16 relaxed gates by softmax(logits) (or the layer's parametrisation, gate and wiring
   * choice); eval mode uses the argmax gate and wires (on 0/1 inputs this is the exact Boolean circuit).
   */
  forward(x: tf.Tensor | tf.TensorLike, options: { mode?: LogicMode } = {}): tf.Tensor2D {
    const op = "LogicLayer.forward";
    const opts = assertOptions<{ mode?: LogicMode }>(op, options, ["mode"]);
    const mode = assertOneOf(op, "mode", opts.mode ?? "train", LOGIC_MODES);
    return withFloatInput(op, "x", x, (xt) => {
      assertRank(op, "x", xt, [2], `[batch, ${this.inDim}]`);
      if (xt.shape[1] !== this.inDim) throw new RelaxError(op, "x", `[batch, ${this.inDim}]`, `[${xt.shape.join(", ")}]`);
      assertFinite(op, "x", xt);
      return this.apply(xt as tf.Tensor2D, mode);
    });
  }

  /** Whether the active backend runs this layer's fused kernel (else {@link LogicLayer.reference}). */
  fusedAvailable(): boolean {
    if (this.isDifflogic) return useFused(RelaxLogicLayer);
    // what a backend's support predicate reads (the choices, not the per-call noise seed)
    const { parametrization, gateChoice, wiringChoice, candidates: K } = this;
    return useFused(RelaxLogicLayerLearned, { parametrization, gateChoice, wiringChoice, K });
  }

  /**
   * Forward without input validation (used by {@link LogicNet} after it validated the net input).
   * `layout` selects feature-major (`[features, batch]`) input/output for the fused kernel, which
   * chains layers without transposes; only valid when the fused kernel is registered.
   */
  apply(x: tf.Tensor2D, mode: LogicMode, layout: { featureMajorIn?: boolean; featureMajorOut?: boolean } = {}): tf.Tensor2D {
    if (!this.isDifflogic) {
      const attrs = this.learnedAttrs(mode, layout);
      if (useFused(RelaxLogicLayerLearned, attrs)) {
        // only y is the op's result; the choices live on as the gradient's saved outputs
        const inputs = { x, weights: this.logits, wiring: this.wiringTensor() };
        return tf.tidy(() => runFusedKernel<tf.Tensor[]>(RelaxLogicLayerLearned, inputs, attrs)[0] as tf.Tensor2D);
      }
      if (layout.featureMajorIn || layout.featureMajorOut) throw new Error("LogicLayer.apply: feature-major layout needs the fused kernel");
      return learnedReference(x, this.logits as tf.Tensor2D, this.wiringTensor(), attrs);
    }
    if (useFused(RelaxLogicLayer)) {
      const attrs: RelaxLogicLayerAttrs = {
        a: this.candA,
        b: this.candB,
        mode,
        gradFactor: this.gradFactor,
        featureMajorIn: layout.featureMajorIn ?? false,
        featureMajorOut: layout.featureMajorOut ?? false,
      };
      return runFusedKernel<tf.Tensor2D>(RelaxLogicLayer, { x, logits: this.logits }, attrs);
    }
    if (layout.featureMajorIn || layout.featureMajorOut) throw new Error("LogicLayer.apply: feature-major layout needs the fused kernel");
    return this.reference(x, mode);
  }

  private wiringTensor(): tf.Tensor3D {
    if (this.wiring) return this.wiring as tf.Tensor3D;
    if (!this.fixedWiring) this.fixedWiring = tf.keep(tf.zeros([this.outDim, 2, 1]) as tf.Tensor3D);
    return this.fixedWiring as tf.Tensor3D;
  }

  /**
   * This layer's entry in the whole-net kernel's attributes for one call: connections and gradFactor, the gate
   * settings where the gates are not difflogic's, and the candidates and wiring choice of learned wiring (its
   * wiring logits go in as the kernel's `u{i}`). A train-mode call with Gumbel noise draws the next noise seed, as
   * {@link LogicLayer.apply} does.
   *
   * @internal
   */
  netKernelLayer(mode: LogicMode): RelaxLogicNetAttrs["layers"][number] {
    const base = { a: this.candA, b: this.candB, gradFactor: this.gradFactor };
    if (this.isDifflogic) return base;
    const { parametrization, gateChoice, wiringChoice, temperature, noiseSeed, K, candA, candB } = this.learnedAttrs(mode, {});
    const gates = { parametrization, gateChoice, temperature, noiseSeed };
    if (K === 1) return { ...base, gates };
    return { ...base, gates, wiring: { candA, candB, K, wiringChoice, temperature, noiseSeed } };
  }

  /** Kernel attributes of one call (a fresh noise seed per train-mode call with straight-through choice). */
  private learnedAttrs(mode: LogicMode, layout: { featureMajorIn?: boolean; featureMajorOut?: boolean }): RelaxLogicLayerLearnedAttrs {
    const noisy = mode === "train" && (this.gateChoice === "gumbel-st" || (this.candidates > 1 && this.wiringChoice === "gumbel-st"));
    const noiseSeed = noisy ? Math.floor(noiseUniform(this.noiseSeed, 0x3c6ef372, this.noiseStep++) * 2 ** 32) >>> 0 : 0;
    return {
      candA: this.candA,
      candB: this.candB,
      K: this.candidates,
      parametrization: this.parametrization,
      gateChoice: this.gateChoice,
      wiringChoice: this.wiringChoice,
      temperature: this.temperature,
      noiseSeed,
      mode,
      gradFactor: this.gradFactor,
      featureMajorIn: layout.featureMajorIn ?? false,
      featureMajorOut: layout.featureMajorOut ?? false,
    };
  }

  /**
   * Reference composition from tfjs ops, exactly as difflogic's python path: gather A and B, evaluate
   * all 16 relaxed gates, weight by softmax(logits) (or one-hot argmax). Slow; defines the numbers.
   * Layers with another parametrisation, gate choice or learned wiring use their own reference
   * (straight-through as `hard + soft − stopGradient(soft)`; a train-mode call draws the next noise).
   */
  reference(x: tf.Tensor2D, mode: LogicMode): tf.Tensor2D {
    if (!this.isDifflogic) return learnedReference(x, this.logits as tf.Tensor2D, this.wiringTensor(), this.learnedAttrs(mode, {}));
    return tf.tidy(() => {
      const gf = this.gradFactor;
      const xs = gf === 1 ? x : gradFactorOp(x, gf);
      const A = tf.gather(xs, this.aTensor, 1);
      const B = tf.gather(xs, this.bTensor, 1);
      const gates = tf.stack(relaxedGatesTensor(A, B), 2); // [batch, out, 16]
      const p = mode === "train" ? tf.softmax(this.logits, -1) : tf.oneHot(tf.argMax(this.logits, 1), NUM_GATES, 1, 0, "float32");
      return tf.sum(tf.mul(gates, tf.expandDims(p, 0)), 2) as tf.Tensor2D;
    });
  }

  /**
   * Gate id of every neuron in eval mode: the argmax logit (first maximum on ties) for softmax16, the nearest
   * gate `8·[w00 > 0] + 4·[w01 > 0] + 2·[w10 > 0] + [w11 > 0]` for bilinear4.
   */
  gateIds(): Int32Array {
    const z = this.logits.dataSync();
    const ids = new Int32Array(this.outDim);
    if (this.parametrization === "bilinear4") {
      for (let j = 0; j < this.outDim; j++)
        ids[j] = nearestGate(z[4 * j] as number, z[4 * j + 1] as number, z[4 * j + 2] as number, z[4 * j + 3] as number);
      return ids;
    }
    for (let j = 0; j < this.outDim; j++) {
      let best = 0;
      let max = z[j * NUM_GATES] as number;
      for (let i = 1; i < NUM_GATES; i++) {
        const v = z[j * NUM_GATES + i] as number;
        if (v > max) {
          max = v;
          best = i;
        }
      }
      ids[j] = best;
    }
    return ids;
  }

  /** Releases the variables and index tensors. */
  dispose(): void {
    this.logits.dispose();
    this.wiring?.dispose();
    this.fixedWiring?.dispose();
    this.aTensor.dispose();
    this.bTensor.dispose();
  }
}

/** Two uniformly drawn input indices per neuron (seeded). */
function uniformWires(inDim: number, outDim: number, seed: number): { a: Int32Array; b: Int32Array } {
  const rng = logicRng(seed, "LogicLayer");
  const a = new Int32Array(outDim);
  const b = new Int32Array(outDim);
  for (let j = 0; j < outDim; j++) {
    a[j] = rng.int(inDim);
    b[j] = rng.int(inDim);
  }
  return { a, b };
}

/** Candidate 0 of every gate input (`cand` `[outDim, K]` row-major): the index tensors' wires. */
function firstCandidates(cand: Int32Array, K: number): Int32Array {
  return K === 1 ? cand : cand.filter((_, i) => i % K === 0);
}

function makeWiring(values: Float32Array, outDim: number, K: number, trainable: boolean): tf.Variable {
  const init = tf.tensor3d(values, [outDim, 2, K]);
  const v = tf.variable(init, trainable, `logic_wiring_${layerCounter++}`);
  init.dispose();
  return v;
}

/** A `[rows, cols]` float matrix from nested rows, a flat array or a tensor (any shape of rows·cols values), finite. */
function readMatrix(op: string, name: string, lg: unknown, rows: number, cols: number): Float32Array {
  let flat: Float32Array;
  if (lg instanceof tf.Tensor) {
    if (lg.isDisposed) throw new RelaxError(op, name, "a live tensor", "a disposed tensor");
    if (lg.size !== rows * cols || lg.shape[0] !== rows) throw new RelaxError(op, name, `[${rows}, ${cols}]`, describe(lg));
    flat = Float32Array.from(lg.dataSync());
  } else if (Array.isArray(lg) && Array.isArray(lg[0])) {
    const rs = lg as unknown[][];
    if (rs.length !== rows || rs.some((r) => !Array.isArray(r) || r.length !== cols)) {
      throw new RelaxError(op, name, `${rows} rows of ${cols} numbers`, `${rs.length} rows`);
    }
    flat = new Float32Array(rows * cols);
    rs.forEach((r, j) => {
      for (let i = 0; i < cols; i++) {
        const v = r[i];
        if (typeof v !== "number") throw new RelaxError(op, name, "numbers", `${describe(v)} at [${j}, ${i}]`);
        flat[j * cols + i] = v;
      }
    });
  } else if (lg instanceof Float32Array || Array.isArray(lg)) {
    if (lg.length !== rows * cols) throw new RelaxError(op, name, `${rows * cols} numbers ([${rows}, ${cols}])`, `${lg.length}`);
    if (Array.isArray(lg) && lg.some((v) => typeof v !== "number"))
      throw new RelaxError(op, name, "numbers", describe(lg.find((v) => typeof v !== "number")));
    flat = Float32Array.from(lg as ArrayLike<number>);
  } else {
    throw new RelaxError(op, name, `[${rows}, ${cols}] numbers or a tensor`, describe(lg));
  }
  for (let i = 0; i < flat.length; i++) {
    if (!Number.isFinite(flat[i] as number)) throw new RelaxError(op, name, "finite numbers", `${describe(flat[i])} at flat index ${i}`);
  }
  return flat;
}

/** GradFactor of the reference: identity forward, gradient multiplied by `factor` in backward. */
export function gradFactorOp(x: tf.Tensor2D, factor: number): tf.Tensor2D {
  if (!(x instanceof tf.Tensor)) throw new RelaxError("gradFactorOp", "x", "a tensor", describe(x));
  if (x.isDisposed) throw new RelaxError("gradFactorOp", "x", "a live tensor", "a disposed tensor");
  assertInRange("gradFactorOp", "factor", factor, -MAX_GRAD_FACTOR, MAX_GRAD_FACTOR);
  const f = tf.customGrad(((xi: tf.Tensor) => ({
    value: tf.clone(xi),
    gradFunc: (dy: tf.Tensor) => tf.mul(dy, factor),
  })) as unknown as Parameters<typeof tf.customGrad>[0]);
  return f(x) as tf.Tensor2D;
}
