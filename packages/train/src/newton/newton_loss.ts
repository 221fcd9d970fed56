import * as tf from "@tensorflow/tfjs-core";
import { RelaxError, assertFinite, assertOneOf, assertOptions, assertPositive, describe } from "@relax/core";
import type { AlgoLoss, Strategy } from "../loop/strategy.js";
import { releaseTape } from "../runtime/tape.js";
import { solveSymmetric } from "./linalg.js";

/** Options of the Newton losses. */
export interface NewtonOptions {
  /** `'hessian'` (batch-averaged Hessian) or `'fisher'` (empirical Fisher); default `'fisher'`. */
  variant?: "hessian" | "fisher";
  /** Tikhonov regularisation λ > 0 … (λ → ∞: plain gradient descent with learning rate / λ); default 1. */
  lambda?: number;
  /**
   * How the Hessian is computed (variant `'hessian'`): `'autodiff'` (nested `tf.grad`, needs second-order
   * gradients of every op), `'finite-diff'` (central differences of the gradient, 2m gradient evaluations),
   * `'auto'` (autodiff, finite differences if that fails; default), or a function `y [N, m] → [m, m]`
   * returning the batch-averaged Hessian.
   */
  hessian?: "auto" | "autodiff" | "finite-diff" | ((y: tf.Tensor2D) => tf.Tensor2D);
  /** Step of the finite-difference Hessian (default 1e-2 · max(1, |y|∞)). */
  fdStep?: number;
}

/** The result of {@link newtonTargets} (all detached). */
export interface NewtonTargets {
  /** Targets `z* [N, m]`. */
  z: tf.Tensor2D;
  /** Gradient of the per-sample losses `∇_{y_i} ℓ_i [N, m]`. */
  grad: tf.Tensor2D;
  /** Curvature matrix (`H` or `F`, without λ) `[m, m]`. */
  curvature: tf.Tensor2D;
}

const NEWTON_KEYS = ["variant", "lambda", "hessian", "fdStep"] as const;

/** Validates Newton options (keys, variant, λ, hessian, fdStep); returns them typed. */
function checkOptions(op: string, options: unknown): NewtonOptions {
  const o = assertOptions<NewtonOptions>(op, options, NEWTON_KEYS);
  assertOneOf(op, "variant", o.variant ?? "fisher", ["hessian", "fisher"] as const);
  checkLambda(op, o.lambda ?? 1);
  if (o.hessian !== undefined && typeof o.hessian !== "function")
    assertOneOf(op, "hessian", o.hessian, ["auto", "autodiff", "finite-diff"] as const);
  if (o.fdStep !== undefined) assertPositive(op, "fdStep", o.fdStep);
  return o;
}

/** Throws unless every entry of a host array is finite (a NaN gradient or curvature makes the Newton step meaningless). */
function checkHost(op: string, arg: string, v: ArrayLike<number>): void {
  for (let i = 0; i < v.length; i++) {
    if (!Number.isFinite(v[i] as number))
      throw new RelaxError(op, arg, "finite (check the loss at these outputs)", `${describe(v[i])} at flat index ${i}`);
  }
}

function perSampleGrad(y: tf.Tensor2D, loss: AlgoLoss): tf.Tensor2D {
  return tf.tidy(() => tf.grad((yy: tf.Tensor) => tf.sum(loss(yy as tf.Tensor2D)))(y) as tf.Tensor2D);
}

function hessianAutodiff(y: tf.Tensor2D, loss: AlgoLoss): tf.Tensor2D {
  const [N, m] = y.shape;
  return tf.tidy(() => {
    const rows: tf.Tensor[] = [];
    for (let a = 0; a < m; a++) {
      const ga = tf.grad((yy: tf.Tensor) => {
        const g = tf.grad((y2: tf.Tensor) => tf.sum(loss(y2 as tf.Tensor2D)))(yy);
        return tf.sum(tf.slice(g, [0, a], [N, 1]));
      })(y);
      rows.push(tf.div(tf.sum(ga, 0), N));
    }
    return tf.stack(rows) as tf.Tensor2D;
  });
}

