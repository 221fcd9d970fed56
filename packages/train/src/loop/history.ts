import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { RelaxError, describe } from "@relax/core";
import { writeFileAtomic } from "@relax/core/files";

function checkRecords(op: string, records: unknown): void {
  if (!Array.isArray(records) || records.some((r) => !r || typeof r !== "object"))
    throw new RelaxError(op, "records", "an array of history records", describe(records));
}

/** One row of a training history: step, wall seconds since start, mean training loss, and metrics. */
export interface HistoryRecord {
  step: number;
  seconds: number;
  loss: number;
  [metric: string]: number;
}

/** The result of a training run. */
export interface History {
  records: HistoryRecord[];
  /** Step of the best evaluation (by the early-stopping metric, else the last). */
  bestStep: number;
  /** Steps trained (including resumed ones). */
  steps: number;
  /** Wall seconds of this run. */
  seconds: number;
  /** Mean wall seconds per training step (excluding evaluation). */
  secondsPerStep: number;
  /** Why the run stopped. */
  stopReason: "steps" | "time" | "early-stopping";
  /** Steps whose update was skipped because the loss or a gradient was NaN/Inf (`onNonFinite: 'skip'`). */
  skippedSteps: number;
}

/** Columns of the history (step, seconds, loss, then metrics in first-seen order). */
export function historyColumns(records: HistoryRecord[]): string[] {
  checkRecords("historyColumns", records);
  const cols = ["step", "seconds", "loss"];
  for (const r of records) for (const k of Object.keys(r)) if (!cols.includes(k)) cols.push(k);
  return cols;
}

/** The history as CSV text (header + one line per record). */
export function historyToCsv(records: HistoryRecord[]): string {
  checkRecords("historyToCsv", records);
  const cols = historyColumns(records);
  const lines = [cols.join(",")];
  for (const r of records) lines.push(cols.map((c) => (r[c] === undefined ? "" : String(r[c]))).join(","));
  return `${lines.join("\n")}\n`;
}

/**
 * Writes a history as JSON (`.json`) or CSV (any other extension), atomically (a crash mid-write leaves the
 * previous file, never a truncated one).
 *
 * @example
 * writeHistory("runs/history.csv", history.records);
 */
export function writeHistory(path: string, records: HistoryRecord[]): void {
  if (typeof path !== "string" || path.length === 0) throw new RelaxError("writeHistory", "path", "a file path", describe(path));
  checkRecords("writeHistory", records);
  mkdirSync(dirname(path), { recursive: true });
  writeFileAtomic(path, path.endsWith(".json") ? JSON.stringify(records, null, 1) : historyToCsv(records));
}
