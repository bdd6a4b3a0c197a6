"""The live view in a real browser: T (and γ) dragged and keyed on the Temperature and Losses pages.

* the numbers the views show (their data attributes, ``kdviz/viz/live/__init__.py``) equal
  :mod:`kdviz.maths.explore` at the T (and γ) reached by arrow keys and by a mouse drag, to 1e-6;
* a drag of T redraws many frames and sends nothing to the server until the release, which
  reruns the script exactly once (the frame rate and the release → rerun time are printed);
* no traceback and no view in error, in English and 中文;
* a release reruns only the slider's fragment, yet the address bar, the sidebar's link and the other pages
  follow it (issue 13).

Skips when chromium or playwright is absent, unless ``KDVIZ_REQUIRE_BROWSER=1``.
"""

from __future__ import annotations

import json
import re
import time
import urllib.parse

import numpy as np
import pytest
from browser import ROOT, needs_browser, socket_log, view_attrs, wait_idle

from kdviz.base.i18n import tr
from kdviz.maths import explore
from kdviz.train import reference

SHOTS = ROOT / "artifacts" / "screenshots" / "live"
pytestmark = needs_browser("live view test")
TOL = 1e-6  # absolute, or relative for values > 1 (the contract of kdviz/viz/live/kdmath.js)


def close(shown, want) -> bool:
    shown, want = np.asarray(shown, dtype=float), np.asarray(want, dtype=float)
    return bool(np.all(np.abs(shown - want) <= TOL * np.maximum(1.0, np.abs(want))))


attrs = view_attrs  # the data attributes of a live view


def open_page(browser, server, path: str, *, size=(1280, 720)):
    context = browser.new_context(viewport={"width": size[0], "height": size[1]})
    page = context.new_page()
    log = socket_log(page)
    page.goto(f"{server.url}/{path}")
    wait_idle(page)
    page.wait_for_selector('[data-kdviz-view="map"][data-frames], [data-kdviz-view="grads"][data-frames]', timeout=60_000)
    return context, page, log


def settle(page, T: float) -> None:
    """Wait until the rerun after a release has ended and every view is drawn at ``T``."""
    wait_idle(page)
    page.wait_for_function("""(T) => [...document.querySelectorAll('[data-kdviz-view]')]
        .every(e => e.dataset.kdvizView.startsWith('digit') || Number(e.getAttribute('data-t')) === T)""", arg=T, timeout=30_000)


def drag_to(page, testid: str, fraction: float, steps: int = 60) -> float:
    """Drag the range input's thumb from where it is to ``fraction`` of its width in ``steps`` mouse moves; returns seconds."""
    box = page.get_by_test_id(testid).bounding_box()
    lo, hi = float(page.get_by_test_id(testid).get_attribute("min")), float(page.get_by_test_id(testid).get_attribute("max"))
    value = float(page.get_by_test_id(testid).input_value())
    thumb = 8  # half of chromium's thumb: the thumb's centre runs from box.x + thumb to box.x + width − thumb
    x_of = lambda f: box["x"] + thumb + f * (box["width"] - 2 * thumb)  # noqa: E731
    y = box["y"] + box["height"] / 2
    page.mouse.move(x_of((value - lo) / (hi - lo)), y)
    page.mouse.down()
    start = time.perf_counter()
    x0, x1 = x_of((value - lo) / (hi - lo)), x_of(fraction)
    for i in range(1, steps + 1):
        page.mouse.move(x0 + (x1 - x0) * i / steps, y)
    return time.perf_counter() - start


