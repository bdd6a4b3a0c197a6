"""What the Jupyter views share: the controls' layouts and checks, the catalog's markdown as HTML, and the
live figures (a :mod:`kdviz.viz.plots` figure as a ``FigureWidget``, refilled or updated in place)."""

from __future__ import annotations

import html
import re

import ipywidgets as W
import numpy as np
import plotly.graph_objects as go

from kdviz.base.i18n import LANGS, tr
from kdviz.data import datasets
from kdviz.serve import urlstate
from kdviz.train import reference
from kdviz.train.loop import TrainConfig
from kdviz.train.resources import Resources
from kdviz.viz import plots

T_MIN, T_MAX, T_DEFAULT = urlstate.PARAMS["T"][1:4]  # 0.5, 20, 4: the pages' range
GAMMA_DEFAULT = urlstate.PARAMS["gamma"][3]
STUDENTS = ("untrained", "partly trained", "trained")  # reference.student_states' names
STUDENT_KEYS = {"untrained": "losses.untrained", "partly trained": "losses.partly_trained", "trained": "losses.trained"}


def _wide() -> W.Layout:
    """A slider's row: the full cell on a phone, not wider than a chart."""
    return W.Layout(width="100%", max_width="900px")


def _narrow() -> W.Layout:
    """A box that shrinks on a phone (a wide one would widen the cell, and every chart with it)."""
    return W.Layout(width="auto", max_width="100%")


def _md(text: str) -> str:
    """The catalog's short markdown (``**bold**``, ``*italic*``, ```code```) as HTML, everything else escaped."""
    out = html.escape(text, quote=False)
    out = re.sub(r"\*\*(.+?)\*\*", r"<b>\1</b>", out)
    out = re.sub(r"(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])", r"<i>\1</i>", out)
    return re.sub(r"`(.+?)`", r"<code>\1</code>", out)


def _note(text: str) -> W.HTML:
    """A paragraph beside the controls: the explanation the page shows there."""
    return W.HTML(f"<div style='max-width:900px;line-height:1.45'>{_md(text)}</div>")


def _refill(widget: go.FigureWidget, fig: go.Figure) -> None:
    """Put a freshly built figure's data and title into ``widget``, in place and in one message.

    Same traces in the same order (the builders' structure does not depend on T or γ): only their
    values change, so the browser restyles the chart rather than drawing a new one.
    """
    if len(widget.data) != len(fig.data):  # not expected; still correct, with one redraw
        with widget.batch_update():
            widget.data = ()
            widget.add_traces(_widget(fig).data)
            widget.layout = fig.layout
        return
    with widget.batch_update():
        for mine, new in zip(widget.data, fig.data):
            values = new.to_plotly_json()
            mine.update(_no_nan({k: values[k] for k in ("x", "y", "z", "text", "customdata", "name") if k in values}))
        widget.layout.title.text = fig.layout.title.text
        widget.layout.yaxis.update(type=fig.layout.yaxis.type, range=fig.layout.yaxis.range)


def _no_nan(props: dict) -> dict:
    """A trace's properties with a heatmap's NaN cells (a hidden diagonal) as None: the kernel's messages are
    strict JSON, which has no NaN; plotly draws None as a gap, as it draws NaN."""
    z = props.get("z")
    if z is not None and np.issubdtype(np.asarray(z).dtype, np.floating) and np.isnan(z).any():
        z = np.asarray(z, dtype=float)
        props = {**props, "z": np.where(np.isnan(z), None, z.astype(object))}
    return props


def _widget(fig: go.Figure) -> go.FigureWidget:
    """A live copy of a figure built by :mod:`kdviz.viz.plots`, as wide as its cell (a phone's too) unless it sets a width."""
    if fig.layout.width is None:
        fig.update_layout(autosize=True)  # plotly.js then sizes the chart to its container when it draws it
    for trace in fig.data:
        if getattr(trace, "z", None) is not None:
            trace.z = _no_nan({"z": trace.z})["z"]
    return go.FigureWidget(fig)


def _apply(widget: go.FigureWidget, update: plots.Update) -> None:
    """Apply a :data:`kdviz.viz.plots.Update` (what a move of T or γ changes) to ``widget`` in place, in one message."""
    with widget.batch_update():
        for key, props in update.items():
            if key == "layout":
                widget.update_layout(props)
            else:
                widget.data[key].update(_no_nan(props))


def _name_classes(fig: go.Figure, names: tuple[str, ...] | None, lang: str, *, y: bool = False) -> go.Figure:
    """Label every one of a figure's 10 categories (plotly skips some on a narrow chart), on the x-axis and, with ``y``,
    the y-axis: with the data set's class names, or the digits for None."""
    ticks = dict(tickvals=plots.DIGITS, ticktext=list(names) if names is not None else plots.DIGITS)
    fig.update_xaxes(**ticks, **({} if names is None else {"title": tr("plots.digit_img", lang)}))
    if y:
        fig.update_yaxes(**ticks)
    return fig


def _T_slider(T: float, lang: str) -> W.FloatSlider:
    """The temperature, over the pages' range (0.5–20) and steps of 0.5; arrow keys move it one step."""
    if not T_MIN <= float(T) <= T_MAX:
        raise ValueError(f"T must be in [{T_MIN:g}, {T_MAX:g}], got {T!r}")
    return W.FloatSlider(value=float(T), min=T_MIN, max=T_MAX, step=0.5, description="T", readout_format=".1f",
                         continuous_update=True, tooltip=tr("ui.T_help", lang), layout=_wide(),
                         style={"description_width": "2.5em"})


def _gamma_slider(gamma: float, lang: str) -> W.FloatSlider:
    """The weight γ of the soft loss, 0–1 in steps of 0.05."""
    if not 0.0 <= float(gamma) <= 1.0:
        raise ValueError(f"gamma must be in [0, 1], got {gamma!r}")
    return W.FloatSlider(value=float(gamma), min=0.0, max=1.0, step=0.05, description="γ", readout_format=".2f",
                         continuous_update=True, tooltip=tr("ui.gamma_help", lang), layout=_wide(),
                         style={"description_width": "2.5em"})


def _check_digit(digit: int | None, res: Resources) -> int:
    """A test image's index, or the view's opening one (:func:`kdviz.train.reference.opening_digit`) for None."""
    n = len(res.data.y_test)
    if digit is None:
        return reference.opening_digit(res)
    if isinstance(digit, bool) or not isinstance(digit, (int, np.integer)) or not 0 <= int(digit) < n:
        raise ValueError(f"digit must be a test image index in [0, {n - 1}], got {digit!r}")
    return int(digit)


def _check_lang(lang: str) -> str:
    if lang not in LANGS:
        raise ValueError(f"lang must be {' or '.join(map(repr, LANGS))}, got {lang!r}")
    return lang


def _default_config(res: Resources) -> TrainConfig:
    """The Train page's press on ``res``: 784-128-10, T = 4, γ = 0.9, seed 0, the data set's epochs."""
    return TrainConfig(epochs=datasets.student_epochs(res.dataset, len(res.data.y_train)))


def _class_names(res: Resources, lang: str) -> tuple[str, ...] | None:
    """The data set's 10 class names, or None for the digits (the figures' own labels)."""
    return None if datasets.is_digits(res.dataset) else datasets.class_names(res.dataset, lang)


def _memo(view: W.Widget, key: tuple, compute):
    """``compute()`` once per view and ``key`` (a view's few T values, images, students are a few kB each)."""
    cache = view.__dict__.setdefault("_memo", {})
    if key not in cache:
        cache[key] = compute()
    return cache[key]


