/**
 * @relax/render benchmarks: forward+backward of the GenDR silhouette of the 642-vertex / 1280-face
 * icosphere, fused kernel vs the reference composition of tfjs ops.
 */
import * as tf from "@tensorflow/tfjs-core";
import { setForceReference } from "@relax/core";
import { eyeFromAngles, faceVertices, icosphere, projectVertices, rasterizeSilhouette, softRasPreset, type SilhouetteOptions } from "@relax/render";
import { ms, table, time } from "./harness.js";

export async function run(): Promise<void> {
  const sphere = icosphere({ level: 3 });
  const faces = tf.tidy(() => faceVertices(projectVertices(sphere.vertices, { eye: eyeFromAngles(2.732, 30, 45), viewingAngle: 30 }), sphere.faces));
  const fwdBwd = (opts: SilhouetteOptions) => () => {
    const W = tf.randomUniform([opts.imageSize ?? 64, opts.imageSize ?? 64], 0, 1, "float32", 1);
    const [alpha, g] = [rasterizeSilhouette(faces, opts), tf.grad((f: tf.Tensor) => tf.sum(tf.mul(rasterizeSilhouette(f, opts), W)))(faces)];
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
  const rows: (string | number)[][] = [];
  for (const [name, opts] of cases) {
    for (const S of [64, 128, 256]) {
      const o = { ...opts, imageSize: S };
      const fused = time(fwdBwd(o), { warmup: 1, maxRuns: 15, budgetMs: 4000 });
      let ref = "—";
      if (S <= 64 && name.startsWith("SoftRas")) {
        const prev = setForceReference(true);
        try {
          ref = ms(time(fwdBwd({ ...o, imageSize: S }), { warmup: 0, maxRuns: 2, budgetMs: 1 }).median);
        } finally {
          setForceReference(prev);
        }
      }
      rows.push([name, `${S}×${S}`, ms(fused.median), (1000 / fused.median).toFixed(1), ref]);
    }
  }
  console.log("Silhouette forward+backward, 642-vertex / 1280-face icosphere (eye at distance 2.732, elevation 30°, azimuth 45°, viewing angle 30°), batch 1, CPU backend, median ms:\n");
  table(["case", "image", "fused fwd+bwd (ms)", "fused images/s", "reference fwd+bwd (ms)"], rows);
  faces.dispose();
  sphere.dispose();
}
