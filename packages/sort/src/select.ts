import * as tf from "@tensorflow/tfjs-core";
import { runFusedKernel, useFused, RelaxSortNetSelect, type RelaxSortNetSelectAttrs } from "@relax/core";
import "./kernels/register.js";
import { getNetwork } from "./networks.js";
import { selectReferenceUnchecked } from "./reference.js";

/** The fixed left factor U0 `[k, n]` of a selection (internal; see RelaxSortNetSelectAttrs). */
export function selectInit(init: RelaxSortNetSelectAttrs["init"], k: number, n: number): tf.Tensor2D {
  const u = new Float32Array(k * n);
  if (init === "topk") for (let j = 0; j < k; j++) u[j * n + (n - 1 - j)] = 1;
  else for (let w = 0; w < n; w++) u[w] = init === "rank" ? w : n - 1 - w;
  return tf.tensor2d(u, [k, n]);
}

/** `U0 · P(x2)` for `x2: [rows, n]` → `[rows, k, n]`, fused kernel or reference (internal). */
export function selectRows(x2: tf.Tensor2D, attrs: RelaxSortNetSelectAttrs): tf.Tensor3D {
  if (useFused(RelaxSortNetSelect, attrs)) {
    return runFusedKernel<tf.Tensor3D>(RelaxSortNetSelect, { x: x2 }, attrs);
  }
  const n = x2.shape[1];
  const layers = getNetwork(attrs.network, n, attrs.k).layers;
  return selectReferenceUnchecked(x2, layers, attrs, selectInit(attrs.init, attrs.k, n));
}
