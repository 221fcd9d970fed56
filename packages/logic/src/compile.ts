import * as tf from "@tensorflow/tfjs-core";
import { RelaxError, assertOptions, describe } from "@relax/core";
import { checkCircuit } from "./circuit_check.js";
import { buildPlan, groupCounts, packBits, runGatesJS, type ExecPlan, type PackedBits } from "./bit_eval.js";
import { circuitToJSON, compileCircuit, type CompileOptions, type LogicCircuit, type LogicCircuitJSON } from "./circuit.js";
import type { ConvLogicNet } from "./conv_logic_net.js";
import type { LogicNet } from "./logic_net.js";
import { createWasmRunner, wasmSimdSupported, type WasmRunner } from "./wasm_simd.js";

/** Evaluation engine of a {@link CompiledLogicNet}. */
export type BitBackend = "js" | "wasm";

/** Options of {@link compile}. */
export interface CompiledOptions extends CompileOptions {
  /** `'wasm'` (WebAssembly SIMD128, 128 samples per instruction; default where supported) or `'js'` (Int32 words). */
  backend?: BitBackend;
}

/**
 * A trained logic gate network discretised to a simplified Boolean circuit and evaluated
 * bit-packed: 32 samples per Int32 word in JS, 128 per v128 in WebAssembly SIMD; GroupSum by a
 * bit-sliced counter. Class counts equal `round(eval-mode output · τ)` exactly.
 *
 * @example
 * const compiled = compile(net);
 * const counts = compiled.counts(xBits, batch); // Int32Array [batch, k]
 * const labels = compiled.predict(xBits, batch);
 */
export class CompiledLogicNet {
  readonly circuit: LogicCircuit;
  readonly plan: ExecPlan;
  readonly backend: BitBackend;
  private wasm: WasmRunner | null = null;

  constructor(circuit: LogicCircuit, backend: BitBackend = wasmSimdSupported() ? "wasm" : "js") {
    checkCircuit("CompiledLogicNet", circuit);
    if (backend !== "js" && backend !== "wasm") throw new RelaxError("CompiledLogicNet", "backend", "'js' or 'wasm'", describe(backend));
    if (backend === "wasm" && !wasmSimdSupported())
      throw new RelaxError("CompiledLogicNet", "backend", "'js' (WebAssembly SIMD is not available here)", "'wasm'");
    this.circuit = circuit;
    this.plan = buildPlan(circuit);
    this.backend = backend;
  }

  /** Number of gates after simplification. */
  get numGates(): number {
    return this.circuit.ops.length;
  }

  /** Number of classes. */
  get k(): number {
    return this.circuit.k;
  }

  /** Class counts `[batch, k]` (GroupSum before ÷τ) for pre-packed inputs. */
  countsPacked(packed: PackedBits): Int32Array {
    const op = "CompiledLogicNet.countsPacked";
    if (
      !packed ||
      !(packed.words instanceof Int32Array) ||
      packed.numInputs !== this.circuit.numInputs ||
      !Number.isInteger(packed.batch) ||
      !Number.isInteger(packed.blockWords) ||
      !Number.isInteger(packed.numBlocks) ||
      packed.blockWords < 1 ||
      packed.batch < 0 ||
      packed.numBlocks !== Math.ceil(Math.ceil(packed.batch / 32) / packed.blockWords) ||
      packed.words.length !== packed.numBlocks * packed.numInputs * packed.blockWords
    ) {
      throw new RelaxError(op, "packed", `PackedBits with numInputs ${this.circuit.numInputs}`, describe(packed?.numInputs));
    }
    const counts = new Int32Array(packed.batch * this.plan.k);
    if (packed.batch === 0) return counts;
    if (this.backend === "wasm" && packed.blockWords % 4 === 0) {
      if (!this.wasm) this.wasm = createWasmRunner(this.plan);
      this.wasm.run(packed, counts);
      return counts;
    }
    const p = this.plan;
    const W = packed.blockWords;
    const n = p.numInputs;
    const mem = new Int32Array(p.numSlots * W);
    const planeBuf = new Int32Array(p.planes * W);
    const block = n * W;
    for (let blk = 0; blk < packed.numBlocks; blk++) {
      mem.set(packed.words.subarray(blk * block, (blk + 1) * block), W); // inputs occupy slots 1 … n
      runGatesJS(p, mem, W);
      const s0 = blk * W * 32;
      groupCounts(p, mem, W, counts, s0, Math.min(W * 32, packed.batch - s0), planeBuf);
    }
    return counts;
  }

