import * as tf from "@tensorflow/tfjs-core";
import { COMPARATOR_DISTRIBUTIONS, MONOTONIC_COMPARATORS, type ComparatorDistribution } from "@relax/core";
import { diffSort, SORTING_NETWORKS, type SortingNetworkType } from "@relax/sort";
import { drawBars, drawHeatmap, drawLines, el, figure, fmt, liveRegion, select, setState, slider } from "../ui.js";

const DEFAULT_INPUT = "0.6, -1.2, 2.1, 0.9, -0.3, 1.4, -2.0, 0.2";
const MAX_N = 32;
const SWEEP = 81;
const COLORS = ["#440154", "#3b528b", "#21918c", "#5ec962", "#e6a700", "#c0392b", "#8e44ad", "#16a085"];

/** Steepness slider: raw 0…100 ↦ β = 10^(raw/50) ∈ [1, 100]. */
const steepnessOf = (raw: number): number => Math.pow(10, raw / 50);

function parseNumbers(text: string): number[] | string {
  const parts = text.split(/[\s,;]+/).filter((p) => p.length > 0);
  if (parts.length < 2) return "enter at least 2 numbers";
  if (parts.length > MAX_N) return `at most ${MAX_N} numbers`;
  const xs = parts.map(Number);
  const bad = parts.find((_, i) => !Number.isFinite(xs[i]));
  return bad === undefined ? xs : `"${bad}" is not a number`;
}

