"""A lecturer's room (issue 29) and the store that holds it: :class:`MemoryRooms` in this process (the default),
:class:`kdviz.serve.rooms_redis.RedisRooms` for every replica behind one Redis; :func:`rooms_from_env` picks one.

A room has a short code (``"ABC234"``, shown ``"ABC 234"``), a lecturer who holds a secret token (the store keeps
only its sha256), members (students' browsers, each counted once), the lecturer's :class:`View` (page, T, γ,
digit, data set), at most one open question with one answer per member (a second replaces the first) and, after
the reveal, its true value (never in a snapshot or a question message before). Each change is published to the
room's subscribers as one small message (``"view"``, ``"members"``, ``"question"``, ``"tally"``, ``"reveal"``,
``"closed"``), which :mod:`kdviz.serve.roomsocket` relays to browsers. Bounds, checked before any work: :data:`MAX_ROOMS`,
:data:`MAX_MEMBERS`, :data:`ROOM_TTL_S` after the lecturer's last action. A problem is a :class:`RoomError`.
The parts' rules (bounds, codes, tokens, View, question checks) live in :mod:`kdviz.serve.roomrules`, re-exported here.
"""

from __future__ import annotations

import dataclasses
import functools
import logging
import math
import os
import secrets
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from kdviz.base.safetext import short
from kdviz.serve.roomrules import (
    ALPHABET,
    CODE_LENGTH,
    MAX_MEMBERS,
    MAX_QUESTION_BYTES,
    MAX_ROOMS,
    MAX_VIEW_BYTES,
    PAGE_KEYS,
    ROOM_TTL_S,
    TALLY_INTERVAL_S,
    RoomError,
    View,
    checked_json,
    format_code,
    hash_token,
    new_code,
    normalise_code,
    public_question,
    question_tools,
    token_matches,
)

__all__ = ["ALPHABET", "CODE_LENGTH", "MAX_ROOMS", "MAX_MEMBERS", "ROOM_TTL_S", "MAX_VIEW_BYTES", "MAX_QUESTION_BYTES",
           "TALLY_INTERVAL_S", "PAGE_KEYS", "ENV", "RoomError", "View", "Rooms", "MemoryRooms", "new_code", "normalise_code",
           "format_code", "hash_token", "token_matches", "public_question", "checked_json", "question_tools",
           "rooms_from_env"]

log = logging.getLogger(__name__)

ENV = "KDVIZ_ROOMS"


class Rooms:
    """What both stores share: the callbacks subscribed in this process and the tally throttle.

    Each method of a store names the room by its code (as typed: :func:`normalise_code`) and raises
    ``RoomError("room.not_found")`` for a wrong or expired one, ``RoomError("room.not_lecturer")`` for a
    lecturer's action with a wrong token.
    """

    def __init__(self, *, clock: Callable[[], float] = time.time, ttl_s: float = ROOM_TTL_S):
        self.clock, self.ttl_s = clock, ttl_s
        self._subscribers: dict[str, list[Callable[[dict], None]]] = {}
        self._sub_lock = threading.Lock()
        self._tally_sent: dict[str, float] = {}  # room → time.monotonic() of its last tally message
        self._tally_pending: set[str] = set()

    def subscribe(self, code: str, callback: Callable[[dict], None]) -> Callable[[], None]:
        """Call ``callback(message)`` (from any thread; it must be quick) for each message of the room;
        returns the function that unsubscribes."""
        code = normalise_code(code) or ""
        with self._sub_lock:
            self._subscribers.setdefault(code, []).append(callback)
        self._subscribed(code)

        def unsubscribe() -> None:
            with self._sub_lock:
                callbacks = self._subscribers.get(code, [])
                if callback in callbacks:
                    callbacks.remove(callback)
                if not callbacks:
                    self._subscribers.pop(code, None)

        return unsubscribe

    def _subscribed(self, code: str) -> None:  # RedisRooms: listen to the room's channel
        pass

    def stop(self) -> None:
        """Stop any background thread (RedisRooms' listener); the store is not used after."""

    def _deliver(self, code: str, message: dict) -> None:
        """Hand one message to this process's subscribers of the room."""
        with self._sub_lock:
            callbacks = list(self._subscribers.get(code, ()))
        for callback in callbacks:
            try:
                callback(message)
            except Exception as error:  # one broken subscriber never stops the others
                log.warning("room subscriber failed: %s", short(error, 120))

    def _publish(self, code: str, message: dict) -> None:
        self._deliver(code, message)

    def _publish_tally(self, code: str, qid: str) -> None:
        """Publish the question's tally now, or once :data:`TALLY_INTERVAL_S` after the last one (≤ 10/s)."""
        now = time.monotonic()
        with self._sub_lock:
            wait = self._tally_sent.get(code, -math.inf) + TALLY_INTERVAL_S - now
            if wait > 0:
                if code in self._tally_pending:
                    return
                self._tally_pending.add(code)
            else:
                self._tally_sent[code] = now
        if wait > 0:  # the last answer's tally goes out when the interval is over
            threading.Timer(wait, self._send_tally, (code, qid, True)).start()
        else:
            self._send_tally(code, qid)

    def _send_tally(self, code: str, qid: str, trailing: bool = False) -> None:
        if trailing:
            with self._sub_lock:
                self._tally_pending.discard(code)
                self._tally_sent[code] = time.monotonic()
        try:
            self._publish(code, {"op": "tally", **self.tally(code, qid)})
        except Exception as error:  # the room closed or the store went away meanwhile: nothing to tell
            log.info("room tally not sent: %s", short(error, 120))


