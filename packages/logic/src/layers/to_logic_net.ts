import type * as tfl from "@tensorflow/tfjs-layers";
import { RelaxError, describe } from "@relax/core";
import { GroupSum } from "../group_sum.js";
import { LogicLayer } from "../logic_layer.js";
import { LogicNet } from "../logic_net.js";
import { GroupSumLayer } from "./group_sum.js";
import { LogicGateLayer } from "./logic_layer.js";
import { LogicStackLayer } from "./logic_stack.js";

/**
 * The {@link LogicNet} of a layers model made of {@link LogicGateLayer}s and {@link LogicStackLayer}s (and a final
 * {@link GroupSumLayer}): the same
 * connections, logits (copied bit-exactly), gradFactors and head, so `compile(toLogicNet(model))` gives the
 * bit-packed circuit exactly as for a `LogicNet` trained directly. Input layers are skipped; any other layer is a
 * `RelaxError`. The caller disposes the returned net.
 *
 * @example
 * const circuit = compile(toLogicNet(model)); // CompiledLogicNet
 */
export function toLogicNet(model: tfl.LayersModel): LogicNet {
  const op = "toLogicNet";
  if (!model || typeof model !== "object" || !Array.isArray((model as { layers?: unknown }).layers))
    throw new RelaxError(op, "model", "a tf.LayersModel of logicLayer / groupSum layers", describe(model));
  const modules: (LogicLayer | GroupSum)[] = [];
  try {
    model.layers.forEach((layer, i) => {
      if (layer.getClassName() === "InputLayer") return;
      if (layer instanceof LogicGateLayer) {
        const { a, b } = layer.indices();
        modules.push(LogicLayer.fromWeights({ a, b, logits: layer.logits(), inDim: layer.inDim, gradFactor: layer.gradFactor }));
      } else if (layer instanceof LogicStackLayer) {
        for (const l of layer.gateLayers()) modules.push(LogicLayer.fromWeights(l));
        if (layer.k > 0) modules.push(new GroupSum(layer.k, layer.tau));
      } else if (layer instanceof GroupSumLayer) modules.push(new GroupSum(layer.k, layer.tau));
      else throw new RelaxError(op, `model.layers[${i}]`, "a logicLayer or groupSum layer", layer.getClassName());
    });
    return new LogicNet(modules);
  } catch (e) {
    for (const m of modules) if (m instanceof LogicLayer) m.dispose();
    throw e;
  }
}
