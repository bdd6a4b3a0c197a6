"""Full-size data (issue 14): load times, epoch times against the FLOP bound, and a server's memory with both data sets.

    python benchmarks/bench_data.py            # full: 3 loads, 1 epoch of each student, 4 Train presses, the server's RSS
    python benchmarks/bench_data.py --quick    # CI: one load of each kind, 1/10 of an epoch, one 1-epoch press, the RSS

Loads: Fashion-MNIST's four IDX files parsed into an empty cache folder (first), then read from that cache
(second), each followed by :func:`kdviz.data.datasets.split_from_idx` (the normalised tensors the students train on).
Epochs: the default student (784-128-10) and Hinton's (784-800-800-10) on the 60,000 training images, one
torch thread, batch 64, distilled at T = 4 / 20 against the shipped teacher; the bound is the epoch's
forward and backward FLOPs (``bench_flops.mlp_train_flops``) over the matmul throughput measured in the same
run. A Train press: the default student and its baseline at the page's default epochs on Fashion-MNIST (5), one
worker process each (:class:`kdviz.serve.workers.WorkerPool`, the press's work without the page), after the workers
started; the first press includes the workers' load of the data set by name. Memory: ``streamlit run app.py`` on 127.0.0.1, its RSS after opening the Temperature page on MNIST and
then on Fashion-MNIST over Streamlit's own protocol (``tests/classroom.py``). Needs ``dataset-fashion-mnist``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_flops import matmul_gflops, mlp_train_flops  # noqa: E402

from kdviz.data import datasets, idx  # noqa: E402
from kdviz.train.loop import TrainConfig, train_student  # noqa: E402
from kdviz.train.resources import load_resources  # noqa: E402


def load_times(repeats: int) -> tuple[float, list[float]]:
    """Seconds of the first load (parse + split) into an empty cache folder, and of each cached load after it."""
    old = os.environ.get("KDVIZ_CACHE_DIR")
    with tempfile.TemporaryDirectory() as d:
        os.environ["KDVIZ_CACHE_DIR"] = d
        try:
            start = time.perf_counter()
            datasets.split_from_idx(idx.load_fashion_mnist())
            first = time.perf_counter() - start
            later = []
            for _ in range(repeats):
                start = time.perf_counter()
                datasets.split_from_idx(idx.load_fashion_mnist())
                later.append(time.perf_counter() - start)
        finally:
            os.environ.pop("KDVIZ_CACHE_DIR") if old is None else os.environ.__setitem__("KDVIZ_CACHE_DIR", old)
    return first, later


def epoch_time(res, hidden: tuple[int, ...], T: float, fraction: float) -> float:
    """Seconds of the optimisation steps of one epoch (or of ``fraction`` of one), scaled to a full epoch."""
    n = int(len(res.data.y_train) * fraction)
    run = train_student(res.data, res.logits, TrainConfig(hidden=hidden, epochs=1, T=T), train_index=list(range(n)))
    return run.epoch_seconds[0] / fraction


def press_times(res, *, epochs: int, n: int) -> list[float]:
    """Seconds of ``n`` Train presses' work (seeds 0 … n − 1): the distilled student and its γ = 0 baseline, one worker each."""
    from kdviz.serve.workers import WorkerPool

    pool = WorkerPool(2)
    try:
        pool.wait_ready()
        out = []
        for seed in range(n):
            start = time.perf_counter()
            pool.train_pair(res.data, res.logits, TrainConfig(epochs=epochs, seed=seed), dataset="fashion-mnist")
            out.append(time.perf_counter() - start)
        return out
    finally:
        pool.close()


def server_rss() -> dict[str, float]:
    """RSS (MB) of a fresh server: at start, after Temperature on MNIST, after Temperature on Fashion-MNIST too."""
    from browser import Server
    from classroom import Session

    server = Server(timeout=120)
    try:
        out = {"start": server.rss_mb()}

        async def visit(query: str) -> None:
            s = Session(server.url, timeout=600)
            try:
                await s.open("Temperature", query)
            finally:
                await s.close()

        asyncio.run(visit(""))
        out["mnist-5k"] = server.rss_mb()
        asyncio.run(visit("data=fashion-mnist"))
        out["both"] = server.rss_mb()
        return out
    finally:
        server.stop()


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="CI: one load of each kind, 1/10 of an epoch")
    args = ap.parse_args(argv)
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores; Fashion-MNIST, 60,000 / 10,000 images")

    first, later = load_times(1 if args.quick else 3)
    print(f"load (IDX parse + normalised tensors): first {first:.2f} s; cached median {statistics.median(later):.2f} s "
          f"[{', '.join(f'{t:.2f}' for t in later)}] (target ≤ 0.5 s)")

    res = load_resources(dataset="fashion-mnist")
    print(f"shipped teacher: test accuracy {res.teacher_meta['test_acc']:.4f} on {len(res.data.y_test):,} images")
    gflops = matmul_gflops(1)
    fraction = 0.1 if args.quick else 1.0
    for hidden, T in (((128,), 4.0), ((800, 800), 20.0)):
        seconds = epoch_time(res, hidden, T, fraction)
        flops = mlp_train_flops((784, *hidden, 10)) * len(res.data.y_train)
        bound = flops / (gflops * 1e9)
        print(f"784-{'-'.join(map(str, hidden))}-10, one epoch of 60,000 images, 1 thread: {seconds:.2f} s; "
              f"{flops / 1e12:.3f} TFLOP, bound {bound:.2f} s at {gflops:.0f} GFLOP/s; ratio {seconds / bound:.1f}")

    presses = press_times(res, epochs=1 if args.quick else datasets.student_epochs("fashion-mnist", 60000),
                          n=1 if args.quick else 4)
    print(f"Train press, default student + baseline, {1 if args.quick else 5} epoch(s), 2 workers: first (loads the data by "
          f"name) {presses[0]:.2f} s; then median {statistics.median(presses[1:] or presses):.2f} s "
          f"[{', '.join(f'{t:.2f}' for t in presses[1:])}] (target: about 10 s)")

    rss = server_rss()
    print(f"server RSS: {rss['start']:.0f} MB at start, {rss['mnist-5k']:.0f} MB with MNIST, {rss['both']:.0f} MB with "
          f"both data sets (target ≤ 800 MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
