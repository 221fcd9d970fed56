import * as tf from "@tensorflow/tfjs-core";
import { RelaxError, describe } from "@relax/core";
import { assertPath, fileError } from "./checks.js";
import { Mesh, createMesh } from "./mesh.js";

/** OBJ statements that carry no triangle-mesh geometry and are skipped (texture/normal data, groups, materials, curves). */
const IGNORED = new Set(
  "vt vn vp o g s mg usemtl mtllib usemap maplib l p cstype deg bmat step curv curv2 surf parm trim hole scrv sp end con lod bevel c_interp d_interp shadow_obj trace_obj ctech stech call csh".split(
    " ",
  ),
);
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const INDEX = /^[+-]?\d+$/;

/**
 * Parses Wavefront OBJ text into a {@link Mesh}: `v x y z [r g b]` lines (optional vertex colours),
 * `f` lines with 1-based or negative indices in any of the `i`, `i/t`, `i//n`, `i/t/n` forms; polygons
 * are fan-triangulated. Texture/normal data, groups, materials, lines and curves are ignored. Anything
 * malformed is a `RelaxError` naming the line number and the line: a statement that is not OBJ, a vertex
 * without three finite coordinates (an optional 4th `w`, or `r g b` colours in [0, 1], may follow), a face
 * with fewer than 3 vertices, a non-integer, zero or out-of-range index (positive indices may refer to
 * vertices defined later in the file; negative ones count back from the current vertex).
 *
 * @example
 * const mesh = parseOBJ("v 0 0 0\nv 1 0 0\nv 0 1 0\nf 1 2 3\n");
 * mesh.numFaces; // 1
 * mesh.dispose();
 */
