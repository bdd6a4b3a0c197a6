"""Your digit in a real browser (issue 28, item 7): the live T slider and the canvas's toolbar.

* the ``compare`` live view (kdviz/viz/live/views_mine.js) shows the teacher's and the student's softmax at T of an
  uploaded test-digit photo equal to numpy's and kdviz's softmax of those models' logits, to 1e-6, at every T
  a drag step reaches; its title is the catalog's, formatted as kdviz.base.i18n;
* a drag of T redraws it with no message to the server; the release reruns the whole page once, and the
  digit map drawn by the server shows the new T;
* at 390 × 844 (and 1280 × 720), in English and 中文, the canvas's toolbar (undo, clear), shown when the canvas
  is hovered or touched, does not cover the drawing hint above it.

Skips when chromium or playwright is absent, unless ``KDVIZ_REQUIRE_BROWSER=1``.
"""

from __future__ import annotations

import io
import json

import numpy as np
import pytest
from browser import ROOT, needs_browser, socket_log, view_attrs, wait_idle
from PIL import Image

from kdviz.base.i18n import tr
from kdviz.data import digits
from kdviz.lab import mydigit
from kdviz.maths.losses import soften
from kdviz.train import reference

SHOTS = ROOT / "artifacts" / "screenshots" / "live"
pytestmark = needs_browser("Your digit browser test")
TOL = 1e-6  # the contract of kdviz/viz/live/kdmath.js
DIGIT = 11  # a test digit, photographed (scaled to 140 px) and uploaded


def photo(res) -> bytes:
    img = Image.fromarray(255 - res.data.images_test[DIGIT]).resize((140, 140), Image.BILINEAR)
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return buf.getvalue()


def np_softmax(z, T) -> np.ndarray:
    a = np.asarray(z, dtype=np.float64) / T
    e = np.exp(a - a.max())
    return e / e.sum()


attrs = view_attrs  # the data attributes of a live view


def open_page(browser, server, *, size=(1280, 720), lang="en", query="T=4"):
    """Your digit in a new context, with the websocket's messages to the server (type names) and the runs'
    fragment ids logged (no ids: a full run)."""
    context = browser.new_context(viewport={"width": size[0], "height": size[1]})
    page = context.new_page()
    log = socket_log(page)
    page.goto(f"{server.url}/Your_digit?{query}&lang={lang}")
    wait_idle(page)
    return context, page, log


def upload(page, res, lang="en") -> None:
    page.get_by_text(tr("mine.upload", lang)).click()
    page.locator('input[type="file"]').wait_for(state="attached", timeout=30_000)
    page.locator('input[type="file"]').set_input_files(files=[{"name": "mine.png", "mimeType": "image/png",
                                                               "buffer": photo(res)}])
    page.wait_for_selector('[data-kdviz-view="compare"][data-frames]', timeout=60_000)
    wait_idle(page)


@pytest.fixture(scope="module")
def logits(res):
    """The teacher's and the reference student's (10,) logits of the uploaded photo, as the page computes them."""
    image = digits.digit_from_upload(photo(res))
    student = reference.student_states(res).model  # the page's student when the session has no run of its own
    return mydigit.logits_for(res.teacher, res.data, image), mydigit.logits_for(student, res.data, image)


SET_T = """async (T) => {
    const input = document.querySelector('[data-testid="kdviz-live-T"]');
    input.value = String(T);
    input.dispatchEvent(new Event('input', {bubbles: true}));  // a drag's step, not a release
    await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
}"""


def close(shown, want) -> bool:
    shown, want = np.asarray(shown, dtype=float), np.asarray(want, dtype=float)
    return bool(np.all(np.abs(shown - want) <= TOL * np.maximum(1.0, np.abs(want))))


def test_compare_view_equals_kdviz_softmax_at_every_T(browser, server, res, logits):
    z_teacher, z_student = logits
    context, page, log = open_page(browser, server)
    upload(page, res)
    for T in (0.5, 1.0, 2.5, 4.0, 7.5, 20.0):
        page.evaluate(SET_T, T)
        shown = attrs(page, "compare")
        assert float(shown["t"]) == T
        for name, z in (("teacher", z_teacher), ("student", z_student)):
            values = json.loads(shown[name])
            assert close(values, np_softmax(z.detach().numpy(), T)), (name, T)
            assert close(values, soften(z.detach().double().reshape(1, -1), T)[0].numpy()), (name, T)
        title = page.locator('[data-kdviz-view="compare"] .kdl-title').inner_text()
        assert title == tr("mine.compare", "en", T=T)
        bars = page.locator('[data-kdviz-view="compare"] svg rect[fill]').count()
        assert bars >= 20  # ten bars each (and the legend's boxes)
    assert "error" not in attrs(page, "compare") and not log["errors"]
    context.close()


