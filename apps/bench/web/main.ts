/**
 * The browser page of the WebGPU benchmark: the browser's own WebGPU (tfjs `webgpu` + @relax/backend-webgpu)
 * against tfjs `cpu`, the same cases as the Node runner (src/webgpu/cases.ts). Query parameters preset the
 * form: `?set=quick&reps=3&only=RelaxDiffSort&run=1` (`run=1` starts at once; the tests use it).
 */
import * as tf from "@tensorflow/tfjs-core";
import "@relax/backend-webgpu";
import { type BenchRow, TABLE_HEADER, adapterDescription, formatRow, runWebGPUBench } from "../src/webgpu/measure.js";

/** Parity is flagged when max |webgpu − cpu| exceeds this fraction of max(1, max |cpu|). */
const PARITY_TOLERANCE = 1e-3;

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const status = $("status");
const setStatus = (state: "idle" | "running" | "done" | "error", text: string) => {
  status.dataset.state = state;
  status.textContent = text;
};

/** Results of the last run, for scripts and tests. */
const results: { rows: BenchRow[] } = { rows: [] };
(globalThis as { relaxBench?: typeof results }).relaxBench = results;

function cell(text: string, numeric = false): HTMLTableCellElement {
  const td = document.createElement("td");
  td.textContent = text;
  if (numeric) td.className = "num";
  return td;
}

function appendRow(row: BenchRow): void {
  const tr = document.createElement("tr");
  tr.dataset.kernel = row.kernel;
  if (row.error) {
    tr.dataset.error = row.error;
    tr.append(cell(row.kernel), cell(row.size), cell(`error: ${row.error}`));
    tr.lastElementChild?.setAttribute("colspan", "5");
  } else {
    tr.dataset.parity = row.maxAbsErr <= PARITY_TOLERANCE * Math.max(1, row.maxAbsCpu) ? "ok" : "bad";
    tr.append(
      cell(row.kernel),
      cell(row.size),
      cell(row.cpuMs.toFixed(2), true),
      cell(row.webgpuMs.toFixed(2), true),
      cell(`${(row.cpuMs / row.webgpuMs).toFixed(1)}×`, true),
      cell(row.maxAbsErr.toExponential(2), true),
      cell(row.maxAbsCpu.toExponential(2), true),
    );
  }
  $("rows").append(tr);
}

async function runFromForm(): Promise<void> {
  const set = ($<HTMLSelectElement>("set").value === "quick" ? "quick" : "standard") as "quick" | "standard";
  const reps = Number($<HTMLInputElement>("reps").value);
  if (!(Number.isInteger(reps) && reps >= 1)) {
    setStatus("error", `Timed calls: expected a positive integer, got '${$<HTMLInputElement>("reps").value}'.`);
    return;
  }
  const only = $<HTMLInputElement>("only").value.trim() || undefined;
  $<HTMLButtonElement>("run").disabled = true;
  $("rows").replaceChildren();
  const markdown = [...TABLE_HEADER];
  $("markdown").textContent = markdown.join("\n");
  setStatus("running", `Running the ${set} cases…`);
  try {
    results.rows = await runWebGPUBench({
      set,
      reps,
      only,
      onRow: (row) => {
        appendRow(row);
        markdown.push(formatRow(row));
        $("markdown").textContent = markdown.join("\n");
        setStatus("running", `Running the ${set} cases… ${markdown.length - TABLE_HEADER.length} done`);
      },
    });
    const failed = results.rows.filter((r) => r.error).length;
    setStatus(failed ? "error" : "done", `Done: ${results.rows.length} cases${failed ? `, ${failed} failed` : ""}.`);
  } catch (e) {
    setStatus("error", `Failed: ${String((e as Error)?.message ?? e)}`);
  } finally {
    $<HTMLButtonElement>("run").disabled = false;
  }
}

async function main(): Promise<void> {
  const params = new URLSearchParams(location.search);
  if (params.get("set")) $<HTMLSelectElement>("set").value = params.get("set") === "quick" ? "quick" : "standard";
  if (params.get("reps")) $<HTMLInputElement>("reps").value = params.get("reps") as string;
  if (params.get("only")) $<HTMLInputElement>("only").value = params.get("only") as string;
  $("controls").addEventListener("submit", (e) => {
    e.preventDefault();
    void runFromForm();
  });
  const hasWebGPU = "gpu" in navigator && (await tf.setBackend("webgpu").catch(() => false)) && tf.getBackend() === "webgpu";
  const adapter = $("adapter");
  if (!hasWebGPU) {
    adapter.textContent = "none";
    $<HTMLButtonElement>("run").disabled = true;
    setStatus("error", "This browser offers no WebGPU adapter (Chromium on Linux: --enable-unsafe-webgpu).");
    return;
  }
  adapter.textContent = await adapterDescription();
  adapter.dataset.adapter = adapter.textContent;
  if (params.get("run") === "1") await runFromForm();
}

void main();
