#!/usr/bin/env bash
# The README's main job: installs what it needs (pnpm, dependencies), builds the example and runs it.
# Extra arguments are passed to the example (e.g. `npm run demo -- --minutes 2`).
set -euo pipefail
cd "$(dirname "$0")/.."
export TURBO_TELEMETRY_DISABLED=1 DO_NOT_TRACK=1
bash scripts/ensure-pnpm.sh
pnpm install --frozen-lockfile --reporter=silent
main_app="apps/ranking-mnist"               # the main job: ranking supervision on 4-digit MNIST
[ -f "$main_app/src/main.ts" ] || main_app="apps/quickstart"
app="$(node -p "require('./$main_app/package.json').name")"
pnpm turbo run build --filter="$app..." --output-logs=errors-only >/dev/null
exec pnpm --silent --filter "$app" start -- "$@"   # "--": the options are the app's, not pnpm's (e.g. --help)
