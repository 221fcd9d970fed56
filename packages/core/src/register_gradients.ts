// Bundlers and vitest: register tfjs-core's own gradients (one copy of tfjs-core).
// Plain Node resolves `#register-gradients` to a pre-bundled ESM copy instead (see package.json "imports").
import "@tensorflow/tfjs-core/dist/register_all_gradients.js";
