"""The live views in JupyterLab while dragging (issue 30, item 1): frames a second, and what reaches the kernel.

    python benchmarks/bench_jupyter.py            # 5 s of dragging per slider
    python benchmarks/bench_jupyter.py --quick    # CI: proves it runs

A real ``jupyter lab`` on 127.0.0.1 (tests/jupyterlab.py) runs all of notebooks/explore.ipynb in Debian's chromium
at 1280 × 720. Each slider of the two explorers is then dragged from inside the page as bench_live drags the
Streamlit pages' (an ``input`` event at every animation frame, back and forth over the whole range) for
``--seconds``: reported are the frames the counted view drew a second (its ``data-frames``), the frame intervals
(median, p95) and the messages the page sent to the kernel meanwhile (should be 0: the kernel hears the release only).
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
sys.path.insert(0, str(ROOT / "tests"))

from bench_live import DRAG, pct  # noqa: E402
from browser import launch  # noqa: E402
from jupyterlab import ERRORS, kernel_log, missing, run_all, serve  # noqa: E402

# (the slider's index among the page's T sliders or its γ slider, the view whose frames are counted)
CASES = [("kdviz-live-T", 0, "softmax"), ("kdviz-live-T", 1, "loss_curves"), ("kdviz-live-gamma", 0, "loss_curves")]
TARGET_FPS = 30


def main(argv=None) -> int:
    from playwright.sync_api import sync_playwright

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--seconds", type=float, default=None)
    args = ap.parse_args(argv)
    seconds = args.seconds or (1.5 if args.quick else 5.0)
    if missing():
        print(f"bench_jupyter: {missing()}")
        return 1
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores; chromium headless, JupyterLab at 1280 × 720")
    failed = 0
    with serve() as url, sync_playwright() as p:
        browser = launch(p)
        page = browser.new_context(viewport={"width": 1280, "height": 720}).new_page()
        sent = kernel_log(page)
        run_s = run_all(page, url, "lab/tree/notebooks/explore.ipynb")
        errors = page.evaluate(ERRORS)
        if errors:
            print(f"the notebook's cells failed: {errors}")
            return 1
        print(f"run all: {run_s:.1f} s")
        for testid, nth, counted in CASES:
            slider = page.get_by_test_id(testid).nth(nth)
            slider.scroll_into_view_if_needed()
            page.wait_for_timeout(1000)  # the kernel idle, the views drawn
            sent_before = len(sent)
            out = page.evaluate(DRAG, [testid, counted, seconds, nth])  # the first view of that name: this explorer's
            during = len(sent) - sent_before
            fps = out["frames"] / out["seconds"]
            iv = out["intervals"]
            ok = fps >= TARGET_FPS and during == 0
            failed += not ok
            print(f"{testid} #{nth}: {out['frames']} frames of the {counted} view in {out['seconds']:.1f} s = {fps:.0f} frames/s; "
                  f"frame interval median {statistics.median(iv):.1f} ms, p95 {pct(iv, 0.95):.1f} ms; "
                  f"messages to the kernel during the drag: {during}{'' if ok else '  << below target'}")
            time.sleep(0.2)
    print(f"target: ≥ {TARGET_FPS} frames/s and 0 kernel messages while dragging; {len(CASES) - failed} of {len(CASES)} met")
    return 0 if args.quick or not failed else 1


if __name__ == "__main__":
    sys.exit(main())
