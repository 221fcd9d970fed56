/**
 * Logic nets inside `tf.layers` (`@relax/logic/layers`): a `tf.sequential` of `logicLayer`s and a `groupSum` trained
 * with `model.fit`, and one `logicStack` layer (the whole net in one layer) with `model.fit`, against the fused `LogicNet` path, interleaved in the same run (medians). Part of the `logic`
 * suite (`LOGIC_BENCH_PART=train` or `=layers`).
 */
import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import { GroupSum, LogicLayer, LogicNet, fusedAdam } from "@relax/logic";
import { fuseLogicLayers, groupSum, logicLayer, logicStack, softmaxCrossEntropyLoss } from "@relax/logic/layers";

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
}

function layersModel(width: number, layers: number, seed: number, optimizer: tf.Optimizer): tfl.Sequential {
  const model = tfl.sequential();
  for (let l = 0; l < layers; l++) model.add(logicLayer({ units: width, seed: seed + l, ...(l === 0 ? { inputShape: [784] } : {}) }));
  model.add(groupSum({ k: 10, tau: 10 }));
  model.compile({ optimizer, loss: softmaxCrossEntropyLoss });
  return model;
}

/** Prints the table: ms per training step of each way, medians over `rounds` interleaved rounds. */
export async function layersTrainBench(width: number, layers: number, x: tf.Tensor2D, y: tf.Tensor2D, rounds = 8): Promise<void> {
  const net = new LogicNet([
    ...Array.from({ length: layers }, (_, l) => new LogicLayer(l === 0 ? 784 : width, width, { seed: 10 + l })),
    new GroupSum(10, 10),
  ]);
  const netOpt = fusedAdam(0.01);
  const stack = tfl.sequential({ layers: [logicStack({ units: Array(layers).fill(width), k: 10, tau: 10, seed: 10, inputShape: [784] })] });
  stack.compile({ optimizer: fusedAdam(0.01), loss: softmaxCrossEntropyLoss });
  const fusedModel = layersModel(width, layers, 10, fusedAdam(0.01));
  const fusedLayers = fuseLogicLayers(layersModel(width, layers, 10, fusedAdam(0.01)));
  fusedLayers.compile({ optimizer: fusedAdam(0.01), loss: softmaxCrossEntropyLoss });
  const tfjsModel = layersModel(width, layers, 10, tf.train.adam(0.01, 0.9, 0.999, 1e-8));
  const ways: [string, () => Promise<void>, number[]][] = [
    [
      "LogicNet, fused kernels + fusedAdam, optimizer.minimize (baseline)",
      async () => {
        const l = netOpt.minimize(() => tf.losses.softmaxCrossEntropy(y, net.forward(x)) as tf.Scalar, true, net.variables)!;
        l.dataSync();
        l.dispose();
      },
      [],
    ],
    [
      "tf.sequential(logicStack), model.fit, fusedAdam",
      async () => void (await stack.fit(x, y, { batchSize: x.shape[0], epochs: 1, verbose: 0 })),
      [],
    ],
    [
      "fuseLogicLayers(tf.sequential(logicLayer ×L, groupSum)), model.fit, fusedAdam",
      async () => void (await fusedLayers.fit(x, y, { batchSize: x.shape[0], epochs: 1, verbose: 0 })),
      [],
    ],
    [
      "tf.sequential(logicLayer ×L, groupSum), model.fit, fusedAdam",
      async () => void (await fusedModel.fit(x, y, { batchSize: x.shape[0], epochs: 1, verbose: 0 })),
      [],
    ],
    [
      "tf.sequential(logicLayer ×L, groupSum), model.fit, tf.train.adam",
      async () => void (await tfjsModel.fit(x, y, { batchSize: x.shape[0], epochs: 1, verbose: 0 })),
      [],
    ],
  ];
  for (const [, step] of ways) await step(); // warm-up
  for (let r = 0; r < rounds; r++) {
    for (const [, step, times] of ways) {
      if (times.length >= 3 && step === ways[4]?.[1] && r % 2 === 1) continue; // tfjs Adam is slow: fewer samples
      const t = performance.now();
      await step();
      times.push(performance.now() - t);
    }
  }
  const base = median(ways[0]?.[2] ?? []);
  console.log(`\n| logic net in tf.layers (784 → ${layers}×${width} → groupSum(10), batch ${x.shape[0]}) | median ms/step | × baseline |`);
  console.log("|---|---|---|");
  for (const [name, , times] of ways) console.log(`| ${name} | ${median(times).toFixed(1)} | ${(median(times) / base).toFixed(2)} |`);
  net.dispose();
  netOpt.dispose();
  fusedModel.dispose();
  stack.dispose();
  fusedLayers.dispose();
  tfjsModel.dispose();
}