def check_temperature(page, res) -> float:
    """The Temperature views' numbers against kdviz.maths.explore at the T they show; returns that T."""
    T = float(attrs(page, "softmax")["t"])
    digit = int(page.evaluate("new URL(location.href).searchParams.get('digit')"))
    z = res.logits.test[digit]
    probs = explore.soften_row(z, T)
    soft = attrs(page, "softmax")
    assert close(json.loads(soft["probs"]), probs) and close(json.loads(soft["probs1"]), explore.soften_row(z, 1.0))
    nums = attrs(page, "temp_numbers")
    bits = explore.entropy_curve(z, [T])["entropy_bits"].iloc[0]
    assert close(float(nums["top"]), probs.max()) and int(nums["runner-up"]) == int(np.argsort(probs)[-2])
    assert close(float(nums["entropy"]), bits) and close(float(attrs(page, "entropy")["entropy"]), bits)
    assert close(float(nums["entropy1"]), explore.entropy_curve(z, [1.0])["entropy_bits"].iloc[0])
    matrix = explore.dark_knowledge_map(res.logits.test, res.data.y_test, T)
    assert close(json.loads(attrs(page, "map")["matrix"]), matrix.ravel())
    pairs = explore.top_confusions(matrix, k=5)
    shown = json.loads(attrs(page, "map_text")["pairs"])
    assert [(int(a), int(b)) for a, b, _ in shown] == list(zip(pairs["true"].astype(int), pairs["looks like"].astype(int)))
    assert close([p for _, _, p in shown], pairs["p"])
    named = tr("temp.map_pair_sep", "en").join(tr("temp.map_pair", "en", true=int(r["true"]), like=int(r["looks like"]), p=r["p"])
                                               for _, r in pairs.head(3).iterrows())
    sentence = page.evaluate("document.querySelector('[data-kdviz-view=\"map_text\"] .kdl-text').innerText")
    assert sentence == tr("temp.map_explain", "en", T=T, pairs=named).replace("**", "").replace("*", "")  # formatted as kdviz.base.i18n
    return T


def test_temperature_numbers_by_keyboard_and_drag(browser, server, res):
    context, page, log = open_page(browser, server, "Temperature?T=4&digit=941")
    assert check_temperature(page, res) == 4.0
    slider = page.get_by_test_id("kdviz-live-T")
    slider.focus()
    for T in (4.5, 5.0):  # each arrow key is a release: one rerun each
        page.keyboard.press("ArrowRight")
        settle(page, T)
        assert check_temperature(page, res) == T
    page.keyboard.press("Home")
    settle(page, 0.5)
    assert check_temperature(page, res) == 0.5
    for fraction in (0.35, 0.9):  # mouse drags
        drag_to(page, "kdviz-live-T", fraction)
        page.mouse.up()
        T = float(slider.input_value())
        settle(page, T)
        assert check_temperature(page, res) == T and 1.0 < T
        assert page.evaluate("new URL(location.href).searchParams.get('T')") == f"{T:g}"  # the shared T, in the link
    assert not log["errors"]
    context.close()


def check_losses(page, res, students) -> tuple[float, float]:
    """The Losses views' numbers (partly trained reference student, all digits) against kdviz.maths.explore at the shown T and γ."""
    T, gamma = float(attrs(page, "loss_curves")["t"]), float(attrs(page, "loss_curves")["gamma"])
    s, t, y = students.logits["partly trained"], res.logits.test, res.data.y_test
    want = explore.loss_curves(s, t, y, gamma=gamma, temperatures=[T]).iloc[0]
    for view in ("loss_curves", "loss_numbers"):
        shown = attrs(page, view)
        assert close([float(shown[k]) for k in ("soft", "hard", "total")], [want["soft"], want["hard"], want["total"]]), (view, shown)
    assert close(float(attrs(page, "loss_heat")["total"]), want["total"])
    g = explore.soft_gradient_norms(s, t, y, temperatures=[T]).iloc[0]
    grads = attrs(page, "grads")
    assert close([float(grads[k]) for k in ("soft-t2", "soft-plain", "hard")], [g["grad_soft_T2"], g["grad_soft_plain"], g["grad_hard"]])
    ratio = g["grad_soft_T2"] / g["grad_hard"]
    key = "losses.grad_caption" if 0.1 <= ratio <= 10 else "losses.grad_caption_apart"
    caption = page.evaluate("document.querySelector('[data-kdviz-view=\"grads\"] .kdl-caption').innerText")
    assert caption == tr(key, "en", T=T, T2=T * T, with_T2=g["grad_soft_T2"], plain=g["grad_soft_plain"], hard=g["grad_hard"], ratio=ratio)
    return T, gamma


