#!/usr/bin/env bash
# Runs `pnpm new-op core scaffoldCheckOp` on a copy of the repository and runs the generated tests there:
# the scaffold must be wired in everywhere, compile, and its tests (fused vs reference, gradients) must pass out of the box.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"
tmp="$(mktemp -d /tmp/relax-newop.XXXXXX)"
trap 'rm -rf "$tmp"' EXIT
git ls-files -z --cached --others --exclude-standard | xargs -0 -I{} cp --parents {} "$tmp" 2>/dev/null || true
ln -s "$root/node_modules" "$tmp/node_modules"
ln -s "$root/packages/core/node_modules" "$tmp/packages/core/node_modules"
cp -r "$root/packages/core/dist" "$tmp/packages/core/dist"
cd "$tmp"
node scripts/new-op.mjs core scaffoldCheckOp >/dev/null
# the generator wires the op in: kernel name, registration, index and reference exports, README row, bench suite
grep -q 'export const RelaxScaffoldCheckOp = ' packages/core/src/kernels/names/core.ts
grep -q '"./scaffold_check_op.js"' packages/core/src/kernels/register.ts
grep -q 'export { scaffoldCheckOp } from "./scaffold_check_op.js";' packages/core/src/index.ts
grep -q 'scaffoldCheckOpReference' packages/core/src/reference.ts
grep -q '`scaffoldCheckOp(x, {steepness})`' packages/core/README.md
grep -q '"./ops/scaffold_check_op.js"' apps/bench/src/run.ts
(cd packages/core && node_modules/.bin/tsc -p tsconfig.json --noEmit && node_modules/.bin/vitest run test/scaffold_check_op.test.ts --reporter=dot >/dev/null 2>&1)
echo "new-op check ok: scaffolded core/scaffoldCheckOp compiles and its tests pass"
