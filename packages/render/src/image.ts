import * as tf from "@tensorflow/tfjs-core";
import { RelaxError, assertFinite, toFloatTensor, type TensorInput } from "@relax/core";
import { assertPath, fileError, shapeText } from "./checks.js";

/** RGBA pixels, the shape of the browser's `ImageData` (constructible with `new ImageData(data, width, height)`). */
export interface ImageDataLike {
  width: number;
  height: number;
  data: Uint8ClampedArray;
}

/**
 * Converts an image tensor with values in [0, 1] to 8-bit RGBA: `[H, W]` (grey, e.g. alpha), `[H, W, 3]`
 * (RGB, opaque) or `[H, W, 4]` (RGBA). Values are clamped to [0, 1]; NaN/±Inf and empty images are a `RelaxError`. Put it on a canvas with
 * `ctx.putImageData(new ImageData(img.data, img.width, img.height), 0, 0)`.
 *
 * @example
 * const img = toImageData(alpha); // [64, 64] → 64×64 RGBA
 * img.data.length; // 64·64·4
 * ctx.putImageData(new ImageData(img.data, img.width, img.height), 0, 0);
 */
export function toImageData(image: TensorInput): ImageDataLike {
  const op = "toImageData";
  let H = 0,
    W = 0,
    C = 1;
  const v = tf.tidy(() => {
    const t = toFloatTensor(op, "image", image);
    const ok = t.rank === 2 || (t.rank === 3 && (t.shape[2] === 3 || t.shape[2] === 4 || t.shape[2] === 1));
    if (!ok) throw new RelaxError(op, "image", "[H, W], [H, W, 1], [H, W, 3] or [H, W, 4]", shapeText(t));
    if (t.size === 0) throw new RelaxError(op, "image", "a non-empty image (H, W ≥ 1)", shapeText(t));
    assertFinite(op, "image", t);
    [H, W] = t.shape as [number, number];
    C = t.rank === 2 ? 1 : (t.shape[2] as number);
    return t.dataSync().slice();
  });
  const data = new Uint8ClampedArray(H * W * 4);
  const q = (x: number) => Math.round(255 * Math.min(1, Math.max(0, x)));
  for (let i = 0; i < H * W; i++) {
    const o = i * 4;
    if (C === 1) {
      const g = q(v[i] as number);
      data[o] = g;
      data[o + 1] = g;
      data[o + 2] = g;
      data[o + 3] = 255;
    } else {
      data[o] = q(v[i * C] as number);
      data[o + 1] = q(v[i * C + 1] as number);
      data[o + 2] = q(v[i * C + 2] as number);
      data[o + 3] = C === 4 ? q(v[i * C + 3] as number) : 255;
    }
  }
  return { width: W, height: H, data };
}

/**
 * Encodes an image tensor (see {@link toImageData}) as PNG bytes (Node; uses `pngjs`).
 *
 * @example
 * const bytes = await encodePNG(rgb);
 * bytes[1] === 0x50; // 'P'
 * await fs.writeFile("out.png", bytes);
 */
export async function encodePNG(image: TensorInput): Promise<Uint8Array> {
  const img = toImageData(image);
  const { PNG } = await import("pngjs");
  const png = new PNG({ width: img.width, height: img.height });
  png.data.set(img.data);
  return new Uint8Array(PNG.sync.write(png));
}

/**
 * Writes an image tensor as a PNG file (Node; uses `pngjs`). Creates missing parent folders.
 *
 * @example
 * await savePNG("out/target.png", alpha);
 * await savePNG("out/color.png", rgb); // [H, W, 3]
 * await savePNG("out/rgba.png", tf.concat([rgb, tf.expandDims(alpha, -1)], -1));
 */
export async function savePNG(path: string, image: TensorInput): Promise<void> {
  const op = "savePNG";
  assertPath(op, path);
  const bytes = await encodePNG(image);
  const fs = await import("node:fs/promises");
  const { dirname } = await import("node:path");
  try {
    await fs.mkdir(dirname(path), { recursive: true });
    await fs.writeFile(path, bytes);
  } catch (e) {
    throw fileError(op, path, "a writable file path", e);
  }
}
