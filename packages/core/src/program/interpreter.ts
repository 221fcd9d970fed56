/**
 * The interpreter of relaxed programs (AlgoVision, Petersen et al., NeurIPS 2021). Every statement
 * maps an immutable state to a new one:
 * - `if`: p = condition; both branches run (each skipped when its probability is ≤ ε) and every real
 *   variable becomes `p·x_true + (1−p)·x_false` ("path merging": linear, not exponential, cost);
 * - `while`: with P₋₁ = 1 and P_k = Π_{j≤k} c(state_k), the result is
 *   `Σ_k (P_{k−1} − P_k)·state_k + P_last·state_last` — the expectation over the stopping time;
 * - `for`: unrolled over hard integers.
 */
import * as tf from "@tensorflow/tfjs-core";
import { RelaxError, describe } from "../errors.js";
import { evalCondition } from "./conditions.js";
import { mergeSettings, optionSteepness } from "./settings.js";
import type { AnyRealFn, AnyValue, ConditionNode, ResolvedSettings, StatementNode } from "./types.js";
import { callReal, evalIndex, evalInt, evalRange, evalReal, type RunEnv, type RunState } from "./values.js";

/** Runs a statement list. */
export function execBlock(env: RunEnv, state: RunState, block: readonly StatementNode[], settings: ResolvedSettings): RunState {
  let s = state;
  for (const stmt of block) s = execStatement(env, s, stmt, settings);
  return s;
}

function withReal(state: RunState, name: string, value: tf.Tensor): RunState {
  return { reals: { ...state.reals, [name]: value }, ints: state.ints };
}

function realOf(env: RunEnv, state: RunState, name: string, what: string): tf.Tensor {
  const t = state.reals[name];
  if (!t) throw new RelaxError(env.op, what, "a declared real variable", `'${name}'`);
  return t;
}

