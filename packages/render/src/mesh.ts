import * as tf from "@tensorflow/tfjs-core";
import { gatherRows } from "./gather.js";
import { RelaxError, assertFinite, describe, toFloatTensor, type TensorInput } from "@relax/core";

/**
 * A triangle mesh: world-space vertices `[V, 3]`, faces `[F, 3]` (vertex indices, counter-clockwise
 * seen from outside, i.e. cross(v1−v0, v2−v0) points outward) and optional per-vertex RGB colours `[V, 3]`
 * in [0, 1]. The tensors are owned by the mesh (`dispose()` frees them).
 *
 * @example
 * const mesh = createMesh([[0, 0, 0], [1, 0, 0], [0, 1, 0]], [[0, 1, 2]]);
 * mesh.numFaces; // 1
 * mesh.dispose();
 */
export class Mesh {
  /** `[V, 3]` float32 vertex positions. */
  readonly vertices: tf.Tensor2D;
  /** `[F, 3]` int32 vertex indices. */
  readonly faces: tf.Tensor2D;
  /** `[V, 3]` float32 vertex colours, or null. */
  readonly colors: tf.Tensor2D | null;
  /** Host copy of the face indices (flat, length 3F). */
  readonly faceIndices: Int32Array;

  constructor(vertices: tf.Tensor2D, faces: tf.Tensor2D, colors: tf.Tensor2D | null, faceIndices: Int32Array) {
    this.vertices = vertices;
    this.faces = faces;
    this.colors = colors;
    this.faceIndices = faceIndices;
  }

  get numVertices(): number {
    return this.vertices.shape[0];
  }

  get numFaces(): number {
    return this.faces.shape[0];
  }

  /** A mesh with the same faces and colours and new vertex positions `[V, 3]` (e.g. a deformation; not disposed by this mesh). */
  withVertices(vertices: tf.Tensor2D): Mesh {
    if (vertices.rank !== 2 || vertices.shape[0] !== this.numVertices || vertices.shape[1] !== 3) {
      throw new RelaxError("Mesh.withVertices", "vertices", `[${this.numVertices}, 3]`, `[${vertices.shape.join(", ")}]`);
    }
    return new Mesh(vertices, this.faces, this.colors, this.faceIndices);
  }

  /** Frees the mesh's tensors. */
  dispose(): void {
    this.vertices.dispose();
    this.faces.dispose();
    this.colors?.dispose();
  }
}

/**
 * Builds a {@link Mesh} from vertices `[V, 3]`, faces `[F, 3]` (integer indices in [0, V)) and optional
 * vertex colours `[V, 3]`. Validates shapes, index range and finiteness.
 *
 * @param vertices `[V, 3]` positions
 * @param faces `[F, 3]` vertex indices (counter-clockwise seen from outside)
 * @param colors optional `[V, 3]` RGB in [0, 1]
 * @example
 * const mesh = createMesh(verts, [[0, 2, 1], [0, 3, 2]]);
 * const fv = faceVertices(mesh.vertices, mesh.faces); // [2, 3, 3]
 * mesh.dispose();
 */
export function createMesh(vertices: TensorInput, faces: TensorInput | Int32Array, colors?: TensorInput | null): Mesh {
  const op = "createMesh";
  const v = toFloatTensor(op, "vertices", vertices);
  if (v.rank !== 2 || v.shape[1] !== 3) {
    throw new RelaxError(op, "vertices", "[V, 3]", `[${v.shape.join(", ")}]`);
  }
  assertFinite(op, "vertices", v);
  const nV = v.shape[0] as number;
  let idx: Int32Array;
  if (faces instanceof Int32Array) {
    if (faces.length % 3 !== 0) throw new RelaxError(op, "faces", "[F, 3] (length divisible by 3)", `length ${faces.length}`);
    idx = faces.slice();
  } else {
    const f = faces instanceof tf.Tensor ? faces : toFloatTensor(op, "faces", faces);
    if (f.rank !== 2 || f.shape[1] !== 3) {
      if (!(faces instanceof tf.Tensor)) f.dispose();
      throw new RelaxError(op, "faces", "[F, 3]", `[${f.shape.join(", ")}]`);
    }
    const data = f.dataSync();
    if (!(faces instanceof tf.Tensor)) f.dispose();
    idx = new Int32Array(data.length);
    for (let i = 0; i < data.length; i++) {
      const k = data[i] as number;
      if (!Number.isInteger(k)) throw new RelaxError(op, "faces", "integer vertex indices", `${describe(k)} at flat index ${i}`);
      idx[i] = k;
    }
  }
  for (let i = 0; i < idx.length; i++) {
    const k = idx[i] as number;
    if (k < 0 || k >= nV) throw new RelaxError(op, "faces", `indices in [0, ${nV})`, `${k} at flat index ${i}`);
  }
  let c: tf.Tensor2D | null = null;
  if (colors != null) {
    const ct = toFloatTensor(op, "colors", colors);
    if (ct.rank !== 2 || ct.shape[0] !== nV || ct.shape[1] !== 3) {
      throw new RelaxError(op, "colors", `[${nV}, 3]`, `[${ct.shape.join(", ")}]`);
    }
    assertFinite(op, "colors", ct);
    c = (ct === colors ? tf.clone(ct) : ct) as tf.Tensor2D;
  }
  const vt = (v === vertices ? tf.clone(v) : v) as tf.Tensor2D;
  const ft = tf.tensor2d(idx, [idx.length / 3, 3], "int32");
  return new Mesh(vt, ft, c, idx);
}

/**
 * Gathers per-face corner attributes: `[V, C]` → `[F, 3, C]`, or batched `[B, V, C]` → `[B, F, 3, C]`
 * (e.g. projected vertices → the rasterizer's face input). Differentiable w.r.t. the attributes.
 *
 * @example
 * const fv = faceVertices(projected, mesh.faces); // [F, 3, 3]
 * const alpha = rasterizeSilhouette(fv, { imageSize: 64 });
 */
export function faceVertices(attributes: tf.Tensor, faces: tf.Tensor2D): tf.Tensor {
  const op = "faceVertices";
  if (attributes.rank !== 2 && attributes.rank !== 3) {
    throw new RelaxError(op, "attributes", "[V, C] or [B, V, C]", `[${attributes.shape.join(", ")}]`);
  }
  if (faces.rank !== 2 || faces.shape[1] !== 3) throw new RelaxError(op, "faces", "[F, 3]", `[${faces.shape.join(", ")}]`);
  const nF = faces.shape[0];
  const idx = Int32Array.from(faces.dataSync());
  const nV = attributes.shape[attributes.rank - 2] as number;
  for (let i = 0; i < idx.length; i++) {
    if (!((idx[i] as number) >= 0 && (idx[i] as number) < nV))
      throw new RelaxError(op, "faces", `indices in [0, ${nV})`, `${idx[i]} at flat index ${i}`);
  }
  return tf.tidy(() => {
    const c = attributes.shape[attributes.rank - 1] as number;
    const g = gatherRows(attributes, idx);
    return attributes.rank === 2 ? tf.reshape(g, [nF, 3, c]) : tf.reshape(g, [attributes.shape[0] as number, nF, 3, c]);
  });
}
