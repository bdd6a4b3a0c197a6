"""Plotly figure builders for the pages' charts that are not T/γ views (those are kdviz.viz.live's). No Streamlit here.

Inputs are the outputs of :mod:`kdviz.maths.explore` and :mod:`kdviz.train.loop`; probabilities are
fractions in the data and on the axes, accuracies percentages on the axes. Every builder
takes ``lang`` ("en" or "zh") for its titles, axes, legend and hover text (:mod:`kdviz.base.i18n`).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from kdviz.base.i18n import tr
from kdviz.viz import style

__all__ = [
    "COLORS",
    "digit_figure",
    "soft_curve_facts",
    "soft_curve_explain",
    "training_figure",
    "refill_training_figure",
    "confusion_figure",
    "per_class_figure",
    "runs_figure",
    "digit_map_figure",
]

COLORS = style.ROLES  # role → colour, the same on every page
DIGITS = [str(d) for d in range(10)]
NAMES = {"teacher": "plots.teacher", "distilled": "plots.distilled", "baseline": "plots.baseline"}  # internal → message key


def _name(name: str, lang: str) -> str:
    """A model's name as shown: the internal names ``teacher``, ``distilled``, ``baseline`` translated, others as given."""
    return tr(NAMES[name], lang) if name in NAMES else name


def _layout(fig: go.Figure, title: str, *, height: int = 340, **kwargs) -> go.Figure:
    """Title, height (px) and margins, in the kdviz template (:mod:`kdviz.viz.style`); ``kwargs`` go to ``update_layout``."""
    settings = dict(title=dict(text=title), height=height, margin=dict(l=10, r=10, t=56, b=10),
                    legend=dict(orientation="h", x=0, y=-0.3, xanchor="left", yanchor="top"))
    fig.update_layout(**{**settings, **kwargs})
    return style.apply(fig)


def digit_figure(image: np.ndarray, title: str = "") -> go.Figure:
    """A 28×28 uint8 image (0 = white paper, 255 = ink) drawn dark on light."""
    img = np.asarray(image).reshape(28, 28)
    fig = go.Figure(go.Heatmap(z=img[::-1], colorscale="Greys", showscale=False, hoverinfo="skip"))
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False, scaleanchor="x")
    return _layout(fig, title, height=220, margin=dict(l=0, r=0, t=30, b=0))


def soft_curve_facts(curves: pd.DataFrame) -> dict:
    """What the soft curve of the Losses view shows, for the text beside it: its first and last points
    (``first`` at ``T_first``, ``last`` at ``T_last``), its highest (``top`` at ``T_top``), nats, and ``trend``:
    "rises" / "falls" (last more than 5 % above / below first) or "level". ``curves``: ``explore.loss_curves``."""
    soft, T = curves["soft"].to_numpy(float), curves["T"].to_numpy(float)
    top = int(np.nanargmax(soft))
    trend = "rises" if soft[-1] > 1.05 * soft[0] else "falls" if soft[-1] < soft[0] / 1.05 else "level"
    return dict(first=float(soft[0]), T_first=float(T[0]), last=float(soft[-1]), T_last=float(T[-1]), top=float(soft[top]),
                T_top=float(T[top]), trend=trend)


SOFT_TRENDS = {"rises": "losses.soft_rises", "falls": "losses.soft_falls", "level": "losses.soft_level"}  # trend → its word


def soft_curve_explain(facts: dict, lang: str = "en") -> str:
    """The Losses text beside the chart (``losses.explain``) on :func:`soft_curve_facts`' figures, in ``lang``."""
    return tr("losses.explain", lang, **{**facts, "trend": tr(SOFT_TRENDS[facts["trend"]], lang)})


def _training_traces(histories: dict[str, pd.DataFrame]):
    """``(name, column, scale)`` of each trace of :func:`training_figure`, in its order."""
    for name in histories:
        yield name, "test_acc", 100.0
        yield name, "total", 1.0
        if name != "baseline":
            yield name, "soft", 1.0
            yield name, "hard", 1.0


def training_figure(histories: dict[str, pd.DataFrame], *, epochs: int | None = None, lang: str = "en") -> go.Figure:
    """Per-epoch test accuracy and losses of several runs (name → history from ``train_student``)."""
    fig = make_subplots(rows=1, cols=2, subplot_titles=(tr("plots.test_acc_axis", lang), tr("plots.train_loss_axis", lang)),
                        horizontal_spacing=0.08)
    what = {"test_acc": "plots.test_acc_short", "total": "plots.total", "soft": "plots.soft", "hard": "plots.hard"}
    for name, column, scale in _training_traces(histories):
        h, color = histories[name], COLORS.get(name, None)
        label = tr("plots.trace", lang, name=_name(name, lang), what=tr(what[column], lang))
        if column == "test_acc":
            fig.add_scatter(x=h["epoch"], y=scale * h[column], mode="lines+markers", name=label, line_color=color,
                            legendgroup=name, row=1, col=1)
        elif column == "total":
            fig.add_scatter(x=h["epoch"], y=h[column], mode="lines+markers", marker_size=4, name=label, line_color=color,
                            legendgroup=name, row=1, col=2)  # markers: a 1-epoch run is a point, not an empty chart
        else:
            fig.add_scatter(x=h["epoch"], y=h[column], mode="lines+markers", marker_size=4, name=label, legendgroup=name, row=1,
                            col=2, line=dict(color=COLORS[column], dash="dot" if column == "soft" else "dash"))
    if epochs:
        fig.update_xaxes(range=[0.5, epochs + 0.5])
    fig.update_xaxes(title=tr("plots.epoch", lang))
    # the legend at the figure's foot (container), below the axis titles: a paper-relative y ran over "epoch" on a phone
    return _layout(fig, "", height=360, legend=dict(orientation="h", x=0, xanchor="left", yref="container", y=0, yanchor="bottom"))


