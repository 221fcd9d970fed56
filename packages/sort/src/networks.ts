// The comparator networks live in @relax/core (shared with @relax/backend-webgpu); re-exported here.
export {
  SORTING_NETWORKS,
  TOPK_NETWORKS,
  oddEvenNetwork,
  bitonicNetwork,
  splitterSelectionNetwork,
  getNetwork,
} from "@relax/core";
export type { SortingNetworkType, TopKNetworkType, FlatNetwork } from "@relax/core";
