"""kdviz.widgets in plain Python: the Jupyter explorers send the pages' live views kdviz's numbers.

The views draw in the browser (kdviz/viz/live, the same ES module as the Streamlit pages: its arithmetic is checked
against kdviz in chromium by tests/test_live_math.py, and in JupyterLab by tests/test_jupyter.py). Here: the data each
explorer's :class:`kdviz.widgets.LiveView` carries (the teacher's and students' logits decoded from base64, the image,
the class names, the texts), T and γ set from Python and checked, the kernel's controls, the training view.
"""

import base64
import os
import subprocess
import sys

import numpy as np
import plotly.graph_objects as go
import pytest
import traitlets

from kdviz import widgets
from kdviz.data import datasets, idx
from kdviz.maths import explore
from kdviz.train import reference
from kdviz.train.loop import TrainConfig
from kdviz.viz import live

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def f32(text: str, cols: int = 10) -> np.ndarray:
    """A view's base64 little-endian float32 array, as the browser decodes it: (n, cols)."""
    return np.frombuffer(base64.b64decode(text), dtype="<f4").reshape(-1, cols)


def u8(text: str) -> np.ndarray:
    return np.frombuffer(base64.b64decode(text), dtype=np.uint8)


def views_by_name(box) -> dict:
    return {v["view"]: v for v in box.view.views}


@pytest.fixture(scope="module")
def temperature(res):
    return widgets.temperature_explorer(res, T=4.0)


def test_the_temperature_views_carry_the_teachers_logits(temperature, res):
    box = temperature
    common = box.view.common
    assert common["n"] == len(res.data.y_test)
    np.testing.assert_array_equal(f32(common["logits"]), res.logits.test.numpy().astype(np.float32))
    np.testing.assert_array_equal(u8(common["labels"]), res.data.y_test.numpy())
    v = views_by_name(box)
    assert list(v) == ["digit_image", "slider", "softmax", "temp_numbers", "entropy", "map_text", "map"]
    i = box.digit.value
    for name in ("softmax", "temp_numbers", "entropy"):
        np.testing.assert_array_equal(f32(v[name]["z"])[0], res.logits.test[i].numpy())
    np.testing.assert_array_equal(u8(v["digit_image"]["image"]), res.data.images_test[i].reshape(-1))
    assert v["softmax"]["idx"] == i and v["softmax"]["log_y"] is False
    (spec,) = v["slider"]["params"]
    assert spec["name"] == "T" and (spec["min"], spec["max"]) == (0.5, 20.0) and "T" not in v["slider"]  # T is the widget's
    assert box.view._esm == live.script("anywidget") and "https://" not in box.view._esm  # bundled: no CDN


def test_T_set_from_python_reaches_the_view_and_is_checked(temperature):
    box = temperature
    for T in (0.5, 8.0, 20.0):
        box.T = T
        assert box.view.T == T and box.T == T
    with pytest.raises(ValueError, match="T must be in"):
        box.T = 50
    with pytest.raises(traitlets.TraitError, match="T must be in"):
        box.view.T = 0.1  # a value from the browser is checked too
    assert box.T == 20.0
    box.T = 4.0


def test_the_image_chooser_and_the_class_follow_each_other(temperature, res):
    box = temperature
    start = box.digit.value
    box.digit.value = 7
    assert box.image_class.value == int(res.data.y_test[7])
    np.testing.assert_array_equal(f32(views_by_name(box)["softmax"]["z"])[0], res.logits.test[7].numpy())
    assert views_by_name(box)["digit_image"]["caption"] == f"test digit #7, label {int(res.data.y_test[7])}"
    box.image_class.value = 3
    assert int(res.data.y_test[box.digit.value]) == 3
    assert box.digit.value == int(explore.digits_of_class(res.data.y_test, 3)[0])
    box.log_scale.value = True
    assert views_by_name(box)["softmax"]["log_y"] is True
    box.log_scale.value = False
    box.digit.value = start


def test_the_sentence_is_the_pages_on_this_image(temperature, res):
    """The sentence beside the views names this image's top class and its probability at T = 1 (numpy's softmax)."""
    box = temperature
    z = res.logits.test[box.digit.value].numpy().astype(np.float64)
    p = np.exp(z - z.max()) / np.exp(z - z.max()).sum()
    assert f"the teacher gives {int(p.argmax())} {p.max():.3f}" in box.explain.value
    assert "**" not in box.explain.value  # Markdown rendered, as in the page


