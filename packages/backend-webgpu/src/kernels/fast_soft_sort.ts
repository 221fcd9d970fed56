/**
 * WGSL fast soft sort / soft rank (Blondel, Teboul, Berthet & Djolonga, "Fast Differentiable Sorting
 * and Ranking", ICML 2020): the projection onto the permutahedron, solved exactly by pool adjacent
 * violators (PAV) on the sorted row, with the numbers of `@relax/sort`'s CPU kernel
 * (fast_soft_sort.ts), forward and its exact gradient.
 *
 * Programs, for `x: [rows, n]`:
 * 1. argsort, one workgroup per row: a bitonic network over the row padded to a power of two P
 *    (ties by descending index, the CPU kernel's `argsort(v)[::-1]`), `[rows, P]` int32, O(P log² P);
 * 2. PAV, one invocation per row (rows are independent, PAV is sequential): gathers the row in sorted
 *    order, pools blocks on a stack kept in the row's scratch, then writes the output (or, for the
 *    gradient, ∂L/∂x) in input order (sort forward: in sorted order); output `[rows, 6n]` =
 *    result | t | g | block start | two accumulators;
 * 3. a slice of the result columns.
 *
 * The backward replays the block structure from `x` (nothing is saved). Numerics, in float32: with
 * t = ±x sorted descending and s = t/ε (rank) or t (sort), every block quantity is kept relative to the
 * block's first entry — Σ(t_k − t_a) (l2) and log Σ exp(s_k − s_a) (kl) — and the weights w = (n, …, 1)/ε
 * (sort) enter only through index differences (e.g. mean_B(w) − w_j = (mid_B − j)/ε), so the large
 * `n/ε` of the hard limit (ε → 0) never cancels against an O(1) value. The l2 pooling test is
 * multiplied through by the block lengths, so integer inputs at ε = 1 pool on exact ties as the CPU
 * kernel does. The block sums used for the output are recomputed directly once the blocks are final.
 */
import type { KernelConfig, TensorInfo } from "@tensorflow/tfjs-core";
import type { WebGPUBackend } from "@tensorflow/tfjs-backend-webgpu";
import { RelaxError, RelaxFastSoftSort, RelaxFastSoftSortGrad, type RelaxFastSoftSortAttrs } from "@relax/core";
import { env } from "@tensorflow/tfjs-core";
import { RELAX_WEBGPU_FAST_SOFT_SORT_BUDGET } from "../flags.js";
import { elementwiseProgram, f32, i32, perUnitProgram, release, run, withFloatStorage } from "../program.js";
import { SPECIAL_WGSL } from "../wgsl/special.js";

/** Scratch columns per row of the PAV program: result, t, g, block start, two accumulators. */
const SCRATCH = 6;
/** Positions and block starts are stored as f32 in scratch: exact up to 2^24. */
const MAX_N = 2 ** 24;
/**
 * Sets the byte budget of the PAV scratch buffer (rows beyond it run in chunks; also capped by the
 * device's binding limit); returns the previous value. For tests.
 *
 * @deprecated Use the flag: `tf.env().set("RELAX_WEBGPU_FAST_SOFT_SORT_BUDGET", bytes)`; this wrapper sets
 * it and goes away in the next minor release.
 */
export function setFastSoftSortBudget(bytes: number): number {
  const previous = env().getNumber(RELAX_WEBGPU_FAST_SOFT_SORT_BUDGET);
  env().set(RELAX_WEBGPU_FAST_SOFT_SORT_BUDGET, bytes);
  return previous;
}
/** Relative size (2⁻²⁰) below which a gap of the pooling test counts as a tie, see the PAV program. */
const TIE = "9.5367431640625e-7";

/**
 * Argsort of every row, one workgroup per row: a bitonic network over the row's `P` = 2^⌈log₂ n⌉ slots
 * in the output, holding indices (slots ≥ n are padding and sort last). Order: t = dir·x descending,
 * ties by descending index (the CPU kernel's `argsort(v)[::-1]`). Output `[rows, P]` int32, slot j = the
 * index of the j-th sorted entry. O(P log² P) work per row.
 */
