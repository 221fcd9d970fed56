import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import { RelaxError } from "@relax/core";
import { countLeakedTensors, countLeakedTensorsAsync, countLeakedTensorsOnThrow } from "@relax/core/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type Mesh,
  createMesh,
  cube,
  dibrPreset,
  encodePNG,
  eyeFromAngles,
  faceVertices,
  flattenLoss,
  icosphere,
  iou,
  lambert,
  laplacianLoss,
  lookAt,
  mseLoss,
  orthographic,
  parseOBJ,
  perspective,
  projectVertices,
  rasterizeRgb,
  rasterizeSilhouette,
  render,
  silhouetteAttrs,
  softIoULoss,
  tetrahedron,
  toImageData,
} from "../src/index.js";
import { rasterizeRgbReference, rasterizeSilhouetteReference, silhouetteFragments } from "../src/reference.js";

/** A mesh's tensors, so that the leak checker disposes them (it does not look inside class instances). */
const parts = (m: Mesh) => [m.vertices, m.faces, ...(m.colors ? [m.colors] : [])];
/** Asserts that fn throws a RelaxError and leaves nothing behind. */
function throwsClean(fn: () => unknown): void {
  const { error, leaked } = countLeakedTensorsOnThrow(fn);
  expect(error).toBeInstanceOf(RelaxError);
  expect(leaked).toBe(0);
}

const V4 = [
  [0, 0, 0],
  [1, 0, 0],
  [0, 1, 0],
  [0, 0, 1],
];
const F4 = [
  [0, 2, 1],
  [0, 1, 3],
  [0, 3, 2],
  [1, 2, 3],
];
const eye = [0.3, 0.4, -3];

