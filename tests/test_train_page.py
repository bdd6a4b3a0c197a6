"""The Train page says what it trains and what a person waited, and shows the training (issue 28, items 1, 4, 5, 6).

AppTest: the info box names the settings a press would train; a queued press shows its place, not "press Train";
the result names its epochs and the wait from the press to the result (at least each student's own training
time, and no more than the press took). Chromium: the settings survive a trip to another page by the sidebar;
after a press the live chart is inside the window (1280 × 720 in presenter mode, 390 × 844); on a phone the
chart's axis titles and its legend don't overlap."""

from __future__ import annotations

import json
import os
import re
import time
from pathlib import Path

import pytest
from browser import ROOT, needs_browser, wait_idle

SHOTS = Path(os.environ.get("KDVIZ_SCREENSHOTS", ROOT / "artifacts" / "screenshots")) / "train"
PAGE = str(ROOT / "pages" / "3_Train.py")


def app(timeout: float = 180):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(PAGE, default_timeout=timeout)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_the_info_box_names_what_a_press_would_train():
    at = app()
    assert at.info[0].value.startswith("Choose the settings and press **Train**. These settings train a distilled student "
                                       "and its baseline, 784-128-10, for **30 epochs**")
    at.number_input(key="_train_epochs").set_value(1)
    at.selectbox(key="_train_size").set_value("784-32-10")
    at.toggle(key="_train_baseline").set_value(False)
    at.run()
    assert "These settings train a distilled student, 784-32-10, for **1 epoch**;" in at.info[0].value


def test_a_queued_press_shows_its_place_not_press_train(monkeypatch):
    from kdviz.serve import trainqueue

    q = trainqueue.shared()
    monkeypatch.setattr(q, "stale_s", 60.0)  # a slow machine's AppTest runs must not drop the place between polls
    holder = q.join("another learner", width=q.slots)
    assert q.acquire(holder, timeout=60)  # every slot busy
    at = None
    try:
        at = app()
        at.button(key="train_button").click().run()
        assert not at.exception, [e.value for e in at.exception]
        assert any(m.value.startswith("**Place 1 in the training queue.**") for m in at.markdown)
        assert not any("press **Train**" in i.value for i in at.info), [i.value for i in at.info]
    finally:
        if at is not None and "train_press" in at.session_state:
            at.session_state["train_press"].cancel()
        q.release(holder)


def test_the_result_names_its_epochs_and_the_wait_from_the_press():
    at = app()
    at.number_input(key="_train_epochs").set_value(1)
    at.selectbox(key="_train_size").set_value("784-32-10")
    pressed = time.perf_counter()
    at.button(key="train_button").click().run()  # the run follows the training to its end
    waited = time.perf_counter() - pressed
    assert not at.exception, [e.value for e in at.exception]
    assert any(re.match(r"#### Run 1: 784-32-10, T = 4, γ = 0\.9, seed 0, 1 epoch$", m.value) for m in at.markdown)
    timing = next(c.value for c in at.caption if c.value.startswith("Ready"))
    wall, queued = map(float, re.match(r"Ready \*\*([\d.]+) s\*\* after the press \(([\d.]+) s of it waiting", timing).groups())
    own = at.dataframe[0].value["seconds"].tolist()[1:]  # the two students' own training times (the teacher's first)
    assert len(own) == 2 and max(own) - 0.05 <= wall - queued and wall <= waited + 0.05, (timing, own, waited)
    curves = json.loads(next(e.proto.spec for e in at.get("plotly_chart") if e.proto.id.endswith("curves")))
    losses = [t for t in curves["data"] if t.get("xaxis") == "x2"]  # a 1-epoch run: one point per curve, drawn
    assert len(at.session_state["runs"][0].history) == 1 and losses and all("markers" in t["mode"] for t in losses)


# ---------------------------------------------------------------- chromium

browser_only = needs_browser("Train page browser test")

BOXES = """(root) => {
    const box = e => { const b = e.getBoundingClientRect(); return [b.left, b.top, b.right, b.bottom]; };
    const plot = document.querySelector(root);
    return {legend: [...plot.querySelectorAll('g.legend')].map(box),
            titles: [...plot.querySelectorAll('.g-xtitle text, .g-x2title text')].map(box)};
}"""


