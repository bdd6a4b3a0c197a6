"""kdviz's two Streamlit components (Components v2, bundled, no CDN), registered on first use: the live component
(every view of ``kdviz/viz/live``: :mod:`ui.live_views`, the room's views in :mod:`ui.room`) and the phone's sidebar
folding (``kdviz/viz/live/phone_nav.js``, mounted by :func:`ui.frame.start_page`)."""

from __future__ import annotations

from functools import cache

import streamlit as st

from kdviz.viz import live as kdviz_live


@cache  # registered once per server process, on first use
def _live_component():
    # isolate_styles=False: its elements sit in the page's DOM (the layout checks see them); live.css is namespaced (kdl-).
    return st.components.v2.component("kdviz_live", css=kdviz_live.css(), js=kdviz_live.script(), isolate_styles=False)


@cache
def _phone_nav_component():
    return st.components.v2.component("kdviz_phone_nav", js=(kdviz_live.HERE / "phone_nav.js").read_text(encoding="utf-8"),
                                      isolate_styles=False)


def mount(key: str, data: bytes, **callbacks) -> None:
    """Mount the live component under ``key`` with ``data`` (a view's UTF-8 JSON, :func:`kdviz.viz.live.view`) and its
    trigger callbacks (``on_<trigger>_change``)."""
    _live_component()(key=key, data=data, **callbacks)


def phone_nav() -> None:
    """Mount the phone's sidebar folding: after a page link is tapped on a phone, the sidebar folds away (nothing
    visible; one listener per browser tab)."""
    _phone_nav_component()(key="_phone_nav", data={"view": "phone_nav"})  # named like a live view (tests list them by view)
