import { RelaxError, assertInteger, describe } from "@relax/core";

/** Validates a linear system `A [m, m]`, `B [m, k]` (sizes, lengths, finite entries) in one scan. */
function checkSystem(op: string, A: ArrayLike<number>, B: ArrayLike<number>, m: number, k: number): void {
  assertInteger(op, "m", m, 1, 1 << 13);
  assertInteger(op, "k", k, 1, 1 << 24);
  for (const [arg, X, len] of [
    ["A", A, m * m],
    ["B", B, m * k],
  ] as const) {
    if (!X || typeof X.length !== "number" || X.length < len) throw new RelaxError(op, arg, `at least ${len} numbers`, describe(X));
    for (let i = 0; i < len; i++) {
      if (!Number.isFinite(X[i] as number)) throw new RelaxError(op, arg, "finite entries", `${describe(X[i])} at flat index ${i}`);
    }
  }
}

/**
 * Solves `A X = B` for a symmetric positive-definite `A [m, m]` by Cholesky (`A = L Lᵀ`), `B [m, k]` row-major.
 * Returns null when `A` is not numerically positive definite (so the caller can fall back to LU).
 *
 * @example
 * choleskySolve(Float64Array.of(4, 2, 2, 3), Float64Array.of(1, 1), 2, 1);   // [0.125, 0.25]
 */
export function choleskySolve(A: ArrayLike<number>, B: ArrayLike<number>, m: number, k: number): Float64Array | null {
  checkSystem("choleskySolve", A, B, m, k);
  const L = new Float64Array(m * m);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j <= i; j++) {
      let s = A[i * m + j] as number;
      for (let p = 0; p < j; p++) s -= (L[i * m + p] as number) * (L[j * m + p] as number);
      if (i === j) {
        if (!(s > 1e-12 * Math.max(1, Math.abs(A[i * m + i] as number)))) return null;
        L[i * m + i] = Math.sqrt(s);
      } else L[i * m + j] = s / (L[j * m + j] as number);
    }
  }
  const X = Float64Array.from({ length: m * k }, (_, i) => B[i] as number);
  for (let c = 0; c < k; c++) {
    for (let i = 0; i < m; i++) {
      let s = X[i * k + c] as number;
      for (let p = 0; p < i; p++) s -= (L[i * m + p] as number) * (X[p * k + c] as number);
      X[i * k + c] = s / (L[i * m + i] as number);
    }
    for (let i = m - 1; i >= 0; i--) {
      let s = X[i * k + c] as number;
      for (let p = i + 1; p < m; p++) s -= (L[p * m + i] as number) * (X[p * k + c] as number);
      X[i * k + c] = s / (L[i * m + i] as number);
    }
  }
  return finiteSolution("choleskySolve", X);
}

/**
 * Solves `A X = B` for a general square `A [m, m]` by LU decomposition with partial pivoting; `B [m, k]` row-major.
 * Throws `RelaxError` for a singular matrix.
 *
 * @example
 * luSolve(Float64Array.of(0, 1, 1, 0), Float64Array.of(2, 3), 2, 1);   // [3, 2]
 */
export function luSolve(A: ArrayLike<number>, B: ArrayLike<number>, m: number, k: number): Float64Array {
  checkSystem("luSolve", A, B, m, k);
  const a = Float64Array.from({ length: m * m }, (_, i) => A[i] as number);
  const X = Float64Array.from({ length: m * k }, (_, i) => B[i] as number);
  let scale = 0;
  for (let i = 0; i < m * m; i++) scale = Math.max(scale, Math.abs(a[i] as number));
  for (let col = 0; col < m; col++) {
    let piv = col;
    for (let r = col + 1; r < m; r++) if (Math.abs(a[r * m + col] as number) > Math.abs(a[piv * m + col] as number)) piv = r;
    const pv = a[piv * m + col] as number;
    if (!(Math.abs(pv) > 1e-13 * Math.max(scale, 1e-300)))
      throw new RelaxError("luSolve", "A", "a non-singular matrix", `a zero pivot in column ${col}`);
    if (piv !== col) {
      for (let c = 0; c < m; c++) {
        const t = a[col * m + c] as number;
        a[col * m + c] = a[piv * m + c] as number;
        a[piv * m + c] = t;
      }
      for (let c = 0; c < k; c++) {
        const t = X[col * k + c] as number;
        X[col * k + c] = X[piv * k + c] as number;
        X[piv * k + c] = t;
      }
    }
    for (let r = col + 1; r < m; r++) {
      const f = (a[r * m + col] as number) / pv;
      if (f === 0) continue;
      for (let c = col; c < m; c++) a[r * m + c] = (a[r * m + c] as number) - f * (a[col * m + c] as number);
      for (let c = 0; c < k; c++) X[r * k + c] = (X[r * k + c] as number) - f * (X[col * k + c] as number);
    }
  }
  for (let c = 0; c < k; c++) {
    for (let i = m - 1; i >= 0; i--) {
      let s = X[i * k + c] as number;
      for (let p = i + 1; p < m; p++) s -= (a[i * m + p] as number) * (X[p * k + c] as number);
      X[i * k + c] = s / (a[i * m + i] as number);
    }
  }
  return finiteSolution("luSolve", X);
}

/**
 * Solves `A X = B` for a symmetric `A`: Cholesky when positive definite, else LU with partial pivoting
 * (`H + λI` of a Newton loss may be indefinite for small λ).
 */
export function solveSymmetric(A: ArrayLike<number>, B: ArrayLike<number>, m: number, k: number): Float64Array {
  checkSystem("solveSymmetric", A, B, m, k);
  return choleskySolve(A, B, m, k) ?? luSolve(A, B, m, k);
}

/** Throws when a solution overflowed (a nearly singular system): never a silent Inf/NaN. */
function finiteSolution(op: string, X: Float64Array): Float64Array {
  for (let i = 0; i < X.length; i++) {
    if (!Number.isFinite(X[i] as number))
      throw new RelaxError(op, "A", "a well-conditioned matrix (the solution overflows)", `${X[i]} at flat index ${i}`);
  }
  return X;
}
