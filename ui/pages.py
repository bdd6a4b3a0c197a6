"""The app's pages: the one page list, links to them, switching to one, and this page's address."""

from __future__ import annotations

from pathlib import Path

import streamlit as st
from streamlit.errors import StreamlitAPIException

ROOT = Path(__file__).resolve().parents[1]  # the checkout: app.py, pages/
PAGES = [  # the one page list: script, icon, label key, home-card key, page-title key (kdviz.base.i18n)
    ("app.py", ":material/home:", "nav.home", None, "home.title"),
    ("pages/1_Temperature.py", ":material/thermostat:", "nav.temperature", "home.card_temperature", "temp.title"),
    ("pages/2_Losses.py", ":material/balance:", "nav.losses", "home.card_losses", "losses.title"),
    ("pages/3_Train.py", ":material/model_training:", "nav.train", "home.card_train", "train.title"),
    ("pages/4_Lab.py", ":material/science:", "nav.lab", "home.card_lab", "lab.title"),
    ("pages/5_Compression.py", ":material/compress:", "nav.compression", "home.card_compression", "comp.title"),
    ("pages/6_Your_digit.py", ":material/draw:", "nav.your_digit", "home.card_your_digit", "mine.title"),
]


def page_link(script: str, **kwargs) -> None:
    """``st.page_link`` to ``script``; nothing when the page runs on its own (AppTest.from_file of a page
    has no app whose pages it could link)."""
    try:
        st.page_link(script, **kwargs)
    except StreamlitAPIException:
        pass


def switch_page(script: str) -> None:
    """``st.switch_page`` to ``script``; nothing when the page runs on its own, as for :func:`page_link`."""
    try:
        st.switch_page(script)
    except StreamlitAPIException:
        pass


def page_url() -> str:
    """This page's address without its query, as the browser sees it ("" with no browser behind the run: AppTest)."""
    try:
        return (st.context.url or "").split("?")[0]
    except Exception:
        return ""
