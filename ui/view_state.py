"""What a session keeps of its view across pages: every widget's value, the test image of each data set, the data
set the page shows and presenter mode.

Streamlit forgets a widget's value on a run that does not draw it, and the shared digit is an index into one data
set's test images: :func:`ui.frame.start_page` calls :func:`keep_widget_values` and :func:`follow_data_set` on every run."""

from __future__ import annotations

import streamlit as st

from kdviz.data import datasets

DIGIT_DATA, DIGIT_OF = "_digit_data", "_digit_of"  # the data set the shared digit is an image of; {data set: its last digit}
PAGE_DATA = "_page_data"  # the data set this page shows (start_page sets it)


def dataset() -> str:
    """The data set this page shows: the session's choice (``?data=``, the sidebar) if the page takes it,
    else the default (:func:`ui.frame.start_page`'s ``data``)."""
    return st.session_state.get(PAGE_DATA, datasets.DEFAULT)


def present() -> bool:
    """True in presenter mode (``?present=1``): sidebar collapsed, larger text and charts."""
    return bool(st.session_state.get("present", 0))


def follow_data_set(shown: str) -> None:
    """The shared digit (an index into one data set's test images) when the page shows data set ``shown``.

    A digit of another data set (the sidebar's switch, a page that shows only the digits, the demo) would be an
    unrelated image here (MNIST's #941, a 9 the teacher finds like a 4, is a Trouser at p = 0.995 in Fashion-MNIST).
    So it is put aside for its data set, and the digit becomes the one last seen on ``shown``, or None (then
    :func:`ui.frame.start_page` opens ``shown``'s lesson image, :func:`kdviz.train.reference.opening_digit`). Switching back returns
    to the image the learner was looking at. A link's digit belongs to the link's data set."""
    state = st.session_state
    owner = state.get(DIGIT_DATA, state["data"])  # unset: the first run (the link's data set) or after "Reset view"
    if owner != shown:
        kept = state.get(DIGIT_OF, {})
        state[DIGIT_OF] = kept | {owner: state["digit"]}
        state["digit"] = kept.get(shown)
    state[DIGIT_DATA] = shown


def digit_of(data: str):
    """The shared digit when it is an image of data set ``data`` (see :func:`follow_data_set`), else None."""
    state = st.session_state
    return state.get("digit") if state.get(DIGIT_DATA, state["data"]) == data else None


KEPT_VALUES = "_kept_values"  # {widget key: its last value}; "Reset view" clears it with the page views (a "_" key)
KEPT_KINDS = frozenset({"bool_value", "int_value", "double_value", "string_value", "string_array_value",
                        "double_array_value", "int_array_value"})  # widget values session state may set: not buttons,
# file uploaders (files), components (the canvas' JSON), chat input; charts' selections are not used as widgets here


def keep_widget_values() -> None:
    """Every keyed widget keeps its value across page changes (:func:`ui.frame.start_page` calls it, before any widget).

    Streamlit drops a widget's value at the end of a run that did not draw it (another page, a branch not taken,
    ``st.stop``), and the widget comes back at its default (Train's epochs at 1, issue 28). Each run notes the
    value of every keyed widget (of the kinds :data:`KEPT_KINDS`) and gives back, through session state, the
    values dropped since. Buttons, uploads and the canvas can't be set so: they start empty on a page's return."""
    from streamlit.runtime.state import get_session_state

    state, inner = st.session_state, get_session_state()._state  # Streamlit's SessionState: which key is what widget
    kept = state[KEPT_VALUES] if KEPT_VALUES in state else {}
    for key, value in kept.items():  # set, also when not dropped: the browser then shows the value too
        state[key] = state[key] if key in state else value
    for key in list(state):
        widget = inner.get_widget_id_from_key(key)
        meta = inner.get_widget_metadata(widget) if widget else None
        if meta is not None and meta.value_type in KEPT_KINDS:
            kept[key] = state[key]
    state[KEPT_VALUES] = kept
