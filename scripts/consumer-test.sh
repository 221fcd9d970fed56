#!/usr/bin/env bash
# "Install only what you need": packs every library package, then for each consumer script in
# scripts/consumer/<pkg>.mjs creates a fresh project OUTSIDE the workspace, installs only that package
# (+ @relax/core and the tfjs peers) from the tarballs with plain npm, type-checks the script with tsc
# against the installed declarations, and runs it in plain Node. A script whose second line is
# "// consumer-install: <npm packages> <relax package names>" gets exactly those instead (layers.mjs: the union
# package @tensorflow/tfjs and several Relax packages). CONSUMER_ONLY=<name> runs one script.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"
work="$(mktemp -d /tmp/relax-consumer.XXXXXX)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/tarballs"
for dir in packages/*/; do
  (cd "$dir" && pnpm pack --pack-destination "$work/tarballs" >/dev/null)
done
for t in "$work"/tarballs/*.tgz; do printf "  packed %-36s %8d bytes\n" "$(basename "$t")" "$(stat -c %s "$t")"; done
status=0
passed=0
failed=0
for script in scripts/consumer/${CONSUMER_ONLY:-*}.mjs; do
  pkg="$(basename "$script" .mjs)"
  proj="$work/consumer-$pkg"
  mkdir -p "$proj"
  cp "$script" "$proj/check.mjs"
  tarballs=("$work"/tarballs/relax-core-*.tgz)
  [ "$pkg" != core ] && [ -e "$work"/tarballs/relax-"$pkg"-*.tgz ] && tarballs+=("$work"/tarballs/relax-"$pkg"-*.tgz)
  deps=(@tensorflow/tfjs-core@4.22.0 @tensorflow/tfjs-backend-cpu@4.22.0)
  custom="$(sed -n 's|^// consumer-install: ||p' "$script")"
  if [ -n "$custom" ]; then
    deps=()
    for name in $custom; do
      case "$name" in
        @*) deps+=("$name") ;;
        *) [ "$name" != core ] && tarballs+=("$work"/tarballs/relax-"$name"-*.tgz) ;;
      esac
    done
  fi
  (
    cd "$proj"
    echo '{ "name": "consumer", "private": true, "type": "module" }' > package.json
    npm install --no-audit --no-fund --loglevel=error "${tarballs[@]}" "${deps[@]}" typescript@5.9.3 @types/node@20.19.9 >/dev/null
    npx tsc --noEmit --allowJs --checkJs --module nodenext --moduleResolution nodenext --target es2022 --skipLibCheck --strict check.mjs
    node check.mjs 2>&1 | grep -v -e "^=*$" -e "Hi, looks like" || true
    node check.mjs >/dev/null 2>&1
  ) && { echo "  consumer $pkg: ok"; passed=$((passed + 1)); } || { echo "  consumer $pkg: FAILED"; status=1; failed=$((failed + 1)); }
done
echo "{\"numPassedTests\": $passed, \"numFailedTests\": $failed}" > "$root/.consumer-report.json"
exit $status
