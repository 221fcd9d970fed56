import * as tf from "@tensorflow/tfjs-core";
import { createRng } from "@relax/core";
import { GATE_NAMES, GroupSum, LogicLayer, LogicNet, compile } from "@relax/logic";
import { button, drawBars, drawLines, el, figure, fmt, liveRegion, nextFrame, select, setState, slider } from "../ui.js";

const DATASETS = ["circles", "checkerboard", "moons"] as const;
type Dataset = (typeof DATASETS)[number];
const THRESHOLDS = 12; // thermometer bits per coordinate
const N_TRAIN = 512;
const N_TEST = 512;
const GRID = 48;
/** Short labels of the 16 gates in GATE_NAMES order (zero, and, not_implies, a, …, one). */
const GATE_SHORT = ["0", "and", "a∧¬b", "a", "¬a∧b", "b", "xor", "or", "nor", "xnor", "¬b", "a∨¬b", "¬a", "¬a∨b", "nand", "1"];

/** Uniforms in [0, 1) from `@relax/core`'s seeded generator (its mulberry32 stream). */
function rng(seed: number): () => number {
  const r = createRng(seed, { algorithm: "mulberry32" });
  return () => r.next();
}

function label(ds: Dataset, x: number, y: number): number {
  if (ds === "circles") return x * x + y * y < 0.42 ? 1 : 0;
  if (ds === "checkerboard") return (Math.floor((x + 1) * 1.5) + Math.floor((y + 1) * 1.5)) % 2;
  // moons: the class of the nearer of two interleaved half circles (upper arc around (−0.3, −0.15), lower around (0.3, 0.15))
  return arcDistance(x, y, -0.3, -0.15, 1) < arcDistance(x, y, 0.3, 0.15, -1) ? 1 : 0;
}

/** Distance from (x, y) to the half circle of radius 0.6 around (cx, cy), upper half (side 1) or lower (−1). */
function arcDistance(x: number, y: number, cx: number, cy: number, side: 1 | -1): number {
  const R = 0.6;
  if ((y - cy) * side >= 0) return Math.abs(Math.hypot(x - cx, y - cy) - R);
  return Math.min(Math.hypot(x - cx - R, y - cy), Math.hypot(x - cx + R, y - cy));
}

/** Points in [−1, 1]² with labels. */
function sample(ds: Dataset, n: number, seed: number): { pts: Float32Array; ys: Int32Array } {
  const r = rng(seed);
  const pts = new Float32Array(2 * n),
    ys = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const x = r() * 2 - 1,
      y = r() * 2 - 1;
    pts[2 * i] = x;
    pts[2 * i + 1] = y;
    ys[i] = label(ds, x, y);
  }
  return { pts, ys };
}

/** Thermometer encoding: bit k of coordinate c is [coord > threshold_k], thresholds evenly inside (−1, 1). */
function encode(pts: Float32Array): Float32Array {
  const n = pts.length / 2;
  const bits = new Float32Array(n * 2 * THRESHOLDS);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < 2; c++) {
      for (let k = 0; k < THRESHOLDS; k++)
        bits[i * 2 * THRESHOLDS + c * THRESHOLDS + k] = (pts[2 * i + c] as number) > -1 + (2 * (k + 1)) / (THRESHOLDS + 1) ? 1 : 0;
    }
  }
  return bits;
}

function accuracy(scores: ArrayLike<number>, ys: Int32Array, k: number): number {
  let ok = 0;
  for (let i = 0; i < ys.length; i++) {
    let best = 0;
    for (let c = 1; c < k; c++) if ((scores[i * k + c] as number) > (scores[i * k + best] as number)) best = c;
    if (best === ys[i]) ok++;
  }
  return ok / ys.length;
}

