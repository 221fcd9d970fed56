import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import { describe, expect, it } from "vitest";
import { eyeFromAngles, laplacianLoss, render, mseLoss, tetrahedron } from "../src/index.js";

describe("a 1,000-step render fit keeps tf.memory().numTensors flat", () => {
  it("tetrahedron pose (camera angles) and shape (vertices) fit to a 16×16 silhouette", () => {
    const mesh = tetrahedron({ radius: 0.6 });
    const opts = { imageSize: 16, scale: 0.02 };
    const DIST = 2.5;
    // target: the mesh slightly deformed, seen from (elevation 25°, azimuth 40°)
    const target = tf.tidy(() => {
      const eye = eyeFromAngles(DIST, 0.45, 0.7, { degrees: false });
      const v = tf.mul(mesh.vertices, tf.tensor1d([1.2, 0.9, 1]));
      return render(mesh, { eye }, { ...opts, vertices: v }).alpha;
    });
    const angles = tf.variable(tf.tensor1d([0.25, 0.45])); // pose (elevation, azimuth), radians
    const verts = tf.variable(tf.clone(mesh.vertices)); // shape
    const optimizer = tf.train.adam(0.01);
    const step = () =>
      optimizer.minimize(
        () => {
          const eye = eyeFromAngles(DIST, tf.reshape(tf.slice(angles, [0], [1]), []), tf.reshape(tf.slice(angles, [1], [1]), []), {
            degrees: false,
          });
          const { alpha } = render(mesh, { eye }, { ...opts, vertices: verts });
          return tf.add(mseLoss(alpha, target), tf.mul(laplacianLoss(verts, mesh), 1e-3)) as tf.Scalar;
        },
        true,
        [angles, verts],
      );
    const lossOf = (l: tf.Scalar | null) => {
      const v = (l as tf.Scalar).dataSync()[0] as number;
      l?.dispose();
      return v;
    };
    const first = lossOf(step()); // step 1 creates Adam's slots
    const baseline = tf.memory().numTensors;
    const counts: number[] = [];
    let last = first;
    for (let i = 2; i <= 1000; i++) {
      const l = step();
      if (i % 100 === 0) {
        last = lossOf(l);
        counts.push(tf.memory().numTensors);
      } else l?.dispose();
    }
    expect(counts).toEqual(counts.map(() => baseline));
    expect(Number.isFinite(last)).toBe(true);
    expect(last).toBeLessThan(first * 0.5);
    for (const t of [target, angles, verts]) t.dispose();
    optimizer.dispose();
    mesh.dispose();
  }, 300_000); // ~3 s alone; generous for a loaded 2-core CI machine running several packages at once
});
