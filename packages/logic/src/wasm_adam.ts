/**
 * Adam's update in WebAssembly SIMD128 (four f32 per instruction) with the moment estimates m, v kept
 * in the module's memory between steps (no copies of the optimizer state). Assembled byte by byte
 * like wasm_simd.ts; used by {@link FusedAdamOptimizer} where WASM SIMD exists.
 */
import {
  ADD,
  compileWasm,
  funcBody,
  F32,
  FADD,
  FMUL,
  I32,
  iconst,
  LT_U,
  lget,
  lset,
  simd,
  uleb,
  V128,
  vload,
  vstore,
  wasmModule,
} from "./wasm_asm.js";

const FSUB = simd(0xe5),
  FDIV = simd(0xe7),
  FSQRT = simd(0xe3),
  FSPLAT = simd(0x13);

/** adam(p, g, m, v, pEnd, b1, 1−b1, b2, 1−b2, stepSize, 1/√bc2, eps): p −= step·m / (√v/√bc2 + eps). */
function adamBody(): number[] {
  const P = 0,
    G = 1,
    M = 2,
    V = 3,
    END = 4,
    OFF = 12;
  const B1 = 13,
    OB1 = 14,
    B2 = 15,
    OB2 = 16,
    ST = 17,
    ISB = 18,
    EPS = 19,
    GV = 20,
    MV = 21,
    VV = 22;
  const at = (base: number): number[] => [...lget(base), ...lget(OFF), ...ADD];
  const code: number[] = [];
  for (let i = 0; i < 7; i++) code.push(...lget(5 + i), ...FSPLAT, ...lset(B1 + i));
  code.push(
    ...iconst(0),
    ...lset(OFF),
    0x03,
    0x40,
    ...at(G),
    ...vload,
    ...lset(GV),
    ...at(M),
    ...lget(B1),
    ...at(M),
    ...vload,
    ...FMUL,
    ...lget(OB1),
    ...lget(GV),
    ...FMUL,
    ...FADD,
    0x22,
    ...uleb(MV),
    ...vstore,
    ...at(V),
    ...lget(B2),
    ...at(V),
    ...vload,
    ...FMUL,
    ...lget(OB2),
    ...lget(GV),
    ...lget(GV),
    ...FMUL,
    ...FMUL,
    ...FADD,
    0x22,
    ...uleb(VV),
    ...vstore,
    ...at(P),
    ...at(P),
    ...vload,
    ...lget(ST),
    ...lget(MV),
    ...FMUL,
    ...lget(VV),
    ...FSQRT,
    ...lget(ISB),
    ...FMUL,
    ...lget(EPS),
    ...FADD,
    ...FDIV,
    ...FSUB,
    ...vstore,
    ...lget(OFF),
    ...iconst(16),
    ...ADD,
    0x22,
    ...uleb(OFF),
    ...lget(P),
    ...ADD,
    ...lget(END),
    ...LT_U,
    0x0d,
    0,
    0x0b,
    0x0b,
  );
  const locals = [2, 1, I32, 10, V128];
  return funcBody(locals, code);
}

/** The Adam module's bytes. */
export function assembleAdamModule(): Uint8Array<ArrayBuffer> {
  return wasmModule([[I32, I32, I32, I32, I32, F32, F32, F32, F32, F32, F32, F32]], [{ name: "adam", type: 0, body: adamBody() }]);
}

let adamModule: WebAssembly.Module | null | undefined;
function getAdamModule(): WebAssembly.Module | null {
  if (adamModule === undefined) adamModule = compileWasm(assembleAdamModule);
  return adamModule;
}

type AdamFn = (
  p: number,
  g: number,
  m: number,
  v: number,
  end: number,
  b1: number,
  omb1: number,
  b2: number,
  omb2: number,
  step: number,
  isb: number,
  eps: number,
) => void;

/** One optimizer's WASM Adam state: per variable a region `[θ | g | m | v]` (each padded to 4 floats). */
export class WasmAdamState {
  private readonly mem: WebAssembly.Memory;
  private readonly fn: AdamFn;
  private readonly regions = new Map<string, { off: number; n: number }>();
  private top = 0;

  private constructor(mod: WebAssembly.Module) {
    const ex = new WebAssembly.Instance(mod, {}).exports as Record<string, unknown>;
    this.mem = ex.mem as WebAssembly.Memory;
    this.fn = ex.adam as AdamFn;
  }

  /** A new state, or null without WASM SIMD. */
  static create(): WasmAdamState | null {
    const mod = getAdamModule();
    return mod ? new WasmAdamState(mod) : null;
  }

  /** Updates θ (returns the new values); m, v of `name` start at 0 on first use or when the size changes. */
  step(
    name: string,
    theta: Float32Array,
    g: Float32Array,
    b1: number,
    b2: number,
    stepSize: number,
    sqrtBc2: number,
    eps: number,
  ): Float32Array {
    const n = theta.length;
    const n4 = Math.ceil(n / 4) * 4;
    let r = this.regions.get(name);
    if (!r || r.n !== n) {
      r = { off: this.top, n };
      this.top += 16 * n4;
      const need = Math.ceil(this.top / 65536) - this.mem.buffer.byteLength / 65536;
      if (need > 0) this.mem.grow(need);
      this.regions.set(name, r);
    }
    const f32 = new Float32Array(this.mem.buffer);
    const base = r.off / 4;
    f32.set(theta, base);
    f32.set(g, base + n4);
    this.fn(r.off, r.off + 4 * n4, r.off + 8 * n4, r.off + 12 * n4, r.off + 4 * n4, b1, 1 - b1, b2, 1 - b2, stepSize, 1 / sqrtBc2, eps);
    return f32.slice(base, base + n);
  }
}
