"""Training cost, measured as ratios in one run (issue 2 and issue 7 §1), data-load time, and one press
of Train (issue 13 §4).

    python benchmarks/bench_train.py            # full: 5 repeats x 5 epochs per variant, 5 presses
    python benchmarks/bench_train.py --quick    # CI: proves it runs
    python benchmarks/bench_train.py --before /tmp/kdviz-before   # also press Train in another checkout, interleaved

Press (issue 13 §4): the Train page under AppTest, as the server runs it, the defaults (30 epochs,
784-128-10, with the baseline): wall time of the script run that the click starts, to its last
element (the results drawn). Each press runs in a fresh process (``--press-once``), after a
warm-up run of the page that loads the data and the teacher; ``--before DIR`` presses the page
of the checkout in DIR the same way, alternating with this one, so that both see the same machine.
Pair: kdviz.train.loop.train_pair, the distilled student and its baseline in two threads at once,
against the same two runs one after the other (what the page did before), interleaved.

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
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if "--root" in sys.argv:  # --press-once in another checkout: its own kdviz and ui
    ROOT = Path(sys.argv[sys.argv.index("--root") + 1]).resolve()
sys.path.insert(0, str(ROOT))

import torch
import torch.nn.functional as F

from kdviz import StudentMLP, TrainConfig, load_mnist, train_student
from kdviz.maths.losses import distillation_loss
from kdviz.train.loop import torch_threads
from kdviz.train.resources import load_resources


def press_once(epochs: int) -> float:
    """Seconds of one press of Train on ROOT's page (AppTest, in this process), after a warm-up run."""
    os.chdir(ROOT)
    from streamlit.testing.v1 import AppTest

    torch.set_num_threads(1)  # as the server: ui/server.py sets it, and an old checkout's page may not
    at = AppTest.from_file(str(ROOT / "pages" / "3_Train.py"), default_timeout=600)
    at.run()  # loads the data and the teacher, and starts the training processes
    try:  # an idle server: its workers have started (a checkout from before kdviz.serve.workers trains in threads)
        from kdviz.serve import trainqueue, workers
        workers.shared(trainqueue.shared().slots).wait_ready()
    except ImportError:
        pass
    at.number_input(key="_train_epochs").set_value(epochs)
    at.run()
    at.button(key="train_button").click()
    start = time.perf_counter()
    at.run()
    seconds = time.perf_counter() - start
    if at.exception or len(at.session_state["runs"]) != 1:
        raise RuntimeError(f"the press did not finish one run: {[e.value for e in at.exception]}")
    return seconds


def press(root: Path, epochs: int) -> float:
    """:func:`press_once` in a fresh process on the checkout ``root``."""
    out = subprocess.run([sys.executable, __file__, "--press-once", "--root", str(root), "--epochs", str(epochs)],
                         check=True, capture_output=True, text=True)
    return float(out.stdout.strip().splitlines()[-1])


def pair_seconds(res, epochs: int, parallel: bool) -> float:
    """Wall seconds of train_pair (distilled + baseline, 784-128-10), at once or one after the other."""
    from kdviz.train.loop import train_pair  # not in a --before checkout

    start = time.perf_counter()
    train_pair(res.data, res.logits, TrainConfig(epochs=epochs), parallel=parallel)
    return time.perf_counter() - start


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
    ap.add_argument("--presses", type=int, default=5, help="presses of Train (each in a fresh process)")
    ap.add_argument("--press-epochs", type=int, default=30)
    ap.add_argument("--before", type=Path, help="another checkout whose Train page is pressed too, interleaved")
    ap.add_argument("--press-once", action="store_true", help=argparse.SUPPRESS)  # one press, prints its seconds
    ap.add_argument("--root", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.press_once:
        print(f"{press_once(args.epochs):.4f}")
        return 0
    repeats, epochs = (1, 1) if args.quick else (args.repeats, args.epochs)
    presses, press_epochs = (1, 1) if args.quick else (args.presses, args.press_epochs)

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

    pair = {"at_once": [], "one_after_other": []}
    for _ in range(repeats):  # interleaved
        pair["at_once"].append(pair_seconds(res, press_epochs, True))
        pair["one_after_other"].append(pair_seconds(res, press_epochs, False))
    once, seq = statistics.median(pair["at_once"]), statistics.median(pair["one_after_other"])
    print(f"\ntrain_pair, distilled + baseline, 784-128-10, {press_epochs} epochs, {repeats} repeats, wall s: "
          f"at once (2 threads) median {once:.2f} [{', '.join(f'{v:.2f}' for v in pair['at_once'])}]; "
          f"one after the other median {seq:.2f} [{', '.join(f'{v:.2f}' for v in pair['one_after_other'])}]; "
          f"ratio {once / seq:.2f}")

    after, before = [], []
    for _ in range(presses):  # interleaved with the other checkout's presses
        after.append(press(ROOT, press_epochs))
        if args.before is not None:
            before.append(press(args.before, press_epochs))
    line = (f"Train press (AppTest, click to results, defaults with {press_epochs} epochs, with the baseline), "
            f"{presses} presses: median {statistics.median(after):.2f} s [{', '.join(f'{v:.2f}' for v in after)}]")
    if before:
        line += (f"; {args.before}: median {statistics.median(before):.2f} s [{', '.join(f'{v:.2f}' for v in before)}]; "
                 f"ratio after/before {statistics.median(after) / statistics.median(before):.2f}  [target: <= 4 s on an idle machine]")
    print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