def refill_training_figure(fig: go.Figure, histories: dict[str, pd.DataFrame]) -> bool:
    """Put longer histories of the same runs into a figure made by :func:`training_figure`, in place
    (a training's live chart: ~10× cheaper than building it again). False, unchanged, when the runs differ."""
    traces = list(_training_traces(histories))
    if len(traces) != len(fig.data) or any(t.legendgroup != name for t, (name, _, _) in zip(fig.data, traces)):
        return False
    with fig.batch_update():
        for trace, (name, column, scale) in zip(fig.data, traces):
            h = histories[name]
            trace.x, trace.y = h["epoch"].to_numpy(), scale * h[column].to_numpy()
    return True


def confusion_figure(counts: np.ndarray, title: str | None = None, *, lang: str = "en",
                     classes: Sequence[str] | None = None) -> go.Figure:
    """(10, 10) counts, row = true class, column = predicted; ``classes``: the 10 class names (default the digits)."""
    names = list(classes) if classes is not None else DIGITS
    fig = go.Figure(go.Heatmap(z=counts, x=names, y=names, colorscale="Blues", text=counts, texttemplate="%{text}", showscale=False,
                               hovertemplate=tr("plots.confusion_hover", lang, true="%{y}", pred="%{x}", n="%{z}") + "<extra></extra>"))
    fig.update_xaxes(title=tr("plots.predicted", lang), type="category")
    fig.update_yaxes(title=tr("plots.true", lang), type="category", autorange="reversed")
    return _layout(fig, title if title is not None else tr("plots.confusion_title", lang), height=380)


def per_class_figure(per_class: dict[str, list[float]], *, lang: str = "en", classes: Sequence[str] | None = None) -> go.Figure:
    """Grouped bars of per-class test accuracy (name → 10 fractions); ``classes``: the 10 class names (default the digits)."""
    fig = go.Figure()
    names = list(classes) if classes is not None else DIGITS
    ticks = names  # whole: where ten names do not fit side by side, plotly turns them upright (wrapped ones would collide)
    for name, acc in per_class.items():
        shown = _name(name, lang)
        fig.add_bar(x=ticks, y=[100 * a for a in acc], name=shown, marker_color=COLORS.get(name), customdata=names,
                    hovertemplate=tr("plots.hover_digit" if classes is None else "plots.hover_class", lang, digit="%{customdata}",
                                       value="%{y:.1f} %") + "<extra>" + shown + "</extra>")
    fig.update_xaxes(title=tr("plots.digit" if classes is None else "plots.digit_img", lang), type="category")
    style.accuracy_axis(fig, 100 * min(min(a) for a in per_class.values()), title=tr("plots.test_acc_axis", lang), lang=lang)
    return _layout(fig, tr("plots.per_class_title", lang), barmode="group", legend=style.LEGEND_BELOW,
                   height=340 if classes is None else 440)  # class names may stand upright on a phone: room for them


def runs_figure(runs: pd.DataFrame, *, lang: str = "en") -> go.Figure:
    """Final test accuracy of every run of the session: distilled vs baseline per run id."""
    fig = go.Figure()
    label = runs["run"].astype(str)
    hover = tr("plots.runs_hover", lang, run="%{x}", T="%{customdata[0]}", gamma="%{customdata[1]}", acc="%{y:.1f}")
    fig.add_bar(x=label, y=100 * runs["distilled_acc"], name=tr("plots.distilled", lang), marker_color=COLORS["distilled"],
                customdata=runs[["T", "gamma"]], hovertemplate=hover + "<extra></extra>")
    fig.add_bar(x=label, y=100 * runs["baseline_acc"], name=tr("plots.baseline_g0", lang), marker_color=COLORS["baseline"])
    lo = float(np.nanmin(100 * runs[["distilled_acc", "baseline_acc"]].to_numpy()))
    fig.update_xaxes(title=tr("plots.run", lang), type="category")
    style.accuracy_axis(fig, lo, title=tr("plots.test_acc_axis", lang), lang=lang)
    return _layout(fig, tr("plots.runs_title", lang), barmode="group")


def digit_map_figure(points: np.ndarray, labels: np.ndarray, mine: np.ndarray, T: float, *, lang: str = "en") -> go.Figure:
    """The test digits in 2-D (one colour per class, the class written at its centre) and one digit as a star."""
    palette = ["#0072b2", "#d55e00", "#009e73", "#cc79a7", "#e69f00", "#56b4e9", "#6b6f76", "#a6761d", "#7570b3", "#b8a000"]
    fig = go.Figure()
    for c in range(10):
        xy = points[labels == c]
        fig.add_scatter(x=xy[:, 0], y=xy[:, 1], mode="markers", name=str(c), marker=dict(size=5, color=palette[c], opacity=0.55),
                        hovertemplate=tr("plots.a_test", lang, digit=c) + "<extra></extra>")
        if len(xy):
            cx, cy = np.median(xy, axis=0)
            fig.add_scatter(x=[cx], y=[cy], mode="text", text=[f"<b>{c}</b>"], textfont=dict(size=18, color=style.INK),
                            showlegend=False, hoverinfo="skip")
    fig.add_scatter(x=[mine[0]], y=[mine[1]], mode="markers", name=tr("plots.your_digit", lang),
                    marker=dict(symbol="star", size=22, color="black", line=dict(color="white", width=1.5)),
                    hovertemplate=tr("plots.your_digit", lang) + "<extra></extra>")
    fig.update_xaxes(title=tr("plots.pc1", lang), zeroline=False)
    fig.update_yaxes(title=tr("plots.pc2", lang), zeroline=False)
    return _layout(fig, tr("plots.map_title", lang, T=T), height=460)