def drag(page, fraction: float, steps: int = 40) -> None:
    """Press the T slider's thumb and move it to ``fraction`` of its width (the button stays down)."""
    slider = page.get_by_test_id("kdviz-live-T")
    slider.scroll_into_view_if_needed()
    box = slider.bounding_box()
    lo, hi, value = (float(slider.get_attribute("min")), float(slider.get_attribute("max")), float(slider.input_value()))
    x_of = lambda f: box["x"] + 8 + f * (box["width"] - 16)  # noqa: E731  (8 px: half of chromium's thumb)
    y = box["y"] + box["height"] / 2
    x0 = x_of((value - lo) / (hi - lo))
    page.mouse.move(x0, y)
    page.mouse.down()
    for i in range(1, steps + 1):
        page.mouse.move(x0 + (x_of(fraction) - x0) * i / steps, y)


@pytest.mark.parametrize("size", [(1280, 720), (390, 844)], ids=["1280", "390"])
def test_drag_is_live_and_the_release_reruns_the_page(browser, server, res, logits, size):
    context, page, log = open_page(browser, server, size=size)
    upload(page, res)
    assert tr("plots.map_title", "en", T=4.0) in page.inner_text("body")
    sent0, runs0 = len(log["sent"]), len(log["runs"])
    drag(page, 0.6)
    page.wait_for_timeout(100)  # the last animation frame
    T = float(page.get_by_test_id("kdviz-live-T").input_value())
    assert T != 4.0 and float(attrs(page, "compare")["t"]) == T  # the chart follows the drag
    assert close(json.loads(attrs(page, "compare")["teacher"]), np_softmax(logits[0].detach().numpy(), T))
    during = [t for _, t in log["sent"][sent0:] if t != "app_heartbeat"]
    assert not during, f"sent to the server during the drag: {during}"
    assert tr("plots.map_title", "en", T=4.0) in page.inner_text("body")  # the server's map waits for the release
    page.mouse.up()
    page.wait_for_function("(t) => document.body.innerText.includes(t)", arg=tr("plots.map_title", "en", T=T), timeout=60_000)
    wait_idle(page)
    page.wait_for_timeout(300)
    assert [t for _, t in log["sent"][sent0:] if t == "rerun_script"] == ["rerun_script"]  # one rerun
    assert log["runs"][runs0:] == [()]  # of the whole page, not a fragment: the map and the nearest digits are at T
    assert float(page.evaluate("new URL(location.href).searchParams.get('T')")) == T  # the link has it
    assert float(attrs(page, "compare")["t"]) == T and not log["errors"]
    page.screenshot(path=str(SHOTS / f"yourdigit-after-release-{size[0]}.png"))
    context.close()


def intersect(a: dict, b: dict) -> bool:
    return a["x"] < b["x"] + b["width"] and b["x"] < a["x"] + a["width"] and a["y"] < b["y"] + b["height"] and \
        b["y"] < a["y"] + a["height"]


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("size", [(390, 844), (1280, 720)], ids=["390", "1280"])
def test_the_canvas_toolbar_does_not_cover_the_hint(browser, server, size, lang):
    context, page, log = open_page(browser, server, size=size, lang=lang)
    canvas = page.locator("canvas.upper-canvas").first  # streamlit-drawable-canvas (its shadow root: a locator sees it)
    canvas.wait_for(timeout=30_000)
    hint = page.get_by_test_id("stCaptionContainer").filter(has_text=tr("mine.draw_hint", lang)).first
    toolbar = page.locator(".dc-toolbar").first  # its padding included: the whole box it may cover
    resting = toolbar.bounding_box()
    canvas.hover()  # a mouse over the canvas (or a finger on it) shows the toolbar, risen above the canvas
    page.wait_for_timeout(600)  # its 0.1 s + 0.1 s transition
    shown, box = toolbar.bounding_box(), hint.bounding_box()
    assert shown["y"] < canvas.bounding_box()["y"]  # the toolbar did rise (the check below is about that place)
    assert not intersect(resting, box) and not intersect(shown, box), (box, resting, shown)
    assert box["y"] + box["height"] <= shown["y"]  # the hint is above the toolbar, whole
    assert not log["errors"]
    context.close()
