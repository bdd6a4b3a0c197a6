"""The session's shared view (T, γ, the digit, the seed, …, :data:`SHARED`): the widgets that show and set it, its
defaults and "Reset view", and the link that reproduces it (the URL and the sidebar's copy)."""

from __future__ import annotations

from urllib.parse import urlencode

import streamlit as st

from kdviz.data import datasets
from kdviz.serve import urlstate
from kdviz.train import reference
from kdviz.train.resources import Resources
from ui import room
from ui.pages import page_url
from ui.resources import data_args, loaded_resources
from ui.text import tr
from ui.view_state import DIGIT_DATA, dataset

SHARED = ("T", "gamma", "digit", "seed", "lang", "present", "data", "method", "alpha", "beta",  # per-session view, kept
          "loss", "jsdbeta", "skew", "std")  # across pages and in the URL (the last four: the Train page's divergence)
SOFT_TERM = ("loss", "jsdbeta", "skew", "std")  # named in the link only when not forward KL on plain logits
KEPT_ON_RESET = ("lang", "present", "_view_read", "_run_started", "_live_heard", "_view_version",  # "Reset view" keeps these,
                 "_room", "_room_member", "_room_page")  # the class the session is in (ui.room), the runs and results
HEARD = "_live_heard"  # the seq of the last live release this session ran
VIEW_VERSION = "_view_version"  # counts the changes of the shared view by anything but a live release
RESET_KEYS = ("lab.tab", "compress.preset", "compress.x", "compress.columns", "compress.rank", "compress.rank_measured")  # page views reset too


def default_view(res: Resources) -> dict:
    """The view every page opens on: urlstate's defaults, and the test image of :func:`kdviz.train.reference.opening_digit`
    (the 4 or 9 the teacher finds most like the other, on MNIST)."""
    view = {name: urlstate.PARAMS[name][3] for name in ("T", "gamma", "seed", "method", "alpha", "beta", *SOFT_TERM)}
    return view | {"digit": reference.opening_digit(res)}


def reset_view() -> None:
    """"Reset view": T, γ, digit, seed and the Train method (KD, α, β; the divergence) back to their defaults, and every page's own view widgets
    (keys starting with ``_``, and :data:`RESET_KEYS`); the language, presenter mode, this
    session's runs and results are kept. The URL follows at the end of the run."""
    state, shown = st.session_state, dataset()  # the page's data set, read before its key ("_page_data") is cleared
    for key in [k for k in state if (k.startswith("_") or k in RESET_KEYS) and k not in KEPT_ON_RESET]:
        del state[key]
    state["_view_read"] = True
    for name, value in default_view(loaded_resources(*data_args(shown))).items():
        state[name] = value
    state[DIGIT_DATA] = shown  # the default digit is an image of the page's data set
    _view_changed()


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
    """The slider of the shared temperature ``T`` (its range from :data:`kdviz.serve.urlstate.PARAMS`)."""
    lo, hi = urlstate.PARAMS["T"][1:3]
    return shared_widget(where.slider, "T", tr("common.temperature"), lo, hi, step=0.5, help=tr("ui.T_help"), **kwargs)


def gamma_slider(where=st, **kwargs) -> float:
    """The slider of the shared soft-loss weight ``gamma`` (0 … 1)."""
    return shared_widget(where.slider, "gamma", tr("ui.gamma_label"), 0.0, 1.0, step=0.05, help=tr("ui.gamma_help"), **kwargs)


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
    loss = view.get("loss")
    if loss != "jsd":  # the divergence's weights only with the divergence that has them
        view.pop("jsdbeta", None)
    if loss not in ("skl", "srkl"):
        view.pop("skew", None)
    if view.get("std"):
        view["std"] = 1  # the toggle leaves True; the link says 1
    else:
        view.pop("std", None)
    if loss == "fkl":
        view.pop("loss", None)
    return urlstate.to_query(view)


def view_link() -> None:
    """Write the view into the URL (so the address bar is always a shareable link) and show the link in the
    sidebar. :func:`ui.frame.end_page` calls it; on Temperature and Losses the live slider's fragment does, so that a
    release, which reruns only that fragment, also updates both (:func:`ui.live_views.live_slider`)."""
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