@dataclass
class _Room:
    digest: str  # sha256 of the lecturer's token
    touched: float  # the store's clock at the lecturer's last action
    seq: int = 0
    view: dict | None = None
    question: dict | None = None  # public: no true value
    truth: object = None
    answers: dict = dataclasses.field(default_factory=dict)  # member → value, this question's
    revealed: dict | None = None
    members: set = dataclasses.field(default_factory=set)


class MemoryRooms(Rooms):
    """Rooms in this process's memory: one dict under one lock. ``clock`` (seconds) and ``ttl_s`` for tests."""

    def __init__(self, *, clock: Callable[[], float] = time.time, ttl_s: float = ROOM_TTL_S,
                 max_rooms: int = MAX_ROOMS, max_members: int = MAX_MEMBERS):
        super().__init__(clock=clock, ttl_s=ttl_s)
        self.max_rooms, self.max_members = max_rooms, max_members
        self._rooms: dict[str, _Room] = {}
        self._lock = threading.RLock()

    def _expire(self) -> None:
        now = self.clock()
        for code in [c for c, r in self._rooms.items() if now - r.touched > self.ttl_s]:
            del self._rooms[code]

    def _room(self, code) -> tuple[str, _Room]:
        self._expire()
        key = normalise_code(code)
        if key is None or key not in self._rooms:
            raise RoomError("room.not_found")
        return key, self._rooms[key]

    def _lecturer(self, code, token) -> tuple[str, _Room]:
        key, room = self._room(code)
        if not token_matches(token, room.digest):
            raise RoomError("room.not_lecturer")
        room.touched = self.clock()
        return key, room

    def create(self) -> tuple[str, str]:
        """A new room: ``(code, token)``; ``RoomError("room.full")`` when :data:`MAX_ROOMS` are open."""
        token = secrets.token_urlsafe(24)
        with self._lock:
            self._expire()
            if len(self._rooms) >= self.max_rooms:
                raise RoomError("room.full")
            code = new_code()
            while code in self._rooms:
                code = new_code()
            self._rooms[code] = _Room(hash_token(token), self.clock())
        return code, token

    def check(self, code, token) -> bool:
        """Whether ``token`` is the room's lecturer's (False for a wrong or missing token, or no such room)."""
        with self._lock:
            try:
                return token_matches(token, self._room(code)[1].digest)
            except RoomError:
                return False

    def snapshot(self, code) -> dict:
        """``{"code", "seq", "view", "question", "revealed", "members"}``; the question without its true value."""
        with self._lock:
            key, room = self._room(code)
            return {"code": key, "seq": room.seq, "view": room.view, "question": room.question,
                    "revealed": room.revealed, "members": len(room.members)}

    def join(self, code, member: str) -> int:
        """Count ``member`` in (once, however often it joins); the number of members now."""
        if not isinstance(member, str) or not 0 < len(member) <= 64:
            raise RoomError("room.bad_message")
        with self._lock:
            key, room = self._room(code)
            if member not in room.members and len(room.members) >= self.max_members:
                raise RoomError("room.full")
            room.members.add(member)
            n = len(room.members)
        self._publish(key, {"op": "members", "n": n})
        return n

    def leave(self, code, member: str) -> int:
        """Count ``member`` out; the number of members now."""
        with self._lock:
            key, room = self._room(code)
            room.members.discard(member)
            n = len(room.members)
        self._publish(key, {"op": "members", "n": n})
        return n

    def set_view(self, code, token, view: View) -> int:
        """The lecturer shows ``view``: stored and published; its sequence number."""
        if not isinstance(view, View):
            raise RoomError("room.bad_message")
        with self._lock:
            key, room = self._lecturer(code, token)
            room.seq += 1
            room.view, seq = view.to_dict(), room.seq
        self._publish(key, {"op": "view", "seq": seq, "view": view.to_dict(), "sent": time.time()})
        return seq

    def ask(self, code, token, question: Mapping, truth) -> str:
        """Pose ``question`` (:func:`kdviz.serve.questions.public`'s dict) whose true answer is ``truth`` (kept until
        the reveal), with a str ``qid``; the previous question's answers are dropped (also when the same qid is
        asked again). Returns the qid."""
        public = public_question(question)
        checked_json(truth)
        with self._lock:
            key, room = self._lecturer(code, token)
            room.question, room.truth, room.answers, room.revealed = public, truth, {}, None
        self._publish(key, {"op": "question", "question": public})
        return public["qid"]

    def answer(self, code, member: str, qid: str, value) -> dict:
        """``member``'s answer to the open question ``qid`` (normalised by :func:`kdviz.serve.questions.check_answer`;
        replaces its earlier one); the tally after it. ``RoomError("room.bad_answer")`` for a value that does not
        fit, a question that is not open or already revealed, or a member who has not joined."""
        questions = question_tools()
        with self._lock:
            key, room = self._room(code)
            if room.question is None or room.question["qid"] != qid or room.revealed is not None or member not in room.members:
                raise RoomError("room.bad_answer")
            try:
                room.answers[member] = questions.check_answer(room.question, value)
            except ValueError:
                raise RoomError("room.bad_answer") from None
            tally = self._tally(room)
        self._publish_tally(key, qid)
        return tally

    def _tally(self, room: _Room) -> dict:
        return {"qid": room.question["qid"], **question_tools().histogram(room.question, list(room.answers.values()))}

    def tally(self, code, qid: str) -> dict:
        """``{"qid", "n", "counts", "bins"}`` of the open question (:func:`kdviz.serve.questions.histogram`)."""
        with self._lock:
            _, room = self._room(code)
            if room.question is None or room.question["qid"] != qid:
                raise RoomError("room.bad_answer")
            return self._tally(room)

    def reveal(self, code, token, qid: str) -> dict:
        """Show the true value beside the class's answers: ``{"qid", "truth", "tally"}``, stored and published."""
        with self._lock:
            key, room = self._lecturer(code, token)
            if room.question is None or room.question["qid"] != qid:
                raise RoomError("room.bad_answer")
            room.revealed = {"qid": qid, "truth": room.truth, "tally": self._tally(room)}
            revealed = room.revealed
        self._publish(key, {"op": "reveal", **revealed})
        return revealed

    def close(self, code, token) -> None:
        """End the room: every member is told (``{"op": "closed"}``), the code is then unknown."""
        with self._lock:
            key, _ = self._lecturer(code, token)
            del self._rooms[key]
        self._publish(key, {"op": "closed"})


@functools.cache
def _store_for(url: str) -> Rooms:
    if url in ("", "memory"):
        return MemoryRooms()
    if url.startswith("redis://"):
        from kdviz.serve.rooms_redis import RedisRooms

        return RedisRooms(url)
    raise RoomError("room.bad_setting")  # no field: a page may show it as tr(error.key)


def rooms_from_env(environ: Mapping[str, str] | None = None) -> Rooms:
    """This process's room store for ``KDVIZ_ROOMS``: unset, empty or ``"memory"`` → :class:`MemoryRooms`;
    ``redis://HOST:PORT/DB`` → :class:`kdviz.serve.rooms_redis.RedisRooms`; anything else → a one-line
    ``RoomError("room.bad_setting")`` (a ``ValueError``). One store per setting per process."""
    url = (os.environ if environ is None else environ).get(ENV, "").strip()
    return _store_for(url)
