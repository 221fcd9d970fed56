// Sums every package's vitest JSON report into the one line CI reads: "N passed, M failed".
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";

let passed = 0,
  failed = 0,
  skipped = 0,
  reports = 0;
const rows = [];
for (const root of ["packages", "apps"]) {
  if (!existsSync(root)) continue;
  for (const name of readdirSync(root)) {
    const file = join(root, name, ".vitest-report.json");
    const hasTests = existsSync(join(root, name, "test")) && readdirSync(join(root, name, "test")).some((f) => f.endsWith(".test.ts"));
    if (!existsSync(file)) {
      if (hasTests) {
        failed++;
        rows.push(`  ${join(root, name).padEnd(28)} no report: the build or the test run crashed (counted as 1 failure)`);
      }
      continue;
    }
    const r = JSON.parse(readFileSync(file, "utf8"));
    reports++;
    passed += r.numPassedTests;
    failed += r.numFailedTests;
    skipped += (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
    rows.push(
      `  ${join(root, name).padEnd(28)} ${String(r.numPassedTests).padStart(4)} passed, ${r.numFailedTests} failed${r.numFailedTestSuites ? `, ${r.numFailedTestSuites} suites failed` : ""}`,
    );
    if (r.numFailedTestSuites && r.numFailedTests === 0) failed += r.numFailedTestSuites;
  }
}
if (existsSync(".consumer-report.json")) {
  const r = JSON.parse(readFileSync(".consumer-report.json", "utf8"));
  reports++;
  passed += r.numPassedTests;
  failed += r.numFailedTests;
  rows.push(`  ${"consumer installs (npm pack)".padEnd(28)} ${String(r.numPassedTests).padStart(4)} passed, ${r.numFailedTests} failed`);
}
console.log(`\nTest summary per package:\n${rows.join("\n")}`);
console.log(`\n${passed} passed, ${failed} failed, ${skipped} skipped`);
if (reports === 0 || passed === 0 || failed > 0) process.exit(1);
