"""A lecturer's room on the Streamlit side (issue 29): Start a class, join by link or code, follow the lecturer, ask and
reveal. The store is :mod:`kdviz.serve.rooms`; the browser side is the live component's ``room`` and ``question`` views
(``kdviz/viz/live/views_room.js``), which speak to :mod:`kdviz.serve.roomsocket` and draw what arrives without a rerun.

A session's room lives in session state: :data:`ROOM` = ``{"code", "token", "following", "published", "asked"}``
(``token`` only for the lecturer, checked by the store; a student's is None) and :data:`MEMBER`, the browser's
member id. :func:`ui.frame.start_page` calls :func:`read_link` on a session's first run, :func:`follow` before any
widget, :func:`sidebar` in the sidebar and :func:`ui.room_bar.class_bar` at the top of the page; :func:`ui.view.view_link`
calls :func:`publish` and :func:`link_params`.
"""

from __future__ import annotations

import json
import re
import secrets
from functools import lru_cache
from urllib.parse import urlencode

import streamlit as st

from kdviz.base import i18n, safetext
from kdviz.data import datasets
from kdviz.serve import rooms, urlstate
from kdviz.viz import live as kdviz_live
from ui.charts import scale
from ui.components import mount
from ui.pages import PAGES, ROOT, page_url, switch_page
from ui.text import lang, tr
from ui.view_state import DIGIT_DATA, digit_of, present

__all__ = ["ROOM", "MEMBER", "store", "room", "member", "read_link", "notices", "join", "join_typed", "leave", "start_class",
           "end_class", "set_following", "follow", "apply_view", "current_view", "publish", "link_params", "join_link", "qr_svg",
           "live_view", "sidebar", "said", "code_html", "socket_problem", "STEP_OF_PAGE"]

ROOM, MEMBER = "_room", "_room_member"  # session state: the session's room, its member id (kept by "Reset view")
SOCKET_PATH = "/_kdviz/room"  # kdviz.serve.roomsocket, on this server (ui.room_server)
LINK = "_room_link"  # (code, token) read from the link on the session's first run, joined by the first follow()
TOKEN_RE = re.compile(r"[A-Za-z0-9_-]{1,64}")  # secrets.token_urlsafe(24) is 32 of these
PAGE_OF_TITLE = {"home.page_title": "home", "nav.temperature": "temperature", "nav.losses": "losses", "nav.train": "train",
                 "lab.page_title": "lab", "comp.page_title": "compression", "nav.your_digit": "your_digit"}  # start_page's title → page key
SCRIPT_OF_PAGE = {label.split(".", 1)[1]: script for script, _, label, _, _ in PAGES}  # page key → script ("nav.home" → app.py)
SERVER_T_PAGES = ("your_digit",)  # pages that draw something at T on the server: a follower's browser reruns them on a move
STEP_OF_PAGE = {"home": "home", "temperature": "temperature", "losses": "losses", "train": "train", "lab": "lab"}  # demo steps
BROWSER_KEYS = ("room.class", "room.members", "room.following", "room.exploring", "room.closed", "room.lost", "room.connecting", "room.send",
                "room.sent", "room.answers", "room.truth", "room.your_answer", "room.no_answer", "room.class_answers",
                "room.check", "room.guess_first", "room.waiting", "room.truth_mark", "room.off",
                "room.not_found", "room.bad_answer", "room.not_lecturer", "room.unavailable", "room.bad_message", "room.full")


def store() -> rooms.Rooms:
    """This process's room store (``KDVIZ_ROOMS``); :class:`kdviz.serve.rooms.RoomError` for a bad setting."""
    return rooms.rooms_from_env()


def socket_problem() -> str | None:
    """None when the room socket is served by this server, else one line why not (then classes are off)."""
    try:
        from ui.room_server import mount_room_route
    except ImportError:
        return "no room socket"
    return mount_room_route()


def room() -> dict | None:
    return st.session_state.get(ROOM)


def member() -> str:
    """This session's member id (``secrets.token_urlsafe(12)``), made on first use."""
    state = st.session_state
    if MEMBER not in state:
        state[MEMBER] = secrets.token_urlsafe(12)
    return state[MEMBER]


def read_link(params: dict) -> list:
    """On a session's first run: ``?room=CODE`` (and the lecturer's ``&token=``) of the link, checked (the code's
    alphabet and length, a token of ≤ 64 URL-safe characters), kept for :func:`follow` to join. Returns the problems
    (:class:`kdviz.serve.urlstate.Problem`, said by the page's ``url.bad`` line)."""
    problems, code, token = [], None, None
    if "room" in params:
        code = rooms.normalise_code(params["room"])
        if code is None:
            problems.append(urlstate.Problem("room.bad_code", value=safetext.short(params["room"])))
    if "token" in params and code is not None:
        raw = params["token"]
        if isinstance(raw, str) and TOKEN_RE.fullmatch(raw):
            token = raw
        else:
            problems.append(urlstate.Problem("room.bad_token"))
    if code is not None:
        st.session_state[LINK] = (code, token)
    return problems


