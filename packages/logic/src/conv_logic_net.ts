import * as tf from "@tensorflow/tfjs-core";
import { RelaxError, assertFinite, assertInteger, assertOneOf, assertOptions, assertRank, describe } from "@relax/core";
import type { FusedAdamOptimizer } from "./adam.js";
import { MAX_CANDIDATES, pruneOptions } from "./candidates.js";
import { withFloatInput } from "./check.js";
import { LogicConvTree, type LogicConvTreeJSON } from "./conv_tree.js";
import { GroupSum } from "./group_sum.js";
import { SAVE_VERSION, checkFields, readNetJSON, sealJSON } from "./json_file.js";
import { LOGIC_MODES, LogicLayer, type LogicMode } from "./logic_layer.js";
import { LogicNet, type LogicNetJSON } from "./logic_net.js";
import { OrPool, type OrPoolJSON, poolSize } from "./or_pool.js";

/** Serialised {@link ConvLogicNet}: JSON-safe, exact (conv logits as float32 values, dense layers bit-exact base64). */
export interface ConvLogicNetJSON {
  format: "relax-conv-logic-net";
  /** 2 (with `checksum`) since the "unhappy path" release; version 1 files still load. */
  version: 1 | 2;
  /** Image shape `[H, W, C]`. */
  inputShape: [number, number, number];
  /** Conv trees and pools, in order. */
  convs: (LogicConvTreeJSON | OrPoolJSON)[];
  /** The dense tail (`LogicLayer`s + optional `GroupSum`), or null. */
  dense: LogicNetJSON | null;
  /** CRC-32 of the JSON text of the other fields (version 2). */
  checksum?: string;
}

const CONV_NET_KEYS = ["format", "version", "inputShape", "convs", "dense", "checksum"] as const;
const POOL_JSON_KEYS = ["type", "size", "stride", "method"] as const;

/** A module of {@link ConvLogicNet}. */
export type ConvLogicModule = LogicConvTree | OrPool | LogicLayer | GroupSum;

/**
 * A LogicTreeNet-style network (NeurIPS 2024): conv logic trees and OR pools on images, then the
 * flattened feature map (row-major `[H, W, C]`) feeds `LogicLayer`s and a `GroupSum` head (held as
 * a {@link LogicNet}, fused kernels included). Parameters are tfjs variables for any optimizer.
 *
 * @example
 * const net = new ConvLogicNet([8, 8, 1], [new LogicConvTree(1, 16, { seed: 1 }), new OrPool(),
 *   new LogicLayer(3 * 3 * 16, 200, { seed: 2 }), new GroupSum(2, 4)]);
 * const logits = net.forward(x, { mode: "train" }); // [batch, 2]
 */
export class ConvLogicNet {
  readonly inputShape: [number, number, number];
  /** Conv trees and pools, in order. */
  readonly convs: (LogicConvTree | OrPool)[];
  /** The dense tail (logic layers + optional GroupSum) on the flattened feature map, if any. */
  readonly dense: LogicNet | null;
  /** Flattened width of the last feature map. */
  readonly featureDim: number;

  constructor(inputShape: [number, number, number], modules: ConvLogicModule[]) {
    const op = "ConvLogicNet";
    if (!Array.isArray(inputShape) || inputShape.length !== 3 || inputShape.some((v) => !Number.isInteger(v) || v < 1))
      throw new RelaxError(op, "inputShape", "[H, W, C] positive integers", describe(inputShape));
    if (!Array.isArray(modules) || modules.length === 0) throw new RelaxError(op, "modules", "a non-empty array", describe(modules));
    let [h, w, c] = inputShape;
    const convs: (LogicConvTree | OrPool)[] = [];
    const tail: (LogicLayer | GroupSum)[] = [];
    modules.forEach((m, i) => {
      if (m instanceof LogicConvTree || m instanceof OrPool) {
        if (tail.length) throw new RelaxError(op, `modules[${i}]`, "conv trees and pools before the dense layers", describe(m));
        if (m instanceof LogicConvTree) {
          if (m.inChannels !== c)
            throw new RelaxError(op, `modules[${i}].inChannels`, `${c} (channels at this point)`, String(m.inChannels));
          [h, w] = m.outputSize(h, w, op);
          c = m.outChannels;
        } else {
          [h, w] = poolSize(op, h, w, m.size, m.stride);
        }
        convs.push(m);
      } else if (m instanceof LogicLayer || m instanceof GroupSum) {
        tail.push(m);
      } else {
        throw new RelaxError(op, `modules[${i}]`, "a LogicConvTree, OrPool, LogicLayer or GroupSum", describe(m));
      }
    });
    const featureDim = h * w * c;
    const first = tail.find((m): m is LogicLayer => m instanceof LogicLayer);
    if (first && first.inDim !== featureDim)
      throw new RelaxError(op, "LogicLayer.inDim", `${featureDim} (flattened ${h} × ${w} × ${c})`, String(first.inDim));
    if (tail.length && !first) throw new RelaxError(op, "modules", "at least one LogicLayer before a GroupSum", "a GroupSum only");
    this.inputShape = [inputShape[0], inputShape[1], inputShape[2]];
    this.convs = convs;
    this.dense = tail.length ? new LogicNet(tail) : null;
    this.featureDim = featureDim;
  }

