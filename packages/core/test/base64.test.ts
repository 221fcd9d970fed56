import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { base64ToBytes, bytesToBase64 } from "../src/internal.js";

describe("base64", () => {
  it("gives Node's Buffer text and reads it back, for any bytes", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        const text = bytesToBase64(bytes);
        expect(text).toBe(Buffer.from(bytes).toString("base64"));
        expect(Array.from(base64ToBytes(text) ?? [])).toEqual(Array.from(bytes));
      }),
    );
  });

  it("encodes the bytes of a view, not of its whole buffer", () => {
    const f = new Float32Array([1, 2, 3]).subarray(1, 2);
    expect(bytesToBase64(f)).toBe(Buffer.from(new Float32Array([2]).buffer).toString("base64"));
  });

  it("returns null for malformed text", () => {
    for (const bad of ["A", "AB=", "A=B=", "!!!!", "====", "AQI\u00e9"]) expect(base64ToBytes(bad)).toBeNull();
    expect(Array.from(base64ToBytes("") ?? [1])).toEqual([]);
  });
});
