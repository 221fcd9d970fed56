import { mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { RelaxError, assertInteger, assertOptions, describe } from "@relax/core";

const PLOT_KEYS = ["title", "lossKeys", "metrics", "logLoss", "width", "height"] as const;
import type { History, HistoryRecord } from "../loop/history.js";

/** Options of {@link plotSvg} / {@link writePlot}. */
export interface PlotOptions {
  /** Title above the chart (default "training history"). */
  title?: string;
  /** Columns drawn in the top panel (default `['loss']`). */
  lossKeys?: string[];
  /** Columns drawn in the bottom panel (default: every column except step, seconds and the loss keys). */
  metrics?: string[];
  /** Logarithmic loss axis: `'auto'` (default: when all values are > 0 and span more than a factor 20), `true`, `false`. */
  logLoss?: boolean | "auto";
  /** Width in pixels (default 760). */
  width?: number;
  /** Height in pixels (default 520). */
  height?: number;
}

const PALETTE = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#7f7f7f", "#bcbd22"];

function esc(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

function fmt(v: number): string {
  if (v === 0) return "0";
  const a = Math.abs(v);
  if (a >= 1e4 || a < 1e-3) return v.toExponential(1);
  return Number(v.toPrecision(3)).toString();
}

/** "Nice" tick values covering [lo, hi] (about `count` of them). */
function ticks(lo: number, hi: number, count: number): number[] {
  const span = hi - lo || Math.abs(hi) || 1;
  const raw = span / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 5, 10].find((m) => m * mag >= raw) ?? 10) * mag;
  const out: number[] = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi + step * 1e-9; t += step) out.push(Math.abs(t) < step * 1e-9 ? 0 : t);
  return out;
}

interface Panel {
  keys: string[];
  top: number;
  height: number;
  log: boolean;
  label: string;
}

function records(input: History | HistoryRecord[]): HistoryRecord[] {
  const rs = Array.isArray(input) ? input : input && Array.isArray((input as History).records) ? (input as History).records : null;
  if (!rs) throw new RelaxError("plotSvg", "history", "a History or an array of history records", describe(input));
  rs.forEach((r, i) => {
    if (!r || typeof r.step !== "number" || !Number.isFinite(r.step))
      throw new RelaxError("plotSvg", `history[${i}].step`, "a finite number", describe(r?.step));
  });
  return rs;
}

/**
 * A self-contained SVG chart of a training history: the loss (top panel; log axis when it spans decades) and the
 * metrics (bottom panel) against the step, with axes, ticks and a legend. No dependencies, no scripts.
 *
 * @param history a {@link History} or its `records` (step, seconds, loss, metrics…)
 * @param options title, lossKeys ['loss'], metrics (all others), logLoss 'auto', width 760, height 520
 * @returns the SVG document as a string
 * @example
 * const svg = plotSvg(history, { title: "shortest path, 12×12" });
 * writeFileSync("runs/plot.svg", svg);
 */
