"""A class in a room without browsers (issue 29): one lecturer and N students at the protocol level.

Used by ``tests/test_room_load.py`` and ``benchmarks/bench_room.py``. Everyone is a :class:`classroom.Session`
(Streamlit's own browser protocol: its own cookie jar, websocket and Streamlit session), and every student also
holds the room's websocket ``/_kdviz/room`` (:class:`RoomSocket`), speaking the protocol as the browser's
``kdviz/viz/live/views_room.js`` does (``hello`` with the member id and code from the page's room view, then
``answer`` frames; it reads ``view``, ``members``, ``question``, ``tally``, ``reveal``).

:func:`run_room_class` plays it, each phase bounded in time:

1. the lecturer opens Temperature and presses *Start a class*; the code, its token and member id are read from
   the lecturer's page; a second lecturer opens another room (its token is a forgery below);
2. N students open the join link ``?room=CODE`` (each its own Streamlit session) and the room socket;
3. the lecturer releases T ``moves`` times, one every ``interval`` s, through the live slider (the release a
   browser sends): for each move and each student, the arrival of the ``view`` message with that T minus the
   lecturer's send → the latency distribution; then drags: ``drag`` view frames on the lecturer's own room
   socket, ten a second (the browser's live path) → ``drag_ms``;
4. forgeries: ``view``, ``ask`` and ``reveal`` frames from students, a ``hello`` with a guessed token and one
   with this code and the other room's token (→ role student), a join link with a guessed token (student 1):
   the room must not change;
5. the lecturer asks the step's question; every student answers on its socket (every fifth twice: the second
   replaces the first); the tally the lecturer's socket last hears must count each student once, in the bins
   of its last answer; the lecturer reveals; the reveal must reach every student;
6. isolation: no student's page shows a run list, the lecturer's token or a control of the room;
7. optionally (``kill_redis``, replicas only): Redis is killed; the lecturer's page must say so in one line
   while pages, releases and sessions keep working.

Errors: closed sockets, ``error`` frames nobody provoked, exceptions or ``st.error`` lines on a page (past the
expected "rooms unavailable" line), tracebacks in the servers' logs.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import re
import secrets
import shutil
import signal
import time
from dataclasses import dataclass, field
from pathlib import Path

from classroom import REPLICA_HEADER, ActionError, Servers, Session, latency_stats
from streamlit.components.v2.bidi_component.main import _make_trigger_id
from streamlit.proto.BackMsg_pb2 import BackMsg

ROOT = Path(__file__).resolve().parents[1]
ROOM_PATH = "/_kdviz/room"  # kdviz.serve.roomsocket.PATH
START_KEY, ASK_KEY, REVEAL_KEY = "room_start", "room_ask_0", "room_reveal"  # ui/room.py: the first question of the step
T_VALUES = [x / 2 for x in range(1, 41)]  # the T slider's values, 0.5 … 20 (kdviz.serve.urlstate)
CATALOG = json.loads((ROOT / "kdviz" / "locales" / "en.json").read_text(encoding="utf-8"))


class RoomSocket:
    """One tab's room websocket: every message it receives, with its arrival (``time.perf_counter()``)."""

    def __init__(self, url: str, *, cookie: str = "", name: str = "socket") -> None:
        self.url, self.cookie, self.name = url.rstrip("/"), cookie, name
        self.log: list[tuple[float, dict]] = []
        self.expected: set[int] = set()  # indices in log of error replies this client provoked on purpose
        self.replica: str | None = None
        self.closed: str | None = None
        self._closing = False
        self._new = asyncio.Event()
        self._ws = self._reader = None

    async def connect(self) -> None:
        from websockets.asyncio.client import connect

        headers = {"Cookie": self.cookie} if self.cookie else {}
        self._ws = await connect("ws" + self.url[4:] + ROOM_PATH, origin=self.url, additional_headers=headers,
                                 open_timeout=30, ping_interval=None, user_agent_header="kdviz-roomclass")
        self.replica = self._ws.response.headers.get(REPLICA_HEADER)
        self._reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        try:
            async for text in self._ws:
                self.log.append((time.perf_counter(), json.loads(text)))
                self._new.set()
        except Exception as err:
            self.closed = f"{type(err).__name__}: {err}"
        else:
            self.closed = self.closed or f"closed by the server ({self._ws.close_code})"
        self._new.set()

    async def send(self, frame: dict) -> None:
        await self._ws.send(json.dumps(frame))

    async def wait(self, pred, *, start: int = 0, timeout: float = 10.0) -> dict | None:
        """The first message from ``log[start]`` on for which ``pred(message)`` holds, waiting up to ``timeout`` s."""
        deadline = time.monotonic() + timeout
        i = start
        while True:
            for i in range(i, len(self.log)):
                if pred(self.log[i][1]):
                    return self.log[i][1]
            i = len(self.log)
            remaining = deadline - time.monotonic()
            if self.closed or remaining <= 0:
                return None
            self._new.clear()
            try:
                await asyncio.wait_for(self._new.wait(), remaining)
            except asyncio.TimeoutError:
                return None

    async def request(self, frame: dict, replies: tuple[str, ...], *, timeout: float = 10.0, provoke: bool = False) -> dict | None:
        """Send ``frame``; the next message whose op is in ``replies`` (None after ``timeout``). ``provoke``: an
        ``error`` reply is expected (a forgery), not counted as an error."""
        start = len(self.log)
        await self.send(frame)
        reply = await self.wait(lambda m: m.get("op") in replies, start=start, timeout=timeout)
        if provoke and reply is not None and reply.get("op") == "error":
            self.expected.add(next(i for i in range(start, len(self.log)) if self.log[i][1] is reply))
        return reply

    async def hello(self, code: str, member: str, token: str | None = None) -> dict | None:
        frame = {"op": "hello", "code": code, "member": member} | ({"token": token} if token else {})
        return await self.request(frame, ("welcome", "error"), timeout=20)

    def errors(self) -> list[str]:
        out = [f"{self.name}: error frame {m}" for i, (_, m) in enumerate(self.log) if m.get("op") == "error" and i not in self.expected]
        if self.closed and not self._closing:
            out.append(f"{self.name}: room socket closed: {self.closed}")
        return out

    def ops(self, op: str, *, start: int = 0) -> list[dict]:
        return [m for _, m in self.log[start:] if m.get("op") == op]

    async def close(self) -> None:
        self._closing = True
        if self._ws is not None:
            await self._ws.close()
        if self._reader is not None:
            await asyncio.gather(self._reader, return_exceptions=True)