@pytest.fixture(scope="module")
def students(res):
    return reference.student_states(res)  # the seeded reference students the Losses page shows


def test_losses_numbers_by_keyboard_and_drag(browser, server, res, students):
    context, page, log = open_page(browser, server, "Losses?T=4&gamma=0.9")
    assert check_losses(page, res, students) == (4.0, 0.9)
    page.get_by_test_id("kdviz-live-gamma").focus()
    page.keyboard.press("ArrowLeft")  # γ 0.9 → 0.85
    settle(page, 4.0)
    page.wait_for_function("() => document.querySelector('[data-kdviz-view=\"loss_numbers\"]').getAttribute('data-gamma') === '0.85'")
    assert check_losses(page, res, students) == (4.0, 0.85)
    drag_to(page, "kdviz-live-T", 0.1)
    page.mouse.up()
    T = float(page.get_by_test_id("kdviz-live-T").input_value())
    settle(page, T)
    assert check_losses(page, res, students) == (T, 0.85)
    drag_to(page, "kdviz-live-gamma", 0.3)
    page.mouse.up()
    gamma = float(page.get_by_test_id("kdviz-live-gamma").input_value())
    wait_idle(page)
    page.wait_for_function("(g) => Number(document.querySelector('[data-kdviz-view=\"loss_heat\"]').getAttribute('data-gamma')) === g",
                           arg=gamma)
    assert check_losses(page, res, students) == (T, gamma) and abs(gamma - 0.3) < 0.06
    query = page.evaluate("Object.fromEntries(new URL(location.href).searchParams)")
    assert float(query["T"]) == T and float(query["gamma"]) == gamma  # the shared T and γ, in the link
    assert not log["errors"]
    context.close()


@pytest.mark.parametrize("view", ["T=1&digit=941", "T=1&data=fashion-mnist"], ids=["mnist-5k", "fashion-mnist"])
def test_drag_is_drawn_in_the_browser_and_sent_once(browser, server, view):
    """On the 1,000 test digits, and on Fashion-MNIST's 10,000 test images (the map averages all of them per frame)."""
    context, page, log = open_page(browser, server, f"Temperature?{view}")
    frames0 = int(attrs(page, "softmax")["frames"])  # the view beside the slider
    sent0 = len(log["sent"])
    seconds = drag_to(page, "kdviz-live-T", 0.8, steps=120)
    page.wait_for_timeout(50)  # the last animation frame
    frames = int(attrs(page, "softmax")["frames"]) - frames0
    during = log["sent"][sent0:]
    assert not [t for _, t in during if t != "app_heartbeat"], f"sent to the server during the drag: {during}"
    finished0 = len(log["finished"])
    released = time.perf_counter()
    page.mouse.up()
    T = float(page.get_by_test_id("kdviz-live-T").input_value())
    settle(page, T)
    page.wait_for_timeout(500)
    reruns = [t for _, t in log["sent"][sent0:] if t == "rerun_script"]
    assert len(reruns) == 1, log["sent"][sent0:]
    assert len(log["finished"]) > finished0
    rerun_ms = 1000 * (log["finished"][finished0] - released)
    fps = frames / seconds
    print(f"\nlive drag ({view}): {frames} frames of the softmax view in {seconds:.2f} s of dragging = {fps:.0f} frames/s; "
          f"release → rerun finished {rerun_ms:.0f} ms")
    assert fps >= 5  # lenient floor (a shared 2-core machine under load measured 7-10): the real figure is printed, not asserted
    page.screenshot(path=str(SHOTS / f"temperature-after-drag-{view.split('=')[-1]}.png"))
    context.close()


