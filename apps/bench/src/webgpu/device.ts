/** Entry of the standalone GPU-machine bundle (`scripts/build-device-bundle.mjs`): runs the Node WebGPU benchmark. */
import { run } from "./node.js";

await run();
