/**
 * Types of the relaxed-program DSL (AlgoVision, Petersen et al., NeurIPS 2021): the typed state a
 * user's lambdas see, the settings that scope over statements, and the statement/condition nodes
 * the builder produces and the interpreter runs.
 */
import type * as tf from "@tensorflow/tfjs-core";

/** How ε branch skipping and `while` termination look at the batch (see {@link ProgramSettings.epsilonScope}). */
export type EpsilonScope = "batch" | "row";

/**
 * Settings of a relaxed program. Set them on `program(...)`, override them on any `if`/`while`/`for`
 * (for that statement and everything nested in it, lexically) or on a single condition / `let`.
 */
export interface ProgramSettings {
  /** Inverse temperature β of conditions and of `min/max/argmin/argmax` (default 10, AlgoVision's `beta`). */
  steepness?: number;
  /** @deprecated Use `steepness` (AlgoVision's name for the same β); accepted for one release. Both at once is a RelaxError. */
  beta?: number;
  /** A branch whose probability is ≤ ε is skipped; a `while` stops once its continue-probability is ≤ ε (default 1e-5). */
  epsilon?: number;
  /** Maximum iterations of a `while` (default 1024). */
  maxIter?: number;
  /** Merge `if` branches with the hard decision 1[p > 0.5] instead of p (default false). Like AlgoVision, `while` stays soft. */
  hard?: boolean;
  /** With `hard`: straight-through estimator, hard forward and the gradient of the soft p backward (default false). */
  straightThrough?: boolean;
  /**
   * Noise distribution that relaxes comparisons (default `'logistic'`: P(a<b) = σ(β(b−a)), AlgoVision's exact numbers).
   * Any name `getDistribution` of `@relax/core` knows is allowed.
   */
  distribution?: string;
  /**
   * `'batch'` (default, AlgoVision): a branch is skipped only when p ≤ ε for **all** rows and a `while`
   * runs until the largest continue-probability over the batch is ≤ ε — so a row's result can
   * depend (≈1e-6) on the other rows. `'row'`: each row behaves exactly as if it ran alone.
   */
  epsilonScope?: EpsilonScope;
}

/** Fully resolved settings (β as `steepness`; the deprecated `beta` spelling is resolved into it). */
export type ResolvedSettings = Required<Omit<ProgramSettings, "beta">>;

/** Per-statement options of a `let` (β for the `ctx.min/max/argmin/argmax` helpers). */
export interface LetOptions {
  /** β of this statement's helpers. */
  steepness?: number;
  /** @deprecated Use `steepness`. */
  beta?: number;
}

/** Per-condition options. */
export interface ConditionOptions {
  /** β of this condition. */
  steepness?: number;
  /** @deprecated Use `steepness`. */
  beta?: number;
  distribution?: string;
}

/** The real variables (tensors `[batch, ...]`) and integer variables (hard numbers) a lambda sees. */
export type Scope<R extends string, I extends string> = { readonly [K in R]: tf.Tensor } & { readonly [K in I]: number };

/** The integer variables an integer lambda sees (by construction it cannot read real values). */
export type IntScope<I extends string> = { readonly [K in I]: number };

/** Helpers passed to every real-valued lambda, with β resolved for that statement. */
export interface ExprContext<R extends string = string> {
  /** Batch size. */
  readonly batch: number;
  /** β in effect for this statement. */
  readonly steepness: number;
  /** @deprecated Use `steepness` (the same β). */
  readonly beta: number;
  /** Full shape (`[batch, ...]`) of a real variable. */
  shape(name: R): number[];
  /** AlgoVision `Min(β)`: Σ softmin(β·stack(xs, −1))·stack, elementwise over equal-shape tensors. */
  min(...xs: tf.Tensor[]): tf.Tensor;
  /** AlgoVision `Max(β)`: Σ softmax(β·stack)·stack. */
  max(...xs: tf.Tensor[]): tf.Tensor;
  /** AlgoVision `ArgMin(β)`: softmin(β·stack(xs, −1)), weights on a new last axis. */
  argmin(...xs: tf.Tensor[]): tf.Tensor;
  /** AlgoVision `ArgMax(β)`: softmax(β·stack(xs, −1)). */
  argmax(...xs: tf.Tensor[]): tf.Tensor;
}

/** Helpers passed to integer lambdas: shapes only, never values. */
export interface IntContext<R extends string = string> {
  readonly batch: number;
  /** Full shape (`[batch, ...]`) of a real variable. */
  shape(name: R): number[];
}

