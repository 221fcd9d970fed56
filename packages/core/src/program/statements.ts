/**
 * The statement and condition constructors of the relaxed-program DSL, handed to `.body($ => [...])`.
 * Their type parameters carry the names of the real (`R`) and integer (`I`) variables in scope, so a
 * misspelt name or an integer assigned from a real value is a TypeScript error; the same checks run
 * again when the program is built (for JavaScript callers), and throw a `RelaxError`.
 */
import type * as tf from "@tensorflow/tfjs-core";
import { RelaxError, describe } from "../errors.js";
import { assertOptions } from "../validate.js";
import type {
  AnyRealFn,
  AnyValue,
  CompareOp,
  ConditionNode,
  ConditionOptions,
  IndexValue,
  IntFn,
  LetOptions,
  ProgramSettings,
  RangeValue,
  RealFn,
  RealValue,
  Scope,
  StatementNode,
  ExprContext,
  IntScope,
  IntContext,
} from "./types.js";

/** Options of `$.and` / `$.or`: the t-norm / t-conorm family (default `'probabilistic'`: p·q and p+q−pq) and its parameter. */
export interface LogicOptions {
  tconorm?: string;
  p?: number;
}

/** A value a condition compares: a real (or integer) variable name, a number, or a lambda returning `[batch]`. */
export type Operand<R extends string, I extends string> = R | I | number | RealFn<R, I>;

/** Checks the options of `$.and` / `$.or` (unknown keys, a non-finite p) when the body is built. */
function logicOptions(what: string, options: LogicOptions): LogicOptions {
  const o = assertOptions<LogicOptions>("program", options, ["tconorm", "p"], `${what} options`);
  if (o.p !== undefined && (typeof o.p !== "number" || !Number.isFinite(o.p))) {
    throw new RelaxError("program", `${what} options.p`, "a finite number", describe(o.p));
  }
  return o;
}

/**
 * The DSL: every method returns a statement or condition node. `R` / `I` are the names of the real
 * and integer variables in scope.
 */
export class Statements<R extends string, I extends string> {
  // ---- assignments ---------------------------------------------------------------------------

  /**
   * `target = value`: a variable name, a number (filled), a tensor without batch axis (repeated over
   * the batch), a condition (its probability) or a lambda `(s, ctx) => tensor | number`.
   */
  let(target: R, value: RealValue<R, I> | ConditionNode, options: LetOptions = {}): StatementNode {
    return { node: "statement", kind: "let", target, value: value as AnyValue, options };
  }

  /** Tuple assignment: `[a, b] = fn(s)` (the lambda returns one tensor per target). */
  letMany(targets: readonly R[], fn: (s: Scope<R, I>, ctx: ExprContext<R>) => tf.Tensor[], options: LetOptions = {}): StatementNode {
    return { node: "statement", kind: "letMany", targets: [...targets], fn: fn as unknown as AnyRealFn, options };
  }

  /** `n = value` for a hard integer: a number, an integer variable, or `(ints, ctx) => number` (shapes only, never values). */
  letInt(target: I, value: number | I | IntFn<R, I>): StatementNode {
    return { node: "statement", kind: "letInt", target, value: value as never };
  }

  /** Hard-index read: `target = source[:, i, j, …]` (indices are hard integers). */
  read(target: R, source: R, index: readonly IndexValue<R, I>[]): StatementNode {
    return { node: "statement", kind: "read", target, source, index: [...index] as never };
  }

  /** Hard-index write: `target[:, i, …] = value`, done as p·value + (1−p)·target with a constant one-hot p (AlgoVision). */
  write(target: R, index: readonly IndexValue<R, I>[], value: RealValue<R, I> | ConditionNode, options: LetOptions = {}): StatementNode {
    return { node: "statement", kind: "write", target, index: [...index] as never, value: value as AnyValue, options };
  }

  /**
   * Relaxed write with weights w of the target's shape: `target = w·value + (1−w)·target`. `value`
   * may have fewer trailing axes than the target (it is broadcast over them).
   */
  writeRelaxed(target: R, weights: RealValue<R, I>, value: RealValue<R, I>, options: LetOptions = {}): StatementNode {
    return { node: "statement", kind: "writeRelaxed", target, weights: weights as AnyValue, value: value as AnyValue, options };
  }

  // ---- control flow --------------------------------------------------------------------------

  /** Relaxed `if`: both branches run and are merged by the condition's probability. */
  if(
    condition: ConditionNode,
    then: readonly StatementNode[],
    otherwise?: readonly StatementNode[] | null,
    settings: ProgramSettings = {},
  ): StatementNode {
    return { node: "statement", kind: "if", condition, then: [...then], otherwise: otherwise ? [...otherwise] : null, settings };
  }

