"""A lecturer and 50 students in one room, at the protocol level (issue 29, the first "Done when"): on one server
(rooms in its memory) and on deploy/start.sh's two replicas behind nginx with Redis (``tests/roomclass.py``).

Each student is its own Streamlit session (it opens the join link) and holds the room's websocket. The lecturer
releases T 20 times, once a second, through the live slider, then drags (20 view frames on its own room socket);
every student's socket must hear each move and each frame (median ≤ 300 ms, p95 ≤ 1 s from the lecturer's send).
The answers of 50 students must be counted once each (every fifth changes its mind: the tally holds its last
answer), the reveal must reach all 50, and the students' forged frames and tokens must change nothing. Two
replicas: the lecturer sticks to one, students sit on both, and losing Redis costs the room only (one line on the
lecturer's page). Bounded: each class stops itself within its ``limit_s``; the file takes about 2 minutes (< 4).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from roomclass import run_room_class
from test_classroom import needs_nginx

STUDENTS, MOVES = 50, 20
needs_redis = pytest.mark.skipif(shutil.which("redis-server") is None and not Path("/usr/bin/redis-server").exists(),
                                 reason="Debian's redis-server is not installed (apt-get install -y redis-server)")


def _assert_class(report) -> dict:
    s = report.summary()
    assert report.failures() == [], report.failures()[:8]
    assert s["latency_ms"]["count"] == STUDENTS * MOVES, s  # every move reached every student
    assert s["latency_ms"]["median"] <= 300 and s["latency_ms"]["p95"] <= 1000, s["latency_ms"]
    assert s["drag_ms"]["count"] == STUDENTS * 20 and s["drag_ms"]["p95"] <= 1000, s["drag_ms"]  # the live path
    a = s["answers"]
    assert a["students"] == a["tally_n"] == a["lecturer_page_n"] == a["reveals_received"] == STUDENTS, a
    assert a["sent"] == STUDENTS + STUDENTS // 5 and a["counts_as_expected"], a  # 60 answers, 50 counted, by the last
    assert a["followed_to_train"] == 10, a
    return s


@pytest.mark.slow  # a long end-to-end run: CI runs it (python -m pytest -q -m slow)
def test_fifty_students_follow_one_server(tmp_path):
    report = run_room_class(students=STUDENTS, moves=MOVES, interval=1.0, seed=1, limit_s=100, timeout=60)
    _assert_class(report)


@pytest.mark.slow  # a long end-to-end run: CI runs it (python -m pytest -q -m slow)
@needs_nginx
@needs_redis
def test_fifty_students_follow_across_two_replicas_with_redis(tmp_path):
    report = run_room_class(students=STUDENTS, moves=MOVES, interval=1.0, seed=2, replicas=2, kill_redis=True, limit_s=130,
                            timeout=60)
    s = _assert_class(report)
    lecturer = s["lecturer_replica"]
    assert lecturer in ("r1", "r2"), s  # one replica: sticky
    assert set(s["students_per_replica"]) == {"r1", "r2"}, s  # students on both
    assert s["room_sockets_per_replica"] == s["students_per_replica"], s  # each room socket on its session's replica
    assert s["cross_replica_followers"] == s["students_per_replica"]["r2" if lecturer == "r1" else "r1"] > 0, s
    lost = s["redis_loss"]
    assert len(lost["lecturer_says"]) == 1, lost  # one line; the releases and page changes after it all ran
    assert {"lecturer: T release", "lecturer: page change", "student: page change", "student: T release"} <= set(lost), lost


def test_the_tally_check_bins_the_last_answers_itself():
    """``expected_counts``, the class's own binning that the tally is held to, on cases counted by hand."""
    from roomclass import expected_counts

    q = {"kind": "number", "lo": 0.0, "hi": 1.0}
    assert expected_counts(q, [0.1, 0.25, 0.99, 1.0, 0.5], [0.0, 0.25, 0.5, 0.75, 1.0]) == [1, 1, 1, 2]  # hi: the last bin
    assert expected_counts({"kind": "class", "choices": [str(c) for c in range(10)]}, [3, 3, 9], []) == [0, 0, 0, 2] + [0] * 5 + [1]
    assert expected_counts({"kind": "choice", "choices": ["q.a", "q.b"]}, ["q.b", "q.b", "q.a"], []) == [1, 2]


def test_a_room_that_obeys_students_is_caught():
    """The forgery checks against a careless room server (any token makes a lecturer, any view is broadcast): each
    forgery is reported, so a real server that passes them refused them."""
    import asyncio
    import json

    from classroom import Session
    from roomclass import RoomReport, RoomSocket, _forge
    from websockets.asyncio.server import serve

    sockets, room = set(), {"seq": 0, "view": None, "question": None, "revealed": None}

    async def careless(ws):
        sockets.add(ws)
        try:
            async for text in ws:
                m = json.loads(text)
                if m["op"] == "hello":
                    await ws.send(json.dumps({"op": "welcome", "role": "lecturer" if m.get("token") else "student",
                                              "room": {"code": m["code"], **room}}))
                elif m["op"] == "view":
                    room["seq"] += 1
                    room["view"] = m["view"]
                    for s in list(sockets):
                        await s.send(json.dumps({"op": "view", "seq": room["seq"], "view": m["view"]}))
                else:
                    await ws.send(json.dumps({"op": "error", "key": "room.bad_message"}))
        finally:
            sockets.discard(ws)

    async def main() -> RoomReport:
        async with serve(careless, "127.0.0.1", 0) as server:
            url = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"
            pupils = []
            for i in range(2):
                sock = RoomSocket(url, name=f"student {i}")
                await sock.connect()
                await sock.hello("ABC234", f"member-{i}")
                pupils.append((Session(url), sock, f"member-{i}"))
            lecturer = RoomSocket(url, name="lecturer")
            await lecturer.connect()
            await lecturer.hello("ABC234", "lecturer", "the-token")
            report = RoomReport(students=2, moves=0)
            await _forge(report, url, "ABC234", "the-token", "other-token", pupils, lecturer, None, reply_s=0.3)
            for x in [lecturer] + [p[1] for p in pupils]:
                await x.close()
            return report

    forged = " | ".join(asyncio.run(main()).forgeries)
    assert "student 0 sent view" in forged and "hello with a guessed token" in forged, forged
    assert "hello with another room's token" in forged and "the room changed after forgeries" in forged, forged
    assert "the room's seq changed" in forged, forged