OFF_SCREEN = """async (T) => {
    const input = document.querySelector('[data-testid="kdviz-live-T"]');
    const t = (v) => Number(document.querySelector(`[data-kdviz-view="${v}"]`).getAttribute('data-t'));
    input.value = String(T);
    input.dispatchEvent(new Event('input', {bubbles: true}));  // a drag's step, not a release
    await new Promise(r => requestAnimationFrame(r));  // queued after the views' redraw: runs in the same frame, right after it
    const drawn = {softmax: t('softmax'), map: t('map')};
    await new Promise(r => setTimeout(r, 600));  // the drag rests
    return {drawn, rested: {softmax: t('softmax'), map: t('map')}};
}"""


def test_a_drag_draws_the_views_on_screen_and_the_rest_when_it_rests(browser, server, res):
    """At 1280 × 720 the dark-knowledge map is below the fold: a drag's frame skips it, and it follows (with the
    numbers of kdviz at the new T) once the drag rests, or as soon as it is scrolled into view."""
    context, page, log = open_page(browser, server, "Temperature?T=4&digit=941")
    page.wait_for_function("() => [...window.__kdvizLive.views].find(v => v.data.view === 'map').onScreen === false")
    out = page.evaluate(OFF_SCREEN, 7.5)
    assert out["drawn"] == {"softmax": 7.5, "map": 4.0}, out  # the frame drew what is on screen only
    assert out["rested"] == {"softmax": 7.5, "map": 7.5}, out
    assert close(json.loads(attrs(page, "map")["matrix"]),
                 explore.dark_knowledge_map(res.logits.test, res.data.y_test, 7.5).ravel())
    page.locator('[data-kdviz-view="map"]').scroll_into_view_if_needed()  # the map on screen, the softmax above it
    page.wait_for_function("""() => { const on = (name) => [...window.__kdvizLive.views].find(v => v.data.view === name).onScreen;
        return on('map') && !on('softmax'); }""")
    out = page.evaluate(OFF_SCREEN, 9.0)
    assert out["drawn"] == {"softmax": 7.5, "map": 9.0}, out
    assert not log["errors"]
    context.close()


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("path", ["Temperature", "Losses"])
def test_no_traceback(browser, server, path, lang):
    context, page, log = open_page(browser, server, f"{path}?lang={lang}")
    body = page.evaluate("document.body.innerText")
    assert "Traceback" not in body and not page.query_selector('[data-testid="stException"]')
    errors = page.evaluate("[...document.querySelectorAll('[data-kdviz-view][data-error]')].map(e => e.dataset.error)")
    assert not errors and not log["errors"], (errors, log["errors"])
    label = tr("common.temperature", lang)
    assert label in page.evaluate("document.querySelector('[data-kdviz-view=\"slider\"]').innerText")
    context.close()
    assert "Traceback" not in server.output()


def link_T_gamma(page) -> tuple[float, float]:
    """T and γ in the address bar (the page writes the session's view there after every run)."""
    q = page.evaluate("Object.fromEntries(new URL(location.href).searchParams)")
    return float(q["T"]), float(q["gamma"])


def heard(page, T: float) -> None:
    """Wait until the server has run the release (its run writes T into the address bar)."""
    page.wait_for_function("(T) => Number(new URL(location.href).searchParams.get('T')) === T", arg=T, timeout=30_000)


