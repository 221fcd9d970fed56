/**
 * `program()`: write an algorithm with variables, conditions and loops; get a differentiable function
 * (AlgoVision: "Learning with Algorithmic Supervision via Continuous Relaxations", Petersen et al.,
 * NeurIPS 2021; thesis ch. 5). Every condition becomes a probability, every `if` merges its branches
 * by that probability, every `while` is the expectation over its stopping time.
 */
import * as tf from "@tensorflow/tfjs-core";
import { RelaxError, describe } from "../errors.js";
import { MAX_ITERATIONS } from "../relaxed/limits.js";
import { assertFinite, assertOptions, toFloatTensor, type TensorInput } from "../validate.js";
import { execBlock } from "./interpreter.js";
import { isKnownTConorm, knownTConorms, programTConorm } from "./plugins.js";
import { DEFAULT_PROGRAM_SETTINGS, mergeSettings, validateDistribution, validateSettings } from "./settings.js";
import { Statements } from "./statements.js";
import type {
  AnyValue,
  ConditionNode,
  ConditionOptions,
  IntContext,
  IntScope,
  LetOptions,
  ProgramSettings,
  ResolvedSettings,
  StatementNode,
} from "./types.js";
import { callInt, type ProgramStats, type RunEnv, type RunState } from "./values.js";

const NAME = /^[_a-zA-Z][_a-zA-Z0-9]*$/;
const OP = "program";

/** Initial value of a real variable, per row (no batch axis; repeated over the batch). */
export type RealInitial<R extends string> =
  | number
  | number[]
  | number[][]
  | tf.Tensor
  | ((ctx: IntContext<R>) => tf.Tensor | number | number[]);
/** Initial value of an integer variable: a number or an integer lambda of shapes and earlier integers. */
export type IntInitial<R extends string, I extends string> = number | ((s: IntScope<I>, ctx: IntContext<R>) => number);

interface InputDecl {
  name: string;
  shape?: readonly (number | null)[];
}
interface RealDecl {
  name: string;
  initial: unknown;
}
interface IntDecl {
  name: string;
  initial: unknown;
}

/**
 * Builder of a relaxed program: declare inputs, real and integer variables and outputs, then give
 * the body. Names are tracked in the type parameters (`In` inputs, `R` reals incl. inputs, `I`
 * integers, `Out` outputs).
 */
export class ProgramBuilder<In extends string, R extends string, I extends string, Out extends string> {
  /** @internal */
  constructor(
    private readonly settings: ProgramSettings,
    private readonly inputs: InputDecl[] = [],
    private readonly reals: RealDecl[] = [],
    private readonly ints: IntDecl[] = [],
    private readonly outs: string[] = [],
  ) {}

  /** An input tensor `[batch, ...shape]`; give `shape` (without the batch axis) to check shapes at build time. */
  input<K extends string>(name: K, shape?: readonly (number | null)[]): ProgramBuilder<In | K, R | K, I, Out> {
    this.declare(name);
    if (shape !== undefined && (!Array.isArray(shape) || !shape.every((d) => d === null || (Number.isInteger(d) && (d as number) > 0)))) {
      throw new RelaxError(OP, `shape of input '${name}'`, "an array of positive integers or null", describe(shape));
    }
    return new ProgramBuilder(this.settings, [...this.inputs, { name, shape }], this.reals, this.ints, this.outs);
  }

  /** A real variable with a per-row initial value (AlgoVision `Var`), repeated over the batch. */
  real<K extends string>(name: K, initial: RealInitial<R>): ProgramBuilder<In, R | K, I, Out> {
    this.declare(name);
    const ok = typeof initial === "number" || Array.isArray(initial) || initial instanceof tf.Tensor || typeof initial === "function";
    if (!ok) throw new RelaxError(OP, `initial value of '${name}'`, "a number, array, tensor or lambda", describe(initial));
    if (typeof initial === "number" || Array.isArray(initial)) {
      const bad = [initial].flat(3).find((v) => typeof v !== "number" || !Number.isFinite(v));
      if (bad !== undefined) throw new RelaxError(OP, `initial value of '${name}'`, "finite numbers", describe(bad));
    }
    return new ProgramBuilder(this.settings, this.inputs, [...this.reals, { name, initial }], this.ints, this.outs);
  }

