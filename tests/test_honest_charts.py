"""Charts that read honestly (issue 28, item 6): accuracy bars start at 0 or say the axis is cut, log axes
show magnitudes with units, one seed is not called a std, the Lab counts its own tabs, the Losses text quotes
the soft curve it stands beside, and no chart text overlaps, leaves its figure or lies on a line (chromium)."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch
from streamlit.testing.v1 import AppTest

from kdviz.data.datasets import class_names
from kdviz.maths import stats
from kdviz.viz import plots, plots_compress, plots_depth, plots_lab

ROOT = Path(__file__).resolve().parents[1]


def _high(n: int, lo: float = 0.94, hi: float = 0.97) -> list[float]:
    return list(np.linspace(lo, hi, n))


def accuracy_bar_charts(lang: str = "en") -> dict:
    """Every bar chart of accuracies kdviz draws, on accuracies between 94 and 97 % (where a cut axis magnifies)."""
    gens = pd.DataFrame({"generation": [0, 1, 2, 0, 1, 2], "test_acc": _high(6)})
    dkd = pd.DataFrame({"method": ["kd", "dkd"], "beta": [float("nan"), 8.0], "test_acc": [0.95, 0.955], "test_acc_std": [0.002, 0.003],
                        "seeds": [[0, 1], [0, 1]]})
    feats = pd.DataFrame({"method": ["labels", "logits", "hint"], "test_acc": [0.951, 0.958, 0.956], "test_acc_std": [0.002, 0.001, 0.004]})
    chains = pd.DataFrame({"assistant": [64, 32], "assistant_acc": [0.96, 0.95], "student_hidden": [16, 16], "chain_acc": [0.907, 0.909],
                           "chain_std": [0.003, 0.002], "direct_acc": [0.91, 0.91]})
    merge = pd.DataFrame([{"model": m, "digit": d, "acc": 0.95} for m in plots_lab.MERGE_COLOURS for d in range(10)])
    omit = pd.DataFrame({"digit": range(10), "acc": _high(10)})
    runs = pd.DataFrame({"run": [1, 2], "T": [4.0, 2.0], "gamma": [0.9, 0.5], "distilled_acc": [0.955, 0.96], "baseline_acc": [0.95, 0.95]})
    return {
        "per_class_figure": plots.per_class_figure({"teacher": _high(10, 0.97, 0.99), "distilled": _high(10), "baseline": _high(10)}, lang=lang),
        "runs_figure": plots.runs_figure(runs, lang=lang),
        "born_again_figure": plots_lab.born_again_figure(stats.mean_std(gens, "generation", "test_acc"), lang=lang),
        "dkd_figure": plots_lab.dkd_figure(dkd, lang=lang),
        "merge_figure": plots_lab.merge_figure(stats.mean_std(merge, ["model", "digit"], "acc"), lang=lang),
        "omit_per_class_figure": plots_lab.omit_per_class_figure(stats.mean_std(omit, "digit", "acc"), 3, lang=lang),
        "features_figure": plots_depth.features_figure(feats, lang=lang),
        "assistant_figure": plots_depth.assistant_figure(chains, lang=lang),
    }


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_accuracy_bars_start_at_0_or_say_the_axis_is_cut(lang):
    cut_words = {"en": "axis starts at {:g} %", "zh": "坐标轴从 {:g} % 起"}[lang]
    for name, fig in accuracy_bar_charts(lang).items():
        across = fig.data[0].orientation == "h"  # horizontal bars: the accuracy axis is x
        y = fig.layout.xaxis if across else fig.layout.yaxis
        start = y.range[0]
        if start == 0:
            continue
        assert cut_words.format(start) in y.title.text, (name, y.range, y.title.text)  # the axis title says where it starts
        assert y.tick0 == start and (y.range[1] - start) % y.dtick == 0, name  # ... and a tick is there to read
        marks = [s for s in fig.layout.shapes if s.yref == "y domain" and s.ysizemode == "pixel" and s.xsizemode == "pixel"]
        assert len(marks) == 3, name  # the break mark on the axis: two strokes and the gap between them
        bars = [t for t in fig.data if t.type == "bar"]
        assert all(min(t.x if across else t.y) > start for t in bars), name  # no bar hidden below the cut


def test_the_cut_is_a_round_tick_just_under_the_lowest_bar():
    fig = accuracy_bar_charts()["dkd_figure"]
    lowest = 100 * (0.95 - 0.002)
    assert fig.layout.yaxis.range[0] <= lowest - 1 and fig.layout.yaxis.range[0] % fig.layout.yaxis.dtick == 0
    low = pd.DataFrame({"generation": [0, 1], "test_acc": [0.30, 0.35]})  # far apart: from 0
    assert plots_lab.born_again_figure(stats.mean_std(low, "generation", "test_acc")).layout.yaxis.range[0] == 0


def _compare_table(n_seeds: int = 3) -> pd.DataFrame:
    return pd.DataFrame({
        "method": ["teacher", "student", "int8"], "family": ["baseline", "baseline", "quantization"], "base": ["teacher", "student", "student"],
        "params": [100_000, 10_000, 10_000], "size_bytes": [1_700_000, 40_000, 12_000], "sparse_bytes": [1_700_000, 40_000, 12_000],
        "latency_ms_1": [0.9, 0.05, 0.04], "latency_ms_256": [20.0, 1.5, 1.2], "test_acc": [0.98, 0.95, 0.949],
        "test_acc_std": [0.0, 0.002, 0.002] if n_seeds > 1 else [float("nan")] * 3, "n_seeds": [n_seeds] * 3, "sparsity": [0.0] * 3,
        "key": ["plots_compress.m_teacher", "plots_compress.m_student", "plots_compress.m_int8_dynamic"],
        "fields": [{}, {"arch": "MLP 784-8-10"}, {"base": ["plots_compress.student", {}]}],
    })


@pytest.mark.parametrize("x, unit", [("size_bytes", "kB"), ("sparse_bytes", "kB"), ("latency_ms_1", "ms"), ("latency_ms_256", "ms")])
def test_log_axes_tick_labels_carry_magnitudes_and_units(x, unit):
    fig = plots_compress.pareto_figure(_compare_table(), x=x)
    xs = fig.layout.xaxis
    assert xs.type == "log" and xs.ticktext and all(t.endswith(" " + unit) for t in xs.ticktext), xs.ticktext
    values = [float(t.split()[0]) for t in xs.ticktext]
    assert values == pytest.approx(list(xs.tickvals))  # a label says its tick's own magnitude
    drawn = [v for t in fig.data if t.x and t.x[0] is not None for v in t.x]
    assert min(drawn) / 1.3 <= min(xs.tickvals) and max(xs.tickvals) <= 1.3 * max(drawn)  # on the drawn part of the axis
    assert max(xs.tickvals) / min(xs.tickvals) >= 9  # ... and across a decade at least: magnitudes to read the points by
    assert 2 <= len(xs.tickvals) <= 5  # ~50 px each: they fit a phone's axis


def test_rank_curve_log_axes_are_labelled_with_numbers():
    curve = pd.DataFrame({"rank": [1, 2, 4, 8, 16, 32, 64, 128], "test_acc": np.linspace(0.2, 0.95, 8),
                          "params": [1000 * 2 ** k for k in range(8)]})
    fig = plots_compress.rank_curve_figure(curve, rank=16, dense_acc=0.95, dense_params=101_770)
    assert list(fig.layout.xaxis.ticktext) == ["1", "2", "4", "8", "16", "32", "64", "128"]
    assert all(t.replace(",", "").isdigit() for t in fig.layout.yaxis2.ticktext) and len(fig.layout.yaxis2.ticktext) <= 5
    assert not fig.layout.annotations  # the unfactorised student's accuracy is named in the legend, not over the curve
    assert "student, unfactorised" in [t.name for t in fig.data]


def test_one_seed_is_not_called_a_std():
    one = pd.DataFrame({"fraction": [0.1, 1.0], "seed": [0, 0], "distilled_acc": [0.9, 0.95], "baseline_acc": [0.8, 0.95]})
    for lang, words in (("en", "1 seed, so no std"), ("zh", "只有 1 个种子，没有标准差")):
        title = plots_lab.fewer_labels_figure(stats.mean_std(one, "fraction", ["distilled_acc", "baseline_acc"]), lang=lang).layout.title.text
        assert words in title and "±" not in title, title
        title = plots_compress.pareto_figure(_compare_table(1), lang=lang).layout.title.text
        assert words in title and "±" not in title, title
    assert "mean ± std over 3 seeds" in plots_compress.pareto_figure(_compare_table(3)).layout.title.text


def test_the_lab_intro_counts_its_tabs(monkeypatch, tmp_path):
    monkeypatch.setenv("KDVIZ_CACHE_DIR", str(tmp_path))
    at = AppTest.from_file(str(ROOT / "pages" / "4_Lab.py"), default_timeout=60)
    at.run(timeout=60)
    assert not at.exception, at.exception
    n = len(at.tabs)
    assert n == 9  # the tabs of pages/4_Lab.py
    intro = next(m.value for m in at.markdown if "experiments on what distillation" in m.value)
    assert intro.startswith(f"{n} experiments") and "Six" not in intro


def _soft(s: torch.Tensor, t: torch.Tensor, T: float) -> float:
    """T²·KL(teacher_T ‖ student_T), the batch mean in nats, written out here (not kdviz.maths.losses)."""
    p, log_q = torch.softmax(t / T, dim=1), torch.log_softmax(s / T, dim=1)
    return float(T * T * (p * (torch.log(p) - log_q)).sum(1).mean())


def test_the_losses_text_quotes_the_soft_curve_beside_it(res):
    at = AppTest.from_file(str(ROOT / "pages" / "2_Losses.py"), default_timeout=120)
    at.run(timeout=120)
    assert not at.exception, at.exception
    from kdviz.maths import explore
    from kdviz.train import reference

    states = reference.student_states(res)
    s, t = states.logits["partly trained"], res.logits.test  # the page's default student, over all test digits
    first, last = _soft(s, t, float(explore.T_GRID[0])), _soft(s, t, float(explore.T_GRID[-1]))
    text = next(m.value for m in at.markdown if m.value.startswith("The **hard** loss"))
    assert "undoes" not in text
    assert f"{first:.3g} at T = {explore.T_GRID[0]:g}" in text and f"{last:.3g} at T = {explore.T_GRID[-1]:g}" in text, text
    assert ("rises" if last > first else "falls") in text


# ---------------------------------------------------------------- drawn in chromium, each figure alone

from browser import needs_browser  # noqa: E402


@pytest.fixture(scope="module")
def chart_page():
    from browser import launch
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = launch(p)
        yield b.new_page(viewport={"width": 1280, "height": 900})
        b.close()


def drawn_figures(lang: str) -> dict:
    """Figures whose pages need a trained run (per-class Fashion-MNIST names) or that carry reference lines."""
    rng = np.random.default_rng(0)
    curves = pd.DataFrame({"bias": np.arange(0, 10.25, 0.25), "omitted_acc": np.linspace(0.2, 1.0, 41), "acc": np.linspace(0.88, 0.8, 41)})
    fewer = pd.DataFrame({"fraction": [0.01, 0.01, 0.1, 0.1, 1.0, 1.0], "seed": [0, 1] * 3,
                          "distilled_acc": [0.95, 0.94, 0.96, 0.96, 0.97, 0.97], "baseline_acc": [0.6, 0.65, 0.86, 0.87, 0.96, 0.96]})
    gens = pd.DataFrame({"generation": [0, 1, 2, 3], "test_acc": [0.942, 0.938, 0.936, 0.937]})
    fashion = {name: list(0.6 + 0.38 * rng.random(10)) for name in ("teacher", "distilled", "baseline")}
    return {
        "per_class Fashion": plots.per_class_figure(fashion, lang=lang, classes=class_names("fashion-mnist", lang)),
        "bias": plots_lab.bias_figure(stats.mean_std(curves, "bias", ["omitted_acc", "acc"]), 3, bias=0.0, best_bias=4.83, lang=lang),
        "fewer labels": plots_lab.fewer_labels_figure(stats.mean_std(fewer, "fraction", ["distilled_acc", "baseline_acc"]),
                                                      teacher_acc=0.981, lang=lang),
        "born again": plots_lab.born_again_figure(stats.mean_std(gens, "generation", "test_acc"), lang=lang),
        **{f"bars {name}": fig for name, fig in accuracy_bar_charts(lang).items()},
    }


@needs_browser()
@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("width", [358, 560])  # a phone's full width; half of a 1280 px page (two charts side by side)
def test_figure_text_apart_inside_and_off_the_lines(chart_page, lang, width):
    from layout_checks import figure_problems

    problems = {name: figure_problems(chart_page, fig, width) for name, fig in drawn_figures(lang).items()}
    assert not any(problems.values()), {k: v for k, v in problems.items() if v}
