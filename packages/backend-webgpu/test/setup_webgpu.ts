/**
 * vitest setup: installs Dawn (npm `webgpu`) as `navigator.gpu` before any test file imports
 * `@tensorflow/tfjs-backend-webgpu` (which checks `navigator.gpu` when it is imported).
 * Without a GPU, Dawn runs on Chromium's SwiftShader Vulkan ICD (Debian `chromium` + `libvulkan1`).
 */
import { existsSync } from "node:fs";
import { create, globals } from "webgpu";

const SWIFTSHADER_ICD = "/usr/lib/chromium/vk_swiftshader_icd.json";
if (!process.env.VK_ICD_FILENAMES && existsSync(SWIFTSHADER_ICD)) process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;

Object.assign(globalThis, globals); // GPUBufferUsage, GPUMapMode, GPUShaderStage, ...
const g = globalThis as unknown as { navigator?: { gpu?: unknown } };
if (g.navigator === undefined) {
  Object.defineProperty(globalThis, "navigator", { value: {}, writable: true, configurable: true });
}
if (g.navigator!.gpu === undefined) g.navigator!.gpu = create([]);
