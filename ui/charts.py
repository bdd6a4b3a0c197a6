"""Charts on a page: a kdviz figure shown as kdviz styled it, its title as page text, enlarged in presenter mode, and
built once per server for equal arguments (:func:`cached_chart`)."""

from __future__ import annotations

import html

import pandas as pd
import streamlit as st

from kdviz.viz import style
from ui.view_state import present

CHART_CONFIG = {"displayModeBar": False, "displaylogo": False}  # no plotly toolbar over the titles
PRESENT_SCALE = 1.3  # ?present=1: text and chart heights × this
CHART_TITLE_CSS = "font-weight: 600; font-size: 1.125rem; line-height: 1.4"  # 18 px, as kdviz.viz.style's
PRESENT_CSS = "html { font-size: 20px; } [data-testid='stMainBlockContainer'] { max-width: 100%; padding-left: 2rem; padding-right: 2rem; }"


def scale() -> float:
    """How much larger text and charts are drawn: :data:`PRESENT_SCALE` in presenter mode, else 1."""
    return PRESENT_SCALE if present() else 1.0


def _prepared(fig, scale: float):
    """``(title, fig)``: the figure without its title (drawn above it as page text, which wraps on a
    phone; a plotly title runs out of its figure), enlarged by ``scale`` (presenter mode). Changes ``fig``."""
    title = fig.layout.title.text or ""
    if title:
        fig.update_layout(title_text=None, margin_t=12)
    if scale != 1:
        style.apply(fig, scale=scale)
        fig.update_layout(height=round((fig.layout.height or 340) * scale))
    return title, fig


def _frame_key(df) -> str:
    """A content key for a (small) DataFrame argument, also when cells hold dicts (pandas' hash refuses those).
    Not its ``attrs``: figure builders draw the table only."""
    return f"{df.shape}{list(df.columns)}{df.to_json(orient='split', default_handler=str)}"


@st.cache_resource(show_spinner=False, max_entries=256, hash_funcs={pd.DataFrame: _frame_key})
def _cached_prepared(_builder, name: str, args: tuple, kwargs: tuple, scale: float):
    """:func:`_prepared` of ``_builder(*args, **dict(kwargs))``, built once per server for equal ``name``
    (the builder's qualified name) and arguments. The figure is shared by every session: it is only
    read (``st.plotly_chart`` serializes it)."""
    return _prepared(_builder(*args, **dict(kwargs)), scale)


def _show(title: str, fig, *, key: str, where) -> None:
    if title:
        where.markdown(f'<div style="{CHART_TITLE_CSS}">{html.escape(title)}</div>', unsafe_allow_html=True)
    where.plotly_chart(fig, key=key, theme=None, config=CHART_CONFIG)


def chart(fig, *, key: str, where=st, again: bool = False) -> None:
    """Show a kdviz figure as kdviz styled it (``theme=None``), without plotly's toolbar, enlarged in
    presenter mode, its title drawn above it as page text. ``again``: ``fig`` was shown by this function
    before (so it is prepared) and only its data changed since."""
    _show(*(("", fig) if again else _prepared(fig, scale())), key=key, where=where)


def cached_chart(builder, *args, key: str, where=st, **kwargs) -> None:
    """:func:`chart` of ``builder(*args, **kwargs)``, the figure built once per server for equal arguments
    (figures of shipped results and of other session-independent inputs: a rerun then only sends it)."""
    name = f"{builder.__module__}.{builder.__qualname__}"
    _show(*_cached_prepared(builder, name, args, tuple(sorted(kwargs.items())), scale()), key=key, where=where)
