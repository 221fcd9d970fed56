import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { launch, serveStatic } from "@relax/browser-harness";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { BenchRow } from "../src/webgpu/measure.js";

const DIST = join(dirname(fileURLToPath(import.meta.url)), "..", "dist-web");
/** Every kernel @relax/backend-webgpu implements must have a row, plus the whole-net training step. */
const KERNELS = [
  "RelaxSwapLayer",
  "RelaxDiffSort",
  "RelaxDiffSortGrad",
  "RelaxSortNetSelect",
  "RelaxSortNetSelectGrad",
  "RelaxFastSoftSort",
  "RelaxFastSoftSortGrad",
  "RelaxLogicLayer",
  "RelaxLogicLayerGradX",
  "RelaxLogicLayerGradLogits",
  "RelaxLogicLayerLearned",
  "RelaxLogicLayerLearnedGrad",
  "RelaxGroupSum",
  "RelaxGroupSumGrad",
  "RelaxLogicConvTree",
  "RelaxLogicConvTreeGradX",
  "RelaxLogicConvTreeGradLogits",
  "RelaxLogicLeafGather",
  "RelaxLogicLeafGatherGradX",
  "RelaxLogicLeafGatherGradWiring",
  "RelaxOrPoolMax",
  "RelaxOrPoolMaxGrad",
  "RelaxRasterizeSilhouette",
  "RelaxRasterizeSilhouetteGrad",
  "RelaxRasterizeRgb",
  "RelaxRasterizeRgbGrad",
  "RelaxShortestPath",
  "RelaxShortestPathGrad",
  "LogicNet train step",
  "ConvLogicNet train step",
];

let page: Page;
let server: Awaited<ReturnType<typeof serveStatic>>;
let browser: Awaited<ReturnType<typeof launch>>;
const problems: string[] = [];

describe("WebGPU benchmark page in headless chromium", () => {
  beforeAll(async () => {
    if (!existsSync(join(DIST, "index.html"))) throw new Error("dist-web/ is missing: run `pnpm --filter @relax/bench build` first");
    server = await serveStatic(DIST);
    browser = await launch();
    page = await browser.context.newPage();
    page.on("console", (m) => {
      if (m.type() === "error") problems.push(`console.error: ${m.text()}`);
    });
    page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  test("quick sizes: every kernel runs on cpu and on the browser's webgpu, with equal numbers", async () => {
    await page.goto(`${server.url}?set=quick&reps=1&run=1`);
    await page.waitForSelector('#status[data-state="done"], #status[data-state="error"]', { timeout: 170_000 });
    const status = await page.locator("#status").textContent();
    expect(await page.locator("#status").getAttribute("data-state"), status ?? "").toBe("done");
    expect(await page.locator("#adapter").getAttribute("data-adapter")).not.toBe("");

    const rows = (await page.evaluate(() => (globalThis as unknown as { relaxBench: { rows: unknown[] } }).relaxBench.rows)) as BenchRow[];
    expect(new Set(rows.map((r) => r.kernel))).toEqual(new Set(KERNELS));
    for (const r of rows) {
      const what = `${r.kernel} ${r.size}`;
      expect(r.error, what).toBeUndefined();
      // (browsers coarsen performance.now(): a tiny case can time as 0 ms)
      expect(Number.isFinite(r.cpuMs) && r.cpuMs >= 0, what).toBe(true);
      expect(Number.isFinite(r.webgpuMs) && r.webgpuMs > 0, what).toBe(true);
      expect(r.maxAbsCpu, what).toBeGreaterThan(0); // not an all-zero output
      expect(r.maxAbsErr, what).toBeLessThanOrEqual(1e-3 * Math.max(1, r.maxAbsCpu));
    }
    // the table shows every row, none flagged, and the markdown copy has a line per row
    expect(await page.locator('#rows tr[data-parity="ok"]').count()).toBe(rows.length);
    const markdown = (await page.locator("#markdown").textContent()) ?? "";
    expect(
      markdown.split("\n").filter((l) => l.startsWith("| Relax") || l.startsWith("| LogicNet") || l.startsWith("| ConvLogicNet")),
    ).toHaveLength(rows.length);
    expect(problems).toEqual([]);
  });

  test("bad form input gets a clear message instead of a run", async () => {
    await page.goto(`${server.url}?reps=0`);
    await page.waitForSelector('#adapter:not([data-adapter=""])');
    await page.click("#run");
    await page.waitForSelector('#status[data-state="error"]');
    expect(await page.locator("#status").textContent()).toContain("Timed calls: expected a positive integer, got '0'");
    expect(await page.locator("#rows tr").count()).toBe(0);
  });
});
