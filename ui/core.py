"""The core of what every page shares (the Streamlit side only; the math is in kdviz): resources per data set,
the page's start and end, the language, the shared view and its widgets, charts. The package ``ui`` re-exports it."""

from __future__ import annotations

import gc
import html
import os
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

import pandas as pd
import streamlit as st
import torch
from streamlit.errors import StreamlitAPIException

from kdviz.base import i18n, safetext
from kdviz.data import datasets, idx
from kdviz.lab import shipped
from kdviz.serve import urlstate
from kdviz.train import reference
from kdviz.train import resources as kdviz_resources
from kdviz.train.resources import Resources
from kdviz.viz import style

from .view_state import DIGIT_DATA, follow_data_set, keep_widget_values

ROOT = Path(__file__).resolve().parents[1]  # the checkout: app.py, pages/
# Every tensor op the pages run is tiny: one intra-op thread each, so that many sessions' script
# threads share the cores instead of each op asking for all of them (torch's default).
torch.set_num_threads(1)
PAGES = [  # the one page list: script, icon, label key, home-card key, page-title key (kdviz.base.i18n)
    ("app.py", ":material/home:", "nav.home", None, "home.title"),
    ("pages/1_Temperature.py", ":material/thermostat:", "nav.temperature", "home.card_temperature", "temp.title"),
    ("pages/2_Losses.py", ":material/balance:", "nav.losses", "home.card_losses", "losses.title"),
    ("pages/3_Train.py", ":material/model_training:", "nav.train", "home.card_train", "train.title"),
    ("pages/4_Lab.py", ":material/science:", "nav.lab", "home.card_lab", "lab.title"),
    ("pages/5_Compression.py", ":material/compress:", "nav.compression", "home.card_compression", "comp.title"),
    ("pages/6_Your_digit.py", ":material/draw:", "nav.your_digit", "home.card_your_digit", "mine.title"),
]
SHARED = ("T", "gamma", "digit", "seed", "lang", "present", "data", "method", "alpha", "beta")  # per-session view, kept across pages and in the URL
KEPT_ON_RESET = ("lang", "present", "_view_read", "_run_started", "_live_heard", "_view_version",  # "Reset view" keeps these,
                 "_room", "_room_member", "_room_page")  # the class the session is in (ui.room), the runs and results
HEARD = "_live_heard"  # the seq of the last live release this session ran
VIEW_VERSION = "_view_version"  # counts the changes of the shared view by anything but a live release
RESET_KEYS = ("lab.tab", "compress.preset", "compress.x", "compress.columns", "compress.rank", "compress.rank_measured")  # page views reset too


@st.cache_resource(show_spinner=False)
def _resources(dataset: str = datasets.DEFAULT, folder: str = "") -> Resources:
    """``folder``: the path of ``KDVIZ_DATA_DIR`` for the folder data set (part of the cache key), else empty."""
    res = kdviz_resources.load_resources(dataset=dataset, data_dir=folder or None)  # looked up at call time (tests replace it)
    gc.freeze()  # it lives as long as the server: out of the collector's sight (see the imports' gc.freeze below)
    return res


def dataset() -> str:
    """The data set this page shows: the session's choice (``?data=``, the sidebar) if the page takes it,
    else the default (:func:`start_page`'s ``data``)."""
    return st.session_state.get("_page_data", datasets.DEFAULT)


_FOLDER_TRAINING = threading.Lock()  # a folder's teacher is trained once per server, under one learner's progress bar
_FOLDER_READY: set[str] = set()  # folders whose teacher this server has loaded


def resources() -> Resources:
    """The data and teacher of :func:`dataset`, loaded once per server per data set and never mutated.
    A folder's teacher (``KDVIZ_DATA_DIR``) is trained on first use under a progress bar, then cached on disk."""
    key, folder = _data_args(dataset())
    if folder and folder not in _FOLDER_READY:
        _train_folder_teacher()
    if (key, folder) in _OPENED:  # loaded: from memory
        return _resources(key, folder)
    bar = st.progress(0.0, text=tr("ui.opening_step", name=tr(DATA_NAMES[key]), n=1, what=tr("ui.stage_data")))
    try:
        res = _resources(key, folder)
    finally:
        bar.empty()
    _OPENED.add((key, folder))
    if folder:
        _FOLDER_READY.add(folder)
    return res


