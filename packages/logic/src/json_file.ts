import { RelaxError, describe, verifyChecksum, withChecksum } from "@relax/core";

/** Version written by the savers of this package: 2 adds a CRC-32 `checksum` field (see `withChecksum`). */
export const SAVE_VERSION = 2;

/**
 * Reads a saved net or circuit (object or JSON text) and checks its `format` tag and `version` (1 or 2). A
 * version 2 file must carry a `checksum` that matches its content; a version 1 file (written before checksums)
 * loads without one, but a `checksum` field, when present, is always verified. The caller validates every
 * other field. Errors name the field: `json`, `json.format`, `json.version`, `json.checksum`.
 */
export function readNetJSON<T extends { format: string; version: number }>(op: string, json: T | string, format: T["format"]): Partial<T> {
  let data: unknown = json;
  if (typeof json === "string") {
    try {
      data = JSON.parse(json);
    } catch (e) {
      throw new RelaxError(op, "json", "valid JSON text (the file may be truncated)", (e as Error).message);
    }
  }
  if (data === null || typeof data !== "object" || Array.isArray(data))
    throw new RelaxError(op, "json", `a saved '${format}' object or its JSON text`, describe(data));
  const d = data as Partial<T> & { checksum?: unknown };
  if (d.format !== format) throw new RelaxError(op, "json.format", `'${format}'`, describe(d.format));
  if (d.version !== 1 && d.version !== SAVE_VERSION) throw new RelaxError(op, "json.version", "1 or 2", describe(d.version));
  if (d.version === SAVE_VERSION || d.checksum !== undefined) verifyChecksum(op, "json", d as Record<string, unknown>);
  return d;
}

/** `data` (with `version: 2`) and its CRC-32 checksum appended, ready for `JSON.stringify`. */
export function sealJSON<T extends object>(data: T): T & { checksum: string } {
  return withChecksum(data);
}

/** Throws unless `obj` is a plain object whose keys are all in `keys` and include every key of `required`. */
export function checkFields(op: string, where: string, obj: unknown, keys: readonly string[], required: readonly string[] = keys): void {
  if (obj === null || typeof obj !== "object" || Array.isArray(obj)) throw new RelaxError(op, where, "an object", describe(obj));
  for (const key of Object.keys(obj)) {
    if (!keys.includes(key)) throw new RelaxError(op, `${where}.${key}`, `absent (known fields: ${keys.join(", ")})`, "an unknown field");
  }
  for (const key of required) {
    if ((obj as Record<string, unknown>)[key] === undefined) throw new RelaxError(op, `${where}.${key}`, "present", "missing");
  }
}
