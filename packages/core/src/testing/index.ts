/**
 * `@relax/core/testing` — the kit every Relax package tests with: finite-difference gradient check,
 * golden-file loader, tolerance comparison, leak check, bad-input builders and seeded inputs.
 */
export { gradCheck } from "./grad_check.js";
export type { GradCheckOptions, GradCheckResult } from "./grad_check.js";
export { countLeakedTensors, countLeakedTensorsAsync, countLeakedTensorsOnThrow } from "./leaks.js";
export { goldenDir, hasGolden, loadGolden } from "./golden.js";
export { maxViolation, flatten } from "./compare.js";
export { badInputs, badPositive } from "./bad_inputs.js";
export { seededUniform } from "./random.js";
export { assertRelaxErrorOrFinite } from "./unhappy.js";
export { PARITY_Z, tailViolation } from "./tails.js";
export { bareImports } from "./imports.js";
