import * as tf from "@tensorflow/tfjs-core";
import {
  RENDER_DISTRIBUTIONS,
  RENDER_TCONORMS,
  createMesh,
  cube,
  eyeFromAngles,
  render,
  softIoULoss,
  type Mesh,
  type RenderDistribution,
  type RenderTConorm,
  type SilhouetteOptions,
} from "@relax/render";
import { button, drawGray, drawLines, el, figure, fmt, liveRegion, nextFrame, select, setState, slider } from "../ui.js";

const SIZE = 64;
const DISTANCE = 2.8;
const TARGET = { azimuth: 35, elevation: 25 };
const START = { azimuth: 0, elevation: 10 };
const STEPS = 50;

/** τ slider: raw −30…−5 ↦ τ = 10^(raw/10) ∈ [0.001, 0.32]. */
const tauOf = (raw: number): number => Math.pow(10, raw / 10);

/** A boot-like object (a plank with a tower at one end): two boxes, 24 triangles; its silhouette changes with the pose. */
async function bootMesh(): Promise<Mesh> {
  const c = cube({ radius: 0.5 });
  const v = (await c.vertices.array()) as number[][];
  const f = (await c.faces.array()) as number[][];
  c.dispose();
  const plank = v.map(([x, y, z]) => [(x as number) * 1.3, (y as number) * 0.35 - 0.25, (z as number) * 0.55]);
  const tower = v.map(([x, y, z]) => [(x as number) * 0.4 + 0.45, (y as number) * 0.75 + 0.3, (z as number) * 0.55]);
  // faces as an Int32Array: no tensor read-back (synchronous reads stall WebGPU in the browser)
  return createMesh([...plank, ...tower], Int32Array.from([...f, ...f.map((t) => t.map((i) => i + 8))].flat()));
}

