import * as tf from "@tensorflow/tfjs-core";
import { createRng } from "@relax/core";
import { rankingLoss } from "@relax/sort";
import { DIGITS_PER_CLASS, DIGIT_SIZE, digitsBase64 } from "virtual:mnist-digits";
import { button, drawBars, drawLines, el, figure, fmt, liveRegion, nextFrame, setState, slider } from "../ui.js";

const N = 5; // numbers per set
const BATCH = 16; // sets per step
const TEST_PER_CLASS = 15;
const PIX = DIGIT_SIZE * DIGIT_SIZE;
const HIDDEN = 32;
const SHOW_SETS = 4;

/** Uniforms in [0, 1) from `@relax/core`'s seeded generator (its mulberry32 stream). */
function rng(seed: number): () => number {
  const r = createRng(seed, { algorithm: "mulberry32" });
  return () => r.next();
}

function decodeDigits(): Float32Array {
  const bin = atob(digitsBase64);
  const out = new Float32Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i) / 255;
  return out;
}

/** Sets of N digit images with N distinct labels (no ties), drawn from digits [from, to) of each class. */
function sampleSets(
  images: Float32Array,
  count: number,
  from: number,
  to: number,
  rand: () => number,
): { x: Float32Array; labels: number[][] } {
  const x = new Float32Array(count * N * PIX);
  const labels: number[][] = [];
  for (let s = 0; s < count; s++) {
    const classes = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
    for (let i = classes.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [classes[i], classes[j]] = [classes[j] as number, classes[i] as number];
    }
    const row = classes.slice(0, N);
    labels.push(row);
    row.forEach((c, k) => {
      const idx = c * DIGITS_PER_CLASS + from + Math.floor(rand() * (to - from));
      x.set(images.subarray(idx * PIX, (idx + 1) * PIX), (s * N + k) * PIX);
    });
  }
  return { x, labels };
}

function argsort(v: ArrayLike<number>): number[] {
  return Array.from({ length: v.length }, (_, i) => i).sort((a, b) => (v[a] as number) - (v[b] as number));
}

