/**
 * Data augmentation of 28 × 28 digits: a random affine map (shift, rotation, scale) about the image centre,
 * optionally followed by an elastic distortion (Simard, Steinkraus & Platt, ICDAR 2003: a displacement field of
 * uniform(−1, 1) noise smoothed by a Gaussian of width σ, times α), sampled with bilinear interpolation,
 * outside pixels 0. With rotation, scale and α all 0 it is exactly the integer shift of the earlier releases
 * (bilinear weights 1 at integer offsets).
 */
import type { Rng } from "@relax/core";

/** The augmentation's ranges: shift in whole pixels (±), rotation in degrees (±), scale as a fraction (±). */
export interface AugmentRanges {
  shift: number;
  rotate: number;
  scale: number;
  /** Elastic distortion strength α (0: none) and its smoothing width σ in pixels. */
  elastic: number;
  elasticSigma: number;
}

/** No augmentation: every digit as it is. */
const CLEAN: AugmentRanges = { shift: 0, rotate: 0, scale: 0, elastic: 0, elasticSigma: 1 };

/**
 * The ranges for a point `progress ∈ [0, 1]` of training: `ranges` while `progress < until` (always for
 * `until = 1`), none after (the app's `--aug-until`: the last part of training sees the clean digits the test
 * set is made of).
 */
export function augmentationAt(progress: number, ranges: AugmentRanges, until: number): AugmentRanges {
  return progress < until || until >= 1 ? ranges : CLEAN;
}

/** Smoothed displacement fields (unit α), drawn once and picked at random per digit (drawing them is costly). */
export interface ElasticBank {
  /** `[count, 2, 784]`: x then y displacement per pixel. */
  fields: Float32Array;
  count: number;
}

const SIDE = 28;
const CENTRE = (SIDE - 1) / 2;

/**
 * Writes `src[offset … offset + 784)` moved by the affine map (dx, dy, angle, factor) into `dst` at `dstOffset`:
 * output pixel p takes the input at A⁻¹(p − c − t) + c, where A rotates by `angle` (radians) and scales by
 * `factor`, c is the centre and t = (dx, dy).
 */
export function warpDigit(
  src: Float32Array,
  offset: number,
  dst: Float32Array,
  dstOffset: number,
  dx: number,
  dy: number,
  angle: number,
  factor: number,
  displacement?: { field: Float32Array; at: number; alpha: number },
): void {
  const cos = Math.cos(angle) / factor;
  const sin = Math.sin(angle) / factor;
  for (let r = 0; r < SIDE; r++) {
    for (let c = 0; c < SIDE; c++) {
      let u = c - CENTRE - dx;
      let v = r - CENTRE - dy;
      if (displacement) {
        const { field, at, alpha } = displacement;
        u += alpha * (field[at + r * SIDE + c] as number);
        v += alpha * (field[at + SIDE * SIDE + r * SIDE + c] as number);
      }
      // inverse rotation and scale of (u, v)
      const sc = cos * u + sin * v + CENTRE;
      const sr = -sin * u + cos * v + CENTRE;
      const c0 = Math.floor(sc);
      const r0 = Math.floor(sr);
      const fc = sc - c0;
      const fr = sr - r0;
      let value = 0;
      for (let i = 0; i < 2; i++) {
        const rr = r0 + i;
        const wr = i === 0 ? 1 - fr : fr;
        if (rr < 0 || rr >= SIDE || wr === 0) continue;
        for (let j = 0; j < 2; j++) {
          const cc = c0 + j;
          const wc = j === 0 ? 1 - fc : fc;
          if (cc < 0 || cc >= SIDE || wc === 0) continue;
          value += wr * wc * (src[offset + rr * SIDE + cc] as number);
        }
      }
      dst[dstOffset + r * SIDE + c] = value;
    }
  }
}

/** `dst = src` convolved with `kernel` (odd length, centred) along one axis of the 28 × 28 grid: `step` 1 = rows, 28 = columns. */
function blurAxis(src: ArrayLike<number>, dst: Float32Array | Float64Array, kernel: Float64Array, step: number): void {
  const radius = (kernel.length - 1) / 2;
  for (let r = 0; r < SIDE; r++)
    for (let c = 0; c < SIDE; c++) {
      const along = step === 1 ? c : r;
      let acc = 0;
      for (let k = -radius; k <= radius; k++) {
        const t = along + k;
        if (t >= 0 && t < SIDE) acc += (kernel[k + radius] as number) * (src[r * SIDE + c + k * step] as number);
      }
      dst[r * SIDE + c] = acc;
    }
}

/** Draws `count` displacement fields: uniform(−1, 1) per pixel, smoothed by a normalised Gaussian of width σ (separable). */
export function elasticBank(rng: Rng, sigma: number, count = 512): ElasticBank {
  const radius = Math.max(1, Math.ceil(3 * sigma));
  const kernel = new Float64Array(2 * radius + 1);
  let sum = 0;
  for (let i = -radius; i <= radius; i++) sum += kernel[i + radius] = Math.exp(-(i * i) / (2 * sigma * sigma));
  for (let i = 0; i < kernel.length; i++) kernel[i] = (kernel[i] as number) / sum;
  const n = SIDE * SIDE;
  const fields = new Float32Array(count * 2 * n);
  const raw = new Float64Array(n);
  const rows = new Float64Array(n);
  for (let f = 0; f < 2 * count; f++) {
    for (let i = 0; i < n; i++) raw[i] = 2 * rng.next() - 1;
    // blur along rows, then columns (zeros outside)
    blurAxis(raw, rows, kernel, 1);
    blurAxis(rows, fields.subarray(f * n, (f + 1) * n), kernel, SIDE);
  }
  return { fields, count };
}

/** Draws one random affine map within `ranges` (and an elastic field from `bank` when α > 0) and applies it (see {@link warpDigit}). */
export function augmentDigit(
  rng: Rng,
  ranges: AugmentRanges,
  src: Float32Array,
  offset: number,
  dst: Float32Array,
  dstOffset: number,
  bank?: ElasticBank,
): void {
  const dx = ranges.shift ? rng.int(2 * ranges.shift + 1) - ranges.shift : 0;
  const dy = ranges.shift ? rng.int(2 * ranges.shift + 1) - ranges.shift : 0;
  const angle = ranges.rotate ? ((rng.next() * 2 - 1) * ranges.rotate * Math.PI) / 180 : 0;
  const factor = ranges.scale ? 1 + (rng.next() * 2 - 1) * ranges.scale : 1;
  const displacement =
    ranges.elastic > 0 && bank ? { field: bank.fields, at: rng.int(bank.count) * 2 * SIDE * SIDE, alpha: ranges.elastic } : undefined;
  warpDigit(src, offset, dst, dstOffset, dx, dy, angle, factor, displacement);
}
