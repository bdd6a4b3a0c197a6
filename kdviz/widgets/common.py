"""What the Jupyter views share: the checks of their arguments, the controls' layouts, the catalog's markdown as HTML."""

from __future__ import annotations

import html
import re

import ipywidgets as W
import numpy as np

from kdviz.base.i18n import LANGS, tr
from kdviz.data import datasets
from kdviz.serve import urlstate
from kdviz.train import reference
from kdviz.train.loop import TrainConfig
from kdviz.train.resources import Resources

T_MIN, T_MAX, T_DEFAULT = urlstate.PARAMS["T"][1:4]  # 0.5, 20, 4: the pages' range
__all__ = ["GAMMA_DEFAULT", "STUDENTS", "STUDENT_KEYS", "wide", "narrow", "md", "note", "check_T", "check_gamma", "T_slider",
           "gamma_slider", "check_digit", "check_lang", "default_config", "class_names"]

GAMMA_DEFAULT = urlstate.PARAMS["gamma"][3]
STUDENTS = ("untrained", "partly trained", "trained")  # reference.student_states' names
STUDENT_KEYS = {"untrained": "losses.untrained", "partly trained": "losses.partly_trained", "trained": "losses.trained"}


def wide() -> W.Layout:
    """A slider's row: the full cell on a phone, not wider than a chart."""
    return W.Layout(width="100%", max_width="900px")


def narrow() -> W.Layout:
    """A box that shrinks on a phone (a wide one would widen the cell, and every chart with it)."""
    return W.Layout(width="auto", max_width="100%")


def md(text: str) -> str:
    """The catalog's short markdown (``**bold**``, ``*italic*``, ```code```) as HTML, everything else escaped."""
    out = html.escape(text, quote=False)
    out = re.sub(r"\*\*(.+?)\*\*", r"<b>\1</b>", out)
    out = re.sub(r"(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])", r"<i>\1</i>", out)
    return re.sub(r"`(.+?)`", r"<code>\1</code>", out)


def note(text: str) -> W.HTML:
    """A paragraph beside the controls: the explanation the page shows there."""
    return W.HTML(f"<div style='max-width:900px;line-height:1.45'>{md(text)}</div>")


def check_T(T) -> float:
    """A temperature in the pages' range (0.5–20), as a float; one line otherwise."""
    if isinstance(T, bool) or not isinstance(T, (int, float, np.floating, np.integer)) or not T_MIN <= float(T) <= T_MAX:
        raise ValueError(f"T must be in [{T_MIN:g}, {T_MAX:g}], got {T!r}")
    return float(T)


def check_gamma(gamma) -> float:
    """A weight γ of the soft loss in [0, 1], as a float; one line otherwise."""
    if isinstance(gamma, bool) or not isinstance(gamma, (int, float, np.floating, np.integer)) or not 0.0 <= float(gamma) <= 1.0:
        raise ValueError(f"gamma must be in [0, 1], got {gamma!r}")
    return float(gamma)


def T_slider(T: float, lang: str) -> W.FloatSlider:
    """The temperature, over the pages' range (0.5–20) and steps of 0.5; arrow keys move it one step."""
    return W.FloatSlider(value=check_T(T), min=T_MIN, max=T_MAX, step=0.5, description="T", readout_format=".1f",
                         continuous_update=True, tooltip=tr("ui.T_help", lang), layout=wide(),
                         style={"description_width": "2.5em"})


def gamma_slider(gamma: float, lang: str) -> W.FloatSlider:
    """The weight γ of the soft loss, 0–1 in steps of 0.05."""
    return W.FloatSlider(value=check_gamma(gamma), min=0.0, max=1.0, step=0.05, description="γ", readout_format=".2f",
                         continuous_update=True, tooltip=tr("ui.gamma_help", lang), layout=wide(),
                         style={"description_width": "2.5em"})


def check_digit(digit: int | None, res: Resources) -> int:
    """A test image's index, or the view's opening one (:func:`kdviz.train.reference.opening_digit`) for None."""
    n = len(res.data.y_test)
    if digit is None:
        return reference.opening_digit(res)
    if isinstance(digit, bool) or not isinstance(digit, (int, np.integer)) or not 0 <= int(digit) < n:
        raise ValueError(f"digit must be a test image index in [0, {n - 1}], got {digit!r}")
    return int(digit)


def check_lang(lang: str) -> str:
    if lang not in LANGS:
        raise ValueError(f"lang must be {' or '.join(map(repr, LANGS))}, got {lang!r}")
    return lang


def default_config(res: Resources) -> TrainConfig:
    """The Train page's press on ``res``: 784-128-10, T = 4, γ = 0.9, seed 0, the data set's epochs."""
    return TrainConfig(epochs=datasets.student_epochs(res.dataset, len(res.data.y_train)))


def class_names(res: Resources, lang: str) -> tuple[str, ...] | None:
    """The data set's 10 class names, or None for the digits (the views' own labels)."""
    return None if datasets.is_digits(res.dataset) else datasets.class_names(res.dataset, lang)