/** Ranking supervision (Petersen et al., ICML 2021, §5): learn to read digits from the order of sets only. */
export function mount(panel: HTMLElement): void {
  const images = decodeDigits();
  const steps = slider({ id: "rank-steps", label: "Training steps", min: 50, max: 500, step: 50, value: 200 });
  const steep = slider({ id: "rank-steepness", label: "Steepness β", min: 2, max: 40, step: 1, value: 15 });
  const trainBtn = button("rank-train", "Train from rankings only", "primary");
  const lossFig = figure("rank-loss", 420, 190, "Ranking loss and test exact-match accuracy");
  const classFig = figure("rank-class", 420, 190, "Mean learned score per digit class (test digits)");
  const setsFig = figure("rank-sets", 5 * 44 + 8, SHOW_SETS * 50, "Test sets sorted by the learned score (left = lowest)");
  const progress = liveRegion("rank-progress");
  const result = liveRegion("rank-output", "result big");

  panel.append(
    el("h2", { text: "Ranking supervision with a differentiable sorting network" }),
    el("p", {
      class: "intro",
      text: `A tiny version of the main experiment: a small MLP gives each ${DIGIT_SIZE}×${DIGIT_SIZE} MNIST digit one score. It never sees a label — only the true order of sets of ${N} digits. The loss is the cross-entropy between the relaxed permutation matrix of the scores (odd-even network, cauchy) and the true permutation. Does it learn that 7 > 3?`,
    }),
    el("div", { class: "controls" }, [
      steps.root,
      steep.root,
      trainBtn,
      el("span", {
        class: "hint",
        text: `${DIGITS_PER_CLASS - TEST_PER_CLASS} training / ${TEST_PER_CLASS} test digits per class (real MNIST, downsampled)`,
      }),
    ]),
    el("div", { class: "grid2" }, [el("div", {}, [lossFig.root, progress]), classFig.root]),
    result,
    setsFig.root,
  );

  const drawSets = (x: Float32Array, order: number[][]): void => {
    const ctx = setsFig.canvas.getContext("2d") as CanvasRenderingContext2D;
    ctx.fillStyle = "#fff";
    ctx.fillRect(0, 0, setsFig.canvas.width, setsFig.canvas.height);
    const img = new ImageData(DIGIT_SIZE, DIGIT_SIZE);
    const off = document.createElement("canvas");
    off.width = off.height = DIGIT_SIZE;
    const octx = off.getContext("2d") as CanvasRenderingContext2D;
    ctx.imageSmoothingEnabled = true;
    order.forEach((row, s) => {
      row.forEach((k, pos) => {
        const base = (s * N + k) * PIX;
        for (let i = 0; i < PIX; i++) {
          const v = 255 - Math.round((x[base + i] as number) * 255);
          img.data[4 * i] = img.data[4 * i + 1] = img.data[4 * i + 2] = v;
          img.data[4 * i + 3] = 255;
        }
        octx.putImageData(img, 0, 0);
        ctx.drawImage(off, 4 + pos * 44, 3 + s * 50, 42, 42);
      });
    });
  };

  async function train(): Promise<void> {
    trainBtn.disabled = true;
    setState(result, "busy", "");
    setState(progress, "busy", "training…");
    const total = steps.value();
    const steepness = steep.value();
    const rand = rng(7);
    const w1 = tf.variable(tf.randomNormal([PIX, HIDDEN], 0, Math.sqrt(2 / PIX), "float32", 1));
    const b1 = tf.variable(tf.zeros([HIDDEN]));
    const w2 = tf.variable(tf.randomNormal([HIDDEN, 1], 0, Math.sqrt(1 / HIDDEN), "float32", 2));
    const b2 = tf.variable(tf.zeros([1]));
    const vars = [w1, b1, w2, b2];
    const model = (x: tf.Tensor2D, sets: number): tf.Tensor2D =>
      tf.reshape(tf.add(tf.matMul(tf.relu(tf.add(tf.matMul(x, w1), b1)), w2), b2), [sets, N]);
    const optimizer = tf.train.adam(0.005);
    const testSets = sampleSets(images, 200, DIGITS_PER_CLASS - TEST_PER_CLASS, DIGITS_PER_CLASS, rng(99));
    const xTest = tf.tensor2d(testSets.x, [200 * N, PIX]);
    const losses: number[] = [],
      exact: number[] = [],
      xs: number[] = [];
    const evaluate = async (): Promise<{ exact: number; pairs: number; scores: Float32Array | Int32Array | Uint8Array }> => {
      const s = tf.tidy(() => model(xTest, 200));
      const scores = await s.data();
      s.dispose();
      let ex = 0,
        pairsOk = 0,
        pairs = 0;
      testSets.labels.forEach((lab, r) => {
        const sc = scores.subarray(r * N, (r + 1) * N);
        if (argsort(sc).every((k, j) => k === argsort(lab)[j])) ex++;
        for (let i = 0; i < N; i++)
          for (let j = i + 1; j < N; j++) {
            pairs++;
            if (((sc[i] as number) - (sc[j] as number)) * ((lab[i] as number) - (lab[j] as number)) > 0) pairsOk++;
          }
      });
      return { exact: ex / testSets.labels.length, pairs: pairsOk / pairs, scores };
    };
    try {
      let lastEval = await evaluate();
      for (let s = 1; s <= total; s++) {
        const batch = sampleSets(images, BATCH, 0, DIGITS_PER_CLASS - TEST_PER_CLASS, rand);
        const x = tf.tensor2d(batch.x, [BATCH * N, PIX]);
        // targets as plain arrays: the loss reads their order on the host (no GPU read-back)
        const loss = optimizer.minimize(
          () => rankingLoss(model(x, BATCH), batch.labels, { steepness, distribution: "cauchy", network: "odd_even" }) as tf.Scalar,
          true,
          vars,
        ) as tf.Scalar;
        x.dispose();
        if (s % 10 === 0 || s === total) {
          const lv = (await loss.data())[0] as number;
          lastEval = await evaluate();
          xs.push(s);
          losses.push(lv);
          exact.push(lastEval.exact);
          drawLines(
            lossFig.canvas,
            [
              { values: losses, color: "#3b528b" },
              { values: exact, color: "#21918c" },
            ],
            { xs, yMin: 0, yMax: Math.max(1, ...losses), title: "ranking loss (blue) · test exact-match accuracy (green)", xLabel: "step" },
          );
          const text = `step ${s}/${total}: loss ${fmt(lv, 4)}, test sets ranked exactly right ${fmt(lastEval.exact * 100, 1)}%, pairs ordered right ${fmt(lastEval.pairs * 100, 1)}%`;
          progress.textContent = text;
          lossFig.describe(text);
          await nextFrame();
        }
        loss.dispose();
      }
      setState(progress, "ready");
      // Mean score per class over the test sets, and a few sets sorted by score.
      const sum = new Array<number>(10).fill(0),
        cnt = new Array<number>(10).fill(0);
      testSets.labels.forEach((lab, r) =>
        lab.forEach((c, k) => {
          sum[c] = (sum[c] as number) + (lastEval.scores[r * N + k] as number);
          cnt[c] = (cnt[c] as number) + 1;
        }),
      );
      const means = sum.map((v, c) => v / Math.max(1, cnt[c] as number));
      const lo = Math.min(...means);
      drawBars(
        classFig.canvas,
        means.map((m) => m - lo),
        means.map((_, c) => String(c)),
        { title: "mean score per digit (shifted to start at 0)", color: "#3b528b" },
      );
      const monotone = means.every((m, c) => c === 0 || m > (means[c - 1] as number));
      classFig.describe(`means ${means.map((m) => fmt(m, 2)).join(", ")}${monotone ? " — increasing in the digit" : ""}`);
      const order = testSets.labels.slice(0, SHOW_SETS).map((_, r) => argsort(lastEval.scores.subarray(r * N, (r + 1) * N)));
      drawSets(testSets.x, order);
      setsFig.describe(order.map((o, r) => o.map((k) => testSets.labels[r]?.[k]).join(" < ")).join("; "));
      const text = `After ${total} steps: ${fmt(lastEval.exact * 100, 1)}% of test sets of ${N} ranked exactly right (chance ${fmt(100 / 120, 2)}%), ${fmt(lastEval.pairs * 100, 1)}% of pairs ordered right${monotone ? "; mean score increases with the digit 0 → 9" : ""}.`;
      setState(result, "ready", text);
      result.dataset.exact = String(lastEval.exact);
      result.dataset.pairs = String(lastEval.pairs);
    } catch (e) {
      setState(result, "error", `Error: ${e instanceof Error ? e.message : String(e)}`);
    } finally {
      tf.dispose([...vars, xTest]);
      optimizer.dispose();
      trainBtn.disabled = false;
    }
  }
  trainBtn.addEventListener("click", () => void train());
}