/** Logic demo: deep differentiable logic gate networks (NeurIPS 2022), trained in the page, then discretised. */
export function mount(panel: HTMLElement): void {
  const dataset = select({ id: "logic-dataset", label: "Toy dataset", options: DATASETS, value: "circles" });
  const width = select({ id: "logic-width", label: "Gates per layer (3 layers)", options: ["64", "128", "256"], value: "128" });
  const steps = slider({ id: "logic-steps", label: "Training steps", min: 50, max: 400, step: 50, value: 200 });
  const wiring = select({
    id: "logic-wiring",
    label: "Wiring",
    options: ["random", "learned", "learned-frozen", "learned-pruned"],
    value: "random",
    labels: {
      random: "random (fixed)",
      learned: "learned (8 candidates)",
      "learned-frozen": "learned, frozen half way (net.freezeWiring)",
      "learned-pruned": "learned, best 2 from a quarter, frozen half way (net.pruneCandidates)",
    },
  });
  const gateChoice = select({
    id: "logic-gate-choice",
    label: "Gate choice",
    options: ["soft", "hard-st", "gumbel-st"],
    value: "soft",
    labels: { soft: "soft (softmax mixture)", "hard-st": "hard straight-through", "gumbel-st": "Gumbel straight-through" },
  });
  const trainBtn = button("logic-train", "Train the logic net", "primary");

  const dataFig = figure("logic-map", 260, 260, "Decision map of the discretised circuit with test points");
  const accFig = figure("logic-acc", 420, 200, "Accuracy while training");
  const histFig = figure("logic-hist", 680, 190, "Gate histogram of the discretised circuit");
  const progress = liveRegion("logic-progress");
  const result = liveRegion("logic-output", "result big");

  panel.append(
    el("h2", { text: "Deep differentiable logic gate networks" }),
    el("p", {
      class: "intro",
      text: "Every neuron is a two-input logic gate whose choice among the 16 gates is a softmax over learned logits; gates are relaxed with real-valued logic (a AND b = a·b, …). After training, each neuron keeps its most likely gate and the net becomes a plain Boolean circuit, evaluated here bit-packed.",
    }),
    el("div", { class: "controls" }, [dataset.root, width.root, wiring.root, gateChoice.root, steps.root, trainBtn]),
    el("div", { class: "grid2" }, [el("div", {}, [accFig.root, progress]), el("div", {}, [dataFig.root])]),
    result,
    histFig.root,
  );

  const plotPoints = (pts: Float32Array, ys: Int32Array, gridPred: Int32Array | null): void => {
    const ctx = dataFig.canvas.getContext("2d") as CanvasRenderingContext2D;
    const W = dataFig.canvas.width;
    ctx.clearRect(0, 0, W, W);
    if (gridPred) {
      const cell = W / GRID;
      for (let r = 0; r < GRID; r++) {
        for (let c = 0; c < GRID; c++) {
          ctx.fillStyle = gridPred[r * GRID + c] === 1 ? "#d6eef0" : "#f3e3ef";
          ctx.fillRect(c * cell, r * cell, Math.ceil(cell), Math.ceil(cell));
        }
      }
    }
    for (let i = 0; i < ys.length; i++) {
      ctx.fillStyle = ys[i] === 1 ? "#21918c" : "#8e3b7a";
      ctx.beginPath();
      ctx.arc((((pts[2 * i] as number) + 1) / 2) * W, ((1 - (pts[2 * i + 1] as number)) / 2) * W, 2.2, 0, 2 * Math.PI);
      ctx.fill();
    }
  };

  let data = sample("circles", N_TRAIN, 1);
  let test = sample("circles", N_TEST, 2);
  const refreshData = (): void => {
    const ds = dataset.input.value as Dataset;
    data = sample(ds, N_TRAIN, 1);
    test = sample(ds, N_TEST, 2);
    plotPoints(test.pts, test.ys, null);
    dataFig.describe(`${ds}: ${N_TEST} test points, two classes`);
  };
  refreshData();
  dataset.input.addEventListener("change", refreshData);

  async function train(): Promise<void> {
    trainBtn.disabled = true;
    dataset.input.disabled = true;
    wiring.input.disabled = true;
    gateChoice.input.disabled = true;
    setState(result, "busy", "");
    setState(progress, "busy", "building the net…");
    const w = Number(width.input.value);
    const total = steps.value();
    const inDim = 2 * THRESHOLDS;
    const learned = wiring.input.value !== "random";
    // "learned-frozen": the wiring is fixed at its chosen wires half way through, the gates train on alone;
    // "learned-pruned": before that, each gate input keeps its 2 strongest candidates from a quarter of the steps on
    const freezeAt = wiring.input.value.startsWith("learned-") ? Math.ceil(total / 2) : 0;
    const pruneAt = wiring.input.value === "learned-pruned" ? Math.ceil(total / 4) : 0;
    const choice = gateChoice.input.value as "soft" | "hard-st" | "gumbel-st";
    const layerOptions = (inputs: number) => ({
      gateChoice: choice,
      ...(learned ? { connections: "learned" as const, candidates: Math.min(8, inputs), wiringChoice: "soft" as const } : {}),
    });
    const net = new LogicNet([
      new LogicLayer(inDim, w, { seed: 11, ...layerOptions(inDim) }),
      new LogicLayer(w, w, { seed: 12, ...layerOptions(w) }),
      new LogicLayer(w, w, { seed: 13, ...layerOptions(w) }),
      new GroupSum(2, w / 16),
    ]);
    const xTrain = tf.tensor2d(encode(data.pts), [N_TRAIN, inDim]);
    const yTrain = tf.oneHot(tf.tensor1d(data.ys, "int32"), 2);
    const testBits = encode(test.pts);
    const xTest = tf.tensor2d(testBits, [N_TEST, inDim]);
    const optimizer = tf.train.adam(0.05);
    let gap = 0;
    const trainAcc: number[] = [],
      testAcc: number[] = [],
      xs: number[] = [];
    try {
      for (let s = 1; s <= total; s++) {
        if (s === pruneAt) net.pruneCandidates(2); // net.variables below then holds the new wiring logits
        if (s === freezeAt) net.freezeWiring(); // net.variables below is then the gates' logits alone
        const loss = optimizer.minimize(
          () => tf.losses.softmaxCrossEntropy(yTrain, net.forward(xTrain, { mode: "train", inputGradient: false })) as tf.Scalar,
          true,
          net.variables,
        ) as tf.Scalar;
        if (s % 10 === 0 || s === 1 || s === total) {
          const trainOut = tf.tidy(() => net.forward(xTrain, { mode: "train" }));
          const evalOut = tf.tidy(() => net.forward(xTest, { mode: "eval" }));
          const softOut = tf.tidy(() => net.forward(xTest, { mode: "train" }));
          const [lv, tr, ev, so] = await Promise.all([loss.data(), trainOut.data(), evalOut.data(), softOut.data()]);
          tf.dispose([trainOut, evalOut, softOut]);
          xs.push(s);
          trainAcc.push(accuracy(tr, data.ys, 2));
          testAcc.push(accuracy(ev, test.ys, 2));
          gap = accuracy(so, test.ys, 2) - (testAcc[testAcc.length - 1] as number);
          drawLines(
            accFig.canvas,
            [
              { values: trainAcc, color: "#3b528b" },
              { values: testAcc, color: "#21918c" },
            ],
            { xs, yMin: 0.4, yMax: 1, title: "train accuracy, relaxed (blue) · test accuracy, discrete gates (green)", xLabel: "step" },
          );
          const text = `step ${s}/${total}: loss ${fmt(lv[0] as number, 4)}, train accuracy (train mode) ${fmt(trainAcc[trainAcc.length - 1] as number, 3)}, test accuracy (argmax gates) ${fmt(testAcc[testAcc.length - 1] as number, 3)}, train-mode − discrete gap on test ${fmt(100 * gap, 3)} points`;
          progress.textContent = text;
          accFig.describe(text);
          await nextFrame();
        }
        loss.dispose();
      }
      setState(progress, "ready");
      progress.dataset.firstAcc = String(trainAcc[0]);
      progress.dataset.lastAcc = String(trainAcc[trainAcc.length - 1]);

      // Discretise: read the logits asynchronously first (GPU backends cache them on the host), then compile.
      await Promise.all(net.variables.map((v) => v.data()));
      const compiled = compile(net);
      const pred = compiled.predict(testBits, N_TEST);
      let ok = 0;
      for (let i = 0; i < N_TEST; i++) if (pred[i] === test.ys[i]) ok++;
      const circuitAcc = ok / N_TEST;
      const grid = new Float32Array(GRID * GRID * 2);
      for (let r = 0; r < GRID; r++) {
        for (let c = 0; c < GRID; c++) {
          grid[2 * (r * GRID + c)] = -1 + (2 * c + 1) / GRID;
          grid[2 * (r * GRID + c) + 1] = 1 - (2 * r + 1) / GRID;
        }
      }
      const gridPred = compiled.predict(encode(grid), GRID * GRID);
      plotPoints(test.pts, test.ys, gridPred);
      dataFig.describe(`circuit decision regions; test accuracy ${fmt(circuitAcc, 3)}`);
      const hist = new Array<number>(GATE_NAMES.length).fill(0);
      for (const op of compiled.circuit.ops) hist[op] = (hist[op] ?? 0) + 1;
      drawBars(histFig.canvas, hist, GATE_SHORT, {
        title: `gates in the simplified circuit (${compiled.numGates} of ${compiled.circuit.sourceGates})`,
        color: "#21918c",
      });
      histFig.describe(GATE_NAMES.map((g, i) => `${g}: ${hist[i]}`).join(", "));
      const text = `Discretised circuit: ${compiled.numGates} gates after simplification (from ${compiled.circuit.sourceGates} neurons; ${wiring.input.value} wiring, ${choice} gate choice), test accuracy ${fmt(circuitAcc, 3)} (${compiled.backend} bit-packed evaluation); soft-vs-discrete gap ${fmt(100 * gap, 3)} points.`;
      setState(result, "ready", text);
      result.dataset.circuitAcc = String(circuitAcc);
      result.dataset.gates = String(compiled.numGates);
      result.dataset.gap = String(gap);
    } catch (e) {
      setState(result, "error", `Error: ${e instanceof Error ? e.message : String(e)}`);
    } finally {
      tf.dispose([xTrain, yTrain, xTest]);
      optimizer.dispose();
      net.dispose();
      trainBtn.disabled = false;
      dataset.input.disabled = false;
      wiring.input.disabled = false;
      gateChoice.input.disabled = false;
    }
  }
  trainBtn.addEventListener("click", () => void train());
}