def test_a_release_after_another_page_keeps_the_shared_T(browser, server):
    """Losses: release T; Temperature: release T again; back on Losses, release γ only: the shared T stays
    the one set last (a release sends only the slider that moved, never an old value of the other).
    Each page change waits until the server has heard the release (a release that is not heard is sent
    again: test_a_release_the_server_missed_is_sent_again)."""
    context, page, log = open_page(browser, server, "Losses?T=4&gamma=0.9")
    page.get_by_test_id("kdviz-live-T").focus()
    page.keyboard.press("ArrowRight")  # T 4 → 4.5, on Losses
    settle(page, 4.5)
    heard(page, 4.5)
    page.locator('[data-testid="stSidebarNav"] a, [data-testid="stPageLink"] a', has_text="Temperature").first.click()
    page.wait_for_selector('[data-kdviz-view="map"][data-frames]', timeout=60_000)
    wait_idle(page)
    page.get_by_test_id("kdviz-live-T").focus()
    page.keyboard.press("ArrowRight")  # T 4.5 → 5.0, on Temperature
    heard(page, 5.0)  # one release at a time
    page.get_by_test_id("kdviz-live-T").focus()
    page.keyboard.press("ArrowRight")  # T 5.0 → 5.5
    settle(page, 5.5)
    heard(page, 5.5)
    page.locator('[data-testid="stSidebarNav"] a, [data-testid="stPageLink"] a', has_text="Losses").first.click()
    page.wait_for_selector('[data-kdviz-view="grads"][data-frames]', timeout=60_000)
    settle(page, 5.5)
    page.get_by_test_id("kdviz-live-gamma").focus()
    page.keyboard.press("ArrowLeft")  # γ 0.9 → 0.85 only
    wait_idle(page)
    page.wait_for_timeout(500)
    wait_idle(page)
    assert link_T_gamma(page) == (5.5, 0.85)
    assert float(page.get_by_test_id("kdviz-live-T").input_value()) == 5.5
    context.close()


def sidebar_links(page) -> list[dict]:
    """The view in each link the sidebar shows (``ui.view.view_link``: a code block ``…?T=…&gamma=…``)."""
    texts = page.locator('[data-testid="stSidebar"] [data-testid="stCode"] code').all_inner_texts()
    return [dict(urllib.parse.parse_qsl(t.strip().split("?", 1)[1])) for t in texts if "?" in t]


def link_shows(page, name: str, value: str) -> None:
    """Wait until the sidebar's link shows ``name=value``."""
    page.wait_for_function("""([want]) => [...document.querySelectorAll('[data-testid="stSidebar"] [data-testid="stCode"] code')]
        .some(c => c.innerText.includes(want))""", arg=[f"{name}={value}&"], timeout=30_000)


def release_key(page, name: str, key: str, log) -> tuple:
    """Press ``key`` on the live slider ``name`` (a release) and wait for the link to follow; returns the runs it caused."""
    sent0, runs0 = len(log["sent"]), len(log["runs"])
    slider = page.get_by_test_id(f"kdviz-live-{name}")
    slider.focus()
    page.keyboard.press(key)
    value = slider.input_value()
    link_shows(page, name, f"{float(value):g}")
    wait_idle(page)
    page.wait_for_timeout(300)
    assert [t for _, t in log["sent"][sent0:] if t == "rerun_script"] == ["rerun_script"], log["sent"][sent0:]
    return tuple(log["runs"][runs0:])


