import type * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";

/**
 * Base of `@relax/logic`'s `tf.layers` layers: builds a layer from its saved config (what `tf.loadLayersModel`
 * calls), dropping the `customObjects` entry tfjs adds, so each layer's constructor sees only its own arguments.
 */
export abstract class SavedConfigLayer extends tfl.layers.Layer {
  /** Builds the layer from a saved config; tfjs's `customObjects` entry is dropped. */
  static override fromConfig<T extends tf.serialization.Serializable>(
    cls: tf.serialization.SerializableConstructor<T>,
    config: tf.serialization.ConfigDict,
  ): T {
    const { customObjects: _, ...rest } = config;
    return new cls(rest);
  }
}
