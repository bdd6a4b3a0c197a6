"""The room's websocket (kdviz.serve.roomsocket) on a tiny Starlette app, and mounted on a real ``streamlit run``.

Starlette's TestClient speaks the protocol of design.md as a browser would: hello/welcome and the roles, forged
lecturer messages from a student, malformed frames, the rate limit, the Origin check, members counted on join and
on close, answers, the room closing. The last test starts ``streamlit run`` of a script that mounts the route
(ui.room_server.mount_room_route) and drives a lecturer and a student through it with the websockets client.
"""

import asyncio
import json
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from kdviz.serve import roomsocket
from kdviz.serve.rooms import MemoryRooms, View

ROOT = Path(__file__).resolve().parents[1]
QUESTION = {"qid": "temperature.runner_up#941", "step": "temperature", "kind": "class", "text_key": "q.x", "fields": {},
            "lo": None, "hi": None, "step_size": None, "choices": [str(c) for c in range(10)], "unit": ""}


@pytest.fixture()
def room():
    """(store, client, code, token): a room in a fresh store, served by a Starlette app with room_route."""
    store = MemoryRooms()
    code, token = store.create()
    app = Starlette(routes=[roomsocket.room_route(lambda: store)])
    with TestClient(app) as client:
        yield store, client, code, token


def connect(client, **headers):
    return client.websocket_connect(roomsocket.PATH, headers=headers)


def hello(ws, code, member, token=None) -> dict:
    ws.send_json({"op": "hello", "code": code, "member": member, **({"token": token} if token is not None else {})})
    return ws.receive_json()


def until(ws, op: str, limit: int = 20) -> dict:
    """The next message with this op (skipping others, e.g. members updates)."""
    for _ in range(limit):
        message = ws.receive_json()
        if message["op"] == op:
            return message
    raise AssertionError(f"no {op!r} message")


def closed_code(ws) -> int:
    with pytest.raises(WebSocketDisconnect) as closed:
        for _ in range(50):
            ws.receive_json()
    return closed.value.code


def test_welcome_and_roles(room):
    store, client, code, token = room
    with connect(client) as lecturer:
        welcome = hello(lecturer, code.lower(), "lect", token)
        assert welcome["op"] == "welcome" and welcome["role"] == "lecturer"
        assert welcome["room"]["code"] == code and welcome["room"]["members"] == 0  # the lecturer is not counted
        for i, wrong in enumerate(("", "guess", store.create()[1], token + "x")):  # another room's token: a student
            with connect(client) as student:
                welcome = hello(student, f"{code[:3]}-{code[3:]}", f"s{i}", wrong)
                assert welcome["role"] == "student" and welcome["room"]["members"] == 1  # the one before has left
                assert json.dumps(welcome).count(token) == 0
        with connect(client) as student:
            assert hello(student, code, "no-token")["role"] == "student"


def test_wrong_code_and_bad_hello(room, monkeypatch):
    store, client, code, token = room
    for wrong in ("ZZZZZZ", "nope", 123):
        with connect(client) as ws:
            assert hello(ws, wrong, "m1") == {"op": "error", "key": "room.not_found"}
            assert closed_code(ws) == 4404
    for bad in ({"op": "ping"}, {"op": "hello", "code": code}, {"op": "hello", "code": code, "member": "x" * 100}):
        with connect(client) as ws:
            ws.send_json(bad)
            assert ws.receive_json() == {"op": "error", "key": "room.bad_message"}
            assert closed_code(ws) == 4400
    with connect(client) as ws:
        ws.send_text("not json")
        assert ws.receive_json()["key"] == "room.bad_message"
    monkeypatch.setattr(roomsocket, "HELLO_TIMEOUT_S", 0.2)
    with connect(client) as ws:  # says nothing: closed
        assert closed_code(ws) == 4400
    assert store.snapshot(code)["members"] == 0


def test_a_student_cannot_drive_the_room(room):
    store, client, code, token = room
    store.set_view(code, token, View("temperature", 8, 0.5, 941, "mnist-5k"))
    qid = store.ask(code, token, QUESTION, 7)
    before = store.snapshot(code)
    with connect(client) as student:
        assert hello(student, code, "s1", "guessed-" + token[:10])["role"] == "student"
        student.send_json({"op": "view", "view": {"T": 2.0, "gamma": 0.1}})
        assert until(student, "error") == {"op": "error", "key": "room.not_lecturer"}
        for forged in ({"op": "reveal", "qid": qid}, {"op": "ask", "question": QUESTION}, {"op": "close"},
                       {"op": "set_view", "view": {"page": "train"}}, {"op": "view", "view": "x"},
                       {"op": "question", "question": QUESTION}, {"op": "closed"}):
            student.send_json(forged)
            assert until(student, "error") == {"op": "error", "key": "room.bad_message"}, forged
        student.send_json({"op": "ping"})
        assert until(student, "pong") == {"op": "pong"}
    after = store.snapshot(code)
    assert {k: after[k] for k in ("seq", "view", "question", "revealed")} == {k: before[k] for k in ("seq", "view", "question", "revealed")}