  /** Relaxed `while`: the expectation of the state over the stopping time (`maxIter`, `epsilon`). */
  while(condition: ConditionNode, body: readonly StatementNode[], settings: ProgramSettings = {}): StatementNode {
    return { node: "statement", kind: "while", condition, body: [...body], settings };
  }

  /**
   * Unrolled `for variable in range`: `range` is n (0…n−1), a list, an integer variable or an integer
   * lambda. The body callback receives the DSL with `variable` added to the integers in scope.
   */
  for<K extends string>(
    variable: K,
    range: RangeValue<R, I>,
    body: ($: Statements<R, I | K>) => readonly StatementNode[],
    settings: ProgramSettings = {},
  ): StatementNode {
    const inner = this as unknown as Statements<R, I | K>;
    return { node: "statement", kind: "for", variable, range: range as never, body: [...body(inner)], settings };
  }

  // ---- conditions ----------------------------------------------------------------------------

  /** P(a < b) = F(β(b − a)). */
  lt(a: Operand<R, I>, b: Operand<R, I>, options: ConditionOptions = {}): ConditionNode {
    return this.compare("lt", a, b, options);
  }
  /** P(a ≤ b) — equal to `lt` (ties have probability 0). */
  le(a: Operand<R, I>, b: Operand<R, I>, options: ConditionOptions = {}): ConditionNode {
    return this.compare("le", a, b, options);
  }
  /** P(a > b) = F(β(a − b)). */
  gt(a: Operand<R, I>, b: Operand<R, I>, options: ConditionOptions = {}): ConditionNode {
    return this.compare("gt", a, b, options);
  }
  /** P(a ≥ b) — equal to `gt`. */
  ge(a: Operand<R, I>, b: Operand<R, I>, options: ConditionOptions = {}): ConditionNode {
    return this.compare("ge", a, b, options);
  }
  /** Relaxed equality f(β(a − b))/f(0) (logistic: sech²(β(a−b)/2)). */
  eq(a: Operand<R, I>, b: Operand<R, I>, options: ConditionOptions = {}): ConditionNode {
    return this.compare("eq", a, b, options);
  }
  /** 1 − eq(a, b). */
  ne(a: Operand<R, I>, b: Operand<R, I>, options: ConditionOptions = {}): ConditionNode {
    return this.compare("ne", a, b, options);
  }
  /** The probability stored in a variable `[batch]` in [0, 1]. */
  isTrue(v: Operand<R, I>): ConditionNode {
    return { node: "condition", kind: "isTrue", operand: v as AnyValue };
  }
  /** 1 − v. */
  isFalse(v: Operand<R, I>): ConditionNode {
    return { node: "condition", kind: "isFalse", operand: v as AnyValue };
  }
  /** 1 − p. */
  not(c: ConditionNode): ConditionNode {
    return { node: "condition", kind: "not", operand: c };
  }
  /** Relaxed AND: the t-norm dual of `tconorm` (default product p·q, AlgoVision's `&`). */
  and(conditions: readonly ConditionNode[], options: LogicOptions = {}): ConditionNode {
    const o = logicOptions("$.and", options);
    return { node: "condition", kind: "and", operands: [...conditions], tnorm: o.tconorm ?? "probabilistic", p: o.p ?? NaN };
  }
  /** Relaxed OR: a t-conorm (default probabilistic sum p+q−pq, AlgoVision's `|`). */
  or(conditions: readonly ConditionNode[], options: LogicOptions = {}): ConditionNode {
    const o = logicOptions("$.or", options);
    return { node: "condition", kind: "or", operands: [...conditions], tnorm: o.tconorm ?? "probabilistic", p: o.p ?? NaN };
  }
  /** AlgoVision `CatProbEq(u, v)` on probability vectors `[batch, k]`: 1/cosh(β(1 − cos(u, v))). */
  catProbEq(u: R | RealFn<R, I>, v: R | RealFn<R, I>, options: ConditionOptions = {}): ConditionNode {
    return { node: "condition", kind: "catProbEq", left: u as AnyValue, right: v as AnyValue, options };
  }
  /** AlgoVision `CosineSimilarity(u, v)` on `[batch, k]` (β ignored). */
  cosineSimilarity(u: R | RealFn<R, I>, v: R | RealFn<R, I>): ConditionNode {
    return { node: "condition", kind: "cosineSimilarity", left: u as AnyValue, right: v as AnyValue, options: {} };
  }
  /** A condition given directly as a probability lambda returning `[batch]`. */
  probability(fn: RealFn<R, I>): ConditionNode {
    return { node: "condition", kind: "probability", fn: fn as unknown as AnyRealFn };
  }

  private compare(op: CompareOp, a: Operand<R, I>, b: Operand<R, I>, options: ConditionOptions): ConditionNode {
    return { node: "condition", kind: "compare", op, left: a as AnyValue, right: b as AnyValue, options };
  }
}

export type { Scope, IntScope, ExprContext, IntContext };
