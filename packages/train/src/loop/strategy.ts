import * as tf from "@tensorflow/tfjs-core";

/** A per-sample algorithmic loss: outputs `y [N, m]` → losses `[N]` (N = sets / maps / images). */
export type AlgoLoss = (y: tf.Tensor2D) => tf.Tensor1D;

/**
 * A training strategy turns the network outputs `y [N, m]` and a per-sample algorithmic loss into the
 * scalar objective that the optimiser differentiates (optax-style: strategies are small and composable).
 * `loss` is the mean algorithmic loss (for logging); `objective` is what gets minimised.
 */
export interface Strategy {
  readonly name: string;
  apply(y: tf.Tensor2D, loss: AlgoLoss): { objective: tf.Scalar; loss: tf.Scalar };
}

/**
 * The plain strategy: minimise the mean of the per-sample algorithmic loss.
 *
 * @example
 * trainWithAlgorithm({ ..., strategy: plainStrategy() });
 */
export function plainStrategy(): Strategy {
  return {
    name: "plain",
    apply(y, loss) {
      const l = tf.mean(loss(y)) as tf.Scalar;
      return { objective: l, loss: l };
    },
  };
}
