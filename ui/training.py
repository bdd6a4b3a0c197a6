"""The Train page's server side: the bounded training queue and its worker processes (issue 13)."""

from __future__ import annotations

import logging
import threading
from functools import cache

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from ui.text import tr


def train_queue():
    """``(queue, pool)``: the server's training queue (:func:`kdviz.serve.trainqueue.shared`) and its worker
    processes (:func:`kdviz.serve.workers.shared`, one per slot; None with ``KDVIZ_TRAIN_WORKERS=threads``).
    The first call starts the workers, so a page calls it when it opens, before the press.
    ``(None, None)`` with one error line when a setting is bad."""
    from kdviz.serve import trainqueue, workers

    try:
        queue = trainqueue.shared()
        return queue, (workers.shared(queue.slots) if workers.mode_from_env() == "processes" else None)
    except ValueError as err:
        st.error(tr("queue.bad_setting", error=str(err)))
        return None, None


def training_off() -> str | None:
    """Why this server can't train (a bad ``KDVIZ_TRAIN_SLOTS`` or ``KDVIZ_TRAIN_WORKERS``: one line), or None."""
    from kdviz.serve import trainqueue, workers

    try:
        trainqueue.shared()
        workers.mode_from_env()
    except ValueError as err:
        return str(err)
    return None


SCROLL_JS = """<script>(() => {{
    let tries = 0, held = 0;
    const go = () => {{
        const box = document.querySelector('.st-key-{key}');
        const drawn = box && box.querySelector('.js-plotly-plot .main-svg');
        if (drawn) {{
            box.style.minHeight = Math.max(box.offsetHeight, parseFloat(box.style.minHeight) || 0) + 'px';  // no collapse on a redraw
            box.style.scrollMarginTop = '4.5rem';  // below Streamlit's fixed header (3.75 rem)
            box.scrollIntoView({{block: 'start', behavior: 'instant'}});
        }}
        if ((drawn ? ++held : ++tries) < (drawn ? 5 : 100)) setTimeout(go, 150);  // the chart drawn, then kept there ~0.75 s
    }};
    go();
}})()</script>"""


def scroll_into_view(key: str) -> None:
    """Scroll the page so that the container with ``key`` (``st.container(key=...)``) starts at the top of the
    window: a press's live chart, which at 390 px or in presenter mode is drawn below the fold. ``key``: a
    constant of the page, never user text."""
    st.html(SCROLL_JS.format(key=key), unsafe_allow_javascript=True)


def session_id() -> str:
    """This browser session's id (names its tickets in the training queue)."""
    ctx = get_script_run_ctx()
    return ctx.session_id if ctx is not None else ""


def _quiet_press_threads(record) -> bool:
    """A logging filter: a press's thread stores its run without a script context, on purpose; no warning for it."""
    return not threading.current_thread().name.startswith("kdviz-press")


@cache  # the filter is added once per process, by the first press
def _quiet_script_context_log() -> None:
    logging.getLogger("streamlit.runtime.scriptrunner_utils.script_run_context").addFilter(_quiet_press_threads)


def keep_runs(max_runs: int):
    """``store(run)``, callable from any thread: appends a finished run to this session's ``runs``
    (oldest dropped beyond ``max_runs``), even when the learner has gone to another page meanwhile."""
    state = get_script_run_ctx().session_state  # thread-safe (its own lock), outlives this script run
    _quiet_script_context_log()

    def store(run) -> None:
        runs = state["runs"] if "runs" in state else []
        state["runs"] = (runs + [run])[-max_runs:]
    return store
