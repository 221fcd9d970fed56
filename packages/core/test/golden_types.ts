/** Shape of `golden/algo/conditions_minmax.json` (shared by the tests that read it). */
export interface ConditionCase {
  p: number[];
  grad_a: number[];
  grad_b: number[];
}

export interface ConditionsMinMaxGolden {
  a: number[];
  b: number[];
  cases: ({ beta: number } & Record<"LT" | "LEq" | "GT" | "GEq" | "Eq" | "NEq", ConditionCase>)[];
  vec_u: number[][];
  vec_v: number[][];
  vec_cases: {
    beta: number;
    CatProbEq: number[];
    CatProbEq_grad_u: number[][];
    CosineSimilarity: number[];
    CosineSimilarity_grad_u: number[][];
  }[];
  minmax_inputs: number[][];
  minmax_cases: ({ beta: number } & Record<
    "Min" | "ArgMin" | "Max" | "ArgMax",
    { out: number[] | number[][]; W: number[] | number[][]; grads: number[][] }
  >)[];
}
