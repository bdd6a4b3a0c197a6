"""What every page shares (the Streamlit side only; the math is in kdviz).

* ``resources()``: data, teacher and teacher logits, loaded once per server and never mutated;
* ``start_page(title)``: page config, the language, the view read from the URL once per
  session, and the shared T and γ kept alive across pages;
* ``tr(key, **fields)``: a message of ``kdviz.i18n`` in the session's language (every text shown);
* ``T_slider()`` / ``gamma_slider()``: the widgets with the keys ``T`` and ``gamma``;
* ``end_page()``: writes the current view back into the URL and shows the link to it;
* ``one_line(err)``: the message shown instead of a traceback.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import streamlit as st
import torch
from streamlit.errors import StreamlitAPIException

from kdviz import explore, i18n, shipped, urlstate
from kdviz import resources as kdviz_resources
from kdviz.resources import Resources

ROOT = Path(__file__).resolve().parent
# Every tensor op the pages run is tiny: one intra-op thread each, so that many sessions' script
# threads share the cores instead of each op asking for all of them (torch's default).
torch.set_num_threads(1)
PAGES = [  # the one page list: script, icon, label key, home-card key, page-title key (kdviz.i18n)
    ("app.py", ":material/home:", "nav.home", None, "home.title"),
    ("pages/1_Temperature.py", ":material/thermostat:", "nav.temperature", "home.card_temperature", "temp.title"),
    ("pages/2_Losses.py", ":material/balance:", "nav.losses", "home.card_losses", "losses.title"),
    ("pages/3_Train.py", ":material/model_training:", "nav.train", "home.card_train", "train.title"),
    ("pages/4_Lab.py", ":material/science:", "nav.lab", "home.card_lab", "lab.title"),
    ("pages/5_Compression.py", ":material/compress:", "nav.compression", "home.card_compression", "comp.title"),
    ("pages/6_Your_digit.py", ":material/draw:", "nav.your_digit", "home.card_your_digit", "mine.title"),
]
SHARED = ("T", "gamma", "digit", "seed", "lang")  # per-session view, kept across pages and in the URL


@st.cache_resource(show_spinner=False)
def _resources() -> Resources:
    return kdviz_resources.load_resources()  # looked up at call time (tests replace it)


def resources() -> Resources:
    with st.spinner(tr("ui.spinner_resources")):  # the spinner is in the chosen language, so not the cache's own
        return _resources()


@st.cache_resource(show_spinner=False)
def _reference_students() -> "explore.StudentStates":
    return explore.student_states(resources())


def reference_students() -> "explore.StudentStates":
    """One default student (784-128-10, T = 4, γ = 0.9, seed 0) at 0, 1 and 30 epochs, shared by all sessions."""
    with st.spinner(tr("ui.spinner_reference")):
        return _reference_students()


def one_line(err: BaseException) -> str:
    text = str(err).strip().splitlines()
    return f"{type(err).__name__}: {text[0] if text else ''}"[:300]


def lang() -> str:
    return st.session_state.get("lang", "en")


def tr(key: str, **fields) -> str:
    return i18n.tr(key, lang(), **fields)


def start_page(title: str, *, icon: str = "🔥") -> Resources | None:
    """Call first on every page. Returns the shared resources, or None (with one error line) if unusable.

    ``title``: a key of ``kdviz.i18n.MESSAGES`` (shown in the chosen language), or plain text kept as is.
    """
    state = st.session_state
    state["_run_started"] = (time.perf_counter(), title)
    if "_view_read" not in state:  # first run of this session: the link's view wins over the defaults
        state["_view_read"] = True
        values, problems = urlstate.parse_query(st.query_params.to_dict())
        for name in SHARED:
            state[name] = values.get(name, urlstate.PARAMS[name][3])
        state["_url_problems"] = problems
    for name in SHARED:  # a widget's key is dropped on a page without that widget; re-assigning keeps it
        state[name] = state[name]
    name = tr(title) if title in i18n.MESSAGES else title
    st.set_page_config(page_title=f"kdviz: {name}", page_icon=icon, layout="wide")
    with st.sidebar:
        try:
            for script, icon, label, _, _ in PAGES:
                if (ROOT / script).exists():
                    st.page_link(script, label=tr(label), icon=icon)
        except StreamlitAPIException:  # a page run on its own (AppTest.from_file of a page) has no app to link
            pass
        st.divider()
        st.selectbox(tr("lang.label"), i18n.LANGS, key="lang", format_func={"en": tr("lang.en"), "zh": tr("lang.zh")}.get)
    for problem in state.pop("_url_problems", []):  # said once, on the page the link opened
        text = problem.text(lang()) if isinstance(problem, urlstate.Problem) else problem  # the problem in the chosen language
        st.warning(tr("url.bad", problem=text))
    try:
        return resources()
    except Exception as err:  # a missing or altered teacher file: one line, never a traceback
        st.error(tr("error.teacher", error=one_line(err)))
        return None


def T_slider(where=st, **kwargs) -> float:
    lo, hi = urlstate.PARAMS["T"][1:3]
    return where.slider(tr("common.temperature"), lo, hi, step=0.5, key="T", help=tr("ui.T_help"), **kwargs)


def gamma_slider(where=st, **kwargs) -> float:
    return where.slider(tr("ui.gamma_label"), 0.0, 1.0, step=0.05, key="gamma", help=tr("ui.gamma_help"), **kwargs)


def _log_run_time() -> None:
    """With ``$KDVIZ_TIMING_LOG`` set (benchmarks only), append this script run's server time: ``page<TAB>ms``."""
    path = os.environ.get("KDVIZ_TIMING_LOG")
    started = st.session_state.get("_run_started")
    if path and started:
        with open(path, "a") as f:  # one short line per run: appends from many sessions don't interleave
            f.write(f"{started[1]}\t{1000 * (time.perf_counter() - started[0]):.1f}\n")