  /** A hard integer variable (AlgoVision `VarInt`): may depend on shapes, never on values. */
  int<K extends string>(name: K, initial: IntInitial<R, I>): ProgramBuilder<In, R, I | K, Out> {
    this.declare(name);
    if (!(typeof initial === "function" || (typeof initial === "number" && Number.isInteger(initial)))) {
      throw new RelaxError(OP, `initial value of integer '${name}'`, "an integer or an integer lambda", describe(initial));
    }
    return new ProgramBuilder(this.settings, this.inputs, this.reals, [...this.ints, { name, initial }], this.outs);
  }

  /** Declares outputs (real variables or inputs), returned by `run` as a record. */
  output<K extends R>(...names: K[]): ProgramBuilder<In, R, I, Out | K> {
    for (const n of names) {
      if (!this.inputs.some((d) => d.name === n) && !this.reals.some((d) => d.name === n)) {
        throw new RelaxError(OP, "output", "a declared input or real variable", `'${String(n)}'`);
      }
    }
    return new ProgramBuilder(this.settings, this.inputs, this.reals, this.ints, [...this.outs, ...names]);
  }

  /**
   * Gives the body and builds the program: validates every statement (unknown variables, integers
   * assigned from values, for-variables that shadow, bad options) and, when every input has a
   * declared shape, runs a shape check of every branch — all before the first real run.
   */
  body(fn: ($: Statements<R, I>) => readonly StatementNode[]): Program<In, Out> {
    if (this.inputs.length === 0) throw new RelaxError(OP, "inputs", "at least one input", "none");
    if (this.outs.length === 0) throw new RelaxError(OP, "outputs", "at least one output", "none");
    const stmts = fn(new Statements<R, I>());
    if (!Array.isArray(stmts)) throw new RelaxError(OP, "body", "an array of statements", describe(stmts));
    const realNames = new Set([...this.inputs.map((d) => d.name), ...this.reals.map((d) => d.name)]);
    const intNames = new Set(this.ints.map((d) => d.name));
    validateBlock(stmts, realNames, intNames, "body");
    const prog = new Program<In, Out>(validateSettings(OP, "program", this.settings), this.inputs, this.reals, this.ints, this.outs, stmts);
    if (this.inputs.every((d) => d.shape?.every((x) => x !== null))) {
      prog.check(Object.fromEntries(this.inputs.map((d) => [d.name, d.shape as number[]])) as Record<In, number[]>);
    }
    return prog;
  }

  private declare(name: string): void {
    if (typeof name !== "string" || !NAME.test(name)) throw new RelaxError(OP, "variable name", `a name matching ${NAME}`, describe(name));
    const all = [...this.inputs, ...this.reals, ...this.ints].map((d) => d.name);
    if (all.includes(name)) throw new RelaxError(OP, "variable name", "declared once", `'${name}' twice`);
  }
}

/** A built relaxed program: call `run(inputs)`. */
export class Program<In extends string, Out extends string> {
  /** Counters of the last run (ifs, skipped branches, while iterations). */
  lastStats: ProgramStats = { ifs: 0, skippedBranches: 0, whileIterations: 0 };

  /** @internal */
  constructor(
    readonly settings: ProgramSettings,
    private readonly inputs: readonly InputDecl[],
    private readonly reals: readonly RealDecl[],
    private readonly ints: readonly IntDecl[],
    readonly outputs: readonly string[],
    readonly statements: readonly StatementNode[],
  ) {}

  /**
   * Runs the relaxed program on a batch. Every input is `[batch, ...]` with the same batch size.
   * `overrides` replace program-level settings for this run (e.g. an annealed β).
   * Leak-free: only the outputs survive.
   */
  run(inputs: Record<In, TensorInput>, overrides: ProgramSettings = {}): Record<Out, tf.Tensor> {
    validateSettings(OP, "run", overrides);
    assertOptions<Record<string, unknown>>(
      OP,
      inputs,
      this.inputs.map((d) => d.name),
      "inputs",
    );
    return this.exec(inputs, overrides, false);
  }