function execStatement(env: RunEnv, state: RunState, stmt: StatementNode, settings: ResolvedSettings): RunState {
  const condEval = (c: AnyValue): tf.Tensor => evalCondition(env, state, c as ConditionNode, settings);
  switch (stmt.kind) {
    case "let": {
      const cur = realOf(env, state, stmt.target, "let target");
      const v = evalReal(env, state, stmt.value, cur.shape, `value of '${stmt.target}'`, settings, optionSteepness(stmt.options), condEval);
      return withReal(state, stmt.target, v);
    }
    case "letMany": {
      const out = callReal(env, state, stmt.fn as AnyRealFn, settings, optionSteepness(stmt.options));
      if (!Array.isArray(out) || out.length !== stmt.targets.length) {
        throw new RelaxError(
          env.op,
          `value of [${stmt.targets.join(", ")}]`,
          `a lambda returning ${stmt.targets.length} tensors`,
          describe(out),
        );
      }
      let s = state;
      stmt.targets.forEach((name, i) => {
        const cur = realOf(env, s, name, "let target");
        const v = evalReal(env, s, () => out[i] as tf.Tensor, cur.shape, `value ${i} of [${stmt.targets.join(", ")}]`, settings);
        s = withReal(s, name, v);
      });
      return s;
    }
    case "letInt": {
      const v = evalInt(env, state, stmt.value, `value of integer '${stmt.target}'`);
      return { reals: state.reals, ints: { ...state.ints, [stmt.target]: v } };
    }
    case "read": {
      const src = realOf(env, state, stmt.source, "read source");
      const cur = realOf(env, state, stmt.target, "read target");
      if (stmt.index.length > src.rank - 1) {
        throw new RelaxError(
          env.op,
          `index of '${stmt.source}'`,
          `at most ${src.rank - 1} indices (the batch axis is implicit)`,
          `${stmt.index.length}`,
        );
      }
      const begin = [0];
      const size = [-1];
      stmt.index.forEach((ix, k) => {
        begin.push(evalIndex(env, state, ix, src.shape[k + 1] as number, `index ${k} of '${stmt.source}'`));
        size.push(1);
      });
      const outShape = [src.shape[0] as number, ...src.shape.slice(stmt.index.length + 1)];
      if (outShape.join() !== cur.shape.join()) {
        throw new RelaxError(
          env.op,
          `read into '${stmt.target}'`,
          `shape [${cur.shape.join(", ")}]`,
          `[${outShape.join(", ")}] (from '${stmt.source}')`,
        );
      }
      const v = tf.tidy(() => tf.reshape(tf.slice(src, begin, size), outShape));
      return withReal(state, stmt.target, v);
    }
    case "write": {
      const cur = realOf(env, state, stmt.target, "write target");
      if (stmt.index.length > cur.rank - 1) {
        throw new RelaxError(
          env.op,
          `index of '${stmt.target}'`,
          `at most ${cur.rank - 1} indices (the batch axis is implicit)`,
          `${stmt.index.length}`,
        );
      }
      const idx = stmt.index.map((ix, k) => evalIndex(env, state, ix, cur.shape[k + 1] as number, `index ${k} of '${stmt.target}'`));
      const k = idx.length;
      const valueShape = [cur.shape[0] as number, ...cur.shape.slice(k + 1)];
      const v = evalReal(
        env,
        state,
        stmt.value,
        valueShape,
        `value written to '${stmt.target}'`,
        settings,
        optionSteepness(stmt.options),
        condEval,
      );
      // AlgoVision's hard write: p·value + (1−p)·array with a constant one-hot p.
      const inner = cur.shape.slice(1);
      const mask = new Float32Array(inner.reduce((a, b) => a * b, 1));
      const strides = inner.map((_, d) => inner.slice(d + 1).reduce((a, b) => a * b, 1));
      const rest = inner.slice(k).reduce((a, b) => a * b, 1);
      const base = idx.reduce((acc, i, d) => acc + i * (strides[d] as number), 0);
      mask.fill(1, base, base + rest);
      const out = tf.tidy(() => {
        const p = tf.tensor(mask, [1, ...inner]);
        const vb = tf.reshape(v, [cur.shape[0] as number, ...idx.map(() => 1), ...cur.shape.slice(k + 1)]);
        return tf.add(cur, tf.mul(p, tf.sub(vb, cur))); // = p·value + (1−p)·array
      });
      return withReal(state, stmt.target, out);
    }
    case "writeRelaxed": {
      const cur = realOf(env, state, stmt.target, "write target");
      const w = evalReal(
        env,
        state,
        stmt.weights,
        cur.shape,
        `weights of the write to '${stmt.target}'`,
        settings,
        optionSteepness(stmt.options),
        condEval,
      );
      // The value may have fewer trailing axes than the target (AlgoVision unsqueezes it at the end).
      const v = evalValueLoose(
        env,
        state,
        stmt.value,
        cur.shape,
        `value written to '${stmt.target}'`,
        settings,
        optionSteepness(stmt.options),
      );
      const out = tf.tidy(() => tf.add(tf.mul(w, v), tf.mul(tf.sub(1, w), cur)));
      return withReal(state, stmt.target, out);
    }
    case "if":
      return execIf(env, state, stmt, mergeSettings(settings, stmt.settings));
    case "while":
      return execWhile(env, state, stmt, mergeSettings(settings, stmt.settings));
    case "for": {
      const inner = mergeSettings(settings, stmt.settings);
      const range = evalRange(env, state, stmt.range, `range of for '${stmt.variable}'`);
      if (stmt.variable in state.ints || stmt.variable in state.reals) {
        throw new RelaxError(env.op, "for variable", "a name not in scope", `'${stmt.variable}'`);
      }
      let s = state;
      const iterations = env.explore ? range.slice(0, 1) : range;
      for (const i of iterations) {
        // One tidy per iteration, and the superseded state released: memory stays flat however long the range.
        const next: RunState = tf.tidy(() => {
          const r = execBlock(env, { reals: s.reals, ints: { ...s.ints, [stmt.variable]: i } }, stmt.body, inner);
          return { reals: { ...r.reals }, ints: { ...r.ints } };
        });
        releaseSuperseded(s.reals, next.reals, state.reals);
        s = next;
      }
      const ints = { ...s.ints };
      delete ints[stmt.variable];
      return { reals: s.reals, ints };
    }
  }
}

/**
 * Disposes the tensors of `old` that neither `next` nor `keep` (the state a loop started from, owned by
 * the caller) holds: a loop's previous iterate. Safe under `tf.grad`: the tape keeps its own copies.
 */
function releaseSuperseded(
  old: Readonly<Record<string, tf.Tensor>>,
  next: Readonly<Record<string, tf.Tensor>>,
  keep: Readonly<Record<string, tf.Tensor>>,
): void {
  const live = new Set([...Object.values(next), ...Object.values(keep)]);
  for (const t of new Set(Object.values(old))) if (!live.has(t)) t.dispose();
}

/** A value of shape `[batch, ...]` that is a prefix of `shape`, expanded with trailing unit axes. */
function evalValueLoose(
  env: RunEnv,
  state: RunState,
  value: AnyValue,
  shape: readonly number[],
  what: string,
  settings: ResolvedSettings,
  beta?: number,
): tf.Tensor {
  if (typeof value === "number") return tf.scalar(value);
  let t: unknown;
  if (typeof value === "string") t = state.reals[value] ?? (value in state.ints ? tf.scalar(state.ints[value] as number) : undefined);
  else if (typeof value === "function") t = callReal(env, state, value as AnyRealFn, settings, beta);
  else t = value instanceof tf.Tensor ? tf.expandDims(value, 0) : undefined;
  if (typeof t === "number") return tf.scalar(t);
  if (!(t instanceof tf.Tensor)) throw new RelaxError(env.op, what, "a variable name, number, tensor or lambda", describe(t ?? value));
  if (t.rank === 0) return t;
  const tt = t;
  const prefixOk =
    tt.rank <= shape.length &&
    tt.shape.every((d: number, i: number) => d === shape[i] || (i === 0 && d === 1 && value instanceof tf.Tensor));
  if (!prefixOk) throw new RelaxError(env.op, what, `a leading part of shape [${shape.join(", ")}]`, `[${t.shape.join(", ")}]`);
  return tf.reshape(t, [...t.shape, ...new Array(shape.length - t.rank).fill(1)]);
}

