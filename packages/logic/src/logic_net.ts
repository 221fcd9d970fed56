import * as tf from "@tensorflow/tfjs-core";
import { SAVE_VERSION, checkFields, readNetJSON, sealJSON } from "./json_file.js";
import {
  RelaxError,
  RelaxGroupSum,
  useFused,
  assertFinite,
  assertInteger,
  assertOneOf,
  assertOptions,
  assertRank,
  describe,
} from "@relax/core";
import type { FusedAdamOptimizer } from "./adam.js";
import { MAX_CANDIDATES, pruneOptions } from "./candidates.js";
import { MAX_WIDTH, withFloatInput } from "./check.js";
import { base64ToBytes, bytesToBase64 } from "@relax/core/internal";
import { NUM_GATES } from "./gates.js";
import { GroupSum } from "./group_sum.js";
import { LOGIC_MODES, LogicLayer, type LogicMode } from "./logic_layer.js";
import { RelaxLogicNet, runLogicNetKernel } from "./kernels/logic_net.js";
import { wasmNetFits, wasmNetSupported } from "./wasm_layer.js";

/** Options of {@link LogicNet.forward}. */
export interface LogicForwardOptions {
  /** `'train'` (softmax mixture of gates, default) or `'eval'` (argmax gates). */
  mode?: LogicMode;
  /**
   * false: x is data, whose gradient nobody asks for (training on it, as `optimizer.minimize` over the net's
   * variables does). The whole-net kernel's backward then leaves x's gradient out of its pass, which spares a first
   * layer with learned wiring its scatter to the K candidates; asked for all the same, x's gradient takes a second
   * pass (the same numbers). Default true. `forward` only.
   */
  inputGradient?: boolean;
}

/** Serialised layer of a {@link LogicNet} (see {@link LogicNetJSON}). */
export interface LogicLayerJSON {
  type: "logic";
  inDim: number;
  outDim: number;
  gradFactor: number;
  /** Int32 little-endian bytes, base64. */
  a: string;
  /** Int32 little-endian bytes, base64. */
  b: string;
  /** Float32 little-endian bytes of the `[outDim, 16]` logits (`[outDim, 4]` for bilinear4), base64 (bit-exact). */
  logits: string;
  /** Gate parametrisation (absent: `'softmax16'`). Written only for layers other than difflogic's. */
  parametrization?: "softmax16" | "bilinear4";
  /** Gate choice (absent: `'soft'`). */
  gateChoice?: "soft" | "gumbel-st" | "hard-st";
  /** Wiring choice (absent: `gateChoice`). */
  wiringChoice?: "soft" | "gumbel-st" | "hard-st";
  /** Temperature τ (absent: 1). */
  temperature?: number;
  /** Candidate wires K (absent: 1; with K > 1, `a` and `b` hold `[outDim, K]` candidates). */
  candidates?: number;
  /** Float32 bytes of the wiring logits `[outDim, 2, K]`, base64 (K > 1 only). */
  wiring?: string;
  /** Base seed of the straight-through noise. */
  noiseSeed?: number;
}

/**
 * Serialised {@link LogicNet}: JSON-safe, bit-exact. Version 2 (written since the "unhappy path" release)
 * carries `checksum`, the CRC-32 of the rest of the object; version 1 files (no checksum) still load.
 */
export interface LogicNetJSON {
  format: "relax-logic-net";
  version: 1 | 2;
  layers: LogicLayerJSON[];
  head: { type: "groupSum"; k: number; tau: number } | null;
  /** CRC-32 of the JSON text of the other fields (version 2). */
  checksum?: string;
}

const NET_KEYS = ["format", "version", "layers", "head", "checksum"] as const;
const LAYER_KEYS = [
  "type",
  "inDim",
  "outDim",
  "gradFactor",
  "a",
  "b",
  "logits",
  "parametrization",
  "gateChoice",
  "wiringChoice",
  "temperature",
  "candidates",
  "wiring",
  "noiseSeed",
] as const;
const LAYER_REQUIRED = ["type", "inDim", "outDim", "gradFactor", "a", "b", "logits"] as const;
const HEAD_KEYS = ["type", "k", "tau"] as const;

