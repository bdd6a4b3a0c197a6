"""The top of a page in a lecturer's room (issue 29), and the guided demo's questions: the lecturer's code and QR
(large in presenter mode), "Ask the class" for the page's demo step (:func:`kdviz.serve.questions.questions_for`) and
"Reveal"; everyone's ``question`` view (a student's card, the lecturer's histogram, drawn in the browser from the
socket's messages); and, for a learner alone, "Guess first" in the demo's bar (:func:`solo`). The room itself (store,
join, follow, publish) is :mod:`ui.room`."""

from __future__ import annotations

import streamlit as st

from kdviz.base import i18n, safetext
from kdviz.serve import rooms
from ui.resources import class_names, reference_students, resources
from ui.room import STEP_OF_PAGE, code_html, join_link, live_view, qr_svg, room, said, set_following, socket_problem, store
from ui.text import lang, tr
from ui.view_state import digit_of, present

__all__ = ["class_bar", "step_questions", "truth_of", "ask", "reveal", "ask_buttons", "question_view", "solo"]


def class_bar(res) -> None:
    """The top of the page while in a room: the lecturer's code and QR (large, in presenter mode), "Ask the class" for
    this step's questions and "Reveal"; everyone's ``question`` view (a student's card, the lecturer's histogram)."""
    r = room()
    if r is None:
        return
    if (off := socket_problem()) is not None:  # the page still works; the browsers hear nothing live
        st.info(tr("room.off", reason=safetext.inert(off, 120)))
    try:
        snap = store().snapshot(r["code"])  # once per run: the open question and what was revealed
    except rooms.RoomError as err:  # one line (the store is lost, or the room): the page goes on without the class
        st.warning(tr(err.key))
        snap = None
    if not r["token"]:
        with st.container(key="room_bar_student"):
            line, toggle = st.columns([3, 1], vertical_alignment="center")
            with line:
                live_view("room", key="_room_view_main")  # "Following the lecturer" / "Exploring on my own"
            if r["following"]:
                toggle.button(tr("room.explore"), icon=":material/explore:", on_click=set_following, args=(False,),
                              key="room_explore", width="stretch")
            else:
                toggle.button(tr("room.follow_again"), icon=":material/group:", on_click=set_following, args=(True,),
                              key="room_follow", type="primary", width="stretch")
        if snap is not None:
            question_view(snap, key="_room_question")
        return
    with st.container(border=True, key="room_bar"):
        if present():  # the lecturer projects: the code and the QR code large, for the back row
            code_col, qr_col = st.columns([2, 1], vertical_alignment="center")
            with code_col:
                st.html(code_html(r["code"], 96))
                st.caption(tr("room.join_link"))
                st.code(join_link(), language=None, wrap_lines=True)
                live_view("room", key="_room_view_main")
            qr_col.image(qr_svg(join_link(), scale=9), caption=tr("room.qr_caption"))
        else:
            live_view("room", key="_room_view_main")  # "Class ABC 234 · students in the class: n", live
        if snap is not None:
            ask_buttons(res, snap)
            question_view(snap, key="_room_question")


VIEW_STEPS = ("losses",)  # the steps whose questions use the view's T and γ (kdviz.serve.questions: the soft share)


def step_questions(step: str | None, res) -> list:
    """The demo step's questions (:func:`kdviz.serve.questions.questions_for`) for this session's view on ``res``'s data set,
    made once per server per view; [] for a page that is no demo step, or when they can't be made (said in the log)."""
    if step is None or res is None:
        return []
    state = st.session_state
    digit = digit_of(res.dataset)
    students = None
    if step == "losses":  # the Losses page's reference students (loaded once per server, under its progress bar)
        students = reference_students()
    try:
        T, gamma = (float(state["T"]), float(state["gamma"])) if step in VIEW_STEPS else (None, None)  # the cache's key:
        # only the Losses questions depend on the view's T and γ; a release elsewhere reuses the step's questions
        return list(_cached_questions(step, res.dataset, T, gamma, digit, lang(), res, students))
    except Exception as err:  # one line in the log, never a traceback; the page itself still draws
        print(f"kdviz: questions for {step}: {type(err).__name__}: {err}")
        return []


