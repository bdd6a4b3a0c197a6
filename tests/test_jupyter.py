"""notebooks/explore.ipynb in a real JupyterLab (and Notebook 7) in Debian's chromium: the live views on anywidget.

A ``jupyter lab`` on 127.0.0.1 with a token and no browser serves a copy of ``notebooks/`` (the stored notebooks are
never saved over). The test runs all cells from the Run menu, then drags the temperature explorer's T slider with the
mouse: the views redraw in the browser (their ``data-frames`` count), nothing goes to the kernel until the release
(every frame sent on the kernel's websocket is read), the release sends the new T once, and the softmax view's
``data-probs`` equal numpy's softmax of the teacher's logits at that T. It prints the run-all time, the frames a
second while dragging and the messages sent.

Skips with the reason where chromium, playwright or JupyterLab is absent; ``$KDVIZ_REQUIRE_BROWSER=1``
(CI) makes it required. Screenshots go to ``$KDVIZ_SCREENSHOTS`` (default ``artifacts/screenshots``);
the README's comes from ``KDVIZ_SCREENSHOTS=docs/screenshots python -m pytest tests/test_jupyter.py``.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest
from browser import needs_browser, view_attrs
from jupyterlab import ERRORS, JupyterFailed, kernel_log, missing, run_all, serve

ROOT = Path(__file__).resolve().parents[1]
SHOTS = Path(os.environ.get("KDVIZ_SCREENSHOTS", ROOT / "artifacts" / "screenshots"))
pytestmark = needs_browser("the JupyterLab browser test")
if missing() and os.environ.get("KDVIZ_REQUIRE_BROWSER") == "1":
    raise RuntimeError(f"the JupyterLab browser test is required but {missing()}")
pytestmark = [pytestmark, pytest.mark.skipif(missing() is not None, reason=missing() or "")]


@pytest.fixture(scope="module")
def browser(request):
    from browser import chromium_for_module

    yield from chromium_for_module(SHOTS)


@pytest.fixture(scope="module")
def jupyter():
    """``jupyter lab`` on 127.0.0.1 serving a copy of notebooks/ (tests/jupyterlab.py); its URL."""
    try:
        with serve() as url:
            yield url
    except JupyterFailed as err:
        pytest.fail(str(err))
    assert not (ROOT / "notebooks" / ".ipynb_checkpoints").exists()  # the stored notebooks were not touched


def drag(page, slider, fraction: float, steps: int = 90) -> float:
    """Press the range input's thumb, move it to ``fraction`` of its width in ``steps`` moves (not released); seconds."""
    box = slider.bounding_box()
    lo, hi, value = (float(slider.get_attribute("min")), float(slider.get_attribute("max")), float(slider.input_value()))
    thumb = 8  # half of chromium's thumb
    x_of = lambda f: box["x"] + thumb + f * (box["width"] - 2 * thumb)  # noqa: E731
    y = box["y"] + box["height"] / 2
    x0, x1 = x_of((value - lo) / (hi - lo)), x_of(fraction)
    page.mouse.move(x0, y)
    page.mouse.down()
    start = time.perf_counter()
    for i in range(1, steps + 1):
        page.mouse.move(x0 + (x1 - x0) * i / steps, y)
    return time.perf_counter() - start


def np_softmax(z, T: float):
    import numpy as np

    z = np.asarray(z, dtype=np.float64) / T
    e = np.exp(z - z.max())
    return e / e.sum()


@pytest.fixture(scope="module")
def teacher_row():
    """The explorer's opening image's teacher logits (10,), as kdviz computes them."""
    from kdviz.train import reference
    from kdviz.train.resources import load_resources

    res = load_resources()
    return res.logits.test[reference.opening_digit(res)].numpy()