_OPENED: set[tuple[str, str]] = set()  # the data sets (:func:`_data_args`) this server has loaded
_TRAINED: set[tuple[str, str]] = set()  # and whose reference students it has
STUDENT_SECONDS = 3e-5  # a first guess of a reference student's cost, s per training image and epoch (2 cores), until
# its first epoch is timed (5 epochs on Fashion-MNIST's 60,000 took 10.6 s on 2 busy cores)


def _data_args(key: str) -> tuple[str, str]:
    """``(key, folder)`` for :func:`_resources`: a folder data set is cached by its path (``KDVIZ_DATA_DIR``)."""
    return key, str(datasets.folder_from_env() or "") if key == datasets.FOLDER else ""


def _train_folder_teacher() -> None:
    """The folder's teacher, trained now if it is not cached, with a progress bar; other learners wait for it."""
    folder = datasets.folder_from_env()
    with st.spinner(tr("ui.spinner_resources")):
        data = datasets.load_split(data_dir=folder)  # a bad folder: one line (start_page shows it)
    if kdviz_resources.folder_teacher_path(data).exists():
        return  # checked when loaded; a bad file is trained again there
    bar = st.progress(0.0, text=tr("data.folder_waiting"))
    with _FOLDER_TRAINING:  # one training per server: the next learner finds it cached
        if not kdviz_resources.folder_teacher_path(data).exists():
            shown = [-1]

            def progress(done: int, total: int) -> None:
                pct = int(100 * done / total)
                if pct != shown[0]:  # at most 100 updates
                    shown[0] = pct
                    bar.progress(done / total, text=tr("data.folder_training", n=len(data.y_train), pct=pct))

            kdviz_resources.folder_teacher(data, progress=progress)
    bar.empty()


def class_names() -> tuple[str, ...]:
    """The 10 class names of :func:`dataset` in the session's language ("0" … "9" for digits)."""
    return datasets.class_names(dataset(), lang())


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


def words(key: str) -> str:
    """``key``, or its :data:`IMAGE_WORDS` variant (images and classes, not digits) when the page shows a data
    set other than digits."""
    return key if datasets.is_digits(dataset()) else IMAGE_WORDS.get(key, key)


@st.cache_resource(show_spinner=False)
def _reference_students(dataset: str = datasets.DEFAULT, folder: str = "") -> "reference.StudentStates":
    """Read from the disk cache that :func:`reference_students` filled first (no Streamlit call in here: a cached
    function replays the elements it drew, and a progress bar drawn from here broke other sessions' replays)."""
    res = _resources(dataset, folder)
    states = reference.student_states(res, full_epochs=datasets.student_epochs(res.dataset, len(res.data.y_train)))  # disk-cached
    gc.freeze()  # as the resources: server-long
    return states


_STUDENT_TRAINING = threading.Lock()  # one reference student trained at a time, under one learner's progress bar


def reference_students() -> "reference.StudentStates":
    """One default student (784-128-10, T = 4, γ = 0.9, seed 0) at 0, 1 and its data set's default epochs (30 on the
    MNIST digits, 5 on Fashion-MNIST), per data set, shared by all sessions."""
    args = _data_args(dataset())
    if args in _TRAINED:
        return _reference_students(*args)
    res, name = _resources(*args), tr(DATA_NAMES[args[0]])
    epochs = datasets.student_epochs(res.dataset, len(res.data.y_train))
    say = lambda done, eta: tr("ui.opening_step", name=name, n=2, what=tr("ui.stage_student", epoch=min(done + 1, epochs),  # noqa: E731
                                                                           epochs=epochs, eta=eta))
    bar, started = st.progress(0.0, text=say(0, epochs * len(res.data.y_train) * STUDENT_SECONDS)), time.perf_counter()

    def progress(done: int, total: int) -> None:  # after each epoch: the time left at the rate measured so far
        bar.progress(done / total, text=say(done, (time.perf_counter() - started) / done * (total - done)))

    try:
        with _STUDENT_TRAINING:  # trained (or found on disk) here, outside the cache; other learners wait, then read it
            reference.student_states(res, full_epochs=epochs, progress=progress)
        states = _reference_students(*args)
    finally:
        bar.empty()
    _TRAINED.add(args)
    return states