def room_data_of(el) -> dict:
    """The ``room`` field of a live component's data (code, member, role, and the token for the lecturer only), or {}."""
    room = Session.component_data(el).get("room") if el.kind == "bidi_component" else None
    return room if isinstance(room, dict) and room.get("code") else {}


def room_data(s: Session) -> dict:
    """The room view's data on ``s``'s page, or {}."""
    return next((d for d in map(room_data_of, s.elements.values()) if d), {})


def catalog_text(key: str) -> str:
    """The English text of catalog key ``key``."""
    return CATALOG.get(key, key)


@dataclass
class RoomReport:
    students: int
    moves: int
    replicas: int = 1
    url: str = ""
    seconds: float = 0.0
    latency_ms: list[float] = field(default_factory=list)  # per (move, student): lecturer's release → the student's view
    relay_ms: list[float] = field(default_factory=list)  # the view's "sent" (server clock) → arrival (this clock)
    release_ms: list[float] = field(default_factory=list)  # the lecturer's release → its fragment run finished
    drag_ms: list[float] = field(default_factory=list)  # per (frame, student): the lecturer's socket's view frame → the view
    open_ms: list[float] = field(default_factory=list)  # a student's join link → its first run finished
    missed: list[str] = field(default_factory=list)  # a (move, student) whose view never came
    errors: list[str] = field(default_factory=list)
    forgeries: list[str] = field(default_factory=list)  # a forgery that was not refused, or changed the room
    isolation: list[str] = field(default_factory=list)  # a student saw a run list, the token, a lecturer's control
    answers: dict = field(default_factory=dict)  # sent, students, tally n, counts as expected, reveals received
    sticky: list[str] = field(default_factory=list)  # a session whose requests reached two replicas
    lecturer_replica: str | None = None
    student_replicas: dict[str, int] = field(default_factory=dict)  # replica → students (their Streamlit sessions)
    socket_replicas: dict[str, int] = field(default_factory=dict)  # replica → students' room sockets
    cross_replica_followers: int = 0  # students on another replica than the lecturer who got every move
    redis_loss: dict = field(default_factory=dict)  # the kill_redis phase: what the lecturer's page said, what worked

    def summary(self) -> dict:
        stats = latency_stats

        return {"students": self.students, "moves": self.moves, "replicas": self.replicas, "url": self.url,
                "seconds": round(self.seconds, 1), "latency_ms": stats(self.latency_ms), "relay_ms": stats(self.relay_ms),
                "lecturer_release_ms": stats(self.release_ms), "drag_ms": stats(self.drag_ms), "student_open_ms": stats(self.open_ms),
                "missed": len(self.missed), "errors": len(self.errors), "forgeries_accepted": len(self.forgeries),
                "isolation_failures": len(self.isolation), "sticky_failures": len(self.sticky), "answers": self.answers,
                "lecturer_replica": self.lecturer_replica, "students_per_replica": dict(sorted(self.student_replicas.items())),
                "room_sockets_per_replica": dict(sorted(self.socket_replicas.items())),
                "cross_replica_followers": self.cross_replica_followers, "redis_loss": self.redis_loss}

    def failures(self) -> list[str]:
        """Everything that must be empty for the class to pass (the latency bounds are the caller's)."""
        return self.errors + self.missed + self.forgeries + self.isolation + self.sticky


