/** Small DOM + canvas helpers shared by the demos (no framework). */

type Attrs = Record<string, string | number | boolean | undefined>;

/** Creates an element with attributes (`text` sets textContent) and children. */
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  children: (Node | string)[] = [],
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === false) continue;
    if (k === "text") node.textContent = String(v);
    else if (k === "class") node.className = String(v);
    else node.setAttribute(k, v === true ? "" : String(v));
  }
  for (const c of children) node.append(c);
  return node;
}

/** A labelled range input whose displayed value is `format(map(raw))`. */
export interface Slider {
  root: HTMLElement;
  input: HTMLInputElement;
  value(): number;
  setEnabled(on: boolean): void;
}

export function slider(opts: {
  id: string;
  label: string;
  min: number;
  max: number;
  step: number;
  value: number;
  map?: (raw: number) => number;
  format?: (v: number) => string;
  hint?: string;
}): Slider {
  const map = opts.map ?? ((v: number) => v);
  const format = opts.format ?? ((v: number) => String(v));
  const input = el("input", { type: "range", id: opts.id, min: opts.min, max: opts.max, step: opts.step, value: opts.value });
  const out = el("output", { for: opts.id, id: `${opts.id}-value`, class: "value" });
  const update = (): void => {
    const text = format(map(Number(input.value)));
    out.textContent = text;
    input.setAttribute("aria-valuetext", text);
  };
  input.addEventListener("input", update);
  update();
  const children: (Node | string)[] = [el("label", { for: opts.id, text: opts.label }), input, out];
  if (opts.hint) {
    const hint = el("span", { class: "hint", id: `${opts.id}-hint`, text: opts.hint });
    input.setAttribute("aria-describedby", hint.id);
    children.push(hint);
  }
  const root = el("div", { class: "control" }, children);
  return {
    root,
    input,
    value: () => map(Number(input.value)),
    setEnabled: (on) => {
      input.disabled = !on;
      root.classList.toggle("disabled", !on);
    },
  };
}

/** A labelled select. */
export function select(opts: { id: string; label: string; options: readonly string[]; value: string; labels?: Record<string, string> }): {
  root: HTMLElement;
  input: HTMLSelectElement;
} {
  const input = el(
    "select",
    { id: opts.id },
    opts.options.map((o) => el("option", { value: o, text: opts.labels?.[o] ?? o, selected: o === opts.value })),
  );
  return { root: el("div", { class: "control" }, [el("label", { for: opts.id, text: opts.label }), input]), input };
}

/** A button. */
export function button(id: string, text: string, cls = ""): HTMLButtonElement {
  return el("button", { type: "button", id, class: cls, text });
}

/** A canvas with an accessible name (role=img); `describe` updates the name with a text summary. */
export function figure(
  id: string,
  width: number,
  height: number,
  caption: string,
): { root: HTMLElement; canvas: HTMLCanvasElement; describe(text: string): void } {
  const canvas = el("canvas", { id, width, height, role: "img", "aria-label": caption });
  const root = el("figure", { class: "fig" }, [canvas, el("figcaption", { text: caption })]);
  return { root, canvas, describe: (text) => canvas.setAttribute("aria-label", `${caption}: ${text}`) };
}

/** A polite live region for results. */
export function liveRegion(id: string, cls = "result"): HTMLElement {
  return el("div", { id, class: cls, role: "status", "aria-live": "polite", "aria-atomic": "true" });
}

function ctx2d(canvas: HTMLCanvasElement): CanvasRenderingContext2D {
  const ctx = canvas.getContext("2d");
  if (!ctx) throw new Error("2d canvas context unavailable");
  return ctx;
}

/** Viridis-like colour map, t in [0, 1]. */
export function viridis(t: number): [number, number, number] {
  const stops: [number, number, number][] = [
    [68, 1, 84],
    [59, 82, 139],
    [33, 145, 140],
    [94, 201, 98],
    [253, 231, 37],
  ];
  const x = Math.min(1, Math.max(0, Number.isFinite(t) ? t : 0)) * (stops.length - 1);
  const i = Math.min(stops.length - 2, Math.floor(x));
  const f = x - i;
  const a = stops[i] as [number, number, number];
  const b = stops[i + 1] as [number, number, number];
  return [a[0] + (b[0] - a[0]) * f, a[1] + (b[1] - a[1]) * f, a[2] + (b[2] - a[2]) * f];
}