def test_a_release_reruns_only_the_slider_and_the_link(browser, server):
    """Issue 13: a release reruns only the slider's fragment (one rerun, and the run the server starts names a
    fragment), not the page; yet the address bar and the sidebar's one link show the released T (and γ), and the
    other pages open on them. "Reset view" still reruns the whole page."""
    context, page, log = open_page(browser, server, "Temperature?T=4&gamma=0.9")
    frames = int(attrs(page, "digit")["frames"])  # drawn once per new data: a full run would send it again
    runs = release_key(page, "T", "ArrowRight", log)  # T 4 → 4.5
    assert len(runs) == 1 and len(runs[0]) == 1, runs  # one run, of one fragment
    heard(page, 4.5)
    settle(page, 4.5)
    assert [v["T"] for v in sidebar_links(page)] == ["4.5"] and link_T_gamma(page) == (4.5, 0.9)
    assert int(attrs(page, "digit")["frames"]) == frames
    page.locator('[data-testid="stSidebarNav"] a, [data-testid="stPageLink"] a', has_text="Losses").first.click()
    page.wait_for_selector('[data-kdviz-view="grads"][data-frames]', timeout=60_000)
    settle(page, 4.5)
    assert float(page.get_by_test_id("kdviz-live-T").input_value()) == 4.5 and sidebar_links(page)[0]["T"] == "4.5"
    runs = release_key(page, "gamma", "ArrowLeft", log)  # γ 0.9 → 0.85
    assert len(runs) == 1 and len(runs[0]) == 1, runs
    assert [(v["T"], v["gamma"]) for v in sidebar_links(page)] == [("4.5", "0.85")] and link_T_gamma(page) == (4.5, 0.85)
    page.locator('[data-testid="stSidebarNav"] a, [data-testid="stPageLink"] a', has_text="Train").first.click()
    thumbs = [page.get_by_role("slider", name=tr(k, "en"), exact=False).first for k in ("common.temperature", "ui.gamma_label")]
    thumbs[1].wait_for(timeout=60_000)
    wait_idle(page)
    assert link_T_gamma(page) == (4.5, 0.85) and (sidebar_links(page)[0]["T"], sidebar_links(page)[0]["gamma"]) == ("4.5", "0.85")
    shown = [float(t.evaluate("e => e.value ?? e.getAttribute('aria-valuenow')")) for t in thumbs]
    assert shown == [4.5, 0.85], shown  # the Train page's T and γ sliders
    page.locator('[data-testid="stSidebarNav"] a, [data-testid="stPageLink"] a', has_text="Temperature").first.click()
    page.wait_for_selector('[data-kdviz-view="map"][data-frames]', timeout=60_000)
    settle(page, 4.5)
    runs0 = len(log["runs"])
    page.get_by_role("button", name=tr("ui.reset", "en")).click()
    settle(page, 4.0)
    link_shows(page, "T", "4")
    assert () in log["runs"][runs0:]  # a full run
    assert not log["errors"]
    context.close()


def drop_releases(page) -> list:
    """Route the page's websocket so that the next live releases it sends never reach the server, as when
    Streamlit drops a rerun request (``kdviz/viz/live/views.js``). Returns the list of dropped messages; while
    ``drop[0]`` is true every release is dropped."""
    dropped, drop = [], [True]

    def route(ws):
        server = ws.connect_to_server()

        def from_page(message):
            if drop[0] and isinstance(message, bytes) and b'"event":"release"' in message:
                dropped.append(message)
            else:
                server.send(message)

        ws.on_message(from_page)

    page.route_web_socket(re.compile(r"/_stcore/stream"), route)
    return dropped, drop


def wait_dropped(page, dropped: list, n: int) -> None:
    """Wait (up to 5 s) until ``n`` releases were dropped on their way: a message leaves after the key's frame."""
    for _ in range(100):
        if len(dropped) >= n:
            return
        page.wait_for_timeout(50)


