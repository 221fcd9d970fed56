import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import { RelaxError } from "@relax/core";
import { afterAll, describe, expect, it } from "vitest";
import {
  type Camera,
  createMesh,
  cube,
  dibrPreset,
  eyeFromAngles,
  icosphere,
  iou,
  lambert,
  loadOBJ,
  parseOBJ,
  pixelCenters,
  projectVertices,
  pytorch3dPreset,
  rasterizeRgb,
  rasterizeSilhouette,
  render,
  savePNG,
  softIoULoss,
  softRasPreset,
  tetrahedron,
  toImageData,
} from "../src/index.js";

/** The RelaxError fn throws (fails the test if it throws anything else or nothing). */
function relaxError(fn: () => unknown): RelaxError {
  try {
    fn();
  } catch (e) {
    if (e instanceof RelaxError) return e;
    throw new Error(`expected a RelaxError, got ${(e as Error)?.name}: ${(e as Error)?.message}`);
  }
  throw new Error("expected a RelaxError, but the call returned");
}

const mesh = tetrahedron();
const colored = tetrahedron({ color: [0.5, 0.5, 0.5] });
const faces = [
  [
    [-0.5, -0.5, 2],
    [0.5, -0.5, 2],
    [0, 0.5, 2],
  ],
];
afterAll(() => {
  mesh.dispose();
  colored.dispose();
});

describe("misspelled option keys: RelaxError with the nearest valid name", () => {
  const cases: [string, () => unknown, string, string][] = [
    ["rasterizeSilhouette", () => rasterizeSilhouette(faces, { imageSize: 8, steepness: 1 } as never), "steepness", ""],
    ["rasterizeSilhouette", () => rasterizeSilhouette(faces, { imagesize: 8 } as never), "imagesize", "imageSize"],
    ["rasterizeSilhouette", () => rasterizeSilhouette(faces, { imageSize: 8, gamma: 1 } as never), "gamma", ""],
    ["rasterizeRgb", () => rasterizeRgb(faces, faces, { imageSize: 8, gama: 1 } as never), "gama", "gamma"],
    ["render", () => render(mesh, { eye: [0, 0, -3] }, { imageSize: 8, tconrom: "max" } as never), "tconrom", "tconorm"],
    ["render", () => render(mesh, { eye: [0, 0, -3], viewAngle: 20 } as never, { imageSize: 8 }), "viewAngle", "viewingAngle"],
    ["eyeFromAngles", () => eyeFromAngles(2, 30, 45, { degree: false } as never), "degree", "degrees"],
    ["tetrahedron", () => tetrahedron({ radus: 1 } as never), "radus", "radius"],
    ["cube", () => cube({ colour: [1, 0, 0] } as never), "colour", "color"],
    ["icosphere", () => icosphere({ levle: 1 } as never), "levle", "level"],
    ["softRasPreset", () => softRasPreset({ sigam: 1 } as never), "sigam", "sigma"],
    ["dibrPreset", () => dibrPreset({ detla: 1 } as never), "detla", "delta"],
    ["pytorch3dPreset", () => pytorch3dPreset({ blurRadious: 1 } as never), "blurRadious", "blurRadius"],
    [
      "lambert",
      () =>
        lambert(
          [
            [
              [0, 0, 0],
              [1, 0, 0],
              [0, 1, 0],
            ],
          ],
          [
            [
              [1, 1, 1],
              [1, 1, 1],
              [1, 1, 1],
            ],
          ],
          { ambiant: 1 } as never,
        ),
      "ambiant",
      "ambient",
    ],
  ];
  for (const [op, fn, key, near] of cases) {
    it(`${op}: ${key}`, () => {
      const e = relaxError(fn);
      expect(e.op).toBe(op);
      expect(e.argument).toMatch(key);
      if (near) expect(e.message).toContain(`did you mean "${near}"?`);
    });
  }
  it("options that are not an object", () => {
    for (const bad of [null, 5, "x", [1]]) {
      expect(relaxError(() => rasterizeSilhouette(faces, bad as never)).argument).toBe("options");
      expect(relaxError(() => render(mesh, { eye: [0, 0, -3] }, bad as never)).argument).toBe("options");
      expect(relaxError(() => tetrahedron(bad as never)).argument).toBe("options");
    }
    expect(relaxError(() => render(mesh, null as never)).argument).toBe("camera");
  });
  it("null is not a default: a null option value is rejected", () => {
    expect(relaxError(() => tetrahedron({ radius: null } as never)).argument).toBe("radius");
    expect(relaxError(() => rasterizeSilhouette(faces, { imageSize: null } as never)).argument).toBe("imageSize");
    expect(relaxError(() => projectVertices(mesh.vertices, { eye: [0, 0, -3], up: null } as never)).argument).toBe("camera.up");
  });
});

