"""Nothing cut off, colour bars that read the right way, and presenter mode: every page in a real browser.

Each page is opened once per viewport (1280 × 720, a projector; 390 × 844, a phone) and language
(en, zh), in a fresh browser context per (viewport, language), on one server for the module. From
that one load:

* ``test_no_truncated_text``: no metric, button, formula, heading, markdown or caption line, page
  link, tab, widget label, plotly title/axis/legend text or dataframe is wider than its box, and the
  page is no wider than the window (what is measured: ``tests/layout_checks.py``);
* ``test_chart_text_apart``: in every plotly chart (on the Lab, in every tab: a tab is opened by a click in the
  same load), no piece of text overlaps another, leaves its figure or is crossed by a line;
* ``test_colour_bars``: every heatmap's colour bar, as drawn in the DOM, falls monotonically in
  lightness (CIE L*) to its darkest colour at the maximum; only a grey image (the digit) has none.

``test_presenter_mode`` checks ``?present=1`` (sidebar collapsed, larger text and charts) and that
``?present=7`` gives a one-line warning and no traceback.

A screenshot of every load goes to ``$KDVIZ_SCREENSHOTS/layout/`` (default
``artifacts/screenshots/layout/``). ``KDVIZ_LAYOUT_ROOT=/path/to/checkout`` serves another checkout
(for example a worktree of an older commit) with this test. Skips when chromium or playwright is
absent, unless ``KDVIZ_REQUIRE_BROWSER=1``.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from browser import ROOT, WATCH_CHANGES, needs_browser, page_paths, wait_settled
from layout_checks import CHART_TEXT, COLOUR_BARS, TEXT_SELECTORS, TRUNCATED, colour_bar_problems, format_offenders

SHOTS = Path(os.environ.get("KDVIZ_SCREENSHOTS", ROOT / "artifacts" / "screenshots")) / "layout"
SERVED = os.environ.get("KDVIZ_LAYOUT_ROOT") or None  # another checkout to serve; default this one
VIEWPORTS = {"1280x720": (1280, 720), "390x844": (390, 844)}
LANGS = ("en", "zh")

pytestmark = needs_browser()


# the module-scoped ``browser`` and ``server`` fixtures are in conftest.py (screenshots into SHOTS)


def new_context(browser, viewport: str):
    w, h = VIEWPORTS[viewport]
    context = browser.new_context(viewport={"width": w, "height": h})
    context.add_init_script(f"({WATCH_CHANGES})()")
    return context


def open_settled(context, url: str):
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(url)
    wait_settled(page)
    return page, errors


def shoot(page, name: str) -> None:
    """The whole page: Streamlit scrolls inside its main block, so grow the window to fit it, then restore it."""
    size = page.viewport_size
    height = page.evaluate("document.querySelector('[data-testid=\"stMain\"]').scrollHeight")
    page.set_viewport_size({"width": size["width"], "height": min(int(height) + 20, 8000)})
    wait_settled(page, quiet_ms=300)
    page.screenshot(path=str(SHOTS / name))
    page.set_viewport_size(size)


@pytest.fixture(scope="module")
def measured(browser, server):
    """``measured(path, viewport, lang)``: what one load of the page found, loaded on first use."""
    contexts, results = {}, {}

    def get(path: str, viewport: str, lang: str) -> dict:
        if (path, viewport, lang) not in results:
            if (viewport, lang) not in contexts:
                contexts[(viewport, lang)] = new_context(browser, viewport)
            page, errors = open_settled(contexts[(viewport, lang)], f"{server.url}/{path}?lang={lang}")
            results[(path, viewport, lang)] = {
                "offenders": page.evaluate(TRUNCATED, TEXT_SELECTORS),
                "bars": page.evaluate(COLOUR_BARS),
                "slider_gap": page.evaluate(SLIDER_TO_CHART),
                "chart_text": {"": page.evaluate(CHART_TEXT)},
                "errors": errors,
            }
            tabs = page.locator('[role="tab"]')
            for i in range(1, tabs.count()):  # the Lab's other tabs: each draws its own charts when opened
                tabs.nth(i).click()
                wait_settled(page)
                results[(path, viewport, lang)]["chart_text"][f" tab {i + 1}"] = page.evaluate(CHART_TEXT)
            shoot(page, f"{path or 'Home'}-{viewport}-{lang}.png")
            page.close()
        return results[(path, viewport, lang)]

    yield get
    for context in contexts.values():
        context.close()


CASES = [pytest.param(path, vp, lang, id=f"{path or 'Home'}-{vp}-{lang}")
         for vp in VIEWPORTS for lang in LANGS for path in page_paths()]


@pytest.mark.parametrize("path, viewport, lang", CASES)
def test_no_truncated_text(measured, path, viewport, lang):
    found = measured(path, viewport, lang)
    assert not found["offenders"], (
        f"{path or 'Home'} at {viewport} in {lang}: {len(found['offenders'])} pieces of text wider than their box\n"
        + format_offenders(found["offenders"]))


@pytest.mark.parametrize("path, viewport, lang", CASES)
def test_chart_text_apart(measured, path, viewport, lang):
    found = {tab: problems for tab, problems in measured(path, viewport, lang)["chart_text"].items() if problems}
    assert not found, f"{path or 'Home'} at {viewport} in {lang}:\n  " + "\n  ".join(
        f"{path}{tab}: {p}" for tab, problems in found.items() for p in problems)


@pytest.mark.parametrize("path, viewport, lang", CASES)
def test_colour_bars(measured, path, viewport, lang):
    plots = measured(path, viewport, lang)["bars"]
    problems = colour_bar_problems(plots)
    assert not problems, f"{path or 'Home'} at {viewport} in {lang}:\n  " + "\n  ".join(problems)
    if path in ("Temperature", "Losses"):  # the maps are drawn in the browser (kdviz/viz/live): their bars are read too
        assert any(p.get("live") and p["bars"] for p in plots), f"{path}: no colour bar read from the live view"


SLIDER_TO_CHART = """() => {
    const main = document.querySelector('[data-testid="stMain"]');
    const chart = main.querySelector('[data-testid="stPlotlyChart"], [data-kdviz-view="softmax"], [data-kdviz-view="loss_curves"]');
    const above = chart ? [...main.querySelectorAll('[data-testid="stSlider"], [data-kdviz-view="slider"]')]
        .map(s => s.getBoundingClientRect()).filter(r => r.top < chart.getBoundingClientRect().top) : [];
    return above.length ? chart.getBoundingClientRect().top - Math.max(...above.map(r => r.bottom)) : null;
}"""  # px from the last slider above the page's first chart down to that chart


@pytest.mark.parametrize("path", ["Temperature", "Losses"])
@pytest.mark.parametrize("lang", LANGS)
def test_on_a_phone_the_chart_sits_under_its_slider(measured, path, lang):
    """At 390 × 844 the chart that T (and γ) change starts less than 300 px below the sliders: both on the first screen."""
    gap = measured(path, "390x844", lang)["slider_gap"]
    assert gap is not None and 0 <= gap < 300, gap


PRESENT_SIZES = """() => {
    const px = e => e ? parseFloat(getComputedStyle(e).fontSize) : null;
    const sidebar = document.querySelector('[data-testid="stSidebar"]');
    const r = sidebar ? sidebar.getBoundingClientRect() : null;
    const plot = document.querySelector('.js-plotly-plot, [data-kdviz-view="softmax"]');  // the page's first chart (plotly or live)
    const sizes = plot ? [...plot.querySelectorAll('svg.main-svg text, svg text')].filter(t => t.textContent.trim())
        .map(t => parseFloat(t.style.fontSize || getComputedStyle(t).fontSize) || 0) : [];
    const chartText = sizes.length ? sizes.reduce((a, b) => a + b, 0) / sizes.length : null;  // mean over titles, ticks, legend
    return {
        sidebarOpen: !!sidebar && sidebar.getAttribute('data-collapsed') !== 'true'
            && sidebar.getAttribute('aria-expanded') !== 'false' && r.right > 1 && r.width > 50,
        h1: px(document.querySelector('[data-testid="stMain"] h1')),
        text: px(document.querySelector('[data-testid="stMain"] [data-testid="stMarkdownContainer"] p')),
        chartText,
        chartHeight: plot ? plot.getBoundingClientRect().height : null,
        alerts: [...document.querySelectorAll('[data-testid="stAlert"]')].map(a => a.innerText.trim()),
        exceptions: document.querySelectorAll('[data-testid="stException"]').length,
        body: document.body.innerText,
    };
}"""


def test_presenter_mode(browser, server):
    """?present=1 collapses the sidebar and enlarges text and charts; ?present=7 is refused in one line."""
    sizes = {}
    for query in ("", "present=1", "present=7"):
        context = new_context(browser, "1280x720")
        page, errors = open_settled(context, f"{server.url}/Temperature?lang=en&{query}")
        sizes[query] = page.evaluate(PRESENT_SIZES)
        shoot(page, f"Temperature-present-{query.split('=')[-1] or 'off'}.png")
        context.close()
        assert not errors, (query, errors)
    normal, present, bad = sizes[""], sizes["present=1"], sizes["present=7"]
    assert normal["sidebarOpen"], "the sidebar should be open at 1280 px without ?present"
    assert not present["sidebarOpen"], "?present=1 should collapse the sidebar"
    text_ratio = max((present[k] or 0) / normal[k] for k in ("h1", "text") if normal[k])
    assert text_ratio > 1.05, f"?present=1 should enlarge the text: h1 {normal['h1']} → {present['h1']} px, text {normal['text']} → {present['text']} px"
    assert normal["chartText"] and present["chartText"] and present["chartText"] > normal["chartText"] * 1.05, (
        f"?present=1 should enlarge chart text (mean font size): {normal['chartText']} → {present['chartText']} px")
    # a bad value: dropped with one line, the page otherwise as without it
    said = [a for a in bad["alerts"] if "present" in a]
    assert len(said) == 1 and "\n" not in said[0], f"?present=7 should give one one-line warning, got {bad['alerts']}"
    assert bad["exceptions"] == 0 and "Traceback" not in bad["body"], bad["body"][:500]
    assert bad["sidebarOpen"], "?present=7 is refused: the sidebar stays open"
    assert "Traceback" not in server.output()