/** Sorting demo: differentiable sorting networks (ICML 2021) and their monotonic relaxations (ICLR 2022). */
export function mount(panel: HTMLElement): void {
  const input = el("input", {
    id: "sort-input",
    type: "text",
    value: DEFAULT_INPUT,
    spellcheck: "false",
    autocomplete: "off",
    "aria-describedby": "sort-input-hint sort-input-error",
  });
  const inputError = el("span", { id: "sort-input-error", class: "field-error", role: "alert" });
  const shuffle = el("button", { type: "button", id: "sort-shuffle", text: "Random numbers" });
  const network = select({ id: "sort-network", label: "Sorting network", options: SORTING_NETWORKS, value: "odd_even" });
  const dist = select({
    id: "sort-distribution",
    label: "Relaxation (distribution)",
    options: COMPARATOR_DISTRIBUTIONS,
    value: "logistic",
    labels: Object.fromEntries(COMPARATOR_DISTRIBUTIONS.map((d) => [d, MONOTONIC_COMPARATORS.includes(d) ? `${d} (monotonic)` : d])),
  });
  const steep = slider({
    id: "sort-steepness",
    label: "Steepness β",
    min: 0,
    max: 100,
    step: 1,
    value: 50,
    map: steepnessOf,
    format: (v) => fmt(v, 2),
    hint: "inverse temperature: larger is sharper",
  });
  const art = slider({
    id: "sort-art",
    label: "ART λ",
    min: 0.05,
    max: 0.5,
    step: 0.05,
    value: 0.25,
    format: (v) => v.toFixed(2),
    hint: "used by logistic_phi only",
  });
  const gradPos = el("select", { id: "sort-grad-pos" });

  const heat = figure("sort-heatmap", 360, 360, "Relaxed permutation matrix P (row j = sorted position, column i = input)");
  const gradFig = figure("sort-grad", 360, 150, "Gradient of the chosen sorted entry w.r.t. every input");
  const monoL = figure("sort-mono-left", 330, 200, "logistic (non-monotonic)");
  const monoR = figure("sort-mono-right", 330, 200, "cauchy (monotonic)");
  const sortedOut = liveRegion("sort-output");
  const gradOut = liveRegion("sort-grad-output", "result small");
  const monoOut = liveRegion("sort-mono-output", "result small");

  panel.append(
    el("h2", { text: "Differentiable sorting networks" }),
    el("p", {
      class: "intro",
      text: "Each comparator of a sorting network becomes a soft swap: with probability σ((b − a)·β) the pair is swapped. The result is a doubly-stochastic relaxed permutation matrix P with sorted = P·x, differentiable in x.",
    }),
    el("div", { class: "controls" }, [
      el("div", { class: "control wide" }, [
        el("label", { for: "sort-input", text: "Numbers to sort (comma separated)" }),
        input,
        el("span", { class: "hint", id: "sort-input-hint", text: `2 to ${MAX_N} numbers` }),
        inputError,
      ]),
      el("div", { class: "control" }, [el("span", { class: "label-like", text: "\u00a0" }), shuffle]),
      network.root,
      dist.root,
      steep.root,
      art.root,
    ]),
    el("div", { class: "grid2" }, [
      el("div", {}, [heat.root]),
      el("div", {}, [
        el("h3", { text: "Sorted output" }),
        sortedOut,
        el("div", { class: "control" }, [el("label", { for: "sort-grad-pos", text: "Gradient of sorted entry" }), gradPos]),
        gradFig.root,
        gradOut,
      ]),
    ]),
    el("h3", { text: "Monotonic vs non-monotonic: each sorted output as input 0 sweeps" }),
    el("p", {
      class: "intro",
      text: "A monotonic relaxation (cauchy, reciprocal, optimal) never lets a sorted output go down when an input goes up; logistic can (ICLR 2022). Same network and steepness as above.",
    }),
    el("div", { class: "grid2" }, [monoL.root, monoR.root]),
    monoOut,
  );

  let xs: number[] = [];
  let version = 0;

  const refreshGradOptions = (n: number): void => {
    const prev = Number(gradPos.value || 0);
    gradPos.replaceChildren(
      ...Array.from({ length: n }, (_, j) => el("option", { value: j, text: `sorted[${j}]`, selected: j === Math.min(prev, n - 1) })),
    );
  };

  const options = (distribution: ComparatorDistribution = dist.input.value as ComparatorDistribution) => ({
    network: network.input.value as SortingNetworkType,
    distribution,
    steepness: steep.value(),
    artLambda: art.value(),
  });

  async function update(): Promise<void> {
    const parsed = parseNumbers(input.value);
    if (typeof parsed === "string") {
      inputError.textContent = parsed;
      input.setAttribute("aria-invalid", "true");
      setState(sortedOut, "ready"); // the last valid result stays on show
      return;
    }
    inputError.textContent = "";
    input.removeAttribute("aria-invalid");
    if (parsed.length !== xs.length) refreshGradOptions(parsed.length);
    xs = parsed;
    const n = xs.length;
    const my = ++version;
    art.setEnabled(dist.input.value === "logistic_phi");
    setState(sortedOut, "busy");
    const j = Number(gradPos.value || 0);
    const opts = options();
    const [sorted, perm, grad] = tf.tidy(() => {
      const x = tf.tensor2d(xs, [1, n]);
      const { sorted, permutation } = diffSort(x, opts);
      const g = tf.grad((v: tf.Tensor) => tf.sum(tf.slice(diffSort(v, { ...opts, valuesOnly: true }).sorted, [0, j], [1, 1])))(x);
      return [sorted, permutation, g];
    });
    const [s, p, g] = await Promise.all([sorted.data(), perm.data(), grad.data()]);
    tf.dispose([sorted, perm, grad]);
    if (my !== version) return;
    const hard = [...xs].sort((a, b) => a - b);
    drawHeatmap(heat.canvas, p, n, n, { showValues: n <= 8 });
    heat.describe(`${n}×${n}, sorted position j takes mostly input ${Array.from({ length: n }, (_, r) => argmax(p, r * n, n)).join(", ")}`);
    sortedOut.replaceChildren(
      el("table", { class: "nums" }, [
        el("tr", {}, [el("th", { scope: "row", text: "relaxed" }), ...Array.from(s, (v) => el("td", { text: fmt(v, 3) }))]),
        el("tr", {}, [el("th", { scope: "row", text: "hard" }), ...hard.map((v) => el("td", { text: fmt(v, 3) }))]),
      ]),
    );
    setState(sortedOut, "ready");
    sortedOut.dataset.sorted = Array.from(s, (v) => v.toFixed(4)).join(",");
    drawBars(
      gradFig.canvas,
      g,
      xs.map((_, i) => `x${i}`),
      { title: `∂ sorted[${j}] / ∂ x_i`, highlight: argmax(g, 0, n) },
    );
    gradOut.textContent = `∂ sorted[${j}] / ∂ x = [${Array.from(g, (v) => fmt(v, 3)).join(", ")}] (sums to ${fmt(
      Array.from(g).reduce((a, b) => a + b, 0),
      3,
    )})`;
    gradFig.describe(gradOut.textContent);
    await drawMonotonic(my);
  }

  async function drawMonotonic(my: number): Promise<void> {
    const n = xs.length;
    const lo = Math.min(...xs) - 1.5,
      hi = Math.max(...xs) + 1.5;
    const sweep = Array.from({ length: SWEEP }, (_, k) => lo + ((hi - lo) * k) / (SWEEP - 1));
    const batch = new Float32Array(SWEEP * n);
    for (let k = 0; k < SWEEP; k++) for (let i = 0; i < n; i++) batch[k * n + i] = i === 0 ? (sweep[k] as number) : (xs[i] as number);
    const results: string[] = [];
    for (const [fig, d] of [
      [monoL, "logistic"],
      [monoR, "cauchy"],
    ] as const) {
      const out = tf.tidy(() => diffSort(tf.tensor2d(batch, [SWEEP, n]), { ...options(d), valuesOnly: true }).sorted);
      const v = await out.data();
      out.dispose();
      if (my !== version) return;
      let minSlope = Infinity;
      const series = Array.from({ length: n }, (_, jj) => {
        const col = Array.from({ length: SWEEP }, (_, k) => v[k * n + jj] as number);
        for (let k = 1; k < SWEEP; k++)
          minSlope = Math.min(minSlope, ((col[k] as number) - (col[k - 1] as number)) / ((sweep[k] as number) - (sweep[k - 1] as number)));
        return { values: col, color: COLORS[jj % COLORS.length] as string };
      });
      const verdict =
        minSlope < -1e-3
          ? `non-monotonic: slope down to ${fmt(minSlope, 3)}`
          : `monotonic: smallest slope ${fmt(Math.max(0, minSlope), 3)}`;
      drawLines(fig.canvas, series, { xs: sweep, title: `${d}: ${verdict}`, xLabel: "x0" });
      fig.describe(verdict);
      results.push(`${d} — ${verdict}`);
    }
    monoOut.textContent = results.join("; ");
  }

  let timer = 0;
  const schedule = (): void => {
    clearTimeout(timer);
    setState(sortedOut, "busy"); // an update is pending: not ready until the last one lands
    timer = window.setTimeout(() => void update().catch(showError), 60);
  };
  const showError = (e: unknown): void => {
    setState(sortedOut, "error", `Error: ${e instanceof Error ? e.message : String(e)}`);
  };
  input.addEventListener("input", schedule);
  for (const c of [network.input, dist.input, gradPos]) c.addEventListener("change", schedule);
  for (const c of [steep.input, art.input]) c.addEventListener("input", schedule);
  shuffle.addEventListener("click", () => {
    const n = xs.length || 8;
    input.value = Array.from({ length: n }, () => (Math.round((Math.random() * 6 - 3) * 10) / 10).toString()).join(", ");
    schedule();
  });
  refreshGradOptions(parseNumbers(DEFAULT_INPUT).length);
  gradPos.value = "0";
  void update().catch(showError);
}

function argmax(a: ArrayLike<number>, offset: number, n: number): number {
  let best = 0;
  for (let i = 1; i < n; i++) if ((a[offset + i] as number) > (a[offset + best] as number)) best = i;
  return best;
}