def _replica_logs(servers: Servers) -> str:
    """The servers' own logs: the one server's, or (deploy/start.sh, KDVIZ_KEEP_LOGS=1) its run folder's replica logs."""
    text = servers.output()
    m = re.search(r"\(config (\S+)/nginx\.conf\)", text)
    if m and Path(m.group(1)).is_dir():
        text += "".join(p.read_text(errors="replace") for p in sorted(Path(m.group(1)).glob("replica-*.log")))
    return text


def _drop_run_folder(servers: Servers) -> None:
    m = re.search(r"\(config (\S+)/nginx\.conf\)", servers.output())
    if m and Path(m.group(1)).name.startswith("kdviz-deploy-"):
        shutil.rmtree(m.group(1), ignore_errors=True)


def _answer_for(q: dict, rng: random.Random):
    """A student's answer to the public question ``q``: a number on the slider's grid, a class index, a choice key."""
    if q["kind"] == "number":
        lo, hi, step = float(q["lo"]), float(q["hi"]), float(q.get("step_size") or (q["hi"] - q["lo"]) / 20)
        return round(lo + step * rng.randrange(int(round((hi - lo) / step)) + 1), 6)
    return rng.randrange(len(q["choices"])) if q["kind"] == "class" else rng.choice(q["choices"])


def expected_counts(q: dict, final: list, bins: list) -> list[int]:
    """The counts a tally must show for the students' last answers ``final``, by this file's own binning: a number
    in the bin [edge_i, edge_i+1) of ``bins`` (the last bin also holds hi); a class by its index; a choice by its key."""
    if q["kind"] == "number":
        counts = [0] * (len(bins) - 1)
        for x in final:
            i = next(i for i in range(len(bins) - 1) if x < bins[i + 1] or i == len(bins) - 2)
            counts[i] += 1
        return counts
    keys = list(q["choices"])
    return [sum(1 for a in final if (a if q["kind"] == "class" else keys.index(a)) == i) for i in range(len(keys))]


async def _start_room(s: Session) -> dict:
    """``s`` opens Temperature and presses Start a class; the room view's data on its page (code, member, token)."""
    await s.open("Temperature")
    r = await s.press(START_KEY)
    if r.errors:
        raise ActionError(f"Start a class: {r.errors[0]}")
    data = room_data(s)
    if not data.get("token"):
        raise ActionError(f"Start a class showed no lecturer's room view: {' | '.join(s.texts())[-300:]!r}")
    shown = s.texts()  # what the projector shows: the join link, never the token (that is in the address bar only)
    if not any(f"?room={data['code']}" in t for t in shown) or any(data["token"] in t for t in shown):
        raise ActionError(f"{s.name}'s page shows no join link ?room={data['code']}, or shows its token")
    return data


