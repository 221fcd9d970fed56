import * as tf from "@tensorflow/tfjs-core";
import { RelaxError, assertFinite, describe, toFloatTensor, type TensorInput } from "@relax/core";
import { gatherRows } from "./gather.js";
import { Mesh } from "./mesh.js";

/** Validates the mesh and converts the vertices (inside the caller's tidy). */
function checkVertices(op: string, verticesIn: TensorInput, mesh: Mesh): tf.Tensor {
  if (!(mesh instanceof Mesh)) throw new RelaxError(op, "mesh", "a Mesh (the template giving the connectivity)", describe(mesh));
  const vertices = toFloatTensor(op, "vertices", verticesIn);
  const ok =
    (vertices.rank === 2 || vertices.rank === 3) &&
    vertices.shape[vertices.rank - 1] === 3 &&
    vertices.shape[vertices.rank - 2] === mesh.numVertices;
  if (!ok)
    throw new RelaxError(op, "vertices", `[${mesh.numVertices}, 3] or [B, ${mesh.numVertices}, 3]`, `[${vertices.shape.join(", ")}]`);
  assertFinite(op, "vertices", vertices);
  return vertices;
}

/** Undirected edges of a face list, each once (lo < hi), with the vertices opposite to it in its adjacent faces. */
function edgeTable(faceIndices: Int32Array): Map<string, { a: number; b: number; opp: number[] }> {
  const edges = new Map<string, { a: number; b: number; opp: number[] }>();
  for (let f = 0; f < faceIndices.length; f += 3) {
    for (let k = 0; k < 3; k++) {
      const a = faceIndices[f + k] as number;
      const b = faceIndices[f + ((k + 1) % 3)] as number;
      const o = faceIndices[f + ((k + 2) % 3)] as number;
      const key = a < b ? `${a},${b}` : `${b},${a}`;
      const e = edges.get(key);
      if (e) e.opp.push(o);
      else edges.set(key, { a: Math.min(a, b), b: Math.max(a, b), opp: [o] });
    }
  }
  return edges;
}

/**
 * Laplacian smoothness regulariser of SoftRas/GenDR shape optimisation: `Σ_v ‖v − mean(neighbours(v))‖²`
 * (uniform weights), averaged over the batch. Vertices must be finite and match the mesh's vertex count.
 *
 * @param vertices `[V, 3]` or `[B, V, 3]` (e.g. a deformed template)
 * @param mesh the template giving the connectivity
 * @returns scalar loss
 * @example
 * const sphere = icosphere({ level: 2 });
 * const loss = laplacianLoss(sphere.vertices, sphere);
 * loss.dataSync()[0]; // small: a sphere is smooth
 */
export function laplacianLoss(vertices: TensorInput, mesh: Mesh): tf.Scalar {
  const op = "laplacianLoss";
  return tf.tidy(() => laplacian(checkVertices(op, vertices, mesh), mesh));
}

function laplacian(vertices: tf.Tensor, mesh: Mesh): tf.Scalar {
  const nV = mesh.numVertices;
  const edges = edgeTable(mesh.faceIndices);
  const deg = new Float32Array(nV);
  for (const e of edges.values()) {
    deg[e.a]! += 1;
    deg[e.b]! += 1;
  }
  // Dense L = I − D⁻¹A (as SoftRas): one matMul, whose gradient is fast on every backend.
  const L = new Float32Array(nV * nV);
  for (let i = 0; i < nV; i++) L[i * nV + i] = 1;
  for (const e of edges.values()) {
    L[e.a * nV + e.b] = -1 / (deg[e.a] as number);
    L[e.b * nV + e.a] = -1 / (deg[e.b] as number);
  }
  return tf.tidy(() => {
    const v3 = vertices.rank === 2 ? tf.expandDims(vertices, 0) : vertices;
    const b = v3.shape[0] as number;
    const vt = tf.reshape(tf.transpose(v3, [1, 0, 2]), [nV, b * 3]);
    const lap = tf.matMul(tf.tensor2d(L, [nV, nV]), vt);
    return tf.div(tf.sum(tf.square(lap)), b) as tf.Scalar;
  });
}

/**
 * Flatten regulariser of SoftRas/GenDR: for every interior edge, `(cos θ + 1)²` where θ is the angle
 * between the two adjacent faces measured through the edge (θ = π for a flat pair, so flat → 0); summed
 * over edges, averaged over the batch. Vertices must be finite and match the mesh's vertex count.
 *
 * @param vertices `[V, 3]` or `[B, V, 3]`
 * @param mesh the template giving the connectivity
 * @returns scalar loss
 * @example
 * const sphere = icosphere({ level: 3 });
 * const loss = flattenLoss(sphere.vertices, sphere);
 * loss.dataSync()[0] >= 0; // true
 */
export function flattenLoss(vertices: TensorInput, mesh: Mesh): tf.Scalar {
  const op = "flattenLoss";
  return tf.tidy(() => flatten(checkVertices(op, vertices, mesh), mesh));
}

function flatten(vertices: tf.Tensor, mesh: Mesh): tf.Scalar {
  const A: number[] = [],
    B: number[] = [],
    C: number[] = [],
    D: number[] = [];
  for (const e of edgeTable(mesh.faceIndices).values()) {
    if (e.opp.length !== 2) continue;
    A.push(e.a);
    B.push(e.b);
    C.push(e.opp[0] as number);
    D.push(e.opp[1] as number);
  }
  if (A.length === 0) return tf.scalar(0);
  return tf.tidy(() => {
    const v3 = vertices.rank === 2 ? tf.expandDims(vertices, 0) : vertices;
    const b = v3.shape[0] as number;
    const g = (idx: number[]) => gatherRows(v3, Int32Array.from(idx));
    const v0 = g(A),
      v1 = g(B),
      v2 = g(C),
      v3b = g(D);
    const e = tf.sub(v1, v0);
    const ee = tf.add(tf.sum(tf.square(e), -1, true), 1e-12);
    const perp = (p: tf.Tensor) => {
      const d = tf.sub(p, v0);
      return tf.sub(d, tf.mul(e, tf.div(tf.sum(tf.mul(d, e), -1, true), ee)));
    };
    const pa = perp(v2),
      pb = perp(v3b);
    const na = tf.sqrt(tf.add(tf.sum(tf.square(pa), -1), 1e-12));
    const nb = tf.sqrt(tf.add(tf.sum(tf.square(pb), -1), 1e-12));
    const cos = tf.div(tf.sum(tf.mul(pa, pb), -1), tf.mul(na, nb));
    return tf.div(tf.sum(tf.square(tf.add(cos, 1))), b) as tf.Scalar;
  });
}
