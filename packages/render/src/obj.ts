import * as tf from "@tensorflow/tfjs-core";
import { RelaxError } from "@relax/core";
import { createMesh, type Mesh } from "./mesh.js";

/**
 * Parses Wavefront OBJ text into a {@link Mesh}: `v x y z [r g b]` lines (optional vertex colours),
 * `f` lines with 1-based or negative indices in any of the `i`, `i/t`, `i//n`, `i/t/n` forms; polygons
 * are fan-triangulated. Other statements are ignored.
 *
 * @example
 * const mesh = parseOBJ("v 0 0 0\nv 1 0 0\nv 0 1 0\nf 1 2 3\n");
 * mesh.numFaces; // 1
 * mesh.dispose();
 */
export function parseOBJ(text: string): Mesh {
  const op = "parseOBJ";
  if (typeof text !== "string") throw new RelaxError(op, "text", "a string", typeof text);
  const verts: number[][] = [];
  const colors: number[][] = [];
  const faces: number[] = [];
  const lines = text.split(/\r?\n/);
  for (let ln = 0; ln < lines.length; ln++) {
    const line = (lines[ln] as string).trim();
    if (line === "" || line.startsWith("#")) continue;
    const parts = line.split(/\s+/);
    const kind = parts[0];
    if (kind === "v") {
      const nums = parts.slice(1).map(Number);
      if (nums.length < 3 || nums.slice(0, 3).some((x) => !Number.isFinite(x))) {
        throw new RelaxError(op, "text", "'v x y z' with finite numbers", `line ${ln + 1}: ${JSON.stringify(line)}`);
      }
      verts.push(nums.slice(0, 3));
      if (nums.length >= 6) colors.push(nums.slice(3, 6));
    } else if (kind === "f") {
      const idx = parts.slice(1).map((p) => {
        const k = parseInt(p.split("/")[0] as string, 10);
        if (!Number.isInteger(k) || k === 0)
          throw new RelaxError(op, "text", "face indices ≠ 0", `line ${ln + 1}: ${JSON.stringify(line)}`);
        return k > 0 ? k - 1 : verts.length + k;
      });
      if (idx.length < 3) throw new RelaxError(op, "text", "faces with ≥ 3 vertices", `line ${ln + 1}: ${JSON.stringify(line)}`);
      for (let i = 1; i + 1 < idx.length; i++) faces.push(idx[0] as number, idx[i] as number, idx[i + 1] as number);
    }
  }
  const useColors = colors.length === verts.length && verts.length > 0;
  return createMesh(tf.tensor2d(verts.flat(), [verts.length, 3]), Int32Array.from(faces), useColors ? colors : null);
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
 * Reads an OBJ file (Node only) into a {@link Mesh}.
 *
 * @example
 * const mesh = await loadOBJ("teapot.obj");
 * console.log(mesh.numFaces);
 * mesh.dispose();
 */
export async function loadOBJ(path: string): Promise<Mesh> {
  const fs = await import("node:fs/promises");
  return parseOBJ(await fs.readFile(path, "utf8"));
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
  const fs = await import("node:fs/promises");
  await fs.writeFile(path, toOBJ(mesh), "utf8");
}