export function plotSvg(history: History | HistoryRecord[], options: PlotOptions = {}): string {
  const op = "plotSvg";
  assertOptions<PlotOptions>(op, options, PLOT_KEYS);
  const rs = records(history);
  const W = assertInteger(op, "width", options.width ?? 760, 200, 10000);
  const Ht = assertInteger(op, "height", options.height ?? 520, 200, 10000);
  const lossKeys = options.lossKeys ?? ["loss"];
  const skip = new Set(["step", "seconds", ...lossKeys]);
  const metricKeys = options.metrics ?? [...new Set(rs.flatMap((r) => Object.keys(r)))].filter((k) => !skip.has(k));
  for (const [name, keys] of [
    ["lossKeys", lossKeys],
    ["metrics", metricKeys],
  ] as const) {
    if (!Array.isArray(keys) || keys.some((k) => typeof k !== "string"))
      throw new RelaxError(op, name, "an array of column names", describe(keys));
  }
  const title = options.title ?? "training history";
  const left = 70;
  const right = 170;
  const plotW = W - left - right;
  const headH = 40;
  const gap = 50;
  const panelH = Math.floor((Ht - headH - gap - 40) / 2);
  const steps = rs.map((r) => r.step);
  const x0 = steps.length ? Math.min(...steps) : 0;
  const x1 = steps.length ? Math.max(...steps) : 1;
  const xs = (s: number): number => left + (x1 > x0 ? ((s - x0) / (x1 - x0)) * plotW : plotW / 2);
  const values = (k: string): [number, number][] =>
    rs.filter((r) => typeof r[k] === "number" && Number.isFinite(r[k] as number)).map((r) => [r.step, r[k] as number]);
  const lossVals = lossKeys.flatMap((k) => values(k).map((p) => p[1]));
  const positive = lossVals.length > 0 && lossVals.every((v) => v > 0);
  const spread = positive ? Math.max(...lossVals) / Math.min(...lossVals) : 1;
  const logLoss = options.logLoss === "auto" || options.logLoss === undefined ? positive && spread > 20 : options.logLoss && positive;
  const panels: Panel[] = [
    { keys: lossKeys, top: headH, height: panelH, log: logLoss, label: logLoss ? "loss (log)" : "loss" },
    { keys: metricKeys, top: headH + panelH + gap, height: panelH, log: false, label: "metrics" },
  ];
  const out: string[] = [];
  out.push(`<?xml version="1.0" encoding="UTF-8"?>`);
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${Ht}" viewBox="0 0 ${W} ${Ht}" font-family="Helvetica, Arial, sans-serif" font-size="12">`,
  );
  out.push(`<title>${esc(title)}</title>`);
  out.push(`<rect x="0" y="0" width="${W}" height="${Ht}" fill="#ffffff"/>`);
  out.push(`<text x="${left}" y="24" font-size="16" font-weight="bold">${esc(title)}</text>`);
  let colour = 0;
  for (const p of panels) {
    const vals = p.keys.flatMap((k) => values(k).map((v) => v[1]));
    const tr = (v: number): number => (p.log ? Math.log10(v) : v);
    let lo = vals.length ? Math.min(...vals.map(tr)) : 0;
    let hi = vals.length ? Math.max(...vals.map(tr)) : 1;
    if (!p.log && p.label === "metrics" && vals.length && lo >= 0 && hi <= 1) {
      lo = 0;
      hi = 1;
    }
    if (hi - lo < 1e-12) {
      lo -= 0.5;
      hi += 0.5;
    }
    const pad = (hi - lo) * 0.05;
    lo -= pad;
    hi += pad;
    const ys = (v: number): number => p.top + p.height - ((tr(v) - lo) / (hi - lo)) * p.height;
    out.push(`<g>`);
    out.push(`<rect x="${left}" y="${p.top}" width="${plotW}" height="${p.height}" fill="none" stroke="#444444"/>`);
    for (const t of ticks(lo, hi, 5)) {
      const y = p.top + p.height - ((t - lo) / (hi - lo)) * p.height;
      if (y < p.top - 0.5 || y > p.top + p.height + 0.5) continue;
      out.push(`<line x1="${left}" y1="${y.toFixed(1)}" x2="${left + plotW}" y2="${y.toFixed(1)}" stroke="#e5e5e5"/>`);
      out.push(`<text x="${left - 6}" y="${(y + 4).toFixed(1)}" text-anchor="end">${esc(fmt(p.log ? 10 ** t : t))}</text>`);
    }
    for (const t of ticks(x0, x1, 6)) {
      const x = xs(t);
      if (x < left - 0.5 || x > left + plotW + 0.5) continue;
      out.push(`<line x1="${x.toFixed(1)}" y1="${p.top + p.height}" x2="${x.toFixed(1)}" y2="${p.top + p.height + 4}" stroke="#444444"/>`);
      out.push(`<text x="${x.toFixed(1)}" y="${p.top + p.height + 16}" text-anchor="middle">${esc(fmt(t))}</text>`);
    }
    out.push(
      `<text x="14" y="${p.top + p.height / 2}" transform="rotate(-90 14 ${p.top + p.height / 2})" text-anchor="middle">${esc(p.label)}</text>`,
    );
    p.keys.forEach((k, i) => {
      const pts = values(k).filter(([, v]) => !p.log || v > 0);
      const c = PALETTE[colour++ % PALETTE.length] as string;
      if (pts.length > 1)
        out.push(
          `<polyline fill="none" stroke="${c}" stroke-width="2" points="${pts.map(([s, v]) => `${xs(s).toFixed(1)},${ys(v).toFixed(1)}`).join(" ")}"/>`,
        );
      for (const [s, v] of pts) out.push(`<circle cx="${xs(s).toFixed(1)}" cy="${ys(v).toFixed(1)}" r="2.5" fill="${c}"/>`);
      const ly = p.top + 14 + i * 18;
      const last = pts.length ? (pts[pts.length - 1] as [number, number])[1] : NaN;
      out.push(`<line x1="${left + plotW + 12}" y1="${ly - 4}" x2="${left + plotW + 32}" y2="${ly - 4}" stroke="${c}" stroke-width="2"/>`);
      out.push(`<text x="${left + plotW + 38}" y="${ly}">${esc(k)}${Number.isFinite(last) ? ` (${esc(fmt(last))})` : ""}</text>`);
    });
    out.push(`</g>`);
  }
  out.push(`<text x="${left + plotW / 2}" y="${Ht - 8}" text-anchor="middle">step</text>`);
  out.push(`</svg>`);
  return `${out.join("\n")}\n`;
}

