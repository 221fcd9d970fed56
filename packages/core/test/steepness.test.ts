import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import { describe, expect, it } from "vitest";
import { RelaxError, relaxedEqual, relaxedGreater, relaxedLess, relaxedNotEqual, shortestPath } from "../src/index.js";

/** `steepness` is the one public name of β; `beta` stays a deprecated alias that gives the same numbers. */
describe("steepness (β) and its deprecated alias beta", () => {
  const a = [0.1, -2, 3];
  const b = [0.3, -2.5, 1];
  const cases = [
    ["relaxedLess", (o: object) => relaxedLess(a, b, o)],
    ["relaxedGreater", (o: object) => relaxedGreater(a, b, { distribution: "cauchy", ...o })],
    ["relaxedEqual", (o: object) => relaxedEqual(a, b, o)],
    ["relaxedNotEqual", (o: object) => relaxedNotEqual(a, b, o)],
    [
      "shortestPath",
      (o: object) =>
        shortestPath(
          [
            [
              [1, 2, 3],
              [4, 1, 2],
            ],
          ],
          o,
        ),
    ],
  ] as const;
  for (const [name, call] of cases) {
    it(`${name}: steepness and beta give the same numbers, default 10`, () => {
      const s = call({ steepness: 3 }).arraySync();
      expect(call({ beta: 3 }).arraySync()).toEqual(s);
      expect(call({}).arraySync()).toEqual(call({ steepness: 10 }).arraySync());
    });
    it(`${name}: both names is a RelaxError; each is validated under its own name`, () => {
      expect(() => call({ steepness: 3, beta: 3 })).toThrow(RelaxError);
      expect(() => call({ steepness: 3, beta: 3 })).toThrow(/steepness must be given once/);
      expect(() => call({ beta: 0 })).toThrow(/beta must be/);
      expect(() => call({ steepness: -1 })).toThrow(/steepness must be/);
      expect(() => call({ steepness: Number.NaN })).toThrow(RelaxError);
    });
  }
  it("leaves no tensors behind", () => {
    const before = tf.memory().numTensors;
    relaxedLess(a, b, { steepness: 2 }).dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