def test_the_lecturers_live_view_reaches_students(room):
    store, client, code, token = room
    store.set_view(code, token, View("temperature", 8, 0.5, 941, "mnist-5k"))
    with connect(client) as lecturer, connect(client) as s1, connect(client) as s2:
        hello(lecturer, code, "lect", token)
        hello(s1, code, "s1")
        hello(s2, code, "s2")
        lecturer.send_json({"op": "view", "view": {"T": 4.5, "gamma": 0.9}})
        for ws in (s1, s2, lecturer):
            view = until(ws, "view")
            assert view["seq"] == 2 and view["view"] == {"page": "temperature", "T": 4.5, "gamma": 0.9, "digit": 941,
                                                         "data": "mnist-5k"}
            assert abs(view["sent"] - time.time()) < 5
        for bad in ({"T": 99, "gamma": 0.5}, {"T": 4.0}, {"T": 4.0, "gamma": 0.5, "page": "train"}, {"T": "4", "gamma": 0.5}):
            lecturer.send_json({"op": "view", "view": bad})
            assert until(lecturer, "error") == {"op": "error", "key": "room.bad_message"}, bad
    assert store.snapshot(code)["seq"] == 2


def test_malformed_frames_then_too_many(room):
    store, client, code, token = room
    with connect(client) as ws:
        hello(ws, code, "s1")
        frames = ["{", "[]", '"text"', "{}", '{"op": 5}', json.dumps({"op": "ping", "pad": "x" * 5000}), '{"op": "answer"}']
        for frame in frames:
            ws.send_text(frame)
            assert until(ws, "error") == {"op": "error", "key": "room.bad_message"}, frame
        ws.send_bytes(b'{"op": "ping"}')
        assert until(ws, "error") == {"op": "error", "key": "room.bad_message"}  # text frames only
        ws.send_json({"op": "ping"})
        assert until(ws, "pong") == {"op": "pong"}  # still open
        time.sleep(1.05)  # a fresh rate window
        for _ in range(roomsocket.MAX_BAD_FRAMES - len(frames)):
            ws.send_text("{")
        assert closed_code(ws) == 4400
    assert store.snapshot(code)["members"] == 0  # counted out when it closed


class FrozenTime:
    """Stands in for the module ``time`` in kdviz.serve.roomsocket: ``monotonic()`` moves only when the test says."""

    def __init__(self):
        self.now = 1000.0

    def monotonic(self) -> float:
        return self.now


def test_rate_limit(room, monkeypatch):
    store, client, code, token = room
    clock, read = FrozenTime(), []
    monkeypatch.setattr(roomsocket, "time", clock)
    allowed = roomsocket._Socket.allowed
    monkeypatch.setattr(roomsocket._Socket, "allowed", lambda self: read.append(1) or allowed(self))
    with connect(client) as ws:
        hello(ws, code, "s1")
        for _ in range(3 * roomsocket.MAX_RATE):  # all within one second
            ws.send_json({"op": "ping"})
        ws.send_json({"op": "answer", "qid": "none", "value": 1})  # the 61st: dropped too
        for _ in range(500):  # until the server has read all 61
            if len(read) == 3 * roomsocket.MAX_RATE + 1:
                break
            time.sleep(0.01)
        clock.now += 1.0
        ws.send_json({"op": "ping"})  # the next second: answered again
        pongs = 0
        while True:
            message = ws.receive_json()
            if message["op"] == "pong":
                pongs += 1
                if pongs == roomsocket.MAX_RATE + 1:
                    break
        ws.send_json({"op": "answer", "qid": "none", "value": 1})
        assert ws.receive_json() == {"op": "error", "key": "room.bad_answer"}  # the 41 pings dropped were never answered


def test_origin_check(room):
    store, client, code, token = room
    for evil in ("http://evil.example", "null", "http://testserver.evil.example", "https://evil.example:443"):
        with pytest.raises(WebSocketDisconnect) as refused:
            with connect(client, origin=evil) as ws:
                ws.receive_json()
        assert refused.value.code == 4403, evil
    for good in ({"origin": "http://testserver"}, {}, {"origin": "https://kdviz.example", "x-forwarded-host": "kdviz.example"}):
        with connect(client, **good) as ws:
            assert hello(ws, code, "m")["op"] == "welcome", good
    assert roomsocket.origin_allowed({"origin": "http://127.0.0.1:8501", "host": "127.0.0.1:8501"})
    assert not roomsocket.origin_allowed({"origin": "http://127.0.0.1:8502", "host": "127.0.0.1:8501"})