describe("degenerate cameras are RelaxErrors naming the field", () => {
  const eye = [0, 0, -3];
  const cases: [string, Camera, Record<string, unknown>, string][] = [
    ["eye = at (the issue's example)", { eye: [0, 0, 0] }, {}, "camera.eye"],
    ["eye = at elsewhere", { eye: [1, 2, 3], at: [1, 2, 3] }, {}, "camera.eye"],
    ["up parallel to the view direction", { eye: [0, 3, 0] }, {}, "camera.up"],
    ["up anti-parallel", { eye: [0, 0, -3], up: [0, 0, -2] }, {}, "camera.up"],
    ["up zero", { eye, up: [0, 0, 0] }, {}, "camera.up"],
    ["eye NaN", { eye: [Number.NaN, 0, -3] }, {}, "camera.eye"],
    ["at Inf", { eye, at: [0, Number.POSITIVE_INFINITY, 0] }, {}, "camera.at"],
    ["viewing angle 0", { eye, viewingAngle: 0 }, {}, "camera.viewingAngle"],
    ["viewing angle negative", { eye, viewingAngle: -10 }, {}, "camera.viewingAngle"],
    ["viewing angle NaN", { eye, viewingAngle: Number.NaN }, {}, "camera.viewingAngle"],
    ["viewing angle 90", { eye, viewingAngle: 90 }, {}, "camera.viewingAngle"],
    ["ortho scale 0", { eye, projection: "orthographic", orthoScale: 0 }, {}, "camera.orthoScale"],
    ["projection unknown", { eye, projection: "fisheye" as never }, {}, "camera.projection"],
    ["missing eye", {} as Camera, {}, "camera.eye"],
    ["near ≥ far", { eye }, { near: 10, far: 1, rgb: true }, "near/far"],
    ["near = 0", { eye }, { near: 0, rgb: true }, "near"],
  ];
  for (const [name, camera, extra, arg] of cases) {
    it(name, () => {
      const e = relaxError(() => render(colored, camera, { imageSize: 16, ...extra }));
      expect(e.op).toBe("render");
      expect(e.argument).toBe(arg);
    });
  }
  it("batched eyes: one degenerate row is found; tensors (e.g. variables) are checked too", () => {
    expect(relaxError(() => render(mesh, { eye: [eye, [0, 0, 0]] }, { imageSize: 8 })).got).toContain("row 1");
    const e = tf.variable(tf.tensor1d([0, 0, 0]));
    expect(relaxError(() => render(mesh, { eye: e }, { imageSize: 8 })).argument).toBe("camera.eye");
    e.dispose();
  });
  it("eyeFromAngles at elevation 90° then render with the default up is degenerate", () => {
    const top = eyeFromAngles(3, 90, 0);
    expect(relaxError(() => render(mesh, { eye: top }, { imageSize: 8 })).argument).toBe("camera.up");
    // …and fine with an up hint that is not vertical
    const r = render(mesh, { eye: top, up: [0, 0, 1] }, { imageSize: 8 });
    expect(tf.sum(r.alpha).dataSync()[0]).toBeGreaterThan(0);
    r.alpha.dispose();
    top.dispose();
  });
  it("render's vertices option: arrays accepted; wrong count, NaN, null rejected", () => {
    const V = [
      [0, 0, 0],
      [1, 0, 0],
      [0, 1, 0],
      [0, 0, 1],
    ];
    const r = render(mesh, { eye }, { imageSize: 8, vertices: V });
    expect(r.alpha.shape).toEqual([8, 8]);
    r.alpha.dispose();
    expect(relaxError(() => render(mesh, { eye }, { imageSize: 8, vertices: [...V, [1, 1, 1]] })).argument).toBe("vertices");
    expect(relaxError(() => render(mesh, { eye }, { imageSize: 8, vertices: V.map(() => [0, Number.NaN, 0]) })).argument).toBe("vertices");
    expect(relaxError(() => render(mesh, { eye }, { imageSize: 8, vertices: null as never })).argument).toBe("vertices");
  });
  it("a disposed mesh, a non-mesh, rgb without colours", () => {
    const m = tetrahedron();
    m.dispose();
    expect(relaxError(() => render(m, { eye }, { imageSize: 8 })).argument).toBe("mesh");
    expect(relaxError(() => render({ faces: 1 } as never, { eye }, { imageSize: 8 })).argument).toBe("mesh");
    expect(relaxError(() => render(mesh, { eye }, { imageSize: 8, rgb: true })).argument).toBe("mesh.colors");
    expect(relaxError(() => render(colored, { eye }, { imageSize: 8, rgb: "yes" as never })).argument).toBe("rgb");
  });
});

