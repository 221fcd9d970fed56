/**
 * GenDR demo on the CPU (Petersen et al., "GenDR: A Generalized Differentiable Renderer", CVPR 2022):
 * 1. camera-pose optimisation: recover elevation/azimuth of a box from its target silhouette, starting 30° off;
 * 2. shape optimisation: deform an icosphere until its silhouettes from 4 views match a target shape's.
 * Writes target/start/result PNGs to the output folder (default ./out; `node dist/main.js --out DIR --steps N`).
 */
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import "@relax/core";
import cliProgress from "cli-progress";
import {
  createMesh,
  cube,
  eyeFromAngles,
  faceVertices,
  flattenLoss,
  icosphere,
  iou,
  laplacianLoss,
  projectVertices,
  rasterizeSilhouette,
  savePNG,
  softIoULoss,
  type Mesh,
  type SilhouetteOptions,
} from "@relax/render";
import { join } from "node:path";
import { parseArgs } from "node:util";

const { values: args } = parseArgs({
  args: process.argv.slice(2).filter((a) => a !== "--"), // pnpm passes the `--` of `pnpm start -- --flag` through
  options: {
    out: { type: "string", default: "out" },
    size: { type: "string", default: "64" },
    "pose-steps": { type: "string", default: "150" },
    "shape-steps": { type: "string", default: "100" },
  },
});
const OUT = args.out;
const S = Number(args.size);
const POSE_STEPS = Number(args["pose-steps"]);
const SHAPE_STEPS = Number(args["shape-steps"]);
const DIST = 2.732;
const VIEW = 30;
const DEG = Math.PI / 180;

function silhouette(vertices: tf.Tensor, mesh: Mesh, eye: tf.Tensor, opts: SilhouetteOptions, viewingAngle = VIEW): tf.Tensor {
  return rasterizeSilhouette(faceVertices(projectVertices(vertices, { eye, viewingAngle }), mesh.faces), { imageSize: S, ...opts });
}

function bar(title: string, total: number): cliProgress.SingleBar {
  const b = new cliProgress.SingleBar(
    { format: `${title} [{bar}] {value}/{total} | loss {loss} | τ {tau}`, hideCursor: true },
    cliProgress.Presets.shades_classic,
  );
  b.start(total, 0, { loss: "-", tau: "-" });
  return b;
}

/** log-uniform annealing from a to b over n steps (GenDR's τ schedule). */
const anneal = (a: number, b: number, i: number, n: number) => a * Math.pow(b / a, i / Math.max(1, n - 1));

async function poseTask(): Promise<number> {
  // An asymmetric box: 0.9 × 0.5 × 0.3.
  const c = cube({ radius: 1 });
  const box = createMesh(tf.mul(c.vertices, tf.tensor1d([0.9, 0.5, 0.3])), c.faceIndices);
  c.dispose();
  const trueAngles = [30 * DEG, 45 * DEG];
  // 30° off in angle: elevation +18°, azimuth +24° (the view direction rotates by ≈ 30°).
  const angles = tf.variable(tf.tensor1d([48 * DEG, 69 * DEG]));
  const eyeOf = (a: tf.Tensor) =>
    eyeFromAngles(DIST, tf.reshape(tf.slice(a, [0], [1]), []), tf.reshape(tf.slice(a, [1], [1]), []), { degrees: false });
  const hard: SilhouetteOptions = { distribution: "hard" };
  const target = tf.tidy(() =>
    silhouette(box.vertices, box, eyeFromAngles(DIST, trueAngles[0]!, trueAngles[1]!, { degrees: false }), hard),
  );
  await savePNG(join(OUT, "pose_target.png"), target);
  await savePNG(
    join(OUT, "pose_start.png"),
    tf.tidy(() => silhouette(box.vertices, box, eyeOf(angles), hard)),
  );
  const opt = tf.train.adam(0.03, 0.5, 0.99);
  const b = bar("pose ", POSE_STEPS);
  for (let i = 0; i < POSE_STEPS; i++) {
    const tau = anneal(3e-2, 3e-3, i, POSE_STEPS);
    const loss = opt.minimize(
      () => softIoULoss(silhouette(box.vertices, box, eyeOf(angles), { distribution: "logistic", scale: tau }), target),
      true,
      [angles],
    );
    b.update(i + 1, { loss: (loss!.dataSync()[0] as number).toFixed(4), tau: tau.toExponential(1) });
    loss!.dispose();
  }
  b.stop();
  const result = tf.tidy(() => silhouette(box.vertices, box, eyeOf(angles), hard));
  await savePNG(join(OUT, "pose_result.png"), result);
  const score = iou(result, target);
  const [e, a] = Array.from(angles.dataSync()).map((x) => x / DEG);
  console.log(`pose: elevation ${e!.toFixed(1)}° (true 30), azimuth ${a!.toFixed(1)}° (true 45), IoU ${score.toFixed(3)}`);
  tf.dispose([target, result, angles]);
  opt.dispose();
  box.dispose();
  return score;
}

