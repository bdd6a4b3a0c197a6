"""A classroom on one server: N real browser sessions at once, each moving sliders, changing pages, training.

Used by ``tests/test_load.py`` (bounded: 20 sessions, about a minute) and
``benchmarks/bench_load.py`` (20 sessions, a few minutes). Each session is its own browser
context (its own cookies, so its own Streamlit session) in one headless chromium, driven
concurrently with Playwright's async API against one ``streamlit run app.py`` on 127.0.0.1.

Each session starts from a link with its own T (``?T=…``), then repeats random actions:
move the T slider one step with the keyboard (timed, on the Temperature page: with the live view,
its ``<input type="range" data-testid="kdviz-live-T">``, from the key press until the server's
rerun has put the new T into the page's link; with an ``st.slider``, until the chart holds new data),
go to another page through the sidebar, or train a 2-epoch student on the Train page. After
every action it checks what it sees against what it did: the T slider shows *its* T, and
the Train page shows *its* last run number. Any difference is an isolation failure.
"""

from __future__ import annotations

import asyncio
import random
import statistics
import time
from dataclasses import dataclass, field

from browser import CHART_SIGNATURE, CHROMIUM, FLAGS, IDLE, Server
from playwright.async_api import TimeoutError as PlaywrightTimeout

PAGES = ("Temperature", "Losses", "Train")


@dataclass
class LoadReport:
    sessions: int
    seconds: float
    actions: dict[str, int] = field(default_factory=lambda: {"slider": 0, "page": 0, "train": 0})
    slider_ms: list[float] = field(default_factory=list)
    exceptions: list[str] = field(default_factory=list)  # shown on a page, thrown in a page, or in the server log
    driver: list[str] = field(default_factory=list)  # the simulated learner timed out (an overloaded machine), not the app
    isolation: list[str] = field(default_factory=list)  # a session saw a T or a run that was not its own
    rss_mb: dict[str, float] = field(default_factory=dict)  # start (all sessions open), warm (after warm-up), end
    server_ms: dict[str, list[float]] = field(default_factory=dict)  # script time per run, by page (ui's timing log)

    def summary(self) -> dict:
        s = sorted(self.slider_ms)
        p95 = s[min(len(s) - 1, int(round(0.95 * (len(s) - 1))))] if s else float("nan")
        warm, end = self.rss_mb.get("warm", float("nan")), self.rss_mb.get("end", float("nan"))
        return {
            "sessions": self.sessions, "seconds": round(self.seconds, 1), "actions": self.actions,
            "exceptions": len(self.exceptions), "isolation_failures": len(self.isolation), "driver_timeouts": len(self.driver),
            "slider_ms_median": round(statistics.median(s), 1) if s else None, "slider_ms_p95": round(p95, 1),
            "slider_moves_timed": len(s), "rss_mb": {k: round(v, 1) for k, v in self.rss_mb.items()},
            "rss_growth_after_warmup": round((end - warm) / warm, 4) if warm == warm else None,
            "server_ms": {page: {"runs": len(v), "median": round(statistics.median(v), 1),
                                 "p95": round(sorted(v)[min(len(v) - 1, int(round(0.95 * (len(v) - 1))))], 1)}
                          for page, v in self.server_ms.items() if v},
        }


async def _idle(page, timeout_ms: int = 120_000) -> None:
    await page.wait_for_timeout(150)  # let a rerun start before waiting for its end
    await page.wait_for_selector(IDLE, timeout=timeout_ms)


LIVE_T = '[data-testid="kdviz-live-T"]'  # the live view's T slider (kdviz.viz.live), where a page has one
LINK_HAS = """(want) => [...document.querySelectorAll('[data-testid="stSidebar"] code')].some(c => c.innerText.includes(want))"""


async def _T_control(page):
    """The page's T control: the live view's range input, else the st.slider's thumb."""
    live = page.locator(LIVE_T)
    if await live.count():
        return live.first, True
    return page.get_by_role("slider", name="Temperature T", exact=False).first, False


