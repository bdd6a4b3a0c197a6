"""The lecturer's room on the Streamlit side (issue 29, ui/room.py), with AppTest and the in-process store.

* "Start a class" creates a room in this process's store (:func:`kdviz.serve.rooms.rooms_from_env`) whose lecturer is this
  session (the store accepts its token), and shows the code and the join link (``?room=CODE``, no token);
* a student's ``?room=CODE`` joins, and each run of a following student starts from the room's view: T, γ, digit,
  and the lecturer's page (a page switch);
* a wrong code is one line, a malformed one the link's one line; a forged ``?token=`` gives no lecturer control and
  is dropped from the address bar;
* "Explore on my own" stops following, "Follow again" jumps to the lecturer's view;
* the lecturer's "Ask the class" and "Reveal" call the store with the question of kdviz.serve.questions and its truth,
  checked against a softmax computed here.
"""

from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from kdviz.base import i18n
from kdviz.serve import rooms

ROOT = Path(__file__).resolve().parents[1]
TIMEOUT = 120


@pytest.fixture()
def store(cache):
    return rooms.rooms_from_env({})  # the store the pages use (KDVIZ_ROOMS unset: this process's)


def app(page: str = "app.py", **query) -> AppTest:
    at = AppTest.from_file(str(ROOT / page), default_timeout=TIMEOUT)
    for name, value in query.items():
        at.query_params[name] = value
    return at.run()


def texts(at, kind: str) -> list[str]:
    return [e.value for e in getattr(at, kind)]


def buttons(at) -> set[str]:
    return {b.key for b in at.button if b.key}


def lecturer(store) -> tuple[AppTest, str, str]:
    at = app()
    at.button(key="room_start").click().run()
    assert not at.exception
    r = at.session_state["_room"]
    return at, r["code"], r["token"]


def test_start_a_class_makes_a_room_with_code_and_join_link(store):
    at, code, token = lecturer(store)
    assert store.check(code, token) and not store.check(code, token[::-1])
    assert rooms.normalise_code(code) == code
    html = "".join(str(h.proto) for h in at.get("html"))
    assert rooms.format_code(code) in html  # the code, large, grouped "ABC 234"
    links = [c for c in texts(at, "code") if f"room={code}" in c]
    assert links and all("token" not in c for c in links)  # the join link, and the view link: never the token
    assert at.query_params["room"] == code and at.query_params["token"] == token  # the lecturer's own address
    assert {"room_end"} <= buttons(at) and "room_start" not in buttons(at)
    assert at.sidebar.get("image"), "the QR code"
    assert store.snapshot(code)["view"]["page"] == "home"  # the lecturer's view, published at the run's end


def test_a_student_joins_by_link_and_follows_the_room_view(store):
    _, code, token = lecturer(store)
    store.set_view(code, token, rooms.View("home", 8.0, 0.5, 17, "mnist-5k"))
    at = app(room=code.lower())  # a typed link: any case
    assert not at.exception
    r = at.session_state["_room"]
    assert r["code"] == code and r["token"] is None and r["following"]
    assert (at.session_state["T"], at.session_state["gamma"], at.session_state["digit"]) == (8.0, 0.5, 17)
    assert "room_end" not in buttons(at) and "room_explore" in buttons(at)
    assert at.query_params["room"] == code and "token" not in at.query_params
    store.set_view(code, token, rooms.View("home", 2.5, 0.3, 5, "mnist-5k"))  # the lecturer moves
    at.run()
    assert (at.session_state["T"], at.session_state["gamma"], at.session_state["digit"]) == (2.5, 0.3, 5)
    store.set_view(code, token, rooms.View("temperature", 6.0, 0.3, 5, "mnist-5k"))  # and changes page
    at.run()
    assert at.session_state["_room_page"] == "temperature"  # the switch was asked for (AppTest runs app.py again)
    assert at.session_state["T"] == 6.0


def test_the_lecturers_own_link_reopens_the_class_on_another_device(store):
    _, code, token = lecturer(store)
    at = app("pages/1_Temperature.py", room=code, token=token)
    assert at.session_state["_room"]["token"] == token and "room_end" in buttons(at)
    assert any(k.startswith("room_ask_") for k in buttons(at))


def test_a_student_who_leaves_the_lecturers_page_explores(store):
    _, code, token = lecturer(store)
    store.set_view(code, token, rooms.View("home", 3.0, 0.9, None, "mnist-5k"))
    at = app(room=code)
    assert at.session_state["_room"]["following"]
    at.switch_page("pages/1_Temperature.py").run()  # a page link
    assert at.session_state["_room_page"] == "temperature" and not at.session_state["_room"]["following"]
    assert "room_follow" in buttons(at)


