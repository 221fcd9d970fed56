import { describe, expect, it } from "vitest";
import "@tensorflow/tfjs-backend-cpu";
import * as tf from "@tensorflow/tfjs-core";
import { RelaxError } from "@relax/core";
import { countLeakedTensors } from "@relax/core/testing";
import { TERRAIN_COSTS, dijkstraPath, generateTerrainMaps, selectTerrainMaps, terrainToTensors } from "../src/data/terrain.js";
import { shortestPathMetrics } from "../src/metrics/path.js";
import { pathPerfectMatch } from "../src/metrics/ranking.js";
import { createRng } from "@relax/core";

const DIRS = [
  [-1, -1],
  [-1, 0],
  [-1, 1],
  [0, -1],
  [0, 1],
  [1, -1],
  [1, 0],
  [1, 1],
] as const;

/** Minimum cost over all simple 8-connected paths top-left → bottom-right (exhaustive DFS). */
function bruteForce(c: number[], H: number, W: number): number {
  let best = Infinity;
  const seen = new Uint8Array(H * W);
  const dfs = (v: number, cost: number): void => {
    if (cost >= best) return;
    if (v === H * W - 1) {
      best = cost;
      return;
    }
    const y = Math.floor(v / W);
    const x = v % W;
    for (const [dy, dx] of DIRS) {
      const yy = y + dy;
      const xx = x + dx;
      if (yy < 0 || yy >= H || xx < 0 || xx >= W) continue;
      const u = yy * W + xx;
      if (seen[u]) continue;
      seen[u] = 1;
      dfs(u, cost + (c[u] as number));
      seen[u] = 0;
    }
  };
  seen[0] = 1;
  dfs(0, c[0] as number);
  return best;
}

function isPath(cells: number[], H: number, W: number): boolean {
  if (cells[0] !== 0 || cells[cells.length - 1] !== H * W - 1) return false;
  for (let i = 1; i < cells.length; i++) {
    const a = cells[i - 1] as number;
    const b = cells[i] as number;
    const dy = Math.abs(Math.floor(a / W) - Math.floor(b / W));
    const dx = Math.abs((a % W) - (b % W));
    if (Math.max(dy, dx) !== 1) return false;
  }
  return new Set(cells).size === cells.length;
}

describe("dijkstraPath (8-neighbourhood, vertex costs, both endpoints counted)", () => {
  it("matches exhaustive search on random tiny grids", () => {
    const rng = createRng(7);
    for (const [H, W] of [
      [1, 1],
      [1, 4],
      [2, 3],
      [3, 3],
      [3, 4],
      [4, 4],
    ] as const) {
      for (let trial = 0; trial < 25; trial++) {
        const c = Array.from({ length: H * W }, () => (rng.next() < 0.3 ? TERRAIN_COSTS[rng.int(5)]! : 10 * rng.next()));
        const r = dijkstraPath(c, H, W);
        expect(r.cost).toBeCloseTo(bruteForce(c, H, W), 9);
        expect(isPath(r.cells, H, W)).toBe(true);
        expect(r.cells.reduce((s, v) => s + (c[v] as number), 0)).toBeCloseTo(r.cost, 9);
        expect(Array.from(r.path).reduce((a, b) => a + b, 0)).toBe(r.cells.length);
      }
    }
  });

  it("the docs example; diagonal moves; offset reads a later map", () => {
    expect(dijkstraPath([1, 9, 9, 9, 1, 9, 9, 9, 1], 3, 3)).toMatchObject({ cells: [0, 4, 8], cost: 3 });
    expect(dijkstraPath([5, 5, 5, 5, 1, 9, 9, 1], 2, 2, 4)).toMatchObject({ cells: [0, 3], cost: 2 });
  });

  it("rejects bad inputs with RelaxError", () => {
    expect(() => dijkstraPath([1, -1, 1, 1], 2, 2)).toThrow(RelaxError);
    expect(() => dijkstraPath([1, NaN, 1, 1], 2, 2)).toThrow(/costs/);
    expect(() => dijkstraPath([1, 1, 1], 2, 2)).toThrow(/costs/);
    expect(() => dijkstraPath([1, 1, 1, 1], 0, 2)).toThrow(/height/);
  });
});

