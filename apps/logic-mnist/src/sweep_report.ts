/**
 * The accuracy-vs-gates sweep of `--sweep`: which combinations of wiring, gate parametrisation and
 * gate choice it trains (`--sweep-combos`), and the chart (SVG) and table (Markdown) it writes.
 */
import { CHOICES, type Choice, PARAMETRIZATIONS, type Parametrization } from "@relax/logic";

/** Wirings the app trains (`--connections`). */
export const WIRINGS = ["random", "unique", "learned"] as const;
export type Wiring = (typeof WIRINGS)[number];

/** One trained combination: the wiring, the gate parametrisation, and the choice of gates and (learned) wires. */
export interface Combo {
  connections: Wiring;
  parametrization: Parametrization;
  choice: Choice;
}

/** One finished run of the sweep. */
export interface SweepRow {
  /** Legend label: the wiring alone (`--sweep` without `--sweep-combos`) or `wiring · parametrization · choice`. */
  label: string;
  connections: Wiring;
  parametrization: Parametrization;
  choice: Choice;
  width: number;
  gates: number;
  /** Discrete (eval-mode) and train-mode test accuracy (%), and their gap (points). */
  discrete: number;
  trainMode: number;
  gap: number;
  seconds: number;
  steps: number;
  msPerStep: number;
}

/** The label of a combination in the chart and the table. */
export function comboLabel(c: Combo): string {
  return `${c.connections} · ${c.parametrization} · ${c.choice}`;
}

/**
 * Parses `--sweep-combos`: `all` (every wiring × parametrisation × choice, 18 runs per width) or a comma
 * list of `wiring/parametrization/choice`. Returns the error text for a bad entry instead of throwing.
 *
 * @example
 * parseCombos("learned/bilinear4/hard-st,random/softmax16/soft"); // two combinations
 */
export function parseCombos(spec: string): Combo[] | { bad: string } {
  if (spec === "all")
    return WIRINGS.flatMap((connections) =>
      PARAMETRIZATIONS.flatMap((parametrization) => CHOICES.map((choice) => ({ connections, parametrization, choice }))),
    );
  const combos: Combo[] = [];
  for (const entry of spec.split(",")) {
    const [connections, parametrization, choice, ...rest] = entry.trim().split("/");
    if (
      rest.length > 0 ||
      !(WIRINGS as readonly string[]).includes(connections ?? "") ||
      !(PARAMETRIZATIONS as readonly string[]).includes(parametrization ?? "") ||
      !(CHOICES as readonly string[]).includes(choice ?? "")
    )
      return { bad: entry };
    combos.push({ connections, parametrization, choice } as Combo);
  }
  return combos;
}

const PALETTE = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b"];
const DASHES: Record<Wiring, string> = { random: "", unique: "2 3", learned: "8 4" };

/**
 * A line chart of discrete test accuracy against gate count (log scale), one line per label: the colour
 * says the parametrisation and choice, the dash the wiring (solid random, dotted unique, dashed learned).
 */
