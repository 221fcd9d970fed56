import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";

/**
 * The bare module specifiers (packages) imported anywhere in the graph of relative imports reachable from a built
 * file — static `import`/`export … from`, side-effect imports and literal dynamic `import()`. For tests that an
 * entry point never loads an optional dependency (Node only; reads files).
 *
 * @param entry absolute path of a built `.js` file
 * @returns the package specifiers, e.g. `@tensorflow/tfjs-core`
 * @example
 * expect(bareImports(join(root, "dist/index.js")).has("@tensorflow/tfjs-layers")).toBe(false);
 */
export function bareImports(entry: string): Set<string> {
  const seen = new Set<string>();
  const bare = new Set<string>();
  const stack = [entry];
  while (stack.length) {
    const file = stack.pop() as string;
    if (seen.has(file)) continue;
    seen.add(file);
    const text = readFileSync(file, "utf8")
      .replace(/\/\*[\s\S]*?\*\//g, "")
      .replace(/^\s*\/\/.*$/gm, "");
    const specs = [
      ...text.matchAll(/^\s*(?:import|export)\b[^;]*?\bfrom\s*["']([^"']+)["']/gm),
      ...text.matchAll(/^\s*import\s*["']([^"']+)["']/gm),
      ...text.matchAll(/\bimport\(\s*["']([^"']+)["']\s*\)/g),
    ].map((m) => m[1] as string);
    for (const spec of specs) {
      if (spec.startsWith(".")) stack.push(resolve(dirname(file), spec));
      else bare.add(spec);
    }
  }
  return bare;
}
