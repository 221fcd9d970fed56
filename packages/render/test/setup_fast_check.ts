// Property tests are reproducible: one fixed seed for every fc.assert without its own (FC_SEED=<n> explores others).
import fc from "fast-check";

fc.configureGlobal({ seed: Number(process.env.FC_SEED ?? 20261206) });
