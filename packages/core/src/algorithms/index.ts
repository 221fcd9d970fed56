/** Ready relaxed algorithms (AlgoVision, NeurIPS 2021), each a plain differentiable function. */
export { bubbleSort, bubbleSortProgram } from "./bubble_sort.js";
export type { BubbleSortOptions, BubbleSortResult } from "./bubble_sort.js";
export { GRID8_DIRECTIONS, shortestPath } from "./shortest_path.js";
export type { ShortestPathOptions } from "./shortest_path.js";
export { editDistance } from "./edit_distance.js";
export type { EditDistanceOptions } from "./edit_distance.js";
export { argminSearch, top1 } from "./argmin_search.js";
export type { SearchOptions, SearchResult } from "./argmin_search.js";