def notices() -> None:
    """Say, in one line each, what went wrong with the room since the last run (a wrong or expired code, a class that
    ended, the store unreachable). :func:`ui.frame.start_page` calls it once the page is set up."""
    for key in st.session_state.pop("_room_said", []):
        st.warning(tr(key if key in i18n.MESSAGES else "room.unavailable"))


def said(key: str) -> None:
    keys = st.session_state.setdefault("_room_said", [])
    if key not in keys:
        keys.append(key)


def join(code: str, token: str | None = None) -> bool:
    """Enter room ``code`` (as typed): as its lecturer when ``token`` is the room's (the store checks it), else as a
    student (a wrong token is dropped without a word: nothing confirms a guess). A wrong or expired code: one line
    (:func:`notices`)."""
    key = rooms.normalise_code(code)
    try:
        if key is None:
            raise rooms.RoomError("room.not_found")
        store().snapshot(key)
        lecturer = token is not None and store().check(key, token)
    except rooms.RoomError as err:
        said(err.key)
        return False
    st.session_state[ROOM] = {"code": key, "token": token if lecturer else None, "following": not lecturer,
                              "published": None, "asked": None}
    return True


def join_typed() -> None:
    """The sidebar's "Join a class": the code typed (Enter or the button); a wrong one is said beside the box."""
    state = st.session_state
    if (state.get("room_join_code") or "").strip() and not join(state["room_join_code"]):
        state["_room_said_here"] = state.pop("_room_said", [])


def leave() -> None:
    st.session_state.pop(ROOM, None)


def start_class() -> None:
    """"Start a class": a new room with this session as its lecturer (the token in session state and its own link)."""
    try:
        code, token = store().create()
    except rooms.RoomError as err:
        said(err.key)
        return
    st.session_state[ROOM] = {"code": code, "token": token, "following": False, "published": None, "asked": None}


def end_class() -> None:
    r = room()
    try:
        store().close(r["code"], r["token"])
    except rooms.RoomError:
        pass  # expired or gone already: the class is over either way
    leave()


def set_following(on: bool) -> None:
    if room():
        st.session_state[ROOM]["following"] = on


def follow(title: str) -> None:
    """At the start of every run (:func:`ui.frame.start_page`, before any widget): join the link's room on the first run;
    for a following student, apply the room's current view (T, γ, digit, data set) to session state and switch to the
    lecturer's page when it is another, unless the student just left that page (a page link: then they explore on their
    own, "Follow again" brings them back). A room that is gone: one line, and the session leaves it."""
    socket_problem()  # the room's socket mounted by the server's first page run, not the first class (a student's
    # browser may connect to a replica no class has used yet); later runs only read a flag
    state = st.session_state
    before, state["_room_page"] = state.get("_room_page"), PAGE_OF_TITLE.get(title, "home")
    if LINK in state:
        code, token = state.pop(LINK)
        join(code, token)
    r = room()
    if r is None or r["token"] or not r["following"]:
        return
    try:
        view = store().snapshot(r["code"])["view"]
    except rooms.RoomError as err:
        if err.key == "room.not_found":
            leave()
        said("room.ended" if err.key == "room.not_found" else err.key)
        return
    if not view:
        return
    if view["page"] == before != state["_room_page"]:  # the student left the lecturer's page: exploring on their own
        r["following"] = False
        return
    apply_view(view)
    if view["page"] != state["_room_page"] and view["page"] in SCRIPT_OF_PAGE and (ROOT / SCRIPT_OF_PAGE[view["page"]]).exists():
        state["_room_page"] = view["page"]
        switch_page(SCRIPT_OF_PAGE[view["page"]])


def apply_view(view: dict) -> None:
    """The room's view (checked by the store) into this session's shared view: T, γ, the data set and its digit."""
    state = st.session_state
    state["T"], state["gamma"] = float(view["T"]), float(view["gamma"])
    if view["data"] in datasets.offered():
        state["data"] = view["data"]
        if view["digit"] is not None:
            state["digit"], state[DIGIT_DATA] = int(view["digit"]), view["data"]