def test_a_following_student_lands_on_the_lecturers_page(store):
    _, code, token = lecturer(store)
    store.set_view(code, token, rooms.View("home", 3.0, 0.9, None, "mnist-5k"))
    at = app("pages/1_Temperature.py", room=code)
    assert not at.exception
    assert at.session_state["_room_page"] == "home" and at.session_state["T"] == 3.0


def test_a_wrong_code_is_one_line(store):
    at = app(room="ZZZ222")  # well formed, no such room
    assert [w for w in texts(at, "warning") if w == i18n.tr("room.not_found", "en")] and len(at.warning) == 1
    assert "_room" not in at.session_state and "room_start" in buttons(at)
    at = app(room="<b>x</b>!")  # not a code at all: the link's one line, the value inert
    assert len(at.warning) == 1 and "is not a room code" in at.warning[0].value and "<b>" not in at.warning[0].value


def test_a_typed_code_joins_and_a_wrong_one_says_so(store):
    _, code, _ = lecturer(store)
    at = app()
    at.text_input(key="room_join_code").set_value("nope").run()  # Enter
    assert "_room" not in at.session_state and len(at.sidebar.warning) == 1  # one line, beside the box
    at.text_input(key="room_join_code").set_value(f"{code[:3]}-{code[3:].lower()}")  # as typed off a projector
    at.button(key="room_join").click().run()
    assert at.session_state["_room"]["code"] == code and at.session_state["_room"]["token"] is None


def test_a_forged_token_gives_no_lecturer_control(store):
    _, code, token = lecturer(store)
    for forged in ("x" * 32, token[:-1] + ("A" if token[-1] != "A" else "B"), "bad token!"):
        at = app("pages/1_Temperature.py", room=code, token=forged)
        assert not at.exception
        assert at.session_state["_room"]["token"] is None
        assert not buttons(at) & {"room_end", "room_reveal"} and not any(k.startswith("room_ask") for k in buttons(at))
        assert "token" not in at.query_params  # dropped from the address bar
    assert store.check(code, token)


def test_explore_on_my_own_and_follow_again(store):
    _, code, token = lecturer(store)
    store.set_view(code, token, rooms.View("home", 8.0, 0.9, None, "mnist-5k"))
    at = app(room=code)
    at.button(key="room_explore").click().run()
    assert not at.session_state["_room"]["following"] and "room_follow" in buttons(at)
    store.set_view(code, token, rooms.View("home", 2.0, 0.9, None, "mnist-5k"))
    at.run()
    assert at.session_state["T"] == 8.0  # exploring: the lecturer's move is not applied
    at.button(key="room_follow").click().run()
    assert at.session_state["_room"]["following"] and at.session_state["T"] == 2.0


def test_the_lecturer_asks_and_reveals_through_the_store(store, res):
    at = app("pages/1_Temperature.py")
    at.button(key="room_start").click().run()
    r = at.session_state["_room"]
    code, digit = r["code"], int(at.session_state["digit"])
    asks = sorted(k for k in buttons(at) if k.startswith("room_ask_"))
    assert len(asks) == 2 and "room_reveal" not in buttons(at)
    at.button(key="room_ask_0").click().run()  # the top probability at T = 20, the slider's end
    snap = store.snapshot(code)
    q = snap["question"]
    assert q["qid"] == f"temperature.top_p@T20#{digit}/mnist-5k" and q["kind"] == "number"
    assert "truth" not in q and "truth" not in str(snap)  # students see no truth before the reveal
    assert "room_reveal" in buttons(at)
    student = [f"s{i}" for i in range(3)]
    for m, value in zip(student, (0.2, 0.5, 0.55)):
        store.join(code, m)
        store.answer(code, m, q["qid"], value)
    at.button(key="room_reveal").click().run()
    revealed = store.snapshot(code)["revealed"]
    z = res.logits.test[digit].double().numpy() / 20.0
    p = np.exp(z - z.max()) / np.exp(z - z.max()).sum()  # softmax at T = 20, here
    assert revealed["truth"]["value"] == pytest.approx(p.max(), abs=1e-9)
    assert f"{p.max():.2f}" in revealed["truth"]["text"]["en"] and revealed["truth"]["text"]["zh"]
    assert revealed["tally"]["n"] == 3 and sum(revealed["tally"]["counts"]) == 3
    assert "room_reveal" not in buttons(at)
