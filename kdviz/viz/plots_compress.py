"""Plotly figure builders for the compression lab (``pages/5_Compression.py``), and its labels. No Streamlit here.

Every builder takes the table of :func:`kdviz.compress.compare` (or the rows of
:func:`kdviz.compress.svd_rank_curve`). Accuracies are fractions in the data and
percentages on the axes; sizes are bytes in the data and kB on the axes. Every builder
takes ``lang`` ("en" or "zh") for its titles, axes, legend, hovers and annotations
(:mod:`kdviz.base.i18n`). Data go into the figures as lists, so a figure's JSON holds plain numbers.

The table names each method by a catalog key with fields (columns ``key``, ``fields``)
and its note likewise (``note_key``, ``note_fields``): :func:`method_names` and
:func:`note_texts` show them in a language. A family (:data:`kdviz.compress.FAMILIES`)
and a base ("teacher" / "student") are ids: :func:`family_label`, :func:`family_note`
and :func:`base_label` show them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from kdviz.base.i18n import render, tr
from kdviz.compress import FAMILIES, pareto_front
from kdviz.viz import style

__all__ = [
    "FAMILY_COLOURS",
    "AXES",
    "pareto_figure",
    "rank_curve_figure",
    "family_label",
    "base_label",
    "family_note",
    "method_names",
    "note_texts",
]

FAMILY_COLOURS = {  # one colour per family, the same on every chart; the roles' colours of kdviz.viz.style kept for their roles
    "baseline": style.ROLES["teacher"],  # the teacher grey (the labels-only student's point: BASE_COLOURS)
    "pruning": "#cc79a7",
    "quantization": "#e69f00",
    "low-rank": "#009e73",
    "compact": "#000000",
    "distillation": style.ROLES["distilled"],  # vermillion, as the distilled student everywhere
}
BASE_COLOURS = {"teacher": style.ROLES["teacher"], "student": style.ROLES["baseline"]}  # the baseline family's two points
_AXIS_KEYS = {  # column → (axis title key, scale to the unit shown)
    "size_bytes": ("plots_compress.x_size", 1e-3),
    "sparse_bytes": ("plots_compress.x_sparse", 1e-3),
    "latency_ms_1": ("plots_compress.x_latency_1", 1.0),
    "latency_ms_256": ("plots_compress.x_latency_256", 1.0),
    "params": ("plots_compress.x_params", 1.0),
}
UNITS = {"size_bytes": "kB", "sparse_bytes": "kB", "latency_ms_1": "ms", "latency_ms_256": "ms", "params": ""}  # on the ticks
AXES = {col: (tr(key, "en"), scale) for col, (key, scale) in _AXIS_KEYS.items()}  # column → (axis title in English, scale)
_FAMILY_KEYS = {  # family id → (label key, note key)
    "baseline": ("plots_compress.f_baseline", "plots_compress.note_baseline"),
    "pruning": ("plots_compress.f_pruning", "plots_compress.note_pruning"),
    "quantization": ("plots_compress.f_quantization", "plots_compress.note_quantization"),
    "low-rank": ("plots_compress.f_low_rank", "plots_compress.note_low_rank"),
    "compact": ("plots_compress.f_compact", "plots_compress.note_compact"),
    "distillation": ("plots_compress.f_distillation", "plots_compress.note_distillation"),
}
_BASE_KEYS = {"teacher": "plots_compress.teacher", "student": "plots_compress.student"}


def family_label(family: str, lang: str = "en") -> str:
    """A family id of :data:`kdviz.compress.FAMILIES` as shown (the id itself in English)."""
    return tr(_FAMILY_KEYS[family][0], lang)


def base_label(base: str, lang: str = "en") -> str:
    """``"teacher"`` / ``"student"`` as shown."""
    return tr(_BASE_KEYS[base], lang)


def family_note(family: str, lang: str = "en") -> str:
    """What a family trades, in a paragraph."""
    return tr(_FAMILY_KEYS[family][1], lang)


def method_names(df: pd.DataFrame, lang: str = "en") -> list[str]:
    """Each row's method name in ``lang``, from its ``key`` and ``fields`` (in English: the ``method`` column)."""
    return [render((key, fields), lang) for key, fields in zip(df["key"], df["fields"])]


def note_texts(df: pd.DataFrame, lang: str = "en") -> list[str]:
    """Each row's measured note in ``lang``, from its ``note_key`` and ``note_fields`` (in English: the ``note`` column)."""
    return [render((key, fields), lang) for key, fields in zip(df["note_key"], df["note_fields"])]