describe("malformed OBJ: RelaxError with the line number and the line", () => {
  const head = "v 0 0 0\nv 1 0 0\nv 0 1 0\n";
  const cases: [string, string, number][] = [
    ["non-integer index (the issue's example)", "f 1.5 2 3", 1],
    ["index past the vertices", `${head}f 1 2 4`, 4],
    ["zero index", `${head}# comment\nf 0 1 2`, 5],
    ["negative index before the start", `${head}f -4 1 2`, 4],
    ["exponent syntax", `${head}f 1e0 2 3`, 4],
    ["garbage texture index", `${head}f 1/x 2 3`, 4],
    ["two vertices", `${head}f 1 2`, 4],
    ["missing coordinate", "v 0 0\nv 1 0 0\nv 0 1 0\nf 1 2 3", 1],
    ["NaN coordinate", "v 0 NaN 0\nv 1 0 0\nv 0 1 0\nf 1 2 3", 1],
    ["overflowing coordinate", "v 1e400 0 0\nv 1 0 0\nv 0 1 0\nf 1 2 3", 1],
    ["trailing garbage", "v 0 0 0 abc\nv 1 0 0\nv 0 1 0\nf 1 2 3", 1],
    ["colour out of [0, 1]", "v 0 0 0 2 0 0\nv 1 0 0 1 1 1\nv 0 1 0 1 1 1\nf 1 2 3", 1],
    ["colours on some vertices only", "v 0 0 0 1 0 0\nv 1 0 0\nv 0 1 0 1 1 1\nf 1 2 3", 2],
    ["unknown statement", `${head}vv 1 2 3\nf 1 2 3`, 4],
  ];
  for (const [name, text, line] of cases) {
    it(name, () => {
      const e = relaxError(() => parseOBJ(text));
      expect(e.op).toBe("parseOBJ");
      expect(e.argument).toBe(`text (line ${line})`);
      expect(e.got).toBe(JSON.stringify((text.split("\n")[line - 1] as string).trim()));
    });
  }
  it("accepts real-world statements, forward references, w coordinates, quads and CRLF", () => {
    const m = parseOBJ(
      "mtllib a.mtl\r\no obj\r\nf 1/1/1 2//2 3 4\r\nv 0 0 0 1\r\nv 1 0 0\r\nv 1 1 0\r\nv 0 1 0\r\nvt 0 0\r\nvn 0 0 1\r\ns off\r\nusemtl m\r\nl 1 2\r\n",
    );
    expect(m.numFaces).toBe(2);
    expect(m.numVertices).toBe(4);
    m.dispose();
  });
  it("loadOBJ names the file (and the line); a missing file is a RelaxError", async () => {
    const fs = await import("node:fs/promises");
    const os = await import("node:os");
    const path = await import("node:path");
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), "relax-obj-"));
    const file = path.join(dir, "bad.obj");
    await fs.writeFile(file, "v 0 0 0\nf 1 2 3\n");
    await expect(loadOBJ(file)).rejects.toThrow(/loadOBJ: file ".*bad\.obj" \(line 2\)/);
    await expect(loadOBJ(path.join(dir, "missing.obj"))).rejects.toBeInstanceOf(RelaxError);
    await expect(loadOBJ(5 as never)).rejects.toBeInstanceOf(RelaxError);
    await expect(savePNG("", [[0]])).rejects.toBeInstanceOf(RelaxError);
    await fs.rm(dir, { recursive: true });
  });
});

