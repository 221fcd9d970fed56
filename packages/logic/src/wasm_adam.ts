/**
 * Adam's update in WebAssembly SIMD128 (four f32 per instruction, wasm/adam.wat) with the moment
 * estimates m, v kept in the module's memory between steps (no copies of the optimizer state); used by
 * {@link FusedAdamOptimizer} where WASM SIMD exists.
 */
import { compileWasm, embeddedWasm } from "./wasm_asm.js";
import { ADAM_WASM_BASE64 } from "./wasm_bytes.js";

/** The Adam module's bytes (compiled from wasm/adam.wat at build time). */
export function assembleAdamModule(): Uint8Array<ArrayBuffer> {
  return embeddedWasm(ADAM_WASM_BASE64);
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

  /** Copies of the moments m, v of `name` (null before its first step). */
  moments(name: string): { m: Float32Array; v: Float32Array } | null {
    const r = this.regions.get(name);
    if (!r) return null;
    const n4 = Math.ceil(r.n / 4) * 4;
    const f32 = new Float32Array(this.mem.buffer);
    const base = r.off / 4;
    return { m: f32.slice(base + 2 * n4, base + 2 * n4 + r.n), v: f32.slice(base + 3 * n4, base + 3 * n4 + r.n) };
  }

  /** Drops the moments of `name` (its region is not reused). */
  forget(name: string): void {
    this.regions.delete(name);
  }

  /** Sets the moments of `name` (allocating its region), e.g. when an optimizer state is restored. */
  setMoments(name: string, m: Float32Array, v: Float32Array): void {
    const n = m.length;
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
    f32.set(m, base + 2 * n4);
    f32.set(v, base + 3 * n4);
  }
}