  /** Shape check: runs every branch and one iteration of every loop on zeros of the given shapes (without batch axis). */
  check(shapes: Record<In, readonly number[]>): void {
    const names = this.inputs.map((d) => d.name);
    assertOptions<Record<string, unknown>>(OP, shapes, names, "shapes");
    for (const name of names) {
      const shape = (shapes as Record<string, unknown>)[name];
      if (!Array.isArray(shape) || shape.length > 8 || !shape.every((d) => Number.isInteger(d) && d > 0 && d <= 1e6)) {
        throw new RelaxError(OP, `shapes.${name}`, "an array of at most 8 positive integer sizes (no batch axis)", describe(shape));
      }
    }
    const zeros = Object.fromEntries(
      this.inputs.map((d) => [d.name, tf.zeros([1, ...((shapes as Record<string, number[]>)[d.name] ?? [])])]),
    );
    try {
      tf.dispose(this.exec(zeros as Record<In, TensorInput>, {}, true) as unknown as tf.Tensor[]);
    } catch (e) {
      if (e instanceof RelaxError) throw e;
      throw new RelaxError(OP, "body", "runnable on inputs of the declared shapes", `an error: ${(e as Error).message}`);
    } finally {
      tf.dispose(Object.values(zeros));
    }
  }

  private exec(inputs: Record<In, TensorInput>, overrides: ProgramSettings, explore: boolean): Record<Out, tf.Tensor> {
    if (inputs === null || typeof inputs !== "object")
      throw new RelaxError(OP, "inputs", `a record with ${this.inputs.map((d) => `'${d.name}'`).join(", ")}`, describe(inputs));
    const settings: ResolvedSettings = mergeSettings(mergeSettings(DEFAULT_PROGRAM_SETTINGS, this.settings), overrides);
    const stats: ProgramStats = { ifs: 0, skippedBranches: 0, whileIterations: 0 };
    const out = tf.tidy(() => {
      const reals: Record<string, tf.Tensor> = {};
      let batch = -1;
      for (const d of this.inputs) {
        const raw = (inputs as Record<string, unknown>)[d.name];
        if (raw === undefined) throw new RelaxError(OP, `input '${d.name}'`, "given", "undefined");
        const t = toFloatTensor(OP, `input '${d.name}'`, raw);
        if (t.rank < 1) throw new RelaxError(OP, `input '${d.name}'`, "a tensor [batch, ...]", describe(t));
        if (batch < 0) batch = t.shape[0] as number;
        if (t.shape[0] !== batch)
          throw new RelaxError(OP, `input '${d.name}'`, `batch size ${batch} (of the first input)`, `[${t.shape.join(", ")}]`);
        if (d.shape && (d.shape.length !== t.rank - 1 || d.shape.some((s, i) => s !== null && s !== t.shape[i + 1]))) {
          throw new RelaxError(
            OP,
            `input '${d.name}'`,
            `shape [batch, ${d.shape.map((s) => s ?? "*").join(", ")}]`,
            `[${t.shape.join(", ")}]`,
          );
        }
        if (!explore) assertFinite(OP, `input '${d.name}'`, t);
        reals[d.name] = t;
      }
      const env: RunEnv = { op: OP, batch, explore, stats };
      const ctx = (s: RunState): IntContext => ({
        batch,
        shape: (name: string) => {
          const t = s.reals[name];
          if (!t) throw new RelaxError(OP, "shape", "the name of a declared input or earlier real variable", `'${name}'`);
          return [...t.shape];
        },
      });
      for (const d of this.reals) {
        const init = d.initial;
        let v: unknown = typeof init === "function" ? (init as (c: IntContext) => unknown)(ctx({ reals, ints: {} })) : init;
        if (typeof v === "number" || Array.isArray(v)) v = tf.tensor(v as number[], undefined, "float32");
        if (!(v instanceof tf.Tensor)) throw new RelaxError(OP, `initial value of '${d.name}'`, "a number, array or tensor", describe(v));
        const t = v.dtype === "float32" ? v : tf.cast(v, "float32");
        if (!explore) assertFinite(OP, `initial value of '${d.name}'`, t);
        reals[d.name] = tf.mul(tf.ones([batch, ...t.shape]), t);
      }
      const ints: Record<string, number> = {};
      for (const d of this.ints) {
        const v = typeof d.initial === "function" ? callInt(env, { reals, ints }, d.initial as never) : d.initial;
        if (typeof v !== "number" || !Number.isInteger(v))
          throw new RelaxError(OP, `initial value of integer '${d.name}'`, "an integer", describe(v));
        ints[d.name] = v;
      }
      const final = execBlock(env, { reals, ints }, this.statements, settings);
      const result: Record<string, tf.Tensor> = {};
      for (const name of this.outputs) {
        const t = final.reals[name] as tf.Tensor;
        // A lambda may produce NaN/Inf from finite inputs: say so instead of returning it.
        if (!explore) assertFinite(OP, `output '${name}'`, t);
        result[name] = tf.clone(t);
      }
      return result;
    });
    if (!explore) this.lastStats = stats;
    return out as Record<Out, tf.Tensor>;
  }
}

