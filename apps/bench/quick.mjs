import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import "@relax/core";
import { eyeFromAngles, faceVertices, icosphere, projectVertices, rasterizeSilhouette, softRasPreset } from "@relax/render";
await tf.setBackend("cpu");
const sphere = icosphere({ level: 3 });
const faces = faceVertices(projectVertices(sphere.vertices, { eye: eyeFromAngles(2.732, 30, 45), viewingAngle: 30 }), sphere.faces);
for (const [name, o] of [["softras", softRasPreset({ sigma: 1e-4 })], ["cauchy", { distribution: "cauchy", scale: 10 ** -3.5 }]]) {
  for (const S of [64, 256]) {
    const opts = { ...o, imageSize: S };
    for (let r = 0; r < 4; r++) {
      const t0 = performance.now();
      tf.tidy(() => { const g = tf.grad((f) => tf.sum(rasterizeSilhouette(f, opts)))(faces); g.dataSync(); });
      console.log(name, S, (performance.now() - t0).toFixed(1));
    }
  }
}