def current_view() -> rooms.View:
    """The lecturer's view now: this page, T, γ, the data set and its digit (None when the digit is another data set's)."""
    state = st.session_state
    digit = digit_of(state["data"])
    return rooms.View(state.get("_room_page", "home"), float(state["T"]), float(state["gamma"]),
                      None if digit is None else int(digit), state["data"])


def publish() -> None:
    """The lecturer's view to the room when it differs from the last one published (:func:`ui.view.view_link`)."""
    r = room()
    if not r or not r["token"]:
        return
    try:
        view = current_view()
        if view != r["published"]:
            store().set_view(r["code"], r["token"], view)
            r["published"] = view
    except rooms.RoomError as err:
        if err.key == "room.not_found":
            leave()


def link_params(*, private: bool) -> dict:
    """The room's part of this session's link: ``{"room": code}``, and the lecturer's ``token`` when ``private``
    (the address bar: the lecturer reopens it on another device; never the link shown on screen)."""
    r = room()
    if not r:
        return {}
    return {"room": r["code"], **({"token": r["token"]} if private and r["token"] else {})}


def join_link() -> str:
    return f"{page_url()}?{urlencode({'room': room()['code']})}"


@lru_cache(maxsize=64)  # a lecturer's page draws it on every run; the join link changes only with the class
def qr_svg(text: str, *, scale: int = 6) -> str:
    """``text`` as a QR code, SVG (segno; drawn here, no network), ink on white."""
    import segno

    return segno.make(text, error="m").svg_inline(scale=scale, dark="#1f2328", light="#ffffff", border=2)


def code_html(code: str, px: int) -> str:
    return (f'<div data-testid="kdviz-room-code" style="font: 700 {px}px/1.1 ui-monospace, monospace; letter-spacing: 0.08em; '
            f'color: #1f2328">{rooms.format_code(code)}</div>')  # the code's alphabet: no HTML


def live_view(view: str, *, key: str, **fields) -> None:
    """Mount a room view (``"room"`` or ``"question"``) of the live component, with the room's socket details
    (:data:`kdviz.viz.live.VIEWS`). Its ``follow`` trigger (a following student's browser, when the lecturer's page, digit
    or data set is not this one) reruns the script once: :func:`follow` then applies the room's view."""
    r, state = room(), st.session_state
    info = {"page": state.get("_room_page", "home"), "digit": state.get("digit"), "data": state.get("data"),
            "T": float(state["T"]), "gamma": float(state["gamma"]), "server_t": state.get("_room_page") in SERVER_T_PAGES}
    if r:
        info |= {"code": r["code"], "member": member(), "role": "lecturer" if r["token"] else "student",
                 "following": bool(r["following"]), "path": SOCKET_PATH}
        if r["token"]:
            info["token"] = r["token"]  # the lecturer's browser only: its hello makes it the lecturer
    keys = BROWSER_KEYS + tuple(fields.pop("more_keys", ()))
    data = kdviz_live.view(view, lang=lang(), T=1.0, scale=scale(), keys=keys, room=info, **fields)
    mount(key, json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8"), on_follow_change=_followed)


def _followed() -> None:
    """The ``follow`` trigger: nothing to do here; the rerun it asks for applies the room's view (:func:`follow`)."""


def sidebar() -> None:
    """The sidebar's class entry: "Start a class" and "Join a class", or the "Class" panel of the room the session is in."""
    state, r = st.session_state, room()
    if r is None:
        st.button(tr("room.start"), icon=":material/co_present:", on_click=start_class, help=tr("room.start_help"),
                  width="stretch", key="room_start")
        st.text_input(tr("room.join_label"), max_chars=12, placeholder=tr("room.join_placeholder"), key="room_join_code",
                      on_change=join_typed)  # Enter joins
        st.button(tr("room.join"), on_click=join_typed, key="room_join", width="stretch")
        for key in state.pop("_room_said_here", []):  # said here, where the code was typed
            st.warning(tr(key))
        return
    with st.expander(tr("room.class", code=rooms.format_code(r["code"])), expanded=True):
        if r["token"]:
            if not present():  # in presenter mode the page shows them large (class_bar)
                st.html(code_html(r["code"], 40))
                st.caption(tr("room.join_link"))
                st.code(join_link(), language=None, wrap_lines=True)
                st.image(qr_svg(join_link(), scale=5), caption=tr("room.qr_caption"))
            live_view("room", key="_room_view_side")
            st.button(tr("room.end"), icon=":material/stop_circle:", on_click=end_class, key="room_end", width="stretch")
        else:  # "Explore on my own" / "Follow again" are at the top of the page (class_bar): on a phone too
            live_view("room", key="_room_view_side")
            st.button(tr("room.leave"), icon=":material/logout:", on_click=leave, key="room_leave", width="stretch")