/**
 * Starts a relaxed program (AlgoVision, NeurIPS 2021). Declare inputs, variables and outputs, then
 * the body; `run` returns the outputs as a record. Defaults: β = 10, ε = 1e-5, maxIter = 1024,
 * logistic noise, soft merging, batch-wide ε (AlgoVision's numbers).
 *
 * @example
 * const count = program({ steepness: 4 }).input("x").real("steps", 0).output("x", "steps")
 *   .body(($) => [$.while($.lt("x", 5), [$.let("x", (s) => tf.add(s.x, 1)), $.let("steps", (s) => tf.add(s.steps, 1))])]);
 * const { x, steps } = count.run({ x: [0, 2.5, 7] }); // x ≈ [5, 5, 7], steps ≈ [5, 2.5, 0]
 */
export function program(settings: ProgramSettings = {}): ProgramBuilder<never, never, never, never> {
  validateSettings(OP, "program", settings);
  return new ProgramBuilder(settings);
}

// ---- build-time validation ----------------------------------------------------------------------

function isStatement(x: unknown): x is StatementNode {
  return x !== null && typeof x === "object" && (x as { node?: unknown }).node === "statement";
}
function isCondition(x: unknown): x is ConditionNode {
  return x !== null && typeof x === "object" && (x as { node?: unknown }).node === "condition";
}

function validateBlock(block: readonly unknown[], reals: Set<string>, ints: Set<string>, where: string): void {
  if (!Array.isArray(block)) throw new RelaxError(OP, where, "an array of statements", describe(block));
  block.forEach((s, i) => validateStatement(s, reals, ints, `${where}[${i}]`));
}

function checkReal(name: unknown, reals: Set<string>, ints: Set<string>, what: string): void {
  if (typeof name !== "string") throw new RelaxError(OP, what, "a variable name", describe(name));
  if (reals.has(name)) return;
  if (ints.has(name)) throw new RelaxError(OP, what, "a real variable (assign integers with $.letInt)", `integer variable '${name}'`);
  throw new RelaxError(OP, what, `a declared variable (known: ${[...reals].join(", ")})`, `unknown variable '${name}'`);
}

function checkValue(v: unknown, reals: Set<string>, ints: Set<string>, what: string): void {
  if (typeof v === "string") {
    if (!reals.has(v) && !ints.has(v)) throw new RelaxError(OP, what, "a declared variable", `unknown variable '${v}'`);
  } else if (isCondition(v)) validateCondition(v, reals, ints, what);
  else if (!(typeof v === "number" || typeof v === "function" || v instanceof tf.Tensor)) {
    throw new RelaxError(OP, what, "a variable name, number, tensor, condition or lambda", describe(v));
  } else if (typeof v === "number" && !Number.isFinite(v)) throw new RelaxError(OP, what, "a finite number", describe(v));
}

