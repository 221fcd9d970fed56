import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";

/**
 * Finds the golden folder: `$RELAX_GOLDEN_DIR`, else the first `shared/golden` found walking up
 * from the working directory (the repository sits next to `shared/`).
 */
export function goldenDir(): string {
  const env = process.env.RELAX_GOLDEN_DIR;
  if (env && existsSync(env)) return env;
  let dir = resolve(process.cwd());
  for (;;) {
    for (const candidate of [join(dir, "shared", "golden"), join(dir, "golden")]) {
      if (existsSync(join(candidate, "sort")) || existsSync(join(candidate, "render"))) return candidate;
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error("golden data not found: set RELAX_GOLDEN_DIR or place shared/golden next to the repository");
    dir = parent;
  }
}

/** Whether the golden folder can be found (tests use this to fail loudly in CI, where it must exist). */
export function hasGolden(): boolean {
  try {
    goldenDir();
    return true;
  } catch {
    return false;
  }
}

/**
 * Loads a golden JSON file, e.g. `loadGolden('render/distributions_1d.json')`. `null` entries
 * (NaN/±Inf in the float64 reference) are kept as `null`.
 */
export function loadGolden<T = unknown>(relativePath: string): T {
  return JSON.parse(readFileSync(join(goldenDir(), relativePath), "utf8")) as T;
}