/** Decodes canonical base64 of `count` 4-byte values (a non-canonical text is damage: it would not have been written). */
function decode4(op: string, where: string, text: unknown, count: number): Uint8Array {
  const bytes = typeof text === "string" ? base64ToBytes(text) : null;
  if (!bytes || bytes.length !== count * 4 || bytesToBase64(bytes) !== text)
    throw new RelaxError(
      op,
      where,
      `canonical base64 of ${count} 4-byte values`,
      bytes ? `${bytes.length} bytes` : typeof text === "string" ? "malformed base64" : describe(text),
    );
  return bytes;
}

/**
 * A deep differentiable logic gate network (Petersen et al., NeurIPS 2022):
 * `new LogicNet([layer, layer, …, new GroupSum(k, tau)])`. The logits of every layer are tfjs
 * variables trainable with any tfjs optimizer.
 *
 * @example
 * const net = new LogicNet([new LogicLayer(784, 8000), new LogicLayer(8000, 8000), new GroupSum(10, 10)]);
 * const logits = net.forward(xBits, { mode: "train" }); // [batch, 10]
 * tf.train.adam(0.01).minimize(() => tf.losses.softmaxCrossEntropy(yOneHot, net.forward(xBits)) as tf.Scalar);
 */
export class LogicNet {
  readonly layers: LogicLayer[];
  readonly head: GroupSum | null;

  constructor(modules: (LogicLayer | GroupSum)[]) {
    const op = "LogicNet";
    if (!Array.isArray(modules) || modules.length === 0)
      throw new RelaxError(op, "modules", "a non-empty array of LogicLayer (and a final GroupSum)", describe(modules));
    const layers: LogicLayer[] = [];
    let head: GroupSum | null = null;
    modules.forEach((m, i) => {
      if (m instanceof LogicLayer) {
        if (head) throw new RelaxError(op, `modules[${i}]`, "no layer after the GroupSum head", "a LogicLayer");
        const prev = layers[layers.length - 1];
        if (prev && prev.outDim !== m.inDim)
          throw new RelaxError(op, `modules[${i}].inDim`, `${prev.outDim} (the previous layer's outDim)`, String(m.inDim));
        layers.push(m);
      } else if (m instanceof GroupSum) {
        if (head) throw new RelaxError(op, `modules[${i}]`, "at most one GroupSum", "a second GroupSum");
        head = m;
      } else {
        throw new RelaxError(op, `modules[${i}]`, "a LogicLayer or GroupSum", describe(m));
      }
    });
    if (layers.length === 0) throw new RelaxError(op, "modules", "at least one LogicLayer", "none");
    const last = layers[layers.length - 1] as LogicLayer;
    const h = head as GroupSum | null;
    if (h && last.outDim % h.k !== 0)
      throw new RelaxError(op, "GroupSum.k", `a divisor of the last layer width ${last.outDim}`, String(h.k));
    this.layers = layers;
    this.head = h;
  }

  /** Input width. */
  get inDim(): number {
    return (this.layers[0] as LogicLayer).inDim;
  }

  /** Output width: k with a GroupSum head, else the last layer's width. */
  get outDim(): number {
    return this.head ? this.head.k : (this.layers[this.layers.length - 1] as LogicLayer).outDim;
  }

  /** Trainable parameters: the logits variable of every layer (and the wiring logits of learned connections). */
  get variables(): tf.Variable[] {
    return this.layers.flatMap((l) => l.variables);
  }

  /** Total number of gates (neurons). */
  get numGates(): number {
    return this.layers.reduce((s, l) => s + l.outDim, 0);
  }

