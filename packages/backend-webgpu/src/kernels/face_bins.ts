/**
 * Face bins of the rasterizers: for every 8×8-pixel tile, the faces whose grown bounding box meets the
 * tile, in index order, so that a pixel folds over its tile's list instead of testing every face of the
 * mesh (the CPU kernel bins the same way). One workgroup per (batch item, tile) compacts the faces with a
 * workgroup prefix sum, which keeps the list in face order (the t-conorm fold and the soft z-buffer are
 * evaluated in that order). A list is `[count, f_0, …, f_{cap−1}]`; a tile with more than `cap` faces
 * falls back to all faces, so any mesh is rasterized exactly, only slower.
 *
 * The tile test uses the same float32 expressions as `fragment()`'s per-pixel bbox test over the tile's
 * extreme pixel centres, so every face that test keeps is in the list (the list is a superset: the
 * fragments, and so the results, are unchanged).
 */
import { env, type TensorInfo } from "@tensorflow/tfjs-core";
import { RELAX_WEBGPU_BIN_MAX_CAP } from "../flags.js";
import type { WebGPUBackend } from "@tensorflow/tfjs-backend-webgpu";
import { f32, i32, intTable, perUnitProgram, type Uniform } from "../program.js";

export const TILE = 8;
const THREADS = 256;
/** Bytes the lists may take (B · tiles · (cap + 1) int32). */
const BIN_BUDGET = 64 * 1024 * 1024;

/**
 * Test hook: caps the list length (to exercise the all-faces fallback of full tiles).
 *
 * @deprecated Use the flag: `tf.env().set("RELAX_WEBGPU_BIN_MAX_CAP", cap)`; this object reads and writes it
 * and goes away in the next minor release.
 */
export const binOptions = {
  get maxCap(): number {
    return env().getNumber(RELAX_WEBGPU_BIN_MAX_CAP);
  },
  set maxCap(value: number) {
    env().set(RELAX_WEBGPU_BIN_MAX_CAP, value);
  },
};

/** Uniform fields of the bins, appended to the rasterizer uniforms (see `UNIFORMS` in silhouette.ts). */
export const BIN_UNIFORMS = "binned : i32, tilesX : i32, cap : i32, ";

/** WGSL `pixelX(col)`: the x of a pixel column's centre (GenDR or, with `uniforms.mirror`, PyTorch3D's convention). */
export const PIXEL_X_WGSL = /* wgsl */ `
fn pixelX(col : i32) -> f32 {
  let S = f32(uniforms.S);
  return select((2.0 * f32(col) + 1.0 - S) / S, (S - 1.0 - 2.0 * f32(col)) / S, uniforms.mirror != 0);
}
`;

/** WGSL `tileOf(bi, r, col)`, `faceCount(tile)` and `faceAt(tile, q)`: the faces a pixel folds over (needs input `tiles`). */
export const FACE_LIST_WGSL = /* wgsl */ `
fn tileOf(bi : i32, r : i32, col : i32) -> i32 {
  return (bi * uniforms.tilesX + r / ${TILE}) * uniforms.tilesX + col / ${TILE};
}
fn faceCount(tile : i32) -> i32 {
  if (uniforms.binned == 0) { return uniforms.F; }
  let n = tiles[tile * (uniforms.cap + 1)];
  return select(uniforms.F, n, n <= uniforms.cap);
}
fn faceAt(tile : i32, q : i32) -> i32 {
  if (uniforms.binned == 0) { return q; }
  let b = tile * (uniforms.cap + 1);
  if (tiles[b] > uniforms.cap) { return q; }
  return tiles[b + 1 + q];
}
`;

/** The bins of one call: the lists (or a 1-entry stand-in when unbinned) and the values of {@link BIN_UNIFORMS}. */
export interface FaceBins {
  tiles: TensorInfo;
  uniforms: Uniform[];
}

