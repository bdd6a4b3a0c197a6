"""kdviz.widgets in plain Python: the Jupyter explorers' controls drive their figures, with kdviz's numbers.

The figures are read back from the plotly FigureWidgets in each box's ``children`` tree, as a
notebook shows them; the numbers are checked against independent numpy formulas.
"""

import os
import subprocess
import sys

import numpy as np
import plotly.graph_objects as go
import pytest

from kdviz import widgets
from kdviz.data import datasets, idx
from kdviz.maths import explore
from kdviz.train import reference
from kdviz.train.loop import TrainConfig
from kdviz.viz import plots

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def np_softmax(z, T):
    z = np.asarray(z, dtype=np.float64) / T
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def figure_widgets(box):
    """Every plotly FigureWidget in a widget's ``children`` tree, depth first."""
    found = []
    for child in getattr(box, "children", ()):
        found += [child] if isinstance(child, go.FigureWidget) else figure_widgets(child)
    return found


def sliders(box):
    out = []
    for child in getattr(box, "children", ()):
        out += [child] if child.__class__.__name__ == "FloatSlider" else sliders(child)
    return out


def T_slider(box):
    (found,) = [s for s in sliders(box) if "T" in s.description]
    return found


def same_data(a: go.Figure, b: go.Figure) -> None:
    """Two figures show the same traces (values to float32 rounding, 1e-6 relative) and the same title."""
    assert len(a.data) == len(b.data)
    for ta, tb in zip(a.data, b.data):
        ja, jb = ta.to_plotly_json(), tb.to_plotly_json()
        for key in ("x", "y", "z", "text", "customdata", "name", "hovertemplate"):
            va, vb = ja.get(key), jb.get(key)
            if va is None or vb is None:
                assert va is None and vb is None, key
                continue
            va, vb = np.asarray(va, dtype=object), np.asarray(vb, dtype=object)
            assert va.shape == vb.shape, key
            try:
                np.testing.assert_allclose(va.astype(float), vb.astype(float), rtol=1e-6, atol=1e-9, err_msg=key)
            except (TypeError, ValueError):
                assert (va == vb).all(), key
    assert a.layout.title.text == b.layout.title.text


@pytest.fixture(scope="module")
def temperature(res):
    return widgets.temperature_explorer(res, T=4.0)


def test_the_T_slider_changes_the_softmax_figure(temperature, res):
    box = temperature
    slider = T_slider(box)
    softmax = figure_widgets(box)[1]  # the image, then the softmax at T = 1 and at T
    assert softmax is box.softmax
    peaks = []
    for T in (1.0, 2.0, 4.0, 8.0, 16.0):
        slider.value = T
        p = np.asarray(softmax.data[1].y, dtype=float)
        np.testing.assert_allclose(p, np_softmax(res.logits.test[box.digit.value].numpy(), T), atol=1e-6)
        np.testing.assert_allclose(softmax.data[0].y, np_softmax(res.logits.test[box.digit.value].numpy(), 1.0), atol=1e-6)
        assert softmax.data[1].name == f"T = {T:g}"
        peaks.append(p.max())
    assert all(a > b for a, b in zip(peaks, peaks[1:])), peaks  # a higher T, a lower maximum probability
    slider.value = 4.0


def test_a_move_shows_what_a_fresh_figure_at_that_T_shows(temperature, res):
    box = temperature
    for T in (0.5, 3.0, 12.5):
        box.T.value = T
        z = res.logits.test[box.digit.value]
        same_data(box.softmax, plots.softmax_figure(z, T))
        same_data(box.entropy, plots.entropy_figure(explore.entropy_curve(z), T,
                                                    current=float(explore.entropy_curve(z, [T])["entropy_bits"].iloc[0])))
        same_data(box.dark_map, plots.dark_knowledge_figure(explore.dark_knowledge_map(res.logits.test, res.data.y_test, T), T))
    box.T.value = 4.0


def test_the_dark_knowledge_map_against_numpy(temperature, res):
    box = temperature
    box.T.value = 8.0
    p = np_softmax(res.logits.test.numpy(), 8.0)
    y = res.data.y_test.numpy()
    expect = np.stack([p[y == c].mean(axis=0) for c in range(10)])
    shown = np.asarray(box.dark_map.data[0].z, dtype=float)
    off = ~np.eye(10, dtype=bool)
    np.testing.assert_allclose(shown[off], expect[off], atol=1e-6)
    assert np.isnan(shown[~off]).all()  # the diagonal hidden, so the colours show the small mass
    assert "8" in box.dark_map.layout.title.text
    assert "T = 8" in box.alike.value
    box.T.value = 4.0


def test_the_image_chooser_and_the_class_follow_each_other(temperature, res):
    box = temperature
    start = box.digit.value
    box.digit.value = 7
    assert box.image_class.value == int(res.data.y_test[7])
    np.testing.assert_allclose(box.softmax.data[0].y, np_softmax(res.logits.test[7].numpy(), 1.0), atol=1e-6)
    box.image_class.value = 3
    assert int(res.data.y_test[box.digit.value]) == 3
    box.log_scale.value = True
    assert box.softmax.layout.yaxis.type == "log"
    box.log_scale.value = False
    assert box.softmax.layout.yaxis.type == "linear"
    box.digit.value = start


def test_opening_view(res):
    box = widgets.temperature_explorer(res)
    assert box.digit.value == reference.opening_digit(res)
    assert int(res.data.y_test[box.digit.value]) in (4, 9)
    assert box.T.value == 4.0


@pytest.fixture(scope="module")
def losses(res):
    return widgets.loss_explorer(res, T=4.0, gamma=0.9)


