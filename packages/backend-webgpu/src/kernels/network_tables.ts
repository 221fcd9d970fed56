/**
 * Sorting-network tables on the GPU, shared by the WGSL sorting-network kernels (`diff_sort.ts`,
 * `sort_net_select.ts`): one upload per backend and network (LRU-bounded), and the WGSL accessors of the table.
 */
import type { WebGPUBackend } from "@tensorflow/tfjs-backend-webgpu";
import type { TensorInfo } from "@tensorflow/tfjs-core";
import { getNetwork, type FlatNetwork, type TopKNetworkType } from "@relax/core";
import { i32, release, type Uniform } from "../program.js";

/** Network table on the GPU: `[layerStart (depth+1) | lo (C) | hi (C) | hullStart (C) | hullEnd (C) | hullOffset (C+1)]`. */
export interface GpuNetwork {
  net: FlatNetwork;
  table: TensorInfo;
  threads: number;
  hullTotal: number;
}

const networkCache = new WeakMap<WebGPUBackend, Map<string, GpuNetwork>>();
/** Most network tables kept on the GPU per backend; the least recently used one is freed beyond it. */
export const MAX_CACHED_NETWORKS = 32;

/**
 * Uploads a network's table once per backend (networks are immutable and cached by `@relax/sort` too). The cache
 * is bounded (LRU, {@link MAX_CACHED_NETWORKS}), so sorting rows of ever new lengths does not grow GPU memory.
 */
export function gpuNetwork(gpu: WebGPUBackend, type: TopKNetworkType, n: number, k = 1): GpuNetwork {
  let cache = networkCache.get(gpu);
  if (cache === undefined) networkCache.set(gpu, (cache = new Map()));
  const key = type === "splitter_selection" ? `${type}:${n}:${k}` : `${type}:${n}`;
  const hit = cache.get(key);
  if (hit !== undefined) {
    cache.delete(key); // most recently used last
    cache.set(key, hit);
    return hit;
  }
  if (cache.size >= MAX_CACHED_NETWORKS) {
    const [oldest, entry] = cache.entries().next().value as [string, GpuNetwork];
    cache.delete(oldest);
    release(gpu, entry.table); // deferred by the backend until commands already queued with it are done
  }
  const net = getNetwork(type, n, k);
  const C = net.size;
  const d = net.depth;
  const t = new Int32Array(d + 1 + 5 * C + 1);
  t.set(net.layerStart, 0);
  t.set(net.lo, d + 1);
  t.set(net.hi, d + 1 + C);
  t.set(net.hullStart, d + 1 + 2 * C);
  t.set(net.hullEnd, d + 1 + 3 * C);
  t.set(net.hullOffset, d + 1 + 4 * C);
  let widest = 1;
  for (let l = 0; l < d; l++) widest = Math.max(widest, (net.layerStart[l + 1] as number) - (net.layerStart[l] as number));
  const threads = Math.min(256, Math.max(32, 2 ** Math.ceil(Math.log2(widest))));
  const entry: GpuNetwork = { net, table: gpu.makeTensorInfo([t.length], "int32", t), threads, hullTotal: net.hullOffset[C] as number };
  cache.set(key, entry);
  return entry;
}

/** WGSL accessors of the network table (offsets from uniforms n, C, depth). */
export const NET_WGSL = `
fn layerStart(l : i32) -> i32 { return net[l]; }
fn wireLo(c : i32) -> i32 { return net[uniforms.depth + 1 + c]; }
fn wireHi(c : i32) -> i32 { return net[uniforms.depth + 1 + uniforms.C + c]; }
fn hullStart(c : i32) -> i32 { return net[uniforms.depth + 1 + 2 * uniforms.C + c]; }
fn hullEnd(c : i32) -> i32 { return net[uniforms.depth + 1 + 3 * uniforms.C + c]; }
fn hullOffset(c : i32) -> i32 { return net[uniforms.depth + 1 + 4 * uniforms.C + c]; }
`;
/** WGSL uniform declarations read by {@link NET_WGSL}. */
export const NET_UNIFORMS = "n : i32, C : i32, depth : i32, ";
/** Uniform values of {@link NET_UNIFORMS} for a network. */
export const netUniforms = (g: GpuNetwork): Uniform[] => [i32(g.net.n), i32(g.net.size), i32(g.net.depth)];