def overlap(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def open_train(browser, server, query: str, size: tuple[int, int]):
    page = browser.new_page(viewport={"width": size[0], "height": size[1]})
    page.goto(f"{server.url}/Train?{query}")
    wait_idle(page, 120_000)
    return page


@browser_only
def test_settings_survive_a_trip_to_another_page(browser, server):
    page = open_train(browser, server, "lang=en", (1280, 720))
    epochs = page.get_by_label("Epochs", exact=True)  # not the demo's question card, which names "30 epochs"
    epochs.fill("7")
    epochs.press("Enter")
    wait_idle(page)
    fresh = '.st-key-_train_size:not([data-stale="true"])'  # a rerun's old copy can linger
    page.wait_for_function(f"document.querySelectorAll('{fresh}').length === 1")
    page.locator(fresh).click()
    page.get_by_role("option", name="784-32-10").click()
    wait_idle(page)
    page.locator('[data-testid="stSidebar"] a', has_text="Losses").click()
    wait_idle(page, 120_000)
    page.locator('[data-testid="stSidebar"] a', has_text="Train").click()
    wait_idle(page, 120_000)
    page.screenshot(path=str(SHOTS / "settings-kept.png"))
    assert page.get_by_label("Epochs", exact=True).input_value() == "7"
    shown = page.eval_on_selector(".st-key-_train_size", "e => [e.innerText, ...[...e.querySelectorAll('input')].map(i => i.value),"
                                  " ...[...e.querySelectorAll('[value]')].map(i => i.getAttribute('value'))].join('|')")
    assert "784-32-10" in shown, shown
    assert "784-32-10, for 7 epochs" in page.locator('[data-testid="stAlert"]').first.inner_text()
    page.close()


@browser_only
def test_a_chosen_divergence_survives_a_change_of_language(browser, server):
    """Pick reverse KL, then switch to Chinese: the choice stays, shown in Chinese, and stays in the link."""
    page = open_train(browser, server, "lang=en&loss=jsd", (1280, 720))
    page.get_by_text("reverse KL", exact=True).click()
    wait_idle(page)
    assert "loss=rkl" in page.url
    page.locator('[data-testid="stSidebar"] [data-testid="stSelectbox"]').first.click()
    page.get_by_role("option", name="中文").click()
    wait_idle(page, 120_000)
    page.screenshot(path=str(SHOTS / "divergence-zh.png"))
    assert "lang=zh" in page.url and "loss=rkl" in page.url
    checked = page.eval_on_selector('.st-key-_w_loss', "e => [...e.querySelectorAll('input')].filter(i => i.checked)"
                                    ".map(i => i.closest('label').innerText).join('|')")
    assert checked == "反向 KL", checked
    assert "Traceback" not in page.inner_text("body")
    page.close()


@browser_only
@pytest.mark.parametrize("query, size", [("lang=en&present=1", (1280, 720)), ("lang=zh&seed=1", (390, 844))],
                         ids=["presenter-1280", "phone-390-zh"])  # seed=1: not the presenter case's press (which would be shared)
def test_after_a_press_the_live_chart_is_in_the_window(browser, server, query, size):
    page = open_train(browser, server, query, size)
    page.locator(".st-key-train_button button").click()
    chart = page.locator(".st-key-train_live .js-plotly-plot")
    chart.wait_for(timeout=60_000)
    try:  # the scroll brings it into the window while it trains (a default run may end within 3 s)
        page.wait_for_function("""() => { const c = document.querySelector('.st-key-train_live .js-plotly-plot');
            if (!c) return false; const r = c.getBoundingClientRect();
            return r.height > 0 && r.top >= 0 && r.bottom <= window.innerHeight; }""", timeout=10_000, polling=50)
        in_view = True
    except Exception:  # Playwright's TimeoutError
        in_view = False
    page.screenshot(path=str(SHOTS / f"live-{size[0]}.png"))
    assert in_view, (page.evaluate("() => document.querySelector('.st-key-train_live .js-plotly-plot')"
                                   "?.getBoundingClientRect().toJSON()"), size)
    page.locator('[data-testid="stDataFrame"]').first.wait_for(timeout=240_000)  # the run has finished
    wait_idle(page, 120_000)
    page.close()


@browser_only
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_on_a_phone_the_chart_legend_does_not_cover_the_axis_titles(browser, server, lang):
    page = open_train(browser, server, f"lang={lang}", (390, 844))
    page.get_by_label("Epochs" if lang == "en" else "训练轮数", exact=True).fill("2")  # not the demo's question card
    page.keyboard.press("Enter")
    wait_idle(page)
    page.locator(".st-key-train_button button").click()
    page.locator(".st-key-curves .js-plotly-plot, [class*='curves'] .js-plotly-plot").first.wait_for(timeout=240_000)
    wait_idle(page, 120_000)
    page.wait_for_timeout(800)
    root = ".st-key-curves .js-plotly-plot" if page.locator(".st-key-curves").count() else "[class*='curves'] .js-plotly-plot"
    boxes = page.evaluate(BOXES, root)
    page.locator(root).scroll_into_view_if_needed()
    page.screenshot(path=str(SHOTS / f"legend-390-{lang}.png"))
    assert boxes["legend"] and len(boxes["titles"]) == 2, boxes
    assert not [t for t in boxes["titles"] for g in boxes["legend"] if overlap(t, g)], boxes
    page.close()