function checkIntRef(v: unknown, reals: Set<string>, ints: Set<string>, what: string, allowList = false): void {
  if (typeof v === "number") {
    if (!Number.isInteger(v)) throw new RelaxError(OP, what, "an integer", describe(v));
    if (allowList && v > MAX_ITERATIONS) throw new RelaxError(OP, what, `at most MAX_ITERATIONS = ${MAX_ITERATIONS}`, describe(v));
  } else if (typeof v === "string") {
    if (ints.has(v)) return;
    if (reals.has(v)) {
      throw new RelaxError(
        OP,
        what,
        "an integer variable (integers may depend on shapes, never on values; relaxed reads go in a lambda)",
        `real variable '${v}'`,
      );
    }
    throw new RelaxError(OP, what, "a declared integer variable", `unknown variable '${v}'`);
  } else if (allowList && Array.isArray(v)) {
    if (!v.every((x) => Number.isInteger(x))) throw new RelaxError(OP, what, "a list of integers", describe(v));
    if (v.length > MAX_ITERATIONS) throw new RelaxError(OP, what, `at most MAX_ITERATIONS = ${MAX_ITERATIONS} entries`, `${v.length}`);
  } else if (typeof v !== "function") throw new RelaxError(OP, what, "an integer, integer variable or integer lambda", describe(v));
}

function validateStatement(s: unknown, reals: Set<string>, ints: Set<string>, where: string): void {
  if (!isStatement(s)) throw new RelaxError(OP, where, "a statement built with the $ helpers", describe(s));
  const beta = (o: LetOptions) => {
    const opts = assertOptions<LetOptions>(OP, o, ["steepness", "beta"], `${where} options`);
    validateSettings(OP, where, { steepness: opts.steepness, beta: opts.beta });
  };
  switch (s.kind) {
    case "let":
      checkReal(s.target, reals, ints, `${where} let target`);
      checkValue(s.value, reals, ints, `${where} value of '${s.target}'`);
      beta(s.options);
      return;
    case "letMany":
      if (!Array.isArray(s.targets) || s.targets.length === 0)
        throw new RelaxError(OP, `${where} letMany targets`, "a non-empty list of names", describe(s.targets));
      s.targets.forEach((t) => checkReal(t, reals, ints, `${where} letMany target`));
      if (typeof s.fn !== "function") throw new RelaxError(OP, `${where} letMany value`, "a lambda", describe(s.fn));
      beta(s.options);
      return;
    case "letInt":
      if (!ints.has(s.target)) {
        if (reals.has(s.target)) throw new RelaxError(OP, `${where} letInt target`, "an integer variable", `real variable '${s.target}'`);
        throw new RelaxError(OP, `${where} letInt target`, "a declared integer variable", `unknown variable '${s.target}'`);
      }
      checkIntRef(s.value, reals, ints, `${where} value of integer '${s.target}'`);
      return;
    case "read":
      checkReal(s.target, reals, ints, `${where} read target`);
      checkReal(s.source, reals, ints, `${where} read source`);
      if (!Array.isArray(s.index)) throw new RelaxError(OP, `${where} index`, "an array of hard indices", describe(s.index));
      s.index.forEach((ix, k) => checkIntRef(ix, reals, ints, `${where} index ${k} of '${s.source}'`));
      return;
    case "write":
      checkReal(s.target, reals, ints, `${where} write target`);
      if (!Array.isArray(s.index)) throw new RelaxError(OP, `${where} index`, "an array of hard indices", describe(s.index));
      s.index.forEach((ix, k) => checkIntRef(ix, reals, ints, `${where} index ${k} of '${s.target}'`));
      checkValue(s.value, reals, ints, `${where} value written to '${s.target}'`);
      beta(s.options);
      return;
    case "writeRelaxed":
      checkReal(s.target, reals, ints, `${where} write target`);
      checkValue(s.weights, reals, ints, `${where} weights of the write to '${s.target}'`);
      checkValue(s.value, reals, ints, `${where} value written to '${s.target}'`);
      beta(s.options);
      return;
    case "if":
      validateCondition(s.condition, reals, ints, `${where} if condition`);
      validateSettings(OP, `${where} if`, s.settings);
      validateBlock(s.then, reals, ints, `${where} then`);
      if (s.otherwise !== null) validateBlock(s.otherwise, reals, ints, `${where} else`);
      return;
    case "while":
      validateCondition(s.condition, reals, ints, `${where} while condition`);
      validateSettings(OP, `${where} while`, s.settings);
      validateBlock(s.body, reals, ints, `${where} while body`);
      return;
    case "for": {
      if (typeof s.variable !== "string" || !NAME.test(s.variable))
        throw new RelaxError(OP, `${where} for variable`, `a name matching ${NAME}`, describe(s.variable));
      if (reals.has(s.variable) || ints.has(s.variable))
        throw new RelaxError(OP, `${where} for variable`, "a name not already in scope", `'${s.variable}'`);
      checkIntRef(s.range, reals, ints, `${where} range of for '${s.variable}'`, true);
      validateSettings(OP, `${where} for`, s.settings);
      validateBlock(s.body, reals, new Set([...ints, s.variable]), `${where} for body`);
      return;
    }
    default:
      throw new RelaxError(OP, where, "a statement built with the $ helpers", `kind ${describe((s as { kind?: unknown }).kind)}`);
  }
}

