/**
 * Largest violation of `|a − b| ≤ atol + rtol·|b|` over two nested numeric arrays (b = reference).
 * `null` in the reference (NaN/Inf) is skipped. Returns 0 when everything is within tolerance,
 * else the worst absolute difference; throws on a shape mismatch.
 */
export function maxViolation(actual: unknown, expected: unknown, rtol = 1e-4, atol = 1e-5): number {
  const a = flatten(actual);
  const b = flatten(expected);
  if (a.length !== b.length) throw new Error(`length mismatch: got ${a.length}, expected ${b.length}`);
  let worst = 0;
  for (let i = 0; i < a.length; i++) {
    const e = b[i];
    if (e === null || e === undefined) continue;
    const diff = Math.abs((a[i] as number) - e);
    if (!(diff <= atol + rtol * Math.abs(e))) worst = Math.max(worst, Number.isNaN(diff) ? Infinity : diff);
  }
  return worst;
}

/** Flattens nested arrays / typed arrays of numbers (or nulls) in row-major order. */
export function flatten(value: unknown): (number | null)[] {
  const out: (number | null)[] = [];
  const walk = (v: unknown): void => {
    if (v === null || typeof v === "number") out.push(v as number | null);
    else if (ArrayBuffer.isView(v)) out.push(...Array.from(v as Float32Array));
    else if (Array.isArray(v)) v.forEach(walk);
    else throw new Error(`cannot flatten ${typeof v}`);
  };
  walk(value);
  return out;
}