def test_opening_view(res):
    box = widgets.temperature_explorer(res)
    assert box.digit.value == reference.opening_digit(res)
    assert int(res.data.y_test[box.digit.value]) in (4, 9)
    assert box.T == 4.0


@pytest.fixture(scope="module")
def losses(res):
    return widgets.loss_explorer(res, T=4.0, gamma=0.9)


def test_the_loss_views_carry_the_students_and_the_teachers_logits(losses, res):
    box = losses
    assert [v["view"] for v in box.view.views] == ["slider", "loss_curves", "loss_numbers", "loss_heat", "grads", "dk_stack"]
    assert [p["name"] for p in box.view.views[0]["params"]] == ["T", "gamma"]
    c = box.view.common
    np.testing.assert_array_equal(f32(c["student"]), box.states.logits["partly trained"].numpy())
    np.testing.assert_array_equal(f32(c["teacher"]), res.logits.test.numpy())
    np.testing.assert_array_equal(u8(c["labels"]), res.data.y_test.numpy())
    assert c["n"] == len(res.data.y_test)


def test_student_and_scope_send_new_logits(losses, res):
    box = losses
    i = box.digit_index
    box.scope.value = "digit"  # one image: every view recomputes from its row
    c = box.view.common
    assert c["n"] == 1
    np.testing.assert_array_equal(f32(c["student"]), box.states.logits["partly trained"][i:i + 1].numpy())
    np.testing.assert_array_equal(f32(c["teacher"]), res.logits.test[i:i + 1].numpy())
    box.student.value = "trained"
    np.testing.assert_array_equal(f32(box.view.common["student"]), box.states.logits["trained"][i:i + 1].numpy())
    s, t, y = box.logits()
    assert s.shape == t.shape == (1, 10) and y.shape == (1,)
    box.scope.value, box.student.value = "all", "partly trained"
    assert box.view.common["n"] == len(res.data.y_test)


def test_T_and_gamma_set_from_python(losses):
    box = losses
    box.T, box.gamma = 6.0, 0.35
    assert (box.view.T, box.view.gamma) == (6.0, 0.35)
    with pytest.raises(ValueError, match="gamma must be"):
        box.gamma = 1.5
    box.T, box.gamma = 4.0, 0.9


def test_the_reference_students_are_kdvizs(losses, res):
    """The explorer's students are kdviz.train.reference's (the Losses page's), trained once and cached."""
    again = reference.student_states(res, full_epochs=datasets.student_epochs(res.dataset, len(res.data.y_train)))
    for name in widgets.common.STUDENTS:
        np.testing.assert_array_equal(again.logits[name].numpy(), losses.states.logits[name].numpy())


def test_with_gamma_is_loss_curves_at_that_gamma(losses, res):
    s, t, y = losses.states.logits["trained"], res.logits.test, res.data.y_test
    base = explore.loss_curves(s, t, y, gamma=1.0)
    for gamma in (0.0, 0.3, 1.0):
        np.testing.assert_allclose(explore.with_gamma(base, gamma)["total"], explore.loss_curves(s, t, y, gamma=gamma)["total"],
                                   rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError):
        explore.with_gamma(base, 1.5)


def test_train_live_appends_one_point_per_epoch_and_refuses_a_second_press(res):
    box = widgets.train_live(res, config=TrainConfig(epochs=2, seed=1))
    figure = box.figure
    assert isinstance(figure, go.FigureWidget) and all(len(trace.x) == 0 for trace in figure.data)
    assert box.start()
    assert not box.start()  # a second press while one runs: refused in one line
    assert "already running" in box.status.value and "\n" not in box.status.value
    assert box.join(timeout=120)
    assert [len(trace.x) for trace in figure.data] == [2] * len(figure.data)  # 2 epochs: 2 points on every curve
    assert box.progress.value == box.progress.max == 4
    distilled, baseline = box.results["distilled"], box.results["baseline"]
    assert figure.data[0].y[-1] == pytest.approx(100 * distilled.test_acc)
    assert f"{100 * distilled.test_acc:.1f} %" in box.status.value and f"{100 * baseline.test_acc:.1f} %" in box.status.value
    from kdviz.train.loop import train_student  # the same numbers as the library's own run with that config

    again = train_student(res.data, res.logits, TrainConfig(epochs=2, seed=1))
    assert again.test_acc == distilled.test_acc
    box.button.click()  # the button starts a new run: the curves start again from nothing
    assert box.join(timeout=120)
    assert [len(trace.x) for trace in figure.data] == [2] * len(figure.data)


