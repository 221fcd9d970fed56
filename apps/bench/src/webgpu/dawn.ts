/**
 * Installs Dawn (npm `webgpu`) as `navigator.gpu`; must run before tfjs-backend-webgpu is imported.
 * On a machine with a GPU, Dawn uses the system Vulkan driver: do not set VK_ICD_FILENAMES there.
 * `--swiftshader` selects Chromium's SwiftShader ICD (no GPU; correctness only).
 */
import { existsSync } from "node:fs";
import { parseArgs } from "node:util";
import { create, globals } from "webgpu";

const SWIFTSHADER_ICD = "/usr/lib/chromium/vk_swiftshader_icd.json";
const { swiftshader } = parseArgs({ strict: false, allowPositionals: true }).values;
if (swiftshader === true && !process.env.VK_ICD_FILENAMES && existsSync(SWIFTSHADER_ICD)) {
  process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
}
Object.assign(globalThis, globals);
const g = globalThis as unknown as { navigator?: { gpu?: unknown } };
if (g.navigator === undefined) Object.defineProperty(globalThis, "navigator", { value: {}, writable: true, configurable: true });
if (g.navigator!.gpu === undefined) g.navigator!.gpu = create([]);