function hessianFiniteDiff(y: tf.Tensor2D, loss: AlgoLoss, step?: number): tf.Tensor2D {
  const [N, m] = y.shape;
  return tf.tidy(() => {
    const scale = Math.max(1, tf.max(tf.abs(y)).dataSync()[0] as number);
    const h = step ?? 1e-2 * scale;
    const cols: tf.Tensor[] = [];
    for (let a = 0; a < m; a++) {
      const e = tf.mul(tf.oneHot(tf.fill([N], a, "int32"), m), h);
      const gp = perSampleGrad(tf.add(y, e) as tf.Tensor2D, loss);
      const gm = perSampleGrad(tf.sub(y, e) as tf.Tensor2D, loss);
      cols.push(tf.div(tf.sum(tf.sub(gp, gm), 0), 2 * h * N)); // column a: mean_i ∂g_i/∂y_{i,a}
    }
    const Hc = tf.stack(cols, 1) as tf.Tensor2D;
    return tf.div(tf.add(Hc, tf.transpose(Hc)), 2) as tf.Tensor2D; // symmetrise
  });
}

/** `Z = Y − G·(C + λI)⁻¹` on the host (C symmetric). */
function newtonStep(y: tf.Tensor2D, g: tf.Tensor2D, C: tf.Tensor2D, lambda: number): tf.Tensor2D {
  const [N, m] = y.shape;
  if (C.rank !== 2 || C.shape[0] !== m || C.shape[1] !== m)
    throw new RelaxError("newtonTargets", "curvature", `[${m}, ${m}]`, `[${C.shape.join(", ")}]`);
  const c = C.dataSync();
  checkHost("newtonTargets", "curvature", c);
  const A = new Float64Array(m * m);
  for (let i = 0; i < m * m; i++) A[i] = c[i] as number;
  for (let i = 0; i < m; i++) A[i * m + i] = (A[i * m + i] as number) + lambda;
  // (C+λI) Xᵀ = Gᵀ  →  X = G (C+λI)⁻¹
  const gv = g.dataSync();
  checkHost("newtonTargets", "gradient of loss", gv);
  const Gt = new Float64Array(m * N);
  for (let i = 0; i < N; i++) for (let j = 0; j < m; j++) Gt[j * N + i] = gv[i * m + j] as number;
  const Xt = solveSymmetric(A, Gt, m, N);
  const yv = y.dataSync();
  const z = new Float32Array(N * m);
  for (let i = 0; i < N; i++) for (let j = 0; j < m; j++) z[i * m + j] = (yv[i * m + j] as number) - (Xt[j * N + i] as number);
  return tf.tensor2d(z, [N, m]);
}

function checkLambda(op: string, lambda: number): number {
  if (!(typeof lambda === "number" && Number.isFinite(lambda) && lambda >= 0))
    throw new RelaxError(op, "lambda", "a finite number ≥ 0", String(lambda));
  return lambda;
}

/**
 * Newton-loss targets (Petersen et al., "Newton Losses", NeurIPS 2024, Def. 1–2): one regularised Newton step of the
 * per-sample algorithmic loss in output space, `z*_i = y_i − (C + λI)⁻¹ ∇_{y_i} ℓ_i(y)` with the batch-averaged
 * Hessian `C = (1/N) Σ_j ∇²ℓ_j` or empirical Fisher `C = (1/N) Σ_j ∇ℓ_j ∇ℓ_jᵀ`. The m×m solve runs on the host
 * (Cholesky, LU fallback when `C + λI` is indefinite). Everything returned is detached.
 *
 * @param y `[N, m]` network outputs
 * @param loss per-sample loss `[N, m] → [N]`
 * @example
 * const { z } = newtonTargets(y, (y) => perSampleLoss(y), { variant: "fisher", lambda: 0.1 });
 * const surrogate = tf.mul(0.5, tf.mean(tf.sum(tf.square(tf.sub(z, y)), 1)));
 */
