"""Training cost, measured as ratios in one run (issue 2 and issue 7 §1), and data-load time.

    python benchmarks/bench_train.py            # full: 5 repeats x 5 epochs per variant
    python benchmarks/bench_train.py --quick    # CI: proves it runs

Variants, interleaved so that machine noise hits them alike, all 784-128-10, batch 64, 1 thread:
  distilled      kdviz.train_student, gamma = 0.9 (teacher logits cached once)
  gamma0         kdviz.train_student, gamma = 0 (same function: the baseline)
  plain_ce       a bare cross-entropy loop, no teacher at all
  per_batch      the tutorials' way: a teacher forward inside every step
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import torch
import torch.nn.functional as F

from kdviz import StudentMLP, TrainConfig, load_mnist, train_student
from kdviz.losses import distillation_loss
from kdviz.resources import load_resources
from kdviz.train import torch_threads


def bare_loop_epochs(data, epochs: int, *, teacher=None, seed: int = 0) -> float:
    """A loop outside kdviz; returns seconds.

    ``teacher=None``: bare cross-entropy. With a teacher: the tutorials' way, a teacher
    forward on every batch and the distillation loss (T = 4, gamma = 0.9).
    """
    with torch_threads(1):
        torch.manual_seed(seed)
        model = StudentMLP()
        opt = torch.optim.Adam(model.parameters(), lr=1e-3, fused=True)  # as train_student
        gen = torch.Generator().manual_seed(seed)
        start = time.perf_counter()
        for _ in range(epochs):
            perm = torch.randperm(len(data.x_train), generator=gen)
            xs, ys = data.x_train[perm], data.y_train[perm]
            for i in range(0, len(xs), 64):
                xb, yb = xs[i : i + 64], ys[i : i + 64]
                if teacher is None:
                    loss = F.cross_entropy(model(xb), yb)
                else:
                    with torch.no_grad():
                        t = teacher(xb)  # (64, 10), recomputed every step
                    loss = distillation_loss(model(xb), t, yb, 4.0, 0.9).total
                opt.zero_grad(set_to_none=True)
                loss.backward()
                opt.step()
        return time.perf_counter() - start


def kdviz_epochs(res, epochs: int, gamma: float) -> float:
    """Seconds of the optimisation steps (train_student also evaluates every epoch; not counted here)."""
    return sum(train_student(res.data, res.logits, TrainConfig(epochs=epochs, gamma=gamma)).epoch_seconds)


def load_times(repeats: int) -> tuple[float, list[float]]:
    with tempfile.TemporaryDirectory() as d:
        old = os.environ.get("KDVIZ_CACHE_DIR")
        os.environ["KDVIZ_CACHE_DIR"] = d
        try:
            start = time.perf_counter()
            load_mnist()
            first = time.perf_counter() - start
            later = []
            for _ in range(repeats):
                start = time.perf_counter()
                load_mnist()
                later.append(time.perf_counter() - start)
        finally:
            if old is None:
                os.environ.pop("KDVIZ_CACHE_DIR")
            else:
                os.environ["KDVIZ_CACHE_DIR"] = old
    return first, later


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="1 repeat x 1 epoch (CI)")
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--epochs", type=int, default=5)
    args = ap.parse_args(argv)
    repeats, epochs = (1, 1) if args.quick else (args.repeats, args.epochs)

    first, later = load_times(3 if args.quick else 10)
    res = load_resources()
    per_epoch = {"distilled": [], "gamma0": [], "plain_ce": [], "per_batch": []}
    for _ in range(repeats):  # interleaved
        per_epoch["distilled"].append(kdviz_epochs(res, epochs, 0.9) / epochs)
        per_epoch["gamma0"].append(kdviz_epochs(res, epochs, 0.0) / epochs)
        per_epoch["plain_ce"].append(bare_loop_epochs(res.data, epochs) / epochs)
        per_epoch["per_batch"].append(bare_loop_epochs(res.data, epochs, teacher=res.teacher) / epochs)
    med = {k: statistics.median(v) for k, v in per_epoch.items()}

    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, torch {torch.__version__}, 1 torch thread; "
          f"{repeats} repeats x {epochs} epochs, medians per epoch")
    print(f"data load: first (parse CSV) {first:.3f} s; later (disk cache) median {statistics.median(later):.3f} s, max {max(later):.3f} s")
    print("| variant | s / epoch | ratio to gamma0 | ratio to plain_ce |")
    print("| --- | --- | --- | --- |")
    for k, v in med.items():
        print(f"| {k} | {v:.4f} | {v / med['gamma0']:.2f}x | {v / med['plain_ce']:.2f}x |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