  /** Trainable parameters: conv tree logits (and wiring logits of learned leaves), then the dense layers' variables. */
  get variables(): tf.Variable[] {
    const v: tf.Variable[] = [];
    for (const m of this.convs) if (m instanceof LogicConvTree) v.push(...m.variables);
    if (this.dense) v.push(...this.dense.variables);
    return v;
  }

  /**
   * Fixes every learned wiring at its chosen wires: the learned leaves of the conv trees
   * ({@link LogicConvTree.freezeWiring}) and the learned connections of the dense layers ({@link LogicNet.freezeWiring}).
   * The eval-mode forward and the circuit stay the same; take `variables` again. Returns how many trees and layers it froze.
   */
  freezeWiring(): number {
    return this.pruneCandidates(1);
  }

  /**
   * Top-K pruning of every learned wiring with more than `keep` candidates: the learned leaves of the conv trees
   * ({@link LogicConvTree.pruneCandidates}) and the learned connections of the dense layers
   * ({@link LogicNet.pruneCandidates}). The eval-mode forward and the circuit stay the same; pass the `optimizer`
   * (`fusedAdam`) to carry the kept logits' moments over, and take `variables` again. Returns how many trees and layers
   * it pruned.
   */
  pruneCandidates(keep: number, options: { optimizer?: FusedAdamOptimizer } = {}): number {
    const op = "ConvLogicNet.pruneCandidates";
    pruneOptions(op, options);
    assertInteger(op, "keep", keep, 1, MAX_CANDIDATES);
    const trees = this.convs.filter((m): m is LogicConvTree => m instanceof LogicConvTree && m.candidates > keep);
    for (const t of trees) t.pruneCandidates(keep, options);
    return trees.length + (this.dense?.pruneCandidates(keep, options) ?? 0);
  }

  /**
   * Output for images `x: [batch, H, W, C]`: `[batch, k]` with a GroupSum head, `[batch, width]`
   * after dense layers without head, or the flattened feature map `[batch, featureDim]`.
   *
   * @example
   * const out = net.forward(x, { mode: "eval" });
   */
  forward(x: tf.Tensor | tf.TensorLike, options: { mode?: LogicMode } = {}): tf.Tensor2D {
    const op = "ConvLogicNet.forward";
    const opts = assertOptions<{ mode?: LogicMode }>(op, options, ["mode"]);
    const mode = assertOneOf(op, "mode", opts.mode ?? "train", LOGIC_MODES);
    const [H, W, C] = this.inputShape;
    return withFloatInput(op, "x", x, (xt) => {
      assertRank(op, "x", xt, [4], `[batch, ${H}, ${W}, ${C}]`);
      if (xt.shape[1] !== H || xt.shape[2] !== W || xt.shape[3] !== C)
        throw new RelaxError(op, "x", `[batch, ${H}, ${W}, ${C}]`, `[${xt.shape.join(", ")}]`);
      assertFinite(op, "x", xt);
      return tf.tidy(() => {
        let h = xt as tf.Tensor4D;
        for (const m of this.convs) h = m instanceof LogicConvTree ? m.apply(h, mode) : m.apply(h);
        const flat = tf.reshape(h, [h.shape[0], this.featureDim]) as tf.Tensor2D;
        return this.dense ? this.dense.forward(flat, { mode }) : flat;
      });
    });
  }

