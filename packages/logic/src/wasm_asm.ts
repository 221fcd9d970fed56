/**
 * The logic package's WebAssembly plumbing: {@link embeddedWasm} decodes a module compiled from
 * `wasm/*.wat` at build time (src/wasm_bytes.ts), {@link compileWasm} compiles one where WebAssembly SIMD
 * exists, and a small assembler (LEB128 integers, the instructions the evaluator uses, {@link wasmModule})
 * for the one module generated at run time: the compiled-circuit evaluator of wasm_simd.ts, whose code
 * depends on the circuit. Encoding: the WebAssembly core specification (binary format) with the
 * fixed-width SIMD proposal.
 */
import { base64ToBytes } from "@relax/core/internal";

/** Value types. */
export const I32 = 0x7f,
  V128 = 0x7b;

/** Unsigned LEB128. */
export function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}

/** Signed LEB128. */
export function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const byte = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (byte & 0x40) === 0) || (n === -1 && (byte & 0x40) !== 0)) {
      out.push(byte);
      return out;
    }
    out.push(byte | 0x80);
  }
}

/** A SIMD instruction (prefix 0xfd). */
export const simd = (op: number): number[] => [0xfd, ...uleb(op)];
/** `i32.const v`. */
export const iconst = (v: number): number[] => [0x41, ...sleb(v)];
/** `local.get i` / `local.set i` / `local.tee i`. */
export const lget = (i: number): number[] => [0x20, ...uleb(i)];
export const lset = (i: number): number[] => [0x21, ...uleb(i)];
export const ltee = (i: number): number[] => [0x22, ...uleb(i)];
/** `i32.load offset=…` (align 4). */
export const i32load = (offset: number): number[] => [0x28, 2, ...uleb(offset)];
/** `v128.load` / `v128.store` at a constant offset (align 16). */
export const vload = (offset = 0): number[] => [...simd(0x00), 4, ...uleb(offset)];
export const vstore = (offset = 0): number[] => [...simd(0x0b), 4, ...uleb(offset)];
/** `v128.const` with all 16 bytes `fill`. */
export const vconst = (fill: number): number[] => [...simd(0x0c), ...new Array<number>(16).fill(fill)];
/** Control: `block`, `loop` (no result), `end`, `br l`, `br_if l`. */
export const BLOCK = [0x02, 0x40],
  LOOP = [0x03, 0x40],
  END = [0x0b],
  br = (l: number): number[] => [0x0c, l],
  brIf = (l: number): number[] => [0x0d, l];
/** i32 arithmetic and comparisons. */
export const ADD = [0x6a],
  MUL = [0x6c],
  LT_U = [0x49],
  GT_U = [0x4b],
  GE_U = [0x4f];

/** A section: id, byte length, payload. */
export function section(id: number, payload: number[]): number[] {
  return [id, ...uleb(payload.length), ...payload];
}

/** A name (length-prefixed ASCII). */
export function str(s: string): number[] {
  return [...uleb(s.length), ...Array.from(s, (c) => c.charCodeAt(0))];
}

/** One function of {@link wasmModule}: its export name, its type (index into `types`) and its body (locals + code + end). */
export interface WasmFunction {
  name: string;
  type: number;
  body: number[];
}

/**
 * A module of functions without results, each exported under its name in order, which imports its memory
 * as `env.mem` (at least 1 page). `types` lists each function type's parameter types.
 *
 * @example
 * const bytes = wasmModule([[I32, I32]], [{ name: "f", type: 0, body }]);
 */
export function wasmModule(types: number[][], funcs: WasmFunction[]): Uint8Array<ArrayBuffer> {
  const exports = [...uleb(funcs.length)];
  funcs.forEach((f, i) => exports.push(...str(f.name), 0, ...uleb(i)));
  return Uint8Array.from([
    ...[0x00, 0x61, 0x73, 0x6d, 1, 0, 0, 0],
    ...section(1, [...uleb(types.length), ...types.flatMap((params) => [0x60, ...uleb(params.length), ...params, 0])]),
    ...section(2, [1, ...str("env"), ...str("mem"), 2, 0, 1]),
    ...section(3, [...uleb(funcs.length), ...funcs.flatMap((f) => uleb(f.type))]),
    ...section(7, exports),
    ...section(10, [...uleb(funcs.length), ...funcs.flatMap((f) => f.body)]),
  ]);
}

/** A function body: its byte size, then the local declarations and the code (which ends with `end`). */
export function funcBody(locals: number[], code: number[]): number[] {
  return [...uleb(locals.length + code.length), ...locals, ...code];
}

/** The bytes of a module embedded as base64 (see scripts/build-wasm.mjs). */
export function embeddedWasm(base64: string): Uint8Array<ArrayBuffer> {
  return Uint8Array.from(base64ToBytes(base64) ?? []);
}

/** Validates and compiles `bytes`; null where WebAssembly (SIMD) is missing or the module is rejected. */
export function compileWasm(assemble: () => Uint8Array<ArrayBuffer>): WebAssembly.Module | null {
  try {
    const bytes = assemble();
    return typeof WebAssembly !== "undefined" && WebAssembly.validate(bytes) ? new WebAssembly.Module(bytes) : null;
  } catch {
    return null;
  }
}
