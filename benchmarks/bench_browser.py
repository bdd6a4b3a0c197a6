"""The app in a real browser (issue 7 §4–6): cold start, slider-to-chart latency, memory per session.

    python benchmarks/bench_browser.py            # 3 cold starts, 30 slider moves, 1→20 sessions
    python benchmarks/bench_browser.py --quick    # CI: 1 cold start, 5 moves, 1→3 sessions

Cold start: from spawning ``streamlit run app.py`` to the home page rendered in chromium
(title shown, script finished). Slider: time from a key press on the Temperature page's
T slider to the softened-distribution chart holding new data (since issue 13 the live view
redraws in the browser, before the server hears the release). Memory: the server's RSS
with one session, then with N sessions open on the Temperature page.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from browser import CHART_SIGNATURE, Server, launch, wait_idle  # noqa: E402

T_SLIDER = "Temperature T"  # accessible name of the T slider's thumb (prefix)
def percentile(values: list[float], q: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, int(round(q * (len(s) - 1))))]


def cold_start(browser, repeats: int) -> list[float]:
    times = []
    for _ in range(repeats):
        server = Server()
        page = browser.new_page()
        try:
            page.goto(server.url)
            page.wait_for_selector("h1", timeout=60_000)
            wait_idle(page)
            times.append(time.perf_counter() - server.started - 0.3)  # wait_idle's paint pause
        finally:
            page.close()
            server.stop()
    return times


def open_temperature(browser, server):
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(f"{server.url}/Temperature")
    wait_idle(page)
    return page


def slider_latency(browser, server, moves: int) -> list[float]:
    page = open_temperature(browser, server)
    thumb = page.get_by_role("slider", name=T_SLIDER, exact=False).first
    times = []
    for i in range(moves):
        before = page.evaluate(CHART_SIGNATURE)
        thumb.focus()
        start = time.perf_counter()
        thumb.press("ArrowRight" if (i // 10) % 2 == 0 else "ArrowLeft")
        page.wait_for_function(f"(before) => ({CHART_SIGNATURE})() !== before", arg=before, timeout=30_000)
        times.append(time.perf_counter() - start)
        wait_idle(page)
    page.close()
    return times


def memory(browser, server, sessions: int) -> tuple[float, float]:
    pages = [open_temperature(browser, server)]
    time.sleep(1)
    one = server.rss_mb()
    for _ in range(sessions - 1):
        pages.append(open_temperature(browser, server))
    time.sleep(2)
    many = server.rss_mb()
    for p in pages:
        p.close()
    return one, many


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    cold_n, moves, sessions = (1, 5, 3) if args.quick else (3, 30, 20)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = launch(p)
        cold = cold_start(browser, cold_n)
        server = Server()
        try:
            open_temperature(browser, server).close()  # warm the server's caches
            lat = slider_latency(browser, server, moves)
            one, many = memory(browser, server, sessions)
        finally:
            server.stop()
            browser.close()
    out = {
        "machine": f"{platform.machine()}, {os.cpu_count()} cores",
        "cold_start_s": cold,
        "slider_ms_median": statistics.median(lat) * 1e3,
        "slider_ms_p95": percentile(lat, 0.95) * 1e3,
        "rss_mb_one_session": one,
        "rss_mb_sessions": many,
        "sessions": sessions,
        "rss_mb_per_extra_session": (many - one) / (sessions - 1),
    }
    if args.json:
        print(json.dumps(out))
    else:
        print(f"machine: {out['machine']}")
        print(f"cold start to first render: {', '.join(f'{t:.2f}' for t in cold)} s (median {statistics.median(cold):.2f} s; target ≤ 6 s)")
        print(f"T slider → updated chart over {moves} moves: median {out['slider_ms_median']:.0f} ms, p95 {out['slider_ms_p95']:.0f} ms (target median ≤ 300 ms)")
        print(f"server RSS: {one:.0f} MB with 1 session (target ≤ 500 MB); {many:.0f} MB with {sessions}: "
              f"{out['rss_mb_per_extra_session']:.1f} MB per extra session (target ≤ 30 MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