  /**
   * Net output `[batch, k]` (GroupSum logits) for `x: [batch, inDim]` with values in [0, 1]. NaN and ±Inf are a `RelaxError` on the host backends; finite values outside [0, 1] are accepted — the
   * four-coefficient form `c0 + c1·A + c2·B + c3·A·B` is defined on all reals and finite-difference checks step
   * across 0 and 1 — but have no probabilistic meaning. A plain array or a
   * non-float32 tensor is converted and the copy disposed; an empty batch gives an empty output.
   *
   * @example
   * const out = net.forward(x, { mode: "eval" });
   */
  forward(x: tf.Tensor | tf.TensorLike, options: LogicForwardOptions = {}): tf.Tensor2D {
    const op = "LogicNet.forward";
    const opts = assertOptions<LogicForwardOptions>(op, options, ["mode", "inputGradient"]);
    const mode = assertOneOf(op, "mode", opts.mode ?? "train", LOGIC_MODES);
    const inputGrad = opts.inputGradient ?? true;
    if (typeof inputGrad !== "boolean") throw new RelaxError(op, "options.inputGradient", "a boolean", describe(inputGrad));
    if (!(this.layers.every((l) => l.fusedAvailable()) && useFused(RelaxGroupSum) && this.head)) {
      const outs = this.forwardLayers(x, { mode });
      for (let i = 0; i < outs.length - 1; i++) (outs[i] as tf.Tensor).dispose();
      return outs[outs.length - 1] as tf.Tensor2D;
    }
    return withFloatInput(op, "x", x, (xt) => this.forwardChecked(this.checkInput(xt), mode, inputGrad));
  }

  private forwardChecked(xt: tf.Tensor, mode: LogicMode, inputGrad: boolean): tf.Tensor2D {
    const head = this.head as GroupSum;
    // Whole-net kernel (any gates and wiring): activations stay in WASM memory, no per-layer tensors.
    const learned = this.layers.some((l) => l.candidates > 1);
    if (
      useFused(RelaxLogicNet) &&
      wasmNetSupported(this.layers.length) &&
      (this.layers[this.layers.length - 1] as LogicLayer).outDim % head.k === 0 &&
      (!learned ||
        // learned wiring has no JS fallback in the whole-net kernel: an empty batch, or one too large, runs per layer
        ((xt.shape[0] as number) > 0 &&
          wasmNetFits(
            this.inDim,
            this.layers.map((l) => ({ outDim: l.outDim, K: l.candidates })),
            xt.shape[0] as number,
          )))
    ) {
      const layers = this.layers.map((l) => l.netKernelLayer(mode));
      return runLogicNetKernel(
        xt,
        this.layers.map((l) => l.logits),
        { layers, mode, k: head.k, tau: head.tau, inputGrad },
        this.layers.map((l) => l.wiring ?? null),
      );
    }
    // Fused per-layer path: layers chained feature-major ([features, batch]), no transposes between them.
    return tf.tidy(() => {
      let h = xt as tf.Tensor2D;
      this.layers.forEach((layer, i) => {
        h = layer.apply(h, mode, { featureMajorIn: i > 0, featureMajorOut: true });
      });
      return head.applyFeatureMajor(h);
    });
  }

  private checkInput(xt: tf.Tensor, op = "LogicNet.forward"): tf.Tensor {
    assertRank(op, "x", xt, [2], `[batch, ${this.inDim}]`);
    if (xt.shape[1] !== this.inDim) throw new RelaxError(op, "x", `[batch, ${this.inDim}]`, `[${xt.shape.join(", ")}]`);
    assertFinite(op, "x", xt);
    return xt;
  }

  /**
   * Every layer's output (then the head's, when there is one), for inspection; the caller disposes them all.
   *
   * @example
   * const outs = net.forwardLayers(x, { mode: "eval" }); // one [batch, width] per layer, then [batch, k]
   */
  forwardLayers(x: tf.Tensor | tf.TensorLike, options: LogicForwardOptions = {}): tf.Tensor2D[] {
    const op = "LogicNet.forwardLayers";
    const opts = assertOptions<LogicForwardOptions>(op, options, ["mode"]);
    const mode = assertOneOf(op, "mode", opts.mode ?? "train", LOGIC_MODES);
    return withFloatInput(op, "x", x, (xin) => {
      const xt = this.checkInput(xin, op);
      const outs: tf.Tensor2D[] = [];
      let h = xt as tf.Tensor2D;
      for (const layer of this.layers) {
        h = layer.apply(h, mode);
        outs.push(h);
      }
      if (this.head) outs.push(this.head.forward(h));
      return outs;
    });
  }