function binProgram(units: number) {
  return perUnitProgram({
    key: "raster_face_bins",
    variableNames: ["faces"],
    outputShape: [units],
    units,
    threads: THREADS,
    uniforms: `S : i32, F : i32, grow : f32, mirror : i32, ${BIN_UNIFORMS}`,
    helpers: `var<workgroup> flags : array<i32, ${THREADS}>;
${PIXEL_X_WGSL}`,
    body: `
  let tX = uniforms.tilesX;
  let bi = unit / (tX * tX);
  let tIdx = unit - bi * tX * tX;
  let ty = tIdx / tX;
  let tx = tIdx - ty * tX;
  let S = uniforms.S;
  let r0 = ty * ${TILE};
  let r1 = min(S, r0 + ${TILE}) - 1;
  let yTop = f32(S - 1 - 2 * r0) / f32(S);
  let yBot = f32(S - 1 - 2 * r1) / f32(S);
  let xa = pixelX(tx * ${TILE});
  let xb = pixelX(min(S, tx * ${TILE} + ${TILE}) - 1);
  let xMin = min(xa, xb);
  let xMax = max(xa, xb);
  let g = uniforms.grow;
  let base = unit * (uniforms.cap + 1);
  var count = 0;
  for (var f0 = 0; f0 < uniforms.F; f0 += ${THREADS}) {
    let f = f0 + lid;
    var keep = 0;
    if (valid && f < uniforms.F) {
      let o = (bi * uniforms.F + f) * 9;
      let x0 = faces[o]; let y0 = faces[o + 1];
      let x1 = faces[o + 3]; let y1 = faces[o + 4];
      let x2 = faces[o + 6]; let y2 = faces[o + 7];
      if (!(xMax < min(x0, min(x1, x2)) - g || xMin > max(x0, max(x1, x2)) + g || yTop < min(y0, min(y1, y2)) - g || yBot > max(y0, max(y1, y2)) + g)) {
        keep = 1;
      }
    }
    flags[lid] = keep;
    workgroupBarrier();
    for (var off = 1; off < ${THREADS}; off = off * 2) {
      var v = 0;
      if (lid >= off) { v = flags[lid - off]; }
      workgroupBarrier();
      flags[lid] = flags[lid] + v;
      workgroupBarrier();
    }
    let pos = count + flags[lid] - 1;
    if (keep == 1 && pos < uniforms.cap) { result[base + 1 + pos] = f; }
    count = count + flags[${THREADS - 1}];
    workgroupBarrier();
  }
  if (valid && lid == 0) { result[base] = count; }`,
  });
}

/** Geometry of one rasterizer call: batch, faces, image size, bbox growth (√thr) and pixel convention. */
export interface BinGeometry {
  B: number;
  F: number;
  S: number;
  grow: number;
  mirror: boolean;
}

/** Bins the faces `[B, F, 3, 3]` into the tiles of an `S × S` image (or returns the unbinned stand-in when the lists would not fit). */
export function binFaces(gpu: WebGPUBackend, faces: TensorInfo, g: BinGeometry): FaceBins {
  const tilesX = Math.ceil(g.S / TILE);
  const units = g.B * tilesX * tilesX;
  const cap = Math.min(g.F, env().getNumber(RELAX_WEBGPU_BIN_MAX_CAP), Math.floor(BIN_BUDGET / (4 * Math.max(1, units))) - 1);
  if (cap < 1 || units === 0) return { tiles: intTable(gpu, [0]), uniforms: [i32(0), i32(tilesX), i32(0)] };
  const bins = [i32(1), i32(tilesX), i32(cap)];
  const program = { ...binProgram(units), outputShape: [units * (cap + 1)] };
  const tiles = gpu.runWebGPUProgram(program, [faces], "int32", [
    ...program.leadingUniforms,
    i32(g.S),
    i32(g.F),
    f32(g.grow),
    i32(g.mirror ? 1 : 0),
    ...bins,
  ]);
  return { tiles, uniforms: bins };
}
