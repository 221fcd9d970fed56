"""The reference CNN's training step in PyTorch, for bench_compare.js (same shapes as `createCnn()` and bench_step).

python3 bench/torch_step.py [--steps 10] [--threads 2]  ->  one JSON line {ms, min, cpuMs, steps}

conv 5x5 1->32 (pad 2), ReLU, max-pool 2; conv 5x5 32->64, ReLU, max-pool 2; dense 12544->64, ReLU; dense 64->1
(855,041 parameters) on 32 sets x 5 images of 28x112 (random pixels: the step time does not depend on them), the
odd-even sorting network relaxed with the Cauchy CDF (steepness 10) and the permutation-matrix BCE loss of
diffsort, Adam 10^-3.5. Median wall ms/step after 2 warm-up steps, and the process's CPU ms/step.
"""
import argparse, json, math, time
import torch
import torch.nn as nn

p = argparse.ArgumentParser()
p.add_argument("--steps", type=int, default=10)
p.add_argument("--threads", type=int, default=2)
a = p.parse_args()
torch.set_num_threads(a.threads)
torch.manual_seed(0)
sets, n, beta = 32, 5, 10.0
net = nn.Sequential(
    nn.Conv2d(1, 32, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
    nn.Conv2d(32, 64, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
    nn.Flatten(), nn.Linear(64 * 7 * 28, 64), nn.ReLU(), nn.Linear(64, 1))
assert sum(q.numel() for q in net.parameters()) == 855041
opt = torch.optim.Adam(net.parameters(), lr=10 ** -3.5)


def soft_perm(x):
    """Odd-even sorting network, each swap a Cauchy-CDF mix; returns the relaxed permutation matrix [sets, n, n]."""
    P = torch.eye(n).repeat(x.shape[0], 1, 1)
    for layer in range(n):
        for i in range(layer % 2, n - 1, 2):
            a_, b_ = x[:, i], x[:, i + 1]
            alpha = torch.atan(beta * (b_ - a_)) / math.pi + 0.5  # P(a stays before b)
            lo, hi = alpha * a_ + (1 - alpha) * b_, (1 - alpha) * a_ + alpha * b_
            x = torch.cat([x[:, :i], lo[:, None], hi[:, None], x[:, i + 2:]], 1)
            pi, pj = P[:, :, i], P[:, :, i + 1]
            ni = alpha[:, None] * pi + (1 - alpha[:, None]) * pj
            nj = (1 - alpha[:, None]) * pi + alpha[:, None] * pj
            P = torch.cat([P[:, :, :i], ni[:, :, None], nj[:, :, None], P[:, :, i + 2:]], 2)
    return P


times, cpu = [], []
for s in range(a.steps + 2):
    t, c = time.perf_counter(), time.process_time()
    x = torch.rand(sets * n, 1, 28, 112)
    values = torch.rand(sets, n)
    target = torch.nn.functional.one_hot(torch.argsort(values, 1), n).float().transpose(1, 2)
    P = soft_perm(net(x).view(sets, n))
    loss = nn.functional.binary_cross_entropy(P.clamp(0, 1), target)
    opt.zero_grad()
    loss.backward()
    opt.step()
    if s >= 2:
        times.append(1000 * (time.perf_counter() - t))
        cpu.append(1000 * (time.process_time() - c))
times.sort(); cpu.sort()
print(json.dumps({"ms": times[len(times) // 2], "min": times[0], "cpuMs": cpu[len(cpu) // 2], "steps": len(times)}))
