"""Server time of page reruns (issue 3, issue 7 §3), the Lab and Compression pages opening with their
shipped results (issue 11), and the wall time of a Train-page run, by AppTest.

    python benchmarks/bench_pages.py            # full: 60 Temperature reruns, default 30-epoch run x 3
    python benchmarks/bench_pages.py --quick    # CI: proves it runs

AppTest runs the page script in this process as the server would, without the browser, so a
rerun's wall time is the server's time for it. Moving T touches no training and no loading:
the data and teacher are cached (st.cache_resource) from the first run, which is reported apart.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np
import torch
from streamlit.testing.v1 import AppTest


def timed_run(at: AppTest) -> float:
    start = time.perf_counter()
    at.run()
    seconds = time.perf_counter() - start
    if at.exception:
        raise RuntimeError(at.exception[0].value)
    return seconds


def page_reruns(page: str, n: int, key: str = "T") -> tuple[float, list[float]]:
    """First run (loads everything), then ``n`` reruns each with a new shared ``key`` (what the live
    view's release sets, ``ui.live``; the slider itself is in the browser)."""
    at = AppTest.from_file(str(ROOT / "pages" / page), default_timeout=120)
    first = timed_run(at)
    values = np.round(np.linspace(0.5, 20.0, 40) * 2) / 2  # the slider's step is 0.5
    times = []
    for i in range(n):
        at.session_state[key] = float(values[i % len(values)])
        times.append(timed_run(at))
    return first, times


def shipped_reruns(page: str, n: int) -> tuple[list[float], list[float]]:
    """Wall and CPU seconds of ``n`` reruns of a page that draws the shipped results (nothing trains).

    CPU is this process's (every thread), so it counts what a rerun costs the server, not only
    the script's own thread.
    """
    at = AppTest.from_file(str(ROOT / "pages" / page), default_timeout=120)
    timed_run(at)  # loads the data and the teacher
    walls, cpus = [], []
    for _ in range(n):
        cpu = time.process_time()
        walls.append(timed_run(at))
        cpus.append(time.process_time() - cpu)
        if not at.get("plotly_chart"):
            raise RuntimeError(f"{page} drew no chart from the shipped results")
    return walls, cpus


def train_run(epochs: int) -> float:
    """Wall time of one press of Train (distilled + baseline, 784-128-10) as the page runs it."""
    at = AppTest.from_file(str(ROOT / "pages" / "3_Train.py"), default_timeout=600)
    timed_run(at)
    at.number_input(key="_train_epochs").set_value(epochs)
    timed_run(at)
    at.button(key="train_button").click()
    return timed_run(at)


def pct(xs: list[float], q: float) -> float:
    return float(np.percentile(xs, q))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args(argv)
    n, epochs, repeats = (8, 2, 1) if args.quick else (60, 30, 3)
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, torch {torch.__version__}, python {platform.python_version()}")
    for page in ("1_Temperature.py", "2_Losses.py"):
        first, times = page_reruns(page, n)
        ms = [1000 * t for t in times]
        print(f"{page}: first run {first:.2f} s (loads data + teacher); T reruns n={n}: median {statistics.median(ms):.0f} ms, "
              f"p95 {pct(ms, 95):.0f} ms, max {max(ms):.0f} ms  [target for Temperature: median <= 100 ms]")
    for page in ("4_Lab.py", "5_Compression.py"):
        walls, cpus = shipped_reruns(page, max(3, n // 3))
        ms, cpu_ms = [1000 * t for t in walls], [1000 * t for t in cpus]
        print(f"{page}: rerun drawing the shipped results, n={len(ms)}: wall median {statistics.median(ms):.0f} ms "
              f"(p95 {pct(ms, 95):.0f}), CPU median {statistics.median(cpu_ms):.0f} ms (p95 {pct(cpu_ms, 95):.0f})")
    walls = [train_run(epochs) for _ in range(repeats)]
    print(f"Train page, one press of Train ({epochs} epochs, distilled + baseline, 784-128-10): "
          f"{', '.join(f'{w:.2f}' for w in walls)} s (median {statistics.median(walls):.2f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
