#!/usr/bin/env bash
# Release dry run on a copy of the repository: a test changeset for @relax/core goes through
# `changeset version`; then every internal dependency must still be a valid `workspace:` range,
# core's version must be bumped, its dependents patch-bumped, and CHANGELOGs written.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"
tmp="$(mktemp -d /tmp/relax-version.XXXXXX)"
trap 'rm -rf "$tmp"' EXIT
git ls-files -z --cached --others --exclude-standard | xargs -0 -I{} cp --parents {} "$tmp" 2>/dev/null || true
ln -s "$root/node_modules" "$tmp/node_modules"
cd "$tmp"
rm -f .changeset/*.md
cat > .changeset/release-check.md <<'MD'
---
"@relax/core": minor
---

Release check.
MD
before="$(node -p 'require("./packages/core/package.json").version')"
node_modules/.bin/changeset version >/dev/null
node --input-type=module - "$before" <<'JS'
import { readFileSync, readdirSync, existsSync } from "node:fs";
const before = process.argv[2];
const pkgs = readdirSync("packages").map((d) => [d, JSON.parse(readFileSync(`packages/${d}/package.json`, "utf8"))]);
const versions = Object.fromEntries(pkgs.map(([, p]) => [p.name, p.version]));
const errors = [];
const core = versions["@relax/core"];
if (core === before) errors.push(`@relax/core was not bumped (still ${core})`);
if (!readFileSync("packages/core/CHANGELOG.md", "utf8").includes("Release check.")) errors.push("core CHANGELOG has no entry");
for (const [dir, p] of pkgs) {
  for (const field of ["dependencies", "peerDependencies", "devDependencies"]) {
    for (const [name, range] of Object.entries(p[field] ?? {})) {
      if (!name.startsWith("@relax/")) continue;
      if (!/^workspace:[\^~*]?$|^workspace:[\^~]?\d+\.\d+\.\d+$/.test(range)) errors.push(`${p.name} ${field}.${name} = ${range}`);
      if (!versions[name]) errors.push(`${p.name} depends on unknown ${name}`);
    }
  }
  if (p.dependencies?.["@relax/core"] && p.version === "0.0.0" && p.private !== true) errors.push(`${p.name} depends on core but was not patch-bumped`);
}
if (errors.length) { console.error("versioning check failed:\n  " + errors.join("\n  ")); process.exit(1); }
console.log(`versioning check ok: @relax/core ${before} → ${core}; dependents: ${pkgs.filter(([, p]) => p.dependencies?.["@relax/core"]).map(([, p]) => `${p.name}@${p.version}`).join(", ")}`);
JS
