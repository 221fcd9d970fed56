"""The PyTorch diffsort reference at the user's loss, to run beside `user-loss-*.mjs` in the same session.

Forward + backward of sum(P * W) + sum(sorted), batch 100, cauchy, steepness 10, one thread, medians and minima
in ms. Needs torch and the diffsort package (pure Python: `pip install diffsort`, or a source checkout on
DIFFSORT_SRC). Not part of the test suite.
    python3 apps/bench/scripts/diffsort-reference.py
"""
import os
import sys
import time

import torch

if os.environ.get("DIFFSORT_SRC"):
    sys.path.insert(0, os.environ["DIFFSORT_SRC"])
from diffsort import DiffSortNet  # noqa: E402

torch.set_num_threads(1)
B = 100
for net_type, n in [("odd_even", 32), ("bitonic", 32), ("odd_even", 64), ("bitonic", 64)]:
    sorter = DiffSortNet(net_type, n, steepness=10, distribution="cauchy", device="cpu")
    torch.manual_seed(0)
    x = torch.randn(B, n)
    W = torch.rand(B, n, n)
    ts = []
    for _ in range(13 if n == 32 else 7):
        xx = x.clone().requires_grad_(True)
        t0 = time.perf_counter()
        sorted_x, P = sorter(xx)
        ((P * W).sum() + sorted_x.sum()).backward()
        ts.append((time.perf_counter() - t0) * 1000)
    ts = sorted(ts[2:])
    print(f"torch {net_type} n={n}: median {ts[len(ts) // 2]:.1f} ms, min {ts[0]:.1f} ms")
