/**
 * Bytes → bit-packed inputs in WebAssembly SIMD128: 16 samples × 16 inputs at a time, a 16×16 byte
 * transpose (four rounds of byte interleaves), then `i8x16.ne 0` + `i8x16.bitmask` gives 16 samples of
 * one input as 16 bits. Same layout as {@link packBits} (sample j → bit j, blocks of `32·blockWords`
 * samples); assembled byte by byte like the evaluator in wasm_simd.ts.
 */
import type { PackedBits } from "./bit_eval.js";
import { ADD, compileWasm, funcBody, I32, iconst, LT_U, lget, lset, simd, uleb, V128, wasmModule } from "./wasm_asm.js";

const MUL = [0x6c],
  AND_I32 = [0x71],
  SHR_U = [0x76];

/** `pack(inPtr, numInputs, rows16, outPtr, blockWords)` for one block (rows16: rows rounded up to 16). */
function packBody(): number[] {
  const IN = 0,
    NIN = 1,
    NROWS = 2,
    OUT = 3,
    BW = 4,
    S = 5,
    I = 6,
    P = 7,
    A = 8,
    COL = 9,
    OUTS = 10,
    R = 11,
    T = 27;
  const code: number[] = [...lget(BW), ...iconst(4), ...MUL, ...lset(COL), ...iconst(0), ...lset(S)];
  code.push(0x03, 0x40); // loop over 16-row strips
  code.push(
    ...lget(OUT),
    ...lget(S),
    ...iconst(5),
    ...SHR_U,
    ...iconst(4),
    ...MUL,
    ...ADD,
    ...lget(S),
    ...iconst(3),
    ...SHR_U,
    ...iconst(2),
    ...AND_I32,
    ...ADD,
    ...lset(OUTS),
  );
  code.push(...iconst(0), ...lset(I));
  code.push(0x03, 0x40); // loop over 16-input tiles
  code.push(...lget(IN), ...lget(S), ...lget(NIN), ...MUL, ...ADD, ...lget(I), ...ADD, ...lset(P));
  for (let r = 0; r < 16; r++) {
    code.push(...lget(P), ...simd(0x00), 0, 0, ...lset(R + r));
    if (r < 15) code.push(...lget(P), ...lget(NIN), ...ADD, ...lset(P));
  }
  const lo = Array.from({ length: 16 }, (_, q) => (q & 1 ? 16 : 0) + (q >> 1));
  const hi = lo.map((v) => v + 8);
  let src = R,
    dst = T;
  for (let round = 0; round < 4; round++) {
    for (let j = 0; j < 8; j++) {
      code.push(...lget(src + j), ...lget(src + j + 8), ...simd(0x0d), ...lo, ...lset(dst + 2 * j));
      code.push(...lget(src + j), ...lget(src + j + 8), ...simd(0x0d), ...hi, ...lset(dst + 2 * j + 1));
    }
    [src, dst] = [dst, src];
  }
  // After four rounds (src = R again) R[m] holds input i+m of the 16 samples.
  code.push(...lget(OUTS), ...lget(I), ...lget(COL), ...MUL, ...ADD, ...lset(A));
  for (let m = 0; m < 16; m++) {
    code.push(...lget(A), ...lget(src + m), ...simd(0x0c), ...new Array<number>(16).fill(0), ...simd(0x24), ...simd(0x64), 0x3b, 1, 0);
    if (m < 15) code.push(...lget(A), ...lget(COL), ...ADD, ...lset(A));
  }
  code.push(...lget(I), ...iconst(16), ...ADD, 0x22, ...uleb(I), ...lget(NIN), ...LT_U, 0x0d, 0, 0x0b);
  code.push(...lget(S), ...iconst(16), ...ADD, 0x22, ...uleb(S), ...lget(NROWS), ...LT_U, 0x0d, 0, 0x0b);
  code.push(0x0b);
  const locals = [2, ...uleb(6), I32, ...uleb(32), V128];
  return funcBody(locals, code);
}

/** The packer module's bytes. */
export function assemblePackModule(): Uint8Array<ArrayBuffer> {
  return wasmModule([[I32, I32, I32, I32, I32]], [{ name: "pack", type: 0, body: packBody() }]);
}

let packModule: WebAssembly.Module | null | undefined;

function getPackModule(): WebAssembly.Module | null {
  if (packModule === undefined) packModule = compileWasm(assemblePackModule);
  return packModule;
}

interface Packer {
  mem: WebAssembly.Memory;
  pack: (inPtr: number, numInputs: number, rows16: number, outPtr: number, blockWords: number) => void;
}
let packer: Packer | null = null;

/**
 * Packs `batch` rows of `numInputs` bytes (non-zero = 1) into {@link PackedBits} with WASM SIMD;
 * `null` where WASM SIMD is unavailable (the caller falls back to the JS packer).
 */
export function packBytesWasm(x: Uint8Array, batch: number, numInputs: number, blockWords: number): PackedBits | null {
  const mod = getPackModule();
  if (!mod) return null;
  if (!packer) {
    const ex = new WebAssembly.Instance(mod, {}).exports as Record<string, unknown>;
    packer = { mem: ex.mem as WebAssembly.Memory, pack: ex.pack as Packer["pack"] };
  }
  const { mem, pack } = packer;
  const blockSamples = 32 * blockWords;
  const numBlocks = Math.ceil(Math.ceil(batch / 32) / blockWords);
  const words = new Int32Array(numBlocks * numInputs * blockWords);
  const inBytes = blockSamples * numInputs + 16;
  const outPtr = Math.ceil(inBytes / 16) * 16;
  const outBytes = (numInputs + 16) * blockWords * 4;
  const need = Math.ceil((outPtr + outBytes) / 65536) - mem.buffer.byteLength / 65536;
  if (need > 0) mem.grow(need);
  const u8 = new Uint8Array(mem.buffer);
  const blockLen = numInputs * blockWords;
  for (let blk = 0; blk < numBlocks; blk++) {
    const s0 = blk * blockSamples;
    const rows = Math.min(blockSamples, batch - s0);
    const rows16 = Math.ceil(rows / 16) * 16;
    u8.set(x.subarray(s0 * numInputs, (s0 + rows) * numInputs), 0);
    u8.fill(0, rows * numInputs, rows16 * numInputs + 16);
    u8.fill(0, outPtr, outPtr + outBytes);
    pack(0, numInputs, rows16, outPtr, blockWords);
    words.set(new Int32Array(mem.buffer, outPtr, blockLen), blk * blockLen);
  }
  return { words, numInputs, batch, blockWords, numBlocks };
}
