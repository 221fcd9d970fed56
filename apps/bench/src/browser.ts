/**
 * Headless runner of the browser benchmark page: serves dist-web/ (built by `vite build`), opens it in
 * Debian's headless Chromium with WebGPU enabled, runs the cases and prints the page's markdown table.
 *
 *   node apps/bench/dist/browser.js [--quick] [--reps=N] [--only=SUBSTRING]
 *
 * Without a GPU, Chromium's WebGPU runs on SwiftShader (correctness, not speed). To look at the page
 * yourself: `pnpm --filter @relax/bench preview`.
 */
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { launch, serveStatic } from "@relax/browser-harness";

const { values } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    reps: { type: "string" },
    only: { type: "string" },
    help: { type: "boolean", short: "h", default: false },
  },
});
if (values.help) {
  console.log("usage: node dist/browser.js [--quick] [--reps=N] [--only=SUBSTRING]");
  process.exit(0);
}
const dist = join(dirname(fileURLToPath(import.meta.url)), "..", "dist-web");
if (!existsSync(join(dist, "index.html"))) {
  console.error("dist-web/ is missing: run `pnpm --filter @relax/bench build` first");
  process.exit(2);
}
const params = new URLSearchParams({ set: values.quick ? "quick" : "standard", run: "1" });
if (values.reps) params.set("reps", values.reps);
if (values.only) params.set("only", values.only);

const server = await serveStatic(dist);
const browser = await launch();
try {
  const page = await browser.context.newPage();
  page.on("pageerror", (e) => console.error(`page error: ${e.message}`));
  await page.goto(`${server.url}?${params}`);
  await page.waitForSelector('#status[data-state="done"], #status[data-state="error"]', { timeout: 0 });
  const adapter = (await page.locator("#adapter").textContent()) ?? "";
  const browserVersion = browser.context.browser()?.version() ?? "chromium";
  console.log(`### WebGPU kernels in the browser (${params.get("set")})\n`);
  console.log(`adapter: ${adapter}; headless Chromium ${browserVersion}; median incl. read-back\n`);
  console.log(await page.locator("#markdown").textContent());
  const status = await page.locator("#status");
  if ((await status.getAttribute("data-state")) !== "done") {
    console.error(await status.textContent());
    process.exitCode = 1;
  }
} finally {
  await browser.close();
  await server.close();
}
