"""Plotly figure builders for the Lab's two tabs beyond logits: feature distillation and the capacity gap. No Streamlit.

Accuracies are fractions in the data and percentages (or percentage points, for gains) on the axes; means
come with sample stds over seeds. Every builder takes ``lang`` ("en" or "zh"); methods, teachers and arms
are ids in the data, shown through their message keys here.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from kdviz.base.i18n import tr
from kdviz.lab.capacity import TEACHER_NAMES
from kdviz.train.features import METHOD_NAMES
from kdviz.viz import style

__all__ = ["features_figure", "feature_maps_figure", "capacity_heatmap", "assistant_figure", "method_label", "teacher_label"]

DISTILLED, LABELS, OTHER = style.ROLES["distilled"], style.ROLES["baseline"], style.ROLES["other"]
_LAYOUT = dict(height=400, margin=dict(l=10, r=10, t=50, b=10), hovermode="closest", showlegend=False)
GAIN_SCALE = [[0.0, "#0072b2"], [0.5, "#f7f7f7"], [1.0, "#d55e00"]]  # loss blue, none white, gain vermillion
MAPS_SCALE = [[0.0, "#ffffff"], [1.0, style.INK]]  # activation: white (none) to ink (strongest)


def method_label(method: str, *, lang: str = "en") -> str:
    """``"logits+attention"`` → "logits + attention transfer" (each part through :data:`METHOD_NAMES`)."""
    return " + ".join(tr(METHOD_NAMES[part], lang) for part in method.split("+"))


def teacher_label(key: str, acc: float, *, lang: str = "en", sep: str = " · ") -> str:
    """``"medium CNN · 97.7 %"``: the teacher's name (:data:`TEACHER_NAMES`) and its test accuracy, joined by ``sep``."""
    return f"{tr(TEACHER_NAMES[key], lang)}{sep}{100 * acc:.1f} %"


def _colour(method: str) -> str:
    return LABELS if method == "labels" else DISTILLED if method.startswith("logits") else OTHER


def features_figure(rows: pd.DataFrame, *, lang: str = "en") -> go.Figure:
    """Test accuracy of each method, mean ± sample std over seeds, labels only in blue, logit KD in vermillion.

    Parameters
    ----------
    rows : DataFrame
        :func:`kdviz.lab.features.features_json`'s rows: method, test_acc, test_acc_std (fractions), params,
        and optionally test_acc_per_seed (the seed count goes in the title).
    lang : {"en", "zh"}, keyword-only

    Returns
    -------
    go.Figure
        One bar per method, in percent, with ± std error bars.
    """
    names = [method_label(m, lang=lang) for m in rows["method"]]
    labels = [style.wrap(name, 18) for name in names]  # one bar per line, names on the left: they fit a phone's width
    acc, std = 100 * rows["test_acc"].astype(float), 100 * rows["test_acc_std"].astype(float).fillna(0.0)
    fig = go.Figure(go.Bar(y=labels, x=acc, orientation="h", error_x=dict(type="data", array=std, visible=True),
                           marker_color=[_colour(m) for m in rows["method"]], customdata=names,
                           hovertemplate="%{customdata}: %{x:.2f} %<extra></extra>"))
    n = len(rows["test_acc_per_seed"].iloc[0]) if "test_acc_per_seed" in rows and len(rows) else 0
    lo = float(np.nanmin(acc - std)) if len(rows) else 0.0
    fig.update_layout(title=tr("plots_depth.features_title", lang, seeds=tr("plots_lab.seeds", lang, n=n)),
                      **{**_LAYOUT, "height": 130 + 52 * len(rows)})
    start = style.accuracy_axis(fig, lo, title=tr("plots_lab.test_acc", lang), lang=lang, axis="x")
    # each bar's value at the foot of its visible part (a bar's own text would sit at 0, left of a cut axis)
    fig.add_scatter(y=labels, x=[start] * len(labels), mode="text", text=[f"{a:.1f}" for a in acc], textposition="middle right",
                    textfont=dict(color="white"), hoverinfo="skip", showlegend=False)
    fig.update_yaxes(title=style.wrap(tr("plots_depth.features_x", lang), 30), autorange="reversed", type="category")
    return style.apply(fig)