@st.cache_resource(show_spinner=False, max_entries=256)
def _cached_questions(step: str, data: str, T: float, gamma: float, digit, lang_: str, _res, _students) -> tuple:
    from kdviz.serve import questions

    view = {"digit": digit, "data": data} | ({"T": T, "gamma": gamma} if T is not None else {})
    return tuple(questions.questions_for(step, _res, view, lang=lang_,
                                         students=_students))


def _questions(res) -> list:
    return step_questions(STEP_OF_PAGE.get(st.session_state.get("_room_page", "")), res)


def truth_of(q) -> dict:
    """What the reveal shows: the true value, and its sentence in every language (computed by kdviz.serve.questions)."""
    from kdviz.serve import questions

    return {"value": q.truth, "text": {code: questions.truth_text(q, code) for code in i18n.LANGS}}


def ask(q) -> None:
    from kdviz.serve import questions

    r = room()
    try:
        qid = store().ask(r["code"], r["token"], questions.public(q), truth_of(q))
    except rooms.RoomError as err:
        said(err.key)
        return
    r["asked"] = qid


def reveal() -> None:
    r = room()
    try:
        store().reveal(r["code"], r["token"], r["asked"])
    except rooms.RoomError as err:
        said(err.key)


def ask_buttons(res, snap: dict) -> None:
    """The lecturer's "Ask the class" for each question of this page's step (in a panel, open while no question is),
    and "Reveal" for the open one. ``snap``: the room's snapshot (:meth:`kdviz.serve.rooms.Rooms.snapshot`)."""
    from kdviz.serve import questions

    r = room()
    q_open = snap.get("question")
    waiting = bool(q_open) and (snap.get("revealed") or {}).get("qid") != q_open["qid"]
    found = _questions(res)
    if not found:
        st.caption(tr("room.no_question"))
    else:
        with st.expander(tr("room.questions", n=len(found)), expanded=not q_open, icon=":material/quiz:"):
            for i, q in enumerate(found):
                say, go = st.columns([3, 1], vertical_alignment="center")
                say.markdown(questions.prompt_text(questions.public(q), lang()))
                go.button(tr("room.ask"), icon=":material/help:", on_click=ask, args=(q,), key=f"room_ask_{i}", width="stretch")
    if waiting:
        r["asked"] = q_open["qid"]
        st.button(tr("room.reveal"), icon=":material/visibility:", on_click=reveal, key="room_reveal", type="primary")


def _question_fields(q_public: dict | None) -> dict:
    """The catalog templates and class names a question view needs: those of ``q_public`` (solo), or of every question
    (``q.*``: in a room the next question arrives by the socket)."""
    if q_public is None:
        keys = [k for k in i18n.MESSAGES if k.startswith("q.")]
    else:
        keys = [q_public["text_key"], *([q_public["unit"]] if q_public["unit"] else []),
                *(q_public["choices"] if q_public["kind"] == "choice" else [])]
    return {"more_keys": tuple(keys), "classes": list(class_names())}


def question_view(snap: dict, *, key: str) -> None:
    """The ``question`` view in the room: the open question and what has been revealed, from the room's snapshot
    ``snap`` (the socket brings what comes next)."""
    live_view("question", key=key, mode="room", question=snap.get("question"), revealed=snap.get("revealed"),
              members=snap.get("members", 0), **_question_fields(None))


def solo(step: str) -> None:
    """A learner alone (no room): "Guess first" with the step's question card in solo mode (the truth in the view's
    data, shown after "Check"; no server round trip). The guided demo's bar calls it."""
    from kdviz.serve import questions

    if room() is not None:
        return
    try:
        found = step_questions(step, resources())
    except Exception:  # the page says why in one line
        return
    if not found:
        return
    with st.expander(tr("room.guess_first"), icon=":material/psychology_alt:"):
        for i, q in enumerate(found):
            public = questions.public(q)
            live_view("question", key=f"_solo_{step}_{i}", mode="solo", question=public, truth=truth_of(q),
                      **_question_fields(public))