def test_a_release_the_server_missed_is_sent_again(browser, server):
    """A release that never reaches the server (dropped on the way) is sent again by the next page's slider,
    which says the server has not heard it: the server ends on the learner's T. A release still missing
    when the view is reset is not sent again: the reset wins, and the slider shows it."""
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    page = context.new_page()
    dropped, drop = drop_releases(page)
    page.goto(f"{server.url}/Temperature?T=4&gamma=0.9")
    wait_idle(page)
    page.wait_for_selector('[data-kdviz-view="map"][data-frames]', timeout=60_000)
    page.get_by_test_id("kdviz-live-T").focus()
    page.keyboard.press("ArrowRight")  # T 4 → 4.5: dropped
    wait_dropped(page, dropped, 1)
    assert len(dropped) == 1 and link_T_gamma(page) == (4.0, 0.9)
    drop[0] = False
    page.locator('[data-testid="stSidebarNav"] a, [data-testid="stPageLink"] a', has_text="Losses").first.click()
    page.wait_for_selector('[data-kdviz-view="grads"][data-frames]', timeout=60_000)
    heard(page, 4.5)  # Losses's slider said "not heard", and the browser sent T = 4.5 again
    settle(page, 4.5)
    drop[0] = True
    page.get_by_test_id("kdviz-live-T").focus()
    page.keyboard.press("ArrowRight")  # T 4.5 → 5: dropped
    page.wait_for_function("() => window.__kdvizLive.T === 5")
    wait_dropped(page, dropped, 2)
    drop[0] = False
    page.get_by_role("button", name=tr("ui.reset", "en")).click()  # the view changed otherwise: T = 4 again
    settle(page, 4.0)
    wait_idle(page)
    assert len(dropped) == 2 and link_T_gamma(page)[0] == 4.0
    assert float(page.get_by_test_id("kdviz-live-T").input_value()) == 4.0
    context.close()


@pytest.mark.parametrize("lang, size", [("en", (1280, 720)), ("zh", (390, 844))])
def test_temperature_on_fashion_mnist_names_the_classes_in_the_browser(browser, server, lang, size):
    """?data=fashion-mnist: the map the browser computes from the 10,000 test logits equals kdviz's, and its
    axes, the top-5 table and the runner-up name the clothes (in the chosen language)."""
    from kdviz.data import datasets
    from kdviz.train.resources import load_resources

    names = datasets.class_names("fashion-mnist", lang)
    context, page, log = open_page(browser, server, f"Temperature?data=fashion-mnist&T=4&lang={lang}", size=size)
    settle(page, 4.0)
    res = load_resources(dataset="fashion-mnist")
    matrix = explore.dark_knowledge_map(res.logits.test, res.data.y_test, 4.0)
    assert close(json.loads(attrs(page, "map")["matrix"]), matrix.ravel())
    axis = page.locator('[data-kdviz-view="map"] svg text').all_text_contents()
    assert all(name in axis for name in names), axis
    table = page.locator('[data-kdviz-view="map_text"] table').inner_text()
    pairs = json.loads(attrs(page, "map_text")["pairs"])
    assert names[pairs[0][0]] in table and names[pairs[0][1]] in table
    runner = int(attrs(page, "temp_numbers")["runner-up"])
    assert names[runner] in page.locator('[data-kdviz-view="temp_numbers"]').inner_text()
    assert not log["errors"] and not page.locator("[data-error]").count()
    page.locator('[data-kdviz-view="map"]').scroll_into_view_if_needed()
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"temperature-fashion-{lang}-{size[0]}.png"), full_page=True)
    context.close()


# --- where the dark knowledge is in the loss (issue 15): kdviz.maths.darkknowledge, drawn live -------------------

def slide_T_to(page, T: float) -> None:
    """Drag the live T slider to about ``T``, then step to it with the arrow keys (every release reruns once)."""
    slider = page.get_by_test_id("kdviz-live-T")
    lo, hi = float(slider.get_attribute("min")), float(slider.get_attribute("max"))
    drag_to(page, "kdviz-live-T", (T - lo) / (hi - lo))
    page.mouse.up()
    settle(page, float(slider.input_value()))
    while (now := float(slider.input_value())) != T:
        slider.focus()
        page.keyboard.press("ArrowRight" if now < T else "ArrowLeft")
        settle(page, float(slider.input_value()))


