"""What every page shares (the Streamlit side only; the math is in kdviz).

* ``resources()``: data, teacher and teacher logits, loaded once per server and never mutated;
* ``start_page(title)``: page config, the language, the view read from the URL once per
  session, and the shared T and γ kept alive across pages;
* ``T_slider()`` / ``gamma_slider()``: the widgets with the keys ``T`` and ``gamma``;
* ``end_page()``: writes the current view back into the URL and shows the link to it;
* ``one_line(err)``: the message shown instead of a traceback.
"""

from __future__ import annotations

import streamlit as st
from streamlit.errors import StreamlitAPIException

from pathlib import Path

from kdviz import explore, i18n, urlstate
from kdviz import resources as kdviz_resources
from kdviz.resources import Resources

ROOT = Path(__file__).resolve().parent
PAGES = [  # (script, icon, label)
    ("app.py", ":material/home:", "Home"),
    ("pages/1_Temperature.py", ":material/thermostat:", "Temperature"),
    ("pages/2_Losses.py", ":material/balance:", "Losses"),
    ("pages/3_Train.py", ":material/model_training:", "Train"),
    ("pages/4_Lab.py", ":material/science:", "Lab"),
    ("pages/5_Compression.py", ":material/compress:", "Compression"),
    ("pages/6_Your_digit.py", ":material/draw:", "Your digit"),
]
SHARED = ("T", "gamma", "digit", "seed", "lang")  # per-session view, kept across pages and in the URL


@st.cache_resource(show_spinner="Loading the data and the teacher…")
def resources() -> Resources:
    return kdviz_resources.load_resources()  # looked up at call time (tests replace it)


@st.cache_resource(show_spinner="Training the reference student once for this server (about 3 s)…")
def reference_students() -> "explore.StudentStates":
    """One default student (784-128-10, T = 4, γ = 0.9, seed 0) at 0, 1 and 30 epochs, shared by all sessions."""
    return explore.student_states(resources())


def one_line(err: BaseException) -> str:
    text = str(err).strip().splitlines()
    return f"{type(err).__name__}: {text[0] if text else ''}"[:300]


def lang() -> str:
    return st.session_state.get("lang", "en")


def tr(key: str, **fields) -> str:
    return i18n.tr(key, lang(), **fields)


def start_page(title: str, *, icon: str = "🔥") -> Resources | None:
    """Call first on every page. Returns the shared resources, or None (with one error line) if unusable."""
    st.set_page_config(page_title=f"kdviz: {title}", page_icon=icon, layout="wide")
    state = st.session_state
    if "_view_read" not in state:  # first run of this session: the link's view wins over the defaults
        state["_view_read"] = True
        values, problems = urlstate.parse_query(st.query_params.to_dict())
        for name in SHARED:
            state[name] = values.get(name, urlstate.PARAMS[name][3])
        state["_url_problems"] = problems
    for name in SHARED:  # a widget's key is dropped on a page without that widget; re-assigning keeps it
        state[name] = state[name]
    with st.sidebar:
        try:
            for script, icon, label in PAGES:
                if (ROOT / script).exists():
                    st.page_link(script, label=label, icon=icon)
        except StreamlitAPIException:  # a page run on its own (AppTest.from_file of a page) has no app to link
            pass
        st.divider()
        st.selectbox(tr("lang.label"), i18n.LANGS, key="lang", format_func={"en": "English", "zh": "中文"}.get)
    for problem in state.get("_url_problems", []):
        st.warning(tr("url.bad", problem=problem))
    try:
        return resources()
    except Exception as err:  # a missing or altered teacher file: one line, never a traceback
        st.error(tr("error.teacher", error=one_line(err)))
        return None


def T_slider(where=st, **kwargs) -> float:
    lo, hi = urlstate.PARAMS["T"][1:3]
    return where.slider("Temperature T", lo, hi, step=0.5, key="T",
                        help="Softmax(z / T): T = 1 is the ordinary softmax; a higher T flattens it.", **kwargs)


def gamma_slider(where=st, **kwargs) -> float:
    return where.slider("Weight γ of the soft loss", 0.0, 1.0, step=0.05, key="gamma",
                        help="total = γ·soft + (1 − γ)·hard. γ = 0 ignores the teacher; γ = 1 ignores the labels.", **kwargs)


def end_page() -> None:
    """Write the view into the URL (so the address bar is always a shareable link) and show it."""
    view = {name: st.session_state[name] for name in SHARED}
    query = urlstate.to_query(view)
    current = urlstate.to_query(urlstate.parse_query(st.query_params.to_dict())[0])
    if query != current:
        st.query_params.from_dict(dict(pair.split("=", 1) for pair in query.split("&")))
    with st.sidebar:
        st.caption(tr("link.copy"), help=tr("link.help"))
        st.code("?" + query, language=None)
