import { RelaxError, describe } from "@relax/core";
import type { LogicCircuit } from "./circuit.js";
import { packBytesWasm } from "./wasm_pack.js";
import { checkCircuit } from "./circuit_check.js";

/** Words (32 samples each) per input per block of {@link PackedBits}: 16 → 512 samples per block. */
export const BLOCK_WORDS = 16;

/**
 * Bit-packed inputs, one bit per sample and input, in blocks of `32·blockWords` samples:
 * `words[(blk·numInputs + i)·blockWords + w]` holds samples `blk·32·blockWords + 32w … +31` of
 * input i, sample `32w + j` of the block in bit j (LSB = first sample, as the reference C code).
 * The block layout lets the evaluators copy one block of all inputs with a single bulk copy.
 */
export interface PackedBits {
  words: Int32Array;
  numInputs: number;
  batch: number;
  blockWords: number;
  numBlocks: number;
}

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** Transposes a 32×32 bit matrix in place: afterwards `A[k]` bit r = old `A[r]` bit k. */
function transpose32(A: Int32Array): void {
  let m = 0x0000ffff;
  for (let j = 16; j !== 0; j >>= 1, m ^= m << j) {
    for (let k = 0; k < 32; k = (k + j + 1) & ~j) {
      const t = (((A[k] as number) >>> j) ^ (A[k + j] as number)) & m;
      A[k] = (A[k] as number) ^ (t << j);
      A[k + j] = (A[k + j] as number) ^ t;
    }
  }
}

/**
 * Packs `batch` rows of `numInputs` values (row-major; a Uint8Array counts non-zero bytes as 1,
 * other arrays `value > 0.5`; NaN is a `RelaxError`) into {@link PackedBits}. Bytes take a fast path: WebAssembly SIMD
 * (16×16 byte transposes + `i8x16.bitmask`) where available, else 4 bytes → 4 bits per multiply and
 * 32×32 bit-matrix transposes in JS.
 *
 * @example
 * const packed = packBits(Uint8Array.from([1, 0, 0, 1]), 2, 2);
 */
export function packBits(x: ArrayLike<number>, batch: number, numInputs: number, blockWords: number = BLOCK_WORDS): PackedBits {
  const op = "packBits";
  if (!Number.isInteger(batch) || batch < 0) throw new RelaxError(op, "batch", "an integer >= 0", describe(batch));
  if (!Number.isInteger(numInputs) || numInputs < 1) throw new RelaxError(op, "numInputs", "an integer >= 1", describe(numInputs));
  if (!Number.isInteger(blockWords) || blockWords < 1) throw new RelaxError(op, "blockWords", "an integer >= 1", describe(blockWords));
  if (!x || typeof x !== "object" || x.length !== batch * numInputs)
    throw new RelaxError(
      op,
      "x",
      `${batch}·${numInputs} = ${batch * numInputs} values`,
      x && typeof x === "object" ? String(x.length) : describe(x),
    );
  if (!(x instanceof Uint8Array)) {
    // bit = value > 0.5: NaN (or a non-number) has no bit; ±Inf is a bit like any number.
    for (let i = 0; i < x.length; i++) {
      const v = x[i];
      if (typeof v !== "number" || Number.isNaN(v))
        throw new RelaxError(op, "x", "numbers (bit = value > 0.5), no NaN", `${describe(v)} at flat index ${i}`);
    }
  }
  if (x instanceof Uint8Array && batch > 0) {
    const packed = packBytesWasm(x, batch, numInputs, blockWords);
    if (packed) return packed;
  }
  return packBitsJS(x, batch, numInputs, blockWords);
}