async def _student(i: int, url: str, code: str, report: RoomReport, gate: asyncio.Semaphore, timeout: float):
    """Student ``i``: opens the join link (its own Streamlit session), then the room socket with its member id."""
    s = Session(url, timeout=timeout, name=f"student {i}")
    # student 1 pastes a guessed token into the join link: it must come in as a student, like the others
    query = f"room={code}" + (f"&token={secrets.token_urlsafe(24)}" if i == 1 else "")
    async with gate:  # a class arrives over a few seconds, not in one instant
        r = await s.open("", query)
        report.open_ms.append(r.ms)
        report.errors.extend(r.errors)
    data = room_data(s)
    if data.get("code") != code or not data.get("member") or data.get("role") != "student":
        raise ActionError(f"student {i}: the join link showed no student's room view ({data})")
    if "token" in data:
        report.isolation.append(f"student {i}: its room view holds a token")
    sock = RoomSocket(url, cookie=s._cookie_header(), name=f"student {i}")
    await sock.connect()
    welcome = await sock.hello(code, data["member"])
    if not welcome or welcome.get("op") != "welcome" or welcome.get("role") != "student":
        raise ActionError(f"student {i}: hello got {welcome}")
    return s, sock, data["member"]


async def _forge(report: RoomReport, url: str, code: str, token: str, other_token: str, students, lecturer_sock: RoomSocket,
                 qid: str | None, *, reply_s: float = 3.0) -> None:
    """Students try to drive the room; everything must be refused (an error within ``reply_s``) and the room stay
    as it was."""
    before = len(lecturer_sock.log)
    probe = RoomSocket(url, cookie=students[0][0]._cookie_header(), name="probe")  # student 0's replica
    await probe.connect()
    snap0 = (await probe.hello(code, students[0][2]))["room"]  # the student's own member id: counted once already
    (s0, sock0, member0), (_, sock1, _) = students[0], students[1]
    tries = [
        (sock0, {"op": "view", "view": {"T": 19.5, "gamma": 0.1}}, "room.not_lecturer"),
        (sock0, {"op": "ask", "question": {"qid": "forged", "kind": "number", "lo": 0, "hi": 1}, "truth": 0.5}, None),
        (sock1, {"op": "reveal", "qid": qid or "q1"}, None),
        (sock1, {"op": "view", "seq": 999, "view": {"page": "train", "T": 0.5, "gamma": 0.0, "digit": 1, "data": "mnist-5k"}}, None),
        (sock0, {"op": "hello", "code": code, "member": member0, "token": token}, None),  # a second hello is no upgrade
    ]
    for sock, frame, key in tries:
        reply = await sock.request(frame, ("error", "welcome", "answered"), provoke=True, timeout=reply_s)
        if reply is None or reply.get("op") != "error" or (key and reply.get("key") != key):
            report.forgeries.append(f"{sock.name} sent {frame['op']}: got {reply}")
    for name, bad_token in (("a guessed token", secrets.token_urlsafe(24)), ("another room's token", other_token)):
        sock = RoomSocket(url, cookie=s0._cookie_header(), name=name)
        await sock.connect()
        welcome = await sock.hello(code, member0, bad_token)
        if not welcome or welcome.get("role") != "student":
            report.forgeries.append(f"hello with {name}: {welcome}")
        reply = await sock.request({"op": "view", "view": {"T": 0.5, "gamma": 0.0}}, ("error",), provoke=True, timeout=reply_s)
        if not reply or reply.get("key") != "room.not_lecturer":
            report.forgeries.append(f"view after a hello with {name}: {reply}")
        report.errors.extend(sock.errors())
        await sock.close()
    await asyncio.sleep(0.5)  # anything a forgery broadcast has arrived by now
    changed = [m for m in lecturer_sock.log[before:] if m[1].get("op") in ("view", "question", "reveal", "closed")]
    if changed:
        report.forgeries.append(f"the room changed after forgeries: {[m for _, m in changed][:3]}")
    again = RoomSocket(url, cookie=s0._cookie_header(), name="probe 2")
    await again.connect()
    snap1 = (await again.hello(code, member0))["room"]
    for k in ("seq", "view", "question", "revealed"):
        if snap1.get(k) != snap0.get(k):
            report.forgeries.append(f"the room's {k} changed: {snap0.get(k)} → {snap1.get(k)}")
    for sock in (probe, again):
        report.errors.extend(sock.errors())
        await sock.close()


def _seen(s: Session) -> list[str]:
    return sorted({r for _, r in s.replicas})


