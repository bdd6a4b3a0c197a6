"""The guided demo: five steps across the pages, one sentence each on what to look at."""

from __future__ import annotations

import streamlit as st

from ui import room_bar
from ui.pages import PAGES, switch_page
from ui.text import tr, words

DEMO = [  # the guided demo, in order: step id, page script, message key of the one sentence on what to look at
    ("home", "app.py", "demo.home"),
    ("temperature", "pages/1_Temperature.py", "demo.temperature"),
    ("losses", "pages/2_Losses.py", "demo.losses"),
    ("train", "pages/3_Train.py", "demo.train"),
    ("lab", "pages/4_Lab.py", "demo.lab"),
]


DEMO_ENDED = "_demo_ended"  # the learner ended the guided tour (its last step's button)


def demo_step(step: str, text: str | None = None) -> None:
    """The guided demo's bar for ``step`` (an id of :data:`DEMO`): "Step n of 5", one sentence on what
    to look at, and buttons to the previous and next steps. ``text``: that sentence, filled by the page from the
    view it describes (default: the step's message, which names no number). The last step ends the tour (its bar is
    then shown on the home page only, where Next starts it again) or starts it again."""
    ids = [d[0] for d in DEMO]
    n = ids.index(step)
    names = {script: tr(label) for script, _, label, _, _ in PAGES}
    if st.session_state.get(DEMO_ENDED) and n > 0:
        return
    with st.container(border=True, key=f"demo_{step}"):
        say, go = st.columns([3, 1], vertical_alignment="center")
        say.markdown(tr("demo.step", n=n + 1, total=len(DEMO), text=text or tr(words(DEMO[n][2]))))
        if n + 1 < len(DEMO) and go.button(tr("demo.next", page=names[DEMO[n + 1][1]]), icon=":material/arrow_forward:",
                                           icon_position="right", type="primary", key=f"demo_next_{step}", width="stretch"):
            if DEMO[n + 1][0] == "lab":  # the demo's last step is the Lab's fewer-labels tab
                st.session_state["lab.tab"] = tr("lab.tab_fewer")
            st.session_state[DEMO_ENDED] = False
            switch_page(DEMO[n + 1][1])
        if n + 1 == len(DEMO):  # the last step: end the tour, or start it again
            if go.button(tr("demo.end"), icon=":material/check:", type="primary", key="demo_end", width="stretch"):
                st.session_state[DEMO_ENDED] = True
                st.rerun()
            if go.button(tr("demo.restart"), icon=":material/replay:", key="demo_restart", width="stretch"):
                st.session_state[DEMO_ENDED] = False
                switch_page(DEMO[0][1])
        if n > 0 and go.button(tr("demo.back", page=names[DEMO[n - 1][1]]), icon=":material/arrow_back:", key=f"demo_back_{step}",
                               width="stretch"):
            switch_page(DEMO[n - 1][1])
        room_bar.solo(step)  # alone (no class): "Guess first", the step's question, checked in the browser