function validateCondition(c: unknown, reals: Set<string>, ints: Set<string>, where: string): void {
  if (!isCondition(c)) throw new RelaxError(OP, where, "a condition built with the $ helpers ($.lt, $.isTrue, $.and, ...)", describe(c));
  switch (c.kind) {
    case "compare":
      checkValue(c.left as AnyValue, reals, ints, `${where} ${c.op} left operand`);
      checkValue(c.right as AnyValue, reals, ints, `${where} ${c.op} right operand`);
      assertOptions<ConditionOptions>(OP, c.options, ["steepness", "beta", "distribution"], `${where} options`);
      validateSettings(OP, where, { steepness: c.options.steepness, beta: c.options.beta });
      if (c.options.distribution !== undefined) validateDistribution(OP, `${where} distribution`, c.options.distribution);
      return;
    case "isTrue":
    case "isFalse":
      checkValue(c.operand, reals, ints, `${where} ${c.kind} operand`);
      return;
    case "not":
      validateCondition(c.operand, reals, ints, where);
      return;
    case "and":
    case "or":
      if (!Array.isArray(c.operands) || c.operands.length === 0)
        throw new RelaxError(OP, `${where} ${c.kind}`, "a non-empty list of conditions", describe(c.operands));
      if (!isKnownTConorm(c.tnorm))
        throw new RelaxError(OP, `${where} ${c.kind} tconorm`, `one of ${knownTConorms().join(", ")}`, describe(c.tnorm));
      programTConorm(c.tnorm, c.p); // validates p for the family (NaN: the family's default)
      c.operands.forEach((o, i) => validateCondition(o, reals, ints, `${where} ${c.kind}[${i}]`));
      return;
    case "catProbEq":
    case "cosineSimilarity":
      for (const v of [c.left, c.right]) {
        if (typeof v === "string") checkReal(v, reals, ints, `${where} ${c.kind} operand`);
        else if (typeof v !== "function")
          throw new RelaxError(OP, `${where} ${c.kind} operand`, "a real variable name or lambda", describe(v));
      }
      assertOptions<ConditionOptions>(OP, c.options, c.kind === "catProbEq" ? ["steepness", "beta"] : [], `${where} options`);
      validateSettings(OP, where, { steepness: c.options.steepness, beta: c.options.beta });
      return;
    case "probability":
      if (typeof c.fn !== "function") throw new RelaxError(OP, where, "a lambda returning a probability [batch]", describe(c.fn));
      return;
  }
}

export type { ProgramStats };
