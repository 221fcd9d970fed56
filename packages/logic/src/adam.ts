import * as tf from "@tensorflow/tfjs-core";
import { RelaxError, assertInRange, assertOptions, assertPositive } from "@relax/core";
import { allFiniteValues } from "@relax/core/internal";
import { WasmAdamState } from "./wasm_adam.js";

/** Options of {@link fusedAdam}. */
export interface FusedAdamOptions {
  /** β₁ (default 0.9). */
  beta1?: number;
  /** β₂ (default 0.999). */
  beta2?: number;
  /** ε (default 1e-8, torch's default; tfjs's own Adam defaults to 1e-7). */
  epsilon?: number;
}

/**
 * Adam (Kingma & Ba, 2015) as a tfjs optimizer whose update is one typed-array loop per variable
 * (tfjs's own Adam on the cpu backend runs ~10 broadcasting element-wise ops per step, which dominates
 * a logic-net training step: 768k logits at 784 → 6×8000). Same update as torch.optim.Adam:
 * `m ← β₁m + (1−β₁)g`, `v ← β₂v + (1−β₂)g²`, `θ ← θ − lr·m̂/(√v̂ + ε)`. Moments stay on the host
 * (Float32Array), so use it with the `cpu` / `wasm` backends. A NaN/Inf gradient is a `RelaxError` raised before
 * any variable is updated (the parameters stay as they were).
 */
export class FusedAdamOptimizer extends tf.Optimizer {
  static get className(): string {
    return "FusedAdam";
  }
  private lr: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  private readonly state = new Map<string, { m: Float32Array; v: Float32Array; t: number }>();
  /** WASM SIMD update with m, v in WASM memory (null = the JS loop below). */
  private wasm: WasmAdamState | null | undefined;

  constructor(learningRate: number, options: FusedAdamOptions = {}) {
    super();
    options = assertOptions<FusedAdamOptions>("fusedAdam", options, ["beta1", "beta2", "epsilon"]);
    this.lr = assertPositive("fusedAdam", "learningRate", learningRate);
    this.beta1 = assertInRange("fusedAdam", "beta1", options.beta1 ?? 0.9, 0, 0.999999);
    this.beta2 = assertInRange("fusedAdam", "beta2", options.beta2 ?? 0.999, 0, 0.99999999);
    this.epsilon = assertPositive("fusedAdam", "epsilon", options.epsilon ?? 1e-8);
  }

  /** The step size used by the next update. */
  get learningRate(): number {
    return this.lr;
  }

  /**
   * Sets the step size of the following updates (a learning-rate schedule, e.g. cosine decay); the moments
   * are kept. A non-positive or non-finite value is a `RelaxError`.
   */
  setLearningRate(learningRate: number): void {
    this.lr = assertPositive("fusedAdam.setLearningRate", "learningRate", learningRate);
  }

  /**
   * Zeroes the first moment m of `variable` at the flat `indices` (e.g. after
   * `LogicLayer.resampleCandidates` gave those wiring logits new candidates, so that the momentum of the old
   * candidate does not push the new one). The second moment is kept as the entries' step-size scale: zeroing it
   * too would make the next steps about 3× the learning rate (Adam's bias correction is per variable, not per
   * entry). No-op before the variable's first update. An index outside the variable is a `RelaxError`.
   */
  resetMomentum(variable: tf.Variable, indices: ArrayLike<number>): void {
    const op = "fusedAdam.resetMomentum";
    for (let i = 0; i < indices.length; i++) {
      const e = indices[i] as number;
      if (!Number.isInteger(e) || e < 0 || e >= variable.size)
        throw new RelaxError(op, `indices[${i}]`, `an integer in [0, ${variable.size})`, String(e));
    }
    const s = this.state.get(variable.name);
    if (!s) return;
    const live = this.wasm?.moments(variable.name) ?? null;
    const m = live ? live.m : s.m;
    for (let i = 0; i < indices.length; i++) m[indices[i] as number] = 0;
    if (live) this.wasm?.setMoments(variable.name, m, live.v);
  }