def test_jupyterlab_drag_is_drawn_in_the_browser_and_sent_once(browser, jupyter, teacher_row):
    import numpy as np

    page = browser.new_page(viewport={"width": 1280, "height": 720})
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    sent = kernel_log(page)
    seconds_all = run_all(page, jupyter, "lab/tree/notebooks/explore.ipynb")
    assert page.evaluate(ERRORS) == []
    page.wait_for_selector('[data-kdviz-view="softmax"][data-frames]', timeout=60_000)
    slider = page.get_by_test_id("kdviz-live-T").first
    slider.scroll_into_view_if_needed()
    page.wait_for_timeout(1000)  # the kernel idle, the views drawn
    attrs = view_attrs(page, "softmax")
    assert float(attrs["t"]) == 4.0
    np.testing.assert_allclose(json.loads(attrs["probs"]), np_softmax(teacher_row, 4.0), atol=1e-5)
    frames0, sent0 = int(attrs["frames"]), len(sent)
    seconds = drag(page, slider, 0.6)
    page.wait_for_timeout(50)  # the last animation frame
    frames = int(view_attrs(page, "softmax")["frames"]) - frames0
    during = sent[sent0:]
    assert during == [], f"sent to the kernel during the drag: {during}"
    page.mouse.up()
    T = float(slider.input_value())
    page.wait_for_timeout(1500)
    after = sent[sent0:]
    updates = [m for m in after if m[1] == "comm_msg" and m[2] == "update"]
    assert len(updates) == 1 and updates[0][3].get("T") == T, after  # the release: one message, the new T
    attrs = view_attrs(page, "softmax")
    assert float(attrs["t"]) == T and T > 4.0
    np.testing.assert_allclose(json.loads(attrs["probs"]), np_softmax(teacher_row, T), atol=1e-5)  # kdviz's numbers
    np.testing.assert_allclose(json.loads(attrs["probs1"]), np_softmax(teacher_row, 1.0), atol=1e-5)
    assert not errors and page.evaluate(ERRORS) == []
    steps = round((T - 4.0) / float(slider.get_attribute("step")))
    print(f"\nJupyterLab: run all {seconds_all:.1f} s; drag of T 4 → {T:g} ({steps} slider steps) in {seconds:.2f} s: {frames} "
          f"redraws of the softmax view; kernel messages during the drag {len(during)}, after the release {len(after)} "
          f"({len(updates)} widget update); frames a second: benchmarks/bench_jupyter.py")
    assert frames >= steps  # every value the drag crossed was drawn in the browser
    slider.evaluate("s => { s.scrollIntoView({block: 'start'}); s.closest('.jp-WindowedPanel-outer, .jp-Notebook')"
                    ".scrollBy(0, -60); }")  # the slider and the softmax under it
    page.wait_for_timeout(500)
    page.screenshot(path=str(SHOTS / "Jupyter.png"))
    page.close()


def test_notebook_7_on_a_phone_shows_the_live_views(browser, jupyter, teacher_row):
    import numpy as np
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    page = browser.new_page(viewport={"width": 390, "height": 844})
    seconds = run_all(page, jupyter, "notebooks/notebooks/explore.ipynb")
    assert page.evaluate(ERRORS) == []
    assert page.get_by_test_id("kdviz-live-T").count() == 2  # the temperature and the loss explorers
    assert page.get_by_test_id("kdviz-live-gamma").count() == 1
    page.wait_for_selector('[data-kdviz-view="softmax"][data-frames]', timeout=60_000)
    slider = page.get_by_test_id("kdviz-live-T").first
    moved = "() => Number(document.querySelector('[data-kdviz-view=\"softmax\"]').dataset.t) < 4"
    for _ in range(5):  # Notebook 7 lays out cells as they scroll into view: the box is read again until a tap lands
        slider.scroll_into_view_if_needed()
        page.wait_for_timeout(300)
        box = slider.bounding_box()
        page.mouse.click(box["x"] + 0.1 * box["width"], box["y"] + box["height"] / 2)  # a tap on the track, left of T = 4
        try:
            page.wait_for_function(moved, timeout=4_000)
            break
        except PlaywrightTimeout:  # the tap missed the moved slider: tap again
            continue
    page.wait_for_function(moved, timeout=1_000)
    attrs = view_attrs(page, "softmax")
    np.testing.assert_allclose(json.loads(attrs["probs"]), np_softmax(teacher_row, float(attrs["t"])), atol=1e-5)
    page.screenshot(path=str(SHOTS / "Jupyter-phone.png"))
    print(f"\nNotebook 7 at 390 × 844: run all {seconds:.1f} s")
    page.close()
