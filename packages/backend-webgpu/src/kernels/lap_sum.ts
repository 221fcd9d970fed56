/**
 * WGSL LapSum (Struski, Bednarczyk, Podolak & Tabor, ICML 2025), `RelaxLapSum(+Grad)`, the numbers of
 * `@relax/sort`'s host kernel (kernels/lap_sum.ts) in float32, WITHOUT a sort inside the row: every quantity
 * is evaluated directly, O(n) per entry, so O(n²) per row (the host kernel's O(n log n) needs the sorted
 * row; on a GPU the n² evaluations run in parallel).
 *
 * Programs, for `x: [rows, n]`:
 * 1. roots (sort, top-k), one invocation per root: `F(t) = w` with `F(t) = Σ_i Lap((t − x_i)/α)` by
 *    bisection on a bracket that holds the root (until the midpoint stops moving, at most 200 halvings);
 *    sort: w = j + ½ per output j; top-k: w = n − k (largest) or k. For the gradient each root also gets
 *    what the implicit-function VJP needs: sort `[t, m, u]` with m = min_l |t − x_l| and
 *    u = dy_j / Σ_l e^{−(|t − x_l| − m)/α}; top-k `[b, v̄]` with v̄ = Σ dy_i d_i / Σ d_i, d_i = e^{−(|x_i − b| − m)/α}
 *    (the shift by m keeps the sums from underflowing; it cancels);
 * 2. entries, one invocation per (row, i): ranks `Σ_{j≠i} Lap((x_i − x_j)/α)` and their VJP, top-k
 *    memberships and their VJP ±e^{−|x_i − b|/α}(dy_i − v̄)/(2α), the sort VJP `Σ_j u_j e^{−(|t_j − x_i| − m_j)/α}`.
 */
import type { WebGPUBackend } from "@tensorflow/tfjs-backend-webgpu";
import type { KernelConfig, TensorInfo } from "@tensorflow/tfjs-core";
import { RelaxError, RelaxLapSum, RelaxLapSumGrad, type RelaxLapSumAttrs } from "@relax/core";
import { elementwiseProgram, f32, i32, release, run, withFloatStorage } from "../program.js";

/** Laplace CDF and F(t) over row r of x (n entries). */
const LAP_WGSL = `
fn lapCdf(z : f32) -> f32 {
  if (z <= 0.0) { return 0.5 * exp(z); }
  return 1.0 - 0.5 * exp(-z);
}
fn lapSum(t : f32, off : i32, n : i32, alpha : f32) -> f32 {
  var s = 0.0;
  for (var l = 0; l < n; l++) { s += lapCdf((t - x[off + l]) / alpha); }
  return s;
}
fn rootOf(w : f32, off : i32, n : i32, alpha : f32) -> f32 {
  var lo = x[off];
  var hi = x[off];
  for (var l = 1; l < n; l++) { lo = min(lo, x[off + l]); hi = max(hi, x[off + l]); }
  lo = lo + alpha * (min(0.0, log(2.0 * w / f32(n))) - 1.0);
  hi = hi + alpha * (max(0.0, log(f32(n) / (2.0 * (f32(n) - w)))) + 1.0);
  for (var it = 0; it < 200; it++) {
    let mid = 0.5 * (lo + hi);
    if (mid <= lo || mid >= hi) { break; }
    if (lapSum(mid, off, n, alpha) < w) { lo = mid; } else { hi = mid; }
  }
  return 0.5 * (lo + hi);
}
fn minDist(t : f32, off : i32, n : i32) -> f32 {
  var m = abs(t - x[off]);
  for (var l = 1; l < n; l++) { m = min(m, abs(t - x[off + l])); }
  return m;
}`;

type Mode = "sort" | "topk";

/** Roots: sort `[rows, n]` (forward) / `[rows, n, 3]` (grad); top-k `[rows, 1]` / `[rows, 2]`. */
function rootsProgram(rows: number, n: number, mode: Mode, grad: boolean) {
  const width = mode === "sort" ? (grad ? 3 : 1) : grad ? 2 : 1;
  const perRow = mode === "sort" ? "uniforms.n" : "1";
  let tail = "";
  if (mode === "sort") {
    tail = grad
      ? `let m = minDist(t, off, n);
    var e = 0.0;
    for (var l = 0; l < n; l++) { e += exp(-(abs(t - x[off + l]) - m) / alpha); }
    let jj = select(j, n - 1 - j, uniforms.descending == 1);
    result[index * 3] = t;
    result[index * 3 + 1] = m;
    result[index * 3 + 2] = dy[off + jj] / e;`
      : `result[off + select(j, n - 1 - j, uniforms.descending == 1)] = t;`;
  } else {
    tail = grad
      ? `let m = minDist(t, off, n);
    var sd = 0.0;
    var svd = 0.0;
    for (var l = 0; l < n; l++) {
      let d = exp(-(abs(x[off + l] - t) - m) / alpha);
      sd += d;
      svd += d * dy[off + l];
    }
    result[r * 2] = t;
    result[r * 2 + 1] = svd / sd;`
      : "result[r] = t;";
  }
  return elementwiseProgram({
    key: `lapsum_roots_${mode}_${grad ? "grad" : "fwd"}`,
    variableNames: grad ? ["x", "dy"] : ["x"],
    outputShape: mode === "sort" ? (grad ? [rows * n, 3] : [rows, n]) : [rows, width],
    count: mode === "sort" ? rows * n : rows,
    uniforms: "n : i32, alpha : f32, descending : i32, w : f32, ",
    helpers: LAP_WGSL,
    body: `
    let n = uniforms.n;
    let alpha = uniforms.alpha;
    let r = index / ${perRow};
    let j = index - r * ${perRow};
    let off = r * n;
    let w = select(uniforms.w, f32(j) + 0.5, ${mode === "sort" ? "true" : "false"});
    let t = rootOf(w, off, n, alpha);
    ${tail}`,
  });
}