CHART_CONFIG = {"displayModeBar": False, "displaylogo": False}  # no plotly toolbar over the titles
PRESENT_SCALE = 1.3  # ?present=1: text and chart heights × this
CHART_TITLE_CSS = "font-weight: 600; font-size: 1.125rem; line-height: 1.4"  # 18 px, as kdviz.viz.style's
PRESENT_CSS = "html { font-size: 20px; } [data-testid='stMainBlockContainer'] { max-width: 100%; padding-left: 2rem; padding-right: 2rem; }"


def present() -> bool:
    """True in presenter mode (``?present=1``): sidebar collapsed, larger text and charts."""
    return bool(st.session_state.get("present", 0))


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
    _show(*(("", fig) if again else _prepared(fig, PRESENT_SCALE if present() else 1.0)), key=key, where=where)


def cached_chart(builder, *args, key: str, where=st, **kwargs) -> None:
    """:func:`chart` of ``builder(*args, **kwargs)``, the figure built once per server for equal arguments
    (figures of shipped results and of other session-independent inputs: a rerun then only sends it)."""
    name = f"{builder.__module__}.{builder.__qualname__}"
    _show(*_cached_prepared(builder, name, args, tuple(sorted(kwargs.items())), PRESENT_SCALE if present() else 1.0),
          key=key, where=where)


DATA_ERRORS = {"missing": "error.data_missing", "bad": "error.data_bad", "too_large": "error.data_too_large",
               "blank": "error.data_blank", "not_installed": "error.data_not_installed"}  # IDXError.reason → message key


def resources_error(err: BaseException) -> str:
    """What the page says when :func:`resources` failed: a data problem (:class:`kdviz.data.idx.IDXError`, by its
    ``reason``) or else the teacher's, from the catalog; the exception itself, which names server paths,
    goes to the server's log."""
    print(f"kdviz: {dataset()}: {one_line(err)}", file=sys.stderr)
    if isinstance(err, idx.IDXError):
        return tr(DATA_ERRORS.get(err.reason, "error.data_bad"), data=tr(DATA_NAMES[dataset()]))
    command = (datasets.rebuild_command(dataset()) if dataset() != datasets.FOLDER
               else "python -m kdviz distill --data-dir KDVIZ_DATA_DIR")
    return tr("error.teacher", command=command)


def one_line(err: BaseException) -> str:
    text = str(err).strip().splitlines()
    return f"{type(err).__name__}: {text[0] if text else ''}"[:300]


def lang() -> str:
    return st.session_state.get("lang", "en")


def tr(key: str, **fields) -> str:
    return i18n.tr(key, lang(), **fields)


def start_page(title: str, *, icon: str = "🔥", data: tuple[str, ...] = (datasets.DEFAULT,),
               data_note: str = "data.page_default") -> Resources | None:
    """Call first on every page. Returns the shared resources, or None (with one error line) if unusable.

    ``title``: a key of ``kdviz.base.i18n.MESSAGES`` (shown in the chosen language), or plain text kept as is.
    ``data``: the data sets (:data:`kdviz.data.datasets.KEYS`) the page takes; when the session chose another, the
    page says so in one line (the message key ``data_note``) and shows the default.
    """
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
    with st.sidebar:
        for script, icon, label, _, _ in PAGES:
            if (ROOT / script).exists():
                page_link(script, label=tr(label), icon=icon)
        from .live_views import phone_nav  # imports this module

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
    for problem in state.pop("_url_problems", []):  # said once, on the page the link opened
        # the problem in the chosen language, the link's values short and inert (st.warning renders Markdown)
        text = problem.text(lang(), markdown=True) if isinstance(problem, urlstate.Problem) else safetext.inert(problem, 300)
        st.warning(tr("url.bad", problem=text))
    room.notices()
    state["_page_data"] = state["data"] if state["data"] in data else datasets.DEFAULT
    if state["data"] not in data:  # said in one line; the page shows the default data set
        st.info(tr(data_note, chosen=tr(DATA_NAMES[state["data"]]), shown=tr(DATA_NAMES[datasets.DEFAULT])))
    try:
        res = resources()
    except Exception as err:  # one line from the catalog, never a traceback nor a server path (those go to the log)
        st.error(resources_error(err))
        return None
    follow_data_set(state["_page_data"])
    if state["digit"] is not None and state["digit"] >= len(res.data.y_test):  # from a link
        if state["data"] == state["_page_data"]:
            st.warning(tr("url.bad", problem=tr("url.digit_beyond", value=state["digit"], n=len(res.data.y_test))))
        state["digit"] = None
    if state["digit"] is None:  # no digit in the link: the computed default
        state["digit"] = default_view(res)["digit"]
    room_bar.class_bar(res)  # in a class: the lecturer's questions, a student's question card
    return res


