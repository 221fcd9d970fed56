import type * as tfl from "@tensorflow/tfjs-layers";
import { RelaxError, describe } from "@relax/core";
import { ConvLogicNet, type ConvLogicModule } from "../conv_logic_net.js";
import { OrPool } from "../or_pool.js";
import { GroupSum } from "../group_sum.js";
import { LogicLayer } from "../logic_layer.js";
import { LogicNet } from "../logic_net.js";
import { LogicConvTreeLayer, OrPoolLayer } from "./conv_tree.js";
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

/**
 * The {@link ConvLogicNet} of a layers model `[logicConvTree | orPoolLayer]… → flatten → [logicLayer | logicStack]… →
 * groupSum?` (LogicTreeNet): the same trees, pools, wiring and logits, so `compileConvCircuit(toConvLogicNet(model))`
 * gives its bit-packed circuit. `tf.layers.flatten` flattens `[H, W, C]` row-major, as `ConvLogicNet` does. Any other
 * layer is a `RelaxError`. The caller disposes the returned net.
 *
 * @example
 * const circuit = compileConvCircuit(toConvLogicNet(model));
 */
export function toConvLogicNet(model: tfl.LayersModel): ConvLogicNet {
  const op = "toConvLogicNet";
  if (!model || typeof model !== "object" || !Array.isArray((model as { layers?: unknown }).layers))
    throw new RelaxError(op, "model", "a tf.LayersModel of logic conv / pool / flatten / logic layers", describe(model));
  const shape = model.inputs[0]?.shape ?? [];
  const inputShape = shape.slice(1) as [number, number, number];
  const modules: ConvLogicModule[] = [];
  let flattened = false;
  const disposeAll = () => {
    for (const m of modules) if ("dispose" in m && typeof m.dispose === "function") m.dispose();
  };
  try {
    model.layers.forEach((layer, i) => {
      const name = layer.getClassName();
      if (name === "InputLayer") return;
      if (!flattened && layer instanceof LogicConvTreeLayer) modules.push(layer.toLogicConvTree());
      else if (!flattened && layer instanceof OrPoolLayer)
        modules.push(new OrPool({ size: layer.pool.size, stride: layer.pool.stride, method: layer.pool.method }));
      else if (!flattened && name === "Flatten") flattened = true;
      else if (flattened && layer instanceof LogicGateLayer) {
        const { a, b } = layer.indices();
        modules.push(LogicLayer.fromWeights({ a, b, logits: layer.logits(), inDim: layer.inDim, gradFactor: layer.gradFactor }));
      } else if (flattened && layer instanceof LogicStackLayer) {
        for (const l of layer.gateLayers()) modules.push(LogicLayer.fromWeights(l));
        if (layer.k > 0) modules.push(new GroupSum(layer.k, layer.tau));
      } else if (flattened && layer instanceof GroupSumLayer) modules.push(new GroupSum(layer.k, layer.tau));
      else
        throw new RelaxError(
          op,
          `model.layers[${i}]`,
          flattened ? "a logicLayer, logicStack or groupSum after the flatten" : "a logicConvTree, orPoolLayer or flatten",
          name,
        );
    });
    return new ConvLogicNet(inputShape, modules);
  } catch (e) {
    disposeAll();
    throw e;
  }
}
