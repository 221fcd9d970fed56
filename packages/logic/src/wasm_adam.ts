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

/** A variable's region: its byte offset and its number of floats n. */
interface Region {
  off: number;
  n: number;
}

/** Bytes of a region `[θ | g | m | v]` of n floats (each part padded to 4 floats). */
function regionBytes(n: number): number {
  return 16 * Math.ceil(n / 4) * 4;
}

type FiniteFn = (p: number, end: number) => number;

/** One optimizer's WASM Adam state: per variable a region `[θ | g | m | v]` (each padded to 4 floats). */
export class WasmAdamState {
  private readonly mem: WebAssembly.Memory;
  private readonly fn: AdamFn;
  private readonly finiteFn: FiniteFn;
  private readonly regions = new Map<string, Region>();
  /** Free blocks (released regions), sorted by offset, neighbours merged. */
  private readonly free: { off: number; bytes: number }[] = [];
  private top = 0;

  private constructor(mod: WebAssembly.Module) {
    const ex = new WebAssembly.Instance(mod, {}).exports as Record<string, unknown>;
    this.mem = ex.mem as WebAssembly.Memory;
    this.fn = ex.adam as AdamFn;
    this.finiteFn = ex.finite as FiniteFn;
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
    this.stage(name, theta, g);
    return this.update(name, b1, b2, stepSize, sqrtBc2, eps);
  }

  /**
   * Copies θ and g of `name` into its region (m, v start at 0 on first use or when the size changes) and returns
   * whether every entry of g is finite (checked in WASM SIMD); nothing is updated until {@link update}.
   */
  stage(name: string, theta: Float32Array, g: Float32Array): boolean {
    const n = theta.length;
    const n4 = Math.ceil(n / 4) * 4;
    const r = this.region(name, n, true);
    if (n === 0) return true;
    const f32 = new Float32Array(this.mem.buffer);
    const base = r.off / 4;
    f32.set(theta, base);
    f32.set(g, base + n4);
    f32.fill(0, base + n4 + n, base + 2 * n4); // the padding: a reused block may hold anything there
    return this.finiteFn(r.off + 4 * n4, r.off + 8 * n4) === 1;
  }

  /** Adam's update of the θ and g staged for `name` (see {@link stage}); returns the new θ. */
  update(name: string, b1: number, b2: number, stepSize: number, sqrtBc2: number, eps: number): Float32Array {
    const r = this.regions.get(name);
    if (!r) throw new Error(`WasmAdamState.update: '${name}' was not staged`);
    if (r.n === 0) return new Float32Array(0);
    const n4 = Math.ceil(r.n / 4) * 4;
    this.fn(r.off, r.off + 4 * n4, r.off + 8 * n4, r.off + 12 * n4, r.off + 4 * n4, b1, 1 - b1, b2, 1 - b2, stepSize, 1 / sqrtBc2, eps);
    const base = r.off / 4;
    return new Float32Array(this.mem.buffer).slice(base, base + r.n);
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

  /** Drops the moments of `name`; its region is reused by later variables. */
  forget(name: string): void {
    const r = this.regions.get(name);
    if (!r) return;
    this.regions.delete(name);
    this.release(r.off, regionBytes(r.n));
  }

  /** Bytes of WASM memory up to the end of the highest region ever allocated (what released regions save). */
  get bytesReserved(): number {
    return this.top;
  }

  /** The region of `name` if it holds n floats, else a new one (see {@link allocate}). */
  private region(name: string, n: number, zero: boolean): Region {
    const r = this.regions.get(name);
    return r && r.n === n ? r : this.allocate(name, n, zero);
  }

  /**
   * A region for `name` with n floats: the first free block that fits (first fit), else new memory at the
   * top. The old region of `name` (another size) is released first. `zero`: m and v start at 0 (a reused
   * block holds an old variable's values).
   */
  private allocate(name: string, n: number, zero: boolean): Region {
    this.forget(name);
    const bytes = regionBytes(n);
    let off: number;
    const i = this.free.findIndex((b) => b.bytes >= bytes);
    if (i >= 0) {
      const block = this.free[i] as { off: number; bytes: number };
      off = block.off;
      if (block.bytes === bytes) this.free.splice(i, 1);
      else this.free[i] = { off: block.off + bytes, bytes: block.bytes - bytes };
      if (zero) new Uint8Array(this.mem.buffer, off, bytes).fill(0);
    } else {
      off = this.top;
      this.top += bytes;
      const need = Math.ceil(this.top / 65536) - this.mem.buffer.byteLength / 65536;
      if (need > 0) this.mem.grow(need);
    }
    const r = { off, n };
    this.regions.set(name, r);
    return r;
  }

  /** Returns a block to the free list, merged with its free neighbours (the list stays sorted by offset). */
  private release(off: number, bytes: number): void {
    let i = this.free.findIndex((b) => b.off > off);
    if (i < 0) i = this.free.length;
    this.free.splice(i, 0, { off, bytes });
    const next = this.free[i + 1];
    if (next && off + bytes === next.off) {
      this.free[i] = { off, bytes: bytes + next.bytes };
      this.free.splice(i + 1, 1);
    }
    const prev = this.free[i - 1];
    const cur = this.free[i] as { off: number; bytes: number };
    if (prev && prev.off + prev.bytes === cur.off) {
      this.free[i - 1] = { off: prev.off, bytes: prev.bytes + cur.bytes };
      this.free.splice(i, 1);
    }
  }

  /** Sets the moments of `name` (allocating its region), e.g. when an optimizer state is restored. */
  setMoments(name: string, m: Float32Array, v: Float32Array): void {
    const n = m.length;
    const n4 = Math.ceil(n / 4) * 4;
    const r = this.region(name, n, false);
    const f32 = new Float32Array(this.mem.buffer);
    const base = r.off / 4;
    f32.set(m, base + 2 * n4);
    f32.set(v, base + 3 * n4);
  }
}
