import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";

/**
 * Finds the golden folder: `$RELAX_GOLDEN_DIR` if set, else the repository's own `golden/` (found by walking
 * up from the working directory to the workspace root, the folder with `pnpm-workspace.yaml`). The search
 * never leaves the repository, so a clone with nothing beside it tests exactly what it ships.
 */
export function goldenDir(): string {
  const env = process.env.RELAX_GOLDEN_DIR;
  if (env) {
    if (!existsSync(env)) throw new Error(`golden data not found: RELAX_GOLDEN_DIR=${env} does not exist`);
    return env;
  }
  let dir = resolve(process.cwd());
  for (;;) {
    const candidate = join(dir, "golden");
    if (existsSync(join(candidate, "README.md"))) return candidate;
    const parent = dirname(dir);
    if (existsSync(join(dir, "pnpm-workspace.yaml")) || parent === dir) {
      throw new Error(`golden data not found: no golden/ folder in the repository above ${process.cwd()} (or set RELAX_GOLDEN_DIR)`);
    }
    dir = parent;
  }
}

/** Whether the golden folder can be found. */
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