export function curveSvg(rows: SweepRow[], title: string): string {
  const labels = [...new Set(rows.map((r) => r.label))];
  const W = 720;
  const L = 60;
  const R = 250;
  const T = 40;
  const B = 50;
  const H = Math.max(400, T + 30 + 18 * labels.length);
  const gx = rows.map((r) => Math.log2(r.gates));
  const x0 = Math.min(...gx);
  const x1 = Math.max(...gx);
  const y0 = Math.floor(Math.min(...rows.map((r) => r.discrete)) - 1);
  const y1 = Math.ceil(Math.max(...rows.map((r) => r.discrete)) + 0.5);
  const step = Math.max(1, Math.ceil((y1 - y0) / 12));
  const xs = (g: number) => L + (x1 > x0 ? ((Math.log2(g) - x0) / (x1 - x0)) * (W - L - R) : (W - L - R) / 2);
  const ys = (a: number) => H - B - ((a - y0) / (y1 - y0 || 1)) * (H - T - B);
  const styles = [...new Set(rows.map((r) => `${r.parametrization} · ${r.choice}`))];
  const out = [`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="12">`];
  out.push(`<rect width="${W}" height="${H}" fill="white"/><text x="${W / 2}" y="22" text-anchor="middle" font-size="14">${title}</text>`);
  out.push(
    `<line x1="${L}" y1="${H - B}" x2="${W - R}" y2="${H - B}" stroke="black"/><line x1="${L}" y1="${T}" x2="${L}" y2="${H - B}" stroke="black"/>`,
  );
  for (let a = y0; a <= y1; a += step)
    out.push(
      `<text x="${L - 6}" y="${ys(a) + 4}" text-anchor="end">${a}</text><line x1="${L}" y1="${ys(a)}" x2="${W - R}" y2="${ys(a)}" stroke="#eee"/>`,
    );
  for (const g of [...new Set(rows.map((r) => r.gates))]) out.push(`<text x="${xs(g)}" y="${H - B + 16}" text-anchor="middle">${g}</text>`);
  out.push(`<text x="${(L + W - R) / 2}" y="${H - 12}" text-anchor="middle">gates (log scale)</text>`);
  out.push(
    `<text x="16" y="${(T + H - B) / 2}" transform="rotate(-90 16 ${(T + H - B) / 2})" text-anchor="middle">discrete test accuracy (%)</text>`,
  );
  labels.forEach((label, i) => {
    const pts = rows.filter((r) => r.label === label).sort((a, b) => a.gates - b.gates);
    const first = pts[0] as SweepRow;
    const c = PALETTE[styles.indexOf(`${first.parametrization} · ${first.choice}`) % PALETTE.length];
    const dash = DASHES[first.connections] ? ` stroke-dasharray="${DASHES[first.connections]}"` : "";
    out.push(
      `<polyline fill="none" stroke="${c}" stroke-width="2"${dash} points="${pts.map((p) => `${xs(p.gates)},${ys(p.discrete)}`).join(" ")}"/>`,
    );
    for (const p of pts) out.push(`<circle cx="${xs(p.gates)}" cy="${ys(p.discrete)}" r="3" fill="${c}"/>`);
    const y = T + 16 + 18 * i;
    out.push(`<line x1="${W - R + 8}" y1="${y - 4}" x2="${W - R + 32}" y2="${y - 4}" stroke="${c}" stroke-width="2"${dash}/>`);
    out.push(`<text x="${W - R + 38}" y="${y}" fill="${c}">${label === first.connections ? `${label} wiring` : label}</text>`);
  });
  out.push("</svg>");
  return out.join("\n");
}

/**
 * A Markdown table, one row per label and one column per gate count: discrete test accuracy with the
 * soft-vs-discrete gap, then the step time at each gate count.
 */
export function sweepTable(rows: SweepRow[]): string {
  const gates = [...new Set(rows.map((r) => r.gates))].sort((a, b) => a - b);
  const labels = [...new Set(rows.map((r) => r.label))];
  const head = `| combination | ${gates.map((g) => `${g} gates: discrete (gap)`).join(" | ")} | ms/step at ${gates.join(" / ")} |`;
  const rule = `|---|${gates.map(() => "---|").join("")}---|`;
  const lines = labels.map((label) => {
    const at = (g: number) => rows.find((r) => r.label === label && r.gates === g);
    const cells = gates.map((g) => {
      const r = at(g);
      return r ? `${r.discrete.toFixed(2)} % (${r.gap >= 0 ? "+" : ""}${r.gap.toFixed(2)})` : "";
    });
    const ms = gates.map((g) => at(g)?.msPerStep.toFixed(1) ?? "–").join(" / ");
    return `| ${label} | ${cells.join(" | ")} | ${ms} |`;
  });
  return [head, rule, ...lines].join("\n");
}