async def _moves(report: RoomReport, lecturer: Session, students, *, moves: int, interval: float, rng: random.Random) -> None:
    """The lecturer releases T ``moves`` times; each student's arrival of the view with that T, minus the send."""
    start_T = float(Session.component_data(lecturer.live_view("T")).get("T", 4.0)) if lecturer.live_view("T") else 4.0
    pool = [t for t in T_VALUES if t != start_T]
    values = rng.sample(pool, min(moves, len(pool)))  # each T once, so a view message names its move
    while len(values) < moves:  # more moves than T values: never the same T twice in a row (nothing would move)
        values.append(rng.choice([t for t in pool if t != values[-1]]))
    sends = []
    for T in values:
        t0 = time.perf_counter()
        r = await lecturer.set_value("T", T)  # the live slider's release, as the lecturer's browser sends it
        report.release_ms.append(r.ms)
        report.errors.extend(r.errors)
        sends.append((T, t0))
        await asyncio.sleep(max(0.0, interval - (time.perf_counter() - t0)))
    last_T = values[-1]
    for _, sock, _ in students:  # the last move has reached everyone, or 5 s have passed
        await sock.wait(lambda m: m.get("op") == "view" and m["view"].get("T") == last_T, timeout=5)
    offset = time.time() - time.perf_counter()  # this clock → the wall clock (the view's "sent" is the server's)
    for s, sock, _ in students:
        views = [(t, m) for t, m in sock.log if m.get("op") == "view"]
        for k, (T, t0) in enumerate(sends):
            got = next(((t, m) for t, m in views if t >= t0 and abs(float(m["view"]["T"]) - T) < 1e-9), None)
            if got is None:
                report.missed.append(f"{sock.name}: move {k + 1} (T = {T:g}) never arrived")
                continue
            report.latency_ms.append(1000 * (got[0] - t0))
            if isinstance(got[1].get("sent"), (int, float)):
                report.relay_ms.append(1000 * (got[0] + offset - got[1]["sent"]))
    lecturer_on = set(_seen(lecturer))
    report.cross_replica_followers = sum(
        1 for s, sock, _ in students
        if _seen(s) and not set(_seen(s)) & lecturer_on and not any(m.startswith(sock.name + ":") for m in report.missed))


async def _drag(report: RoomReport, lec_sock: RoomSocket, students, *, frames: int, every_s: float = 0.1) -> None:
    """The lecturer drags: its browser's socket sends ``frames`` view frames ``{"T", "gamma"}``, ten a second (as
    views_room.js does while a slider moves, no rerun); each student's arrival of each, minus its send."""
    gamma = 0.9
    sent = []
    for k in range(frames):
        T = round(1.05 + 0.1 * k, 2)  # off the slider's 0.5 grid: no release above sent these
        sent.append((T, time.perf_counter()))
        await lec_sock.send({"op": "view", "view": {"T": T, "gamma": gamma}})
        await asyncio.sleep(every_s)
    for _, sock, _ in students:
        await sock.wait(lambda m: m.get("op") == "view" and m["view"].get("T") == sent[-1][0], timeout=5)
    for _, sock, _ in students:
        views = [(t, m) for t, m in sock.log if m.get("op") == "view"]
        for T, t0 in sent:
            got = next((t for t, m in views if t >= t0 and abs(float(m["view"]["T"]) - T) < 1e-9), None)
            if got is None:
                report.missed.append(f"{sock.name}: the drag's frame T = {T:g} never arrived")
            else:
                report.drag_ms.append(1000 * (got - t0))


