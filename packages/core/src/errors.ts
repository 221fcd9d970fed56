/**
 * The one error type of Relax. Every bad input is reported with the op that rejected it,
 * the argument, what was expected and what was received, e.g.
 * `diffSort: x must be [batch, n], got [3, 4, 5]`.
 */
export class RelaxError extends Error {
  /** Name of the public op that rejected the input (e.g. `"diffSort"`). */
  readonly op: string;
  /** Name of the offending argument or option (e.g. `"x"`, `"steepness"`). */
  readonly argument: string;
  /** What was expected, in words. */
  readonly expected: string;
  /** What was received, in words. */
  readonly got: string;

  constructor(op: string, argument: string, expected: string, got: string) {
    super(`${op}: ${argument} must be ${expected}, got ${got}`);
    this.name = "RelaxError";
    this.op = op;
    this.argument = argument;
    this.expected = expected;
    this.got = got;
  }
}

/** Short, readable description of a value for error messages. */
export function describe(value: unknown): string {
  if (value === null) return "null";
  if (value === undefined) return "undefined";
  if (typeof value === "number") return Number.isNaN(value) ? "NaN" : String(value);
  if (typeof value === "string") return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(describe).join(", ")}]`;
  if (typeof value === "object" && "shape" in (value as object) && "dtype" in (value as object)) {
    const t = value as { shape: number[]; dtype: string };
    return `${t.dtype} tensor of shape [${t.shape.join(", ")}]`;
  }
  return typeof value;
}
