/**
 * `@relax/logic/node` — saving and loading nets as files (Node only; the main entry never imports `node:fs`).
 * Files are written atomically (temporary file, fsync, rename: a crash mid-save leaves the previous file
 * intact) and carry a format version and a CRC-32 checksum; every load error is a `RelaxError` naming the file.
 */
import { readFileSync } from "node:fs";
import { RelaxError, describe } from "@relax/core";
import { writeFileAtomic } from "@relax/core/files";
import { ConvLogicNet, type ConvLogicNetJSON } from "./conv_logic_net.js";
import { LogicNet, type LogicNetJSON } from "./logic_net.js";

/**
 * Writes `net` ({@link LogicNet} or {@link ConvLogicNet}) to `path` as JSON (format version 2, with checksum),
 * atomically: readers see the old file or the new one, never half of one. Creates missing folders.
 *
 * @example
 * saveNet("runs/mnist.net.json", net);
 * const back = loadNet("runs/mnist.net.json") as LogicNet;
 */
export function saveNet(path: string, net: LogicNet | ConvLogicNet): void {
  const op = "saveNet";
  if (typeof path !== "string" || path.length === 0) throw new RelaxError(op, "path", "a non-empty file path", describe(path));
  if (!(net instanceof LogicNet) && !(net instanceof ConvLogicNet))
    throw new RelaxError(op, "net", "a LogicNet or ConvLogicNet", describe(net));
  const text = JSON.stringify(net.toJSON());
  try {
    writeFileAtomic(path, text);
  } catch (e) {
    throw new RelaxError(op, `file ${JSON.stringify(path)}`, "writable", (e as Error).message);
  }
}

/**
 * Loads a net saved by {@link saveNet} (or the JSON of `toJSON()`), version 2 (checksum verified) or 1: a
 * {@link LogicNet} or a {@link ConvLogicNet}, by the file's `format`. A missing, truncated or damaged file is a
 * `RelaxError` naming the file and the field: `loadNet: file "net.json" json.layers[0].a must be …`.
 *
 * @example
 * const net = loadNet("runs/mnist.net.json");
 * if (net instanceof LogicNet) net.forward(x, { mode: "eval" });
 */
export function loadNet(path: string): LogicNet | ConvLogicNet {
  const op = "loadNet";
  if (typeof path !== "string" || path.length === 0) throw new RelaxError(op, "path", "a non-empty file path", describe(path));
  const file = `file ${JSON.stringify(path)}`;
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    throw new RelaxError(op, file, "an existing, readable file", (e as NodeJS.ErrnoException).code ?? (e as Error).message);
  }
  try {
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch {
      return LogicNet.fromJSON(text); // reports the JSON error (e.g. a truncated file) as every loader does
    }
    const format = data !== null && typeof data === "object" ? (data as { format?: unknown }).format : undefined;
    return format === "relax-conv-logic-net" ? ConvLogicNet.fromJSON(data as ConvLogicNetJSON) : LogicNet.fromJSON(data as LogicNetJSON);
  } catch (e) {
    if (e instanceof RelaxError) throw new RelaxError(op, `${file} ${e.argument}`, e.expected, e.got);
    throw e;
  }
}