async def _question(report: RoomReport, lecturer: Session, lec_sock: RoomSocket, students, rng: random.Random) -> None:
    """Ask, answer (every fifth student twice), check the tally against the last answers, reveal."""
    marks = [len(sock.log) for _, sock, _ in students]
    r = await lecturer.press(ASK_KEY)
    report.errors.extend(r.errors)
    got = await asyncio.gather(*[sock.wait(lambda m: m.get("op") == "question", start=mark, timeout=10)
                                 for (_, sock, _), mark in zip(students, marks)])
    q = got[0]["question"] if got and got[0] else None
    if q is None or any(g is None for g in got):
        report.errors.append(f"the question reached {sum(g is not None for g in got)} of {len(students)} students")
        return
    if any(k in q for k in ("truth", "truth_text_key", "truth_fields")):
        report.forgeries.append(f"the question carries its truth before the reveal: {sorted(q)}")
    qid = q["qid"]
    # a student's forged reveal of the open question: refused, and nobody sees a reveal
    reply = await students[-1][1].request({"op": "reveal", "qid": qid}, ("error",), provoke=True)
    if not reply or reply.get("op") != "error":
        report.forgeries.append(f"a student's reveal of {qid}: {reply}")
    final: list = []

    async def answer(i: int, sock: RoomSocket):
        value = _answer_for(q, rng)
        tries = [value] + ([_answer_for(q, rng)] if i % 5 == 0 else [])  # every fifth changes its mind
        for v in tries:
            reply = await sock.request({"op": "answer", "qid": qid, "value": v}, ("answered", "error"))
            if not reply or reply.get("op") != "answered" or reply.get("qid") != qid:
                report.errors.append(f"{sock.name}: answer {v!r} got {reply}")
        return tries[-1], len(tries)

    answers = await asyncio.gather(*[answer(i, sock) for i, (_, sock, _) in enumerate(students)])
    final = [a for a, _ in answers]
    n = len(students)
    tally = await lec_sock.wait(lambda m: m.get("op") == "tally" and m.get("qid") == qid and m.get("n") == n, timeout=5)
    await asyncio.sleep(0.3)  # the store's last (throttled) tally
    tallies = [m for m in lec_sock.ops("tally") if m.get("qid") == qid]
    last = tallies[-1] if tallies else {}
    expected = expected_counts(q, final, last.get("bins") or [0, 1])
    report.answers = {"kind": q["kind"], "students": n, "sent": sum(k for _, k in answers), "tally_n": last.get("n"),
                      "tally_messages": len(tallies), "counts_as_expected": last.get("counts") == expected}
    if tally is None or last.get("n") != n or last.get("counts") != expected or sum(last.get("counts") or []) != n:
        report.errors.append(f"the lecturer's last tally {last} ≠ {n} answers counted once {expected}")
    if any(sock.ops("reveal") for _, sock, _ in students):
        report.forgeries.append("a reveal reached students before the lecturer pressed Reveal")
    marks = [len(sock.log) for _, sock, _ in students]
    r = await lecturer.press(REVEAL_KEY)
    report.errors.extend(r.errors)
    reveals = await asyncio.gather(*[sock.wait(lambda m: m.get("op") == "reveal" and m.get("qid") == qid, start=mark, timeout=10)
                                     for (_, sock, _), mark in zip(students, marks)])
    good = [m for m in reveals if m and (m.get("tally") or {}).get("n") == n and "truth" in m]
    report.answers["reveals_received"] = len(good)
    on_page = [Session.component_data(el).get("revealed") for el in lecturer.elements.values() if el.kind == "bidi_component"]
    on_page = [v for v in on_page if isinstance(v, dict) and v.get("qid") == qid]
    report.answers["lecturer_page_n"] = (on_page[0].get("tally") or {}).get("n") if on_page else None
    if report.answers["lecturer_page_n"] != n:
        report.errors.append(f"the lecturer's page after Reveal shows {on_page[:1]}, not the tally of {n}")
    if len(good) != n:
        report.errors.append(f"the reveal (with the tally of {n} and the truth) reached {len(good)} of {n} students")


async def _follow_page(report: RoomReport, lecturer: Session, students, *, followers: int = 10) -> None:
    """The lecturer goes to Train; ``followers`` students' browsers, hearing the view with another page, send the room
    view's ``follow`` trigger (as views_room.js does), which reruns their script once on the lecturer's page."""
    marks = [len(sock.log) for _, sock, _ in students]
    r = await lecturer.go("Train")
    report.errors.extend(r.errors)
    moved = 0
    for (s, sock, _), mark in list(zip(students, marks))[:followers]:
        m = await sock.wait(lambda m: m.get("op") == "view" and m["view"].get("page") == "train", start=mark, timeout=10)
        el = next((e for e in s.elements.values() if e.kind == "bidi_component" and room_data_of(e)), None)
        if m is None or el is None:
            report.errors.append(f"{s.name}: no view of the Train page arrived ({m}) or no room view on its page")
            continue
        b = BackMsg()
        ws = b.rerun_script.widget_states.widgets.add()
        ws.id = _make_trigger_id(el.proto.id, "events")
        ws.json_trigger_value = json.dumps([{"event": "follow", "value": {**m["view"], "at": int(time.time() * 1000)}}])
        train = s.pages.get("Train")
        try:
            r = await s._rerun(b, fragment_id=el.fragment_id, until=lambda ss: ss.page_hash == train)
            report.errors.extend(r.errors)
            moved += 1
        except ActionError as err:
            report.errors.append(f"{s.name}: following the lecturer to Train: {err}")
    report.answers["followed_to_train"] = moved


