import "@tensorflow/tfjs-backend-cpu";
import * as tf from "@tensorflow/tfjs-core";
import { RelaxError, useFused, RelaxRasterizeSilhouette } from "@relax/core";
import { badPositive, countLeakedTensors, gradCheck, maxViolation } from "@relax/core/testing";
import { describe, expect, it } from "vitest";
import { RENDER_DISTRIBUTIONS, RENDER_TCONORMS } from "../src/functions.js";
import { pytorch3dPreset, softRasPreset } from "../src/presets.js";
import { rasterizeSilhouette, type SilhouetteOptions } from "../src/silhouette.js";

/** Deterministic pseudo-random faces [B, F, 3, 3] in NDC. */
function randomFaces(B: number, F: number, seed = 1, spread = 0.9): tf.Tensor4D {
  let s = seed;
  const rnd = () => ((s = (s * 16807) % 2147483647) / 2147483647) * 2 - 1;
  const v: number[] = [];
  for (let i = 0; i < B * F; i++) {
    const cx = rnd() * spread * 0.6,
      cy = rnd() * spread * 0.6;
    for (let k = 0; k < 3; k++) v.push(cx + rnd() * 0.5, cy + rnd() * 0.5, 2 + rnd());
  }
  return tf.tensor4d(v, [B, F, 3, 3]);
}

function weightsFor(B: number, S: number): tf.Tensor {
  return tf.tidy(() => tf.add(1, tf.mul(0.5, tf.sin(tf.reshape(tf.range(0, B * S * S), [B, S, S])))));
}

/** alpha and ∂Σ(alpha·W)/∂faces, fused or reference. */
function run(faces: tf.Tensor4D, opts: SilhouetteOptions, reference: boolean): { alpha: Float32Array; grad: Float32Array } {
  const prev = tf.env().getBool("RELAX_FORCE_REFERENCE");
  tf.env().set("RELAX_FORCE_REFERENCE", reference);
  try {
    return tf.tidy(() => {
      const W = weightsFor(faces.shape[0], opts.imageSize ?? 64);
      const alpha = rasterizeSilhouette(faces, opts);
      const grad = tf.grad((f: tf.Tensor) => tf.sum(tf.mul(rasterizeSilhouette(f, opts), W)))(faces);
      return { alpha: alpha.dataSync() as Float32Array, grad: grad.dataSync() as Float32Array };
    });
  } finally {
    tf.env().set("RELAX_FORCE_REFERENCE", prev);
  }
}

function expectParity(opts: SilhouetteOptions, faces: tf.Tensor4D): void {
  const a = run(faces, opts, false);
  const b = run(faces, opts, true);
  expect(maxViolation(a.alpha, b.alpha, 1e-4, 2e-5)).toBe(0);
  const gmax = Math.max(1e-3, ...Array.from(b.grad, Math.abs));
  expect(maxViolation(a.grad, b.grad, 2e-3, 2e-4 * gmax)).toBe(0);
}

describe("rasterizeSilhouette: fused kernel vs reference composition", () => {
  it("the fused kernel is registered for cpu", () => {
    expect(useFused(RelaxRasterizeSilhouette)).toBe(true);
  });
  const faces = randomFaces(2, 5, 7);
  for (const dist of RENDER_DISTRIBUTIONS) {
    for (const squared of [false, true]) {
      it(`${dist}${squared ? " (squared)" : ""} × probabilistic, with and without tight culling`, () => {
        const base: SilhouetteOptions = {
          imageSize: 12,
          distribution: dist,
          squared,
          scale: squared ? 0.004 : 0.06,
          shape: dist.startsWith("gamma") ? 2 : 0,
          shift: dist.startsWith("levy") || dist.startsWith("exponential") ? 0.3 : 0,
        };
        expectParity(base, faces);
        expectParity({ ...base, distEps: 2 }, faces);
      });
    }
  }
  for (const tconorm of RENDER_TCONORMS) {
    const ps =
      tconorm === "hamacher"
        ? [0, 2]
        : tconorm === "frank"
          ? [0.5, 3]
          : tconorm === "yager"
            ? [0.5, 2]
            : tconorm === "schweizer_sklar"
              ? [-0.5, -2]
              : tconorm === "aczel_alsina" || tconorm === "dombi"
                ? [0.7, 2]
                : [undefined];
    for (const p of ps) {
      it(`logistic × ${tconorm}${p !== undefined ? ` p=${p}` : ""}`, () => {
        expectParity({ imageSize: 12, distribution: "logistic", scale: 0.05, tconorm, p }, faces);
      });
    }
  }
  it("pytorch3d pixel convention and max with 'all' ties", () => {
    expectParity({ imageSize: 10, ...pytorch3dPreset({ sigma: 3e-3 }) }, faces);
    expectParity({ imageSize: 10, distribution: "gaussian", scale: 0.05, tconorm: "max", maxTies: "all" }, faces);
  });
});

