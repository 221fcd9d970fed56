/**
 * `@relax/train` — algorithmic supervision (F. Petersen, *Learning with Differentiable Algorithms*, 2022):
 * datasets, models from tfjs-core ops, algorithmic losses, Newton losses, stochastic smoothing, metrics and a
 * training loop with progress, evaluation, early stopping, checkpoints and history.
 */
export { createRng } from "./data/rng.js";
export type { Rng } from "./data/rng.js";
export { loadMnistDigits, splitMnist } from "./data/mnist.js";
export type { MnistDigits, DigitSplit } from "./data/mnist.js";
export { sampleRankingSets, makeEvalSets, sliceRankingSets, renderRankingImages, rankingSetsToTensors } from "./data/multi_digit.js";
export type { RankingSets, RankingSetOptions } from "./data/multi_digit.js";

export { initTensor } from "./models/init.js";
export type { Initializer } from "./models/init.js";
export { conv2dSame } from "./models/conv.js";
export { maxPool2 } from "./models/pool.js";
export { countParams, disposeModel } from "./models/model.js";
export { fromLayersModel, isLayersModel } from "./models/layers_model.js";
export type { LayersModelLike, LayersModelAdapter } from "./models/layers_model.js";
export type { Model } from "./models/model.js";
export { createCnn } from "./models/cnn.js";
export type { CnnOptions } from "./models/cnn.js";
export { createMlp } from "./models/mlp.js";
export type { MlpOptions } from "./models/mlp.js";

export {
  rankingMetrics,
  rankExactMatch,
  rankElementWise,
  rankExactMatchFirstK,
  topKAccuracy,
  pathPerfectMatch,
} from "./metrics/ranking.js";
export type { RankingMetrics, MatrixInput } from "./metrics/ranking.js";

export { plainStrategy } from "./loop/strategy.js";
export type { Strategy, AlgoLoss } from "./loop/strategy.js";
export { trainWithAlgorithm } from "./loop/train.js";
export type { Batch, TrainOptions } from "./loop/train.js";
export { saveCheckpoint, loadCheckpoint } from "./loop/checkpoint.js";
export type { CheckpointFile, StoredTensor } from "./loop/checkpoint.js";
export { writeHistory, historyToCsv, historyColumns } from "./loop/history.js";
export type { History, HistoryRecord } from "./loop/history.js";

export { rankingSupervision, setScores } from "./losses/ranking.js";

export { choleskySolve, luSolve, solveSymmetric } from "./newton/linalg.js";
export { newtonTargets, newtonLoss, newtonStrategy, injectFisher, injectFisherStrategy } from "./newton/newton_loss.js";
export type { NewtonOptions, NewtonTargets, InjectFisherOptions } from "./newton/newton_loss.js";

export { noise, NOISES } from "./smoothing/noise.js";
export type { Noise, NoiseDistribution } from "./smoothing/noise.js";
export { smoothedEstimate, smooth } from "./smoothing/smooth.js";
export type { SmoothingOptions, SmoothedEstimate } from "./smoothing/smooth.js";

export { generateTerrainMaps, terrainToTensors, selectTerrainMaps, dijkstraPath, TERRAIN_COSTS, TERRAIN_COLOURS } from "./data/terrain.js";
export type { TerrainOptions, TerrainMaps, DijkstraResult } from "./data/terrain.js";
export { shortestPathMetrics } from "./metrics/path.js";
export type { ShortestPathMetrics } from "./metrics/path.js";
export { shortestPathLoss, pathSupervision } from "./losses/shortest_path.js";
export type { ShortestPathLossOptions, PathNorm } from "./losses/shortest_path.js";
export { dijkstraBlackBox, smoothedDijkstra, smoothedDijkstraLoss, smoothedPathSupervision } from "./losses/smoothed_dijkstra.js";
export type { SmoothedDijkstraOptions, SmoothedDijkstraLossOptions } from "./losses/smoothed_dijkstra.js";
export { topKLoss, topKSupervision } from "./losses/topk.js";
export type { TopKLossOptions } from "./losses/topk.js";
export { editDistanceLoss, editDistanceSupervision } from "./losses/edit_distance.js";
export type { EditDistanceLossOptions, EditDistanceSupervisionOptions } from "./losses/edit_distance.js";
export { plotSvg, writePlot } from "./plot/plot.js";
export type { PlotOptions } from "./plot/plot.js";
export { selectBackend } from "./runtime/backend.js";
export { ProgressBar, progressLine, estimateProgress, formatDuration } from "./loop/progress.js";
export type { ProgressBarOptions, ProgressState, ProgressEstimate } from "./loop/progress.js";
export { enableWasmThreads } from "./runtime/wasm_threads.js";
export type { WasmThreadsOptions } from "./runtime/wasm_threads.js";
export { biasRelu } from "./kernels/bias_relu.js";
export { RELAX_FUSED_CNN } from "./kernels/flags.js";