def default_view(res: Resources) -> dict:
    """The view every page opens on: urlstate's defaults, and the test image of :func:`kdviz.train.reference.opening_digit`
    (the 4 or 9 the teacher finds most like the other, on MNIST)."""
    view = {name: urlstate.PARAMS[name][3] for name in ("T", "gamma", "seed", "method", "alpha", "beta")}
    return view | {"digit": reference.opening_digit(res)}


def reset_view() -> None:
    """"Reset view": T, γ, digit, seed and the Train method (KD, α, β) back to their defaults, and every page's own view widgets
    (keys starting with ``_``, and :data:`RESET_KEYS`); the language, presenter mode, this
    session's runs and results are kept. The URL follows at the end of the run."""
    state, shown = st.session_state, dataset()  # the page's data set, read before its key ("_page_data") is cleared
    for key in [k for k in state if (k.startswith("_") or k in RESET_KEYS) and k not in KEPT_ON_RESET]:
        del state[key]
    state["_view_read"] = True
    for name, value in default_view(_resources(*_data_args(shown))).items():
        state[name] = value
    state[DIGIT_DATA] = shown  # the default digit is an image of the page's data set
    _view_changed()


def page_link(script: str, **kwargs) -> None:
    """``st.page_link`` to ``script``; nothing when the page runs on its own (AppTest.from_file of a page
    has no app whose pages it could link)."""
    try:
        st.page_link(script, **kwargs)
    except StreamlitAPIException:
        pass


def switch_page(script: str) -> None:
    try:
        st.switch_page(script)
    except StreamlitAPIException:  # a page run on its own has no app to switch in, as for page_link
        pass


def shared_widget(make, name: str, *args, **kwargs):
    """``make(*args, **kwargs)`` (a widget function, e.g. ``st.slider``) showing and setting the shared
    view value ``name`` (T, γ, the digit, the seed), under its own key ``_w_<name>``.

    The shared keys are never widget keys: a widget's key carries its last value in Streamlit's widget
    state, and after a page without that widget, a run that ended early (a busy server, a new request)
    could bring that old value back over the value a live view set since (a learner's T jumped back
    after a page change in the 50-learner load test)."""
    state, key = st.session_state, f"_w_{name}"
    state[key] = state[name]  # before the widget: it shows the shared value
    return make(*args, key=key, on_change=_from_widget, args=(name, key), **kwargs)


def _from_widget(name: str, key: str) -> None:
    st.session_state[name] = st.session_state[key]
    _view_changed()


def _view_changed() -> None:
    """The shared view changed by a control or a reset, not a live release: a release the browser still
    waits on is older than this change, and is not sent again (``kdviz/viz/live/views.js``)."""
    st.session_state[VIEW_VERSION] = st.session_state.get(VIEW_VERSION, 0) + 1


def T_slider(where=st, **kwargs) -> float:
    lo, hi = urlstate.PARAMS["T"][1:3]
    return shared_widget(where.slider, "T", tr("common.temperature"), lo, hi, step=0.5, help=tr("ui.T_help"), **kwargs)


def gamma_slider(where=st, **kwargs) -> float:
    return shared_widget(where.slider, "gamma", tr("ui.gamma_label"), 0.0, 1.0, step=0.05, help=tr("ui.gamma_help"), **kwargs)


def _log_run_time(started: tuple[float, str] | None = None) -> None:
    """With ``$KDVIZ_TIMING_LOG`` set (benchmarks only), append a script run's server time: ``page<TAB>ms``.
    ``started``: ``(perf_counter, what)`` at the run's start; default: this page run's (:func:`start_page`)."""
    path = os.environ.get("KDVIZ_TIMING_LOG")
    started = started or st.session_state.get("_run_started")
    if path and started:
        with open(path, "a") as f:  # one short line per run: appends from many sessions don't interleave
            f.write(f"{started[1]}\t{1000 * (time.perf_counter() - started[0]):.1f}\n")


