/**
 * Bytes → bit-packed inputs in WebAssembly SIMD128 (wasm/pack.wat): 16 samples × 16 inputs at a time, a
 * 16×16 byte transpose (four rounds of byte interleaves), then `i8x16.ne 0` + `i8x16.bitmask` gives 16
 * samples of one input as 16 bits. Same layout as {@link packBits} (sample j → bit j, blocks of
 * `32·blockWords` samples).
 */
import type { PackedBits } from "./bit_eval.js";
import { compileWasm, embeddedWasm } from "./wasm_asm.js";
import { PACK_WASM_BASE64 } from "./wasm_bytes.js";

/** The packer module's bytes (compiled from wasm/pack.wat at build time). */
export function assemblePackModule(): Uint8Array<ArrayBuffer> {
  return embeddedWasm(PACK_WASM_BASE64);
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
