import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import { assertRelaxErrorOrFinite } from "@relax/core/testing";
import fc from "fast-check";
import { afterAll, describe, it } from "vitest";
import {
  type Mesh,
  createMesh,
  cube,
  dibrPreset,
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
  pytorch3dPreset,
  rasterizeRgb,
  rasterizeSilhouette,
  render,
  softIoULoss,
  softRasPreset,
  tetrahedron,
  toImageData,
} from "../src/index.js";
import { RGB_KEYS } from "../src/shade.js";
import { SILHOUETTE_KEYS } from "../src/silhouette.js";

const RUNS = { numRuns: Number(process.env.FUZZ_RUNS ?? 60), seed: Number(process.env.FUZZ_SEED ?? 14) };

/** Numbers a user might pass by mistake or at the edge: NaN, ±Inf, huge, tiny, zero, negative, non-integers. */
const edgeNumber = fc.oneof(
  fc.constantFrom(
    0,
    -0,
    1,
    -1,
    0.5,
    2.5,
    1e-300,
    1e-12,
    1e12,
    1e300,
    -1e300,
    Number.NaN,
    Number.POSITIVE_INFINITY,
    Number.NEGATIVE_INFINITY,
  ),
  fc.double({ min: -10, max: 10, noNaN: true }),
  fc.integer({ min: -5, max: 70 }),
);
/** Any value an option could be given. */
const anyValue = fc.oneof(
  { weight: 4, arbitrary: edgeNumber },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      null,
      true,
      false,
      "",
      "max",
      "logistic",
      "yager",
      "gendr",
      "orthographic",
      [],
      [1, 2, 3],
      [0.5, 0.5, 0.5],
      {},
    ),
  },
);
/** A key: a valid one, a misspelling of one (case, dropped or doubled letter) or garbage. */
function keyOf(valid: readonly string[]): fc.Arbitrary<string> {
  const k = fc.constantFrom(...valid);
  return fc.oneof(
    { weight: 6, arbitrary: k },
    { weight: 1, arbitrary: k.map((s) => s.toLowerCase()) },
    { weight: 1, arbitrary: fc.tuple(k, fc.nat()).map(([s, i]) => s.slice(0, i % s.length) + s.slice((i % s.length) + 1)) },
    { weight: 1, arbitrary: fc.tuple(k, fc.nat()).map(([s, i]) => s.slice(0, i % s.length) + s[i % s.length] + s.slice(i % s.length)) },
  );
}
/** An options object over `valid` keys, or a non-object. */
function optionsOf(valid: readonly string[], base: Record<string, unknown> = {}): fc.Arbitrary<unknown> {
  return fc.oneof(
    { weight: 8, arbitrary: fc.dictionary(keyOf(valid), anyValue, { maxKeys: 3 }).map((o) => ({ ...base, ...o })) },
    { weight: 1, arbitrary: fc.constantFrom(null, 3, "x", [base]) },
  );
}
/** A nested array of the given shape filled with mostly-finite numbers (sometimes NaN/Inf). */
function arrayOf(shape: number[], value: fc.Arbitrary<number>): fc.Arbitrary<unknown> {
  if (shape.length === 0) return value;
  return fc.array(arrayOf(shape.slice(1), value), { minLength: shape[0] as number, maxLength: shape[0] as number });
}
const coord = fc.oneof({ weight: 12, arbitrary: fc.double({ min: -1.5, max: 1.5, noNaN: true }) }, { weight: 1, arbitrary: edgeNumber });
/** A tensor-like input of a random small shape (zeros allowed), sometimes of the expected one. */
function tensorLike(expected: number[]): fc.Arbitrary<unknown> {
  const shape = fc.oneof(
    { weight: 3, arbitrary: fc.constant(expected) },
    { weight: 1, arbitrary: fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 0, maxLength: 4 }) },
  );
  return shape.chain((s) => arrayOf(s, coord));
}
/** Runs the contract on `input` as a plain array and as a float32 tensor built outside the measured call. */
function both(input: unknown, fn: (x: unknown) => unknown, label: string): void {
  assertRelaxErrorOrFinite(() => fn(input), `${label} (array)`);
  let t: tf.Tensor | null = null;
  try {
    t = tf.tensor(input as number[]);
  } catch {
    return; // not representable as a tensor: the array case covered it
  }
  try {
    assertRelaxErrorOrFinite(() => fn(t), `${label} (tensor)`);
  } finally {
    t.dispose();
  }
}
const parts = (m: Mesh) => [m.vertices, m.faces, ...(m.colors ? [m.colors] : [])];

const CAM_KEYS = ["eye", "at", "up", "projection", "viewingAngle", "orthoScale"];

