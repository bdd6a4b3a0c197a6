"""A student epoch against its arithmetic lower bound (issue 7 §2).

    python benchmarks/bench_flops.py           # batch sizes 32, 64, 128, 256; 1 and 2 threads
    python benchmarks/bench_flops.py --quick   # CI: proves it runs

Lower bound = FLOPs of one epoch's forward and backward passes / the matmul throughput
measured in the same run at the same thread count. FLOPs of a linear layer n_in→n_out
per example: forward 2·n_in·n_out; backward 2·n_in·n_out for the weight gradient, plus
2·n_in·n_out for the input gradient except on the first layer (the images need none).
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import torch

from kdviz import TrainConfig, train_student
from kdviz.train.loop import torch_threads
from kdviz.train.resources import load_resources


def mlp_train_flops(sizes: tuple[int, ...]) -> int:
    """FLOPs of forward + backward for one example through an MLP with layer sizes ``sizes``."""
    total = 0
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        total += 2 * a * b * (2 if i == 0 else 3)
    return total


def matmul_gflops(threads: int, n: int = 512, repeats: int = 20) -> float:
    """Measured throughput of an n×n float32 matmul, GFLOP/s."""
    with torch_threads(threads):
        a, b = torch.randn(n, n), torch.randn(n, n)
        for _ in range(3):
            a @ b
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            a @ b
            times.append(time.perf_counter() - start)
    return 2 * n**3 / statistics.median(times) / 1e9


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args(argv)
    res = load_resources()
    n_train = len(res.data.x_train)
    sizes = (784, 128, 10)
    flops_epoch = mlp_train_flops(sizes) * n_train
    batches = [64] if args.quick else [32, 64, 128, 256]
    threads = [1] if args.quick else [1, 2]
    epochs = 2 if args.quick else 6
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, torch {torch.__version__}; student 784-128-10, "
          f"{n_train} digits; {flops_epoch / 1e9:.2f} GFLOP per epoch (forward + backward)")
    print("| threads | batch | matmul GFLOP/s | bound ms/epoch | steps ms/epoch (median) | ratio | with evaluation ms/epoch |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for t in threads:
        gflops = matmul_gflops(t)
        bound_ms = flops_epoch / (gflops * 1e9) * 1e3
        for b in batches:
            r = train_student(res.data, res.logits, TrainConfig(epochs=epochs, batch_size=b, num_threads=t))
            steps_ms = statistics.median(r.epoch_seconds[1:] or r.epoch_seconds) * 1e3  # skip the warm-up epoch
            full_ms = r.seconds / epochs * 1e3
            print(f"| {t} | {b} | {gflops:.0f} | {bound_ms:.1f} | {steps_ms:.1f} | {steps_ms / bound_ms:.2f}x | {full_ms:.1f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
