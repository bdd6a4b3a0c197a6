"""What the Lab's tabs share: their quick defaults, their session state, the seeds and epochs boxes, and what a tab
draws (this session's run, else the shipped one)."""

from __future__ import annotations

import streamlit as st

import ui

QUICK = {  # quick defaults of the interactive tabs: seconds, not minutes, on one core
    "fewer": dict(seeds=2, epochs=10),
    "self": dict(seeds=2, epochs=10, generations=2),
    "merge": dict(seeds=2, epochs=10),
    "omit": dict(seeds=3, epochs=30),
    "dkd": dict(seeds=2, epochs=10),
    "features": dict(seeds=1, epochs=3),  # six runs of the small CNN on 4,000 digits: ~25 s
    "capacity": dict(seeds=2, epochs=3),  # teachers cached: ~30 s; their first training ~1 min, once per machine
    "divergences": dict(seeds=2, epochs=3),  # 16 runs of the default student: ~20 s on the digits
}
RESULTS = ("fewer", "self", "merge", "omit", "sweep", "dkd", "features", "capacity",
           "divergences")  # session state "lab.<name>": a tab's run


def init_state() -> None:
    """Each tab's run of this session, ``st.session_state["lab.<name>"]``, None until its Run button (the page calls
    this before drawing the tabs)."""
    for key in RESULTS:
        if f"lab.{key}" not in st.session_state:
            st.session_state[f"lab.{key}"] = None


def seeds_epochs_ui(key: str, *, max_epochs: int = 60) -> tuple[list[int], int]:
    """The seeds and epochs boxes of tab ``key`` (widget keys ``<key>.seeds``, ``<key>.epochs``, defaults from
    ``QUICK``): ``(seeds 0 … n − 1, epochs)``."""
    c1, c2 = st.columns(2)
    n = c1.number_input(ui.tr("common.seeds"), 1, 10, QUICK[key]["seeds"], key=f"{key}.seeds", help=ui.tr("lab.seeds_help"))
    epochs = c2.number_input(ui.tr("common.epochs"), 1, max_epochs, QUICK[key]["epochs"], key=f"{key}.epochs")
    return list(range(int(n))), int(epochs)


def seeds_run_explained(key: str, explain: str, *, max_epochs: int = 60) -> tuple[list[int], int, bool]:
    """A tab's usual head: the seeds and epochs boxes and its Run button (``<key>.run``) on the left, the catalog's
    ``explain`` on the right. Returns ``(seeds, epochs, pressed)``."""
    left, right = st.columns([1, 2])
    with left:
        seeds, epochs = seeds_epochs_ui(key, max_epochs=max_epochs)
        run = st.button(ui.tr("common.run"), key=f"{key}.run", type="primary")
    with right:
        st.markdown(ui.tr(explain))
    return seeds, epochs, run


def shown(run, name: str, from_json, *, empty: str):
    """What a tab draws: this session's Run, else the full run ``name`` shipped with kdviz (see ``ui.shipped_result``)."""
    return run if run is not None else ui.shipped_result(name, from_json, empty=empty)


def drawn(state: str, ran, pressed: bool, is_open: bool, name: str, from_json, *, empty: str):
    """What tab ``state`` draws after its widgets: ``ran`` (this press's result; None when not pressed or failed) is
    kept as the session's ``lab.<state>``; None (nothing drawn) when the tab is neither on screen nor just run
    (``pressed``), else :func:`shown` of the session's run."""
    if ran is not None:
        st.session_state[f"lab.{state}"] = ran
    if not (is_open or pressed):  # figures only for the tab on screen (or the one just run)
        return None
    return shown(st.session_state[f"lab.{state}"], name, from_json, empty=empty)
