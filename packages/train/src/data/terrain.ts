import * as tf from "@tensorflow/tfjs-core";
import { GRID8_DIRECTIONS, RelaxError, assertInRange, assertInteger, assertOptions, describe } from "@relax/core";

function checkMaps(op: string, maps: TerrainMaps): void {
  if (
    !maps ||
    !Number.isInteger(maps.count) ||
    !(maps.images instanceof Float32Array) ||
    !(maps.costs instanceof Float32Array) ||
    !Array.isArray(maps.imageShape)
  )
    throw new RelaxError(op, "maps", "TerrainMaps from generateTerrainMaps", describe(maps));
}
import { createRng, type Rng } from "@relax/core";

/**
 * Base vertex costs of the synthetic terrain types (road/sand, grass, forest, water, mountain), the values of the
 * Warcraft shortest-path maps (Vlastelica et al., ICLR 2020; used by AlgoVision and the Newton-losses paper).
 */
export const TERRAIN_COSTS: readonly number[] = [0.8, 1.2, 5.3, 7.7, 9.2];

/** RGB colour (in [0, 1]) of each terrain type, well separated in chromaticity. */
export const TERRAIN_COLOURS: readonly (readonly [number, number, number])[] = [
  [0.85, 0.72, 0.42], // road / sand
  [0.35, 0.75, 0.25], // grass
  [0.08, 0.38, 0.16], // forest
  [0.15, 0.35, 0.85], // water
  [0.55, 0.5, 0.55], // mountain
];

/** Options of {@link generateTerrainMaps}. */
export interface TerrainOptions {
  /** Grid height (default 12, as Warcraft 12×12). */
  height?: number;
  /** Grid width (default 12). */
  width?: number;
  /** Base cost per terrain type (default {@link TERRAIN_COSTS}). */
  costs?: readonly number[];
  /** Colour per terrain type (default {@link TERRAIN_COLOURS}; same length as `costs`). */
  colours?: readonly (readonly [number, number, number])[];
  /** Relative frequency per terrain type (default uniform). */
  frequencies?: readonly number[];
  /** 3×3 box-blur passes of the type fields: larger → bigger patches (default 2). */
  smoothness?: number;
  /**
   * Per-cell cost variation: cost = base·(1 + variation·v), v ~ U(−1, 1), shown in the input as the cell's shade
   * (brightness ×(1 + shade·v)). Default 0: fixed per-type costs as in Warcraft, where equally short paths are common (so
   * compare paths by cost, see `shortestPathMetrics`'s `optimal`); > 0 makes the true path unique almost surely.
   */
  variation?: number;
  /** Brightness modulation of the shade encoding (default 0.25). */
  shade?: number;
  /** Standard deviation of the Gaussian pixel noise of the input (default 0.03). */
  noise?: number;
  /** Pixels per cell side of the input image (default 1: one RGB pixel per cell; 8 gives Warcraft's 96×96). */
  patch?: number;
  /** Seed (default 0). */
  seed?: number;
}

/** A set of synthetic Warcraft-like maps (flat row-major host arrays). */
export interface TerrainMaps {
  count: number;
  height: number;
  width: number;
  /** Terrain type per cell `[count, H, W]`. */
  types: Uint8Array;
  /** True vertex costs `[count, H, W]`. */
  costs: Float32Array;
  /** True shortest path indicator `[count, H, W]` (1 on the path, both endpoints included). */
  paths: Float32Array;
  /** True shortest path cost per map (sum of the vertex costs on the path, both endpoints included). */
  pathCosts: Float64Array;
  /** Input image `[count, H·patch, W·patch, 3]`. */
  images: Float32Array;
  /** Shape of `images`. */
  imageShape: [number, number, number, number];
}

/** Result of {@link dijkstraPath}. */
export interface DijkstraResult {
  /** Path indicator `[H·W]` (1 on the path). */
  path: Uint8Array;
  /** Cell indices on the path, top-left first. */
  cells: number[];
  /** Sum of the vertex costs on the path, both endpoints included. */
  cost: number;
}

const DIRS = GRID8_DIRECTIONS;

/**
 * Exact shortest path on a vertex-weighted 8-connected grid (Dijkstra with a binary heap), from the top-left cell to
 * the bottom-right cell; a path's cost is the sum of its vertex costs including both endpoints, as in the Warcraft
 * benchmark (Vlastelica et al., ICLR 2020). Ties are broken deterministically (smaller distance, then smaller cell
 * index, first relaxation wins).
 *
 * @param costs `[H·W]` non-negative finite vertex costs (row-major), read from `offset`
 * @returns the path indicator `[H·W]`, its cells and its cost
 * @example
 * const r = dijkstraPath([1, 9, 9, 9, 1, 9, 9, 9, 1], 3, 3);
 * r.cells;   // [0, 4, 8]
 * r.cost;    // 3
 */