/** Rendering demo: GenDR silhouettes (CVPR 2022) with any distribution × t-conorm and a pose fit. */
export async function mount(panel: HTMLElement): Promise<void> {
  const mesh = await bootMesh();
  const dist = select({
    id: "render-distribution",
    label: "Distribution (pixel coverage CDF)",
    options: RENDER_DISTRIBUTIONS,
    value: "logistic",
  });
  const tconorm = select({
    id: "render-tconorm",
    label: "t-conorm (aggregation over faces)",
    options: RENDER_TCONORMS,
    value: "probabilistic",
  });
  const tau = slider({
    id: "render-tau",
    label: "Scale τ",
    min: -30,
    max: -5,
    step: 1,
    value: -17,
    map: tauOf,
    format: (v) => fmt(v, 4),
    hint: "softness of the edges (NDC units)",
  });
  const az = slider({ id: "render-azimuth", label: "Azimuth", min: -180, max: 180, step: 5, value: START.azimuth, format: (v) => `${v}°` });
  const elev = slider({
    id: "render-elevation",
    label: "Elevation",
    min: -60,
    max: 60,
    step: 5,
    value: START.elevation,
    format: (v) => `${v}°`,
  });
  const fitBtn = button("render-fit", `Fit the pose to the target (${STEPS} Adam steps)`, "primary");

  const current = figure("render-current", 192, 192, "Soft silhouette at the current pose");
  const target = figure(
    "render-target",
    192,
    192,
    `Target: same settings, hidden pose (azimuth ${TARGET.azimuth}°, elevation ${TARGET.elevation}°)`,
  );
  const overlay = figure("render-overlay", 192, 192, "Overlay: target only red, current only blue, both dark");
  const lossFig = figure("render-loss", 420, 192, "Soft IoU loss during the pose fit");
  const status = liveRegion("render-output", "result big");
  const fitOut = liveRegion("render-fit-output");

  panel.append(
    el("h2", { text: "Generalized differentiable rendering (GenDR)" }),
    el("p", {
      class: "intro",
      text: "Each pixel is covered by a triangle with probability F(d/τ), d the signed distance to the triangle's edge and F any CDF; the per-face probabilities are combined by a t-conorm. The silhouette is differentiable in the camera pose, so the pose can be fitted to a target silhouette by gradient descent.",
    }),
    el("div", { class: "controls" }, [dist.root, tconorm.root, tau.root, az.root, elev.root]),
    el("div", { class: "grid3" }, [current.root, target.root, overlay.root]),
    status,
    el("div", { class: "controls" }, [
      fitBtn,
      el("span", {
        class: "hint",
        text: "Optimises azimuth and elevation (Adam on the soft IoU loss) from the sliders' pose, with the settings above.",
      }),
    ]),
    el("div", { class: "grid2" }, [lossFig.root, fitOut]),
  );

  const options = (): SilhouetteOptions => ({
    imageSize: SIZE,
    distribution: dist.input.value as RenderDistribution,
    tconorm: tconorm.input.value as RenderTConorm,
    scale: tau.value(),
  });
  const silhouette = (azimuth: tf.Tensor | number, elevation: tf.Tensor | number, opts: SilhouetteOptions): tf.Tensor =>
    render(mesh, { eye: eyeFromAngles(DISTANCE, elevation, azimuth), viewingAngle: 30 }, { ...opts, rgb: false }).alpha;

  // The target is rendered at a hidden pose with the same settings, so the loss is minimal exactly there.
  let targetAlpha: tf.Tensor | null = null;
  let targetData: Float32Array | Int32Array | Uint8Array = new Float32Array(SIZE * SIZE);
  let targetKey = "";
  async function refreshTarget(opts: SilhouetteOptions): Promise<void> {
    const key = JSON.stringify(opts);
    if (key === targetKey && targetAlpha) return;
    targetAlpha?.dispose();
    targetAlpha = tf.tidy(() => silhouette(TARGET.azimuth, TARGET.elevation, opts));
    targetData = await targetAlpha.data();
    targetKey = key;
    drawGray(target.canvas, targetData, SIZE, [192, 57, 43]);
  }

  const show = (alpha: Float32Array | Uint8Array | Int32Array): void => {
    drawGray(current.canvas, alpha, SIZE, [59, 82, 139]);
    const ctx = overlay.canvas.getContext("2d") as CanvasRenderingContext2D;
    const img = new ImageData(SIZE, SIZE);
    for (let i = 0; i < SIZE * SIZE; i++) {
      const t = targetData[i] as number,
        a = Math.min(1, Math.max(0, alpha[i] as number));
      img.data[4 * i] = 255 - 200 * a;
      img.data[4 * i + 1] = 255 - 200 * Math.max(t, a);
      img.data[4 * i + 2] = 255 - 200 * t;
      img.data[4 * i + 3] = 255;
    }
    const off = document.createElement("canvas");
    off.width = off.height = SIZE;
    (off.getContext("2d") as CanvasRenderingContext2D).putImageData(img, 0, 0);
    ctx.imageSmoothingEnabled = false;
    ctx.drawImage(off, 0, 0, overlay.canvas.width, overlay.canvas.height);
  };

  let busy = false;
  async function update(): Promise<void> {
    if (busy) {
      setState(status, "ready"); // the fit owns the view; the last result stays
      return;
    }
    const opts = options();
    await refreshTarget(opts);
    const t0 = performance.now();
    const alpha = tf.tidy(() => silhouette(az.value(), elev.value(), opts));
    const data = await alpha.data();
    const score = hardIoU(data, targetData);
    alpha.dispose();
    const ms = performance.now() - t0;
    show(data);
    let cover = 0;
    for (let i = 0; i < data.length; i++) cover += (data[i] as number) / data.length;
    const text = `${opts.distribution} × ${opts.tconorm}, τ = ${fmt(opts.scale as number, 4)}: mean coverage ${fmt(cover, 3)}, IoU with target ${fmt(score, 3)} (${ms.toFixed(0)} ms)`;
    setState(status, "ready", text);
    status.dataset.coverage = cover.toFixed(5);
    current.describe(text);
  }

  async function fit(): Promise<void> {
    busy = true;
    await queue; // an update still running shares the target tensor
    fitBtn.disabled = true;
    for (const c of [dist.input, tconorm.input, tau.input, az.input, elev.input]) c.disabled = true;
    setState(fitOut, "busy", "fitting…");
    const opts = options();
    await refreshTarget(opts);
    const target = targetAlpha as unknown as tf.Tensor;
    const azV = tf.variable(tf.scalar(az.value()), true, "azimuth");
    const elV = tf.variable(tf.scalar(elev.value()), true, "elevation");
    const optimizer = tf.train.adam(2.5);
    const losses: number[] = [];
    const ious: number[] = [];
    try {
      for (let step = 0; step < STEPS; step++) {
        let alpha: tf.Tensor | null = null;
        const loss = optimizer.minimize(
          () => {
            const a = silhouette(azV, elV, opts);
            alpha = tf.keep(a);
            return softIoULoss(a, target);
          },
          true,
          [azV, elV],
        ) as tf.Scalar;
        const a = alpha as unknown as tf.Tensor;
        const [lv, data, azv, elv] = await Promise.all([loss.data(), a.data(), azV.data(), elV.data()]);
        losses.push(lv[0] as number);
        ious.push(hardIoU(data, targetData));
        tf.dispose([loss, a]);
        show(data);
        drawLines(
          lossFig.canvas,
          [
            { values: losses, color: "#3b528b" },
            { values: ious, color: "#21918c" },
          ],
          { yMin: 0, yMax: 1, title: "soft IoU loss (blue), hard IoU (green)", xLabel: "step" },
        );
        const text = `step ${step + 1}/${STEPS}: loss ${fmt(lv[0] as number, 4)}, IoU ${fmt(ious[ious.length - 1] as number, 3)}, azimuth ${fmt(azv[0] as number, 1)}°, elevation ${fmt(elv[0] as number, 1)}° (target ${TARGET.azimuth}°, ${TARGET.elevation}°)`;
        fitOut.textContent = text;
        lossFig.describe(text);
        await nextFrame();
      }
      setState(fitOut, "ready");
      fitOut.dataset.firstLoss = String(losses[0]);
      fitOut.dataset.lastLoss = String(losses[losses.length - 1]);
      fitOut.dataset.steps = String(losses.length);
    } catch (e) {
      setState(fitOut, "error", `Error: ${e instanceof Error ? e.message : String(e)}`);
    } finally {
      tf.dispose([azV, elV]);
      optimizer.dispose();
      busy = false;
      fitBtn.disabled = false;
      for (const c of [dist.input, tconorm.input, tau.input, az.input, elev.input]) c.disabled = false;
    }
  }

  // One update at a time: updates share the target tensor (a second one used to dispose it under a
  // pending read). Requests that arrive meanwhile collapse into one more run with the latest settings.
  let queue: Promise<void> = Promise.resolve();
  let pending = false;
  const run = (): void => {
    if (pending) return;
    pending = true;
    setState(status, "busy");
    queue = queue
      .then(() => {
        pending = false;
        return update();
      })
      .catch((e: unknown) => setState(status, "error", `Error: ${e instanceof Error ? e.message : String(e)}`));
  };
  for (const c of [dist.input, tconorm.input]) c.addEventListener("change", run);
  for (const c of [tau.input, az.input, elev.input]) c.addEventListener("input", run);
  fitBtn.addEventListener("click", () => void fit());
  run();
  await queue;
}

/** Hard IoU of two silhouettes thresholded at ½ (host-side, no synchronous GPU read). */
function hardIoU(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let inter = 0,
    union = 0;
  for (let i = 0; i < a.length; i++) {
    const x = (a[i] as number) > 0.5,
      y = (b[i] as number) > 0.5;
    if (x && y) inter++;
    if (x || y) union++;
  }
  return union === 0 ? 1 : inter / union;
}