_LAYOUT = dict(height=480, margin=dict(l=10, r=10, t=50, b=10), legend=style.LEGEND_BELOW)


def pareto_figure(df: pd.DataFrame, *, x: str = "size_bytes", threads: int | None = None, floor: float | None = 0.8,
                  undertrained=None, lang: str = "en") -> go.Figure:
    """Test accuracy against size or latency (log x), one colour per family, the Pareto front dashed.

    Parameters
    ----------
    df : the table of :func:`kdviz.compress.compare`, one row per model
    x : a column of :data:`AXES`
    threads : torch threads of the latency measurement, for the title
    floor : accuracy (fraction) below which models are left off the plot so that the
        others stay readable; the ones left off are named under the chart. None: all shown.
    undertrained : sequence of bool, one per row of ``df`` (:func:`kdviz.compress.undertrained`), or None
        Rows trained for fewer epochs than the full comparison: drawn as open markers, said so
        on hover, with a legend entry for the open marker.
    lang : "en" or "zh"

    Error bars are the sample std of test accuracy over seeds (none for one seed). The
    front joins the models no other model beats on both axes (:func:`kdviz.compress.pareto_front`).
    """
    if x not in AXES:
        raise ValueError(f"x must be one of {sorted(AXES)}, got {x!r}")
    title, scale = tr(_AXIS_KEYS[x][0], lang), _AXIS_KEYS[x][1]
    fig = go.Figure()
    short = pd.Series(list(undertrained) if undertrained is not None else [False] * len(df), index=df.index, dtype=bool)
    hidden = df[df["test_acc"] < floor] if floor is not None else df.iloc[:0]
    df = df.drop(index=hidden.index)
    hover = tr("plots_compress.hover", lang, method="%{customdata[0]}", base="%{customdata[1]}", x="%{x:.3g}", y="%{y:.1f}",
               params="%{customdata[2]:,}")
    for fam in FAMILIES:
        part = df[df["family"] == fam]
        if part.empty:
            continue
        std = part["test_acc_std"].fillna(0.0).to_numpy(float)
        weak = short[part.index].to_numpy()
        colours = [BASE_COLOURS[b] for b in part["base"]] if fam == "baseline" else FAMILY_COLOURS[fam]
        symbol = "diamond" if fam == "baseline" else "circle"
        custom = [method_names(part, lang), [base_label(b, lang) for b in part["base"]], part["params"]]
        if undertrained is not None:
            custom.append([tr("plots_compress.undertrained_hover", lang) if w else "" for w in weak])
        fig.add_scatter(
            x=(part[x].to_numpy(float) * scale).tolist(), y=(100 * part["test_acc"].to_numpy(float)).tolist(), mode="markers",
            name=family_label(fam, lang),
            marker=dict(color=colours, size=13 if fam == "baseline" else 11,
                        symbol=[symbol + "-open" if w else symbol for w in weak],
                        line=dict(width=2, color=colours) if weak.any() else dict(width=1, color="white")),  # open: outline only
            error_y=dict(type="data", array=(100 * std).tolist(), visible=bool(std.any()), thickness=1),
            customdata=np.stack(custom, axis=1),
            hovertemplate=hover + ("%{customdata[3]}" if undertrained is not None else "") + "<extra>" + family_label(fam, lang) + "</extra>",
        )
    if undertrained is not None and short[df.index].any():  # the legend says what an open marker means
        fig.add_scatter(x=[None], y=[None], mode="markers", name=tr("plots_compress.undertrained_legend", lang),
                        marker=dict(symbol="circle-open", size=11, color=style.INK, line=dict(width=2)), hoverinfo="skip")
    front = df[pareto_front(df, x)].sort_values(x)
    if len(front) > 1:
        fig.add_scatter(x=(front[x].to_numpy(float) * scale).tolist(), y=(100 * front["test_acc"].to_numpy(float)).tolist(), mode="lines", name=tr("plots_compress.front", lang),
                        line=dict(color=style.MUTED, dash="dash", shape="hv"), hoverinfo="skip")
    what = tr("plots_compress.what_latency" if x.startswith("latency") else "plots_compress.what_size", lang)
    n = int(df["n_seeds"].max()) if len(df) else 0
    spread = tr("plots_compress.spread_single", lang) if n == 1 else tr("plots_compress.spread", lang,
                                                                        seeds=tr("plots_compress.seeds", lang, n=n))
    suffix = ""
    if threads is not None and x.startswith("latency"):
        suffix = tr("plots_compress.threads", lang, n=threads)
    fig.update_layout(title=tr("plots_compress.pareto_title", lang, what=what, spread=spread, threads=suffix), **_LAYOUT)
    if len(hidden):
        names = [tr("plots_compress.hidden_item", lang, method=m, acc=100 * a)
                 for m, a in zip(method_names(hidden, lang), hidden["test_acc"])]
        fig.add_scatter(x=[None], y=[None], mode="markers", name=tr("plots_compress.hidden", lang, floor=100 * floor) + "<br>"
                        + "<br>".join(names), marker=dict(symbol="x-thin-open", size=11, color=style.MUTED, line=dict(width=2)),
                        hoverinfo="skip")  # in the legend, under the chart: on the plot the list lay over the points
    drawn = df[x].to_numpy(float) * scale
    drawn = drawn[np.isfinite(drawn) & (drawn > 0)]
    ticks = style.log_ticks(drawn.min() / 1.3, drawn.max() * 1.3, UNITS[x]) if drawn.size else ([], [])
    fig.update_xaxes(type="log", title=title, tickvals=ticks[0], ticktext=ticks[1])  # "20 kB": magnitudes, not "2"
    fig.update_yaxes(title=tr("plots_compress.test_acc", lang))
    return style.apply(fig)