/** A real-valued lambda: returns a tensor `[batch, ...]` (or a number, broadcast). */
export type RealFn<R extends string, I extends string> = (s: Scope<R, I>, ctx: ExprContext<R>) => tf.Tensor | number;
/** An integer lambda. */
export type IntFn<R extends string, I extends string> = (s: IntScope<I>, ctx: IntContext<R>) => number;

/** A real value: a variable name, a number (broadcast), a tensor without batch axis (repeated), or a lambda. */
export type RealValue<R extends string, I extends string> = R | number | tf.Tensor | RealFn<R, I>;
/** A hard integer index: a number (negative counts from the end), an integer variable name, or an integer lambda. */
export type IndexValue<R extends string, I extends string> = number | I | IntFn<R, I>;
/** A hard integer range of a `for`: n (0..n−1), a list, an integer variable name or an integer lambda. */
export type RangeValue<R extends string, I extends string> =
  | number
  | readonly number[]
  | I
  | ((s: IntScope<I>, ctx: IntContext<R>) => number | readonly number[]);

/** Comparison operators. */
export type CompareOp = "lt" | "le" | "gt" | "ge" | "eq" | "ne";

// ---- internal node types (erased generics) ----------------------------------------------------

/** @internal */
export type AnyRealFn = (s: Record<string, tf.Tensor | number>, ctx: ExprContext) => tf.Tensor | number | tf.Tensor[];
/** @internal */
export type AnyIntFn = (s: Record<string, number>, ctx: IntContext) => number | readonly number[];
/** @internal */
export type AnyValue = string | number | tf.Tensor | AnyRealFn | ConditionNode;
/** @internal */
export type AnyIndex = number | string | AnyIntFn;

/** A relaxed condition: evaluates to a probability `[batch]`. Build one with the `$.lt(...)`, `$.and(...)` helpers. */
export type ConditionNode =
  | {
      readonly node: "condition";
      readonly kind: "compare";
      readonly op: CompareOp;
      readonly left: AnyValue;
      readonly right: AnyValue;
      readonly options: ConditionOptions;
    }
  | { readonly node: "condition"; readonly kind: "isTrue" | "isFalse"; readonly operand: AnyValue }
  | { readonly node: "condition"; readonly kind: "not"; readonly operand: ConditionNode }
  | {
      readonly node: "condition";
      readonly kind: "and" | "or";
      readonly operands: readonly ConditionNode[];
      readonly tnorm: string;
      readonly p: number;
    }
  | {
      readonly node: "condition";
      readonly kind: "catProbEq" | "cosineSimilarity";
      readonly left: AnyValue;
      readonly right: AnyValue;
      readonly options: ConditionOptions;
    }
  | { readonly node: "condition"; readonly kind: "probability"; readonly fn: AnyRealFn };

/** A statement of a relaxed program. Build them with the `$` helpers passed to `.body(...)`. */
export type StatementNode =
  | { readonly node: "statement"; readonly kind: "let"; readonly target: string; readonly value: AnyValue; readonly options: LetOptions }
  | {
      readonly node: "statement";
      readonly kind: "letMany";
      readonly targets: readonly string[];
      readonly fn: AnyRealFn;
      readonly options: LetOptions;
    }
  | { readonly node: "statement"; readonly kind: "letInt"; readonly target: string; readonly value: number | string | AnyIntFn }
  | {
      readonly node: "statement";
      readonly kind: "read";
      readonly target: string;
      readonly source: string;
      readonly index: readonly AnyIndex[];
    }
  | {
      readonly node: "statement";
      readonly kind: "write";
      readonly target: string;
      readonly index: readonly AnyIndex[];
      readonly value: AnyValue;
      readonly options: LetOptions;
    }
  | {
      readonly node: "statement";
      readonly kind: "writeRelaxed";
      readonly target: string;
      readonly weights: AnyValue;
      readonly value: AnyValue;
      readonly options: LetOptions;
    }
  | {
      readonly node: "statement";
      readonly kind: "if";
      readonly condition: ConditionNode;
      readonly then: readonly StatementNode[];
      readonly otherwise: readonly StatementNode[] | null;
      readonly settings: ProgramSettings;
    }
  | {
      readonly node: "statement";
      readonly kind: "while";
      readonly condition: ConditionNode;
      readonly body: readonly StatementNode[];
      readonly settings: ProgramSettings;
    }
  | {
      readonly node: "statement";
      readonly kind: "for";
      readonly variable: string;
      readonly range: number | readonly number[] | string | AnyIntFn;
      readonly body: readonly StatementNode[];
      readonly settings: ProgramSettings;
    };

/** Opaque statement handle (what `$` helpers return). */
export type Statement = StatementNode;
/** Opaque condition handle (what `$.lt(...)` etc. return). */
export type Condition = ConditionNode;
