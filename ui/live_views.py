"""The live views (``kdviz/viz/live``): T and γ computed and drawn in the browser while the learner drags; the
server hears the release (issue 13)."""

from __future__ import annotations

import json
import time
from functools import lru_cache, partial

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from kdviz.serve import urlstate
from kdviz.viz import live as kdviz_live
from ui.charts import scale
from ui.components import mount
from ui.resources import data_args, loaded_resources
from ui.server import log_run_time
from ui.text import lang, tr, words
from ui.view import HEARD, VIEW_VERSION, view_link
from ui.view_state import dataset

LIVE_PARAMS = {"T": ("common.temperature", "ui.T_help", 0.5), "gamma": ("ui.gamma_label", "ui.gamma_help", 0.05)}  # label, help, step


def live_teacher() -> dict:
    """The page's teacher test logits (n_test × 10) and labels, base64-encoded once per server per data set."""
    return _live_teacher(*data_args(dataset()))


@st.cache_resource(show_spinner=False)
def _live_teacher(dataset_: str, folder: str = "") -> dict:
    res = loaded_resources(dataset_, folder)
    return {"logits": kdviz_live.b64f32(res.logits.test), "labels": kdviz_live.b64u8(res.data.y_test), "n": len(res.data.y_test)}


def live_slider(*, key: str, params: tuple[str, ...]) -> None:
    """The page's live ``"slider"`` view (:func:`live` with ``params``) and the link to the view
    (:func:`ui.view.view_link`: the URL and the sidebar's link), in a fragment of their own.

    A release then reruns only this fragment, not the page (issue 13): the page's other views take T and γ from
    the slider in the browser, and nothing else the server draws on the page shows them. The release's callback
    sets the shared ``T`` / ``gamma``, the fragment redraws the slider (which says the release was heard) and the
    link, and writes the URL. Call it once per page, after anything that changes the shared view in this run, and
    end the page with ``end_page(link=False)``. A page that also draws something at T on the server (Your digit:
    the digit map, the nearest test digits) mounts ``live("slider", ...)`` itself instead: its release reruns the
    whole page, and ``end_page()`` shows the link.
    """
    _slider_fragment(key, tuple(params))


@st.fragment
def _slider_fragment(key: str, params: tuple[str, ...]) -> None:
    started = time.perf_counter()
    live("slider", key=key, params=params)
    view_link()  # on a full run at the slider's place in the script, the sidebar's end: where end_page draws it
    ctx = get_script_run_ctx()
    if ctx is not None and ctx.fragment_ids_this_run:  # a release's own run (end_page times a full run)
        log_run_time((started, f"{st.session_state.get('_run_started', (0, '?'))[1]}:release"))


def _live_release(key: str) -> None:
    """A live slider was released. Its ``release`` trigger, ``{"values": {"T": x, "gamma": y}, "seq": n}``,
    sets the session's shared ``T`` / ``gamma`` (and so the URL's) unless release ``n`` was heard already;
    the slider's data then says ``heard = n``, and the browser stops sending it (see ``kdviz/viz/live/views.js``).
    Values out of range or of the wrong type are ignored."""
    state = st.session_state
    release = (state.get(key) or {}).get("release")
    if not isinstance(release, dict) or not isinstance(release.get("values"), dict):
        return
    seq = release.get("seq")
    if not isinstance(seq, int) or isinstance(seq, bool) or seq <= state.get(HEARD, 0):
        return
    for name, value in release["values"].items():
        if name in LIVE_PARAMS and isinstance(value, (int, float)) and not isinstance(value, bool):
            lo, hi = urlstate.PARAMS[name][1:3]
            if lo <= value <= hi:
                state[name] = float(value)
    state[HEARD] = seq


def live(view: str, *, key: str, keys=(), params=(), **fields) -> None:
    """Mount one live view (:mod:`kdviz.viz.live`) under ``key`` (start it with ``_``: "Reset view" clears it).

    ``keys``: catalog keys whose templates the view formats in the browser; ``params``: the sliders
    ("T", "gamma") of a ``"slider"`` view, whose release reruns the script once (the page, or the
    fragment of :func:`live_slider`) and sets the shared value; ``fields``: the view's data (JSON-ready).
    """
    state = st.session_state
    if params:
        fields["params"] = json.dumps([{"name": p, "label": tr(LIVE_PARAMS[p][0]), "help": tr(LIVE_PARAMS[p][1]),
                                        "step": LIVE_PARAMS[p][2], "min": urlstate.PARAMS[p][1], "max": urlstate.PARAMS[p][2]}
                                       for p in params])
    T, gamma = (state["T"], state["gamma"]) if view == "slider" else (None, None)  # only the slider carries them
    if view == "slider":
        fields["heard"], fields["version"] = state.get(HEARD, 0), state.get(VIEW_VERSION, 0)
    keys = tuple((k, words(k)) if words(k) != k else k for k in keys)  # images and classes, not digits (ui.words)
    data = _live_json(view, lang(), T, gamma, scale(), keys, tuple(sorted(fields.items())))
    mount(key, data, **({"on_release_change": partial(_live_release, key)} if params else {}))


@lru_cache(maxsize=256)  # ≤ 256 × ~110 kB (a Losses view's two 1000 × 10 logits)
def _live_json(view: str, lang_: str, T, gamma, scale: float, keys: tuple, fields: tuple) -> bytes:
    """A live view's data as UTF-8 JSON, made once per distinct content and shared by every session. Sent as
    bytes, Streamlit forwards it as is: no walk of the dict and no JSON encoding on each rerun (its arrays are
    long base64 strings). ``fields``: (name, value) pairs; ``params`` is JSON text already."""
    data = dict(fields)
    if "params" in data:
        data["params"] = json.loads(data["params"])
    return json.dumps(kdviz_live.view(view, lang=lang_, T=T if T is not None else 1.0, gamma=gamma, scale=scale, keys=keys,
                                      **data), ensure_ascii=False, separators=(",", ":")).encode("utf-8")