async def _T_shown(page) -> float:
    thumb, _ = await _T_control(page)
    return float(await thumb.evaluate("e => e.value ?? e.getAttribute('aria-valuenow')"))


async def _check(page, who: str, T: float, runs: int, on: str, report: LoadReport) -> None:
    if await page.locator('[data-testid="stException"]').count():
        report.exceptions.append(f"{who}: an exception is shown on {on}")
    shown = await _T_shown(page)
    if abs(shown - T) > 1e-9:
        report.isolation.append(f"{who}: T shows {shown}, its own is {T} (on {on})")
    if on == "Train" and runs:
        text = await page.inner_text("body")
        if f"Run {runs}:" not in text or f"Run {runs + 1}:" in text:
            report.isolation.append(f"{who}: the Train page does not show its own run {runs}")


async def _session(i: int, browser, url: str, deadline: float, rng: random.Random, report: LoadReport,
                   opened: asyncio.Event, counter: list[int], stagger: float, think: tuple[float, float]) -> None:
    who = f"session {i}"
    await asyncio.sleep(i * stagger)  # learners arrive over a few seconds, not in one instant
    context = await browser.new_context(viewport={"width": 1100, "height": 750})
    page = await context.new_page()
    page.set_default_timeout(120_000)  # an overloaded 2-core machine is slow, not broken
    page.on("pageerror", lambda e: report.exceptions.append(f"{who}: page error {e}"))
    T = 1.0 + 0.5 * i  # each session its own T: 1.0, 1.5, 2.0, …
    on, runs = "Temperature", 0
    try:
        await page.goto(f"{url}/Temperature?T={T:g}", timeout=180_000)
        await page.wait_for_selector(IDLE, timeout=180_000)
        await _check(page, who, T, runs, on, report)
    finally:
        counter[0] += 1
        if counter[0] == report.sessions:
            opened.set()
    while time.monotonic() < deadline:
        action = rng.choices(["slider", "page", "train"], weights=[6, 2, 1])[0]
        if action == "train" and on != "Train":
            action = "page"
        try:
            if action == "slider":
                step = 0.5 if (T < 19.5 and (T <= 1.0 or rng.random() < 0.5)) else -0.5
                thumb, live = await _T_control(page)
                before = await page.evaluate(CHART_SIGNATURE) if on == "Temperature" and not live else None
                await thumb.focus()
                start = time.perf_counter()
                await thumb.press("ArrowRight" if step > 0 else "ArrowLeft")  # a key press is a release: one rerun
                T = round(T + step, 1)
                if on == "Temperature":
                    if live:  # drawn in the browser at once; the server's rerun writes the new T into the link
                        await page.wait_for_function(LINK_HAS, arg=f"?T={T:g}&", polling=50, timeout=120_000)
                    else:
                        await page.wait_for_function(f"(before) => ({CHART_SIGNATURE})() !== before", arg=before,
                                                     polling=50, timeout=120_000)  # not every frame: 20 pages share 2 cores
                    report.slider_ms.append(1000 * (time.perf_counter() - start))
                await _idle(page)
            elif action == "page":
                on = rng.choice([p for p in PAGES if p != on])
                await page.locator('[data-testid="stSidebar"] a', has_text=on).first.click()
                await _idle(page)
            else:  # train a short run
                epochs = page.get_by_label("Epochs", exact=True)  # not the demo's question card, which names "30 epochs"
                await epochs.fill("2")
                await epochs.press("Enter")
                await _idle(page)
                await page.get_by_role("button", name="Train", exact=True).first.click()
                await page.get_by_text(f"Run {runs + 1}:", exact=False).first.wait_for(timeout=300_000)
                runs += 1
                await _idle(page, timeout_ms=300_000)
            report.actions[action] += 1
            await _check(page, who, T, runs, on, report)
        except PlaywrightTimeout as err:  # the simulated learner gave up waiting; record it and go on
            report.driver.append(f"{who}: {action} on {on}: {str(err).splitlines()[0][:160]}")
            await page.wait_for_selector(IDLE, timeout=300_000)
            T = await _T_shown(page)  # re-synchronise with what the page shows
        await page.wait_for_timeout(int(1000 * rng.uniform(*think)))  # a learner reads before the next move
    await context.close()


