"""What a page loads, once per server per data set, under a progress bar: the data and teacher (:func:`resources`),
the reference students (:func:`reference_students`), the full runs shipped with kdviz (:func:`shipped_value`); and a
computation of this session under its progress bar (:func:`run_with_progress`). What is loaded is never mutated."""

from __future__ import annotations

import gc
import sys
import threading
import time

import streamlit as st

from kdviz.base import i18n
from kdviz.data import datasets, idx
from kdviz.lab import shipped
from kdviz.train import reference
from kdviz.train import resources as kdviz_resources
from kdviz.train.resources import Resources
from ui.text import DATA_NAMES, lang, one_line, tr
from ui.view_state import dataset

STUDENT_SECONDS = 3e-5  # a first guess of a reference student's cost, s per training image and epoch (2 cores), until
# its first epoch is timed (5 epochs on Fashion-MNIST's 60,000 took 10.6 s on 2 busy cores)
DATA_ERRORS = {"missing": "error.data_missing", "bad": "error.data_bad", "too_large": "error.data_too_large",
               "blank": "error.data_blank", "not_installed": "error.data_not_installed"}  # IDXError.reason → message key

_FOLDER_TRAINING = threading.Lock()  # a folder's teacher is trained once per server, under one learner's progress bar
_STUDENT_TRAINING = threading.Lock()  # one reference student trained at a time, under one learner's progress bar
_FOLDER_READY: set[str] = set()  # folders whose teacher this server has loaded
_OPENED: set[tuple[str, str]] = set()  # the data sets (:func:`data_args`) this server has loaded
_TRAINED: set[tuple[str, str]] = set()  # and whose reference students it has


def data_args(key: str) -> tuple[str, str]:
    """``(key, folder)``, the cache key of :func:`loaded_resources` for data set ``key``: a folder data set is cached
    by its path (``KDVIZ_DATA_DIR``), any other with an empty folder."""
    return key, str(datasets.folder_from_env() or "") if key == datasets.FOLDER else ""


@st.cache_resource(show_spinner=False)
def loaded_resources(dataset: str = datasets.DEFAULT, folder: str = "") -> Resources:
    """The data and teacher of ``dataset``, loaded once per server and shared by every session (never mutate them);
    no progress bar (:func:`resources` draws it). ``folder``: the path of ``KDVIZ_DATA_DIR`` for the folder data set
    (part of the cache key), else empty: pass :func:`data_args`."""
    res = kdviz_resources.load_resources(dataset=dataset, data_dir=folder or None)  # looked up at call time (tests replace it)
    gc.freeze()  # it lives as long as the server: out of the collector's sight (see ui.server.prepare)
    return res


def resources() -> Resources:
    """The data and teacher of :func:`ui.view_state.dataset`, loaded once per server per data set and never mutated.
    A folder's teacher (``KDVIZ_DATA_DIR``) is trained on first use under a progress bar, then cached on disk."""
    key, folder = data_args(dataset())
    if folder and folder not in _FOLDER_READY:
        _train_folder_teacher()
    if (key, folder) in _OPENED:  # loaded: from memory
        return loaded_resources(key, folder)
    bar = st.progress(0.0, text=tr("ui.opening_step", name=tr(DATA_NAMES[key]), n=1, what=tr("ui.stage_data")))
    try:
        res = loaded_resources(key, folder)
    finally:
        bar.empty()
    _OPENED.add((key, folder))
    if folder:
        _FOLDER_READY.add(folder)
    return res


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


def class_names() -> tuple[str, ...]:
    """The 10 class names of :func:`ui.view_state.dataset` in the session's language ("0" … "9" for digits)."""
    return datasets.class_names(dataset(), lang())


@st.cache_resource(show_spinner=False)
def _reference_students(dataset: str = datasets.DEFAULT, folder: str = "") -> "reference.StudentStates":
    """Read from the disk cache that :func:`reference_students` filled first (no Streamlit call in here: a cached
    function replays the elements it drew, and a progress bar drawn from here broke other sessions' replays)."""
    res = loaded_resources(dataset, folder)
    states = reference.student_states(res, full_epochs=datasets.student_epochs(res.dataset, len(res.data.y_train)))  # disk-cached
    gc.freeze()  # as the resources: server-long
    return states


def reference_students() -> "reference.StudentStates":
    """One default student (784-128-10, T = 4, γ = 0.9, seed 0) at 0, 1 and its data set's default epochs (30 on the
    MNIST digits, 5 on Fashion-MNIST), per data set, shared by all sessions."""
    args = data_args(dataset())
    if args in _TRAINED:
        return _reference_students(*args)
    res, name = loaded_resources(*args), tr(DATA_NAMES[args[0]])
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