export function parseOBJ(text: string): Mesh {
  const op = "parseOBJ";
  if (typeof text !== "string") throw new RelaxError(op, "text", "a string", describe(text));
  const verts: number[] = [];
  const colors: number[] = [];
  const faces: number[] = [];
  const faceLines: number[] = []; // line index of each triangle
  const lines = text.split(/\r?\n/);
  const bad = (ln: number, expected: string): never => {
    const line = (lines[ln] as string).trim();
    throw new RelaxError(op, `text (line ${ln + 1})`, expected, JSON.stringify(line.length > 80 ? `${line.slice(0, 80)}…` : line));
  };
  let firstUncoloured = -1;
  for (let ln = 0; ln < lines.length; ln++) {
    const line = (lines[ln] as string).replace(/#.*$/, "").trim();
    if (line === "") continue;
    const parts = line.split(/\s+/);
    const kind = parts[0] as string;
    if (kind === "v") {
      const fields = parts.slice(1);
      if (fields.length !== 3 && fields.length !== 4 && fields.length !== 6) bad(ln, "'v x y z', 'v x y z w' or 'v x y z r g b'");
      const nums = fields.map((f) => (NUMBER.test(f) ? Number(f) : Number.NaN));
      if (nums.some((x) => !Number.isFinite(x))) bad(ln, "a vertex with finite numeric fields");
      if (fields.length === 6 && nums.slice(3).some((x) => x < 0 || x > 1)) bad(ln, "vertex colours r g b in [0, 1]");
      verts.push(nums[0] as number, nums[1] as number, nums[2] as number);
      if (fields.length === 6) colors.push(nums[3] as number, nums[4] as number, nums[5] as number);
      else if (firstUncoloured < 0) firstUncoloured = ln;
    } else if (kind === "f") {
      const nV = verts.length / 3;
      const idx = parts.slice(1).map((p) => {
        const refs = p.split("/");
        const head = refs[0] as string;
        const okRefs = refs.length <= 3 && refs.slice(1).every((r) => r === "" || INDEX.test(r));
        if (!INDEX.test(head) || !okRefs) bad(ln, "integer vertex indices (i, i/t, i//n or i/t/n)");
        const k = Number(head);
        if (k === 0) bad(ln, "vertex indices ≠ 0 (OBJ indices start at 1)");
        if (k < 0 && -k > nV) bad(ln, `negative indices within the ${nV} vertices defined so far`);
        return k > 0 ? k - 1 : nV + k;
      });
      if (idx.length < 3) bad(ln, "a face with at least 3 vertices");
      for (let i = 1; i + 1 < idx.length; i++) {
        faces.push(idx[0] as number, idx[i] as number, idx[i + 1] as number);
        faceLines.push(ln);
      }
    } else if (!IGNORED.has(kind)) {
      bad(ln, "an OBJ statement (v, f, vt, vn, o, g, s, usemtl, …)");
    }
  }
  const nV = verts.length / 3;
  for (let i = 0; i < faces.length; i++) {
    if ((faces[i] as number) >= nV) bad(faceLines[Math.floor(i / 3)] as number, `vertex indices ≤ ${nV} (the number of vertices)`);
  }
  if (colors.length > 0 && colors.length !== verts.length) bad(firstUncoloured, "colours 'r g b' on every vertex or on none");
  const v = tf.tensor2d(verts, [nV, 3]);
  const c = colors.length > 0 ? tf.tensor2d(colors, [nV, 3]) : null;
  try {
    return createMesh(v, Int32Array.from(faces), c);
  } finally {
    v.dispose();
    c?.dispose();
  }
}

/**
 * Serialises a mesh as Wavefront OBJ text (`v x y z [r g b]` and 1-based `f a b c`).
 *
 * @example
 * const text = toOBJ(icosphere({ level: 1 }));
 * text.startsWith("v "); // true
 * parseOBJ(text).numFaces; // 80
 */
export function toOBJ(mesh: Mesh): string {
  assertMesh("toOBJ", mesh);
  const v = mesh.vertices.dataSync();
  const c = mesh.colors?.dataSync();
  const out: string[] = [];
  for (let i = 0; i < mesh.numVertices; i++) {
    const xyz = `v ${v[3 * i]} ${v[3 * i + 1]} ${v[3 * i + 2]}`;
    out.push(c ? `${xyz} ${c[3 * i]} ${c[3 * i + 1]} ${c[3 * i + 2]}` : xyz);
  }
  const f = mesh.faceIndices;
  for (let i = 0; i < f.length; i += 3) out.push(`f ${(f[i] as number) + 1} ${(f[i + 1] as number) + 1} ${(f[i + 2] as number) + 1}`);
  return `${out.join("\n")}\n`;
}

/**
 * Reads an OBJ file (Node only) into a {@link Mesh}. A missing file or malformed content is a `RelaxError`
 * naming the file (and the line, see {@link parseOBJ}).
 *
 * @example
 * const mesh = await loadOBJ("teapot.obj");
 * console.log(mesh.numFaces);
 * mesh.dispose();
 */
export async function loadOBJ(path: string): Promise<Mesh> {
  const op = "loadOBJ";
  assertPath(op, path);
  const fs = await import("node:fs/promises");
  let text: string;
  try {
    text = await fs.readFile(path, "utf8");
  } catch (e) {
    throw fileError(op, path, "a readable OBJ file", e);
  }
  try {
    return parseOBJ(text);
  } catch (e) {
    if (!(e instanceof RelaxError)) throw e;
    throw new RelaxError(op, `file ${JSON.stringify(path)}${e.argument.replace(/^text/, "")}`, e.expected, e.got);
  }
}

/**
 * Writes a mesh as an OBJ file (Node only).
 *
 * @example
 * await saveOBJ("sphere.obj", icosphere({ level: 2 }));
 * const back = await loadOBJ("sphere.obj");
 * back.numVertices; // 162
 */
export async function saveOBJ(path: string, mesh: Mesh): Promise<void> {
  const op = "saveOBJ";
  assertPath(op, path);
  assertMesh(op, mesh);
  const fs = await import("node:fs/promises");
  try {
    await fs.writeFile(path, toOBJ(mesh), "utf8");
  } catch (e) {
    throw fileError(op, path, "a writable file path", e);
  }
}

function assertMesh(op: string, mesh: unknown): asserts mesh is Mesh {
  if (!(mesh instanceof Mesh)) throw new RelaxError(op, "mesh", "a Mesh", describe(mesh));
  if (mesh.vertices.isDisposed) throw new RelaxError(op, "mesh", "a Mesh that is not disposed", "a disposed Mesh");
}