def _isolation(report: RoomReport, token: str, students) -> None:
    for s, _, _ in students:
        shown = json.dumps([Session.component_data(el) for el in s.elements.values() if el.kind == "bidi_component"])
        shown += " ".join(s.texts()) + s.query
        if token in shown:
            report.isolation.append(f"{s.name}: its page holds the lecturer's token")
        if s.run_headers():
            report.isolation.append(f"{s.name}: its page shows runs {[m.group(0) for m in s.run_headers()]}")
        for key in (START_KEY, ASK_KEY, REVEAL_KEY, "room_end"):
            if s.widget(key) is not None:
                report.isolation.append(f"{s.name}: its page has the lecturer's {key}")


async def _lose_redis(report: RoomReport, servers: Servers, lecturer: Session, students) -> None:
    """Kill the deploy's redis-server: the lecturer's page says so in one line; releases and page changes still work."""
    m = re.search(r"^redis pid (\d+)", servers.output(), re.M)
    if not m:
        report.errors.append("no redis-server in deploy/start.sh's output")
        return
    os.kill(int(m.group(1)), signal.SIGKILL)
    await asyncio.sleep(0.5)
    unavailable = catalog_text("room.unavailable")
    out: dict = {}
    student = students[0][0]
    steps = [("lecturer: T release", lambda: lecturer.set_value("T", 2.5)), ("lecturer: page change", lambda: lecturer.go("Losses")),
             ("student: page change", lambda: student.go("Temperature")), ("student: T release", lambda: student.set_value("T", 3.5))]
    for what, action in steps:
        try:
            r = await action()
            out[what] = round(r.ms)
            report.errors.extend(e for e in r.errors if unavailable not in e)
        except ActionError as err:
            report.errors.append(f"after Redis stopped, {what}: {err}")
    said = [t for t in lecturer.texts() if unavailable in t]
    out["lecturer_says"] = said
    report.redis_loss = out
    if len(said) != 1:
        report.errors.append(f"after Redis stopped the lecturer's page says {said!r}, not one line {unavailable!r}")


async def _class(report: RoomReport, servers: Servers, *, students: int, moves: int, interval: float, drag: int, seed: int,
                 kill_redis: bool, timeout: float) -> None:
    rng, url = random.Random(seed), servers.url
    for _ in range(max(1, report.replicas) * 3):  # the teacher and data load once per server, before the class
        w = Session(url, timeout=timeout, name="warm-up")
        await w.open("Temperature")
        await w.close()
    lecturer, other = Session(url, timeout=timeout, name="lecturer"), Session(url, timeout=timeout, name="other lecturer")
    room, other_room = await _start_room(lecturer), await _start_room(other)
    code, token = room["code"], room["token"]
    lec_sock = RoomSocket(url, cookie=lecturer._cookie_header(), name="lecturer's socket")
    await lec_sock.connect()
    welcome = await lec_sock.hello(code, room["member"], token)
    if not welcome or welcome.get("role") != "lecturer":
        raise ActionError(f"the lecturer's hello got {welcome}")
    gate = asyncio.Semaphore(6)
    joined = await asyncio.gather(*[_student(i, url, code, report, gate, timeout) for i in range(students)], return_exceptions=True)
    crowd = [j for j in joined if not isinstance(j, BaseException)]
    report.errors.extend(f"{type(j).__name__}: {j}" for j in joined if isinstance(j, BaseException))
    try:
        if not crowd:
            return
        if await lec_sock.wait(lambda m: m.get("op") == "members" and m.get("n") == len(crowd), timeout=10) is None:
            report.errors.append(f"the lecturer never heard {len(crowd)} members: {lec_sock.ops('members')[-1:]}")
        await _moves(report, lecturer, crowd, moves=moves, interval=interval, rng=rng)
        await _drag(report, lec_sock, crowd, frames=drag)
        await _forge(report, url, code, token, other_room["token"], crowd, lec_sock, None)
        await _question(report, lecturer, lec_sock, crowd, rng)
        await _follow_page(report, lecturer, crowd)
        _isolation(report, token, crowd)
        if kill_redis:
            await _lose_redis(report, servers, lecturer, crowd)
    finally:
        report.lecturer_replica = "+".join(_seen(lecturer)) or None
        for s, sock, _ in crowd:
            seen = _seen(s)
            if len(seen) > 1:
                report.sticky.append(f"{s.name}: {s.replicas}")
            if seen:
                report.student_replicas[seen[0]] = report.student_replicas.get(seen[0], 0) + 1
            if sock.replica:
                report.socket_replicas[sock.replica] = report.socket_replicas.get(sock.replica, 0) + 1
            if not kill_redis:  # a lost Redis may close room sockets: that is the room, not an error
                report.errors.extend(sock.errors())
            report.errors.extend(s.stray_errors + s.media_errors)
        for s in (lecturer, other):
            if len(_seen(s)) > 1:
                report.sticky.append(f"{s.name}: {s.replicas}")
        if not kill_redis:
            report.errors.extend(lec_sock.errors())
        await asyncio.gather(*[x.close() for s, sock, _ in crowd for x in (sock, s)], lec_sock.close(), lecturer.close(),
                             other.close(), return_exceptions=True)


