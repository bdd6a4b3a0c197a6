"""Plotly figure builders for the explorer's pages and the notebook. No Streamlit here.

Inputs are the outputs of :mod:`kdviz.maths.explore` and :mod:`kdviz.train.loop`; probabilities are
fractions in the data and on the axes, accuracies percentages on the axes. Every builder
takes ``lang`` ("en" or "zh") for its titles, axes, legend and hover text (:mod:`kdviz.base.i18n`).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import torch
from plotly.subplots import make_subplots

from kdviz.base.i18n import tr
from kdviz.maths.losses import soften
from kdviz.viz import style

__all__ = [
    "COLORS",
    "digit_figure",
    "logits_figure",
    "softmax_figure",
    "entropy_figure",
    "dark_knowledge_figure",
    "loss_curves_figure",
    "soft_curve_facts",
    "soft_curve_explain",
    "loss_heatmap_figure",
    "gradient_figure",
    "decomposition_figure",
    "training_figure",
    "refill_training_figure",
    "confusion_figure",
    "per_class_figure",
    "runs_figure",
    "compare_figure",
    "digit_map_figure",
    "Update",
    "softmax_update",
    "entropy_update",
    "dark_knowledge_update",
    "loss_curves_update",
    "loss_heatmap_update",
    "T_mark_update",
]

# What a move of T or γ changes in a figure built here: trace index (-1: the last) → that trace's new
# properties, and "layout" → layout properties (plotly's magic underscores). A live view (kdviz.widgets)
# applies it to the figure in place; the builders make their T- and γ-dependent parts with the same functions.
Update = dict

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


T_TICKS = [0.5, 1, 2, 4, 8, 16]


def _mark_T(fig: go.Figure, T: float, y_values, *, log_y: bool = False, lang: str = "en") -> None:
    """A dotted vertical line at T spanning ``y_values``' range, as a trace (shapes misplace on log axes)."""
    y = np.asarray(y_values, dtype=float)
    y = y[np.isfinite(y) & ((y > 0) if log_y else True)]
    lo, hi = (float(y.min()), float(y.max())) if y.size else (0.0, 1.0)
    if not log_y:
        lo = min(lo, 0.0)
    fig.add_scatter(y=[lo, hi], mode="lines+text", textposition="bottom right", **T_mark_update(T)[-1],
                    line=dict(color=style.MUTED, dash="dot", width=1.5), showlegend=False, hoverinfo="skip",
                    name=tr("plots.chosen_T", lang))  # the label hangs below the line's top: inside the plot area


def T_mark_update(T: float) -> Update:
    """The dotted line at T that :func:`loss_curves_figure`, :func:`gradient_figure` and :func:`decomposition_figure`
    draw last: a move of T moves it (its height spans the curves, which T does not change)."""
    return {-1: dict(x=[T, T], text=["", f" T = {T:g}"])}


def _log_T_axis(fig: go.Figure, lang: str = "en") -> None:
    fig.update_xaxes(title=tr("plots.T_log_axis", lang), type="log", tickvals=T_TICKS, ticktext=[f"{t:g}" for t in T_TICKS])


def digit_figure(image: np.ndarray, title: str = "") -> go.Figure:
    """A 28×28 uint8 image (0 = white paper, 255 = ink) drawn dark on light."""
    img = np.asarray(image).reshape(28, 28)
    fig = go.Figure(go.Heatmap(z=img[::-1], colorscale="Greys", showscale=False, hoverinfo="skip"))
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False, scaleanchor="x")
    return _layout(fig, title, height=220, margin=dict(l=0, r=0, t=30, b=0))


def logits_figure(logits: torch.Tensor, title: str | None = None, *, lang: str = "en") -> go.Figure:
    """Bars of one row of 10 logits."""
    z = logits.detach().reshape(-1).tolist()
    fig = go.Figure(go.Bar(x=DIGITS, y=z, marker_color=COLORS["teacher"],
                           hovertemplate=tr("plots.hover_digit", lang, digit="%{x}", value="z = %{y:.2f}") + "<extra></extra>"))
    fig.update_xaxes(title=tr("plots.digit", lang), type="category")
    fig.update_yaxes(title=tr("plots.logit", lang))
    return _layout(fig, title if title is not None else tr("plots.logits_title", lang))