def feature_maps_figure(panels: list[tuple[str, dict]], *, lang: str = "en") -> go.Figure:
    """One row per model, named on the left: its first block's strongest channels, then the attention maps of both blocks.

    Each map is scaled to its own maximum (white 0, ink the maximum): shapes compare, magnitudes do not.

    Parameters
    ----------
    panels : list of (str, dict)
        ``[(row label, kdviz.train.features.digit_maps(model, x)), ...]``, the teacher first. A label's " + " parts
        go on separate lines.
    lang : {"en", "zh"}, keyword-only

    Returns
    -------
    go.Figure
        ``len(panels)`` rows × (channels + 2) square heatmaps, columns named under the last row.
    """
    n_channels = max(len(p["channels"]) for _, p in panels)
    titles = [tr("plots_depth.maps_channel", lang, k=k + 1) for k in range(n_channels)]
    titles += [tr("plots_depth.maps_attention1", lang), tr("plots_depth.maps_attention2", lang)]
    titles = [style.wrap(title, 8) for title in titles]  # "attention<br>1": five columns side by side on a phone
    cols = n_channels + 2
    height = 170 + 140 * len(panels)
    fig = make_subplots(rows=len(panels), cols=cols, horizontal_spacing=0.02, vertical_spacing=34 / (height - 120))  # 34 px: a label
    for r, (_, p) in enumerate(panels, start=1):
        images = [*p["channels"], p["attention1"], p["attention2"]]
        for c, image in enumerate(images, start=1):
            z = np.asarray(image, dtype=float)
            top = float(z.max()) if z.size and z.max() > 0 else 1.0
            fig.add_trace(go.Heatmap(z=z[::-1] / top, colorscale=MAPS_SCALE, zmin=0, zmax=1, showscale=False,
                                     hovertemplate=tr("plots_depth.maps_hover", lang, value="%{z:.2f}") + "<extra></extra>"),
                          row=r, col=c)
    fig.update_xaxes(visible=False, showline=False)
    fig.update_yaxes(visible=False, showline=False)
    for c, title in enumerate(titles, start=1):  # the columns named under the last row (a page draws the title above)
        fig.update_xaxes(visible=True, showticklabels=False, showline=False, ticks="", showgrid=False, zeroline=False,
                         title=dict(text=title, standoff=4), row=len(panels), col=c)
    for i in range(1, len(panels) * cols + 1):  # square cells
        fig.update_yaxes(scaleanchor=f"x{i if i > 1 else ''}", scaleratio=1, row=(i - 1) // cols + 1, col=(i - 1) % cols + 1)
    room = 1 - 34 / (height - 70)  # the first row's label inside the figure: a page draws the title above it (no top margin)
    for r in range(1, len(panels) + 1):
        for c in range(1, cols + 1):
            d = fig.get_subplot(r, c).yaxis.domain
            fig.update_yaxes(domain=[d[0] * room, d[1] * room], row=r, col=c)
    for r, (label, _) in enumerate(panels, start=1):  # each row's model above its maps, on one line: the width goes to the maps
        domain = fig.get_subplot(r, 1).yaxis.domain
        fig.add_annotation(text=label, x=0, xref="paper", xanchor="left", y=domain[1], yref="paper", yanchor="bottom",
                           yshift=2, showarrow=False, align="left")
    fig.update_layout(title=tr("plots_depth.maps_title", lang), height=height, showlegend=False, margin=dict(l=10, r=10, t=40, b=10))
    return style.apply(fig)


def capacity_heatmap(pairs: pd.DataFrame, *, lang: str = "en") -> go.Figure:
    """KD gain over labels only (percentage points), teachers by accuracy (rows) × student hidden size (columns).

    The colour scale is symmetric about 0: vermillion helps, blue hurts. Each cell says "gain ± std".

    Parameters
    ----------
    pairs : DataFrame
        :func:`kdviz.lab.capacity.capacity_json`'s pairs: teacher (key), teacher_acc, student_hidden, gain,
        gain_std (NaN or None for one seed), kd_acc, labels_acc; fractions.
    lang : {"en", "zh"}, keyword-only

    Returns
    -------
    go.Figure
        One heatmap, teachers × students, the weakest teacher at the bottom.
    """
    order = pairs.drop_duplicates("teacher").sort_values("teacher_acc")["teacher"].tolist()  # weakest at the bottom
    students = sorted(pairs["student_hidden"].unique())
    cell = pairs.set_index(["teacher", "student_hidden"])
    gain = np.array([[100 * cell.loc[(t, h), "gain"] for h in students] for t in order])
    std = np.array([[100 * (cell.loc[(t, h), "gain_std"] if pd.notna(cell.loc[(t, h), "gain_std"]) else np.nan)
                     for h in students] for t in order])
    kd = np.array([[100 * cell.loc[(t, h), "kd_acc"] for h in students] for t in order])
    lab = np.array([[100 * cell.loc[(t, h), "labels_acc"] for h in students] for t in order])
    ys = [style.wrap(tr(TEACHER_NAMES[t], lang), 12) + f"<br>{100 * float(cell.loc[(t, students[0]), 'teacher_acc']):.1f} %"
          for t in order]  # as teacher_label, in short lines: the phone's width goes to the cells
    xs = [str(h) for h in students]
    top = float(np.nanmax(np.abs(gain))) if gain.size else 1.0
    text = [[f"{g if round(g, 1) else 0.0:+.1f}" + ("" if np.isnan(s) else f"<br>±{s:.1f}") for g, s in zip(gr, sr)]
            for gr, sr in zip(gain, std)]  # no "-0.0"
    fig = go.Figure(go.Heatmap(
        z=gain, x=xs, y=ys, zmid=0, zmin=-top, zmax=top, colorscale=GAIN_SCALE, text=text, texttemplate="%{text}",
        textfont=dict(size=style.FONT_PX, color=style.INK), customdata=np.dstack([kd, lab]),
        showscale=False,  # every cell says its number; the title says what the colours mean
        hovertemplate=tr("plots_depth.capacity_hover", lang, teacher="%{y}", student="784-%{x}-10", gain="%{z:+.2f}",
                         kd="%{customdata[0]:.2f}", labels="%{customdata[1]:.2f}") + "<extra></extra>"))
    fig.update_layout(title=tr("plots_depth.capacity_title", lang), height=140 + 56 * len(order),
                      margin=dict(l=10, r=10, t=50, b=10))
    fig.update_xaxes(title=tr("plots_depth.student_axis", lang), type="category")
    fig.update_yaxes(title=None, type="category")  # the labels name the teachers: the phone's width goes to the cells
    return style.apply(fig)


def assistant_figure(chains: pd.DataFrame, *, lang: str = "en") -> go.Figure:
    """The smallest student's test accuracy through each assistant (bars, mean ± std) against the direct route (line).

    Parameters
    ----------
    chains : DataFrame
        :func:`kdviz.lab.capacity.capacity_json`'s assistant rows: assistant (hidden size), assistant_acc,
        student_hidden, chain_acc, chain_std, direct_acc; fractions.
    lang : {"en", "zh"}, keyword-only

    Returns
    -------
    go.Figure
        Bars in percent, largest assistant first, and the direct route as a horizontal line.
    """
    c = chains.sort_values("assistant", ascending=False)
    labels = [tr("plots_depth.assistant_bar", lang, hidden=int(a), acc=100 * acc) for a, acc in zip(c["assistant"], c["assistant_acc"])]

    acc, std = 100 * c["chain_acc"].astype(float), 100 * c["chain_std"].astype(float).fillna(0.0)
    fig = go.Figure(go.Bar(x=labels, y=acc, error_y=dict(type="data", array=std, visible=True), marker_color=OTHER,
                           hovertemplate="%{x}: %{y:.2f} %<extra></extra>", name=tr("plots_depth.assistant_route", lang)))
    if len(c):
        direct = 100 * float(c["direct_acc"].iloc[0])
        fig.add_trace(go.Scatter(x=labels, y=[direct] * len(labels), mode="lines", line=dict(color=DISTILLED, width=3, dash="dash"),
                                 name=tr("plots_depth.direct_route", lang), hovertemplate="%{y:.2f} %<extra></extra>"))
    lo = float(np.nanmin(acc - std)) if len(c) else 0.0
    student = int(c["student_hidden"].iloc[0]) if len(c) else 0
    fig.update_layout(title=tr("plots_depth.assistant_title", lang, hidden=student),
                      **{**_LAYOUT, "showlegend": True, "legend": dict(orientation="h", x=0.01, y=0.99, yanchor="top",
                                                                       bgcolor="rgba(255,255,255,0.8)")})
    style.accuracy_axis(fig, min(lo, direct) if len(c) else lo, title=tr("plots_lab.test_acc", lang), lang=lang)
    fig.update_xaxes(title=tr("plots_depth.assistant_x", lang))
    return style.apply(fig)