/** The JS packer behind {@link packBits} (no validation; also the fallback without WASM SIMD). */
export function packBitsJS(x: ArrayLike<number>, batch: number, numInputs: number, blockWords: number): PackedBits {
  const totalWords = Math.ceil(batch / 32);
  const numBlocks = Math.ceil(totalWords / blockWords);
  const words = new Int32Array(numBlocks * numInputs * blockWords);
  const at = (wordIndex: number, i: number): number => {
    const blk = Math.floor(wordIndex / blockWords);
    return (blk * numInputs + i) * blockWords + (wordIndex - blk * blockWords);
  };
  if (x instanceof Uint8Array) {
    const dv = new DataView(x.buffer, x.byteOffset, x.byteLength);
    // Aligned rows: read 4 bytes at a time through a Uint32Array view (little-endian platforms).
    const u32 =
      numInputs % 4 === 0 && x.byteOffset % 4 === 0 && LITTLE_ENDIAN ? new Uint32Array(x.buffer, x.byteOffset, x.length >> 2) : null;
    const A = new Int32Array(32);
    const full4 = numInputs & ~3;
    for (let wi = 0; wi < totalWords; wi++) {
      const s0 = wi * 32;
      const lanes = Math.min(32, batch - s0);
      for (let i0 = 0; i0 < numInputs; i0 += 32) {
        const i1 = Math.min(numInputs, i0 + 32);
        const q1 = Math.min(i1, full4);
        for (let lane = 0; lane < 32; lane++) {
          if (lane >= lanes) {
            A[lane] = 0;
            continue;
          }
          const row = (s0 + lane) * numInputs;
          let bitsRow = 0;
          let i = i0;
          for (; i + 4 <= q1; i += 4) {
            const v = u32 ? (u32[(row + i) >> 2] as number) : dv.getUint32(row + i, true);
            const nz = ((((v & 0x7f7f7f7f) + 0x7f7f7f7f) | v) & 0x80808080) >>> 7;
            bitsRow |= (Math.imul(nz, 0x01020408) >>> 24) << (i - i0);
          }
          for (; i < i1; i++) if ((x[row + i] as number) !== 0) bitsRow |= 1 << (i - i0);
          A[lane] = bitsRow;
        }
        transpose32(A);
        for (let k = 0; k < i1 - i0; k++) words[at(wi, i0 + k)] = A[k] as number;
      }
    }
  } else {
    for (let wi = 0; wi < totalWords; wi++) {
      const s0 = wi * 32;
      const lanes = Math.min(32, batch - s0);
      for (let i = 0; i < numInputs; i++) {
        let word = 0;
        for (let lane = 0, idx = s0 * numInputs + i; lane < lanes; lane++, idx += numInputs)
          if ((x[idx] as number) > 0.5) word |= 1 << lane;
        words[at(wi, i)] = word;
      }
    }
  }
  return { words, numInputs, batch, blockWords, numBlocks };
}

/**
 * An execution plan of a circuit: gates ordered by depth level then op (so each run of equal ops is
 * one tight loop), values stored in recycled slots (liveness-based), GroupSum by a bit-sliced
 * ripple-carry counter per class. Shared by the JS and WASM evaluators and the JS exporter.
 */
export interface ExecPlan {
  numInputs: number;
  numSlots: number;
  /** Segment s runs gates [segStart[s], segStart[s+1]) with op segOp[s]. */
  segOp: Uint8Array;
  segStart: Int32Array;
  dst: Int32Array;
  srcA: Int32Array;
  srcB: Int32Array;
  /** Slot of each output (the literal's node), and whether it is negated. */
  outSlot: Int32Array;
  outNeg: Uint8Array;
  k: number;
  groupSize: number;
  /** Bit planes of each class counter: ceil(log2(groupSize + 1)). */
  planes: number;
}

