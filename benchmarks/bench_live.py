"""The live view while dragging (issue 13 §1): frames a second, and release → rerun, in chromium.

    python benchmarks/bench_live.py            # 5 s of dragging per page and slider, 20 releases
    python benchmarks/bench_live.py --quick    # CI: proves it runs

A drag changes the slider's value at every animation frame (an ``input`` event per frame, as a
pointer that keeps moving does), from inside the page, for ``--seconds``. Reported per page and
slider: the frames drawn per second (the live views' own ``data-frames`` counter), the frame
intervals (median, p95: a long draw shows as a long interval), and the websocket messages sent
to the server meanwhile (should be 0: the value goes to the server on release only). Then
``--releases`` arrow-key presses (each one a release): the time from the key to the end of the
rerun it causes (``script_finished`` on the websocket), median and p95.

Each page is measured in a 1280 × 720 window, counting a view beside the slider: a frame redraws only the
views on screen, and the others follow once the drag rests. Then in a window tall enough to hold every view
of the page, so that every view is drawn at every frame: the worst case.
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

from browser import Server, launch, wait_idle  # noqa: E402

DRAG = """async ([testid, counted, seconds, nth = 0]) => {
    const input = document.querySelectorAll(`[data-testid="${testid}"]`)[nth];  // the page's nth slider of that kind
    const view = document.querySelector(`[data-kdviz-view="${counted}"]`);
    const lo = Number(input.min), hi = Number(input.max), step = Number(input.step), n = Math.round((hi - lo) / step);
    const frames0 = Number(view.getAttribute('data-frames'));
    const intervals = [];
    let k = 0, last = null;
    const t0 = performance.now();
    await new Promise(done => {
        const tick = now => {
            if (last !== null) intervals.push(now - last);
            last = now;
            k += 1;  // back and forth over the whole range, one step a frame
            const i = k % (2 * n), v = lo + step * (i <= n ? i : 2 * n - i);
            input.value = String(v);
            input.dispatchEvent(new Event('input', {bubbles: true}));
            if (now - t0 < 1000 * seconds) requestAnimationFrame(tick); else requestAnimationFrame(() => done());
        };
        requestAnimationFrame(tick);
    });
    return {frames: Number(view.getAttribute('data-frames')) - frames0, seconds: (performance.now() - t0) / 1000, intervals};
}"""

# page, slider, the view whose frames are counted, window: what a learner sees beside the slider at 1280 × 720
# (a frame redraws the views on screen; those off screen follow when the drag rests), a projector's window, then a window tall
# enough that every view of the page is on screen and drawn at every frame (the worst case)
CASES = [("Temperature", "kdviz-live-T", "softmax", (1280, 720)), ("Losses", "kdviz-live-T", "loss_curves", (1280, 720)),
         ("Losses", "kdviz-live-gamma", "loss_curves", (1280, 720)), ("Temperature", "kdviz-live-T", "softmax", (1920, 1080)),
         ("Temperature", "kdviz-live-T", "map", (1280, 3600)), ("Losses", "kdviz-live-T", "grads", (1280, 2000))]


def pct(xs, q):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(q * (len(xs) - 1)))]


def main(argv=None) -> int:
    from playwright.sync_api import sync_playwright

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--seconds", type=float, default=None)
    ap.add_argument("--releases", type=int, default=None)
    args = ap.parse_args(argv)
    seconds = args.seconds or (1.5 if args.quick else 5.0)
    releases = args.releases or (3 if args.quick else 20)
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores; chromium headless")
    server = Server(timeout=120)
    failed = 0
    try:
        with sync_playwright() as p:
            browser = launch(p)
            for path, testid, counted, (width, height) in CASES:
                page = browser.new_context(viewport={"width": width, "height": height}).new_page()
                sent, finished = [], []
                page.on("websocket", lambda ws: (ws.on("framesent", lambda payload: sent.append(time.perf_counter())),
                                                 ws.on("framereceived", lambda payload: finished.append(time.perf_counter())
                                                       if isinstance(payload, bytes) and _finished(payload) else None)))
                page.goto(f"{server.url}/{path}?T=4&gamma=0.9")
                wait_idle(page)
                page.wait_for_selector(f'[data-kdviz-view="{counted}"][data-frames]', timeout=60_000)
                page.wait_for_timeout(1000)  # heartbeats aside, nothing more is sent
                sent_before = len(sent)
                out = page.evaluate(DRAG, [testid, counted, seconds])
                page.wait_for_timeout(300)
                during = len(sent) - sent_before
                fps = out["frames"] / out["seconds"]
                iv = out["intervals"]
                on_screen = page.evaluate("() => [...window.__kdvizLive.views].filter(v => v.onScreen).length")
                print(f"{path} {width} × {height} ({on_screen} views on screen), dragging {testid[11:]}: "
                      f"{out['frames']} frames of the {counted} view in {out['seconds']:.1f} s "
                      f"= {fps:.0f} frames/s; frame interval median {statistics.median(iv):.1f} ms, p95 {pct(iv, 0.95):.1f} ms; "
                      f"messages to the server during the drag: {during} (heartbeats included)")
                failed += during > 1  # at most a heartbeat (every 15 s)
                ms = []
                box = page.get_by_test_id(testid)
                for i in range(releases):
                    box.focus()
                    n0 = len(finished)
                    start = time.perf_counter()
                    box.press("ArrowLeft" if i % 2 else "ArrowRight")  # a key press is a release: one rerun
                    deadline = time.time() + 60
                    while len(finished) == n0 and time.time() < deadline:
                        page.wait_for_timeout(5)
                    if len(finished) > n0:
                        ms.append(1000 * (finished[n0] - start))
                    wait_idle(page)
                    page.wait_for_timeout(200)
                if ms:
                    print(f"{path}, release of {testid[11:]} → rerun finished: median {statistics.median(ms):.0f} ms, "
                          f"p95 {pct(ms, 0.95):.0f} ms over {len(ms)} releases")
                failed += len(ms) < releases
                page.context.close()
            browser.close()
    finally:
        server.stop()
    return 1 if failed else 0


def _finished(payload: bytes) -> bool:
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    msg = ForwardMsg()
    msg.ParseFromString(payload)
    return msg.WhichOneof("type") == "script_finished"


if __name__ == "__main__":
    raise SystemExit(main())