/** Heat map of a `[rows, cols]` matrix in [0, 1], with axis titles and optional cell values. */
export function drawHeatmap(
  canvas: HTMLCanvasElement,
  m: ArrayLike<number>,
  rows: number,
  cols: number,
  opts: { rowTitle?: string; colTitle?: string; showValues?: boolean } = {},
): void {
  const ctx = ctx2d(canvas);
  const W = canvas.width,
    H = canvas.height;
  const padL = 34,
    padT = 26;
  ctx.clearRect(0, 0, W, H);
  const cw = (W - padL - 4) / cols,
    ch = (H - padT - 4) / rows;
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const v = m[r * cols + c] ?? 0;
      const [R, G, B] = viridis(v);
      ctx.fillStyle = `rgb(${R | 0},${G | 0},${B | 0})`;
      ctx.fillRect(padL + c * cw, padT + r * ch, Math.ceil(cw), Math.ceil(ch));
      if (opts.showValues && cw > 26 && ch > 14) {
        ctx.fillStyle = v > 0.6 ? "#111" : "#eee";
        ctx.font = `${Math.min(12, ch * 0.45) | 0}px system-ui, sans-serif`;
        ctx.textAlign = "center";
        ctx.textBaseline = "middle";
        ctx.fillText(v.toFixed(2), padL + (c + 0.5) * cw, padT + (r + 0.5) * ch);
      }
    }
  }
  ctx.fillStyle = "#333";
  ctx.font = "11px system-ui, sans-serif";
  ctx.textAlign = "center";
  ctx.textBaseline = "alphabetic";
  for (let c = 0; c < cols; c++) ctx.fillText(String(c), padL + (c + 0.5) * cw, padT - 4);
  ctx.textAlign = "right";
  ctx.textBaseline = "middle";
  for (let r = 0; r < rows; r++) ctx.fillText(String(r), padL - 4, padT + (r + 0.5) * ch);
  ctx.textAlign = "left";
  ctx.textBaseline = "top";
  if (opts.colTitle) ctx.fillText(opts.colTitle, padL, 0);
}

/** A line chart of one or more series on a shared y range. */
export function drawLines(
  canvas: HTMLCanvasElement,
  series: { values: ArrayLike<number>; color: string; label?: string }[],
  opts: { xs?: ArrayLike<number>; yMin?: number; yMax?: number; title?: string; xLabel?: string } = {},
): void {
  const ctx = ctx2d(canvas);
  const W = canvas.width,
    H = canvas.height;
  const padL = 40,
    padR = 8,
    padT = opts.title ? 20 : 8,
    padB = 20;
  ctx.clearRect(0, 0, W, H);
  let lo = opts.yMin ?? Infinity,
    hi = opts.yMax ?? -Infinity;
  let len = 0;
  for (const s of series) {
    len = Math.max(len, s.values.length);
    if (opts.yMin === undefined) for (let i = 0; i < s.values.length; i++) lo = Math.min(lo, s.values[i] as number);
    if (opts.yMax === undefined) for (let i = 0; i < s.values.length; i++) hi = Math.max(hi, s.values[i] as number);
  }
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) {
    lo = 0;
    hi = 1;
  }
  if (hi - lo < 1e-9) {
    hi += 0.5;
    lo -= 0.5;
  }
  const xs = opts.xs;
  const x0 = xs ? (xs[0] as number) : 0,
    x1 = xs ? (xs[xs.length - 1] as number) : Math.max(1, len - 1);
  const px = (i: number): number => padL + (((xs ? (xs[i] as number) : i) - x0) / (x1 - x0 || 1)) * (W - padL - padR);
  const py = (v: number): number => padT + (1 - (v - lo) / (hi - lo)) * (H - padT - padB);
  ctx.strokeStyle = "#ccc";
  ctx.lineWidth = 1;
  ctx.strokeRect(padL, padT, W - padL - padR, H - padT - padB);
  ctx.fillStyle = "#444";
  ctx.font = "11px system-ui, sans-serif";
  ctx.textAlign = "right";
  ctx.textBaseline = "middle";
  ctx.fillText(fmt(hi), padL - 4, padT);
  ctx.fillText(fmt(lo), padL - 4, H - padB);
  if (opts.title) {
    ctx.textAlign = "left";
    ctx.textBaseline = "top";
    ctx.fillText(opts.title, padL, 3);
  }
  if (opts.xLabel) {
    ctx.textAlign = "center";
    ctx.textBaseline = "bottom";
    ctx.fillText(opts.xLabel, padL + (W - padL - padR) / 2, H);
  }
  for (const s of series) {
    ctx.strokeStyle = s.color;
    ctx.lineWidth = 2;
    ctx.beginPath();
    for (let i = 0; i < s.values.length; i++) {
      const v = s.values[i] as number;
      if (i === 0) ctx.moveTo(px(i), py(v));
      else ctx.lineTo(px(i), py(v));
    }
    ctx.stroke();
  }
}

