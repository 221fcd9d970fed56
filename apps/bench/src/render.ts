/**
 * @relax/render benchmarks: forward+backward of the GenDR silhouette of the 642-vertex / 1280-face
 * icosphere, fused kernel vs the reference composition of tfjs ops.
 */
import * as tf from "@tensorflow/tfjs-core";
import {
  eyeFromAngles,
  faceVertices,
  icosphere,
  projectVertices,
  rasterizeSilhouette,
  softRasPreset,
  type SilhouetteOptions,
} from "@relax/render";
import { ms, table, time } from "./harness.js";

export async function run(): Promise<void> {
  const sphere = icosphere({ level: 3 });
  const faces = tf.tidy(() =>
    faceVertices(projectVertices(sphere.vertices, { eye: eyeFromAngles(2.732, 30, 45), viewingAngle: 30 }), sphere.faces),
  );
  const fwdBwd = (opts: SilhouetteOptions) => () => {
    const W = tf.randomUniform([opts.imageSize ?? 64, opts.imageSize ?? 64], 0, 1, "float32", 1);
    const [alpha, g] = [
      rasterizeSilhouette(faces, opts),
      tf.grad((f: tf.Tensor) => tf.sum(tf.mul(rasterizeSilhouette(f, opts), W)))(faces),
    ];
    alpha.dataSync();
    g.dataSync();
  };
  const cases: [string, SilhouetteOptions][] = [
    ["SoftRas preset (logistic, d², τ=1e-4, probabilistic)", softRasPreset({ sigma: 1e-4 })],
    ["GenDR logistic, d, τ=1e-2, probabilistic (distEps 1e4)", { distribution: "logistic", scale: 1e-2 }],
    ["uniform, d, τ=10^-1.5, probabilistic", { distribution: "uniform", scale: 10 ** -1.5 }],
    ["heavy tail: cauchy, d, τ=10^-3.5, probabilistic", { distribution: "cauchy", scale: 10 ** -3.5 }],
    ["heavy tail: cauchy, d, τ=10^-3.5, yager p=2", { distribution: "cauchy", scale: 10 ** -3.5, tconorm: "yager", p: 2 }],
  ];
  console.log(
    "Silhouette forward+backward, 642-vertex / 1280-face icosphere (eye at distance 2.732, elevation 30°, azimuth 45°, viewing angle 30°), batch 1, CPU backend, median ms:\n",
  );
  table(["case", "image", "fused fwd+bwd (ms)", "fused images/s", "reference fwd+bwd (ms)"], []);
  // The reference composition materialises [F, S·S] per intermediate: only small images are feasible.
  for (const S of [16, 32]) {
    const o = { ...softRasPreset({ sigma: 1e-4 }), imageSize: S };
    const fused = time(fwdBwd(o), { warmup: 2, maxRuns: 15, budgetMs: 3000 });
    const prev = tf.env().getBool("RELAX_FORCE_REFERENCE");
    tf.env().set("RELAX_FORCE_REFERENCE", true);
    let ref: number;
    try {
      ref = time(fwdBwd(o), { warmup: 0, maxRuns: 2, budgetMs: 1 }).median;
    } finally {
      tf.env().set("RELAX_FORCE_REFERENCE", prev);
    }
    console.log(
      `| SoftRas preset (reference comparison) | ${S}×${S} | ${ms(fused.median)} | ${(1000 / fused.median).toFixed(1)} | ${ms(ref)} (${(ref / fused.median).toFixed(0)}× slower) |`,
    );
  }
  for (const [name, opts] of cases) {
    const heavy = name.startsWith("heavy");
    for (const S of heavy ? [64, 128] : [64, 128, 256]) {
      const o = { ...opts, imageSize: S };
      const fused = time(fwdBwd(o), heavy ? { warmup: 0, maxRuns: 3, budgetMs: 1 } : { warmup: 2, maxRuns: 15, budgetMs: 4000 });
      const ref = S === 64 && name.startsWith("SoftRas") ? "not feasible (> 4 min, > 2.7 GB)" : "—";
      console.log(`| ${[name, `${S}×${S}`, ms(fused.median), (1000 / fused.median).toFixed(1), ref].join(" | ")} |`);
    }
  }
  faces.dispose();
  sphere.dispose();
}