function argsortProgram(rows: number, P: number) {
  const T = Math.min(256, Math.max(32, P / 2));
  return perUnitProgram({
    key: "fastsoftsort_argsort",
    variableNames: ["x"],
    outputShape: [rows, P],
    units: rows,
    threads: T,
    uniforms: "n : i32, P : i32, dir : f32, r0 : i32, ",
    helpers: `
/** True when index a comes before index b in row r's sorted order. */
fn fss_before(r : i32, a : i32, b : i32) -> bool {
  let n = uniforms.n;
  if (a >= n || b >= n) { return b >= n && (a < n || a < b); }
  let ta = uniforms.dir * x[r * n + a];
  let tb = uniforms.dir * x[r * n + b];
  return ta > tb || (ta == tb && a > b);
}
`,
    body: `
  let P = uniforms.P;
  let base = unit * P;
  if (valid) {
    for (var i = lid; i < P; i += ${T}) { result[base + i] = i; }
  }
  storageBarrier();
  for (var k = 2; k <= P; k = k * 2) {
    for (var j = k / 2; j > 0; j = j / 2) {
      if (valid) {
        for (var i = lid; i < P; i += ${T}) {
          let l = i ^ j;
          if (l > i) {
            let a = result[base + i];
            let b = result[base + l];
            let up = (i & k) == 0;
            let r = uniforms.r0 + unit;
            if (select(fss_before(r, a, b), fss_before(r, b, a), up)) {
              result[base + i] = b;
              result[base + l] = a;
            }
          }
        }
      }
      storageBarrier();
    }
  }`,
  });
}

/**
 * PAV per row. `flags`: 1 = rank (else sort), 2 = kl (else l2). `dir` = ±1 so that t = dir·x sorted
 * descending is the CPU kernel's sorted argument (divided by ε for rank).
 */
function pavProgram(rows: number, n: number, grad: boolean) {
  return elementwiseProgram({
    key: `fastsoftsort_pav_${grad ? "grad" : "fwd"}`,
    variableNames: grad ? ["x", "perm", "dy"] : ["x", "perm"],
    outputShape: [rows, SCRATCH * n],
    count: rows,
    uniforms: "n : i32, P : i32, flags : i32, dir : f32, eps : f32, r0 : i32, ",
    helpers: `${SPECIAL_WGSL}
/** log(e^p + e^q). */
fn fss_lse(p : f32, q : f32) -> f32 {
  return max(p, q) + relax_log1p(exp(-abs(p - q)));
}
/** s_k − s_a from t_k − t_a: divided by ε for rank. */
fn fss_scale(dt : f32) -> f32 {
  if ((uniforms.flags & 1) != 0) { return dt / uniforms.eps; }
  return dt;
}
`,
    body: `
    let n = uniforms.n;
    let rank = (uniforms.flags & 1) != 0;
    let kl = (uniforms.flags & 2) != 0;
    let eps = uniforms.eps;
    let nf = f32(n);
    let xb = (uniforms.r0 + index) * n;
    let R = index * ${SCRATCH} * n;
    let T = R + n;
    let G = R + 2 * n;
    let S = R + 3 * n;
    let A = R + 4 * n;
    let B = R + 5 * n;
    let pb = index * uniforms.P;
    for (var j = 0; j < n; j++) {
      let p = perm[pb + j];
      result[T + j] = uniforms.dir * x[xb + p];
      ${grad ? "result[G + j] = dy[xb + select(j, p, rank)];" : ""}
    }
    // Pool adjacent violators for a non-increasing fit; block b starts at S[b] (accumulators:
    // l2: Σ(t_k − t_a); kl: log Σ exp(s_k − s_a) and, for sort, log Σ exp(−(k − a)/ε)).
    var sp = 0;
    for (var i = 0; i < n; i++) {
      var ac = i;
      var c1 = 0.0;
      var c2 = 0.0;
      loop {
        if (sp == 0) { break; }
        let ap = i32(result[S + sp - 1]);
        let p1 = result[A + sp - 1];
        let p2 = result[B + sp - 1];
        let lp = f32(ac - ap);
        let lc = f32(i + 1 - ac);
        let dt = result[T + ap] - result[T + ac]; // t_aP − t_aC ≥ 0
        // gap = val_P − val_C (scaled by a positive factor), mag = the size of its terms
        var gap : f32;
        var mag : f32;
        if (!kl) {
          // multiplied by lenP·lenC; mid_C − mid_P = (lenP + lenC)/2
          let k = lp * lc;
          let num = k * dt + p1 * lc - c1 * lp;
          let numMag = k * dt + abs(p1) * lc + abs(c1) * lp;
          let hl = k * (lp + lc) * 0.5;
          if (rank) {
            gap = num / eps - hl;
            mag = numMag / eps + hl;
          } else {
            gap = hl / eps - num;
            mag = hl / eps + numMag;
          }
        } else if (rank) {
          // W_B = Σ_{k∈B} (n − k) = len·(2n − a − e + 1)/2
          let lwp = log(lp * (2.0 * nf - f32(ap + ac) + 1.0) * 0.5);
          let lwc = log(lc * (2.0 * nf - f32(ac + i + 1) + 1.0) * 0.5);
          gap = dt / eps + p1 - c1 + lwc - lwp;
          mag = dt / eps + abs(p1) + abs(c1) + abs(lwc) + abs(lwp);
        } else {
          gap = lp / eps + p2 - c2 - dt - p1 + c1;
          mag = lp / eps + abs(p2) + abs(c2) + dt + abs(p1) + abs(c1);
        }
        // Ties pool (the CPU kernel's val_P ≤ val_C); within float32 rounding of the terms a gap counts as a tie.
        let pool = gap <= ${TIE} * mag;
        if (!pool) { break; }
        if (!kl) {
          c1 = p1 + c1 - lc * dt;
        } else {
          c1 = fss_lse(p1, c1 - fss_scale(dt));
          c2 = fss_lse(p2, c2 - lp / eps);
        }
        ac = ap;
        sp--;
      }
      result[S + sp] = f32(ac);
      result[A + sp] = c1;
      result[B + sp] = c2;
      sp++;
    }
    // Output (or ∂L/∂x) block by block, written in input order (sort forward: in sorted order).
    let scatter = ${grad ? "true" : "rank"};
    for (var b = 0; b < sp; b++) {
      let a = i32(result[S + b]);
      var e = n;
      if (b + 1 < sp) { e = i32(result[S + b + 1]); }
      let len = f32(e - a);
      let ta = result[T + a];
      let mid = f32(a + e - 1) * 0.5;
      var d = 0.0;   // l2: Σ(t_k − t_a)
      var ls = 0.0;  // kl: log Σ exp(s_k − s_a)
      var lw = 0.0;  // kl sort: log Σ exp(−(k − a)/ε)
      if (!kl) {
        for (var k = a + 1; k < e; k++) { d += result[T + k] - ta; }
      } else {
        var es = 0.0;
        var ew = 0.0;
        for (var k = a + 1; k < e; k++) {
          es += exp(fss_scale(result[T + k] - ta));
          ew += exp(-f32(k - a) / eps);
        }
        ls = relax_log1p(es);
        lw = relax_log1p(ew);
      }
      let wsum = len * (nf - mid);
      ${grad ? GRAD_BLOCK : FORWARD_BLOCK}
    }`,
  });
}