/** Per-entry program: rank forward / VJP, top-k forward / VJP, sort VJP. Output `[rows, n]`. */
function entriesProgram(rows: number, n: number, kind: "rank" | "rank_grad" | "topk" | "topk_grad" | "sort_grad") {
  const bodies: Record<typeof kind, string> = {
    rank: `var s = 0.0;
    for (var l = 0; l < n; l++) { if (l != i) { s += lapCdf((xi - x[off + l]) / alpha); } }
    result[index] = select(s, f32(n - 1) - s, uniforms.descending == 1);`,
    rank_grad: `var a = 0.0;
    var b = 0.0;
    for (var l = 0; l < n; l++) {
      if (l != i) {
        let e = exp(-abs(xi - x[off + l]) / alpha);
        a += e;
        b += e * aux[off + l];
      }
    }
    let sign = select(1.0, -1.0, uniforms.descending == 1);
    result[index] = sign * (aux[index] * a - b) / (2.0 * alpha);`,
    topk: `let b = aux[r];
    let z = select(b - xi, xi - b, uniforms.largest == 1);
    result[index] = lapCdf(z / alpha);`,
    topk_grad: `let b = aux[r * 2];
    let vbar = aux[r * 2 + 1];
    let sign = select(-1.0, 1.0, uniforms.largest == 1);
    result[index] = sign * exp(-abs(xi - b) / alpha) * (dy[index] - vbar) / (2.0 * alpha);`,
    sort_grad: `var g = 0.0;
    for (var j = 0; j < n; j++) {
      let q = (off + j) * 3;
      g += aux[q + 2] * exp(-(abs(aux[q] - xi) - aux[q + 1]) / alpha);
    }
    result[index] = g;`,
  };
  const names = kind === "rank" ? ["x"] : kind === "topk_grad" ? ["x", "aux", "dy"] : ["x", "aux"];
  return elementwiseProgram({
    key: `lapsum_entries_${kind}`,
    variableNames: names,
    outputShape: [rows, n],
    uniforms: "n : i32, alpha : f32, descending : i32, largest : i32, ",
    helpers: LAP_WGSL,
    body: `
    let n = uniforms.n;
    let alpha = uniforms.alpha;
    let r = index / n;
    let i = index - r * n;
    let off = r * n;
    let xi = x[index];
    ${bodies[kind]}`,
  });
}

function lapSum(gpu: WebGPUBackend, x: TensorInfo, dy: TensorInfo | null, at: RelaxLapSumAttrs): TensorInfo {
  const op = "RelaxLapSum (webgpu)";
  if (x.shape.length !== 2) throw new RelaxError(op, "x", "[rows, n]", `[${x.shape.join(", ")}]`);
  const [rows, n] = x.shape as [number, number];
  if (rows * n === 0) return gpu.makeTensorInfo([rows, n], "float32", new Float32Array(0));
  const grad = dy !== null;
  const common = [i32(n), f32(at.alpha), i32(at.descending ? 1 : 0)];
  const entries = (kind: Parameters<typeof entriesProgram>[2], inputs: TensorInfo[]) =>
    run(gpu, entriesProgram(rows, n, kind), inputs, "float32", [...common, i32(at.largest ? 1 : 0)]);
  if (at.op === "rank") return grad ? entries("rank_grad", [x, dy]) : entries("rank", [x]);
  if (at.op === "topk" && at.k >= n) {
    // every entry selected: memberships 1, gradient 0
    return gpu.makeTensorInfo([rows, n], "float32", new Float32Array(rows * n).fill(grad ? 0 : 1));
  }
  const mode: Mode = at.op === "sort" ? "sort" : "topk";
  const target = at.op === "topk" ? (at.largest ? n - at.k : at.k) : 0;
  const roots = run(gpu, rootsProgram(rows, n, mode, grad), grad ? [x, dy] : [x], "float32", [...common, f32(target)]);
  if (mode === "sort" && !grad) return roots;
  try {
    if (mode === "sort") return entries("sort_grad", [x, roots]);
    return grad ? entries("topk_grad", [x, roots, dy]) : entries("topk", [x, roots]);
  } finally {
    release(gpu, roots);
  }
}

/** WGSL `RelaxLapSum`: soft ranks, sorted values or top-k memberships `[rows, n]`, and an empty `order` `[rows, 0]`. */
export const lapSumConfig: KernelConfig = withFloatStorage({
  kernelName: RelaxLapSum,
  backendName: "webgpu",
  kernelFunc: ({ inputs, attrs, backend }) => {
    const gpu = backend as WebGPUBackend;
    const x = inputs.x as TensorInfo;
    // no in-row sort here: the `order` output is empty, and the gradient kernel does not need it
    const y = lapSum(gpu, x, null, attrs as unknown as RelaxLapSumAttrs);
    return [y, gpu.makeTensorInfo([x.shape[0] ?? 0, 0], "int32", new Int32Array(0))];
  },
});

/** WGSL `RelaxLapSumGrad`: `dx: [rows, n]` from `{ x, order, dy }` (`order` unused). */
export const lapSumGradConfig: KernelConfig = withFloatStorage({
  kernelName: RelaxLapSumGrad,
  backendName: "webgpu",
  kernelFunc: ({ inputs, attrs, backend }) => {
    const { x, dy } = inputs as Record<string, TensorInfo>;
    return lapSum(backend as WebGPUBackend, x!, dy!, attrs as unknown as RelaxLapSumAttrs);
  },
});
