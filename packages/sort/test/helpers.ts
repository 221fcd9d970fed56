import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";

export const W_of = (b: number, i: number, j: number): number => Math.sin(1 + 0.37 * b + 0.61 * i + 1.13 * j);
export const V_of = (b: number, j: number): number => Math.cos(0.5 + 0.29 * b + 0.83 * j);

/** `[B, n, n]` tensor with entry [b, j, i] = W(b, i, j): the golden W in the papers' convention. */
export function wPapers(B: number, n: number, cols = n): tf.Tensor3D {
  const w = new Float32Array(B * cols * n);
  for (let b = 0; b < B; b++) for (let j = 0; j < cols; j++) for (let i = 0; i < n; i++) w[b * cols * n + j * n + i] = W_of(b, i, j);
  return tf.tensor3d(w, [B, cols, n]);
}

export function vMat(B: number, n: number): tf.Tensor2D {
  const v = new Float32Array(B * n);
  for (let b = 0; b < B; b++) for (let j = 0; j < n; j++) v[b * n + j] = V_of(b, j);
  return tf.tensor2d(v, [B, n]);
}

/** Transposes nested [B][j][i] arrays to [B][i][j]. */
export function transposeLast(a: number[][][]): number[][][] {
  return a.map((m) => (m[0] ?? []).map((_, i) => m.map((row) => row[i] as number)));
}

export function withReference<T>(fn: () => T): T {
  const prev = tf.env().getBool("RELAX_FORCE_REFERENCE");
  tf.env().set("RELAX_FORCE_REFERENCE", true);
  try {
    return fn();
  } finally {
    tf.env().set("RELAX_FORCE_REFERENCE", prev);
  }
}

export function arr(t: tf.Tensor): number[] {
  return Array.from(t.dataSync());
}