const stepST = tf.customGrad(((p: tf.Tensor) => ({
  value: tf.cast(tf.greater(p, 0.5), "float32"),
  gradFunc: (dy: tf.Tensor | tf.Tensor[]) => dy as tf.Tensor,
})) as never) as (p: tf.Tensor) => tf.Tensor;

/** Broadcasts a `[batch]` weight over a tensor `[batch, ...]`. */
function rowWeight(w: tf.Tensor, rank: number): tf.Tensor {
  return rank === 1 ? w : tf.reshape(w, [w.shape[0] as number, ...new Array(rank - 1).fill(1)]);
}

function execIf(env: RunEnv, state: RunState, stmt: Extract<StatementNode, { kind: "if" }>, settings: ResolvedSettings): RunState {
  env.stats.ifs++;
  const p = evalCondition(env, state, stmt.condition, settings);
  if (p.shape.length !== 1 || p.shape[0] !== env.batch) {
    throw new RelaxError(env.op, "if condition", `a probability of shape [${env.batch}]`, `[${p.shape.join(", ")}]`);
  }
  const ph = p.dataSync();
  const eps = settings.epsilon;
  const perRow = settings.epsilonScope === "row";
  let needTrue = env.explore;
  let needFalse = env.explore;
  const skipTrueRow = new Float32Array(env.batch);
  const skipFalseRow = new Float32Array(env.batch);
  for (let r = 0; r < env.batch; r++) {
    const pr = ph[r] as number;
    if (pr > eps) needTrue = true;
    else skipTrueRow[r] = 1;
    if (1 - pr > eps) needFalse = true;
    else skipFalseRow[r] = 1;
  }
  let sTrue = state;
  let sFalse = state;
  if (needTrue) sTrue = execBlock(env, state, stmt.then, settings);
  else env.stats.skippedBranches++;
  if (stmt.otherwise) {
    if (needFalse) sFalse = execBlock(env, state, stmt.otherwise, settings);
    else env.stats.skippedBranches++;
  }
  // Integers are hard: both branches must agree.
  for (const key of new Set([...Object.keys(sTrue.ints), ...Object.keys(sFalse.ints)])) {
    if (sTrue.ints[key] !== sFalse.ints[key]) {
      throw new RelaxError(
        env.op,
        `integer '${key}'`,
        "equal in both branches of an if (integers cannot be relaxed)",
        `${sTrue.ints[key]} vs ${sFalse.ints[key]}`,
      );
    }
  }
  // Per-row ε: a row whose branch probability is ≤ ε sees that branch as skipped, exactly as if it ran alone.
  const rowMask = (skip: Float32Array, need: boolean): tf.Tensor | null =>
    perRow && need && skip.some((v) => v === 1) ? tf.tensor1d(skip) : null;
  const maskT = rowMask(skipTrueRow, needTrue && sTrue !== state);
  const maskF = rowMask(skipFalseRow, needFalse && sFalse !== state);
  let q: tf.Tensor;
  if (settings.hard) {
    q = settings.straightThrough ? stepST(p) : tf.tensor1d(Array.from(ph, (v) => (v > 0.5 ? 1 : 0)));
  } else q = p;
  const qByRank = new Map<number, tf.Tensor>();
  const qFor = (rank: number): tf.Tensor => {
    let w = qByRank.get(rank);
    if (!w) qByRank.set(rank, (w = rowWeight(q, rank)));
    return w;
  };
  const reals: Record<string, tf.Tensor> = {};
  for (const [key, orig] of Object.entries(state.reals)) {
    let t = sTrue.reals[key] as tf.Tensor;
    let f = sFalse.reals[key] as tf.Tensor;
    if (t === f) {
      reals[key] = t;
      continue;
    }
    if (t.shape.join() !== f.shape.join()) {
      throw new RelaxError(env.op, `variable '${key}'`, "the same shape in both branches of an if", `[${t.shape}] vs [${f.shape}]`);
    }
    const qw = qFor(t.rank); // outside the tidy: shared by every variable of this rank
    reals[key] = tf.tidy(() => {
      // skipped rows see the unchanged state: x ← x + m·(orig − x)
      if (maskT && t !== orig) t = tf.add(t, tf.mul(rowWeight(maskT, t.rank), tf.sub(orig, t)));
      if (maskF && f !== orig) f = tf.add(f, tf.mul(rowWeight(maskF, f.rank), tf.sub(orig, f)));
      // p·x_true + (1−p)·x_false, as x_false + p·(x_true − x_false) (3 kernels instead of 4)
      return tf.add(f, tf.mul(qw, tf.sub(t, f)));
    });
  }
  return { reals, ints: sTrue.ints };
}

