import "@tensorflow/tfjs-backend-cpu";
import * as tf from "@tensorflow/tfjs-core";
import { RelaxError } from "@relax/core";
import { countLeakedTensors, gradCheck, maxViolation } from "@relax/core/testing";
import { describe, expect, it } from "vitest";
import { eyeFromAngles, orthographic, perspective, projectVertices } from "../src/camera.js";
import { encodePNG, toImageData } from "../src/image.js";
import { iou, mseLoss, softIoULoss } from "../src/losses.js";
import { createMesh, faceVertices } from "../src/mesh.js";
import { parseOBJ, toOBJ } from "../src/obj.js";
import { cube, icosphere, icosphereGeometry, tetrahedron } from "../src/primitives.js";
import { flattenLoss, laplacianLoss } from "../src/regularizers.js";
import { render } from "../src/render.js";
import { lambert, rasterizeRgb } from "../src/shade.js";

describe("meshes", () => {
  it("procedural meshes have the documented sizes and outward faces", () => {
    for (const [m, v, f] of [
      [tetrahedron(), 4, 4],
      [cube(), 8, 12],
      [icosphere({ level: 0 }), 12, 20],
      [icosphere({ level: 3 }), 642, 1280],
    ] as const) {
      expect([m.numVertices, m.numFaces]).toEqual([v, f]);
      const fv = faceVertices(m.vertices, m.faces).arraySync() as number[][][];
      for (const [a, b, c] of fv) {
        const e1 = a!.map((x, k) => b![k]! - x),
          e2 = a!.map((x, k) => c![k]! - x);
        const n = [e1[1]! * e2[2]! - e1[2]! * e2[1]!, e1[2]! * e2[0]! - e1[0]! * e2[2]!, e1[0]! * e2[1]! - e1[1]! * e2[0]!];
        expect(
          n[0]! * (a![0]! + b![0]! + c![0]!) + n[1]! * (a![1]! + b![1]! + c![1]!) + n[2]! * (a![2]! + b![2]! + c![2]!),
        ).toBeGreaterThan(0);
      }
      m.dispose();
    }
  });
  it("icosphereGeometry: the icosphere's vertices as plain arrays, on the sphere of the given radius", () => {
    for (const level of [0, 2]) {
      const { vertices, faces } = icosphereGeometry(level, 2);
      expect([vertices.length, faces.length]).toEqual([10 * 4 ** level + 2, 20 * 4 ** level]);
      for (const v of vertices) expect(Math.hypot(...v)).toBeCloseTo(2, 12);
      const mesh = icosphere({ level, radius: 2 });
      expect(maxViolation(mesh.vertices.dataSync(), vertices.flat(), 1e-6, 1e-6)).toBe(0);
      mesh.dispose();
    }
    expect(() => icosphereGeometry(7)).toThrow(RelaxError);
    expect(() => icosphereGeometry(1, -1)).toThrow(RelaxError);
  });

  it("OBJ round trip keeps vertices, faces and colours; polygons are fan-triangulated", () => {
    const m = icosphere({ level: 1, color: [0.2, 0.4, 0.6] });
    const back = parseOBJ(toOBJ(m));
    expect(back.numFaces).toBe(80);
    expect(maxViolation(back.vertices.arraySync(), m.vertices.arraySync(), 1e-6, 1e-7)).toBe(0);
    expect(Array.from(back.faceIndices)).toEqual(Array.from(m.faceIndices));
    expect(back.colors).not.toBeNull();
    const quad = parseOBJ("v 0 0 0\nv 1 0 0\nv 1 1 0\nv 0 1 0\nf 1/1 2/2 3/3 4/4\n");
    expect(Array.from(quad.faceIndices)).toEqual([0, 1, 2, 0, 2, 3]);
    [m, back, quad].forEach((x) => x.dispose());
    expect(() => parseOBJ("v 0 0\n")).toThrow(RelaxError);
    expect(() => parseOBJ("v 0 0 0\nf 1 2 3\n")).toThrow(RelaxError);
  });
  it("createMesh rejects bad inputs", () => {
    expect(() => createMesh([[0, 0]], [[0, 0, 0]])).toThrow(RelaxError);
    expect(() => createMesh([[0, 0, 0]], [[0, 0, 1]])).toThrow(RelaxError);
    expect(() => createMesh([[0, 0, NaN]], [[0, 0, 0]])).toThrow(RelaxError);
    expect(() => createMesh([[0, 0, 0]], [[0, 0, 0]], [[1, 1]])).toThrow(RelaxError);
    expect(() => icosphere({ level: 9 })).toThrow(RelaxError);
  });
  it("laplacian and flatten regularisers: ≈0 on flat/smooth shapes, positive and differentiable on noisy ones", () => {
    const s = icosphere({ level: 2 });
    const noisy = tf.add(s.vertices, tf.mul(tf.randomUniform(s.vertices.shape, -1, 1, "float32", 3), 0.05));
    expect(laplacianLoss(noisy, s).dataSync()[0]).toBeGreaterThan(laplacianLoss(s.vertices, s).dataSync()[0]!);
    expect(flattenLoss(noisy, s).dataSync()[0]).toBeGreaterThan(flattenLoss(s.vertices, s).dataSync()[0]!);
    const plane = createMesh(
      [
        [0, 0, 0],
        [1, 0, 0],
        [1, 1, 0],
        [0, 1, 0],
      ],
      [
        [0, 1, 2],
        [0, 2, 3],
      ],
    );
    expect(flattenLoss(plane.vertices, plane).dataSync()[0]).toBeCloseTo(0, 6);
    const small = icosphere({ level: 0 });
    const v = tf.add(small.vertices, tf.mul(tf.randomUniform(small.vertices.shape, -1, 1, "float32", 5), 0.1));
    expect(gradCheck((x) => tf.add(laplacianLoss(x, small), flattenLoss(x, small)), [v], { eps: 1e-3, rtol: 3e-2, atol: 3e-3 }).ok).toBe(
      true,
    );
    expect(countLeakedTensors(() => [laplacianLoss(v, small), flattenLoss(v, small)])).toBe(0);
    expect(() => laplacianLoss(tf.zeros([3, 3]), small)).toThrow(RelaxError);
    [s, plane, small].forEach((x) => x.dispose());
  });
});