describe("generateTerrainMaps", () => {
  it("is deterministic per seed and differs across seeds", () => {
    const a = generateTerrainMaps(6, { seed: 3 });
    const b = generateTerrainMaps(6, { seed: 3 });
    const c = generateTerrainMaps(6, { seed: 4 });
    expect(Array.from(a.images)).toEqual(Array.from(b.images));
    expect(Array.from(a.costs)).toEqual(Array.from(b.costs));
    expect(Array.from(a.paths)).toEqual(Array.from(b.paths));
    expect(Array.from(a.types)).not.toEqual(Array.from(c.types));
  });

  it("labels are exact shortest paths of the stored costs; shapes; spatially correlated patches", () => {
    const m = generateTerrainMaps(20, { seed: 1, variation: 0.1, patch: 2 });
    expect(m.imageShape).toEqual([20, 24, 24, 3]);
    expect(m.types.length).toBe(20 * 144);
    let sameNeighbour = 0;
    let pairs = 0;
    for (let b = 0; b < 20; b++) {
      const r = dijkstraPath(m.costs, 12, 12, b * 144);
      expect(r.cost).toBeCloseTo(m.pathCosts[b] as number, 4);
      expect(Array.from(m.paths.subarray(b * 144, (b + 1) * 144))).toEqual(Array.from(r.path));
      expect(m.paths[b * 144]).toBe(1);
      expect(m.paths[b * 144 + 143]).toBe(1);
      for (let i = 0; i < 144; i++) {
        const t = m.types[b * 144 + i] as number;
        const base = TERRAIN_COSTS[t] as number;
        const ci = m.costs[b * 144 + i] as number;
        expect(ci).toBeGreaterThanOrEqual(base * 0.9 - 1e-5);
        expect(ci).toBeLessThanOrEqual(base * 1.1 + 1e-5);
        if (i % 12 < 11) {
          pairs++;
          if (m.types[b * 144 + i + 1] === t) sameNeighbour++;
        }
      }
    }
    // independent cells would agree with probability ~1/5
    expect(sameNeighbour / pairs).toBeGreaterThan(0.45);
    // with variation 0 a cell's cost is exactly its type's cost
    const f = generateTerrainMaps(2, { seed: 1 });
    for (let i = 0; i < f.costs.length; i++) expect(f.costs[i]).toBeCloseTo(TERRAIN_COSTS[f.types[i] as number] as number, 6);
  });

  it("tensors and selection, leak-free; the oracle costs score 100%", () => {
    const m = generateTerrainMaps(5, { seed: 2 });
    expect(countLeakedTensors(() => terrainToTensors(m, 1, 4))).toBe(0);
    const t = terrainToTensors(m, 1, 4);
    expect(t.x.shape).toEqual([3, 12, 12, 3]);
    expect(t.paths.shape).toEqual([3, 12, 12]);
    const s = selectTerrainMaps(m, [4, 1]);
    expect(Array.from(s.paths.subarray(144, 288))).toEqual(Array.from(m.paths.subarray(144, 288)));
    expect(shortestPathMetrics(t.costs, t.costs, t.paths)).toEqual({ exact: 1, optimal: 1, costRatio: 1 });
    expect(pathPerfectMatch(tf.reshape(t.paths, [3, 144]) as tf.Tensor2D, tf.reshape(t.paths, [3, 144]) as tf.Tensor2D)).toBe(1);
    const flat = shortestPathMetrics(new Float32Array(3 * 144).fill(1), t.costs.dataSync(), t.paths.dataSync(), { height: 12, width: 12 });
    expect(flat.costRatio).toBeGreaterThanOrEqual(1);
    tf.dispose([t.x, t.costs, t.paths]);
  });

  it("rejects bad options with RelaxError", () => {
    expect(() => generateTerrainMaps(-1)).toThrow(RelaxError);
    expect(() => generateTerrainMaps(2, { costs: [1, -2] })).toThrow(/costs/);
    expect(() => generateTerrainMaps(2, { costs: [1, 2, 3, 4, 5, 6] })).toThrow(/colours/);
    expect(() => generateTerrainMaps(2, { variation: 1.5 })).toThrow(/variation/);
    expect(() => generateTerrainMaps(2, { frequencies: [1, 1] })).toThrow(/frequencies/);
    expect(() => shortestPathMetrics([1, 2, 3], [1, 2, 3], [1, 0, 1])).toThrow(/shape/);
    expect(() => shortestPathMetrics([NaN, 1, 1, 1], [1, 1, 1, 1], [1, 0, 0, 1], { height: 2, width: 2 })).toThrow(RelaxError);
  });
});
