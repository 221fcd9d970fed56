/**
 * Relaxed conditions of a program (AlgoVision, NeurIPS 2021, Sec. 3): each hard test becomes the
 * probability that it holds when the compared values are perturbed by noise with CDF F and inverse
 * temperature β — `lt(a, b) = F(β(b − a))`, `gt(a, b) = F(β(a − b))`, `eq = f(β(a − b))/f(0)` (with
 * logistic noise `sech²(β(a−b)/2)`), `ne = 1 − eq`. Ties have probability 0, so `le ≡ lt`, `ge ≡ gt`.
 */
import * as tf from "@tensorflow/tfjs-core";
import { RelaxError, describe } from "../errors.js";
import { inputChecksEnabled } from "../validate.js";
import { catProbEq, cosineSimilarity } from "../relaxed/conditions.js";
import { conditionRelaxation, programTConorm } from "./plugins.js";
import { optionSteepness } from "./settings.js";
import type { AnyRealFn, AnyValue, ConditionNode, ResolvedSettings } from "./types.js";
import { callReal, evalReal, type RunEnv, type RunState } from "./values.js";

/** Evaluates a condition to a probability `[batch]`. */
export function evalCondition(env: RunEnv, state: RunState, c: ConditionNode, settings: ResolvedSettings): tf.Tensor1D {
  const shapeB = [env.batch];
  const recur = (v: AnyValue): tf.Tensor => evalCondition(env, state, v as ConditionNode, settings);
  switch (c.kind) {
    case "compare": {
      const beta = optionSteepness(c.options) ?? settings.steepness;
      const rel = conditionRelaxation(c.options.distribution ?? settings.distribution);
      const a = evalReal(env, state, c.left, shapeB, `${c.op} left operand`, settings, beta, recur);
      const b = evalReal(env, state, c.right, shapeB, `${c.op} right operand`, settings, beta, recur);
      return tf.tidy(() => {
        const z = tf.mul(tf.sub(a, b), beta);
        switch (c.op) {
          case "lt":
          case "le":
            return rel.cdfTensor(tf.neg(z));
          case "gt":
          case "ge":
            return rel.cdfTensor(z);
          case "eq":
            return rel.eqTensor(z);
          case "ne":
            return tf.sub(1, rel.eqTensor(z));
        }
      }) as tf.Tensor1D;
    }
    case "isTrue":
    case "isFalse": {
      const v = evalReal(env, state, c.operand, shapeB, c.kind, settings, undefined, recur);
      if (inputChecksEnabled() && !env.explore) {
        const data = v.dataSync();
        for (let i = 0; i < data.length; i++) {
          const x = data[i] as number;
          if (!(x >= -1e-6 && x <= 1 + 1e-6))
            throw new RelaxError(env.op, `${c.kind} operand`, "a probability in [0, 1]", `${describe(x)} in row ${i}`);
        }
      }
      return (c.kind === "isTrue" ? v : tf.sub(1, v)) as tf.Tensor1D;
    }
    case "not":
      return tf.sub(1, evalCondition(env, state, c.operand, settings)) as tf.Tensor1D;
    case "and":
    case "or": {
      const t = programTConorm(c.tnorm, c.p);
      let acc = evalCondition(env, state, c.operands[0] as ConditionNode, settings) as tf.Tensor;
      for (let i = 1; i < c.operands.length; i++) {
        const next = evalCondition(env, state, c.operands[i] as ConditionNode, settings);
        acc = c.kind === "and" ? t.tTensor(acc, next) : t.sTensor(acc, next);
      }
      return acc as tf.Tensor1D;
    }
    case "catProbEq":
    case "cosineSimilarity": {
      const u = evalVector(env, state, c.left, `${c.kind} left operand`, settings);
      const v = evalVector(env, state, c.right, `${c.kind} right operand`, settings);
      if (u.shape.join() !== v.shape.join())
        throw new RelaxError(env.op, `${c.kind} operands`, "tensors of equal shape [batch, k]", `[${u.shape}] and [${v.shape}]`);
      const beta = optionSteepness(c.options) ?? settings.steepness;
      return (c.kind === "catProbEq" ? catProbEq(u, v, { steepness: beta }) : cosineSimilarity(u, v)) as tf.Tensor1D;
    }
    case "probability": {
      const p = callReal(env, state, c.fn as AnyRealFn, settings);
      if (!(p instanceof tf.Tensor) || p.shape.length !== 1 || p.shape[0] !== env.batch) {
        throw new RelaxError(env.op, "condition lambda", `a probability tensor of shape [${env.batch}]`, describe(p));
      }
      return p as tf.Tensor1D;
    }
  }
}

function evalVector(env: RunEnv, state: RunState, value: AnyValue, what: string, settings: ResolvedSettings): tf.Tensor {
  let t: unknown;
  if (typeof value === "string") t = state.reals[value];
  else if (typeof value === "function") t = callReal(env, state, value as AnyRealFn, settings);
  else t = value;
  if (!(t instanceof tf.Tensor) || t.rank !== 2 || t.shape[0] !== env.batch) {
    throw new RelaxError(env.op, what, `a tensor of shape [${env.batch}, k]`, describe(t));
  }
  return t;
}
