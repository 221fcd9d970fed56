import * as tf from "@tensorflow/tfjs-core";
import { describe, expect, it } from "vitest";
import { RelaxRasterizeRgb, RelaxRasterizeRgbGrad, runFusedKernel, type RelaxRasterizeRgbAttrs } from "@relax/core";
import { createMesh, faceVertices, icosphere, lambert, projectVertices, rasterizeRgb, render } from "@relax/render"; // aliased to ../render/src (vitest.config.ts)
import { rasterizeRgbConfig, rasterizeRgbGradConfig } from "../src/kernels/rgb.js";
import { WEBGPU_KERNEL_NAMES } from "../src/index.js";
import { RGB_BASE, initWebGPU, maxAbsError, maxRelViolation, onBackend, randomFloats } from "./webgpu_env.js";

const ok = await initWebGPU();

/**
 * Random triangles, x, y in [−0.9, 0.9], view depth in [1.5, 5] (so near/far of 2/4 clips some), both
 * windings (≈ half are back faces), plus copies of face 0 slightly behind it and at the same depth
 * (overlapping in depth, one exact tie): faces [B, F, 3, 3], colours [B, F, 3, 3] in [0, 1].
 */
function scene(B: number, F: number, seed: number): { faces: Float32Array; colors: Float32Array } {
  const faces = randomFloats(B * F * 9, seed, -0.9, 0.9);
  const depth = randomFloats(B * F * 3, seed + 1, 1.5, 5);
  for (let i = 0; i < B * F * 3; i++) faces[i * 3 + 2] = depth[i]!;
  for (let b = 0; b < B; b++) {
    const o = b * F * 9;
    for (let k = 0; k < 9; k++) {
      faces[o + 9 + k] = faces[o + k]! + (k % 3 === 2 ? 0.01 : 0); // face 1: face 0 pushed back by 0.01
      faces[o + 18 + k] = faces[o + k]!; // face 2: an exact depth tie with face 0
    }
  }
  return { faces, colors: randomFloats(B * F * 9, seed + 2, 0, 1) };
}

const base: RelaxRasterizeRgbAttrs = RGB_BASE;

const cases: Partial<RelaxRasterizeRgbAttrs>[] = [
  {},
  { doubleSide: true, gamma: 0.05 },
  { distribution: "gaussian", scale: 0.02, near: 2, far: 4, background: [0.2, 0.5, 0.9], gamma: 0.02 },
  { distribution: "uniform", scale: 0.1, doubleSide: true, pixelConvention: "pytorch3d", gamma: 0.01 },
  {
    distribution: "cauchy",
    squared: true,
    scale: 0.003,
    doubleSide: true,
    near: 2,
    far: 4.5,
    gamma: 0.1,
    eps: 0.3,
    background: [1, 0.5, 0],
  },
  { distribution: "hard", doubleSide: true, gamma: 0.02, background: [0.3, 0.3, 0.3] },
  { distribution: "laplace", shift: 0.5, pixelConvention: "pytorch3d", tconorm: "einstein", imageSize: 9, gamma: 1 },
];

async function runBoth(backend: "cpu" | "webgpu", attrs: RelaxRasterizeRgbAttrs, B: number, F: number) {
  return onBackend(backend, async () => {
    const sc = scene(B, F, 41);
    const faces = tf.tensor4d(sc.faces, [B, F, 3, 3]);
    const colors = tf.tensor4d(sc.colors, [B, F, 3, 3]);
    const S = attrs.imageSize;
    const dy = tf.tensor4d(randomFloats(B * S * S * 3, 42), [B, S, S, 3]);
    const rgb = runFusedKernel<tf.Tensor>(RelaxRasterizeRgb, { faces, colors }, attrs);
    const [df, dc] = runFusedKernel<tf.Tensor[]>(RelaxRasterizeRgbGrad, { faces, colors, dy }, attrs) as [tf.Tensor, tf.Tensor];
    const out = {
      rgb: (await rgb.data()) as Float32Array,
      dfaces: (await df.data()) as Float32Array,
      dcolors: (await dc.data()) as Float32Array,
      shapes: [rgb.shape, df.shape, dc.shape],
    };
    tf.dispose([faces, colors, dy, rgb, df, dc]);
    return out;
  });
}

function absMax(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] as number));
  return m;
}

/** Max violation of rtol 1e-4 with atol 1e-4·max|ref| (gradients are sums over pixels). */
function gradViolation(a: ArrayLike<number>, b: ArrayLike<number>): number {
  return maxRelViolation(a, b, 1e-4, 1e-4 * Math.max(1, absMax(b)));
}