def run_room_class(url_or_server: str | Servers | None = None, *, students: int = 50, moves: int = 20, interval: float = 1.0,
                   drag: int = 20, replicas: int = 1, seed: int = 0, kill_redis: bool = False, timeout: float = 60.0,
                   limit_s: float | None = None, cache_dir: str | None = None) -> RoomReport:
    """One lecturer and ``students`` students in one room; returns a :class:`RoomReport`.

    Parameters
    ----------
    url_or_server : a running server or proxy's URL, a :class:`classroom.Servers`, or None: start one here
        (``replicas`` ≥ 2: deploy/start.sh's nginx, replicas and Redis)
    students, moves, interval : the class's size, the lecturer's T releases and the seconds between them
    drag : view frames the lecturer's socket then sends, ten a second (a drag: the live path, no rerun)
    kill_redis : after the reveal, kill the deploy's redis-server and check what still works (replicas only)
    timeout : seconds one action (a page run) may take
    limit_s : the whole class stops by itself after this many seconds (default: 120 + 1.5 s per student + the moves)
    cache_dir : the servers' KDVIZ_CACHE_DIR (default: the environment's)
    """
    if not 2 <= students <= 500 or moves < 1:
        raise ValueError(f"a class needs 2 to 500 students (two of them forge) and a move, got {students} and {moves}")
    if isinstance(url_or_server, Servers):
        servers, own = url_or_server, False
    elif isinstance(url_or_server, str):
        servers, own = Servers(url=url_or_server), False
    else:
        env = {"KDVIZ_KEEP_LOGS": "1"} | ({"KDVIZ_CACHE_DIR": cache_dir} if cache_dir else {})
        servers, own = Servers(replicas=replicas, env=env), True
    report = RoomReport(students=students, moves=moves, replicas=replicas, url=servers.url)
    limit = limit_s if limit_s is not None else 120 + 1.5 * students + moves * interval
    start = time.monotonic()
    try:
        asyncio.run(asyncio.wait_for(_class(report, servers, students=students, moves=moves, interval=interval, drag=drag,
                                            seed=seed, kill_redis=kill_redis, timeout=timeout), limit))
    except asyncio.TimeoutError:
        report.errors.append(f"the class did not end within {limit:.0f} s")
    except ActionError as err:
        report.errors.append(str(err))
    finally:
        report.seconds = time.monotonic() - start
        if own:
            servers.stop()
    log = _replica_logs(servers)
    for marker in ("Traceback", "Uncaught app exception"):
        if marker in log:
            report.errors.append(f"server log: {marker}: {log[log.index(marker):][:400]!r}")
    if own:
        _drop_run_folder(servers)
        servers.log.unlink(missing_ok=True)
    return report
