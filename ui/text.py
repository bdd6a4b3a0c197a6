"""The words a page shows: the session's language, its messages (:mod:`kdviz.base.i18n`), the variants for a data set
that is not digits, and the one line said instead of a traceback."""

from __future__ import annotations

import streamlit as st

from kdviz.base import i18n
from kdviz.data import datasets
from ui.view_state import dataset

DATA_NAMES = {"mnist-5k": "data.mnist-5k", "fashion-mnist": "data.fashion-mnist", "folder": "data.folder"}  # data set → its name's key
IMAGE_WORDS = {  # a text about digits → the same text about images and classes (a data set that is not digits)
    "temp.the_digit": "temp.the_digit_img", "temp.test_digit": "temp.test_digit_img",
    "temp.test_digit_help": "temp.test_digit_help_img", "temp.same_class": "temp.same_class_img",
    "temp.any_digit": "temp.any_digit_img", "temp.digit_caption": "temp.digit_caption_img",
    "temp.explain": "temp.explain_img", "temp.look": "temp.look_img", "temp.logits_title": "temp.logits_title_img",
    "temp.softmax_title": "temp.softmax_title_img", "temp.runner_up": "temp.runner_up_img",
    "temp.map_explain": "temp.map_explain_img", "temp.col_true": "temp.col_true_img", "plots.digit": "plots.digit_img", "plots.dk_x": "plots.dk_x_img",
    "plots.true_digit": "plots.true_digit_img", "demo.temperature": "demo.temperature_img",
    "demo.temperature_rises": "demo.temperature_rises_img", "demo.temperature_peaks": "demo.temperature_peaks_img",
    "demo.temperature_falls": "demo.temperature_falls_img",
    "train.disagree": "train.disagree_img", "train.headline": "train.headline_img", "train.noise": "train.noise_img",
    "train.se_caption": "train.se_caption_img", "train.col_agreement_help": "train.col_agreement_help_img",
    "losses.scope_all": "losses.scope_all_img", "losses.scope_digit": "losses.scope_digit_img", "losses.digit": "losses.digit_img",
}


def lang() -> str:
    """The session's language (a key of :data:`kdviz.base.i18n.LANGS`; the sidebar's choice, ``?lang=``)."""
    return st.session_state.get("lang", "en")


def tr(key: str, **fields) -> str:
    """The message ``key`` of :mod:`kdviz.base.i18n` in the session's language, formatted with ``fields``."""
    return i18n.tr(key, lang(), **fields)


def words(key: str) -> str:
    """``key``, or its :data:`IMAGE_WORDS` variant (images and classes, not digits) when the page shows a data
    set other than digits."""
    return key if datasets.is_digits(dataset()) else IMAGE_WORDS.get(key, key)


def one_line(err: BaseException) -> str:
    """``err`` as the one line a page shows instead of a traceback: its type and first line, ≤ 300 characters."""
    text = str(err).strip().splitlines()
    return f"{type(err).__name__}: {text[0] if text else ''}"[:300]