def softmax_figure(logits: torch.Tensor, T: float, *, log_y: bool = False, title: str | None = None,
                   lang: str = "en") -> go.Figure:
    """softmax(z) beside softmax(z / T) for one row of logits (traces named ``T = 1`` and ``T = …``)."""
    fig = go.Figure()
    fig.add_bar(x=DIGITS, marker_color=COLORS["T = 1"], **_softmax_bars(logits, 1.0, lang))
    fig.add_bar(x=DIGITS, marker_color=COLORS["soft"], **_softmax_bars(logits, T, lang))
    fig.update_xaxes(title=tr("plots.digit", lang), type="category")
    fig.update_yaxes(title=tr("plots.probability", lang), type="log" if log_y else "linear", range=None if log_y else [0, 1])
    return _layout(fig, title or tr("plots.softmax_title", lang, T=T), barmode="group")


def _softmax_bars(logits: torch.Tensor, T: float, lang: str) -> dict:
    """softmax(z / T) bars' heights (fractions), name and hover text, for one row of logits."""
    p = soften(logits.detach().reshape(1, -1).float(), float(T))[0].tolist()
    return dict(y=p, name=f"T = {T:g}", hovertemplate=tr("plots.hover_digit", lang, digit="%{x}", value="p = %{y:.4f}")
                + "<extra>T = " + f"{T:g}" + "</extra>")


def softmax_update(logits: torch.Tensor, T: float, *, lang: str = "en") -> Update:
    """What T changes in :func:`softmax_figure` (without its own ``title``): the bars at T and the title."""
    return {1: _softmax_bars(logits, T, lang), "layout": {"title_text": tr("plots.softmax_title", lang, T=T)}}


def entropy_figure(curve: pd.DataFrame, T: float, *, current: float | None = None, lang: str = "en") -> go.Figure:
    """Entropy (bits) against T on a log axis, with the chosen T marked; ``curve`` from ``explore.entropy_curve``."""
    bits = tr("plots.bits", lang, value="%{y:.2f}")
    fig = go.Figure(go.Scatter(x=curve["T"], y=curve["entropy_bits"], mode="lines", name=tr("plots.entropy", lang),
                               line_color=COLORS["soft"], hovertemplate="T = %{x:.2f}: " + bits + "<extra></extra>"))
    if current is not None:
        fig.add_scatter(mode="markers", marker=dict(size=11, color=COLORS["total"]), hovertemplate=bits + "<extra></extra>",
                        **entropy_update(T, current)[1])
    fig.add_hline(y=np.log2(10), line_dash="dot", line_color=style.MUTED, annotation_text=tr("plots.uniform", lang),
                  annotation_position="bottom right")
    _log_T_axis(fig, lang)
    fig.update_yaxes(title=tr("plots.entropy_axis", lang), range=[0, 3.5])
    return _layout(fig, tr("plots.entropy_title", lang), showlegend=False)


def entropy_update(T: float, current: float) -> Update:
    """What T changes in :func:`entropy_figure` drawn with ``current``: the marker at (T, current bits)."""
    return {1: dict(x=[T], y=[current], name=f"T = {T:g}")}


def _dk_cells(matrix: np.ndarray, hide_diagonal: bool) -> dict:
    """The map's colours (the diagonal NaN when hidden) and the hover's 3-decimal text of every cell."""
    m = np.array(matrix, dtype=float)
    shown = m.copy()
    if hide_diagonal:
        np.fill_diagonal(shown, np.nan)
    return dict(z=shown, customdata=np.vectorize(lambda v: f"{v:.3f}")(m))


def _dk_title(T: float, hide_diagonal: bool, lang: str) -> str:
    return tr("plots.dk_title", lang, T=T, hidden=tr("plots.dk_hidden", lang) if hide_diagonal else "")


