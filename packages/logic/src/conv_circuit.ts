import { RelaxError, describe } from "@relax/core";
import type { CompileOptions, LogicCircuit } from "./circuit.js";
import { CircuitBuilder, appendLogicLayers } from "./circuit_builder.js";
import { ConvLogicNet } from "./conv_logic_net.js";
import { LogicConvTree } from "./conv_tree.js";

/** OR gate id (`A | B`, `GATE_NAMES[7]`). */
const GATE_OR = 7;

/** Balanced OR of literals (pairwise, level by level); a single literal is returned as is. */
function orAll(b: CircuitBuilder, lits: number[]): number {
  let level = lits;
  while (level.length > 1) {
    const next: number[] = [];
    for (let m = 0; m + 1 < level.length; m += 2) next.push(b.gate(GATE_OR, level[m] as number, level[m + 1] as number));
    if (level.length % 2) next.push(level[level.length - 1] as number);
    level = next;
  }
  return level[0] as number;
}

/**
 * Discretises a convolutional logic gate network (Petersen et al., *Convolutional Differentiable
 * Logic Gate Networks*, NeurIPS 2024; a {@link ConvLogicNet}) into a {@link LogicCircuit}, in eval
 * mode: every node of every {@link LogicConvTree} becomes its argmax gate, replicated at every output
 * position (shared weights → the same gate ids at every position); `'same'` padding reads the
 * constant-false node 0 outside the image (the forward's zero padding); every `OrPool` window
 * becomes a balanced tree of `size² − 1` OR gates (on 0/1 inputs `'max'` and `'probabilistic'` pooling
 * both are the Boolean OR); the last feature map is flattened row-major `[H, W, C]` as the forward
 * does, then the `LogicLayer`s and the `GroupSum` head compile as in `compileCircuit`. The same
 * simplification pass follows (`simplify`, default true).
 *
 * **Input layout**: input `x[(r·W + c)·C + ch]` (node `1 + (r·W + c)·C + ch`) is pixel (row r, column c,
 * channel ch) of the `[H, W, C] = net.inputShape` image — the row-major flattening of an image batch
 * `[batch, H, W, C]`, so `compiled.counts(images.dataSync(), batch)` (or the `[batch, H, W, C]` tensor
 * itself) feeds it directly. The circuit records `inputShape`.
 *
 * **Outputs**: with a GroupSum head, `k` classes of `outDim / k` outputs and the head's τ; without a
 * head, one output per value of the dense tail's last layer (or of the flattened feature map when the
 * net has no dense tail), `k` = that width, τ = 1. `sourceGates` counts every tree node at every
 * position, every pooling OR gate and every dense neuron before simplification.
 * On 0/1 images the circuit's class counts equal `round(eval-mode forward · τ)` exactly.
 *
 * @example
 * const circuit = compileConvCircuit(net);            // net: ConvLogicNet([8, 8, 1], [...])
 * const compiled = new CompiledLogicNet(circuit);     // or simply compile(net)
 * const labels = compiled.predict(images);            // images: [batch, 8, 8, 1] 0/1 tensor
 */
export function compileConvCircuit(net: ConvLogicNet, options: CompileOptions = {}): LogicCircuit {
  const op = "compileConvCircuit";
  if (!(net instanceof ConvLogicNet)) throw new RelaxError(op, "net", "a ConvLogicNet", describe(net));
  const simplify = options.simplify ?? true;
  if (typeof simplify !== "boolean") throw new RelaxError(op, "options.simplify", "a boolean", describe(simplify));
  let [h, w, c] = net.inputShape;
  const builder = new CircuitBuilder(h * w * c, simplify);
  // Feature map as literals, row-major [h, w, c].
  let fm: Int32Array = new Int32Array(h * w * c);
  for (let i = 0; i < fm.length; i++) fm[i] = builder.input(i);
  let sourceGates = 0;
  for (const m of net.convs) {
    if (m instanceof LogicConvTree) {
      const [ho, wo] = m.outputSize(h, w, op);
      const lo = m.padding === "same" ? Math.floor((m.receptiveField - 1) / 2) : 0;
      const ids = m.gateIds();
      const { leafY, leafX, leafC } = m.discreteLeaves(); // learned leaves: the argmax candidate
      const leaves = 1 << m.depth;
      const nodes = leaves - 1;
      const K = m.outChannels;
      const out = new Int32Array(ho * wo * K);
      const level = new Int32Array(leaves);
      for (let i = 0; i < ho; i++) {
        for (let j = 0; j < wo; j++) {
          for (let k = 0; k < K; k++) {
            for (let l = 0; l < leaves; l++) {
              const q = k * leaves + l;
              const r = i * m.stride + (leafY[q] as number) - lo;
              const col = j * m.stride + (leafX[q] as number) - lo;
              level[l] = r >= 0 && r < h && col >= 0 && col < w ? (fm[(r * w + col) * c + (leafC[q] as number)] as number) : 0;
            }
            // Node order: level 0 left to right, …, root last; node t of a level reads 2t (A), 2t+1 (B) below.
            let node = k * nodes;
            for (let width = leaves >> 1; width >= 1; width >>= 1) {
              for (let t = 0; t < width; t++)
                level[t] = builder.gate(ids[node++] as number, level[2 * t] as number, level[2 * t + 1] as number);
            }
            out[(i * wo + j) * K + k] = level[0] as number;
          }
        }
      }
      sourceGates += ho * wo * K * nodes;
      fm = out;
      [h, w, c] = [ho, wo, K];
    } else {
      const { size, stride } = m;
      const ho = Math.floor((h - size) / stride) + 1;
      const wo = Math.floor((w - size) / stride) + 1;
      const out = new Int32Array(ho * wo * c);
      const win: number[] = new Array<number>(size * size);
      for (let i = 0; i < ho; i++) {
        for (let j = 0; j < wo; j++) {
          for (let ch = 0; ch < c; ch++) {
            for (let u = 0; u < size; u++)
              for (let v = 0; v < size; v++) win[u * size + v] = fm[((i * stride + u) * w + j * stride + v) * c + ch] as number;
            out[(i * wo + j) * c + ch] = orAll(builder, win);
          }
        }
      }
      sourceGates += ho * wo * c * (size * size - 1);
      fm = out;
      [h, w] = [ho, wo];
    }
  }
  let outputs: Int32Array = fm;
  let k = fm.length;
  let tau = 1;
  if (net.dense) {
    outputs = appendLogicLayers(builder, net.dense.layers, fm);
    sourceGates += net.dense.numGates;
    k = net.dense.head ? net.dense.head.k : outputs.length;
    tau = net.dense.head ? net.dense.head.tau : 1;
  }
  return builder.finish(outputs, k, tau, sourceGates, [...net.inputShape]);
}
