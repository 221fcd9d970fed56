import { RelaxError, describe } from "@relax/core";

/**
 * Reads a saved net (object or JSON text) and checks its `format` tag and `version` (1); the caller validates
 * the rest. Errors name the field: `json`, `json.format`, `json.version`.
 */
export function readNetJSON<T extends { format: string; version: number }>(op: string, json: T | string, format: T["format"]): Partial<T> {
  let data: unknown = json;
  if (typeof json === "string") {
    try {
      data = JSON.parse(json);
    } catch (e) {
      throw new RelaxError(op, "json", "valid JSON text", (e as Error).message);
    }
  }
  const d = data as Partial<T> | null;
  if (!d || typeof d !== "object" || d.format !== format)
    throw new RelaxError(op, "json.format", `'${format}'`, describe(d && (d as { format?: unknown }).format));
  if (d.version !== 1) throw new RelaxError(op, "json.version", "1", describe(d.version));
  return d;
}
