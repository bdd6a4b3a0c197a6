"""The real app in a real browser: Debian's chromium driven by Playwright, served on 127.0.0.1.

* every page opened by deep link on a freshly started server (one server per page);
* the T slider moved on the Temperature page, and the chart follows;
* a default training run (30 epochs, a few seconds) on the Train page adds a row to the run history;
* the Lab (every tab) and the Compression page show their charts on a new machine (an empty
  cache) without pressing Run: the shipped results;
* no exception or traceback anywhere; a screenshot of each page.

Screenshots go to ``$KDVIZ_SCREENSHOTS`` (default ``artifacts/screenshots``); the README's
come from ``KDVIZ_SCREENSHOTS=docs/screenshots python -m pytest tests/test_browser.py``.
Skips with the reason when chromium or playwright is absent, unless
``KDVIZ_REQUIRE_BROWSER=1`` (set by ``.ci/run``), where that is a failure.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from browser import ROOT, Server, needs_browser, page_paths, wait_idle

SHOTS = Path(os.environ.get("KDVIZ_SCREENSHOTS", ROOT / "artifacts" / "screenshots"))

pytestmark = needs_browser()


# the module-scoped ``browser`` and ``server`` fixtures are in conftest.py (screenshots into SHOTS)


def assert_clean(page) -> None:
    assert page.locator('[data-testid="stException"]').count() == 0, "an exception is shown"
    text = page.inner_text("body")
    assert "Traceback" not in text and "Page not found" not in text, text[:500]


def shoot(page, name: str) -> None:
    """Screenshot of the whole page: Streamlit scrolls inside its main block, so grow the viewport to fit it."""
    height = page.evaluate("document.querySelector('[data-testid=\"stMain\"]').scrollHeight")
    size = page.viewport_size
    page.set_viewport_size({"width": size["width"], "height": min(int(height) + 20, 5000)})
    page.wait_for_timeout(700)
    page.screenshot(path=str(SHOTS / name))
    page.set_viewport_size(size)


def open_page(browser, url: str):
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(url)
    wait_idle(page)
    return page, errors


@pytest.mark.parametrize("path", page_paths())
def test_deep_link_on_fresh_server(browser, path):
    server = Server()
    try:
        page, errors = open_page(browser, f"{server.url}/{path}")
        assert_clean(page)
        assert page.locator("h1").count() >= 1, "the page has no title"
        # the page linked is the page shown (not a fallback to home)
        assert (path or "kdviz").replace("_", " ").lower() in page.locator("h1").first.inner_text().lower()
        shoot(page, f"{path or 'Home'}.png")
        assert not errors, errors
        page.close()
        assert "Traceback" not in server.output()
    finally:
        server.stop()


def _max_probability(page) -> float:
    """The largest bar of the softened distribution at T, as the live view shows it (``data-probs``)."""
    return page.evaluate(
        """() => {
            const view = document.querySelector('[data-kdviz-view="softmax"][data-probs]');
            return view ? Math.max(...JSON.parse(view.getAttribute('data-probs'))) : null;
        }"""
    )


def test_temperature_slider_moves_chart(browser, server):
    page, errors = open_page(browser, f"{server.url}/Temperature")
    before = None
    for _ in range(150):  # plotly draws a moment after the script ends
        before = _max_probability(page)
        if before is not None:
            break
        page.wait_for_timeout(100)
    assert before is not None, "no softened distribution found in the charts"
    thumb = page.get_by_role("slider", name="Temperature T", exact=False).first
    thumb.focus()
    for _ in range(10):
        thumb.press("ArrowRight")  # T up by 10 steps
    after = before
    for _ in range(100):  # the rerun may start a moment after the key presses: wait for the chart to change
        page.wait_for_timeout(100)
        after = _max_probability(page)
        if after is not None and after != before:
            break
    wait_idle(page)
    assert after < before, (before, after)
    assert_clean(page)
    assert not errors, errors
    page.close()


def test_default_training_run(browser, server):
    page, errors = open_page(browser, f"{server.url}/Train")
    train = page.locator('[data-testid="stBaseButton-primary"]', has_text="Train")  # not the demo bar's buttons
    train.click()
    page.get_by_text("Run history").wait_for(timeout=180_000)  # the run has finished (seconds, or a minute under load)
    wait_idle(page, timeout_ms=120_000)
    assert_clean(page)
    assert "Run history" in page.inner_text("body")
    shoot(page, "Train-after-run.png")
    # a second press at another T (a press equal to a finished one is served its result at once: kdviz.serve.press),
    # and a slider move while it trains: the press goes on (it runs beside the page), the move is taken, and
    # both runs end up in the history
    thumb = page.get_by_role("slider", name="Temperature T", exact=False).first
    thumb.focus()
    thumb.press("ArrowRight")  # T = 4.5
    wait_idle(page, timeout_ms=120_000)
    train.click()
    page.wait_for_timeout(1500)
    thumb.focus()
    thumb.press("ArrowRight")  # T = 5, while run 2 trains at 4.5
    page.get_by_text("Run 2:").first.wait_for(timeout=180_000)
    wait_idle(page, timeout_ms=120_000)
    body = page.inner_text("body")
    assert "Run history" in body and "Run 2:" in body, body[:800]
    assert "T=5&" in body, body[:800]  # the move was taken (the link), while run 2 kept its own settings
    assert "Trained once for" not in body, body[:800]  # run 2 was its own training, not a copy of run 1
    assert_clean(page)
    assert not errors, errors
    page.close()


def test_draw_a_digit(browser, server):
    """Draw a 7 on the canvas with the mouse: both models answer and the digit is placed on the map."""
    page, errors = open_page(browser, f"{server.url}/Your_digit")
    canvas = page.locator("canvas").last
    canvas.wait_for(timeout=30_000)
    box = canvas.bounding_box()
    x0, y0 = box["x"], box["y"]
    page.mouse.move(x0 + 70, y0 + 60)
    page.mouse.down()
    for t in range(20):  # the bar of the 7
        page.mouse.move(x0 + 70 + 7 * t, y0 + 60)
    for t in range(30):  # its stem
        page.mouse.move(x0 + 210 - 3 * t, y0 + 60 + 6.5 * t)
    page.mouse.up()
    page.get_by_text("Teacher says").wait_for(timeout=30_000)
    wait_idle(page)
    body = page.inner_text("body")
    said = body.split("Teacher says", 1)[1].split()[0]
    assert said == "7", body[:600]
    assert_clean(page)
    shoot(page, "Your_digit-drawn.png")
    assert not errors, errors
    page.close()


def _drawn_charts(page) -> int:
    """Plotly charts drawn and visible, each with at least one trace holding data."""
    return page.evaluate(
        """() => [...document.querySelectorAll('.js-plotly-plot')].filter(p =>
            p.offsetParent !== null && (p._fullData || []).some(t => t.visible !== false &&
                ['x', 'y', 'z'].some(k => t[k] && t[k].length > 0))).length"""
    )


def _wait_for_charts(page, at_least: int = 1) -> int:
    n = 0
    for _ in range(300):  # a tab change reruns the page; plotly draws a moment after the script ends
        n = _drawn_charts(page)
        if n >= at_least:
            break
        page.wait_for_timeout(100)
    return n


def test_lab_and_compression_open_with_results_on_a_new_machine(browser, tmp_path):
    """An empty KDVIZ_CACHE_DIR, as on a new machine: every Lab tab and the Compression page show charts, no Run pressed."""
    server = Server(env={"KDVIZ_CACHE_DIR": str(tmp_path)})
    try:
        page, errors = open_page(browser, f"{server.url}/Lab?lang=en")
        tabs = page.get_by_role("tab")
        assert tabs.count() == 9, tabs.count()  # fewer labels, self, two teachers, a digit never seen, T × γ, KD vs DKD,
        # beyond logits, capacity gap, which divergence
        for i in range(tabs.count()):
            tabs.nth(i).click()
            page.wait_for_timeout(300)
            wait_idle(page)
            name = tabs.nth(i).inner_text()
            assert _wait_for_charts(page) >= 1, f"the Lab tab {name!r} shows no chart"
            assert "Measured on" in page.locator('[role="tabpanel"]:visible').first.inner_text(), name
            if name in ("Beyond logits", "Capacity gap"):  # the README shows these two tabs as opened
                page.wait_for_timeout(1500)
                shoot(page, f"Lab-{name.replace(' ', '_')}.png")
        assert_clean(page)
        assert not errors, errors
        page.close()
        page, errors = open_page(browser, f"{server.url}/Compression?lang=en")
        assert _wait_for_charts(page, 2) >= 2, "the Compression page shows no charts"
        assert "Measured on" in page.inner_text("body")
        assert_clean(page)
        assert not errors, errors
        page.close()
        assert not list(tmp_path.rglob("compare-*.json")), "the page ran the comparison instead of showing the shipped one"
    finally:
        server.stop()
