/**
 * Shared test environment: activates tfjs's `webgpu` backend (Dawn in Node) and reports whether it
 * is really active. Without an adapter, WebGPU tests are skipped locally but FAIL when `CI` or
 * `REQUIRE_WEBGPU=1` is set, so CI can never silently fall back to another backend.
 */
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import type { RelaxRasterizeRgbAttrs, RelaxRasterizeSilhouetteAttrs } from "@relax/core";
import "../src/index.js";

export const webgpuRequired = Boolean(process.env.CI) || process.env.REQUIRE_WEBGPU === "1";

let cached: Promise<boolean> | undefined;

/** Initialises the webgpu backend once; true when it is active. Throws when required but missing. */
export function initWebGPU(): Promise<boolean> {
  cached ??= (async () => {
    let ok = false;
    let why = "";
    try {
      ok = await tf.setBackend("webgpu");
    } catch (e) {
      why = String(e);
    }
    ok = ok && tf.getBackend() === "webgpu";
    if (ok) tf.env().set("RELAX_INPUT_CHECKS", false); // see onBackend
    if (!ok && webgpuRequired) {
      throw new Error(
        `WebGPU is required (CI / REQUIRE_WEBGPU=1) but tf.setBackend('webgpu') failed: no adapter? ${why} VK_ICD_FILENAMES=${process.env.VK_ICD_FILENAMES}`,
      );
    }
    return ok;
  })();
  return cached;
}

/** Runs `fn` on the named backend and returns plain arrays of its tensor results. */
export async function onBackend<T>(backend: "cpu" | "webgpu", fn: () => T): Promise<T> {
  const ok = await tf.setBackend(backend);
  if (!ok || tf.getBackend() !== backend) throw new Error(`backend ${backend} not active (got ${tf.getBackend()})`);
  // core's NaN/Inf input scan reads data synchronously, which Dawn in Node cannot do (no OffscreenCanvas).
  tf.env().set("RELAX_INPUT_CHECKS", backend !== "webgpu");
  return fn();
}

/** Max |a − b| / (atol + rtol·|b|) over all entries; ≤ 1 means within tolerance. */
export function maxRelViolation(a: ArrayLike<number>, b: ArrayLike<number>, rtol = 1e-4, atol = 1e-5): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let worst = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs((a[i] as number) - (b[i] as number));
    const v = d / (atol + rtol * Math.abs(b[i] as number));
    if (!(v <= worst)) worst = Number.isNaN(v) ? Infinity : v;
  }
  return worst;
}

/** Max |a − b|. */
export function maxAbsError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs((a[i] as number) - (b[i] as number)));
  return worst;
}

/** Deterministic pseudo-random floats in [lo, hi) (core's seeded generator). */
export { seededUniform as randomFloats } from "@relax/core/testing";

/**
 * One training step of a logic net (softmax cross-entropy of `forward(x)` against one-hot `labels`, gradients of
 * every variable), read back: the loss and each variable's gradient. Disposes `x` and what it creates.
 */
export async function trainStepGrads(
  net: { forward(x: tf.Tensor): tf.Tensor; variables: tf.Variable[] },
  x: tf.Tensor,
  labels: Int32Array,
  classes: number,
): Promise<{ loss: number; grads: Float32Array[] }> {
  const y = tf.oneHot(tf.tensor1d(labels, "int32"), classes);
  const { value, grads } = tf.variableGrads(() => tf.losses.softmaxCrossEntropy(y, net.forward(x)) as tf.Scalar, net.variables);
  const out = {
    loss: (await value.data())[0] as number,
    grads: await Promise.all(net.variables.map((v) => grads[v.name]!.data() as Promise<Float32Array>)),
  };
  tf.dispose([x, y, value, ...Object.values(grads)]);
  return out;
}

/** GenDR rasterizer settings the rasterizer tests start from (logistic τ = 0.05, probabilistic, 12×12). */
export const SILHOUETTE_BASE: RelaxRasterizeSilhouetteAttrs = {
  imageSize: 12,
  distribution: "logistic",
  scale: 0.05,
  squared: false,
  shape: 0,
  shift: 0,
  tconorm: "probabilistic",
  p: NaN,
  distEps: 1e4,
  maxTies: "split",
  pixelConvention: "gendr",
};

/** {@link SILHOUETTE_BASE} plus the colour image's settings (γ = ε = 1e-3, near/far 1/100, black background). */
export const RGB_BASE: RelaxRasterizeRgbAttrs = {
  ...SILHOUETTE_BASE,
  gamma: 1e-3,
  eps: 1e-3,
  near: 1,
  far: 100,
  doubleSide: false,
  background: [0, 0, 0],
};