describe("meshes, images, losses: values and shapes", () => {
  const V = [
    [0, 0, 0],
    [1, 0, 0],
    [0, 1, 0],
  ];
  it("createMesh: integer in-range faces, finite vertices, colours in [0, 1]", () => {
    expect(relaxError(() => createMesh(V, [[0, 1, 1.5]])).argument).toBe("faces");
    expect(relaxError(() => createMesh(V, [[0, 1, 3]])).argument).toBe("faces");
    expect(relaxError(() => createMesh(V, [[0, 1, 1e12]])).expected).toBe("indices in [0, 3)"); // not wrapped to a valid int32
    expect(relaxError(() => createMesh(V, [[0, 1, -1]])).argument).toBe("faces");
    expect(relaxError(() => createMesh([[0, 0, Number.POSITIVE_INFINITY], ...V.slice(1)], [[0, 1, 2]])).argument).toBe("vertices");
    expect(
      relaxError(() =>
        createMesh(
          V,
          [[0, 1, 2]],
          [
            [1, 0, 0],
            [0, 1, 0],
            [0, 0, 1.5],
          ],
        ),
      ).argument,
    ).toBe("colors");
    expect(relaxError(() => createMesh(V, null as never)).argument).toBe("faces");
    expect(relaxError(() => mesh.withVertices([[0, 0, 0]] as never)).op).toBe("Mesh.withVertices");
    expect(relaxError(() => cube({ radius: 1e300 })).argument).toBe("radius");
    expect(relaxError(() => tetrahedron({ color: [2, 0, 0] })).argument).toBe("color");
  });
  it("images and losses reject NaN, empty and mismatched inputs", () => {
    expect(relaxError(() => toImageData([[Number.NaN, 0]])).argument).toBe("image");
    expect(relaxError(() => toImageData(tf.zeros([0, 0]))).argument).toBe("image");
    expect(relaxError(() => softIoULoss([[2, 0]], [[1, 0]])).argument).toBe("pred");
    expect(relaxError(() => softIoULoss([[1, 0]], [[1, 0, 0]])).argument).toBe("target");
    expect(relaxError(() => iou([[1, 0]], [[1, 0]], Number.NaN)).argument).toBe("threshold");
    expect(relaxError(() => pixelCenters(0)).argument).toBe("imageSize");
    expect(relaxError(() => softRasPreset({ distEps: 1 })).argument).toBe("distEps");
    expect(relaxError(() => rasterizeSilhouette(faces, { p: 2 })).argument).toBe("p"); // probabilistic has no p
    expect(relaxError(() => rasterizeSilhouette(faces, { tconorm: "yager", p: Number.NaN })).argument).toBe("p");
    expect(relaxError(() => rasterizeRgb(faces, faces, { background: [1.5, 0, 0] })).argument).toBe("background");
  });
});