def end_page() -> None:
    """Write the view into the URL (so the address bar is always a shareable link) and show it."""
    _log_run_time()
    view = {name: st.session_state[name] for name in SHARED}
    query = urlstate.to_query(view)
    current = urlstate.to_query(urlstate.parse_query(st.query_params.to_dict())[0])
    if query != current:
        st.query_params.from_dict(dict(pair.split("=", 1) for pair in query.split("&")))
    try:
        base = (st.context.url or "").split("?")[0]  # this page's address, as the browser sees it
    except Exception:  # no browser behind this run (AppTest)
        base = ""
    with st.sidebar:
        st.caption(tr("link.copy"), help=tr("link.help"))
        st.code(f"{base}?{query}", language=None, wrap_lines=True)  # the code block has a copy button


def run_with_progress(label: str, fn, *args, failed: str = "common.failed", **kwargs):
    """Call ``fn(*args, progress=..., **kwargs)`` under a progress bar that shows its messages in this
    session's language. On failure: one ``st.error`` line (the message key ``failed``), no traceback,
    and None."""
    bar = st.progress(0.0, text=label)
    try:
        out = fn(*args, progress=lambda done, message: bar.progress(
            done, text=tr("common.progress", label=label, message=i18n.render(message, lang()))), **kwargs)
    except Exception as err:  # one line, never a traceback
        bar.empty()
        st.error(tr(failed, label=label, error=one_line(err)))
        return None
    bar.empty()
    return out


def shipped_result(name: str, from_json, *, empty: str):
    """The full run ``name`` shipped with kdviz (:mod:`kdviz.shipped`), to draw when this session has none.

    ``from_json(result)`` turns the shipped JSON into what the page draws; a file it refuses
    (``ValueError``, ``KeyError``, ``TypeError``) counts as none. Shows the caption that says where
    the figures were measured, or one line: ``empty`` when nothing usable is shipped, the reason
    when the result is stale (another data split or teacher). Returns the value, or None.
    """
    res = resources()
    found = shipped.load(name, data_fingerprint=res.data.fingerprint, teacher_sha256=str(res.teacher_meta.get("sha256", "")))
    if found is not None and found.stale is not None:
        st.warning(i18n.render(found.stale, lang()))
        return None
    try:
        value = None if found is None else from_json(found.result)
    except (ValueError, KeyError, TypeError):  # a damaged file: as if none were shipped
        value = None
    if value is None:
        st.info(empty)
        return None
    prov = found.provenance
    st.caption(tr("shipped.source", date=prov.get("date", "?"), machine=prov.get("machine", "?"), command=prov.get("command", "?"),
                  seeds=", ".join(str(s) for s in found.result.get("seeds", []))))
    return value