describe("every public op is leak-free called bare (tensor and array inputs, gradients, error paths)", () => {
  let mesh: Mesh;
  let colored: Mesh;
  let fv: tf.Tensor;
  let fvArr: number[][][];
  let cols: tf.Tensor;
  let eyeT: tf.Tensor;
  beforeAll(() => {
    mesh = tetrahedron();
    colored = tetrahedron({ color: [0.2, 0.5, 0.9] });
    fv = tf.tidy(() => faceVertices(projectVertices(mesh.vertices, { eye }), mesh.faces));
    fvArr = fv.arraySync() as number[][][];
    cols = faceVertices(colored.colors!, colored.faces);
    eyeT = tf.tensor1d(eye);
  });
  afterAll(() => {
    for (const t of [fv, cols, eyeT]) t.dispose();
    mesh.dispose();
    colored.dispose();
  });

  it("createMesh, primitives, parseOBJ: the mesh's tensors only; nothing on error", () => {
    const v = tf.tensor2d(V4);
    const f = tf.tensor2d(F4, undefined, "int32");
    const vi = tf.tensor2d(V4, undefined, "int32");
    expect(countLeakedTensors(() => parts(createMesh(V4, F4)))).toBe(0);
    expect(countLeakedTensors(() => parts(createMesh(v, f, v)))).toBe(0);
    expect(countLeakedTensors(() => parts(createMesh(vi, Int32Array.from(F4.flat()))))).toBe(0);
    expect(countLeakedTensors(() => parts(cube({ color: [1, 0, 0] })))).toBe(0);
    expect(countLeakedTensors(() => parts(icosphere({ level: 1 })))).toBe(0);
    expect(countLeakedTensors(() => parts(parseOBJ("v 0 0 0 1 0 0\nv 1 0 0 0 1 0\nv 0 1 0 0 0 1\nf 1 2 3\n")))).toBe(0);
    throwsClean(() => createMesh([[NaN, 0, 0]], [[0, 0, 0]]));
    throwsClean(() => createMesh(V4, [[0, 1, 9]]));
    throwsClean(() => createMesh(V4, [[0, 1, 1.5]]));
    throwsClean(() => createMesh(V4, f, [[1, 1, 1]]));
    throwsClean(() => createMesh(v, f, [[2, 0, 0], ...V4.slice(1)]));
    throwsClean(() => createMesh(vi, [[0, 1]]));
    throwsClean(() => parseOBJ("v 0 0 0\nv 1 0 0\nv 0 1 0\nf 1 2 4\n"));
    throwsClean(() => cube({ radius: 1e300 }));
    for (const t of [v, f, vi]) t.dispose();
  });

  it("eyeFromAngles, lookAt, perspective, orthographic, projectVertices (forward, grad, errors)", () => {
    const d = tf.scalar(2.5);
    const angles = tf.tensor1d([30, 45]);
    expect(countLeakedTensors(() => eyeFromAngles(2.732, 30, 45))).toBe(0);
    expect(countLeakedTensors(() => eyeFromAngles([2, 3], [10, 20], [0, 90]))).toBe(0);
    const e30 = tf.scalar(30, "int32");
    expect(countLeakedTensors(() => eyeFromAngles(d, e30, 45))).toBe(0);
    expect(countLeakedTensors(() => tf.grad((x: tf.Tensor) => tf.sum(eyeFromAngles(x, 30, 45)))(d))).toBe(0);
    expect(countLeakedTensors(() => tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(eyeFromAngles(d, a, b)))([angles, angles]))).toBe(0);
    throwsClean(() => eyeFromAngles(0, 30, 45));
    throwsClean(() => eyeFromAngles([1, 2], [1, 2, 3], 0));
    expect(countLeakedTensors(() => lookAt(V4, eye))).toBe(0);
    expect(countLeakedTensors(() => lookAt(mesh.vertices, eyeT, [0, 0.1, 0]))).toBe(0);
    expect(countLeakedTensors(() => tf.grad((e: tf.Tensor) => tf.sum(lookAt(mesh.vertices, e)))(eyeT))).toBe(0);
    throwsClean(() => lookAt(mesh.vertices, [0, 0, 0]));
    throwsClean(() => lookAt(mesh.vertices, [0, 3, 0]));
    throwsClean(() =>
      lookAt(
        mesh.vertices,
        [eye, eye, eye],
        [
          [0, 0, 0],
          [1, 1, 1],
        ],
      ),
    );
    expect(countLeakedTensors(() => perspective([[0.5, 0, 2]], 45))).toBe(0);
    expect(countLeakedTensors(() => orthographic(fv, 2))).toBe(0);
    throwsClean(() => perspective([[NaN, 0, 2]], 45));
    throwsClean(() => orthographic([[1, 2]], 1));
    expect(countLeakedTensors(() => projectVertices(V4, { eye: eyeT, projection: "orthographic" }))).toBe(0);
    expect(countLeakedTensors(() => tf.grad((v: tf.Tensor) => tf.sum(projectVertices(v, { eye })))(mesh.vertices))).toBe(0);
    throwsClean(() => projectVertices(mesh.vertices, { eye: [1, 1, 1], at: [1, 1, 1] }));
    d.dispose();
    e30.dispose();
    angles.dispose();
  });

  it("faceVertices, rasterizeSilhouette (+ reference, fragments), fused and reference paths", () => {
    expect(countLeakedTensors(() => faceVertices(V4, F4))).toBe(0);
    expect(countLeakedTensors(() => faceVertices(mesh.vertices, mesh.faceIndices))).toBe(0);
    throwsClean(() => faceVertices(mesh.vertices, [[0, 1, 7]]));
    const f4 = tf.expandDims(fv, 0);
    const fvInt = tf.cast(fv, "int32");
    for (const ref of [false, true]) {
      const prev = tf.env().getBool("RELAX_FORCE_REFERENCE");
      tf.env().set("RELAX_FORCE_REFERENCE", ref);
      expect(countLeakedTensors(() => rasterizeSilhouette(fv, { imageSize: 8 }))).toBe(0);
      expect(countLeakedTensors(() => rasterizeSilhouette(fvArr, { imageSize: 8 }))).toBe(0);
      expect(countLeakedTensors(() => rasterizeSilhouette(fvInt, { imageSize: 8 }))).toBe(0);
      expect(countLeakedTensors(() => tf.grad((f: tf.Tensor) => tf.sum(rasterizeSilhouette(f, { imageSize: 8 })))(fv))).toBe(0);
      throwsClean(() => rasterizeSilhouette(fvArr, { imageSize: 8, sclae: 1 } as never));
      throwsClean(() =>
        rasterizeSilhouette(
          [
            [
              [NaN, 0, 0],
              [1, 0, 0],
              [0, 1, 0],
            ],
          ],
          { imageSize: 8 },
        ),
      );
      tf.env().set("RELAX_FORCE_REFERENCE", prev);
    }
    expect(countLeakedTensors(() => rasterizeSilhouetteReference(f4, { imageSize: 8, tconorm: "max" }))).toBe(0);
    expect(countLeakedTensors(() => silhouetteFragments(f4, silhouetteAttrs("t", { imageSize: 4 })))).toBe(0);
    throwsClean(() => rasterizeSilhouetteReference(fv, { imageSize: 8 }));
    f4.dispose();
    fvInt.dispose();
  });

  it("rasterizeRgb (+ reference), lambert", () => {
    const f4 = tf.expandDims(fv, 0);
    const c4 = tf.expandDims(cols, 0);
    expect(countLeakedTensors(() => rasterizeRgb(fv, cols, { imageSize: 8 }))).toBe(0);
    expect(countLeakedTensors(() => rasterizeRgb(fvArr, cols.arraySync() as number[][][], { imageSize: 8 }))).toBe(0);
    expect(
      countLeakedTensors(() => tf.grads((f: tf.Tensor, c: tf.Tensor) => tf.sum(rasterizeRgb(f, c, { imageSize: 8 })))([fv, cols])),
    ).toBe(0);
    expect(countLeakedTensors(() => rasterizeRgbReference(f4, c4, { imageSize: 6 }))).toBe(0);
    throwsClean(() => rasterizeRgb(fvArr, cols, { imageSize: 8, near: 5, far: 5 }));
    throwsClean(() => rasterizeRgb(fvArr, [[[1, 1, 1]]], { imageSize: 8 }));
    const world = faceVertices(mesh.vertices, mesh.faces);
    expect(countLeakedTensors(() => lambert(world, cols, {}))).toBe(0);
    expect(countLeakedTensors(() => lambert(world.arraySync() as number[][][], cols.arraySync() as number[][][]))).toBe(0);
    expect(countLeakedTensors(() => tf.grad((w: tf.Tensor) => tf.sum(lambert(w, cols)))(world))).toBe(0);
    throwsClean(() => lambert(world, [[[NaN, 0, 0]]]));
    for (const t of [f4, c4, world]) t.dispose();
  });

  it("render: alpha + rgb, plain-array vertices, gradients w.r.t. vertices and eye, errors", () => {
    expect(countLeakedTensors(() => render(colored, { eye }, { imageSize: 8, light: {} }))).toBe(0);
    expect(countLeakedTensors(() => render(mesh, { eye: eyeT }, { imageSize: 8, vertices: V4 }))).toBe(0);
    expect(countLeakedTensors(() => tf.grad((e: tf.Tensor) => tf.sum(render(mesh, { eye: e }, { imageSize: 8 }).alpha))(eyeT))).toBe(0);
    expect(
      countLeakedTensors(() =>
        tf.grad((v: tf.Tensor) => tf.sum(render(colored, { eye }, { imageSize: 8, vertices: v, light: {} }).rgb!))(colored.vertices),
      ),
    ).toBe(0);
    throwsClean(() => render(mesh, { eye: [0, 0, 0] }, { imageSize: 16 }));
    throwsClean(() => render(mesh, { eye }, { imageSize: 8, vertices: [[0, 0, 0]] }));
    throwsClean(() => render(mesh, { eye }, { imageSize: 8, vertices: V4.map(() => [NaN, 0, 0]) }));
  });

  it("regularizers, losses, images", async () => {
    const a = tf.tensor2d([
      [1, 0],
      [0.5, 0],
    ]);
    const b = tf.tensor2d([
      [1, 0],
      [1, 0],
    ]);
    expect(countLeakedTensors(() => [laplacianLoss(mesh.vertices, mesh), flattenLoss(V4, mesh)])).toBe(0);
    expect(countLeakedTensors(() => tf.grad((v: tf.Tensor) => tf.add(laplacianLoss(v, mesh), flattenLoss(v, mesh)))(mesh.vertices))).toBe(
      0,
    );
    throwsClean(() => laplacianLoss([[0, 0, 0]], mesh));
    throwsClean(() =>
      flattenLoss(
        V4.map(() => [Infinity, 0, 0]),
        mesh,
      ),
    );
    expect(countLeakedTensors(() => [softIoULoss(a, b), mseLoss([[1, 0]], [[0, 0]])])).toBe(0);
    expect(countLeakedTensors(() => iou([[1, 0]], [[1, 1]]))).toBe(0);
    expect(countLeakedTensors(() => iou(a, b))).toBe(0);
    expect(countLeakedTensors(() => tf.grad((p: tf.Tensor) => softIoULoss(p, b))(a))).toBe(0);
    throwsClean(() => softIoULoss([[1, 0]], [[1, 0, 0]]));
    throwsClean(() => mseLoss([[NaN]], [[0]]));
    throwsClean(() => iou([[1]], [[1]], 2));
    expect(countLeakedTensors(() => toImageData([[0, 1]]))).toBe(0);
    expect(await countLeakedTensorsAsync(() => encodePNG([[0, 1]]))).toBe(0);
    throwsClean(() => toImageData([[NaN]]));
    const z5 = tf.zeros([2, 2, 5]);
    throwsClean(() => toImageData(z5));
    z5.dispose();
    a.dispose();
    b.dispose();
    expect(Object.keys(dibrPreset())).toContain("distribution");
  });
});