def test_members_on_join_and_close(room):
    store, client, code, token = room
    with connect(client) as lecturer:
        hello(lecturer, code, "lect", token)
        with connect(client) as a:
            hello(a, code, "alice")
            assert until(lecturer, "members")["n"] == 1
            with connect(client) as a2:  # alice's second tab: still one member
                assert hello(a2, code, "alice")["room"]["members"] == 1
                with connect(client) as b:
                    hello(b, code, "bob")
                    assert [until(lecturer, "members")["n"] for _ in range(2)] == [1, 2]
                assert until(lecturer, "members")["n"] == 1  # bob closed
            time.sleep(0.1)
            assert store.snapshot(code)["members"] == 1  # alice's other tab is still open
        assert until(lecturer, "members")["n"] == 0


def test_answers_and_reveal_through_the_socket(room):
    store, client, code, token = room
    with connect(client) as lecturer, connect(client) as s1, connect(client) as s2:
        hello(lecturer, code, "lect", token)
        hello(s1, code, "s1")
        hello(s2, code, "s2")
        qid = store.ask(code, token, QUESTION, 7)
        for ws in (s1, s2, lecturer):
            question = until(ws, "question")["question"]
            assert question["qid"] == qid and "truth" not in question
        s1.send_json({"op": "answer", "qid": qid, "value": 3})
        assert until(s1, "answered") == {"op": "answered", "qid": qid}
        s1.send_json({"op": "answer", "qid": qid, "value": "4"})  # changes its mind
        until(s1, "answered")
        s2.send_json({"op": "answer", "qid": qid, "value": 42})
        assert until(s2, "error") == {"op": "error", "key": "room.bad_answer"}
        lecturer.send_json({"op": "answer", "qid": qid, "value": 5})
        assert until(lecturer, "answered") == {"op": "answered", "qid": qid}  # checked, not counted
        time.sleep(0.3)  # the trailing tally
        assert store.tally(code, qid)["counts"] == [0, 0, 0, 0, 1, 0, 0, 0, 0, 0]
        store.reveal(code, token, qid)
        for ws in (s1, s2):
            reveal = until(ws, "reveal")
            assert reveal["truth"] == 7 and reveal["tally"]["n"] == 1
        store.close(code, token)
        for ws in (s1, lecturer):
            assert until(ws, "closed") == {"op": "closed"}
            assert closed_code(ws) == 1000


def test_a_slow_socket_loses_old_views_only():
    async def run():
        box = roomsocket._Outbox(size=3)
        for message in ({"op": "view", "seq": 1}, {"op": "members", "n": 1}, {"op": "view", "seq": 2},
                        {"op": "view", "seq": 3}, {"op": "question"}):
            box.put(message)
        return [await box.get() for _ in range(3)], box.dropped

    kept, dropped = asyncio.run(run())
    assert kept == [{"op": "members", "n": 1}, {"op": "view", "seq": 3}, {"op": "question"}] and dropped == 2


def test_no_server_no_rooms():
    from ui.room_server import mount_room_route

    why = mount_room_route()
    assert isinstance(why, str) and why and "\n" not in why and mount_room_route() == why


# ---------------------------------------------------------------- a real streamlit run

MOUNT_SCRIPT = """
import gc, json, sys
sys.path.insert(0, {root!r})
gc.freeze()  # as ui/server.py does: the mount must not rely on gc.get_referrers
import streamlit as st
from kdviz.serve.rooms import rooms_from_env
from ui.room_server import mount_room_route

why = mount_room_route()
store = rooms_from_env()
if "room" not in st.session_state:
    st.session_state.room = store.create()
code, token = st.session_state.room
with open({out!r}, "w") as f:
    json.dump({{"why": why, "code": code, "token": token}}, f)
st.write("mounted" if why is None else why)
"""


STUDENTS, MOVES = 50, 20


