/**
 * Caps on the work a user-controlled count can ask for. Every loop whose length a caller chooses
 * (`shortestPath`'s `iterations` and `traceSteps`, a program's `maxIter` and `for` ranges) and every
 * comparator network size is checked against these before any work starts; past a cap the op throws a
 * `RelaxError` naming itself and the argument, instead of running (and allocating) without bound.
 */

/**
 * Most iterations of any relaxed loop: a program `while` (`maxIter`), a program `for` range, and
 * `shortestPath`'s `iterations` and `traceSteps` (100,000). Loops keep constant memory per iteration
 * in the forward pass; for the gradient, `shortestPath`'s fused kernel keeps one H·W float64 grid per
 * Bellman-Ford iteration that changed the distances (8·H·W bytes per row; an exactly converged
 * iteration adds only a reference), so its tape is at most 8·H·W·MAX_ITERATIONS bytes per row.
 */
export const MAX_ITERATIONS = 100_000;

/** Most wires of a comparator network built by `oddEvenNetwork` / `bitonicNetwork` / `splitterSelectionNetwork` / `getNetwork` (65,536). */
export const MAX_NETWORK_WIRES = 65_536;

/** Most comparators of one network (2^24): the odd-even network of n wires has n(n−1)/2, so n ≤ 5,793 for it. */
export const MAX_NETWORK_COMPARATORS = 2 ** 24;