describe("fuzz: every public op gives a RelaxError or finite output, and leaves no tensor", () => {
  const mesh = tetrahedron();
  const colored = cube({ radius: 0.4, color: [0.3, 0.6, 0.9] });
  afterAll(() => {
    mesh.dispose();
    colored.dispose();
  });

  it("rasterizeSilhouette(faces, options)", () => {
    fc.assert(
      fc.property(tensorLike([2, 3, 3]), optionsOf(SILHOUETTE_KEYS, { imageSize: 6 }), (faces, options) => {
        both(faces, (f) => rasterizeSilhouette(f as never, options as never), "rasterizeSilhouette");
      }),
      RUNS,
    );
  });
  it("gradients of rasterizeSilhouette and rasterizeRgb w.r.t. the faces are finite (or the options are a RelaxError)", () => {
    fc.assert(
      fc.property(
        arrayOf([2, 3, 3], fc.double({ min: -1.5, max: 1.5, noNaN: true })),
        optionsOf(RGB_KEYS, { imageSize: 5 }),
        (faces, options) => {
          const f = tf.tensor3d(faces as number[][][]);
          const c = tf.onesLike(f);
          try {
            const sil = { ...(options as object) } as Record<string, unknown>;
            for (const k of ["gamma", "eps", "near", "far", "doubleSide", "background"]) delete sil[k];
            if (options === null || typeof options !== "object" || Array.isArray(options)) return;
            assertRelaxErrorOrFinite(() => tf.grad((x: tf.Tensor) => tf.sum(rasterizeSilhouette(x, sil as never)))(f), "grad silhouette");
            assertRelaxErrorOrFinite(
              () => tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(rasterizeRgb(x, y, options as never)))([f, c]),
              "grad rgb",
            );
          } finally {
            f.dispose();
            c.dispose();
          }
        },
      ),
      RUNS,
    );
  });
  it("rasterizeRgb(faces, colors, options)", () => {
    fc.assert(
      fc.property(tensorLike([2, 3, 3]), tensorLike([2, 3, 3]), optionsOf(RGB_KEYS, { imageSize: 5 }), (faces, colors, options) => {
        both(faces, (f) => rasterizeRgb(f as never, colors as never, options as never), "rasterizeRgb");
      }),
      RUNS,
    );
  });
  it("render(mesh, camera, options), incl. degenerate cameras and vertex overrides", () => {
    const vec = fc.oneof(arrayOf([3], coord), fc.constantFrom([0, 0, 0], [0, 3, 0], [0, 0, -3], [0, 1, 0]));
    const camera = fc.oneof(
      { weight: 6, arbitrary: fc.record({ eye: vec }).chain((c) => optionsOf(CAM_KEYS, c)) },
      { weight: 1, arbitrary: fc.constantFrom(null, {}, [0, 0, -3]) },
    );
    const options = optionsOf([...RGB_KEYS, "vertices", "light", "rgb"], { imageSize: 5 });
    fc.assert(
      fc.property(fc.boolean(), camera, options, fc.option(tensorLike([8, 3])), (useColor, cam, opts, vertices) => {
        const o = vertices === null || opts === null || typeof opts !== "object" ? opts : { ...opts, vertices };
        assertRelaxErrorOrFinite(() => render(useColor ? colored : mesh, cam as never, o as never), "render");
      }),
      RUNS,
    );
  });
  it("projectVertices, lookAt, perspective, orthographic", () => {
    fc.assert(
      fc.property(tensorLike([4, 3]), tensorLike([3]), tensorLike([3]), edgeNumber, (vertices, eye, up, angle) => {
        both(vertices, (v) => projectVertices(v as never, { eye: eye as never, up: up as never, viewingAngle: angle }), "projectVertices");
        both(vertices, (v) => lookAt(v as never, eye as never, [0, 0, 0], up as never), "lookAt");
        both(vertices, (v) => perspective(v as never, angle), "perspective");
        both(vertices, (v) => orthographic(v as never, angle), "orthographic");
      }),
      RUNS,
    );
  });
  it("eyeFromAngles(distance, elevation, azimuth, options)", () => {
    const angle = fc.oneof(edgeNumber, fc.array(edgeNumber, { maxLength: 3 }));
    fc.assert(
      fc.property(angle, angle, angle, optionsOf(["degrees"]), (d, e, a, o) => {
        assertRelaxErrorOrFinite(() => eyeFromAngles(d as never, e as never, a as never, o as never), "eyeFromAngles");
      }),
      RUNS,
    );
  });
  it("createMesh, faceVertices, laplacianLoss, flattenLoss", () => {
    const index = fc.oneof(fc.integer({ min: -1, max: 5 }), edgeNumber);
    fc.assert(
      fc.property(tensorLike([4, 3]), arrayOf([2, 3], index), fc.option(tensorLike([4, 3])), (vertices, faces, colors) => {
        both(vertices, (v) => parts(createMesh(v as never, faces as never, colors as never)), "createMesh");
        both(vertices, (v) => faceVertices(v as never, faces as never), "faceVertices");
        both(vertices, (v) => [laplacianLoss(v as never, mesh), flattenLoss(v as never, mesh)], "regularizers");
      }),
      RUNS,
    );
  });
  it("parseOBJ(text) from OBJ-like tokens", () => {
    const token = fc.oneof(
      fc.constantFrom("v", "f", "vt", "vn", "o", "#", "1", "2", "3", "-1", "0", "1.5", "1/1", "2//3", "NaN", "1e400", "x", "0.5", "-0.25"),
      edgeNumber.map(String),
    );
    const line = fc.array(token, { minLength: 0, maxLength: 5 }).map((t) => t.join(" "));
    const text = fc.array(line, { maxLength: 8 }).map((lines) => `v 0 0 0\nv 1 0 0\nv 0 1 0\n${lines.join("\n")}`);
    fc.assert(
      fc.property(text, (t) => {
        assertRelaxErrorOrFinite(() => parts(parseOBJ(t)), "parseOBJ");
      }),
      RUNS,
    );
  });
  it("softIoULoss, mseLoss, iou, toImageData", () => {
    const value = fc.oneof({ weight: 10, arbitrary: fc.double({ min: 0, max: 1, noNaN: true }) }, { weight: 1, arbitrary: edgeNumber });
    const image = fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 4 }).chain((s) => arrayOf(s, value));
    fc.assert(
      fc.property(image, image, edgeNumber, (p, t, threshold) => {
        both(p, (x) => softIoULoss(x as never, t as never), "softIoULoss");
        both(p, (x) => mseLoss(x as never, t as never), "mseLoss");
        both(p, (x) => iou(x as never, t as never, threshold), "iou");
        both(p, (x) => toImageData(x as never).data, "toImageData");
      }),
      RUNS,
    );
  });
  it("lambert(worldFaces, colors, light)", () => {
    fc.assert(
      fc.property(tensorLike([2, 3, 3]), tensorLike([2, 3, 3]), optionsOf(["ambient", "directional", "direction"]), (w, c, light) => {
        both(w, (x) => lambert(x as never, c as never, light as never), "lambert");
      }),
      RUNS,
    );
  });
  it("regressions found by this suite", () => {
    const zeros = [
      [0, 0, 0],
      [0, 0, 0],
    ];
    assertRelaxErrorOrFinite(() => orthographic(zeros, 5e-324), "orthographic: a subnormal scale was 0/0 in float32");
    assertRelaxErrorOrFinite(() => eyeFromAngles(1, 0, []), "eyeFromAngles: scalars mixed with an empty [B]");
    assertRelaxErrorOrFinite(() => eyeFromAngles([2, 3], 10, 0), "eyeFromAngles: scalars mixed with [B]");
    const face = [
      [
        [0, 0, 0],
        [1, 0, 0],
        [0, 1, 0],
      ],
    ];
    assertRelaxErrorOrFinite(() => lambert(face, face, { ambient: 1e300 }), "lambert: an intensity that overflows float32");
    assertRelaxErrorOrFinite(
      () => Object.values(pytorch3dPreset({ blurRadius: 1e12, sigma: 1e-300 })),
      "pytorch3dPreset: blur/sigma = Inf",
    );
  });
  it("primitives and presets with random options", () => {
    fc.assert(
      fc.property(optionsOf(["radius", "color", "level"]), optionsOf(["sigma", "distEps", "delta", "blurRadius"]), (p, q) => {
        assertRelaxErrorOrFinite(() => parts(tetrahedron(p as never)), "tetrahedron");
        assertRelaxErrorOrFinite(() => parts(cube(p as never)), "cube");
        assertRelaxErrorOrFinite(() => parts(icosphere({ ...(p as object), level: 0 } as never)), "icosphere");
        assertRelaxErrorOrFinite(() => Object.values(softRasPreset(q as never)).filter((v) => typeof v === "number"), "softRasPreset");
        assertRelaxErrorOrFinite(() => Object.values(dibrPreset(q as never)).filter((v) => typeof v === "number"), "dibrPreset");
        assertRelaxErrorOrFinite(() => Object.values(pytorch3dPreset(q as never)).filter((v) => typeof v === "number"), "pytorch3dPreset");
      }),
      RUNS,
    );
  });
});
