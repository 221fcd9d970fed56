#!/usr/bin/env bash
# The README's test command: installs what it needs (pnpm, dependencies), builds every package,
# runs every package's tests and prints one "N passed, M failed" line over all of them.
set -euo pipefail
cd "$(dirname "$0")/.."
export TURBO_TELEMETRY_DISABLED=1 DO_NOT_TRACK=1
bash scripts/ensure-pnpm.sh
pnpm install --frozen-lockfile --reporter=append-only
rm -f packages/*/.vitest-report.json apps/*/.vitest-report.json .consumer-report.json
rc=0
pnpm turbo run build typecheck test --continue --output-logs=errors-only --log-order=grouped || rc=$?
echo "::: lint and format check (Biome)"
pnpm exec biome check --diagnostic-level=error . || rc=1
echo "::: API reference (TypeDoc, warnings are errors) -> docs/api"
pnpm exec typedoc || rc=1
echo "::: release dry run: changeset version keeps workspace ranges valid"
bash scripts/check-versioning.sh || rc=1
echo "::: new-op generator scaffolds a working op"
bash scripts/check-new-op.sh || rc=1
echo "::: consumer installs: each package alone from its tarball, plain npm + plain Node + tsc"
bash scripts/consumer-test.sh || rc=1
node scripts/test-summary.mjs || rc=1
exit $rc