/** Builds the {@link ExecPlan} of a circuit. Slot 0 is constant 0; slots 1 … numInputs the inputs. */
export function buildPlan(c: LogicCircuit): ExecPlan {
  checkCircuit("buildPlan", c, "c");
  const n0 = c.numInputs + 1;
  const g = c.ops.length;
  const level = new Int32Array(n0 + g);
  let maxLevel = 0;
  for (let i = 0; i < g; i++) {
    const l = Math.max(level[c.a[i] as number] as number, level[c.b[i] as number] as number) + 1;
    level[n0 + i] = l;
    if (l > maxLevel) maxLevel = l;
  }
  const order = Array.from({ length: g }, (_, i) => i);
  order.sort((x, y) => (level[n0 + x] as number) - (level[n0 + y] as number) || (c.ops[x] as number) - (c.ops[y] as number) || x - y);
  // Liveness in execution order.
  const lastUse = new Int32Array(n0 + g).fill(-1);
  order.forEach((gi, pos) => {
    lastUse[c.a[gi] as number] = pos;
    lastUse[c.b[gi] as number] = pos;
  });
  for (const lit of c.outputs) lastUse[lit >> 1] = 0x7fffffff;
  const slot = new Int32Array(n0 + g).fill(-1);
  for (let i = 0; i < n0; i++) slot[i] = i;
  const free: number[] = [];
  let numSlots = n0;
  const dst = new Int32Array(g),
    srcA = new Int32Array(g),
    srcB = new Int32Array(g);
  const segOp: number[] = [],
    segStart: number[] = [];
  order.forEach((gi, pos) => {
    const x = c.a[gi] as number,
      y = c.b[gi] as number;
    srcA[pos] = slot[x] as number;
    srcB[pos] = slot[y] as number;
    for (const v of x === y ? [x] : [x, y]) if (v >= n0 && lastUse[v] === pos) free.push(slot[v] as number);
    const s = free.length ? (free.pop() as number) : numSlots++;
    slot[n0 + gi] = s;
    dst[pos] = s;
    if (lastUse[n0 + gi] === -1) free.push(s); // never read: its slot is free again at once
    const op = c.ops[gi] as number;
    if (pos === 0 || op !== segOp[segOp.length - 1] || (level[n0 + gi] as number) !== (level[n0 + (order[pos - 1] as number)] as number)) {
      segOp.push(op);
      segStart.push(pos);
    }
  });
  segStart.push(g);
  const outSlot = new Int32Array(c.outputs.length);
  const outNeg = new Uint8Array(c.outputs.length);
  c.outputs.forEach((lit, i) => {
    outSlot[i] = slot[lit >> 1] as number;
    outNeg[i] = lit & 1;
  });
  const groupSize = c.outputs.length / c.k;
  return {
    numInputs: c.numInputs,
    numSlots,
    segOp: Uint8Array.from(segOp),
    segStart: Int32Array.from(segStart),
    dst,
    srcA,
    srcB,
    outSlot,
    outNeg,
    k: c.k,
    groupSize,
    planes: Math.max(1, Math.ceil(Math.log2(groupSize + 1))),
  };
}

