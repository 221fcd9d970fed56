/**
 * Which layer of the reference CNN (`createCnn()`: 28×112×1 → conv 5×5 32 → pool → conv 5×5 64 → pool → dense 64
 * → dense 1) a tfjs kernel belongs to, from its name and input shapes — for per-layer profiles of a training step.
 */
export const LAYERS = [
  "conv1 forward",
  "conv1 filter gradient",
  "conv2 forward",
  "conv2 input gradient",
  "conv2 filter gradient",
  "bias + ReLU (fwd + bwd)",
  "max-pool (fwd + bwd)",
  "dense (fwd + bwd)",
  "transpose / pad / reverse (conv grads)",
  "loss, optimizer, rest",
] as const;

/** The {@link LAYERS} entry of kernel `name` with `inputShapes` (shapes of the reference CNN at any batch). */
export function layerOf(name: string, inputShapes: number[][]): string {
  const [a = [], b = []] = inputShapes;
  if (name === "Conv2D" || name === "FusedConv2D") {
    if (b[0] === 5 && b[2] === 1) return "conv1 forward";
    if (b[0] === 5 && b[2] === 32) return "conv2 forward";
    if (b[0] === 5 && b[2] === 64) return "conv2 input gradient";
    if (b[0] === 28) return "conv1 filter gradient";
    if (b[0] === 14) return "conv2 filter gradient";
  }
  if (name === "Conv2DBackpropInput") return "conv2 input gradient";
  if (name === "Conv2DBackpropFilter") return b[3] === 32 || a[3] === 1 ? "conv1 filter gradient" : "conv2 filter gradient";
  const big = (a.length === 4 && (a[3] === 32 || a[3] === 64)) || (a.length === 2 && a[0] === 1 && (a[1] as number) > 100000);
  if (name.startsWith("RelaxBiasRelu")) return "bias + ReLU (fwd + bwd)";
  if (["Add", "Relu", "Step", "Multiply", "Identity", "BatchMatMul"].includes(name) && big) return "bias + ReLU (fwd + bwd)";
  if (name === "MaxPool" || name === "MaxPoolGrad" || name === "RelaxMaxPool2Grad") return "max-pool (fwd + bwd)";
  if (name === "BatchMatMul" || name === "_FusedMatMul") return "dense (fwd + bwd)";
  if (["Transpose", "PadV2", "Reverse", "ZerosLike"].includes(name)) return "transpose / pad / reverse (conv grads)";
  return "loss, optimizer, rest";
}