def rank_curve_figure(curve: pd.DataFrame, *, rank: int | None = None, dense_acc: float | None = None, dense_params: int | None = None,
                      lang: str = "en") -> go.Figure:
    """Test accuracy and parameters of the SVD-factorised student against the rank.

    ``curve``: :func:`kdviz.compress.svd_rank_curve` (or the ``rows`` of :func:`kdviz.compress.rank_study`). ``rank`` marks the slider's rank;
    ``dense_acc`` / ``dense_params`` draw the unfactorised student as reference lines; ``lang``: "en" or "zh".
    """
    c = curve.sort_values("rank")
    fig = go.Figure()
    fig.add_scatter(x=c["rank"].tolist(), y=(100 * c["test_acc"]).tolist(), mode="lines+markers", name=tr("plots_compress.test_acc", lang), line=dict(color=FAMILY_COLOURS["low-rank"]))
    fig.add_scatter(x=c["rank"].tolist(), y=c["params"].tolist(), mode="lines", name=tr("plots_compress.parameters", lang), yaxis="y2", line=dict(color=style.MUTED, dash="dot"))
    if dense_acc is not None:
        fig.add_scatter(x=[c["rank"].min(), c["rank"].max()], y=[100 * dense_acc] * 2, mode="lines", name=tr("plots_compress.unfactorised", lang),
                        line=dict(color=style.INK, dash="dot", width=1), hoverinfo="skip")  # named in the legend, not over the curve
    if dense_params is not None:
        fig.add_scatter(x=[c["rank"].min(), c["rank"].max()], y=[dense_params] * 2, mode="lines", yaxis="y2", name=tr("plots_compress.params_unfactorised", lang),
                        line=dict(color=style.INK, width=1, dash="dash"))
    if rank is not None:
        fig.add_vline(x=rank, line=dict(color=FAMILY_COLOURS["low-rank"], width=1))
    ranks = [r for r in (1, 2, 4, 8, 16, 32, 64, 128, 256, 512) if c["rank"].min() <= r <= c["rank"].max()]  # log axis: powers of 2
    counts = [*c["params"].tolist(), *([dense_params] if dense_params is not None else [])]
    params = style.log_ticks(min(counts) / 1.5, max(counts) * 1.5) if len(c) else ([], [])
    fig.update_layout(
        title=tr("plots_compress.rank_title", lang), height=380, margin=dict(l=10, r=10, t=50, b=10),
        legend=style.LEGEND_BELOW, hovermode="x unified",
        xaxis=dict(title=tr("plots_compress.rank_axis", lang), type="log", tickvals=ranks, ticktext=[str(r) for r in ranks]),
        yaxis=dict(title=tr("plots_compress.test_acc", lang)),
        yaxis2=dict(title=tr("plots_compress.parameters", lang), overlaying="y", side="right", type="log", showgrid=False,
                    tickvals=params[0], ticktext=params[1]),
    )
    return style.apply(fig)