describe("cameras", () => {
  it("perspective/orthographic formulas, finite behind the camera, batched eyes", () => {
    tf.tidy(() => {
      expect(maxViolation(perspective(tf.tensor2d([[0.5, 0, 2]]), 45).arraySync(), [[0.25, 0, 2]], 1e-6, 1e-6)).toBe(0);
      expect(maxViolation(orthographic(tf.tensor2d([[0.5, 0, 2]]), 2).arraySync(), [[0.25, 0, 2]], 1e-6, 1e-6)).toBe(0);
      const behind = perspective(
        tf.tensor2d([
          [0.5, 0.1, -1],
          [0.5, 0.1, 0],
        ]),
        30,
      );
      expect(Array.from(behind.dataSync()).every(Number.isFinite)).toBe(true);
      const eyes = eyeFromAngles([2.732, 2.732], [30, 10], [45, 90]);
      const m = tetrahedron();
      expect(projectVertices(m.vertices, { eye: eyes }).shape).toEqual([2, 4, 3]);
      m.dispose();
    });
    expect(() => perspective(tf.zeros([1, 3]), 95)).toThrow(RelaxError);
    expect(() => projectVertices(tf.zeros([2, 3]), { eye: [0, 0] })).toThrow(RelaxError);
    expect(() => projectVertices(tf.zeros([2, 3]), { eye: [0, 0, -2], projection: "fisheye" as never })).toThrow(RelaxError);
  });
  it("projection is differentiable w.r.t. the camera (finite differences on azimuth/elevation)", () => {
    const m = tetrahedron();
    const W = tf.tensor2d([
      [1, -0.5, 0.2],
      [0.3, 0.7, -0.2],
      [-0.6, 0.1, 0.4],
      [0.2, 0.2, 0.9],
    ]);
    const r = gradCheck(
      (ang) => {
        const [e, a] = tf.unstack(ang) as [tf.Tensor, tf.Tensor];
        return tf.mul(projectVertices(m.vertices, { eye: eyeFromAngles(2.5, e, a), viewingAngle: 25 }), W);
      },
      [tf.tensor1d([20, 40])],
      { eps: 1e-2 },
    );
    expect(r.ok).toBe(true);
    m.dispose();
    W.dispose();
  });
});

