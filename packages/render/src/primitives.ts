import { assertInRange, assertInteger, assertOptions } from "@relax/core";
import { assertNumberArray, orDefault } from "./checks.js";
import { createMesh, type Mesh } from "./mesh.js";

/** Options of the procedural meshes. */
export interface PrimitiveOptions {
  /** Circumradius (tetrahedron, icosphere) or half the edge length (cube). Default 1 (icosphere), 0.5 (others). */
  radius?: number;
  /** Optional constant RGB colour for every vertex, each channel in [0, 1]. */
  color?: [number, number, number];
}

function orientOutward(verts: number[][], faces: number[][]): number[][] {
  // Flip faces whose normal cross(v1−v0, v2−v0) points towards the centroid of the mesh.
  const c = [0, 0, 0];
  for (const v of verts) for (let k = 0; k < 3; k++) c[k]! += v[k]! / verts.length;
  return faces.map(([a, b, d]) => {
    const v0 = verts[a!]!,
      v1 = verts[b!]!,
      v2 = verts[d!]!;
    const e1 = [v1[0]! - v0[0]!, v1[1]! - v0[1]!, v1[2]! - v0[2]!];
    const e2 = [v2[0]! - v0[0]!, v2[1]! - v0[1]!, v2[2]! - v0[2]!];
    const n = [e1[1]! * e2[2]! - e1[2]! * e2[1]!, e1[2]! * e2[0]! - e1[0]! * e2[2]!, e1[0]! * e2[1]! - e1[1]! * e2[0]!];
    const m = [(v0[0]! + v1[0]! + v2[0]!) / 3 - c[0]!, (v0[1]! + v1[1]! + v2[1]!) / 3 - c[1]!, (v0[2]! + v1[2]! + v2[2]!) / 3 - c[2]!];
    return n[0]! * m[0]! + n[1]! * m[1]! + n[2]! * m[2]! >= 0 ? [a!, b!, d!] : [a!, d!, b!];
  });
}

/** Largest accepted `radius`: far beyond any scene, and small enough that every derived coordinate stays finite in float32. */
const MAX_RADIUS = 1e18;

/** Validated options of a primitive (`extra` names further accepted keys) and its radius. */
function primitiveOptions<T extends PrimitiveOptions>(
  op: string,
  options: unknown,
  fallback: number,
  extra: readonly string[] = [],
): { opts: T; radius: number } {
  const opts = assertOptions<T>(op, options, ["radius", "color", ...extra] as unknown as (keyof T & string)[]);
  const radius = assertInRange(op, "radius", orDefault(opts.radius, fallback), Number.MIN_VALUE, MAX_RADIUS);
  return { opts, radius };
}

function build(verts: number[][], faces: number[][], options: PrimitiveOptions, op: string): Mesh {
  const color = options.color === undefined ? null : assertNumberArray(op, "color", options.color, 3, 0, 1);
  const colors = color ? verts.map(() => [...color]) : null;
  return createMesh(verts, orientOutward(verts, faces), colors);
}

/**
 * A regular tetrahedron centred at the origin (4 vertices, 4 outward-oriented faces).
 *
 * @example
 * const mesh = tetrahedron({ radius: 0.5 });
 * mesh.numFaces; // 4
 * mesh.dispose();
 */
export function tetrahedron(options: PrimitiveOptions = {}): Mesh {
  const { opts, radius } = primitiveOptions<PrimitiveOptions>("tetrahedron", options, 0.5);
  const r = radius / Math.sqrt(3);
  const verts = [
    [r, r, r],
    [r, -r, -r],
    [-r, r, -r],
    [-r, -r, r],
  ];
  return build(
    verts,
    [
      [0, 1, 2],
      [0, 1, 3],
      [0, 2, 3],
      [1, 2, 3],
    ],
    opts,
    "tetrahedron",
  );
}

/**
 * An axis-aligned cube centred at the origin (8 vertices, 12 outward-oriented triangles); `radius` is half the edge length.
 *
 * @example
 * const mesh = cube({ radius: 0.4 });
 * mesh.numVertices; // 8
 * mesh.dispose();
 */
export function cube(options: PrimitiveOptions = {}): Mesh {
  const { opts, radius: r } = primitiveOptions<PrimitiveOptions>("cube", options, 0.5);
  const verts: number[][] = [];
  for (const x of [-r, r]) for (const y of [-r, r]) for (const z of [-r, r]) verts.push([x, y, z]);
  // index = 4·(x>0) + 2·(y>0) + (z>0); two triangles per side.
  const quads = [
    [0, 1, 3, 2],
    [4, 6, 7, 5],
    [0, 4, 5, 1],
    [2, 3, 7, 6],
    [0, 2, 6, 4],
    [1, 5, 7, 3],
  ];
  const faces = quads.flatMap(([a, b, c, d]) => [
    [a!, b!, c!],
    [a!, c!, d!],
  ]);
  return build(verts, faces, opts, "cube");
}

/**
 * Vertices (unit sphere, scaled by `radius`) and faces of a level-`level` icosphere as plain arrays, before
 * outward orientation: 10·4^level + 2 vertices, 20·4^level faces (each face split into four per level,
 * new vertices pushed to the sphere). {@link icosphere} builds its {@link Mesh} from these; use this for
 * host-side geometry without tensors.
 *
 * @example
 * const { vertices, faces } = icosphereGeometry(3); // 642 vertices, 1280 faces
 */
export function icosphereGeometry(level: number, radius = 1): { vertices: number[][]; faces: number[][] } {
  assertInteger("icosphereGeometry", "level", level, 0, 6);
  assertInRange("icosphereGeometry", "radius", radius, Number.MIN_VALUE, MAX_RADIUS);
  const t = (1 + Math.sqrt(5)) / 2;
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
  ].map(normalize);
  let faces: number[][] = [
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
    const mid = (a: number, b: number): number => {
      const key = a < b ? `${a},${b}` : `${b},${a}`;
      const hit = cache.get(key);
      if (hit !== undefined) return hit;
      const va = verts[a]!,
        vb = verts[b]!;
      verts.push(normalize([(va[0]! + vb[0]!) / 2, (va[1]! + vb[1]!) / 2, (va[2]! + vb[2]!) / 2]));
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
  return { vertices: verts.map((v) => v.map((x) => x * radius)), faces };
}

/**
 * A unit icosphere: an icosahedron whose faces are split into 4 `level` times, vertices projected to the sphere.
 * Level 0 = 12 vertices / 20 faces; level 3 = 642 vertices / 1280 faces (the `sphere_642` template of
 * SoftRas/GenDR); level 4 = 2562 / 5120.
 *
 * @param options `level` (integer 0…6, default 3), `radius` (default 1)
 * @example
 * const sphere = icosphere({ level: 3 });
 * sphere.numVertices; // 642
 * sphere.dispose();
 */
export function icosphere(options: PrimitiveOptions & { level?: number } = {}): Mesh {
  const { opts, radius } = primitiveOptions<PrimitiveOptions & { level?: number }>("icosphere", options, 1, ["level"]);
  const level = assertInteger("icosphere", "level", orDefault(opts.level, 3), 0, 6);
  const { vertices, faces } = icosphereGeometry(level, radius);
  return build(vertices, faces, opts, "icosphere");
}

function normalize(v: number[]): number[] {
  const n = Math.hypot(v[0]!, v[1]!, v[2]!);
  return [v[0]! / n, v[1]! / n, v[2]! / n];
}