def test_mounted_on_a_real_streamlit_server(tmp_path):
    from browser import free_port
    from classroom import Session
    from websockets.asyncio.client import connect as ws_connect
    from websockets.exceptions import InvalidStatus

    out = tmp_path / "room.json"
    (tmp_path / "app.py").write_text(MOUNT_SCRIPT.format(root=str(ROOT), out=str(out)))
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = open(tmp_path / "server.log", "w")
    proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
                             "--server.address", "127.0.0.1", "--server.port", str(port)], cwd=tmp_path, stdout=log,
                            stderr=subprocess.STDOUT, env={**os.environ, "KDVIZ_ROOMS": "", "PYTHONUNBUFFERED": "1"})
    try:
        for _ in range(300):
            try:
                urllib.request.urlopen(url + "/_stcore/health", timeout=1)
                break
            except OSError:
                assert proc.poll() is None, (tmp_path / "server.log").read_text()
                time.sleep(0.1)

        async def drive() -> float:
            session = Session(url, timeout=60)
            result = await session.open("")
            assert not result.errors, result.errors
            room = json.loads(out.read_text())
            assert room["why"] is None, room["why"]
            socket_url = f"ws://127.0.0.1:{port}{roomsocket.PATH}"
            with pytest.raises(InvalidStatus):  # a page of another site may not open it
                async with ws_connect(socket_url, origin="http://evil.example"):
                    pass
            # max_queue=None: a client that reads only what it waits for never stops reading (a browser reads everything)
            students = [await ws_connect(socket_url, origin=url, max_queue=None) for _ in range(STUDENTS)]
            async with ws_connect(socket_url, origin=url, max_queue=None) as lecturer:
                await lecturer.send(json.dumps({"op": "hello", "code": room["code"], "member": "l", "token": room["token"]}))
                assert json.loads(await lecturer.recv())["role"] == "lecturer"
                stuck = await ws_connect(socket_url, origin=url, max_queue=1)  # a phone that stops reading
                await stuck.send(json.dumps({"op": "hello", "code": room["code"], "member": "stuck"}))
                for i, student in enumerate(students):
                    await student.send(json.dumps({"op": "hello", "code": room["code"], "member": f"s{i}"}))
                    assert json.loads(await student.recv())["role"] == "student"
                sent, heard = {}, []

                async def listen(student) -> None:
                    seen = 0
                    while seen < MOVES:
                        message = json.loads(await asyncio.wait_for(student.recv(), 10))
                        if message["op"] == "view":
                            heard.append(time.perf_counter() - sent[message["view"]["T"]])
                            seen += 1

                listeners = [asyncio.create_task(listen(s)) for s in students]
                for k in range(MOVES):
                    T = 1.0 + k * 0.5
                    sent[T] = time.perf_counter()
                    await lecturer.send(json.dumps({"op": "view", "view": {"T": T, "gamma": 0.25}}))
                    await asyncio.sleep(0.1)  # a drag: ≤ 10 moves per second
                await asyncio.gather(*listeners)  # while one socket is stuck, the others still hear every move
            stuck.transport.abort()
            await asyncio.gather(*(student.close() for student in students))
            await session.close()
            return heard

        heard = sorted(asyncio.run(drive()))
        assert len(heard) == STUDENTS * MOVES  # every move reached every student
        median, p95 = heard[len(heard) // 2], heard[int(0.95 * (len(heard) - 1))]
        print(f"view latency over {STUDENTS} students × {MOVES} moves: median {1000 * median:.1f} ms, p95 {1000 * p95:.1f} ms")
        assert median <= 0.3 and p95 <= 1.0, (median, p95)
        urllib.request.urlopen(url + "/_stcore/health", timeout=5)  # Streamlit's own routes still answer
        time.sleep(0.5)  # the sockets' endings are logged, if anything went wrong
        assert "Traceback" not in (tmp_path / "server.log").read_text(), (tmp_path / "server.log").read_text()[-3000:]
    finally:
        proc.terminate()
        proc.wait(10)
        log.close()


def test_two_replicas_share_a_room_through_redis(tmp_path):
    """A lecturer's socket on replica 1 drives a student's socket on replica 2 (two apps, two stores, one Redis)."""
    from test_rooms import redis_server

    from kdviz.serve.rooms_redis import RedisRooms

    with redis_server(tmp_path) as (url, _):
        one, two = RedisRooms(url), RedisRooms(url)
        code, token = one.create()
        apps = [Starlette(routes=[roomsocket.room_route(lambda s=s: s)]) for s in (one, two)]
        try:
            with TestClient(apps[0]) as c1, TestClient(apps[1]) as c2:
                with connect(c1) as lecturer, connect(c2) as student:
                    assert hello(lecturer, code, "lect", token)["role"] == "lecturer"
                    assert hello(student, code, "s1")["role"] == "student"
                    assert until(lecturer, "members")["n"] == 1  # the join on replica 2, heard on replica 1
                    time.sleep(0.3)  # replica 2's listener is subscribed
                    lecturer.send_json({"op": "view", "view": {"T": 9.0, "gamma": 0.3}})
                    view = until(student, "view")
                    assert view["view"]["T"] == 9.0 and view["view"]["gamma"] == 0.3
                    qid = one.ask(code, token, QUESTION, 2)
                    assert until(student, "question")["question"]["qid"] == qid
                    student.send_json({"op": "answer", "qid": qid, "value": 2})
                    until(student, "answered")
                    assert one.tally(code, qid)["n"] == 1
                assert wait_members(one, code, 0)
        finally:
            one.stop()
            two.stop()


def wait_members(store, code, n, timeout=2.0) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if store.snapshot(code)["members"] == n:
            return True
        time.sleep(0.02)
    return False
