/** The WGSL forward program of the soft silhouette rasterizer (see silhouette.ts). */
import { elementwiseProgram } from "../program.js";
import { fragmentWgsl } from "./raster_fragment.js";
import { UNIFORMS } from "./raster_uniforms.js";

/** Forward, one invocation per pixel: folds the pixel's fragments in face order with the t-conorm. */
export function forwardProgram(B: number, S: number, dist: string, tconorm: string) {
  return elementwiseProgram({
    key: `silhouette_fwd_${dist}_${tconorm}`,
    variableNames: ["faces", "tiles"],
    outputShape: [B, S, S],
    uniforms: UNIFORMS,
    helpers: fragmentWgsl(dist, tconorm),
    body: `
    let S = uniforms.S;
    let bi = index / (S * S);
    let rem = index - bi * S * S;
    let r = rem / S;
    let col = rem - r * S;
    let py = f32(S - 1 - 2 * r) / f32(S);
    let px = pixelX(col);
    var a = 0.0;
    var has = false;
    let tile = tileOf(bi, r, col);
    let nf = faceCount(tile);
    for (var q = 0; q < nf; q++) {
      let f = faceAt(tile, q);
      let fr = fragment(bi, f, px, py);
      if (fr.s < 0.0) { continue; }
      ${tconorm === "hard" ? "if (fr.s > 0.5) { a = 1.0; }" : "if (!has) { a = fr.s; has = true; } else { a = combine(a, fr.s); }"}
    }
    result[index] = a;`,
  });
}
