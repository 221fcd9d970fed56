import { RelaxError, describe } from "../errors.js";

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC-32 (IEEE 802.3) of the UTF-8 bytes of `text`, as 8 lowercase hex digits. Detects every 1-byte change. */
export function crc32(text: string): string {
  const bytes = new TextEncoder().encode(text);
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = (CRC_TABLE[(c ^ (bytes[i] as number)) & 0xff] as number) ^ (c >>> 8);
  return ((c ^ 0xffffffff) >>> 0).toString(16).padStart(8, "0");
}

/** The text a checksum covers: the object's JSON without its `checksum` field (key order as written). */
function coveredText(data: Record<string, unknown>): string {
  const { checksum: _ignored, ...rest } = data;
  return JSON.stringify(rest);
}

/**
 * Returns `data` with a `checksum` field appended: the CRC-32 of its JSON text. Saved files (checkpoints,
 * logic nets) carry it so that {@link verifyChecksum} can tell a damaged file from a good one.
 *
 * @example
 * const text = JSON.stringify(withChecksum({ format: "my-format", version: 1, values: [1, 2] }));
 */
export function withChecksum<T extends object>(data: T): T & { checksum: string } {
  return { ...data, checksum: crc32(coveredText(data as Record<string, unknown>)) };
}

/**
 * Throws a {@link RelaxError} naming `op` and `arg` (e.g. the file) unless `data.checksum` is the CRC-32 of
 * the rest of `data` as {@link withChecksum} wrote it: any edit, truncation repaired by hand, or bit flip in
 * a saved file is caught before a value of it is used.
 */
export function verifyChecksum(op: string, arg: string, data: Record<string, unknown>): void {
  const stored = data.checksum;
  if (typeof stored !== "string" || !/^[0-9a-f]{8}$/.test(stored)) {
    throw new RelaxError(op, `${arg}.checksum`, "an 8-digit hex CRC-32", describe(stored));
  }
  const actual = crc32(coveredText(data));
  if (actual !== stored) {
    throw new RelaxError(op, arg, `content matching its checksum ${stored}`, `checksum ${actual}: the file is damaged or was edited`);
  }
}