export function dijkstraPath(costs: ArrayLike<number>, height: number, width: number, offset = 0): DijkstraResult {
  const op = "dijkstraPath";
  const H = assertInteger(op, "height", height, 1);
  const W = assertInteger(op, "width", width, 1);
  assertInteger(op, "offset", offset, 0);
  const N = H * W;
  if (!costs || typeof costs.length !== "number" || costs.length < offset + N) {
    throw new RelaxError(op, "costs", `at least ${offset + N} values (${H}×${W} grid from offset ${offset})`, describe(costs));
  }
  for (let i = 0; i < N; i++) {
    const c = costs[offset + i] as number;
    if (!(c >= 0) || !Number.isFinite(c)) throw new RelaxError(op, "costs", "finite non-negative vertex costs", `${c} at cell ${i}`);
  }
  const dist = new Float64Array(N).fill(Infinity);
  const prev = new Int32Array(N).fill(-1);
  const done = new Uint8Array(N);
  // binary heap of (distance, cell), ordered by distance then cell index
  const heapD: number[] = [];
  const heapV: number[] = [];
  const less = (i: number, j: number): boolean =>
    (heapD[i] as number) < (heapD[j] as number) ||
    ((heapD[i] as number) === (heapD[j] as number) && (heapV[i] as number) < (heapV[j] as number));
  const swap = (i: number, j: number): void => {
    [heapD[i], heapD[j]] = [heapD[j] as number, heapD[i] as number];
    [heapV[i], heapV[j]] = [heapV[j] as number, heapV[i] as number];
  };
  const push = (d: number, v: number): void => {
    heapD.push(d);
    heapV.push(v);
    let i = heapD.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!less(i, p)) break;
      swap(i, p);
      i = p;
    }
  };
  const pop = (): number => {
    const v = heapV[0] as number;
    const lastD = heapD.pop() as number;
    const lastV = heapV.pop() as number;
    if (heapD.length > 0) {
      heapD[0] = lastD;
      heapV[0] = lastV;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < heapD.length && less(l, m)) m = l;
        if (r < heapD.length && less(r, m)) m = r;
        if (m === i) break;
        swap(i, m);
        i = m;
      }
    }
    return v;
  };
  dist[0] = costs[offset] as number;
  push(dist[0] as number, 0);
  while (heapD.length > 0) {
    const u = pop();
    if (done[u]) continue;
    done[u] = 1;
    if (u === N - 1) break;
    const uy = Math.floor(u / W);
    const ux = u - uy * W;
    for (const [dy, dx] of DIRS) {
      const y = uy + dy;
      const x = ux + dx;
      if (y < 0 || y >= H || x < 0 || x >= W) continue;
      const v = y * W + x;
      if (done[v]) continue;
      const nd = (dist[u] as number) + (costs[offset + v] as number);
      if (nd < (dist[v] as number)) {
        dist[v] = nd;
        prev[v] = u;
        push(nd, v);
      }
    }
  }
  const cells: number[] = [];
  for (let v = N - 1; v >= 0; v = prev[v] as number) {
    cells.push(v);
    if (v === 0) break;
  }
  cells.reverse();
  const path = new Uint8Array(N);
  let cost = 0;
  for (const v of cells) {
    path[v] = 1;
    cost += costs[offset + v] as number;
  }
  return { path, cells, cost };
}

/** Box blur (3×3, clamped edges) of an H×W field, in place via a scratch array. */
function blur(field: Float64Array, H: number, W: number): void {
  const out = new Float64Array(H * W);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      let s = 0;
      for (let dy = -1; dy <= 1; dy++) {
        for (let dx = -1; dx <= 1; dx++) {
          const yy = Math.min(H - 1, Math.max(0, y + dy));
          const xx = Math.min(W - 1, Math.max(0, x + dx));
          s += field[yy * W + xx] as number;
        }
      }
      out[y * W + x] = s / 9;
    }
  }
  field.set(out);
}