def test_T_and_gamma_drive_the_loss_views(losses, res):
    box = losses
    assert [s.description for s in sliders(box)] == ["T", "γ"]
    figs = figure_widgets(box)
    assert figs == [box.curves, box.grid, box.gradients, box.decomposition]
    s = box.states.logits["partly trained"].numpy().astype(np.float64)
    t = res.logits.test.numpy().astype(np.float64)
    y = res.data.y_test.numpy()
    for T, gamma in ((2.0, 0.5), (8.0, 0.25), (4.0, 0.9)):
        box.T.value, box.gamma.value = T, gamma
        soft = np.array([Tk ** 2 * (np_softmax(t, Tk) * (np.log(np_softmax(t, Tk)) - np.log(np_softmax(s, Tk)))).sum(1).mean()
                         for Tk in explore.T_GRID])
        hard = -np.log(np_softmax(s, 1.0)[np.arange(len(y)), y]).mean()
        np.testing.assert_allclose(box.curves.data[0].y, soft, rtol=1e-4)
        np.testing.assert_allclose(box.curves.data[1].y, hard, rtol=1e-4)
        np.testing.assert_allclose(box.curves.data[2].y, gamma * soft + (1 - gamma) * hard, rtol=1e-4)
        assert list(box.curves.data[-1].x) == [T, T]  # the T line
        assert (box.grid.data[1].x, box.grid.data[1].y) == ((T,), (gamma,))
        assert list(box.gradients.data[-1].x) == [T, T] and list(box.decomposition.data[-1].x) == [T, T]
        top = np.asarray(box.decomposition.data[1].y, dtype=float)  # TCKD + (1 − p_t)·NCKD = the soft loss
        np.testing.assert_allclose(top, soft, rtol=1e-4)
        assert f"{gamma:g}" in box.curves.data[2].name
        assert "T = " + f"{T:g}" in box.numbers.value


def test_a_loss_move_shows_what_fresh_figures_show(losses, res):
    box = losses
    box.T.value, box.gamma.value = 6.0, 0.35
    s, t, y = box.states.logits["partly trained"], res.logits.test, res.data.y_test
    from kdviz.maths.darkknowledge import decomposition_curves

    same_data(box.curves, plots.loss_curves_figure(explore.loss_curves(s, t, y, gamma=0.35), 6.0, 0.35))
    same_data(box.grid, plots.loss_heatmap_figure(explore.loss_grid(s, t, y), explore.T_GRID, explore.GAMMA_GRID, 6.0, 0.35))
    same_data(box.gradients, plots.gradient_figure(explore.soft_gradient_norms(s, t, y), 6.0))
    same_data(box.decomposition, plots.decomposition_figure(decomposition_curves(s, t, y, t2=True), 6.0))
    box.scope.value = "digit"  # one image: every view is built again from its row
    i = box.digit_index
    same_data(box.curves, plots.loss_curves_figure(explore.loss_curves(s[i:i + 1], t[i:i + 1], y[i:i + 1], gamma=0.35), 6.0, 0.35))
    box.student.value = "trained"
    s2 = box.states.logits["trained"]
    same_data(box.gradients, plots.gradient_figure(explore.soft_gradient_norms(s2[i:i + 1], t[i:i + 1], y[i:i + 1]), 6.0))
    box.scope.value, box.student.value = "all", "partly trained"


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
    figure = figure_widgets(box)[0]
    assert figure is box.figure and all(len(trace.x) == 0 for trace in figure.data)
    assert box.start()
    assert not box.start()  # a second press while one runs: refused in one line
    assert "already running" in box.status.value and "\n" not in box.status.value
    assert box.join(timeout=120)
    assert [len(trace.x) for trace in figure.data] == [2] * len(figure.data)  # 2 epochs: 2 points on every curve
    assert box.progress.value == box.progress.max == 4
    distilled, baseline = box.results["distilled"], box.results["baseline"]
    assert figure.data[0].y[-1] == pytest.approx(100 * distilled.test_acc)
    assert f"{100 * distilled.test_acc:.1f} %" in box.status.value and f"{100 * baseline.test_acc:.1f} %" in box.status.value
    # the same numbers as the library's own run with that config
    from kdviz.train.loop import train_student

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


def test_chinese_labels(res):
    box = widgets.temperature_explorer(res, lang="zh")
    assert box.image_class.description == "类别" or any("\u4e00" <= ch <= "\u9fff" for ch in box.image_class.description)
    assert any("\u4e00" <= ch <= "\u9fff" for ch in box.softmax.layout.title.text)
    train = widgets.train_live(res, lang="zh")
    assert any("\u4e00" <= ch <= "\u9fff" for ch in train.button.description)


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
    assert list(box.softmax.layout.xaxis.ticktext) == names
    assert list(box.dark_map.layout.yaxis.ticktext) == names
    assert [label for label, _ in box.image_class.options] == names
    assert any(name in box.alike.value for name in names)
    box.T.value = 8.0
    assert list(box.softmax.layout.xaxis.ticktext) == names  # a move keeps the names


def test_only_kdviz_widgets_imports_ipywidgets():
    code = ("import sys, importlib, kdviz\n"
            "from pathlib import Path\n"
            "root = Path(kdviz.__path__[0])\n"
            "names = ['.'.join(('kdviz',) + p.relative_to(root).with_suffix('').parts).removesuffix('.__init__')\n"
            "         for p in sorted(root.rglob('*.py')) if 'widgets' not in p.parts and p.name != '__main__.py']\n"
            "for name in names: importlib.import_module(name)\n"
            "assert 'ipywidgets' not in sys.modules and 'anywidget' not in sys.modules, 'imported ipywidgets'\n"
            "import kdviz.widgets\n"
            "assert 'ipywidgets' in sys.modules and 'streamlit' not in sys.modules\n"
            "print(len(names))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert int(out.stdout.strip()) > 20
