/**
 * A test mesh for the rasterizer benchmarks: an icosphere (level L: 10·4^L + 2 vertices, 20·4^L faces),
 * slightly rotated, projected to GenDR's face layout `[F, 3, 3]` (x_ndc, y_ndc, depth per corner).
 *
 * @example
 * const { faces, F } = sphereFaces(3, 0.7); // 642 vertices, 1280 faces
 * const f = tf.tensor4d(faces, [1, F, 3, 3]);
 */
export function sphereFaces(level: number, radius: number): { faces: Float32Array; F: number; V: number } {
  const t = (1 + Math.sqrt(5)) / 2;
  const norm = (v: number[]) => {
    const n = Math.hypot(v[0]!, v[1]!, v[2]!);
    return v.map((x) => x / n);
  };
  const verts: number[][] = [
    [-1, t, 0],
    [1, t, 0],
    [-1, -t, 0],
    [1, -t, 0],
    [0, -1, t],
    [0, 1, t],
    [0, -1, -t],
    [0, 1, -t],
    [t, 0, -1],
    [t, 0, 1],
    [-t, 0, -1],
    [-t, 0, 1],
  ].map(norm);
  let faces = [
    [0, 11, 5],
    [0, 5, 1],
    [0, 1, 7],
    [0, 7, 10],
    [0, 10, 11],
    [1, 5, 9],
    [5, 11, 4],
    [11, 10, 2],
    [10, 7, 6],
    [7, 1, 8],
    [3, 9, 4],
    [3, 4, 2],
    [3, 2, 6],
    [3, 6, 8],
    [3, 8, 9],
    [4, 9, 5],
    [2, 4, 11],
    [6, 2, 10],
    [8, 6, 7],
    [9, 8, 1],
  ];
  for (let l = 0; l < level; l++) {
    const cache = new Map<string, number>();
    const mid = (a: number, b: number) => {
      const key = a < b ? `${a},${b}` : `${b},${a}`;
      const hit = cache.get(key);
      if (hit !== undefined) return hit;
      verts.push(norm(verts[a]!.map((x, i) => (x + verts[b]![i]!) / 2)));
      cache.set(key, verts.length - 1);
      return verts.length - 1;
    };
    const next: number[][] = [];
    for (const [a, b, c] of faces) {
      const ab = mid(a!, b!),
        bc = mid(b!, c!),
        ca = mid(c!, a!);
      next.push([a!, ab, ca], [b!, bc, ab], [c!, ca, bc], [ab, bc, ca]);
    }
    faces = next;
  }
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
      const p = rot(verts[v]!);
      out[i * 9 + k * 3] = p[0]! * radius + 0.05;
      out[i * 9 + k * 3 + 1] = p[1]! * radius - 0.03;
      out[i * 9 + k * 3 + 2] = 2 + p[2]!;
    }),
  );
  return { faces: out, F: faces.length, V: verts.length };
}