  /**
   * Hands the moments of a variable that was replaced (e.g. the wiring logits that `LogicLayer.pruneCandidates`
   * shrinks) to its successor `to`: entry i of `to` gets m and v of the variable named `from` at the flat index
   * `indices[i]`, and `to` gets `from`'s step count (its bias correction goes on). `from`'s state is dropped;
   * with `to` null it is only dropped (the variable is gone, e.g. after `freezeWiring`). No-op for `to` when
   * `from` has no state yet (before its first update). An index outside `from`, or an `indices` whose length is not
   * `to.size`, is a `RelaxError`.
   */
  carryMoments(from: string, to: tf.Variable | null, indices: ArrayLike<number> = []): void {
    const op = "fusedAdam.carryMoments";
    const s = this.state.get(from);
    if (to && indices.length !== to.size)
      throw new RelaxError(op, "indices", `one index per entry of the new variable (${to.size})`, `${indices.length} indices`);
    if (!s) return;
    const { m, v } = this.wasm?.moments(from) ?? s;
    const m2 = new Float32Array(to ? to.size : 0);
    const v2 = new Float32Array(m2.length);
    for (let i = 0; i < m2.length; i++) {
      const e = indices[i] as number;
      if (!Number.isInteger(e) || e < 0 || e >= m.length)
        throw new RelaxError(op, `indices[${i}]`, `an integer in [0, ${m.length})`, String(e));
      m2[i] = m[e] as number;
      v2[i] = v[e] as number;
    }
    this.state.delete(from);
    this.wasm?.forget(from);
    if (!to) return;
    this.state.set(to.name, { m: m2, v: v2, t: s.t });
    this.wasm?.setMoments(to.name, m2, v2);
  }

  override applyGradients(variableGradients: tf.NamedTensorMap | { name: string; tensor: tf.Tensor }[]): void {
    const list = Array.isArray(variableGradients)
      ? variableGradients.map((v) => ({ name: v.name, grad: v.tensor }))
      : Object.entries(variableGradients).map(([name, grad]) => ({ name, grad }));
    const { beta1: b1, beta2: b2, epsilon: eps, learningRate: lr } = this;
    if (this.wasm === undefined) this.wasm = WasmAdamState.create();
    const wasm = this.wasm;
    // A non-finite gradient is never applied: check all of them before the first update (with WASM, each θ and g
    // is staged into the optimizer's memory and g checked there; the update below reads them from there).
    for (const { name, grad } of list) {
      if (grad == null) continue;
      const g = grad.dataSync();
      const variable = tf.engine().registeredVariables[name];
      if (wasm && variable ? wasm.stage(name, variable.dataSync() as Float32Array, g as Float32Array) : allFiniteValues(g)) continue;
      for (let i = 0; i < g.length; i++) {
        if (!Number.isFinite(g[i] as number))
          throw new RelaxError(
            "fusedAdam",
            `gradient of ${name}`,
            "finite (no NaN or Inf); no parameter was updated",
            `${g[i]} at flat index ${i}`,
          );
      }
    }
    for (const { name, grad } of list) {
      if (grad == null) continue;
      const variable = tf.engine().registeredVariables[name];
      if (!variable) continue;
      const theta = variable.dataSync() as Float32Array;
      let s = this.state.get(name);
      if (!s || s.m.length !== theta.length) {
        s = { m: new Float32Array(theta.length), v: new Float32Array(theta.length), t: 0 };
        this.state.set(name, s);
      }
      s.t += 1;
      const bc1 = 1 - Math.pow(b1, s.t);
      const bc2 = 1 - Math.pow(b2, s.t);
      const stepSize = lr / bc1;
      const sqrtBc2 = Math.sqrt(bc2);
      if (wasm) {
        // θ and g were staged by the check above
        const t = tf.tensor(wasm.update(name, b1, b2, stepSize, sqrtBc2, eps), variable.shape, "float32");
        variable.assign(t);
        t.dispose();
        continue;
      }
      const g = grad.dataSync();
      const { m, v } = s;
      const out = new Float32Array(theta.length);
      for (let i = 0; i < theta.length; i++) {
        const gi = g[i] as number;
        const mi = b1 * (m[i] as number) + (1 - b1) * gi;
        const vi = b2 * (v[i] as number) + (1 - b2) * gi * gi;
        m[i] = mi;
        v[i] = vi;
        out[i] = (theta[i] as number) - (stepSize * mi) / (Math.sqrt(vi) / sqrtBc2 + eps);
      }
      const t = tf.tensor(out, variable.shape, "float32");
      variable.assign(t);
      t.dispose();
    }
    this.incrementIterations();
  }

