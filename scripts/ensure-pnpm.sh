#!/usr/bin/env bash
# Installs the pnpm version pinned in package.json ("packageManager") if it is not the one on PATH.
# pnpm 12 refuses to run when the global version differs from the pin (it would try a signature-checked
# self-switch that this registry cannot serve), so the versions must match exactly.
set -euo pipefail
cd "$(dirname "$0")/.."
want="$(node -p 'require("./package.json").packageManager.split("@")[1]')"
have="$(pnpm --version 2>/dev/null || true)"
if [ "$have" != "$want" ]; then
  echo "::: installing pnpm $want (found: ${have:-none})"
  npm i -g "pnpm@$want" >/dev/null 2>&1 || npm i -g "pnpm@$want"
fi