function terrainTypes(
  rng: Rng,
  H: number,
  W: number,
  K: number,
  smoothness: number,
  logFreq: number[],
  out: Uint8Array,
  off: number,
): void {
  const N = H * W;
  const best = new Float64Array(N).fill(-Infinity);
  for (let k = 0; k < K; k++) {
    const f = new Float64Array(N);
    for (let i = 0; i < N; i++) f[i] = rng.normal();
    for (let p = 0; p < smoothness; p++) blur(f, H, W);
    let mean = 0;
    for (let i = 0; i < N; i++) mean += (f[i] as number) / N;
    let sd = 0;
    for (let i = 0; i < N; i++) sd += ((f[i] as number) - mean) ** 2 / N;
    sd = Math.sqrt(sd) || 1;
    for (let i = 0; i < N; i++) {
      const v = ((f[i] as number) - mean) / sd + (logFreq[k] as number);
      if (v > (best[i] as number)) {
        best[i] = v;
        out[off + i] = k;
      }
    }
  }
}

/**
 * Seeded synthetic Warcraft-like maps (the shortest-path benchmark of Vlastelica et al., ICLR 2020, as used by
 * AlgoVision, Petersen et al., NeurIPS 2021): spatially correlated terrain patches (argmax of blurred Gaussian fields,
 * one per type), vertex costs from the terrain type (±`variation` per cell), the exact shortest path from the top-left to
 * the bottom-right cell (8-neighbourhood, vertex costs, both endpoints counted), and an RGB input image in which each
 * cell is a patch of its type's colour, shaded by its cost variation, plus pixel noise — a network must learn the
 * costs from the image.
 *
 * @param count number of maps
 * @param options height 12, width 12, costs {@link TERRAIN_COSTS}, smoothness 2, variation 0, shade 0.25, noise 0.03, patch 1, seed 0
 * @returns {@link TerrainMaps}: types / costs / paths `[count, H, W]`, path costs, images `[count, H·patch, W·patch, 3]`
 * @example
 * const maps = generateTerrainMaps(1000, { seed: 1 });
 * const { x, costs, paths } = terrainToTensors(maps);   // x [1000, 12, 12, 3]
 * maps.pathCosts[0];                                     // cost of map 0's shortest path
 */
export function generateTerrainMaps(count: number, options: TerrainOptions = {}): TerrainMaps {
  const op = "generateTerrainMaps";
  assertOptions<TerrainOptions>(op, options, [
    "height",
    "width",
    "costs",
    "colours",
    "frequencies",
    "smoothness",
    "variation",
    "shade",
    "noise",
    "patch",
    "seed",
  ]);
  const B = assertInteger(op, "count", count, 0, 1 << 24);
  const H = assertInteger(op, "height", options.height ?? 12, 1);
  const W = assertInteger(op, "width", options.width ?? 12, 1);
  const base = options.costs ?? TERRAIN_COSTS;
  if (
    !Array.isArray(base) ||
    base.length < 1 ||
    base.length > 255 ||
    base.some((c) => typeof c !== "number" || !Number.isFinite(c) || c < 0)
  ) {
    throw new RelaxError(op, "costs", "1..255 finite non-negative costs", describe(base));
  }
  const K = base.length;
  const colours = options.colours ?? (K <= TERRAIN_COLOURS.length ? TERRAIN_COLOURS.slice(0, K) : undefined);
  if (
    !colours ||
    colours.length !== K ||
    colours.some((c) => !Array.isArray(c) || c.length !== 3 || c.some((v) => typeof v !== "number" || !Number.isFinite(v)))
  ) {
    throw new RelaxError(op, "colours", `${K} RGB triples (one per cost)`, describe(colours));
  }
  const freq = options.frequencies ?? new Array<number>(K).fill(1);
  if (!Array.isArray(freq) || freq.length !== K || freq.some((f) => typeof f !== "number" || !(f > 0) || !Number.isFinite(f))) {
    throw new RelaxError(op, "frequencies", `${K} positive numbers`, describe(freq));
  }
  const smoothness = assertInteger(op, "smoothness", options.smoothness ?? 2, 0, 100);
  const variation = assertInRange(op, "variation", options.variation ?? 0, 0, 0.99);
  const shade = assertInRange(op, "shade", options.shade ?? 0.25, 0, 1);
  const noiseSd = assertInRange(op, "noise", options.noise ?? 0.03, 0, 10);
  const patch = assertInteger(op, "patch", options.patch ?? 1, 1, 64);
  const seed = assertInteger(op, "seed", options.seed ?? 0, 0);
  if (B * H * W * patch * patch * 3 > 1 << 28)
    throw new RelaxError(op, "count", "at most 2^28 image values in all", `${B} maps of ${H * patch}×${W * patch}×3`);
  const rng = createRng(seed);
  const N = H * W;
  const logFreq = freq.map((f) => Math.log(f / Math.max(...freq)));
  const types = new Uint8Array(B * N);
  const costs = new Float32Array(B * N);
  const paths = new Float32Array(B * N);
  const pathCosts = new Float64Array(B);
  const IH = H * patch;
  const IW = W * patch;
  const images = new Float32Array(B * IH * IW * 3);
  const v = new Float64Array(N);
  for (let b = 0; b < B; b++) {
    terrainTypes(rng, H, W, K, smoothness, logFreq, types, b * N);
    for (let i = 0; i < N; i++) {
      v[i] = 2 * rng.next() - 1;
      costs[b * N + i] = (base[types[b * N + i] as number] as number) * (1 + variation * (v[i] as number));
    }
    const r = dijkstraPath(costs, H, W, b * N);
    paths.set(r.path, b * N);
    pathCosts[b] = r.cost;
    for (let y = 0; y < IH; y++) {
      for (let x = 0; x < IW; x++) {
        const cell = Math.floor(y / patch) * W + Math.floor(x / patch);
        const col = colours[types[b * N + cell] as number] as readonly [number, number, number];
        const bright = 1 + shade * (v[cell] as number);
        const o = ((b * IH + y) * IW + x) * 3;
        for (let c = 0; c < 3; c++) images[o + c] = (col[c] as number) * bright + noiseSd * rng.normal();
      }
    }
  }
  return { count: B, height: H, width: W, types, costs, paths, pathCosts, images, imageShape: [B, IH, IW, 3] };
}