async def _run(sessions: int, seconds: float, warmup: float, seed: int, server: Server, stagger: float,
               think: tuple[float, float]) -> LoadReport:
    from playwright.async_api import async_playwright

    report = LoadReport(sessions=sessions, seconds=seconds)
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        first = await browser.new_page()  # the teacher and data load once, before the class arrives
        await first.goto(server.url, timeout=180_000)
        await first.wait_for_selector(IDLE, timeout=180_000)
        await first.close()
        report.rss_mb["server ready"] = server.rss_mb()
        opened, counter = asyncio.Event(), [0]
        start = time.monotonic()
        deadline = start + seconds
        tasks = [asyncio.create_task(_session(i, browser, server.url, deadline, random.Random(seed * 1000 + i), report,
                                              opened, counter, stagger, think))
                 for i in range(sessions)]

        async def sample() -> None:
            await opened.wait()
            report.rss_mb["start"] = server.rss_mb()  # every session open
            # after the warm-up, but always before the sessions stop (a slow machine opens them late)
            await asyncio.sleep(max(0.0, min(warmup, deadline - 15.0 - time.monotonic())))
            report.rss_mb["warm"] = server.rss_mb()

        sampler = asyncio.create_task(sample())
        results = await asyncio.gather(*tasks, return_exceptions=True)
        report.rss_mb["end"] = server.rss_mb()
        sampler.cancel()
        for i, r in enumerate(results):
            if isinstance(r, BaseException):
                report.driver.append(f"session {i}: the driver stopped: {type(r).__name__}: {str(r).splitlines()[0][:200]}")
        report.seconds = time.monotonic() - start
        await browser.close()
    return report


def run_load(*, sessions: int = 20, seconds: float = 120.0, warmup: float = 40.0, seed: int = 0,
             stagger: float = 2.0, think: tuple[float, float] = (12.0, 30.0)) -> LoadReport:
    """Start a server, drive ``sessions`` browser sessions for ``seconds``, and report.

    Session i joins after ``i·stagger`` s; between two actions a learner reads for a time drawn
    uniformly from ``think`` (seconds). The browsers run on the server's own 2 cores here: one
    page load costs chromium ~4 s of CPU and one slider move ~0.6 s (the server: ~0.2 s), so
    the think time, not the server, sets how many sessions this machine can simulate.

    Memory: ``server ready`` after one page has loaded the teacher and data; ``start`` when every
    session is open; ``warm`` ``warmup`` s later; ``end`` when the sessions stop.
    """
    import os
    import tempfile

    timing = tempfile.NamedTemporaryFile(prefix="kdviz-timing-", suffix=".tsv", delete=False).name
    os.environ["KDVIZ_TIMING_LOG"] = timing  # the server (a child process) logs each script run's time
    try:
        server = Server()
    finally:
        del os.environ["KDVIZ_TIMING_LOG"]
    try:
        report = asyncio.run(_run(sessions, seconds, warmup, seed, server, stagger, think))
    finally:
        server.stop()
    with open(timing) as f:
        for line in f:
            page, ms = line.rstrip("\n").split("\t")
            report.server_ms.setdefault(page, []).append(float(ms))
    os.unlink(timing)
    log = server.output()
    for marker in ("Traceback", "Uncaught app exception"):
        if marker in log:
            report.exceptions.append(f"server log: {marker}: {log[log.index(marker):][:300]!r}")
    return report