describe.runIf(ok)("RelaxRasterizeRgb on webgpu", () => {
  it("is registered for webgpu and tf.grad through rasterizeRgb dispatches the WGSL kernels", async () => {
    expect(WEBGPU_KERNEL_NAMES).toContain(RelaxRasterizeRgb);
    expect(WEBGPU_KERNEL_NAMES).toContain(RelaxRasterizeRgbGrad);
    expect(tf.getKernel(RelaxRasterizeRgb, "webgpu")?.kernelFunc).toBe(rasterizeRgbConfig.kernelFunc);
    expect(tf.getKernel(RelaxRasterizeRgbGrad, "webgpu")?.kernelFunc).toBe(rasterizeRgbGradConfig.kernelFunc);
    await tf.setBackend("webgpu");
    const sc = scene(1, 6, 7);
    const faces = tf.tensor4d(sc.faces, [1, 6, 3, 3]);
    const colors = tf.tensor4d(sc.colors, [1, 6, 3, 3]);
    const profile = await tf.profile(() =>
      tf.grad((f: tf.Tensor) => tf.sum(rasterizeRgb(f, colors, { imageSize: 8, scale: 0.05, doubleSide: true })))(faces),
    );
    expect(tf.getBackend()).toBe("webgpu");
    expect(profile.kernelNames).toContain(RelaxRasterizeRgb);
    expect(profile.kernelNames).toContain(RelaxRasterizeRgbGrad);
    const grad = profile.result as tf.Tensor;
    expect(grad.shape).toEqual([1, 6, 3, 3]);
    expect(absMax((await grad.data()) as Float32Array)).toBeGreaterThan(0);
    tf.dispose([grad]);
    // leak-free: no tensor and no backend buffer (the [2, B, F, 3, 3] accumulator included) left behind
    const tensors = tf.memory().numTensors;
    const dataIds = tf.engine().backend.numDataIds();
    const dc = tf.tidy(() => tf.grad((c: tf.Tensor) => tf.sum(rasterizeRgb(faces, c, { imageSize: 8, scale: 0.05 })))(colors));
    await dc.data(); // flushes the command queue, so deferred disposals complete
    dc.dispose();
    expect(tf.memory().numTensors).toBe(tensors);
    expect(tf.engine().backend.numDataIds()).toBe(dataIds);
    tf.dispose([faces, colors]);
  });

  for (const c of cases) {
    const attrs = { ...base, ...c };
    const name =
      `${attrs.distribution} τ=${attrs.scale}${attrs.squared ? " squared" : ""}${attrs.shift ? ` shift=${attrs.shift}` : ""} γ=${attrs.gamma} ε=${attrs.eps} ` +
      `near/far ${attrs.near}/${attrs.far}${attrs.doubleSide ? " double-sided" : ""} bg [${attrs.background.join(",")}] ${attrs.pixelConvention} S=${attrs.imageSize}`;
    it(`matches the CPU kernel: ${name}`, async () => {
      const B = 2;
      const F = 8;
      const cpu = await runBoth("cpu", attrs, B, F);
      const gpu = await runBoth("webgpu", attrs, B, F);
      expect(tf.getBackend()).toBe("webgpu");
      expect(gpu.shapes).toEqual(cpu.shapes);
      expect(cpu.shapes[0]).toEqual([B, attrs.imageSize, attrs.imageSize, 3]);
      // the scene must exercise the kernel: non-background pixels and non-zero gradients
      expect(absMax(cpu.dcolors)).toBeGreaterThan(0);
      if (attrs.distribution !== "hard") expect(absMax(cpu.dfaces)).toBeGreaterThan(0);
      const violation = {
        rgb: maxRelViolation(gpu.rgb, cpu.rgb, 1e-4, 1e-5),
        dfaces: gradViolation(gpu.dfaces, cpu.dfaces),
        dcolors: gradViolation(gpu.dcolors, cpu.dcolors),
      };
      console.log(
        `rgb ${name}: max|webgpu − cpu| rgb ${maxAbsError(gpu.rgb, cpu.rgb).toExponential(2)}, ` +
          `dfaces ${maxAbsError(gpu.dfaces, cpu.dfaces).toExponential(2)} (max ${absMax(cpu.dfaces).toPrecision(3)}), ` +
          `dcolors ${maxAbsError(gpu.dcolors, cpu.dcolors).toExponential(2)} (max ${absMax(cpu.dcolors).toPrecision(3)}); ` +
          `tolerance used ${violation.rgb.toFixed(3)} / ${violation.dfaces.toFixed(3)} / ${violation.dcolors.toFixed(3)}`,
      );
      expect(violation.rgb).toBeLessThanOrEqual(1);
      expect(violation.dfaces).toBeLessThanOrEqual(1);
      expect(violation.dcolors).toBeLessThanOrEqual(1);
    });
  }

  it("no faces: the background image and zero gradients", async () => {
    const attrs = { ...base, background: [0.1, 0.2, 0.3] };
    const out = await onBackend("webgpu", async () => {
      const faces = tf.zeros([2, 0, 3, 3]);
      const colors = tf.zeros([2, 0, 3, 3]);
      const dy = tf.ones([2, 12, 12, 3]);
      const rgb = runFusedKernel<tf.Tensor>(RelaxRasterizeRgb, { faces, colors }, attrs);
      const [df, dc] = runFusedKernel<tf.Tensor[]>(RelaxRasterizeRgbGrad, { faces, colors, dy }, attrs) as [tf.Tensor, tf.Tensor];
      const r = { rgb: (await rgb.data()) as Float32Array, shapes: [df.shape, dc.shape] };
      tf.dispose([faces, colors, dy, rgb, df, dc]);
      return r;
    });
    expect(out.shapes).toEqual([
      [2, 0, 3, 3],
      [2, 0, 3, 3],
    ]);
    expect(out.rgb.length).toBe(2 * 12 * 12 * 3);
    for (let i = 0; i < out.rgb.length; i++) expect(out.rgb[i]).toBeCloseTo([0.1, 0.2, 0.3][i % 3]!, 6);
  });

  it("end to end: tf.grad through render() and rasterizeRgb on webgpu matches cpu", async () => {
    const S = 16;
    const W = randomFloats(S * S * 3, 5, 0, 1);
    const opts = { imageSize: S, scale: 0.02, gamma: 1e-2, background: [0.1, 0.2, 0.3] as [number, number, number] };
    // eyeFromAngles(2.732, 30, 45) evaluated on the host: tfjs's sin/cos on webgpu (SwiftShader) are off by ~6e-5
    // relative, which would move every projected vertex and swamp the comparison of the kernels
    const [el, az] = [Math.PI / 6, Math.PI / 4];
    const eye = [2.732 * Math.cos(el) * Math.sin(az), 2.732 * Math.sin(el), -2.732 * Math.cos(el) * Math.cos(az)];
    const grads = (backend: "cpu" | "webgpu") =>
      onBackend(backend, async () => {
        // every tensor is created on the backend under test (Dawn in Node cannot read webgpu data synchronously)
        const ico = icosphere({ level: 1 });
        const vertexColors = Array.from({ length: ico.numVertices }, (_, i) => Array.from(randomFloats(3, 100 + i, 0, 1)));
        const mesh = createMesh(ico.vertices, ico.faceIndices, vertexColors);
        const camera = { eye };
        const w = tf.tensor3d(W, [S, S, 3]);
        const loss = (img: tf.Tensor) => tf.sum(tf.mul(img, w));
        // lit render(): projection + Lambert shading + soft colour image, w.r.t. the mesh vertices, which reach the
        // kernel both as faces (the coverage term) and through the shaded colours: both gradients in one backward pass
        const dvertices = tf.grad((v: tf.Tensor) => loss(render(mesh, camera, { ...opts, light: {}, vertices: v }).rgb!))(mesh.vertices);
        // rasterizeRgb w.r.t. Lambert-lit corner colours alone (through dcolors)
        const fv = faceVertices(projectVertices(mesh.vertices, camera), mesh.faces);
        const lit = lambert(faceVertices(mesh.vertices, mesh.faces), faceVertices(mesh.colors!, mesh.faces), {});
        const dcolors = tf.grad((c: tf.Tensor) => loss(rasterizeRgb(fv, c, opts)))(lit);
        const rgb = render(mesh, camera, { ...opts, light: {} }).rgb!;
        const out = {
          rgb: (await rgb.data()) as Float32Array,
          dvertices: (await dvertices.data()) as Float32Array,
          dcolors: (await dcolors.data()) as Float32Array,
        };
        tf.dispose([w, dvertices, fv, lit, dcolors, rgb]);
        mesh.dispose();
        ico.dispose();
        return out;
      });
    const cpu = await grads("cpu");
    const gpu = await grads("webgpu");
    expect(tf.getBackend()).toBe("webgpu");
    for (const k of ["dvertices", "dcolors"] as const) expect(absMax(cpu[k])).toBeGreaterThan(0.1);
    const violation = {
      rgb: maxRelViolation(gpu.rgb, cpu.rgb, 1e-4, 1e-5),
      dvertices: gradViolation(gpu.dvertices, cpu.dvertices),
      dcolors: gradViolation(gpu.dcolors, cpu.dcolors),
    };
    console.log(
      `render() e2e: max|webgpu − cpu| rgb ${maxAbsError(gpu.rgb, cpu.rgb).toExponential(2)}, ` +
        (["dvertices", "dcolors"] as const)
          .map((k) => `${k} ${maxAbsError(gpu[k], cpu[k]).toExponential(2)} (max ${absMax(cpu[k]).toPrecision(3)})`)
          .join(", ") +
        `; tolerance used ${violation.rgb.toFixed(3)} / ${violation.dvertices.toFixed(3)} / ${violation.dcolors.toFixed(3)}`,
    );
    expect(violation.rgb).toBeLessThanOrEqual(1);
    expect(violation.dvertices).toBeLessThanOrEqual(1);
    expect(violation.dcolors).toBeLessThanOrEqual(1);
  });

  it("throws a clear error for a distribution the renderer does not know", async () => {
    await tf.setBackend("webgpu");
    const faces = tf.zeros([1, 1, 3, 3]);
    expect(() => runFusedKernel(RelaxRasterizeRgb, { faces, colors: faces }, { ...base, distribution: "optimal" as "logistic" })).toThrow(
      /RelaxRasterizeRgb \(webgpu\): distribution must be one with a WGSL implementation/,
    );
    faces.dispose();
  });
});
