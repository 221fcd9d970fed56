/** Relaxed programs (AlgoVision, NeurIPS 2021): a TypeScript DSL whose programs are differentiable. */
export { program, Program, ProgramBuilder } from "./program.js";
export type { RealInitial, IntInitial, ProgramStats } from "./program.js";
export { Statements } from "./statements.js";
export type { LogicOptions, Operand } from "./statements.js";
export { DEFAULT_PROGRAM_SETTINGS } from "./settings.js";
export type {
  ProgramSettings,
  EpsilonScope,
  LetOptions,
  ConditionOptions,
  Scope,
  IntScope,
  ExprContext,
  IntContext,
  RealFn,
  IntFn,
  RealValue,
  IndexValue,
  RangeValue,
  CompareOp,
  Statement,
  Condition,
  ConditionNode,
  StatementNode,
  ResolvedSettings,
  AnyValue,
  AnyRealFn,
  AnyIntFn,
  AnyIndex,
} from "./types.js";
