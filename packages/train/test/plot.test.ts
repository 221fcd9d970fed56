import { describe, expect, it } from "vitest";
import { mkdtempSync, readFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { RelaxError } from "@relax/core";
import { plotSvg, writePlot } from "../src/plot/plot.js";
import type { HistoryRecord } from "../src/loop/history.js";

const records: HistoryRecord[] = [
  { step: 0, seconds: 0, loss: NaN, optimal: 0.1, exact: 0.05 },
  { step: 100, seconds: 5, loss: 2.5, optimal: 0.4, exact: 0.1 },
  { step: 200, seconds: 10, loss: 0.3, optimal: 0.7, exact: 0.2 },
  { step: 300, seconds: 15, loss: 0.05, optimal: 0.85, exact: 0.3 },
];

/** Minimal XML well-formedness: one root, every tag closed in order, attributes quoted, no raw '&' or '<' in text. */
function wellFormed(xml: string): boolean {
  const body = xml.replace(/^<\?xml[^?]*\?>\s*/, "");
  const stack: string[] = [];
  const re = /<(\/?)([A-Za-z][\w:.-]*)((?:\s+[\w:.-]+="[^"<]*")*)\s*(\/?)>|<|&(?!(?:amp|lt|gt|quot|apos|#\d+);)/g;
  let roots = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(body))) {
    if (m[2] === undefined) return false; // stray '<' or '&'
    if (m[1] === "/") {
      if (stack.pop() !== m[2]) return false;
    } else if (m[4] !== "/") {
      if (stack.length === 0) roots++;
      stack.push(m[2]);
    } else if (stack.length === 0) roots++;
  }
  return stack.length === 0 && roots === 1;
}

describe("plot writer", () => {
  it("plotSvg: well-formed SVG with both panels, one polyline per series, legend, log loss axis", () => {
    const svg = plotSvg(
      { records, bestStep: 300, steps: 300, seconds: 15, secondsPerStep: 0.05, stopReason: "steps", skippedSteps: 0 },
      { title: "a <b> & c" },
    );
    expect(wellFormed(svg)).toBe(true);
    expect(svg.startsWith("<?xml")).toBe(true);
    expect(svg).toContain('xmlns="http://www.w3.org/2000/svg"');
    expect(svg.match(/<polyline/g)?.length).toBe(3);
    expect(svg).toContain("a &lt;b&gt; &amp; c");
    expect(svg).toContain("loss (log)");
    expect(svg).toContain("optimal (0.85)");
    expect(svg).not.toMatch(/NaN|Infinity/);
    expect(wellFormed("<svg><g></svg>")).toBe(false);
  });

  it("writePlot writes .svg and .html files; degenerate histories still plot", () => {
    const dir = mkdtempSync(join(tmpdir(), "relax-plot-"));
    writePlot(records, join(dir, "sub", "plot.svg"));
    writePlot(records, join(dir, "plot.html"), { title: "run" });
    const svg = readFileSync(join(dir, "sub", "plot.svg"), "utf8");
    expect(wellFormed(svg)).toBe(true);
    const html = readFileSync(join(dir, "plot.html"), "utf8");
    expect(html.startsWith("<!DOCTYPE html>")).toBe(true);
    expect(html).toContain("<svg");
    expect(html).toContain("</table>");
    expect(html.match(/<tr>/g)?.length).toBe(records.length + 1);
    for (const rs of [
      [],
      [{ step: 0, seconds: 0, loss: 1 }],
      [
        { step: 5, seconds: 0, loss: 1, acc: 0.5 },
        { step: 5, seconds: 1, loss: 1, acc: 0.5 },
      ],
    ] as HistoryRecord[][]) {
      const s = plotSvg(rs);
      expect(wellFormed(s)).toBe(true);
      expect(s).not.toMatch(/NaN|Infinity/);
    }
    writePlot(records, join(dir, "linear.svg"), { logLoss: false, metrics: ["optimal"] });
    const lin = readFileSync(join(dir, "linear.svg"), "utf8");
    expect(lin).not.toContain("loss (log)");
    expect(lin.match(/<polyline/g)?.length).toBe(2);
    expect(existsSync(join(dir, "linear.svg"))).toBe(true);
  });

  it("bad inputs → RelaxError", () => {
    const dir = mkdtempSync(join(tmpdir(), "relax-plot-"));
    expect(() => writePlot(records, join(dir, "plot.png"))).toThrow(RelaxError);
    expect(() => plotSvg({ foo: 1 } as never)).toThrow(/history/);
    expect(() => plotSvg([{ step: NaN, seconds: 0, loss: 1 }])).toThrow(/step/);
    expect(() => plotSvg(records, { width: 10 })).toThrow(/width/);
    expect(() => plotSvg(records, { metrics: [3 as never] })).toThrow(/metrics/);
  });
});