/**
 * Writes a loss/metric plot of a training history: `.svg` → the SVG of {@link plotSvg}; `.html` → a self-contained
 * HTML page with the SVG inline and a table of the records. Creates the folder if needed.
 *
 * @param history a {@link History} or its records
 * @param path output file (`.svg` or `.html`)
 * @param options as {@link plotSvg}
 * @example
 * const history = await trainWithAlgorithm({ ... });
 * writePlot(history, "runs/shortest-path/plot.svg", { title: "shortest path" });
 */
export function writePlot(history: History | HistoryRecord[], path: string, options: PlotOptions = {}): void {
  const op = "writePlot";
  assertOptions<PlotOptions>(op, options, PLOT_KEYS);
  if (typeof path !== "string" || !/\.(svg|html?)$/i.test(path))
    throw new RelaxError(op, "path", "a file name ending in .svg or .html", describe(path));
  const svg = plotSvg(history, options);
  mkdirSync(dirname(path), { recursive: true });
  if (/\.svg$/i.test(path)) {
    writeFileSync(path, svg);
    return;
  }
  const rs = records(history);
  const cols = [...new Set(rs.flatMap((r) => Object.keys(r)))];
  const cell = (v: number | undefined): string => (v === undefined || !Number.isFinite(v) ? "" : esc(fmt(v)));
  const title = esc(options.title ?? "training history");
  const html = [
    "<!DOCTYPE html>",
    `<html lang="en"><head><meta charset="utf-8"><title>${title}</title>`,
    "<style>body{font-family:Helvetica,Arial,sans-serif;margin:24px}table{border-collapse:collapse;font-size:12px}td,th{border:1px solid #ccc;padding:2px 8px;text-align:right}</style>",
    "</head><body>",
    svg.replace(/^<\?xml[^>]*>\n/, ""),
    `<table><thead><tr>${cols.map((c) => `<th>${esc(c)}</th>`).join("")}</tr></thead><tbody>`,
    ...rs.map((r) => `<tr>${cols.map((c) => `<td>${cell(r[c])}</td>`).join("")}</tr>`),
    "</tbody></table>",
    "</body></html>",
    "",
  ].join("\n");
  writeFileSync(path, html);
}