/** Vertical bars (signed values allowed) with labels under each bar. */
export function drawBars(
  canvas: HTMLCanvasElement,
  values: ArrayLike<number>,
  labels: string[],
  opts: { color?: string; negColor?: string; title?: string; highlight?: number } = {},
): void {
  const ctx = ctx2d(canvas);
  const W = canvas.width,
    H = canvas.height;
  const padT = opts.title ? 20 : 8,
    padB = 18,
    padL = 6;
  ctx.clearRect(0, 0, W, H);
  let lo = 0,
    hi = 0;
  for (let i = 0; i < values.length; i++) {
    lo = Math.min(lo, values[i] as number);
    hi = Math.max(hi, values[i] as number);
  }
  if (hi - lo < 1e-12) hi = lo + 1;
  const n = values.length;
  const bw = (W - 2 * padL) / n;
  const py = (v: number): number => padT + (1 - (v - lo) / (hi - lo)) * (H - padT - padB);
  ctx.font = "11px system-ui, sans-serif";
  ctx.textAlign = "center";
  for (let i = 0; i < n; i++) {
    const v = values[i] as number;
    ctx.fillStyle = v >= 0 ? (opts.color ?? "#3b528b") : (opts.negColor ?? "#c0392b");
    if (opts.highlight === i) ctx.fillStyle = "#e67e22";
    const y0 = py(0),
      y1 = py(v);
    ctx.fillRect(padL + i * bw + bw * 0.15, Math.min(y0, y1), bw * 0.7, Math.max(1, Math.abs(y1 - y0)));
    ctx.fillStyle = "#333";
    ctx.textBaseline = "top";
    ctx.fillText(labels[i] ?? "", padL + (i + 0.5) * bw, H - padB + 3);
  }
  ctx.strokeStyle = "#999";
  ctx.beginPath();
  ctx.moveTo(padL, py(0));
  ctx.lineTo(W - padL, py(0));
  ctx.stroke();
  if (opts.title) {
    ctx.fillStyle = "#444";
    ctx.textAlign = "left";
    ctx.textBaseline = "top";
    ctx.fillText(opts.title, padL, 3);
  }
}

/** Draws a `[S, S]` grey image in [0, 1] (optionally tinted) scaled to the canvas. */
export function drawGray(
  canvas: HTMLCanvasElement,
  img: ArrayLike<number>,
  size: number,
  tint: [number, number, number] = [20, 20, 20],
  width = size,
): void {
  const ctx = ctx2d(canvas);
  const height = img.length / width;
  const data = new ImageData(width, height);
  for (let i = 0; i < width * height; i++) {
    const a = Math.min(1, Math.max(0, img[i] as number));
    data.data[4 * i] = 255 + (tint[0] - 255) * a;
    data.data[4 * i + 1] = 255 + (tint[1] - 255) * a;
    data.data[4 * i + 2] = 255 + (tint[2] - 255) * a;
    data.data[4 * i + 3] = 255;
  }
  const off = document.createElement("canvas");
  off.width = width;
  off.height = height;
  ctx2d(off).putImageData(data, 0, 0);
  ctx.imageSmoothingEnabled = false;
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  ctx.drawImage(off, 0, 0, canvas.width, canvas.height);
}

/** Compact number format. */
export function fmt(v: number, digits = 3): string {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e4)) return v.toExponential(1);
  return String(Number(v.toFixed(digits)));
}

/** Yields to the browser so the page repaints during a training loop. */
export function nextFrame(): Promise<void> {
  return new Promise((resolve) => requestAnimationFrame(() => resolve()));
}

/** Marks a demo's state for people (text) and tests (`data-state`). */
export function setState(node: HTMLElement, state: "idle" | "busy" | "ready" | "error", text?: string): void {
  node.dataset.state = state;
  node.setAttribute("aria-busy", state === "busy" ? "true" : "false");
  if (text !== undefined) node.textContent = text;
}
