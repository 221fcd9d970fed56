import * as tf from "@tensorflow/tfjs-core";
import { RelaxError, comparatorSigmoid, type TensorInput } from "@relax/core";
import { autoSteepness, resolveAutoSteepness, sortedLength } from "./auto_steepness.js";
import { diffSort, type DiffSortOptions } from "./diff_sort.js";
import { checkOptions, COMPARATOR_KEYS, optionKeys } from "./options.js";
import { toRows } from "./rows.js";

/** Options of {@link checkSteepness}: the relaxation to check, as for `diffSort`. */
export type CheckSteepnessOptions = Pick<DiffSortOptions, "network" | "distribution" | "steepness" | "artLambda" | "axis">;

/** Result of {@link checkSteepness}. */
export interface SteepnessCheck {
  /** The β checked (`'auto'` resolved). */
  steepness: number;
  /** Mean |relaxed sorted − exact sorted| in units of the row's mean neighbour gap ((max − min)/(n − 1)). */
  blur: number;
  /** Share of neighbouring sorted pairs whose comparator mixes by less than 0.1 % (1 − f(β·gap) < 1e-3). */
  hardShare: number;
  /** {@link autoSteepness} for these n, network and relaxation at the measured spread of x (its standard deviation). */
  suggested: number;
  /** One line when the relaxation is too soft (blur > ½ gap) or too sharp (hardShare > 95 %), else null. */
  warning: string | null;
}

const CHECK_KEYS = optionKeys<CheckSteepnessOptions>({ ...COMPARATOR_KEYS, network: true, axis: true });

/**
 * Checks a steepness on real data before training with it (diffsort #6, #7: "P·x differs a lot from x", "how do I
 * choose steepness?"). Runs `diffSort` values-only on `x` and reads the result back (a diagnostic, not for hot
 * loops). Too soft: the relaxed sorted values drift more than half a neighbour gap from the exact ones on average.
 * Too sharp: more than 95 % of neighbouring pairs are decided to within 0.1 %, so the permutation's gradients
 * vanish except near ties. Either way `warning` is one line naming the measurement and a suggested β
 * ({@link autoSteepness} at the data's spread).
 *
 * @param x `[batch, n]` sample of the scores to be sorted (or `[n]`, leading batch dims, `axis`), n ≥ 2
 * @param options network ('odd_even'), distribution ('cauchy'), steepness (10, or 'auto'), artLambda (0.25), axis (−1)
 * @returns `{ steepness, blur, hardShare, suggested, warning }`
 * @example
 * const { warning } = checkSteepness(scores, { steepness: 1 });
 * if (warning) console.warn(warning); // "diffSort: steepness 1 is too soft: …; try steepness ≈ 38"
 */
export function checkSteepness(x: TensorInput, options: CheckSteepnessOptions = {}): SteepnessCheck {
  const op = "checkSteepness";
  const checked = checkOptions<CheckSteepnessOptions>(op, options, CHECK_KEYS);
  const network = checked.network ?? "odd_even";
  const o = resolveAutoSteepness(checked, sortedLength(x, checked.axis), network);
  const sig = comparatorSigmoid(op, o);
  const [rows, relaxed] = tf.tidy(() => {
    const view = toRows(op, x, o.axis);
    if (view.n < 2) throw new RelaxError(op, "x", "at least 2 entries along the sorted axis", `n = ${view.n}`);
    const res = diffSort(view.x2, { ...o, axis: -1, valuesOnly: true });
    return [view.x2.arraySync(), (res.sorted as tf.Tensor2D).arraySync()];
  });
  let blur = 0;
  let pairs = 0;
  let hard = 0;
  let spread = 0;
  let counted = 0;
  rows.forEach((row, r) => {
    const n = row.length;
    const exact = [...row].sort((a, b) => a - b);
    const gap = ((exact[n - 1] as number) - (exact[0] as number)) / (n - 1);
    const mean = row.reduce((a, b) => a + b, 0) / n;
    spread += Math.sqrt(row.reduce((a, b) => a + (b - mean) ** 2, 0) / n);
    if (!(gap > 0)) return;
    counted++;
    let err = 0;
    exact.forEach((v, j) => {
      err += Math.abs((relaxed[r]?.[j] as number) - v);
      if (j > 0) {
        pairs++;
        if (1 - sig.f(v - (exact[j - 1] as number)) < 1e-3) hard++;
      }
    });
    blur += err / n / gap;
  });
  blur = counted ? blur / counted : 0;
  const hardShare = pairs ? hard / pairs : 0;
  const n = rows[0]?.length ?? 2;
  const scale = spread / rows.length > 0 ? spread / rows.length : 1;
  const suggested = autoSteepness(n, { network, distribution: sig.distribution, artLambda: sig.artLambda, scale });
  const beta = sig.steepness;
  const fmt = (v: number) => (v >= 100 ? v.toFixed(0) : v.toPrecision(2));
  let warning: string | null = null;
  if (blur > 0.5) {
    warning = `diffSort: steepness ${fmt(beta)} is too soft: the relaxed sorted values are on average ${fmt(blur)} neighbour gaps from the exact ones (P·x drifts from x); try steepness ≈ ${fmt(suggested)}`;
  } else if (hardShare > 0.95) {
    warning = `diffSort: steepness ${fmt(beta)} is too sharp: ${fmt(100 * hardShare)} % of neighbouring pairs mix by less than 0.1 %, so gradients vanish except near ties; try steepness ≈ ${fmt(suggested)}`;
  }
  return { steepness: beta, blur, hardShare, suggested, warning };
}
