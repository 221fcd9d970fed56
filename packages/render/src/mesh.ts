import * as tf from "@tensorflow/tfjs-core";
import { gatherRows } from "./gather.js";
import { RelaxError, assertFinite, describe, toFloatTensor, type TensorInput, assertValuesIn } from "@relax/core";
import { shapeText } from "./checks.js";

export class Mesh {
  /** `[V, 3]` float32 vertex positions. */
  readonly vertices: tf.Tensor2D;
  /** `[F, 3]` int32 vertex indices. */
  readonly faces: tf.Tensor2D;
  /** `[V, 3]` float32 vertex colours, or null. */
  readonly colors: tf.Tensor2D | null;
  /** Host copy of the face indices (flat, length 3F). */
  readonly faceIndices: Int32Array;

  /**
   * Wraps already-validated tensors (use {@link createMesh} to build a mesh from user data). Checks the
   * shapes only: vertices `[V, 3]`, faces `[F, 3]`, colours `[V, 3]` or null, `faceIndices` of length 3F.
   */
  constructor(vertices: tf.Tensor2D, faces: tf.Tensor2D, colors: tf.Tensor2D | null, faceIndices: Int32Array) {
    const op = "Mesh";
    if (!(vertices instanceof tf.Tensor) || vertices.rank !== 2 || vertices.shape[1] !== 3) {
      throw new RelaxError(op, "vertices", "a [V, 3] tensor", describe(vertices));
    }
    if (!(faces instanceof tf.Tensor) || faces.rank !== 2 || faces.shape[1] !== 3) {
      throw new RelaxError(op, "faces", "an [F, 3] tensor", describe(faces));
    }
    if (
      colors !== null &&
      (!(colors instanceof tf.Tensor) || colors.rank !== 2 || colors.shape[0] !== vertices.shape[0] || colors.shape[1] !== 3)
    ) {
      throw new RelaxError(op, "colors", `null or a [${vertices.shape[0]}, 3] tensor`, describe(colors));
    }
    if (!(faceIndices instanceof Int32Array) || faceIndices.length !== 3 * faces.shape[0]) {
      throw new RelaxError(op, "faceIndices", `an Int32Array of length ${3 * faces.shape[0]}`, describe(faceIndices));
    }
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
    const op = "Mesh.withVertices";
    if (!(vertices instanceof tf.Tensor)) throw new RelaxError(op, "vertices", `a [${this.numVertices}, 3] tensor`, describe(vertices));
    if (vertices.rank !== 2 || vertices.shape[0] !== this.numVertices || vertices.shape[1] !== 3) {
      throw new RelaxError(op, "vertices", `[${this.numVertices}, 3]`, shapeText(vertices));
    }
    if (vertices.dtype !== "float32") throw new RelaxError(op, "vertices", "a float32 tensor", describe(vertices));
    assertFinite(op, "vertices", vertices);
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
 * Validated host copy of face indices: an `Int32Array` of length 3F, an `[F, 3]` tensor or nested array of
 * integers in [0, numVertices). Creates no tensor that outlives the call.
 */
export function faceIndicesOf(op: string, faces: TensorInput | Int32Array, numVertices: number): Int32Array {
  let data: ArrayLike<number>;
  if (faces instanceof Int32Array) {
    if (faces.length % 3 !== 0) throw new RelaxError(op, "faces", "[F, 3] (length divisible by 3)", `length ${faces.length}`);
    data = faces;
  } else {
    data = tf.tidy(() => {
      const f = faces instanceof tf.Tensor && faces.dtype === "int32" ? faces : toFloatTensor(op, "faces", faces);
      if (f.rank !== 2 || f.shape[1] !== 3) throw new RelaxError(op, "faces", "[F, 3]", shapeText(f));
      return f.dataSync().slice();
    });
  }
  const idx = new Int32Array(data.length);
  for (let i = 0; i < data.length; i++) {
    const k = data[i] as number;
    if (!Number.isInteger(k)) throw new RelaxError(op, "faces", "integer vertex indices", `${describe(k)} at flat index ${i}`);
    if (k < 0 || k >= numVertices) throw new RelaxError(op, "faces", `indices in [0, ${numVertices})`, `${k} at flat index ${i}`);
    idx[i] = k;
  }
  return idx;
}

/**
 * Builds a {@link Mesh} from vertices `[V, 3]`, faces `[F, 3]` (integer indices in [0, V)) and optional
 * vertex colours `[V, 3]`. Validates shapes, index range, finiteness and colours in [0, 1]; a rejected
 * input leaves no tensor behind. The mesh owns copies of its tensors (the inputs are not disposed).
 *
 * @param vertices `[V, 3]` positions (finite)
 * @param faces `[F, 3]` vertex indices (counter-clockwise seen from outside)
 * @param colors optional `[V, 3]` RGB in [0, 1]
 * @example
 * const mesh = createMesh(verts, [[0, 2, 1], [0, 3, 2]]);
 * const fv = faceVertices(mesh.vertices, mesh.faces); // [2, 3, 3]
 * mesh.dispose();
 */
export function createMesh(vertices: TensorInput, faces: TensorInput | Int32Array, colors?: TensorInput | null): Mesh {
  const op = "createMesh";
  let idx: Int32Array = new Int32Array(0);
  const out = tf.tidy(() => {
    const v = toFloatTensor(op, "vertices", vertices);
    if (v.rank !== 2 || v.shape[1] !== 3) throw new RelaxError(op, "vertices", "[V, 3]", shapeText(v));
    assertFinite(op, "vertices", v);
    const nV = v.shape[0] as number;
    idx = faceIndicesOf(op, faces, nV);
    const kept: tf.Tensor[] = [v === vertices ? tf.clone(v) : v, tf.tensor2d(idx, [idx.length / 3, 3], "int32")];
    if (colors != null) {
      const c = toFloatTensor(op, "colors", colors);
      if (c.rank !== 2 || c.shape[0] !== nV || c.shape[1] !== 3) throw new RelaxError(op, "colors", `[${nV}, 3]`, shapeText(c));
      assertValuesIn(op, "colors", c, 0, 1);
      kept.push(c === colors ? tf.clone(c) : c);
    }
    return kept;
  });
  return new Mesh(out[0] as tf.Tensor2D, out[1] as tf.Tensor2D, (out[2] as tf.Tensor2D | undefined) ?? null, idx);
}

/**
 * Gathers per-face corner attributes: `[V, C]` → `[F, 3, C]`, or batched `[B, V, C]` → `[B, F, 3, C]`
 * (e.g. projected vertices → the rasterizer's face input). Differentiable w.r.t. the attributes.
 *
 * @example
 * const fv = faceVertices(projected, mesh.faces); // [F, 3, 3]
 * const alpha = rasterizeSilhouette(fv, { imageSize: 64 });
 */
export function faceVertices(attributes: TensorInput, faces: TensorInput | Int32Array): tf.Tensor {
  const op = "faceVertices";
  return tf.tidy(() => {
    const attr = toFloatTensor(op, "attributes", attributes);
    if (attr.rank !== 2 && attr.rank !== 3) throw new RelaxError(op, "attributes", "[V, C] or [B, V, C]", shapeText(attr));
    const nV = attr.shape[attr.rank - 2] as number;
    const idx = faceIndicesOf(op, faces, nV);
    const nF = idx.length / 3;
    const c = attr.shape[attr.rank - 1] as number;
    const g = gatherRows(attr, idx);
    return attr.rank === 2 ? tf.reshape(g, [nF, 3, c]) : tf.reshape(g, [attr.shape[0] as number, nF, 3, c]);
  });
}