/** Forward output of block [a, e) at sorted positions j. */
const FORWARD_BLOCK = `
      for (var j = a; j < e; j++) {
        let dtj = result[T + j] - ta;
        var v : f32;
        if (!kl) {
          if (rank) { v = (dtj - d / len) / eps + nf - mid; }
          else { v = uniforms.dir * ((mid - f32(j)) / eps + ta + d / len); }
        } else {
          if (rank) { v = wsum * exp(fss_scale(dtj) - ls); }
          else { v = uniforms.dir * (-f32(j - a) / eps - lw + ta + ls); }
        }
        result[R + select(j, perm[pb + j], scatter)] = v;
      }`;

/**
 * Gradient of block [a, e) at sorted positions j, from g (∂L/∂output in sorted order):
 * sort: mean_B(g) (l2) or softmax_B(s)·Σ_B g (kl); rank: (g − mean_B g)·dir/ε (l2) or, with
 * g' = g·primal, (g' − softmax_B(s)·Σ_B g')·dir/ε (kl).
 */
const GRAD_BLOCK = `
      var gs = 0.0;
      for (var j = a; j < e; j++) {
        var gj = result[G + j];
        if (rank && kl) { gj = gj * wsum * exp(fss_scale(result[T + j] - ta) - ls); }
        gs += gj;
      }
      for (var j = a; j < e; j++) {
        let dtj = result[T + j] - ta;
        var v : f32;
        if (!rank) {
          if (kl) { v = exp(dtj - ls) * gs; } else { v = gs / len; }
        } else {
          var gj = result[G + j];
          var share = gs / len;
          if (kl) {
            let soft = exp(fss_scale(dtj) - ls);
            gj = gj * wsum * soft;
            share = soft * gs;
          }
          v = (gj - share) * uniforms.dir / eps;
        }
        result[R + select(j, perm[pb + j], scatter)] = v;
      }`;