def view_query() -> str:
    """The session's shared view (:data:`SHARED`) as the URL's query: what is set, presenter mode only when on,
    the data set only when not the default, DKD's settings (method, α, β) only with DKD."""
    view = {name: st.session_state[name] for name in SHARED if st.session_state[name] is not None}
    view["present"] = int(bool(view.get("present")))
    if not view["present"]:  # presenter mode is named only when on
        del view["present"]
    if view.get("data") == datasets.DEFAULT:  # and a data set only when not the default
        del view["data"]
    if view.get("method") == "kd":  # DKD's settings only with DKD
        for name in ("method", "alpha", "beta"):
            view.pop(name, None)
    return urlstate.to_query(view)


def page_url() -> str:
    """This page's address without its query, as the browser sees it ("" with no browser behind the run: AppTest)."""
    try:
        return (st.context.url or "").split("?")[0]
    except Exception:
        return ""


def view_link() -> None:
    """Write the view into the URL (so the address bar is always a shareable link) and show the link in the
    sidebar. :func:`end_page` calls it; on Temperature and Losses the live slider's fragment does, so that a
    release, which reruns only that fragment, also updates both (``ui.live_views.live_slider``)."""
    room.publish()  # the lecturer's view to the class, when it changed
    query, params = view_query(), st.query_params.to_dict()
    current = urlstate.to_query(urlstate.parse_query(params, data=datasets.offered())[0])
    private, shown = room.link_params(private=True), room.link_params(private=False)  # the class: ?room= (&token=)
    if query != current or private != {k: params[k] for k in ("room", "token") if k in params}:
        st.query_params.from_dict(dict(pair.split("=", 1) for pair in query.split("&") if pair) | private)
    if shown:
        query = "&".join(filter(None, (query, urlencode(shown))))
    with st.sidebar:
        st.caption(tr("link.copy"), help=tr("link.help"))
        st.code(f"{page_url()}?{query}", language=None, wrap_lines=True)  # the code block has a copy button


def end_page(*, link: bool = True) -> None:
    """Call last on every page: logs the run's time, and writes the view into the URL and shows the link to it
    (:func:`view_link`), unless ``link`` is False (a page whose live slider did that: ``ui.live_slider``)."""
    _log_run_time()
    if link:
        view_link()


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


def shipped_value(name: str, from_json):
    """The full run ``name`` shipped with kdviz (:mod:`kdviz.lab.shipped`) and ``from_json(result)`` of it.

    Returns ``(found, value)``: ``found`` is :class:`kdviz.lab.shipped.Shipped` or None; ``value`` is
    None when nothing is shipped, when the result is stale (another data split or teacher), or when
    ``from_json`` refuses the file (``ValueError``, ``KeyError``, ``TypeError``: a damaged file).
    Shows nothing.
    """
    res = resources()
    found = shipped.load(name, data_fingerprint=res.data.fingerprint, teacher_sha256=str(res.teacher_meta.get("sha256", "")))
    if found is None or found.stale is not None:
        return found, None
    try:
        return found, from_json(found.result)
    except (ValueError, KeyError, TypeError):  # a damaged file: as if none were shipped
        return found, None


def shipped_result(name: str, from_json, *, empty: str):
    """:func:`shipped_value`, to draw when this session has run nothing: shows the caption that says
    where the figures were measured, or one line: ``empty`` when nothing usable is shipped, the
    reason when the result is stale. Returns the value, or None.
    """
    found, value = shipped_value(name, from_json)
    if found is not None and found.stale is not None:
        st.warning(i18n.render(found.stale, lang()))
        return None
    if value is None:
        st.info(empty)
        return None
    prov = found.provenance
    st.caption(tr("shipped.source", date=prov.get("date", "?"), machine=prov.get("machine", "?"), command=prov.get("command", "?"),
                  seeds=", ".join(str(s) for s in found.result.get("seeds", []))))
    return value


from . import room, room_bar  # noqa: E402  (they use this module's helpers)

# Python's collector scans every tracked object on a full collection; with torch, pandas and plotly loaded
# that took tens of ms (issue 13). What is imported by now, like the resources and the reference students
# once loaded, lives as long as the server: moved out of the collector's sight (gc.freeze), a collection scans
# only what came later. (Streamlit's own gc.collect after each run is off: runner.postScriptGC in .streamlit/config.toml.)
gc.freeze()