describe("colour rendering, render(), losses, images", () => {
  const mesh = () => icosphere({ level: 1, color: [0.9, 0.4, 0.1] });
  const camera = { eye: eyeFromAngles(2.732, 30, 45) };
  it("render returns alpha and rgb; fused rgb matches the reference forward and colour gradient", () => {
    const m = mesh();
    tf.tidy(() => {
      const fv = faceVertices(projectVertices(m.vertices, camera), m.faces);
      const cols = lambert(faceVertices(m.vertices, m.faces), faceVertices(m.colors!, m.faces), {});
      const opts = { imageSize: 12, scale: 0.02, gamma: 1e-2, background: [0.1, 0.2, 0.3] as [number, number, number] };
      const W = tf.randomUniform([12, 12, 3], 0, 1, "float32", 2);
      const f = () => ({
        rgb: rasterizeRgb(fv, cols, opts),
        g: tf.grad((c: tf.Tensor) => tf.sum(tf.mul(rasterizeRgb(fv, c, opts), W)))(cols),
      });
      const a = f();
      const prev = tf.env().getBool("RELAX_FORCE_REFERENCE");
      tf.env().set("RELAX_FORCE_REFERENCE", true);
      const b = f();
      tf.env().set("RELAX_FORCE_REFERENCE", prev);
      expect(maxViolation(a.rgb.dataSync(), b.rgb.dataSync(), 1e-4, 1e-5)).toBe(0);
      expect(maxViolation(a.g.dataSync(), b.g.dataSync(), 1e-3, 1e-4)).toBe(0);
      // gradient w.r.t. vertices exists and is finite (GenDR convention: through the coverage)
      const gv = tf.grad((v: tf.Tensor) => tf.sum(tf.mul(rasterizeRgb(v, cols, opts), W)))(fv);
      expect(Array.from(gv.dataSync()).every(Number.isFinite)).toBe(true);
      expect(tf.max(tf.abs(gv)).dataSync()[0]).toBeGreaterThan(0);
      const { alpha, rgb } = render(m, camera, { imageSize: 16, light: {} });
      expect(alpha.shape).toEqual([16, 16]);
      expect(rgb!.shape).toEqual([16, 16, 3]);
    });
    // the mesh has colours, so render returns alpha and rgb: the result object is returned whole (both are disposed)
    expect(countLeakedTensors(() => render(m, camera, { imageSize: 8 }))).toBe(0);
    expect(countLeakedTensors(() => render(m, camera, { imageSize: 8, rgb: false }).alpha)).toBe(0);
    expect(
      countLeakedTensors(() => tf.grad((v: tf.Tensor) => tf.sum(render(m, camera, { imageSize: 8, vertices: v }).rgb!))(m.vertices)),
    ).toBe(0);
    expect(() => rasterizeRgb(tf.zeros([2, 3, 3]), tf.zeros([3, 3, 3]))).toThrow(RelaxError);
    expect(() => rasterizeRgb(tf.zeros([2, 3, 3]), tf.zeros([2, 3, 3]), { near: 5, far: 1 })).toThrow(RelaxError);
    m.dispose();
  });
  it("rgb gradients w.r.t. faces and colours in one tf.grads call equal the separate ones (lit render through vertices too)", () => {
    const m = mesh();
    tf.tidy(() => {
      const fv = faceVertices(projectVertices(m.vertices, camera), m.faces);
      const cols = faceVertices(m.colors!, m.faces);
      const opts = { imageSize: 10, scale: 0.02, gamma: 1e-2 };
      const W = tf.randomUniform([10, 10, 3], 0, 1, "float32", 3);
      const loss = (v: tf.Tensor, c: tf.Tensor) => tf.sum(tf.mul(rasterizeRgb(v, c, opts), W));
      const [gv, gc] = tf.grads(loss)([fv, cols]);
      const gvAlone = tf.grad((v: tf.Tensor) => loss(v, cols))(fv);
      const gcAlone = tf.grad((c: tf.Tensor) => loss(fv, c))(cols);
      expect(maxViolation(gv!.dataSync(), gvAlone.dataSync(), 1e-6, 1e-7)).toBe(0);
      expect(maxViolation(gc!.dataSync(), gcAlone.dataSync(), 1e-6, 1e-7)).toBe(0);
      expect(tf.max(tf.abs(gc!)).dataSync()[0]).toBeGreaterThan(0);
    });
    // with a light, the colours depend on the vertices as well: both gradients flow in one backward pass
    const litGrad = () => tf.grad((v: tf.Tensor) => tf.sum(render(m, camera, { imageSize: 8, light: {}, vertices: v }).rgb!))(m.vertices);
    const g = litGrad();
    expect(Array.from(g.dataSync()).every(Number.isFinite)).toBe(true);
    expect(tf.max(tf.abs(g)).dataSync()[0]).toBeGreaterThan(0);
    g.dispose();
    expect(countLeakedTensors(litGrad)).toBe(0);
    m.dispose();
  });

  it("losses and images", () => {
    tf.tidy(() => {
      const a = tf.tensor2d([
        [1, 0],
        [0.5, 0],
      ]);
      const b = tf.tensor2d([
        [1, 0],
        [1, 0],
      ]);
      expect(softIoULoss(a, b).dataSync()[0]).toBeCloseTo(1 - 1.5 / 2, 6);
      expect(mseLoss(a, b).dataSync()[0]).toBeCloseTo(0.0625, 6);
      expect(iou(a, b)).toBeCloseTo(0.5, 6);
      expect(softIoULoss(b, b).dataSync()[0]).toBeCloseTo(0, 6);
      const img = toImageData(tf.tensor3d([[[1, 0, 0]]]));
      expect(Array.from(img.data)).toEqual([255, 0, 0, 255]);
    });
    expect(() => softIoULoss(tf.zeros([2, 2]), tf.zeros([3, 3]))).toThrow(RelaxError);
    expect(() => toImageData(tf.zeros([2, 2, 5]))).toThrow(RelaxError);
  });
  it("encodes PNG", async () => {
    const bytes = await encodePNG(tf.ones([4, 4]));
    expect(Array.from(bytes.slice(1, 4))).toEqual([0x50, 0x4e, 0x47]);
  });
});