/** The first n columns of each of `rows` rows of the PAV output, into rows r0… of `[allRows, n]`. */
function sliceProgram(allRows: number, rows: number, n: number) {
  return elementwiseProgram({
    key: "fastsoftsort_slice",
    variableNames: ["buf"],
    outputShape: [allRows, n],
    count: rows * n,
    uniforms: "n : i32, stride : i32, r0 : i32, ",
    body: `
    let r = index / uniforms.n;
    result[uniforms.r0 * uniforms.n + index] = buf[r * uniforms.stride + index - r * uniforms.n];`,
  });
}

/** `dir` such that t = dir·x sorted descending is the CPU kernel's sorted argument (up to 1/ε). */
function direction(at: RelaxFastSoftSortAttrs): number {
  return at.op === "rank" ? (at.descending ? -1 : 1) : at.descending ? 1 : -1;
}

function project(gpu: WebGPUBackend, x: TensorInfo, dy: TensorInfo | null, at: RelaxFastSoftSortAttrs): TensorInfo {
  const op = "RelaxFastSoftSort (webgpu)";
  if (x.shape.length !== 2) throw new RelaxError(op, "x", "[rows, n]", `[${x.shape.join(", ")}]`);
  const [rows, n] = x.shape as [number, number];
  if (rows * n === 0) return gpu.makeTensorInfo([rows, n], "float32", new Float32Array(0));
  if (n > MAX_N) throw new RelaxError(op, "x", `rows of at most ${MAX_N} entries`, `n = ${n}`);
  const dir = direction(at);
  const flags = (at.op === "rank" ? 1 : 0) | (at.regularization === "kl" ? 2 : 0);
  const P = 2 ** Math.ceil(Math.log2(n));
  // The PAV scratch takes 6n floats per row: rows beyond the budget (or the device's binding limit) run
  // in chunks, each writing its rows of the one output.
  const limits = gpu.device.limits;
  const budget = Math.min(env().getNumber(RELAX_WEBGPU_FAST_SOFT_SORT_BUDGET), limits.maxStorageBufferBindingSize, limits.maxBufferSize);
  const perRow = SCRATCH * n * 4;
  if (perRow > budget)
    throw new RelaxError(op, "x", `rows of at most ${Math.floor(budget / (SCRATCH * 4))} entries on this device`, `n = ${n}`);
  const chunk = Math.max(1, Math.min(rows, Math.floor(budget / perRow)));
  const out = gpu.makeTensorInfo([rows, n], "float32");
  for (let r0 = 0; r0 < rows; r0 += chunk) {
    const m = Math.min(chunk, rows - r0);
    const perm = run(gpu, argsortProgram(m, P), [x], "int32", [i32(n), i32(P), f32(dir), i32(r0)]);
    const buf = run(gpu, pavProgram(m, n, dy !== null), dy ? [x, perm, dy] : [x, perm], "float32", [
      i32(n),
      i32(P),
      i32(flags),
      f32(dir),
      f32(at.regularizationStrength),
      i32(r0),
    ]);
    const slice = sliceProgram(rows, m, n);
    gpu.runWebGPUProgram(slice, [buf], "float32", [...slice.leadingUniforms, i32(n), i32(SCRATCH * n), i32(r0)], out);
    release(gpu, perm, buf);
  }
  return out;
}

export const fastSoftSortConfig: KernelConfig = withFloatStorage({
  kernelName: RelaxFastSoftSort,
  backendName: "webgpu",
  kernelFunc: ({ inputs, attrs, backend }) => {
    return project(backend as WebGPUBackend, inputs.x as TensorInfo, null, attrs as unknown as RelaxFastSoftSortAttrs);
  },
});

export const fastSoftSortGradConfig: KernelConfig = withFloatStorage({
  kernelName: RelaxFastSoftSortGrad,
  backendName: "webgpu",
  kernelFunc: ({ inputs, attrs, backend }) => {
    const { x, dy } = inputs as Record<string, TensorInfo>;
    return project(backend as WebGPUBackend, x!, dy!, attrs as unknown as RelaxFastSoftSortAttrs);
  },
});