  /**
   * Fixes the wiring of every layer with learned connections at its chosen wires ({@link LogicLayer.freezeWiring}):
   * the eval-mode forward and the circuit stay the same, later steps train the gates only, at the speed of fixed
   * wiring. Take `variables` again afterwards (the wiring logits are disposed). Returns how many layers it froze.
   *
   * @example
   * // learned wiring for most of the budget, then the gates alone on the wires it chose
   * if (step === freezeStep) { net.freezeWiring(); variables = net.variables; }
   */
  freezeWiring(): number {
    return this.pruneCandidates(1);
  }

  /**
   * Top-K pruning of every layer with more than `keep` learned candidates ({@link LogicLayer.pruneCandidates}):
   * each gate input keeps its `keep` strongest candidates, so later steps cost about `keep` instead of K candidate
   * reads per gate input; the eval-mode forward and the circuit stay the same. Pass the `optimizer` (`fusedAdam`) to
   * carry the kept wiring logits' moments over, and take `variables` again afterwards. Returns how many layers it
   * pruned.
   *
   * @example
   * // 16 candidates for the first fifth of training, the best 4 until half way, then the chosen wire alone
   * if (step === s1) net.pruneCandidates(4, { optimizer });
   * if (step === s2) net.pruneCandidates(1, { optimizer });
   */
  pruneCandidates(keep: number, options: { optimizer?: FusedAdamOptimizer } = {}): number {
    const op = "LogicNet.pruneCandidates";
    pruneOptions(op, options);
    assertInteger(op, "keep", keep, 1, MAX_CANDIDATES);
    const learned = this.layers.filter((l) => l.candidates > keep);
    for (const l of learned) l.pruneCandidates(keep, options);
    return learned.length;
  }

  /**
   * Serialises connections, logits (bit-exact float32), gradFactors and the head, with a format version (2)
   * and a CRC-32 `checksum` so that {@link LogicNet.fromJSON} rejects a damaged file.
   *
   * @example
   * const text = JSON.stringify(net.toJSON()); // or saveNet(path, net) from "@relax/logic/node"
   */
  toJSON(): LogicNetJSON {
    return sealJSON({
      format: "relax-logic-net" as const,
      version: SAVE_VERSION as 2,
      layers: this.layers.map(
        (l): LogicLayerJSON => ({
          type: "logic" as const,
          inDim: l.inDim,
          outDim: l.outDim,
          gradFactor: l.gradFactor,
          a: bytesToBase64(l.candA),
          b: bytesToBase64(l.candB),
          logits: bytesToBase64(Float32Array.from(l.logits.dataSync())),
          ...(l.isDifflogic
            ? {}
            : {
                parametrization: l.parametrization,
                gateChoice: l.gateChoice,
                wiringChoice: l.wiringChoice,
                temperature: l.temperature,
                candidates: l.candidates,
                ...(l.wiring ? { wiring: bytesToBase64(Float32Array.from(l.wiring.dataSync())) } : {}),
                noiseSeed: l.noiseSeed,
              }),
        }),
      ),
      head: this.head ? { type: "groupSum" as const, k: this.head.k, tau: this.head.tau } : null,
    });
  }

