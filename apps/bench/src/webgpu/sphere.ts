/**
 * A test mesh for the rasterizer benchmarks: @relax/render's icosphere (level L: 10·4^L + 2 vertices,
 * 20·4^L faces), slightly rotated, projected orthographically to GenDR's face layout `[F, 3, 3]`
 * (x_ndc, y_ndc, depth per corner).
 *
 * @example
 * const { faces, F } = sphereFaces(3, 0.7); // 642 vertices, 1280 faces
 * const f = tf.tensor4d(faces, [1, F, 3, 3]);
 */
import { icosphereGeometry } from "@relax/render";

export function sphereFaces(level: number, radius: number): { faces: Float32Array; F: number; V: number } {
  const { vertices, faces } = icosphereGeometry(level);
  // a slight rotation so that no face is exactly edge-on (a projected segment: its gradient could go
  // to either coincident vertex, equally valid, which would make the parity column meaningless)
  const [ca, sa, cb, sb] = [Math.cos(0.3), Math.sin(0.3), Math.cos(0.2), Math.sin(0.2)];
  const rot = (p: number[]) => {
    const y1 = ca * p[1]! - sa * p[2]!,
      z1 = sa * p[1]! + ca * p[2]!;
    return [cb * p[0]! + sb * z1, y1, -sb * p[0]! + cb * z1];
  };
  const out = new Float32Array(faces.length * 9);
  faces.forEach((f, i) =>
    f.forEach((v, k) => {
      const p = rot(vertices[v]!);
      out[i * 9 + k * 3] = p[0]! * radius + 0.05;
      out[i * 9 + k * 3 + 1] = p[1]! * radius - 0.03;
      out[i * 9 + k * 3 + 2] = 2 + p[2]!;
    }),
  );
  return { faces: out, F: faces.length, V: vertices.length };
}
