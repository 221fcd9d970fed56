/** The uniform fields the WGSL rasterizers share, and their values for an op's attributes. */
import { lgamma, type RelaxRasterizeSilhouetteAttrs } from "@relax/core";
import { tconormParameters } from "../wgsl/tconorm.js";
import { f32, i32, type Uniform } from "../program.js";
import { BIN_UNIFORMS } from "./face_bins.js";
import { cullThreshold } from "./raster_cull.js";

/** The uniform fields of {@link fragmentWgsl} (kernels append their own after them). */
export const UNIFORMS =
  "S : i32, F : i32, tau : f32, thr2 : f32, grow : f32, shift : f32, mirror : i32, squared : i32, maxAll : i32, " +
  "shape : f32, lnorm : f32, lnorm1 : f32, tp : f32, lnp : f32, " +
  BIN_UNIFORMS;

/** A finite f32 stand-in for ±∞ / huge host values (ln Γ(0) = +∞ makes the gamma density 0). */
function finite32(v: number): number {
  return Math.max(-3.0e38, Math.min(3.0e38, v));
}

/** Values of the {@link UNIFORMS} fields for `attrs` (p of the t-conorm defaulted and validated as the CPU kernel). */
export function uniformsOf(attrs: RelaxRasterizeSilhouetteAttrs, F: number, dist: string, tconorm: string, bins: Uniform[]) {
  const thr2 = cullThreshold(attrs, dist);
  const shaped = dist === "gamma" || dist === "gamma_rev";
  // the t-conorm's p, defaulted and validated exactly as the CPU kernel does (NaN = default)
  const [tp, lnp] = tconormParameters(tconorm, attrs.p, "rasterizeSilhouette");
  return [
    i32(attrs.imageSize),
    i32(F),
    f32(attrs.scale),
    f32(Math.min(thr2, 3.0e38)),
    f32(Math.min(Math.sqrt(thr2), 3.0e38)),
    f32(attrs.shift),
    i32(attrs.pixelConvention === "pytorch3d" ? 1 : 0),
    i32(attrs.squared ? 1 : 0),
    i32(attrs.maxTies === "all" ? 1 : 0),
    f32(shaped ? attrs.shape : 0),
    f32(shaped ? finite32(lgamma(attrs.shape)) : 0),
    f32(shaped ? finite32(lgamma(attrs.shape + 1)) : 0),
    f32(tp),
    f32(lnp),
    ...bins,
  ];
}
