"""Plotly figure builders for the distillation lab (``pages/4_Lab.py``). No Streamlit here.

Every builder takes the summaries of :func:`kdviz.maths.stats.mean_std` (or
:func:`kdviz.train.sweep.summarise_sweep`): means with sample stds over seeds, drawn as error
bars or bands. Accuracies are fractions in the data and percentages on the axes. Every
builder takes ``lang`` ("en" or "zh") for its titles, axes, legend and annotations
(:mod:`kdviz.base.i18n`); the data name its arms and models by id (:data:`kdviz.lab.ARMS`,
:data:`kdviz.lab.MODELS`), each shown through its message key here.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from kdviz.base.i18n import tr
from kdviz.viz import style

__all__ = [
    "fewer_labels_figure",
    "born_again_figure",
    "snapshot_figure",
    "merge_figure",
    "omit_per_class_figure",
    "bias_figure",
    "sweep_heatmap",
    "dkd_figure",
]

DISTILLED, LABELS, TEACHER = style.ROLES["distilled"], style.ROLES["baseline"], style.ROLES["teacher"]  # one colour per role
HIGHLIGHT = style.INK  # the one thing the text points at (the omitted digit): black beside the vermillion bars
_LAYOUT = dict(height=380, margin=dict(l=10, r=10, t=50, b=10), legend=style.LEGEND_BELOW, hovermode="x unified")


def _pct(v) -> np.ndarray:
    return 100.0 * np.asarray(v, dtype=float)


def _err(std) -> dict:
    return dict(type="data", array=_pct(pd.Series(std).fillna(0.0)), visible=True)


def _room(x: float, lo: float, hi: float) -> str:
    """``"right"`` or ``"left"``: the side of a vertical line at ``x`` (axis from ``lo`` to ``hi``) with more room
    for its label, so that the label stays inside the plot area."""
    return "left" if x > (lo + hi) / 2 else "right"


def _seeds(n: int, lang: str) -> str:
    """``1 seed`` / ``3 seeds``."""
    return tr("plots_lab.seeds", lang, n=n)


def _spread(n: int, lang: str) -> str:
    """``mean ± std over 3 seeds``, or for one seed that it has no std."""
    return tr("plots_lab.spread_single", lang) if n == 1 else tr("plots_lab.spread", lang, seeds=_seeds(n, lang))


def fewer_labels_figure(summary: pd.DataFrame, *, teacher_acc: float | None = None, lang: str = "en") -> go.Figure:
    """Test accuracy vs label fraction (log x axis), distilled and labels-only.

    ``summary``: ``mean_std(df, "fraction", ["distilled_acc", "baseline_acc"])``.
    """
    s = summary.sort_values("fraction")
    x = _pct(s["fraction"])
    fig = go.Figure()
    for col, name, short, colour in (
        ("distilled_acc", tr("plots_lab.distilled_long", lang), tr("plots_lab.distilled", lang), DISTILLED),
        ("baseline_acc", tr("plots_lab.labels_only_long", lang), tr("plots_lab.labels_only", lang), LABELS),
    ):
        fig.add_scatter(x=x, y=_pct(s[f"{col}_mean"]), error_y=_err(s[f"{col}_std"]), mode="lines+markers", name=name,
                        line=dict(color=colour), hovertemplate="%{y:.1f} %<extra>" + short + "</extra>")
    if teacher_acc is not None:
        line = dict(color=TEACHER, dash="dot")  # named in the legend: a label on the plot would sit on the error bars
        fig.add_hline(y=100 * teacher_acc, line=line)
        fig.add_scatter(x=[None], y=[None], mode="lines", name=tr("plots_lab.teacher", lang), line=line, hoverinfo="skip")
    n = int(s["n"].max()) if len(s) else 0
    fig.update_layout(title=tr("plots_lab.fewer_title", lang, spread=_spread(n, lang)), **_LAYOUT)
    fig.update_xaxes(type="log", title=tr("plots_lab.fewer_x", lang), tickvals=x, ticktext=[f"{v:g}%" for v in x])
    fig.update_yaxes(title=tr("plots_lab.test_acc", lang))
    return style.apply(fig)


def born_again_figure(summary: pd.DataFrame, *, lang: str = "en") -> go.Figure:
    """Test accuracy per born-again generation. ``summary``: ``mean_std(df, "generation", "test_acc")``."""
    s = summary.sort_values("generation")
    labels = [tr("plots_lab.gen0", lang)] + [tr("plots_lab.gen_k", lang, g=g, prev=g - 1) for g in s["generation"].iloc[1:]]
    labels = [style.wrap(label, 8) for label in labels]  # "1: taught by 0" on two lines: upright, apart in half a page
    fig = go.Figure(go.Bar(x=labels, y=_pct(s["test_acc_mean"]), error_y=_err(s["test_acc_std"]),
                           marker_color=[LABELS] + [DISTILLED] * (len(s) - 1), hovertemplate="%{y:.2f} %<extra></extra>"))
    lo = float(np.nanmin(_pct(s["test_acc_mean"] - s["test_acc_std"].fillna(0.0)))) if len(s) else 0.0
    n = int(s["n"].max()) if len(s) else 0
    fig.update_layout(title=tr("plots_lab.born_again_title", lang, seeds=_seeds(n, lang)), **{**_LAYOUT, "hovermode": "closest"})
    style.accuracy_axis(fig, lo, title=tr("plots_lab.test_acc", lang), lang=lang)
    fig.update_xaxes(title=tr("plots_lab.generation", lang))
    return style.apply(fig)


ARM_NAMES = {"phase1": "plots_lab.phase1", "labels_only": "plots_lab.labels_only", "self_distilled": "plots_lab.self_distilled"}
ARM_COLOURS = {"phase1": TEACHER, "labels_only": LABELS, "self_distilled": DISTILLED}  # arm id → colour (phase 1's snapshot teaches)


def snapshot_figure(summary: pd.DataFrame, switch_epoch: int, *, lang: str = "en") -> go.Figure:
    """Test accuracy per epoch for the snapshot variant, one line per arm with a ± std band.

    ``summary``: ``mean_std(df, ["arm", "epoch"], "test_acc")`` of :func:`kdviz.lab.snapshot_self_distill`.
    """
    fig = go.Figure()
    start = summary[(summary["arm"] == "phase1") & (summary["epoch"] == switch_epoch)]
    for arm, colour in ARM_COLOURS.items():
        s = summary[summary["arm"] == arm].sort_values("epoch")
        if s.empty:
            continue
        if arm != "phase1":  # both arms start from the snapshot's weights: join them to phase 1
            s = pd.concat([start, s])
        m, sd = _pct(s["test_acc_mean"]), _pct(s["test_acc_std"].fillna(0.0))
        fig.add_scatter(x=np.r_[s["epoch"], s["epoch"][::-1]], y=np.r_[m + sd, (m - sd)[::-1]], fill="toself", fillcolor=colour,
                        opacity=0.15, line=dict(width=0), hoverinfo="skip", showlegend=False)
        fig.add_scatter(x=s["epoch"], y=m, mode="lines", name=tr(ARM_NAMES[arm], lang), line=dict(color=colour),
                        hovertemplate="%{y:.2f} %")
    epochs = summary["epoch"] if len(summary) else pd.Series([switch_epoch])
    fig.add_vline(x=switch_epoch, line=dict(color=TEACHER, dash="dash"), annotation_text=tr("plots_lab.snapshot_taken", lang),
                  annotation_position="top " + _room(switch_epoch, float(epochs.min()), float(epochs.max())))
    fig.update_layout(title=tr("plots_lab.snapshot_title", lang), **_LAYOUT)
    fig.update_xaxes(title=tr("plots_lab.epoch", lang))
    fig.update_yaxes(title=tr("plots_lab.test_acc", lang))
    return style.apply(fig)


MERGE_COLOURS = {"teacher_a": TEACHER, "teacher_b": "#a9b0bb", "concat": "#3d4148",  # the teachers in greys
                 "merged": DISTILLED, "joint": LABELS}  # model id → colour
MERGE_NAMES = {"teacher_a": "plots_lab.teacher_a", "teacher_b": "plots_lab.teacher_b", "concat": "plots_lab.concat",
               "merged": "plots_lab.merged", "joint": "plots_lab.joint"}  # model id → message key


def merge_figure(summary: pd.DataFrame, *, lang: str = "en") -> go.Figure:
    """Per-digit test accuracy of each model, grouped bars.

    ``summary``: ``mean_std(per_class, ["model", "digit"], "acc")`` of :func:`kdviz.lab.merge_teachers`.
    """
    fig = go.Figure()
    for model, colour in MERGE_COLOURS.items():
        s = summary[summary["model"] == model].sort_values("digit")
        if s.empty:
            continue
        fig.add_bar(x=s["digit"].astype(str), y=_pct(s["acc_mean"]), error_y=_err(s["acc_std"]), name=tr(MERGE_NAMES[model], lang),
                    marker_color=colour, hovertemplate="%{y:.1f} %")
    fig.update_layout(title=tr("plots_lab.merge_title", lang), barmode="group", **_LAYOUT)
    fig.update_xaxes(title=tr("plots_lab.true_digit", lang), type="category")
    fig.update_yaxes(title=tr("plots_lab.test_acc", lang), range=[0, 101])
    return style.apply(fig)


def omit_per_class_figure(summary: pd.DataFrame, omitted: int, *, bias: float = 0.0, lang: str = "en") -> go.Figure:
    """Per-digit test accuracy of the student that never saw ``omitted``. ``summary``: ``mean_std(per_class, "digit", "acc")``."""
    s = summary.sort_values("digit")
    colours = [HIGHLIGHT if d == omitted else DISTILLED for d in s["digit"]]
    fig = go.Figure(go.Bar(x=s["digit"].astype(str), y=_pct(s["acc_mean"]), error_y=_err(s["acc_std"]), marker_color=colours,
                           hovertemplate="%{y:.1f} %<extra></extra>"))
    n = int(s["n"].max()) if len(s) else 0
    fig.update_layout(title=tr("plots_lab.omit_title", lang, bias=bias, seeds=_seeds(n, lang)),
                      **{**_LAYOUT, "hovermode": "closest"})
    fig.update_xaxes(title=tr("plots_lab.omit_x", lang, digit=omitted), type="category")
    fig.update_yaxes(title=tr("plots_lab.test_acc", lang), range=[0, 101])
    return style.apply(fig)


def bias_figure(summary: pd.DataFrame, omitted: int, *, bias: float, best_bias: float | None = None,
                lang: str = "en") -> go.Figure:
    """The omitted digit's and all digits' test accuracy as a bias is added to its logit.

    ``summary``: ``mean_std(curves, "bias", ["omitted_acc", "acc"])`` of :func:`kdviz.lab.omit_class`.
    """
    s = summary.sort_values("bias")
    fig = go.Figure()
    for col, name, colour in (("omitted_acc", tr("plots_lab.digit_n", lang, digit=omitted), HIGHLIGHT),
                              ("acc", tr("plots_lab.all_digits", lang), DISTILLED)):
        m, sd = _pct(s[f"{col}_mean"]), _pct(s[f"{col}_std"].fillna(0.0))
        fig.add_scatter(x=np.r_[s["bias"], s["bias"][::-1]], y=np.r_[m + sd, (m - sd)[::-1]], fill="toself", fillcolor=colour,
                        opacity=0.15, line=dict(width=0), hoverinfo="skip", showlegend=False)
        fig.add_scatter(x=s["bias"], y=m, mode="lines", name=name, line=dict(color=colour), hovertemplate="%{y:.1f} %")
    marks = [(bias, tr("plots_lab.slider", lang, bias=bias), dict(color=style.INK))]
    if best_bias is not None:
        marks.append((best_bias, tr("plots_lab.best_bias", lang, bias=best_bias), dict(color=style.MUTED, dash="dash")))
    for x, name, line in marks:  # each line named in the legend: a label in the plot would lie across the curves
        fig.add_vline(x=x, line=line)
        fig.add_scatter(x=[None], y=[None], mode="lines", name=name, line=line, hoverinfo="skip")
    fig.update_layout(title=tr("plots_lab.bias_title", lang, digit=omitted), **_LAYOUT)
    fig.update_xaxes(title=tr("plots_lab.bias_x", lang, digit=omitted))
    fig.update_yaxes(title=tr("plots_lab.test_acc", lang), range=[0, 101])
    return style.apply(fig)


def sweep_heatmap(cells: pd.DataFrame, *, lang: str = "en") -> go.Figure:
    """Mean test accuracy over (T, γ), the std and seed count on hover. ``cells``: :func:`kdviz.train.sweep.summarise_sweep`."""
    mean = cells.pivot(index="gamma", columns="T", values="test_acc_mean").sort_index()
    std = cells.pivot(index="gamma", columns="T", values="test_acc_std").reindex_like(mean)
    n = cells.pivot(index="gamma", columns="T", values="n").reindex_like(mean)
    xs = [f"{t:g}" for t in mean.columns]
    ys = [f"{g:g}" for g in mean.index]
    custom = np.dstack([_pct(std.fillna(np.nan).to_numpy()), n.to_numpy(dtype=float)])
    fig = go.Figure(go.Heatmap(
        z=_pct(mean.to_numpy()), x=xs, y=ys, customdata=custom, colorscale="Viridis_r", colorbar=dict(title=tr("plots_lab.acc_pct", lang)),
        text=[[f"{v:.1f}" for v in row] for row in _pct(mean.to_numpy())], texttemplate="%{text}", textfont=dict(size=style.FONT_PX),
        hovertemplate=tr("plots_lab.sweep_hover", lang, T="%{x}", gamma="%{y}", acc="%{z:.2f}", std="%{customdata[0]:.2f}",
                         n="%{customdata[1]}") + "<extra></extra>",
    ))
    fig.update_layout(title=tr("plots_lab.sweep_title", lang), height=420, margin=dict(l=10, r=10, t=50, b=10))
    fig.update_xaxes(title=tr("plots_lab.temperature", lang), type="category")
    fig.update_yaxes(title=tr("plots_lab.gamma", lang), type="category")
    return style.apply(fig)


def dkd_figure(rows: pd.DataFrame, *, lang: str = "en") -> go.Figure:
    """Test accuracy of KD and of DKD at each β (mean ± sample std over seeds). ``rows``: :func:`kdviz.lab.dkd.dkd_compare`."""
    labels = [style.wrap(tr("plots_lab.dkd_kd", lang) if m == "kd" else tr("plots_lab.dkd_beta", lang, beta=b), 5)  # "DKD<br>β = 2"
              for m, b in zip(rows["method"], rows["beta"])]
    colours = [DISTILLED if m == "kd" else style.ROLES["other"] for m in rows["method"]]
    fig = go.Figure(go.Bar(x=labels, y=_pct(rows["test_acc"]), error_y=_err(rows["test_acc_std"]), marker_color=colours,
                           hovertemplate="%{y:.2f} %<extra></extra>"))
    lo = float(np.nanmin(_pct(rows["test_acc"] - rows["test_acc_std"].fillna(0.0)))) if len(rows) else 0.0
    n = len(rows["seeds"].iloc[0]) if len(rows) else 0
    fig.update_layout(title=tr("plots_lab.dkd_title", lang, seeds=_seeds(n, lang)), **{**_LAYOUT, "hovermode": "closest"})
    style.accuracy_axis(fig, lo, title=tr("plots_lab.test_acc", lang), lang=lang)
    fig.update_xaxes(title=tr("plots_lab.dkd_x", lang))
    return style.apply(fig)


def divergence_figure(rows: pd.DataFrame, names: dict[str, str], *, lang: str = "en") -> go.Figure:
    """Test accuracy of each soft term (mean ± sample std over seeds) as horizontal bars (eight names read on a phone),
    forward KL (the reference) in the distilled student's colour and at the top, labels only in the baseline's.
    ``rows``: :func:`kdviz.lab.divergences.divergence_compare` (or its shipped JSON's frame); ``names``: arm → its name."""
    labels = [names[a] for a in rows["arm"]]
    colours = [DISTILLED if a == "fkl" else style.ROLES["baseline"] if a == "labels" else style.ROLES["other"] for a in rows["arm"]]
    fig = go.Figure(go.Bar(y=labels, x=_pct(rows["test_acc"]), error_x=_err(rows["test_acc_std"]), marker_color=colours,
                           orientation="h", hovertemplate="%{x:.2f} %<extra></extra>"))
    lo = float(np.nanmin(_pct(rows["test_acc"] - rows["test_acc_std"].fillna(0.0)))) if len(rows) else 0.0
    n = len(rows["test_acc_per_seed"].iloc[0]) if len(rows) else 0
    fig.update_layout(title=tr("plots_lab.divergence_title", lang, seeds=_seeds(n, lang)),
                      **{**_LAYOUT, "hovermode": "closest", "height": 120 + 38 * len(rows)})
    fig.update_yaxes(autorange="reversed", automargin=True)  # the reference first, as in the table
    style.accuracy_axis(fig, lo, title=tr("plots_lab.test_acc", lang), lang=lang, axis="x")
    return style.apply(fig)