  /**
   * The optimizer state as tfjs expects it (what `saveCheckpoint` stores): the step count `iter`, then the first
   * moments `<variable>/m` of every variable (in the order of their first update), then the second moments
   * `<variable>/v`.
   */
  override async getWeights(): Promise<{ name: string; tensor: tf.Tensor }[]> {
    const names = [...this.state.keys()];
    const ms: { name: string; tensor: tf.Tensor }[] = [];
    const vs: { name: string; tensor: tf.Tensor }[] = [];
    for (const name of names) {
      const s = this.state.get(name) as { m: Float32Array; v: Float32Array };
      const { m, v } = this.wasm?.moments(name) ?? s;
      const shape = tf.engine().registeredVariables[name]?.shape ?? [m.length];
      ms.push({ name: `${name}/m`, tensor: tf.tensor(m, shape, "float32") });
      vs.push({ name: `${name}/v`, tensor: tf.tensor(v, shape, "float32") });
    }
    return [await this.saveIterations(), ...ms, ...vs];
  }

  /**
   * Restores a state from {@link FusedAdamOptimizer.getWeights} (`loadCheckpoint` calls it): the step count, then the
   * m and v of each variable, matched by name (`<variable>/m`, `<variable>/v`). Every variable's bias-correction step
   * becomes the restored step count.
   */
  override async setWeights(weightValues: { name: string; tensor: tf.Tensor }[]): Promise<void> {
    const rest = await this.extractIterations(weightValues);
    const t = this.iterations;
    const half = rest.length / 2;
    if (!Number.isInteger(half))
      throw new RelaxError(
        "fusedAdam.setWeights",
        "weightValues",
        "the step count, then m and v of every variable",
        `${weightValues.length} tensors`,
      );
    this.state.clear();
    if (this.wasm === undefined) this.wasm = WasmAdamState.create();
    for (let i = 0; i < half; i++) {
      const mw = rest[i] as { name: string; tensor: tf.Tensor };
      const vw = rest[half + i] as { name: string; tensor: tf.Tensor };
      const name = mw.name.replace(/\/m$/, "");
      if (!mw.name.endsWith("/m") || vw.name !== `${name}/v` || mw.tensor.size !== vw.tensor.size)
        throw new RelaxError(
          "fusedAdam.setWeights",
          `weightValues[${i + 1}]`,
          `"<variable>/m" matching "<variable>/v"`,
          `${mw.name}, ${vw.name}`,
        );
      const m = Float32Array.from(mw.tensor.dataSync());
      const v = Float32Array.from(vw.tensor.dataSync());
      this.state.set(name, { m, v, t });
      this.wasm?.setMoments(name, m, v);
    }
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { learningRate: this.learningRate, beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon };
  }

  override dispose(): void {
    this.state.clear();
    this.wasm = undefined;
    super.dispose();
  }
}

/**
 * Adam with a fused host update (see {@link FusedAdamOptimizer}); a drop-in for `tf.train.adam`.
 *
 * @example
 * const opt = fusedAdam(0.01);
 * opt.minimize(() => loss(net.forward(x)), false, net.variables);
 */
export function fusedAdam(learningRate = 0.01, options: FusedAdamOptions = {}): FusedAdamOptimizer {
  return new FusedAdamOptimizer(learningRate, options);
}