export function newtonTargets(y: tf.Tensor2D, loss: AlgoLoss, options: NewtonOptions = {}): NewtonTargets {
  const op = "newtonTargets";
  options = checkOptions(op, options);
  const variant = options.variant ?? "fisher";
  const lambda = options.lambda ?? 1;
  if (!(y instanceof tf.Tensor) || y.rank !== 2)
    throw new RelaxError(op, "y", "a [N, m] tensor", y instanceof tf.Tensor ? `[${y.shape.join(", ")}]` : typeof y);
  if (typeof loss !== "function") throw new RelaxError(op, "loss", "a per-sample loss (y [N, m]) => [N]", describe(loss));
  assertFinite(op, "y", y);
  try {
    return targets(y, loss, options, variant, lambda);
  } catch (e) {
    releaseTape(); // a loss that threw inside tf.grad left the tape's saved tensors behind
    throw e;
  }
}

function targets(y: tf.Tensor2D, loss: AlgoLoss, options: NewtonOptions, variant: "hessian" | "fisher", lambda: number): NewtonTargets {
  return tf.tidy(() => {
    const yd = tf.clone(y) as tf.Tensor2D; // a new leaf: no gradient flows back into y
    const g = perSampleGrad(yd, loss);
    const N = y.shape[0];
    let C: tf.Tensor2D;
    if (variant === "fisher") C = tf.div(tf.matMul(g, g, true, false), N) as tf.Tensor2D;
    else {
      const how = options.hessian ?? "auto";
      if (typeof how === "function") C = how(yd);
      else if (how === "finite-diff") C = hessianFiniteDiff(yd, loss, options.fdStep);
      else if (how === "autodiff") C = hessianAutodiff(yd, loss);
      else {
        try {
          C = hessianAutodiff(yd, loss);
        } catch {
          releaseTape(); // the failed second-order pass left its saved tensors on the tape
          C = hessianFiniteDiff(yd, loss, options.fdStep);
        }
      }
    }
    const z = newtonStep(yd, g, C, lambda);
    return { z, grad: g, curvature: C };
  });
}

/**
 * The Newton loss `ℓ*(y) = (1/N) Σ_i ½‖z*_i − y_i‖²` with detached targets from {@link newtonTargets}
 * (Newton Losses, NeurIPS 2024): its gradient w.r.t. `y` is `(y − z*)/N`, a regularised Newton step.
 *
 * @example
 * const l = newtonLoss(y, perSampleLoss, { variant: "hessian", lambda: 1 });   // scalar
 */
export function newtonLoss(y: tf.Tensor2D, loss: AlgoLoss, options: NewtonOptions = {}): tf.Scalar {
  checkOptions("newtonLoss", options);
  return tf.tidy(() => {
    const { z } = newtonTargets(y, loss, options);
    return tf.mul(0.5, tf.mean(tf.sum(tf.square(tf.sub(z, y)), 1))) as tf.Scalar;
  });
}

/**
 * Training strategy that minimises the Newton loss instead of the algorithmic loss (the logged loss stays the
 * algorithmic one).
 *
 * @example
 * trainWithAlgorithm({ ..., strategy: newtonStrategy({ variant: "fisher", lambda: 1 }) });
 */
export function newtonStrategy(options: NewtonOptions = {}): Strategy {
  const variant = checkOptions("newtonStrategy", options).variant ?? "fisher";
  return {
    name: `newton-${variant}`,
    apply(y, loss) {
      const l = tf.mean(loss(tf.clone(y) as tf.Tensor2D)) as tf.Scalar;
      // a NaN/Inf loss has no Newton step: hand the loop a non-finite objective, which it stops at (or skips)
      if (!Number.isFinite(l.dataSync()[0] as number)) return { objective: tf.mul(tf.sum(y), Number.NaN) as tf.Scalar, loss: l };
      const objective = newtonLoss(y, loss, options);
      return { objective, loss: l };
    },
  };
}

/** Options of {@link injectFisher} and {@link injectFisherStrategy}. */
export interface InjectFisherOptions {
  /** Tikhonov regularisation λ ≥ 0 added to the empirical Fisher (default 1). */
  lambda?: number;
}