  /**
   * Loads a net saved with {@link LogicNet.toJSON} (object or JSON text), version 2 (checksum verified) or 1.
   * Every field is validated (types, lengths, canonical base64, wiring indices in range, finite logits,
   * widths that chain); any damage is a `RelaxError` naming the field.
   *
   * @example
   * const net = LogicNet.fromJSON(readFileSync("net.json", "utf8")); // or loadNet(path) from "@relax/logic/node"
   * @throws RelaxError on a corrupt or mismatched file
   */
  static fromJSON(json: LogicNetJSON | string): LogicNet {
    const op = "LogicNet.fromJSON";
    const d = readNetJSON<LogicNetJSON>(op, json, "relax-logic-net");
    checkFields(op, "json", d, NET_KEYS, ["format", "version", "layers", "head"]);
    if (!Array.isArray(d.layers) || d.layers.length === 0) throw new RelaxError(op, "json.layers", "a non-empty array", describe(d.layers));
    const modules: (LogicLayer | GroupSum)[] = [];
    try {
      d.layers.forEach((l, i) => {
        const where = `json.layers[${i}]`;
        checkFields(op, where, l, LAYER_KEYS, LAYER_REQUIRED);
        if (l.type !== "logic") throw new RelaxError(op, `${where}.type`, "'logic'", describe(l.type));
        for (const key of ["inDim", "outDim"] as const) {
          if (!Number.isInteger(l[key]) || l[key] < 1 || l[key] > MAX_WIDTH)
            throw new RelaxError(op, `${where}.${key}`, `an integer in [1, ${MAX_WIDTH}]`, describe(l[key]));
        }
        if (typeof l.gradFactor !== "number") throw new RelaxError(op, `${where}.gradFactor`, "a number", describe(l.gradFactor));
        const K = l.candidates ?? 1;
        if (!Number.isInteger(K) || K < 1 || K > 256)
          throw new RelaxError(op, `${where}.candidates`, "an integer in [1, 256]", describe(K));
        const P = l.parametrization === "bilinear4" ? 4 : NUM_GATES;
        const a = new Int32Array(decode4(op, `${where}.a`, l.a, l.outDim * K).buffer);
        const b = new Int32Array(decode4(op, `${where}.b`, l.b, l.outDim * K).buffer);
        const logits = new Float32Array(decode4(op, `${where}.logits`, l.logits, l.outDim * P).buffer);
        const wiring = K > 1 ? new Float32Array(decode4(op, `${where}.wiring`, l.wiring, l.outDim * 2 * K).buffer) : undefined;
        if (K === 1 && l.wiring !== undefined)
          throw new RelaxError(op, `${where}.wiring`, "no value unless candidates > 1", describe(l.wiring));
        const extra = {
          ...(l.parametrization !== undefined ? { parametrization: l.parametrization } : {}),
          ...(l.gateChoice !== undefined ? { gateChoice: l.gateChoice } : {}),
          ...(l.wiringChoice !== undefined ? { wiringChoice: l.wiringChoice } : {}),
          ...(l.temperature !== undefined ? { temperature: l.temperature } : {}),
          ...(l.noiseSeed !== undefined ? { noiseSeed: l.noiseSeed } : {}),
          ...(K > 1 ? { candidates: K, wiring } : {}),
        };
        try {
          modules.push(LogicLayer.fromWeights({ a, b, logits, inDim: l.inDim, gradFactor: l.gradFactor, ...extra }));
        } catch (e) {
          if (e instanceof RelaxError) throw new RelaxError(op, `${where}.${e.argument}`, e.expected, e.got);
          throw e;
        }
      });
      if (d.head !== null) {
        checkFields(op, "json.head", d.head, HEAD_KEYS);
        const head = d.head as NonNullable<LogicNetJSON["head"]>;
        if (head.type !== "groupSum") throw new RelaxError(op, "json.head.type", "'groupSum'", describe(head.type));
        try {
          modules.push(new GroupSum(head.k, head.tau));
        } catch (e) {
          if (e instanceof RelaxError) throw new RelaxError(op, `json.head.${e.argument}`, e.expected, e.got);
          throw e;
        }
      }
      return new LogicNet(modules);
    } catch (e) {
      for (const m of modules) if (m instanceof LogicLayer) m.dispose();
      if (e instanceof RelaxError && e.op !== op) throw new RelaxError(op, `json: ${e.argument}`, e.expected, e.got);
      throw e;
    }
  }

  /** Releases every layer's variables. */
  dispose(): void {
    for (const l of this.layers) l.dispose();
  }
}