/**
 * Tensors of maps `[from, to)`: images `x [n, H·patch, W·patch, 3]`, true costs and true paths `[n, H, W]`.
 *
 * @example
 * const { x, costs, paths } = terrainToTensors(maps, 0, 32);
 * tf.dispose([x, costs, paths]);
 */
export function terrainToTensors(maps: TerrainMaps, from = 0, to?: number): { x: tf.Tensor4D; costs: tf.Tensor3D; paths: tf.Tensor3D } {
  const op = "terrainToTensors";
  checkMaps(op, maps);
  const a = assertInteger(op, "from", from, 0, maps.count);
  const e = assertInteger(op, "to", to ?? maps.count, a, maps.count);
  const [, IH, IW] = maps.imageShape;
  const N = maps.height * maps.width;
  const P = IH * IW * 3;
  return {
    x: tf.tensor4d(maps.images.subarray(a * P, e * P), [e - a, IH, IW, 3]),
    costs: tf.tensor3d(maps.costs.subarray(a * N, e * N), [e - a, maps.height, maps.width]),
    paths: tf.tensor3d(maps.paths.subarray(a * N, e * N), [e - a, maps.height, maps.width]),
  };
}

/**
 * Selects maps by index (e.g. a random training batch) as a new {@link TerrainMaps}.
 *
 * @example
 * const batch = selectTerrainMaps(train, [3, 17, 42]);
 */
export function selectTerrainMaps(maps: TerrainMaps, indices: readonly number[]): TerrainMaps {
  checkMaps("selectTerrainMaps", maps);
  if (!Array.isArray(indices)) throw new RelaxError("selectTerrainMaps", "indices", "an array of map indices", describe(indices));
  const N = maps.height * maps.width;
  const [, IH, IW] = maps.imageShape;
  const P = IH * IW * 3;
  const n = indices.length;
  const out: TerrainMaps = {
    count: n,
    height: maps.height,
    width: maps.width,
    types: new Uint8Array(n * N),
    costs: new Float32Array(n * N),
    paths: new Float32Array(n * N),
    pathCosts: new Float64Array(n),
    images: new Float32Array(n * P),
    imageShape: [n, IH, IW, 3],
  };
  indices.forEach((idx, j) => {
    const i = assertInteger("selectTerrainMaps", `indices[${j}]`, idx, 0, maps.count - 1);
    out.types.set(maps.types.subarray(i * N, (i + 1) * N), j * N);
    out.costs.set(maps.costs.subarray(i * N, (i + 1) * N), j * N);
    out.paths.set(maps.paths.subarray(i * N, (i + 1) * N), j * N);
    out.images.set(maps.images.subarray(i * P, (i + 1) * P), j * P);
    out.pathCosts[j] = maps.pathCosts[i] as number;
  });
  return out;
}