def test_train_live_reports_a_failure_in_one_line(res, monkeypatch):
    def fails(*args, **kwargs):
        raise ValueError("out of memory\n  a second line a user must not see")

    monkeypatch.setattr(widgets.training, "train_pair", fails)
    box = widgets.train_live(res, epochs=1)
    assert box.start() and box.join(timeout=60)
    assert box.progress.bar_style == "danger"
    assert box.status.value == "The training failed: out of memory"
    assert box.start()  # and the next press runs again
    box.join(timeout=60)


@pytest.mark.parametrize("call, match", [
    (lambda r: widgets.temperature_explorer(r, T=50), "T must be in"),
    (lambda r: widgets.temperature_explorer(r, digit=10**6), "digit must be"),
    (lambda r: widgets.temperature_explorer(r, lang="fr"), "lang must be"),
    (lambda r: widgets.loss_explorer(r, gamma=2), "gamma must be"),
    (lambda r: widgets.loss_explorer(r, student="half"), "student must be"),
    (lambda r: widgets.loss_explorer(r, scope="train"), "scope must be"),
    (lambda r: widgets.train_live(r, epochs=0), "epochs must be"),
])
def test_bad_arguments_get_one_line(res, call, match):
    with pytest.raises(ValueError, match=match) as err:
        call(res)
    assert "\n" not in str(err.value)


def has_cjk(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def test_chinese_labels(res):
    box = widgets.temperature_explorer(res, lang="zh")
    assert has_cjk(box.image_class.description)
    v = views_by_name(box)
    assert v["softmax"]["lang"] == "zh" and has_cjk(v["softmax"]["text"]["temp.softmax_title"])
    assert has_cjk(v["slider"]["params"][0]["help"])
    train = widgets.train_live(res, lang="zh")
    assert has_cjk(train.button.description)


def test_progress_bar_shows_the_library_progress():
    bar = widgets.ProgressBar("sweep", lang="zh")
    bar(0.5, ("common.progress", {"label": "a", "message": "b"}))
    assert bar.bar.value == 0.5 and bar.text.value
    bar(1.0, ("common.progress", {"label": "a", "message": "b"}))
    assert bar.bar.bar_style == "success"


@pytest.mark.skipif(not idx.FASHION_MNIST_DIR.is_dir() and os.environ.get("KDVIZ_REQUIRE_DATASETS") != "1",
                    reason="Fashion-MNIST not installed (apt-get install -y dataset-fashion-mnist)")
def test_fashion_mnist_names_the_classes():
    from kdviz.train.resources import load_resources

    fashion = load_resources(dataset="fashion-mnist")
    box = widgets.temperature_explorer(fashion)
    names = list(datasets.class_names("fashion-mnist"))
    assert box.view.common["classes"] == names
    assert [label for label, _ in box.image_class.options] == names
    assert "digit" not in box.digit.description.lower()
    box.T = 8.0
    assert box.view.common["classes"] == names  # a move keeps the names


def test_only_kdviz_widgets_imports_ipywidgets():
    code = ("import sys, importlib, kdviz\n"
            "from pathlib import Path\n"
            "root = Path(kdviz.__path__[0])\n"
            "names = ['.'.join(('kdviz',) + p.relative_to(root).with_suffix('').parts).removesuffix('.__init__')\n"
            "         for p in sorted(root.rglob('*.py')) if 'widgets' not in p.parts and p.name != '__main__.py']\n"
            "for name in names: importlib.import_module(name)\n"
            "assert 'ipywidgets' not in sys.modules and 'anywidget' not in sys.modules, 'imported ipywidgets'\n"
            "import kdviz.widgets\n"
            "assert 'ipywidgets' in sys.modules and 'anywidget' in sys.modules and 'streamlit' not in sys.modules\n"
            "print(len(names))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert int(out.stdout.strip()) > 20
