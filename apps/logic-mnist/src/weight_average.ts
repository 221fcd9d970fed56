/**
 * Exponential moving average of a net's trainable variables (Polyak–Ruppert averaging, Polyak & Juditsky 1992;
 * the EMA form of e.g. Izmailov et al.'s SWA discussion): `ā ← d·ā + (1 − d)·w` after each step, evaluated and
 * discretised in place of the last iterate. For a logic net the circuit is the argmax of the averaged logits.
 */
import * as tf from "@tensorflow/tfjs-core";

export class WeightAverage {
  private readonly avg: Float32Array[];

  /** Starts the average at the variables' current values; `decay` d in (0, 1). */
  constructor(
    private readonly variables: tf.Variable[],
    readonly decay: number,
  ) {
    this.avg = variables.map((v) => Float32Array.from(v.dataSync() as Float32Array));
  }

  /** Folds the variables' current values into the average (call after each optimizer step). */
  update(): void {
    const d = this.decay;
    this.variables.forEach((v, i) => {
      const w = v.dataSync() as Float32Array;
      const a = this.avg[i] as Float32Array;
      for (let e = 0; e < a.length; e++) a[e] = d * (a[e] as number) + (1 - d) * (w[e] as number);
    });
  }

  /** Sets the average at flat `indices` of `variable` to its current value (e.g. after a candidate was resampled). */
  restart(variable: tf.Variable, indices: ArrayLike<number>): void {
    const i = this.variables.indexOf(variable);
    if (i < 0) return;
    const w = variable.dataSync() as Float32Array;
    const a = this.avg[i] as Float32Array;
    for (let k = 0; k < indices.length; k++) a[indices[k] as number] = w[indices[k] as number] as number;
  }

  /** Runs `fn` with the averaged values in the variables, then puts the trained values back. */
  with<T>(fn: () => T): T {
    const saved = this.variables.map((v) => Float32Array.from(v.dataSync() as Float32Array));
    this.assign(this.avg);
    try {
      return fn();
    } finally {
      this.assign(saved);
    }
  }

  /** Replaces the variables' values by the average for good (before the final evaluation, compile and save). */
  commit(): void {
    this.assign(this.avg);
  }

  private assign(values: Float32Array[]): void {
    this.variables.forEach((v, i) => {
      const t = tf.tensor(values[i] as Float32Array, v.shape, "float32");
      v.assign(t);
      t.dispose();
    });
  }
}