def test_temperature_dark_knowledge_weight_rises_with_T(browser, server, res, students):
    """The mean 1 − p_t over the test digits that the page shows is below at T = 1 what it is at T = 8; every number
    of the four views equals kdviz.maths.darkknowledge at the T the slider reached."""
    from kdviz.maths import darkknowledge

    context, page, log = open_page(browser, server, "Temperature?T=1")
    settle(page, 1.0)
    digit = int(page.evaluate("new URL(location.href).searchParams.get('digit')"))
    z, label = res.logits.test[digit], int(res.data.y_test[digit])
    student = students.logits["partly trained"]
    shown = {}
    for T in (1.0, 4.0, 8.0):
        if T != 1.0:
            slide_T_to(page, T)
        weights = attrs(page, "dk_weights")
        want = darkknowledge.weight_summary(res.logits.test, res.data.y_test, T)
        assert close([float(weights[k]) for k in ("mean", "median", "small")], [want.mean, want.median, want.small])
        assert json.loads(weights["counts"]) == want.hist["count"].tolist()
        value = page.locator('[data-kdviz-view="dk_weights"] .kdl-metric-value').first.inner_text()
        assert value == f"{want.mean:.3f}"  # the number the learner reads
        shown[T] = float(value)
        curve = darkknowledge.target_curve(z, label, [T]).iloc[0]
        target = attrs(page, "dk_target")
        assert close([float(target["p-t"]), float(target["weight"])], [curve["p_t"], curve["weight"]])
        nt = darkknowledge.non_target(z, label, T)
        assert close(json.loads(attrs(page, "dk_nontarget")["p-hat"]), nt["p_hat"])
        share = darkknowledge.decomposition_curves(student, res.logits.test, res.data.y_test, [T]).iloc[0]
        assert close(float(attrs(page, "dk_share")["share"]), share["nckd_share"])
    assert shown[1.0] < shown[4.0] < shown[8.0]
    print(f"\nmean 1 − p_t over the test digits as the page shows it: T = 1 {shown[1.0]}, T = 4 {shown[4.0]}, T = 8 {shown[8.0]}")
    assert not log["errors"] and not page.locator("[data-error]").count()
    page.locator('[data-kdviz-view="dk_weights"]').scroll_into_view_if_needed()
    page.screenshot(path=str(SHOTS / "temperature-dark-knowledge-T8.png"))
    context.close()


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_losses_shows_the_soft_loss_stacked(browser, server, res, students, lang):
    """Two filled areas named TCKD and NCKD (in both languages), stacked to the soft loss the page shows, at the T
    the slider reached."""
    from kdviz.maths import darkknowledge

    context, page, log = open_page(browser, server, f"Losses?T=4&gamma=0.9&lang={lang}")
    stack = page.locator('[data-kdviz-view="dk_stack"]')
    stack.scroll_into_view_if_needed()
    assert stack.locator("svg polygon.kdl-area").evaluate_all("ps => ps.map(p => p.dataset.name)") == ["TCKD", "NCKD"]
    legend = stack.locator("svg text").all_text_contents()
    assert "TCKD" in legend and "NCKD" in legend
    s, t, y = students.logits["partly trained"], res.logits.test, res.data.y_test
    for T in (4.0, 8.0):
        if T != 4.0:
            slide_T_to(page, T)
        want = darkknowledge.decomposition_curves(s, t, y, [T], t2=True).iloc[0]
        shown = attrs(page, "dk_stack")
        assert close([float(shown[k]) for k in ("soft", "tckd", "weighted-nckd", "share")],
                     [want["kd"], want["tckd"], want["weighted_nckd"], want["nckd_share"]])
        assert close(float(shown["soft"]), float(attrs(page, "loss_curves")["soft"]))  # the stack adds up to the soft loss
        caption = stack.locator(".kdl-caption").inner_text()
        assert caption == tr("losses.dk_caption", lang, T=T, soft=want["kd"], tckd=want["tckd"], nckd=want["weighted_nckd"],
                             pct=100 * want["nckd_share"])
    assert not log["errors"] and not page.locator("[data-error]").count()
    stack.scroll_into_view_if_needed()
    page.screenshot(path=str(SHOTS / f"losses-dark-knowledge-{lang}.png"))
    context.close()