/**
 * InjectFisher (Newton Losses, Alg. 2): identity in the forward pass; in the backward pass the incoming gradient
 * `g [N, m]` of a **mean-reduced** loss becomes `g·(N·gᵀg + λI)⁻¹`, exactly the gradient of the mean-reduced
 * empirical-Fisher Newton loss (since `g_i = ∇ℓ_i/N`, `N·gᵀg` is the empirical Fisher). Costs one m×m solve.
 *
 * @param y `[N, m]`
 * @param options `{ lambda }` (default 1)
 * @example
 * const l = tf.mean(perSampleLoss(injectFisher(y, { lambda: 0.1 })));   // backprop gives the Fisher Newton step
 */
export function injectFisher(y: tf.Tensor2D, options?: InjectFisherOptions): tf.Tensor2D;
/**
 * InjectFisher with λ given positionally.
 *
 * @deprecated Pass an options object, `injectFisher(y, { lambda })` (as `injectFisherStrategy({ lambda })`); the
 * positional form goes in the next minor release.
 */
export function injectFisher(y: tf.Tensor2D, lambda: number): tf.Tensor2D;
export function injectFisher(y: tf.Tensor2D, options: InjectFisherOptions | number = {}): tf.Tensor2D {
  const lambda = checkLambda(
    "injectFisher",
    typeof options === "number" ? options : (assertOptions<InjectFisherOptions>("injectFisher", options, ["lambda"]).lambda ?? 1),
  );
  if (!(y instanceof tf.Tensor) || y.rank !== 2)
    throw new RelaxError("injectFisher", "y", "a [N, m] tensor", y instanceof tf.Tensor ? `[${y.shape.join(", ")}]` : typeof y);
  assertFinite("injectFisher", "y", y);
  const f = tf.customGrad(((x: tf.Tensor2D) => ({
    value: tf.clone(x),
    gradFunc: (dy: tf.Tensor2D) => {
      const [N, m] = dy.shape;
      const d = dy.dataSync();
      // a NaN/Inf incoming gradient has no Fisher step: pass it on (the training loop checks gradients before updating)
      if (d.some((v) => !Number.isFinite(v))) return tf.fill([N, m], Number.NaN) as tf.Tensor2D;
      const A = new Float64Array(m * m);
      for (let i = 0; i < N; i++) {
        for (let a = 0; a < m; a++) {
          const da = d[i * m + a] as number;
          for (let b = 0; b < m; b++) A[a * m + b] = (A[a * m + b] as number) + N * da * (d[i * m + b] as number);
        }
      }
      for (let a = 0; a < m; a++) A[a * m + a] = (A[a * m + a] as number) + lambda;
      const Dt = new Float64Array(m * N);
      for (let i = 0; i < N; i++) for (let a = 0; a < m; a++) Dt[a * N + i] = d[i * m + a] as number;
      const Xt = solveSymmetric(A, Dt, m, N);
      const out = new Float32Array(N * m);
      for (let i = 0; i < N; i++) for (let a = 0; a < m; a++) out[i * m + a] = Xt[a * N + i] as number;
      return tf.tensor2d(out, [N, m]);
    },
  })) as unknown as Parameters<typeof tf.customGrad>[0]);
  return f(y) as tf.Tensor2D;
}

/**
 * Training strategy with {@link injectFisher}: the mean algorithmic loss of `injectFisher(y, λ)` (same cost as the
 * baseline; its gradient is the Fisher Newton-loss gradient).
 */
export function injectFisherStrategy(options: InjectFisherOptions = {}): Strategy {
  const lambda = checkLambda(
    "injectFisherStrategy",
    assertOptions<InjectFisherOptions>("injectFisherStrategy", options, ["lambda"]).lambda ?? 1,
  );
  return {
    name: "inject-fisher",
    apply(y, loss) {
      const l = tf.mean(loss(injectFisher(y, { lambda }))) as tf.Scalar;
      return { objective: l, loss: l };
    },
  };
}