describe("rasterizeSilhouette: gradients vs finite differences", () => {
  const cases: SilhouetteOptions[] = [
    { distribution: "logistic", scale: 0.05 },
    { distribution: "gaussian", scale: 0.05, tconorm: "einstein" },
    { distribution: "cauchy", scale: 0.003, squared: true, tconorm: "yager", p: 2 },
    { distribution: "laplace", scale: 0.05, tconorm: "max" },
    { ...softRasPreset({ sigma: 5e-3 }) },
  ];
  for (const c of cases) {
    it(`${c.distribution}${c.squared ? "²" : ""} ${c.tconorm ?? "probabilistic"}`, () => {
      const faces = randomFaces(1, 3, 11);
      const W = weightsFor(1, 16);
      const r = gradCheck((f) => tf.mul(rasterizeSilhouette(f, { imageSize: 16, ...c }), W), [faces], {
        eps: 1e-3,
        rtol: 3e-2,
        atol: 5e-2,
      });
      expect(r.ok, JSON.stringify(r.worst)).toBe(true);
      tf.dispose([faces, W]);
    });
  }
});

describe("rasterizeSilhouette: robustness", () => {
  it("unbatched [F,3,3] gives [S,S]; empty meshes give zeros", () => {
    tf.tidy(() => {
      const a = rasterizeSilhouette(tf.squeeze(randomFaces(1, 3), [0]), { imageSize: 8 });
      expect(a.shape).toEqual([8, 8]);
      const e = rasterizeSilhouette(tf.zeros([0, 3, 3]), { imageSize: 8 });
      expect(e.shape).toEqual([8, 8]);
      expect(tf.sum(e).dataSync()[0]).toBe(0);
      const g = tf.grad((f: tf.Tensor) => tf.sum(rasterizeSilhouette(f, { imageSize: 4 })))(tf.zeros([2, 0, 3, 3]));
      expect(g.shape).toEqual([2, 0, 3, 3]);
    });
  });
  it("degenerate (zero-area) triangles, huge and tiny τ, far-away vertices: finite values and gradients", () => {
    const degenerate = tf.tensor4d(
      [0, 0, 1, 0.5, 0.5, 1, -0.5, -0.5, 1, 0.2, 0.2, 1, 0.2, 0.2, 1, 0.2, 0.2, 1, 1e5, 3, 1, -1e5, 2, 1, 0, -1e5, 1],
      [1, 3, 3, 3],
    );
    for (const scale of [1e-12, 1e-4, 1, 1e6]) {
      for (const distribution of ["logistic", "cauchy", "gaussian", "levy", "gamma", "uniform"] as const) {
        tf.tidy(() => {
          const opts = { imageSize: 8, distribution, scale, shape: distribution === "gamma" ? 2 : 0 };
          const a = rasterizeSilhouette(degenerate, opts);
          const g = tf.grad((f: tf.Tensor) => tf.sum(rasterizeSilhouette(f, opts)))(degenerate);
          expect(Array.from(a.dataSync()).every(Number.isFinite)).toBe(true);
          expect(Array.from(g.dataSync()).every(Number.isFinite)).toBe(true);
        });
      }
    }
    degenerate.dispose();
  });
  it("pytorch3dPreset mirrors the columns of softRasPreset for the same NDC faces", () => {
    tf.tidy(() => {
      const f = randomFaces(1, 4, 3);
      const a = rasterizeSilhouette(f, { imageSize: 16, ...softRasPreset({ sigma: 1e-3 }) });
      const b = rasterizeSilhouette(f, { imageSize: 16, ...pytorch3dPreset({ sigma: 1e-3 }) });
      expect(maxViolation(tf.reverse(b, 2).dataSync(), a.dataSync(), 1e-5, 1e-6)).toBe(0);
    });
  });
  it("is leak-free (forward and gradient, fused and reference)", () => {
    const faces = randomFaces(1, 3);
    for (const ref of [false, true]) {
      const prev = tf.env().getBool("RELAX_FORCE_REFERENCE");
      tf.env().set("RELAX_FORCE_REFERENCE", ref);
      expect(countLeakedTensors(() => rasterizeSilhouette(faces, { imageSize: 8 }))).toBe(0);
      expect(
        countLeakedTensors(() => tf.grad((f: tf.Tensor) => tf.sum(rasterizeSilhouette(f, { imageSize: 8, tconorm: "max" })))(faces)),
      ).toBe(0);
      tf.env().set("RELAX_FORCE_REFERENCE", prev);
    }
    faces.dispose();
  });
  it("rejects bad inputs with RelaxError", () => {
    const ok = randomFaces(1, 2);
    const bad: [unknown, SilhouetteOptions][] = [
      [tf.fill([2, 3, 3], NaN), {}],
      [tf.zeros([2, 3]), {}],
      [tf.zeros([2, 3, 2]), {}],
      [[[1, 2], [3]], {}],
      [ok, { imageSize: 0 }],
      [ok, { imageSize: 2.5 }],
      [ok, { distribution: "nope" as never }],
      [ok, { distribution: "gamma", shape: -1 }],
      [ok, { tconorm: "nope" as never }],
      [ok, { tconorm: "yager", p: -1 }],
      [ok, { tconorm: "schweizer_sklar", p: 1 }],
      [ok, { squared: "yes" as never }],
      [ok, { maxTies: "some" as never }],
      [ok, { pixelConvention: "opengl" as never }],
      [ok, { shift: NaN }],
      ...badPositive.map((v): [unknown, SilhouetteOptions] => [ok, { scale: v as number }]),
      ...badPositive.map((v): [unknown, SilhouetteOptions] => [ok, { distEps: v as number }]),
    ];
    for (const [faces, opts] of bad) {
      expect(() => rasterizeSilhouette(faces as tf.Tensor, opts), JSON.stringify(opts)).toThrow(RelaxError);
    }
    ok.dispose();
  });
});