  /**
   * Class counts `[batch, k]` for `x`: a flat row-major array of batch·numInputs values (bit = value > 0.5;
   * a Uint8Array counts non-zero as 1; NaN or a non-number is a `RelaxError`, ±Inf is a bit like any number), nested
   * rows, or a `[batch, numInputs]` tensor. A circuit of a
   * {@link ConvLogicNet} also takes the `[batch, H, W, C]` image tensor; its flat input is the images'
   * row-major data (input `(r·W + c)·C + ch` = pixel (r, c, ch); see `compileConvCircuit`).
   */
  counts(x: ArrayLike<number> | number[][] | tf.Tensor, batch?: number): Int32Array {
    return this.countsPacked(this.pack(x, batch));
  }

  /** Predicted class per sample (first maximum of the counts, as argmax). */
  predict(x: ArrayLike<number> | number[][] | tf.Tensor, batch?: number): Int32Array {
    const packed = this.pack(x, batch);
    const counts = this.countsPacked(packed);
    const k = this.plan.k;
    const out = new Int32Array(packed.batch);
    for (let s = 0; s < packed.batch; s++) {
      let best = 0;
      for (let c = 1; c < k; c++) if ((counts[s * k + c] as number) > (counts[s * k + best] as number)) best = c;
      out[s] = best;
    }
    return out;
  }

  /** Packs inputs in any accepted form (see {@link CompiledLogicNet.counts}). */
  pack(x: ArrayLike<number> | number[][] | tf.Tensor, batch?: number): PackedBits {
    const op = "CompiledLogicNet.counts";
    const n = this.circuit.numInputs;
    if (batch !== undefined && (!Number.isInteger(batch) || batch < 0))
      throw new RelaxError(op, "batch", "an integer >= 0", describe(batch));
    if (x instanceof tf.Tensor) {
      if (x.isDisposed) throw new RelaxError(op, "x", "a live tensor", "a disposed tensor");
      const sh = this.circuit.inputShape;
      const image = sh !== undefined && x.rank === 4 && x.shape[1] === sh[0] && x.shape[2] === sh[1] && x.shape[3] === sh[2];
      if (!image && (x.rank !== 2 || x.shape[1] !== n))
        throw new RelaxError(op, "x", sh ? `[batch, ${n}] or [batch, ${sh.join(", ")}]` : `[batch, ${n}]`, describe(x));
      return packBits(x.dataSync(), x.shape[0] as number, n);
    }
    if (Array.isArray(x) && Array.isArray(x[0])) {
      const rows = x as number[][];
      if (rows.some((r) => !Array.isArray(r) || r.length !== n)) throw new RelaxError(op, "x", `rows of ${n} values`, "a ragged array");
      if (batch !== undefined && batch !== rows.length)
        throw new RelaxError(op, "batch", `${rows.length} (the number of rows) or undefined`, String(batch));
      return packBits(rows.flat(), rows.length, n);
    }
    if (x === null || typeof x !== "object" || typeof (x as ArrayLike<number>).length !== "number")
      throw new RelaxError(op, "x", "a flat numeric array, nested rows or a tensor", describe(x));
    const flat = x as ArrayLike<number>;
    const b = batch ?? flat.length / n;
    if (!Number.isInteger(b)) throw new RelaxError(op, "x", `a multiple of ${n} values`, describe(flat.length));
    return packBits(flat, b as number, n);
  }

  /** JSON gate list of the circuit. */
  toJSON(): LogicCircuitJSON {
    return circuitToJSON(this.circuit);
  }
}

/**
 * Discretises a trained {@link LogicNet} or {@link ConvLogicNet} (argmax gates; conv trees replicated
 * at every position, OR pools as OR gates — see `compileConvCircuit`), simplifies the circuit and
 * prepares the bit-packed evaluator (the counterpart of the reference's `CompiledLogicNet`, without a
 * C compiler).
 *
 * @example
 * const compiled = compile(net, { backend: "wasm" });
 * console.log(compiled.numGates, compiled.predict(xBits, batch));
 */
export function compile(net: LogicNet | ConvLogicNet, options: CompiledOptions = {}): CompiledLogicNet {
  const opts = assertOptions<CompiledOptions>("compile", options, ["simplify", "backend"]);
  const backend = opts.backend;
  if (backend !== undefined && backend !== "js" && backend !== "wasm")
    throw new RelaxError("compile", "options.backend", "'js' or 'wasm'", describe(backend));
  return new CompiledLogicNet(compileCircuit(net, { simplify: opts.simplify }), backend);
}
