/**
 * The small WebAssembly assembler the logic package's SIMD kernels are written with (no toolchain, no
 * binary blob): LEB128 integers, the instructions every kernel uses, and {@link wasmModule}, which wraps
 * function bodies into a module exporting its functions and one memory `mem`. Encoding: the WebAssembly
 * core specification (binary format) with the fixed-width SIMD proposal.
 */

/** Value types. */
export const I32 = 0x7f,
  F32 = 0x7d,
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
/** `local.get i` / `local.set i`. */
export const lget = (i: number): number[] => [0x20, ...uleb(i)];
export const lset = (i: number): number[] => [0x21, ...uleb(i)];
/** `i32.load offset=…` (align 4). */
export const i32load = (offset: number): number[] => [0x28, 2, ...uleb(offset)];
/** `i32.add`, `i32.lt_u`. */
export const ADD = [0x6a],
  LT_U = [0x49];
/** `v128.load` / `v128.store` at offset 0 (align 16). */
export const vload = [...simd(0x00), 4, 0];
export const vstore = [...simd(0x0b), 4, 0];
/** `f32x4.add`, `f32x4.mul`. */
export const FADD = simd(0xe4),
  FMUL = simd(0xe6);

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
 * A module of functions without results, each exported under its name in order, plus one exported memory
 * `mem` (1 page initially, growable). `types` lists each function type's parameter types.
 *
 * @example
 * const bytes = wasmModule([[I32, I32]], [{ name: "f", type: 0, body }]);
 */
export function wasmModule(types: number[][], funcs: WasmFunction[]): Uint8Array<ArrayBuffer> {
  const exports = [...uleb(funcs.length + 1)];
  funcs.forEach((f, i) => exports.push(...str(f.name), 0, ...uleb(i)));
  exports.push(...str("mem"), 2, 0);
  return Uint8Array.from([
    ...[0x00, 0x61, 0x73, 0x6d, 1, 0, 0, 0],
    ...section(1, [...uleb(types.length), ...types.flatMap((params) => [0x60, ...uleb(params.length), ...params, 0])]),
    ...section(3, [...uleb(funcs.length), ...funcs.flatMap((f) => uleb(f.type))]),
    ...section(5, [1, 0, 1]),
    ...section(7, exports),
    ...section(10, [...uleb(funcs.length), ...funcs.flatMap((f) => f.body)]),
  ]);
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

/** A function body: its byte size, then the local declarations and the code (which ends with `end`). */
export function funcBody(locals: number[], code: number[]): number[] {
  return [...uleb(locals.length + code.length), ...locals, ...code];
}