def dark_knowledge_update(matrix: np.ndarray, T: float, *, hide_diagonal: bool = True, lang: str = "en") -> Update:
    """What T changes in :func:`dark_knowledge_figure`: the cells (``matrix`` at the new T) and the title."""
    return {0: _dk_cells(matrix, hide_diagonal), "layout": {"title_text": _dk_title(T, hide_diagonal, lang)}}


def dark_knowledge_figure(matrix: np.ndarray, T: float, *, hide_diagonal: bool = True, lang: str = "en") -> go.Figure:
    """The (10, 10) map of ``explore.dark_knowledge_map``; with ``hide_diagonal`` the colour scale shows the small off-diagonal mass."""
    fig = go.Figure(go.Heatmap(
        x=DIGITS, y=DIGITS, colorscale="Magma_r", colorbar=dict(title="p"), **_dk_cells(matrix, hide_diagonal),
        hovertemplate=tr("plots.dk_hover", lang, true="%{y}", other="%{x}", p="%{customdata}") + "<extra></extra>",
        hoverongaps=False,
    ))
    fig.update_xaxes(title=tr("plots.dk_x", lang), type="category", side="bottom")
    fig.update_yaxes(title=tr("plots.true_digit", lang), type="category", autorange="reversed", scaleanchor="x")
    return _layout(fig, _dk_title(T, hide_diagonal, lang), height=460)


def loss_curves_figure(curves: pd.DataFrame, T: float, gamma: float, *, lang: str = "en") -> go.Figure:
    """Soft, hard and total loss against T (log axis) with the chosen T marked; ``curves`` from ``explore.loss_curves``."""
    fig = go.Figure()
    labels = {"soft": tr("plots.soft_formula", lang), "hard": tr("plots.hard_formula", lang),
              "total": _total_label(gamma, lang)}
    short = {"soft": tr("plots.soft", lang), "hard": tr("plots.hard", lang), "total": tr("plots.total", lang)}
    for name in ("soft", "hard", "total"):
        fig.add_scatter(x=curves["T"], y=curves[name], mode="lines", name=labels[name], line_color=COLORS[name],
                        line_width=3 if name == "total" else 2,
                        hovertemplate="T = %{x:.2f}: %{y:.3f}<extra>" + short[name] + "</extra>")
    _mark_T(fig, T, curves[["soft", "hard", "total"]].to_numpy().ravel(), lang=lang)
    _log_T_axis(fig, lang)
    fig.update_yaxes(title=tr("plots.loss_axis", lang), rangemode="tozero")
    return _layout(fig, tr("plots.loss_title", lang), height=360)


def soft_curve_facts(curves: pd.DataFrame) -> dict:
    """What the soft curve of :func:`loss_curves_figure` shows, for the text beside it: its first and last points
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


def _total_label(gamma: float, lang: str) -> str:
    return tr("plots.total_formula", lang, gamma=gamma, rest=1 - gamma)


def loss_curves_update(curves: pd.DataFrame, T: float, gamma: float, *, lang: str = "en") -> Update:
    """What T and γ change in :func:`loss_curves_figure`: the total curve (``curves`` at the new γ) and the T line.
    The line's height stays right: the total lies between the soft and hard curves, which γ does not change."""
    return {2: dict(y=curves["total"], name=_total_label(gamma, lang)), **T_mark_update(T)}


def loss_heatmap_update(T: float, gamma: float) -> Update:
    """What T and γ change in :func:`loss_heatmap_figure`: the marker."""
    return {1: dict(x=[T], y=[gamma])}


def loss_heatmap_figure(grid: np.ndarray, temperatures, gammas, T: float, gamma: float, *, lang: str = "en") -> go.Figure:
    """Total loss on the γ × T grid of ``explore.loss_grid``, the chosen (T, γ) marked."""
    fig = go.Figure(go.Heatmap(z=grid, x=list(temperatures), y=list(gammas), colorscale="Viridis_r",  # dark = high loss
                               colorbar=dict(title=tr("plots.total", lang)),
                               hovertemplate="T = %{x:.2f}, γ = %{y:.2f}: %{z:.3f}<extra></extra>"))
    fig.add_scatter(mode="markers", marker=dict(symbol="x", size=15, color="white", line=dict(width=1.5, color=style.INK)),
                    name=tr("plots.chosen", lang), hoverinfo="skip", **loss_heatmap_update(T, gamma)[1])
    _log_T_axis(fig, lang)
    fig.update_yaxes(title=tr("plots.gamma_axis", lang))
    return _layout(fig, tr("plots.heatmap_title", lang), height=360, showlegend=False)


