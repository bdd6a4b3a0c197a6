"""What every page does first and last: :func:`start_page` (the view read from the link, the page config, the
sidebar, the data set and its resources) and :func:`end_page` (the run's time, the view written into the URL)."""

from __future__ import annotations

import time

import streamlit as st

from kdviz.base import i18n, safetext
from kdviz.data import datasets
from kdviz.serve import urlstate
from kdviz.train.resources import Resources
from ui import room, room_bar, server
from ui.charts import PRESENT_CSS
from ui.components import phone_nav
from ui.pages import PAGES, ROOT, page_link
from ui.resources import resources, resources_error
from ui.text import DATA_NAMES, lang, tr
from ui.view import SHARED, default_view, reset_view, shared_widget, view_link
from ui.view_state import PAGE_DATA, follow_data_set, keep_widget_values, present


def start_page(title: str, *, icon: str = "🔥", data: tuple[str, ...] = (datasets.DEFAULT,),
               data_note: str = "data.page_default") -> Resources | None:
    """Call first on every page. Returns the shared resources, or None (with one error line) if unusable.

    ``title``: a key of ``kdviz.base.i18n.MESSAGES`` (shown in the chosen language), or plain text kept as is.
    ``data``: the data sets (:data:`kdviz.data.datasets.KEYS`) the page takes; when the session chose another, the
    page says so in one line (the message key ``data_note``) and shows the default.
    """
    server.prepare()  # the process's one-time settings (the first run only)
    state = st.session_state
    state["_run_started"] = (time.perf_counter(), title)
    if "_view_read" not in state:  # first run of this session: the link's view wins over the defaults
        values, problems = urlstate.parse_query(st.query_params.to_dict(), data=datasets.offered())
        problems += room.read_link(st.query_params.to_dict())  # ?room=CODE (&token= the lecturer's), joined below
        for name in SHARED:
            state[name] = values.get(name, urlstate.PARAMS[name][3])
        state["present"] = bool(state["present"])
        state["_url_problems"] = problems
        state["_view_read"] = True  # last: a run interrupted above (a new rerun request) reads the link again
    for name in SHARED:  # a widget's key is dropped on a page without that widget; re-assigning keeps it
        state[name] = state[name] if name in state else urlstate.PARAMS[name][3]
    room.follow(title)  # a following student takes the lecturer's view (and page) before any widget shows it
    keep_widget_values()
    name = tr(title) if title in i18n.MESSAGES else title
    st.set_page_config(page_title=f"kdviz: {name}", page_icon=icon, layout="wide",
                       initial_sidebar_state="collapsed" if present() else "auto")
    if present():
        st.html(f"<style>{PRESENT_CSS}</style>")
    _sidebar()
    for problem in state.pop("_url_problems", []):  # said once, on the page the link opened
        # the problem in the chosen language, the link's values short and inert (st.warning renders Markdown)
        text = problem.text(lang(), markdown=True) if isinstance(problem, urlstate.Problem) else safetext.inert(problem, 300)
        st.warning(tr("url.bad", problem=text))
    room.notices()
    state[PAGE_DATA] = state["data"] if state["data"] in data else datasets.DEFAULT
    if state["data"] not in data:  # said in one line; the page shows the default data set
        st.info(tr(data_note, chosen=tr(DATA_NAMES[state["data"]]), shown=tr(DATA_NAMES[datasets.DEFAULT])))
    try:
        res = resources()
    except Exception as err:  # one line from the catalog, never a traceback nor a server path (those go to the log)
        st.error(resources_error(err))
        return None
    follow_data_set(state[PAGE_DATA])
    if state["digit"] is not None and state["digit"] >= len(res.data.y_test):  # from a link
        if state["data"] == state[PAGE_DATA]:
            st.warning(tr("url.bad", problem=tr("url.digit_beyond", value=state["digit"], n=len(res.data.y_test))))
        state["digit"] = None
    if state["digit"] is None:  # no digit in the link: the computed default
        state["digit"] = default_view(res)["digit"]
    room_bar.class_bar(res)  # in a class: the lecturer's questions, a student's question card
    return res


def _sidebar() -> None:
    """The pages, the language, the data set, presenter mode, "Reset view" and the class's entry."""
    with st.sidebar:
        for script, icon, label, _, _ in PAGES:
            if (ROOT / script).exists():
                page_link(script, label=tr(label), icon=icon)
        phone_nav()  # on a phone, a tapped page link folds the sidebar away
        st.divider()
        st.selectbox(tr("lang.label"), i18n.LANGS, key="lang", format_func={"en": tr("lang.en"), "zh": tr("lang.zh")}.get)
        offered = datasets.offered()  # the named data sets, and the server's folder when it has one
        shared_widget(st.selectbox, "data", tr("data.label"), offered, format_func={k: tr(DATA_NAMES[k]) for k in offered}.get,
                      help=tr("data.help"))
        st.toggle(tr("ui.present"), key="present", help=tr("ui.present_help"))
        st.button(tr("ui.reset"), icon=":material/restart_alt:", on_click=reset_view, help=tr("ui.reset_help"), width="stretch",
                  key="reset_view")
        st.divider()
        room.sidebar()  # "Start a class" / "Join a class", or the class's panel


def end_page(*, link: bool = True) -> None:
    """Call last on every page: logs the run's time, and writes the view into the URL and shows the link to it
    (:func:`ui.view.view_link`), unless ``link`` is False (a page whose live slider did that: ``ui.live_slider``)."""
    server.log_run_time()
    if link:
        view_link()