async function shapeTask(): Promise<number> {
  const sphere = icosphere({ level: 3, radius: 0.5 });
  // Target: a box 1.0 × 0.6 × 0.6 seen from 4 azimuths.
  const c = cube({ radius: 1 });
  const target3d = createMesh(tf.mul(c.vertices, tf.tensor1d([0.5, 0.3, 0.3])), c.faceIndices);
  c.dispose();
  const eyes = eyeFromAngles([DIST, DIST, DIST, DIST], [30, 30, 30, 30], [0, 90, 180, 270]);
  const hard: SilhouetteOptions = { distribution: "hard" };
  const row = (x: tf.Tensor) => tf.tidy(() => tf.concat(tf.unstack(x), 1)); // [B,S,S] → [S, B·S]
  const target = tf.tidy(() => silhouette(target3d.vertices, target3d, eyes, hard, 15));
  await savePNG(join(OUT, "shape_target.png"), row(target));
  await savePNG(
    join(OUT, "shape_start.png"),
    tf.tidy(() => row(silhouette(sphere.vertices, sphere, eyes, hard, 15))),
  );
  const disp = tf.variable(tf.zerosLike(sphere.vertices));
  const opt = tf.train.adam(0.01, 0.5, 0.99);
  const b = bar("shape", SHAPE_STEPS);
  for (let i = 0; i < SHAPE_STEPS; i++) {
    const tau = anneal(1e-2, 2e-3, i, SHAPE_STEPS);
    const loss = opt.minimize(
      () => {
        const v = tf.add(sphere.vertices, disp);
        const alpha = silhouette(v, sphere, eyes, { distribution: "logistic", scale: tau }, 15);
        return tf.addN([
          softIoULoss(alpha, target),
          tf.mul(laplacianLoss(v, sphere), 0.03),
          tf.mul(flattenLoss(v, sphere), 0.0005),
        ]) as tf.Scalar;
      },
      true,
      [disp],
    );
    b.update(i + 1, { loss: (loss!.dataSync()[0] as number).toFixed(4), tau: tau.toExponential(1) });
    loss!.dispose();
  }
  b.stop();
  const result = tf.tidy(() => silhouette(tf.add(sphere.vertices, disp), sphere, eyes, hard, 15));
  await savePNG(join(OUT, "shape_result.png"), row(result));
  const score = iou(result, target);
  console.log(`shape: mean IoU over 4 views ${score.toFixed(3)}`);
  tf.dispose([target, result, disp, eyes]);
  opt.dispose();
  sphere.dispose();
  target3d.dispose();
  return score;
}

await tf.setBackend("cpu");
const t0 = performance.now();
const poseIoU = await poseTask();
const shapeIoU = await shapeTask();
console.log(
  `\nfinal IoU — pose ${poseIoU.toFixed(3)}, shape ${shapeIoU.toFixed(3)} (${((performance.now() - t0) / 1000).toFixed(1)} s); PNGs in ${OUT}/`,
);
if (poseIoU < 0.9) process.exitCode = 1;