/** Runs the gate segments of a plan on `mem` (slot s occupies words [s·W, (s+1)·W)); one tight loop per segment. */
export function runGatesJS(p: ExecPlan, mem: Int32Array, W: number): void {
  const { segOp, segStart, dst, srcA, srcB } = p;
  for (let s = 0; s < segOp.length; s++) {
    const start = segStart[s] as number;
    const end = segStart[s + 1] as number;
    switch (segOp[s] as number) {
      case 0:
        for (let g = start; g < end; g++) {
          const d = (dst[g] as number) * W,
            x = (srcA[g] as number) * W,
            y = (srcB[g] as number) * W;
          for (let w = 0; w < W; w++) mem[d + w] = 0;
        }
        break;
      case 1:
        for (let g = start; g < end; g++) {
          const d = (dst[g] as number) * W,
            x = (srcA[g] as number) * W,
            y = (srcB[g] as number) * W;
          for (let w = 0; w < W; w++) mem[d + w] = (mem[x + w] as number) & (mem[y + w] as number);
        }
        break;
      case 2:
        for (let g = start; g < end; g++) {
          const d = (dst[g] as number) * W,
            x = (srcA[g] as number) * W,
            y = (srcB[g] as number) * W;
          for (let w = 0; w < W; w++) mem[d + w] = (mem[x + w] as number) & ~(mem[y + w] as number);
        }
        break;
      case 3:
        for (let g = start; g < end; g++) {
          const d = (dst[g] as number) * W,
            x = (srcA[g] as number) * W,
            y = (srcB[g] as number) * W;
          for (let w = 0; w < W; w++) mem[d + w] = mem[x + w] as number;
        }
        break;
      case 4:
        for (let g = start; g < end; g++) {
          const d = (dst[g] as number) * W,
            x = (srcA[g] as number) * W,
            y = (srcB[g] as number) * W;
          for (let w = 0; w < W; w++) mem[d + w] = ~(mem[x + w] as number) & (mem[y + w] as number);
        }
        break;
      case 5:
        for (let g = start; g < end; g++) {
          const d = (dst[g] as number) * W,
            x = (srcA[g] as number) * W,
            y = (srcB[g] as number) * W;
          for (let w = 0; w < W; w++) mem[d + w] = mem[y + w] as number;
        }
        break;
      case 6:
        for (let g = start; g < end; g++) {
          const d = (dst[g] as number) * W,
            x = (srcA[g] as number) * W,
            y = (srcB[g] as number) * W;
          for (let w = 0; w < W; w++) mem[d + w] = (mem[x + w] as number) ^ (mem[y + w] as number);
        }
        break;
      case 7:
        for (let g = start; g < end; g++) {
          const d = (dst[g] as number) * W,
            x = (srcA[g] as number) * W,
            y = (srcB[g] as number) * W;
          for (let w = 0; w < W; w++) mem[d + w] = (mem[x + w] as number) | (mem[y + w] as number);
        }
        break;
      case 8:
        for (let g = start; g < end; g++) {
          const d = (dst[g] as number) * W,
            x = (srcA[g] as number) * W,
            y = (srcB[g] as number) * W;
          for (let w = 0; w < W; w++) mem[d + w] = ~((mem[x + w] as number) | (mem[y + w] as number));
        }
        break;
      case 9:
        for (let g = start; g < end; g++) {
          const d = (dst[g] as number) * W,
            x = (srcA[g] as number) * W,
            y = (srcB[g] as number) * W;
          for (let w = 0; w < W; w++) mem[d + w] = ~((mem[x + w] as number) ^ (mem[y + w] as number));
        }
        break;
      case 10:
        for (let g = start; g < end; g++) {
          const d = (dst[g] as number) * W,
            x = (srcA[g] as number) * W,
            y = (srcB[g] as number) * W;
          for (let w = 0; w < W; w++) mem[d + w] = ~(mem[y + w] as number);
        }
        break;
      case 11:
        for (let g = start; g < end; g++) {
          const d = (dst[g] as number) * W,
            x = (srcA[g] as number) * W,
            y = (srcB[g] as number) * W;
          for (let w = 0; w < W; w++) mem[d + w] = (mem[x + w] as number) | ~(mem[y + w] as number);
        }
        break;
      case 12:
        for (let g = start; g < end; g++) {
          const d = (dst[g] as number) * W,
            x = (srcA[g] as number) * W,
            y = (srcB[g] as number) * W;
          for (let w = 0; w < W; w++) mem[d + w] = ~(mem[x + w] as number);
        }
        break;
      case 13:
        for (let g = start; g < end; g++) {
          const d = (dst[g] as number) * W,
            x = (srcA[g] as number) * W,
            y = (srcB[g] as number) * W;
          for (let w = 0; w < W; w++) mem[d + w] = ~(mem[x + w] as number) | (mem[y + w] as number);
        }
        break;
      case 14:
        for (let g = start; g < end; g++) {
          const d = (dst[g] as number) * W,
            x = (srcA[g] as number) * W,
            y = (srcB[g] as number) * W;
          for (let w = 0; w < W; w++) mem[d + w] = ~((mem[x + w] as number) & (mem[y + w] as number));
        }
        break;
      default:
        for (let g = start; g < end; g++) {
          const d = (dst[g] as number) * W,
            x = (srcA[g] as number) * W,
            y = (srcB[g] as number) * W;
          for (let w = 0; w < W; w++) mem[d + w] = -1;
        }
        break;
    }
  }
}

/**
 * Bit-sliced GroupSum: adds every output word (negated where the literal is) into per-class
 * counters of `planes` bit planes, then unpacks per-sample counts into `counts[(s0 + j)·k + c]`.
 */
export function groupCounts(
  p: ExecPlan,
  mem: Int32Array,
  W: number,
  counts: Int32Array,
  s0: number,
  nSamples: number,
  planeBuf: Int32Array,
): void {
  const { k, groupSize, planes, outSlot, outNeg } = p;
  for (let c = 0; c < k; c++) {
    planeBuf.fill(0, 0, planes * W);
    for (let o = c * groupSize; o < (c + 1) * groupSize; o++) {
      const base = (outSlot[o] as number) * W;
      const neg = outNeg[o] ? -1 : 0;
      for (let w = 0; w < W; w++) {
        let carry = (mem[base + w] as number) ^ neg;
        for (let q = w; carry !== 0; q += W) {
          const t = (planeBuf[q] as number) & carry;
          planeBuf[q] ^= carry;
          carry = t;
        }
      }
    }
    for (let j = 0; j < nSamples; j++) {
      const w = j >> 5,
        bit = j & 31;
      let v = 0;
      for (let q = 0; q < planes; q++) v += (((planeBuf[q * W + w] as number) >>> bit) & 1) << q;
      counts[(s0 + j) * k + c] = v;
    }
  }
}