  /**
   * Serialises the whole net: leaves and logits of every conv tree (exact), pool settings, and the
   * dense tail as {@link LogicNet.toJSON} (bit-exact), with a format version (2) and a CRC-32 `checksum`.
   *
   * @example
   * writeFileSync("net.json", JSON.stringify(net.toJSON()));
   * const back = ConvLogicNet.fromJSON(readFileSync("net.json", "utf8"));
   */
  toJSON(): ConvLogicNetJSON {
    return sealJSON({
      format: "relax-conv-logic-net" as const,
      version: SAVE_VERSION as 2,
      inputShape: [...this.inputShape] as [number, number, number],
      convs: this.convs.map((m) =>
        m instanceof LogicConvTree ? m.toJSON() : { type: "orPool" as const, size: m.size, stride: m.stride, method: m.method },
      ),
      dense: this.dense ? this.dense.toJSON() : null,
    });
  }

  /**
   * Loads a net saved with {@link ConvLogicNet.toJSON} (object or JSON text), version 2 (checksum verified)
   * or 1; every field is validated and any damage is a `RelaxError` naming the field.
   *
   * @example
   * const net = ConvLogicNet.fromJSON(readFileSync("net.json", "utf8"));
   * @throws RelaxError on a corrupt or mismatched file
   */
  static fromJSON(json: ConvLogicNetJSON | string): ConvLogicNet {
    const op = "ConvLogicNet.fromJSON";
    const d = readNetJSON<ConvLogicNetJSON>(op, json, "relax-conv-logic-net");
    checkFields(op, "json", d, CONV_NET_KEYS, ["format", "version", "inputShape", "convs", "dense"]);
    if (!Array.isArray(d.convs)) throw new RelaxError(op, "json.convs", "an array", describe(d.convs));
    const convs: (LogicConvTree | OrPool)[] = [];
    let dense: LogicNet | null = null;
    const rethrow = (e: unknown, where: string): never => {
      if (e instanceof RelaxError) throw new RelaxError(op, `${where}.${e.argument.replace(/^json\./, "")}`, e.expected, e.got);
      throw e;
    };
    try {
      d.convs.forEach((m, i) => {
        const where = `json.convs[${i}]`;
        const type = m && typeof m === "object" ? (m as { type?: unknown }).type : undefined;
        try {
          if (type === "logicConvTree") {
            // A saved net holds float32 values written exactly: any other number (a digit changed) is damage.
            for (const key of ["logits", "wiring"] as const) {
              const values = (m as LogicConvTreeJSON)[key];
              if (!Array.isArray(values)) continue;
              const i = values.findIndex((v) => typeof v === "number" && Math.fround(v) !== v);
              if (i >= 0) throw new RelaxError(op, `${where}.${key}`, "float32 values as written by toJSON", `${values[i]} at ${i}`);
            }
            convs.push(LogicConvTree.fromJSON(m as LogicConvTreeJSON));
          } else if (type === "orPool") {
            checkFields(op, where, m, POOL_JSON_KEYS);
            const p = m as OrPoolJSON;
            convs.push(new OrPool({ size: p.size, stride: p.stride, method: p.method }));
          } else throw new RelaxError(op, `${where}.type`, "'logicConvTree' or 'orPool'", describe(type));
        } catch (e) {
          if (e instanceof RelaxError && e.op === op) throw e;
          rethrow(e, where);
        }
      });
      if (d.dense != null) {
        try {
          dense = LogicNet.fromJSON(d.dense);
        } catch (e) {
          rethrow(e, "json.dense");
        }
      }
      const tail: (LogicLayer | GroupSum)[] = dense ? [...(dense as LogicNet).layers] : [];
      if (dense && (dense as LogicNet).head) tail.push((dense as LogicNet).head as GroupSum);
      return new ConvLogicNet(d.inputShape as [number, number, number], [...convs, ...tail]);
    } catch (e) {
      for (const m of convs) if (m instanceof LogicConvTree) m.dispose();
      (dense as LogicNet | null)?.dispose();
      if (e instanceof RelaxError && e.op !== op) throw new RelaxError(op, e.argument, e.expected, e.got);
      throw e;
    }
  }

  /** Releases every variable. */
  dispose(): void {
    for (const m of this.convs) if (m instanceof LogicConvTree) m.dispose();
    this.dense?.dispose();
  }
}