function execWhile(env: RunEnv, state: RunState, stmt: Extract<StatementNode, { kind: "while" }>, settings: ResolvedSettings): RunState {
  const eps = settings.epsilon;
  const perRow = settings.epsilonScope === "row";
  const B = env.batch;
  let pAfter = evalCondition(env, state, stmt.condition, settings) as tf.Tensor;
  const firstP = pAfter;
  if (pAfter.shape.length !== 1 || pAfter.shape[0] !== B) {
    throw new RelaxError(env.op, "while condition", `a probability of shape [${B}]`, `[${pAfter.shape.join(", ")}]`);
  }
  // active[r] = 1 while row r still runs. Batch scope: all rows stop together (AlgoVision).
  const active = new Float32Array(B).fill(1);
  const update = (pa: Float32Array | Int32Array | Uint8Array): { newlyDone: Float32Array; any: boolean } => {
    const newlyDone = new Float32Array(B);
    let any = false;
    if (perRow) {
      for (let r = 0; r < B; r++) {
        if (active[r] === 1 && !((pa[r] as number) > eps)) {
          active[r] = 0;
          newlyDone[r] = 1;
        }
        if (active[r] === 1) any = true;
      }
    } else {
      let mx = -Infinity;
      for (let r = 0; r < B; r++) mx = Math.max(mx, pa[r] as number);
      any = mx > eps;
    }
    return { newlyDone, any };
  };
  const addWeighted = (acc: Record<string, tf.Tensor> | null, s: RunState, w: tf.Tensor): Record<string, tf.Tensor> => {
    const out: Record<string, tf.Tensor> = {};
    for (const [key, v] of Object.entries(s.reals)) {
      const term = tf.mul(rowWeight(w, v.rank), v);
      out[key] = acc ? tf.add(acc[key] as tf.Tensor, term) : term;
    }
    return out;
  };
  const ones = tf.onesLike(pAfter);
  let cur = state;
  const first = update(pAfter.dataSync() as Float32Array);
  // weight of state_k: (P_{k−1} − P_k) for active rows, plus P_k for rows that stop at k (per-row scope).
  const weight = (pb: tf.Tensor, pa: tf.Tensor, wasActive: Float32Array, newlyDone: Float32Array): tf.Tensor =>
    tf.tidy(() => {
      const diff = tf.sub(pb, pa);
      if (!perRow) return diff;
      return tf.add(tf.mul(diff, tf.tensor1d(wasActive)), tf.mul(pa, tf.tensor1d(newlyDone)));
    });
  let acc = addWeighted(null, cur, weight(ones, pAfter, new Float32Array(B).fill(1), first.newlyDone));
  let i = 0;
  let going = first.any;
  const maxIter = env.explore ? Math.min(1, settings.maxIter) : settings.maxIter;
  while ((going || (env.explore && i === 0)) && i < maxIter) {
    const wasActive = Float32Array.from(active);
    const next = tf.tidy(() => {
      const s = execBlock(env, cur, stmt.body, settings);
      const pb = pAfter;
      const pa = tf.mul(pAfter, evalCondition(env, s, stmt.condition, settings));
      return { reals: s.reals, pa, pb, ints: s.ints };
    });
    const pa = next.pa as tf.Tensor;
    const st = update(pa.dataSync() as Float32Array);
    const prev = cur;
    cur = { reals: next.reals as Record<string, tf.Tensor>, ints: next.ints as Record<string, number> };
    const prevAcc = acc;
    acc = tf.tidy(() => addWeighted(acc, cur, weight(next.pb as tf.Tensor, pa, wasActive, st.newlyDone)));
    // Constant memory per iteration: release the previous iterate, accumulator and probability (the
    // first probability may be a variable of the caller's state, so it is kept).
    releaseSuperseded(prev.reals, cur.reals, state.reals);
    tf.dispose(Object.values(prevAcc));
    if (pAfter !== firstP) pAfter.dispose();
    pAfter = pa;
    going = st.any;
    i++;
    env.stats.whileIterations++;
  }
  const finalW = perRow ? tf.mul(pAfter, tf.tensor1d(active)) : pAfter;
  acc = tf.tidy(() => addWeighted(acc, cur, finalW));
  return { reals: acc, ints: cur.ints };
}
