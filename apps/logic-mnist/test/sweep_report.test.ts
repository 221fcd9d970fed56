import { describe, expect, it } from "vitest";
import { type SweepRow, comboLabel, curveSvg, parseCombos, sweepTable } from "../src/sweep_report.js";

const row = (label: string, gates: number, discrete: number, gap: number, over: Partial<SweepRow> = {}): SweepRow => ({
  label,
  connections: "learned",
  parametrization: "softmax16",
  choice: "soft",
  width: gates / 4,
  gates,
  discrete,
  trainMode: discrete + gap,
  gap,
  seconds: 10,
  steps: 100,
  msPerStep: 100,
  ...over,
});

describe("--sweep-combos", () => {
  it("'all' is every wiring × parametrisation × choice, each once", () => {
    const all = parseCombos("all");
    if (!Array.isArray(all)) throw new Error("expected combinations");
    expect(all).toHaveLength(18);
    expect(new Set(all.map(comboLabel)).size).toBe(18);
    expect(all).toContainEqual({ connections: "unique", parametrization: "bilinear4", choice: "gumbel-st" });
  });

  it("parses a list and names the first bad entry", () => {
    expect(parseCombos("learned/bilinear4/hard-st, random/softmax16/soft")).toEqual([
      { connections: "learned", parametrization: "bilinear4", choice: "hard-st" },
      { connections: "random", parametrization: "softmax16", choice: "soft" },
    ]);
    expect(parseCombos("learned/bilinear4/hard-st,learned/softmax/soft")).toEqual({ bad: "learned/softmax/soft" });
    expect(parseCombos("learned/bilinear4")).toEqual({ bad: "learned/bilinear4" });
    expect(parseCombos("learned/bilinear4/soft/x")).toEqual({ bad: "learned/bilinear4/soft/x" });
  });
});

describe("sweep report", () => {
  const rows = [
    row("learned · softmax16 · soft", 4800, 90.5, 0.25, { msPerStep: 20.04 }),
    row("learned · softmax16 · soft", 16000, 95, -0.1),
    row("random · bilinear4 · hard-st", 4800, 88, 0, { connections: "random", parametrization: "bilinear4", choice: "hard-st" }),
  ];

  it("the table has one row per combination and one column per gate count, blanks where a run is missing", () => {
    const lines = sweepTable(rows).split("\n");
    expect(lines[0]).toBe("| combination | 4800 gates: discrete (gap) | 16000 gates: discrete (gap) | ms/step at 4800 / 16000 |");
    expect(lines[2]).toBe("| learned · softmax16 · soft | 90.50 % (+0.25) | 95.00 % (-0.10) | 20.0 / 100.0 |");
    expect(lines[3]).toBe("| random · bilinear4 · hard-st | 88.00 % (+0.00) |  | 100.0 / – |");
    expect(lines).toHaveLength(4);
  });

  it("the chart draws one line per combination, dashed for learned wiring, with a legend entry each", () => {
    const svg = curveSvg(rows, "t");
    expect(svg.match(/<polyline/g)).toHaveLength(2);
    expect(svg).toContain('stroke-dasharray="8 4" points=');
    expect(svg).toContain(">random · bilinear4 · hard-st</text>");
    // the plain wiring sweep keeps its legend ("learned wiring")
    expect(curveSvg([row("learned", 4800, 90, 0)], "t")).toContain(">learned wiring</text>");
  });
});