def gradient_figure(grads: pd.DataFrame, T: float, *, lang: str = "en") -> go.Figure:
    """‖∂soft/∂z‖ with and without the T² factor and ‖∂hard/∂z‖ against T (log–log)."""
    fig = go.Figure()
    for col, name, color, dash in (("grad_soft_T2", tr("plots.grad_soft_T2", lang), COLORS["soft"], None),
                                   ("grad_soft_plain", tr("plots.grad_soft_plain", lang), COLORS["soft"], "dash"),
                                   ("grad_hard", tr("plots.hard", lang), COLORS["hard"], None)):
        fig.add_scatter(x=grads["T"], y=grads[col], mode="lines", name=name, line=dict(color=color, dash=dash),
                        hovertemplate="T = %{x:.2f}: %{y:.3g}<extra>" + name + "</extra>")
    _mark_T(fig, T, grads[["grad_soft_T2", "grad_soft_plain", "grad_hard"]].to_numpy().ravel(), log_y=True, lang=lang)
    _log_T_axis(fig, lang)
    fig.update_yaxes(title=tr("plots.grad_axis", lang), type="log", exponentformat="power")
    return _layout(fig, tr("plots.grad_title", lang), height=360)


def decomposition_figure(curves: pd.DataFrame, T: float, *, lang: str = "en") -> go.Figure:
    """The soft loss T²·KL stacked as T²·TCKD + T²·(1 − p_t)·NCKD against T (log axis), the chosen T marked.

    ``curves``: :func:`kdviz.maths.darkknowledge.decomposition_curves` with ``t2=True`` (nats); the top of the
    stack is the soft loss of :func:`loss_curves_figure`. The Losses page draws the same view in the browser.
    """
    fig = go.Figure()
    for column, name, color, fill in (("tckd", "plots.tckd", COLORS["baseline"], "tozeroy"),
                                      ("kd", "plots.nckd", COLORS["soft"], "tonexty")):
        fig.add_scatter(x=curves["T"], y=curves[column], mode="lines", name=tr(name, lang), line_color=color, fill=fill,
                        hovertemplate="T = %{x:.2f}: %{y:.3f}<extra>" + tr(name, lang) + "</extra>")
    _mark_T(fig, T, curves[["tckd", "kd"]].to_numpy().ravel(), lang=lang)
    _log_T_axis(fig, lang)
    fig.update_yaxes(title=tr("plots.loss_axis", lang), rangemode="tozero")
    return _layout(fig, tr("losses.dk_title", lang), height=360)


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


def compare_figure(rows: dict[str, torch.Tensor], T: float, *, title: str | None = None, lang: str = "en") -> go.Figure:
    """softmax(z / T) of several models for one digit (name → (10,) logits), as grouped bars.

    The name ``teacher`` (and ``distilled``, ``baseline``) is shown translated, with its colour; other names as given.
    """
    fig = go.Figure()
    for name, z in rows.items():
        p = soften(z.detach().reshape(1, -1).float(), T)[0].tolist()
        shown = _name(name, lang)
        fig.add_bar(x=DIGITS, y=p, name=shown, marker_color=COLORS.get(name.split()[0]),
                    hovertemplate=tr("plots.hover_digit", lang, digit="%{x}", value="p = %{y:.4f}") + "<extra>" + shown + "</extra>")
    fig.update_xaxes(title=tr("plots.digit", lang), type="category")
    fig.update_yaxes(title=tr("plots.probability", lang), range=[0, 1])
    return _layout(fig, title or tr("plots.compare_title", lang, T=T), barmode="group")


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
