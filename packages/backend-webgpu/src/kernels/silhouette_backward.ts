/** The WGSL backward program of the soft silhouette rasterizer (see silhouette.ts). */
import { elementwiseProgram } from "../program.js";
import { fragmentWgsl } from "./raster_fragment.js";
import { SCATTER_WGSL } from "./raster_scatter.js";
import { UNIFORMS } from "./raster_uniforms.js";

const CAP = 64;

/**
 * Backward, one invocation per pixel: counts the pixel's kept fragments (k), checkpoints the fold state
 * every ⌈k/64⌉ fragments, then walks the fragments in reverse chunk by chunk (each chunk replayed from
 * its checkpoint into a small private buffer), carrying the running gradient g of the fold exactly as
 * the CPU kernel does, and scatters each fragment's gradient with float atomics.
 */
export function backwardProgram(B: number, F: number, S: number, dist: string, tconorm: string) {
  const prob = tconorm === "probabilistic";
  const isMax = tconorm === "max";
  const step = prob
    ? `else { gs = g * (1.0 - aPrev); g = g * (1.0 - fr.s); }`
    : isMax
      ? `else if (uniforms.maxAll == 0) {
          if (isTie(aPrev, fr.s)) { gs = 0.5 * g; g = 0.5 * g; }
          else if (fr.s > aPrev) { gs = g; g = 0.0; }
        }
        if (uniforms.maxAll != 0) { gs = select(0.0, g0, isTie(fr.s, alpha)); }`
      : `else { gs = g * dsdb(aPrev, fr.s); g = g * dsda(aPrev, fr.s); }`;
  const program = elementwiseProgram({
    key: `silhouette_bwd_${dist}_${tconorm}`,
    variableNames: ["faces", "dy", "tiles"],
    outputShape: [B, F, 3, 3],
    count: B * S * S,
    uniforms: UNIFORMS,
    helpers: `${fragmentWgsl(dist, tconorm)}
${SCATTER_WGSL}
fn isTie(a : f32, b : f32) -> bool { return abs(a - b) <= 1e-6 * max(abs(a), abs(b)); }`,
    body: `
    let S = uniforms.S;
    let bi = index / (S * S);
    let rem = index - bi * S * S;
    let r = rem / S;
    let col = rem - r * S;
    let g0 = dy[index];
    if (g0 != 0.0) {
      let py = f32(S - 1 - 2 * r) / f32(S);
      let px = pixelX(col);
      let tile = tileOf(bi, r, col);
      let nf = faceCount(tile);
      var k = 0;
      for (var q = 0; q < nf; q++) {
        if (fragment(bi, faceAt(tile, q), px, py).s >= 0.0) { k++; }
      }
      let stride = max(1, (k + ${CAP - 1}) / ${CAP});
      var ckF : array<i32, ${CAP}>;
      var ckA : array<f32, ${CAP}>;
      var alpha = 0.0;
      var j = 0;
      for (var q = 0; q < nf; q++) {
        let fr = fragment(bi, faceAt(tile, q), px, py);
        if (fr.s < 0.0) { continue; }
        if (j % stride == 0) { ckF[j / stride] = q; ckA[j / stride] = alpha; }
        alpha = select(combine(alpha, fr.s), fr.s, j == 0);
        j++;
      }
      var g = g0;
      var chF : array<i32, ${CAP}>;
      var chA : array<f32, ${CAP}>;
      let chunks = (k + stride - 1) / stride;
      for (var m = chunks - 1; m >= 0; m--) {
        let j0 = m * stride;
        let j1 = min(k, j0 + stride);
        // replay the chunk from its checkpoint: face index and a_{j-1} of each of its fragments
        var a = ckA[m];
        var jj = j0;
        var filled = 0;
        for (var q = ckF[m]; q < nf && jj < j1; q++) {
          let f = faceAt(tile, q);
          let fr = fragment(bi, f, px, py);
          if (fr.s < 0.0) { continue; }
          if (filled < ${CAP}) { chF[filled] = f; chA[filled] = a; filled++; }
          a = select(combine(a, fr.s), fr.s, jj == 0);
          jj++;
        }
        for (var t = j1 - 1; t >= j0; t--) {
          var f = 0;
          var aPrev = 0.0;
          if (t - j0 < ${CAP}) {
            f = chF[t - j0];
            aPrev = chA[t - j0];
          } else {
            // chunk longer than the buffer (k > ${CAP * CAP}): replay from the checkpoint up to t
            var a2 = ckA[m];
            var j2 = j0;
            for (var q2 = ckF[m]; q2 < nf; q2++) {
              let f2 = faceAt(tile, q2);
              let fq = fragment(bi, f2, px, py);
              if (fq.s < 0.0) { continue; }
              if (j2 == t) { f = f2; aPrev = a2; break; }
              a2 = select(combine(a2, fq.s), fq.s, j2 == 0);
              j2++;
            }
          }
          let fr = fragment(bi, f, px, py);
          var gs = 0.0;
          if (t == 0) { gs = g; }
          ${step}
          if (gs == 0.0) { continue; }
          let coef = gs * slope(fr);
          if (coef == 0.0 || isinf(coef) || isnan(coef)) { continue; }
          scatter(bi, f, fr, coef);
        }
      }
    }`,
  });
  return { ...program, atomic: true };
}
