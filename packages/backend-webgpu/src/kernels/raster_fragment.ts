/** WGSL of a face's coverage fragment at a pixel, shared by the rasterizer kernels. */
import { distributionWgsl } from "../wgsl/distributions.js";
import { TCONORMS } from "../wgsl/tconorm.js";
import { FACE_LIST_WGSL, PIXEL_X_WGSL } from "./face_bins.js";

/**
 * WGSL of the fragment machinery shared by the rasterizer kernels: `cdf`, `pdf`, the t-conorm
 * (`combine`, `dsda`, `dsdb`), `struct Frag` and `fragment(bi, f, px, py)` (reads the input `faces`;
 * also sets the unclipped barycentrics w0, w1, w2 of every face whose grown bbox holds the pixel) and
 * `pixelX(col)`. Needs the {@link UNIFORMS} fields.
 */
export function fragmentWgsl(dist: string, tconorm: string): string {
  const d = dist === "hard" ? null : distributionWgsl(dist);
  const t = TCONORMS[tconorm]!;
  const helpers = [...new Set([...(d?.helpers ?? []), ...(t.helpers ?? [])])].join("\n");
  return `
${helpers}
${d ? d.functions : ""}
fn cdf(z : f32) -> f32 { ${d ? `return ${d.cdf}(z, uniforms.shift);` : "return 0.0;"} }
fn pdf(z : f32) -> f32 { ${d ? `return ${d.pdf}(z, uniforms.shift);` : "return 0.0;"} }
fn combine(a : f32, b : f32) -> f32 { ${t.s} }
fn dsda(a : f32, b : f32) -> f32 { ${t.dsda} }
fn dsdb(a : f32, b : f32) -> f32 { ${t.dsdb} }

/** A fragment as the CPU kernel's, with (vx, vy) = c − p from the pixel to the closest point of the nearest edge. */
struct Frag { s : f32, edge : i32, t : f32, vx : f32, vy : f32, d2 : f32, z : f32, sign : f32, w0 : f32, w1 : f32, w2 : f32 };

/** Fragment of face f (batch item bi) at pixel (px, py); s < 0 when culled or dropped. */
fn fragment(bi : i32, f : i32, px : f32, py : f32) -> Frag {
  var fr : Frag;
  fr.s = -1.0;
  let o = (bi * uniforms.F + f) * 9;
  let x0 = faces[o]; let y0 = faces[o + 1];
  let x1 = faces[o + 3]; let y1 = faces[o + 4];
  let x2 = faces[o + 6]; let y2 = faces[o + 7];
  let g = uniforms.grow;
  if (px < min(x0, min(x1, x2)) - g || px > max(x0, max(x1, x2)) + g || py < min(y0, min(y1, y2)) - g || py > max(y0, max(y1, y2)) + g) { return fr; }
  var det = (y1 - y2) * (x0 - x2) + (x2 - x1) * (y0 - y2);
  if (det >= 0.0 && det < 1e-10) { det = 1e-10; } else if (det < 0.0 && det > -1e-10) { det = -1e-10; }
  let w0 = ((y1 - y2) * (px - x2) + (x2 - x1) * (py - y2)) / det;
  let w1 = ((y2 - y0) * (px - x2) + (x0 - x2) * (py - y2)) / det;
  let w2 = 1.0 - w0 - w1;
  fr.w0 = w0; fr.w1 = w1; fr.w2 = w2;
  ${
    dist === "hard"
      ? `if (w0 >= 0.0 && w0 <= 1.0 && w1 >= 0.0 && w1 <= 1.0 && w2 >= 0.0 && w2 <= 1.0) { fr.s = 1.0; }
  return fr;`
      : `let inside = w0 > 0.0 && w0 < 1.0 && w1 > 0.0 && w1 < 1.0 && w2 > 0.0 && w2 < 1.0;
  var best = 3.4e38;
  var bex = 0.0; var bey = 0.0; var blen = 1.0;
  for (var e = 0; e < 3; e++) {
    var ax = x0; var ay = y0; var bx = x1; var by = y1;
    if (e == 1) { ax = x1; ay = y1; bx = x2; by = y2; }
    if (e == 2) { ax = x2; ay = y2; bx = x0; by = y0; }
    let ex = bx - ax; let ey = by - ay;
    let len = ex * ex + ey * ey;
    var t = 0.0;
    if (len > 0.0) { t = clamp(((px - ax) * ex + (py - ay) * ey) / len, 0.0, 1.0); }
    // c − p as (a − p) + t·e: both terms are at most an edge long, so their rounding is relative to the
    // edge, not to the coordinates
    let dx = (ax - px) + t * ex; let dy = (ay - py) + t * ey;
    let d2 = dx * dx + dy * dy;
    if (d2 < best) { best = d2; fr.edge = e; fr.t = t; fr.vx = dx; fr.vy = dy; bex = ex; bey = ey; blen = len; }
  }
  if (!inside && best >= uniforms.thr2) { return fr; }
  fr.d2 = best;
  fr.sign = select(-1.0, 1.0, inside);
  if (fr.t > 0.0 && fr.t < 1.0 && abs(det) > 1e-10) {
    // The closest point is inside the edge, so c − p = sign·d·n with n the edge's outward unit normal
    // (exactly, as the CPU kernel's c − p in float64). Formed from n it keeps its direction where p is
    // within float32 rounding of the edge; there (c − p)/d from float32 coordinates is noise, with the
    // gradient at its largest (F'(0)/τ).
    let m = fr.sign * sqrt(best) * select(-1.0, 1.0, det > 0.0) / sqrt(blen);
    fr.vx = m * bey;
    fr.vy = -m * bex;
  }
  let x = select(sqrt(best), best, uniforms.squared != 0);
  fr.z = fr.sign * x / uniforms.tau;
  let s = cdf(fr.z);
  if (s > 1e-6) { fr.s = s; }
  return fr;`
  }
}

${PIXEL_X_WGSL}
${FACE_LIST_WGSL}`;
}
