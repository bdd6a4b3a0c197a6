"""A lecturer's room (issue 29) and the store that holds it: :class:`MemoryRooms` in this process (the default),
:class:`kdviz.serve.rooms_redis.RedisRooms` for every replica behind one Redis; :func:`rooms_from_env` picks one.

A room has a short code (``"ABC234"``, shown ``"ABC 234"``), a lecturer who holds a secret token (the store keeps
only its sha256), members (students' browsers, each counted once), the lecturer's :class:`View` (page, T, γ,
digit, data set), at most one open question with one answer per member (a second replaces the first) and, after
the reveal, its true value (never in a snapshot or a question message before). Each change is published to the
room's subscribers as one small message (``"view"``, ``"members"``, ``"question"``, ``"tally"``, ``"reveal"``,
``"closed"``), which :mod:`kdviz.serve.roomsocket` relays to browsers. Bounds, checked before any work: :data:`MAX_ROOMS`,
:data:`MAX_MEMBERS`, :data:`ROOM_TTL_S` after the lecturer's last action. A problem is a :class:`RoomError`.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import hmac
import json
import logging
import math
import os
import secrets
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from kdviz.base.i18n import tr
from kdviz.base.safetext import short
from kdviz.data.datasets import DEFAULT as DEFAULT_DATA
from kdviz.data.datasets import FOLDER
from kdviz.data.datasets import KEYS as DATA_KEYS
from kdviz.serve.urlstate import PARAMS

__all__ = ["ALPHABET", "CODE_LENGTH", "MAX_ROOMS", "MAX_MEMBERS", "ROOM_TTL_S", "MAX_VIEW_BYTES", "MAX_QUESTION_BYTES",
           "TALLY_INTERVAL_S", "PAGE_KEYS", "ENV", "RoomError", "View", "Rooms", "MemoryRooms", "new_code", "normalise_code",
           "format_code", "hash_token", "token_matches", "public_question", "rooms_from_env"]

log = logging.getLogger(__name__)

ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L: a code read off a projector is typed right
CODE_LENGTH = 6  # 31**6 ≈ 8.9e8 codes for at most MAX_ROOMS open rooms
MAX_ROOMS = 200  # open rooms per store
MAX_MEMBERS = 500  # members per room
ROOM_TTL_S = 4 * 3600  # a room expires this long after the lecturer's last action
MAX_VIEW_BYTES = 2048  # a view message, as JSON
MAX_QUESTION_BYTES = 4096  # a question (or a true value), as JSON
TALLY_INTERVAL_S = 0.1  # at most 10 tally messages per second per room; the last one always goes out
PAGE_KEYS = ("home", "temperature", "losses", "train", "lab", "compression", "your_digit")
ENV = "KDVIZ_ROOMS"
TRUTH_FIELDS = ("truth", "truth_text_key", "truth_fields")  # never in a question before the reveal


class RoomError(ValueError):
    """One problem with a room: ``key`` (a catalog key, ``"room.not_found"``, ``"room.not_lecturer"``, …) and its
    ``fields``; ``str()`` is the English line, ``.text("zh")`` the Chinese one."""

    def __init__(self, key: str, **fields):
        super().__init__(tr(key, "en", **fields))
        self.key, self.fields = key, fields

    def text(self, lang: str = "en") -> str:
        return tr(self.key, lang, **self.fields)


def _number(value, name: str, *, whole: bool = False) -> float | int:
    """``value`` checked against the link's range of ``name`` (:data:`kdviz.serve.urlstate.PARAMS`)."""
    _, low, high, _ = PARAMS[name]
    if (isinstance(value, bool) or not isinstance(value, int if whole else (int, float)) or not math.isfinite(value)
            or not low <= value <= high):
        raise RoomError("room.bad_message")
    return value if whole else float(value)


@dataclass(frozen=True)
class View:
    """What the lecturer shows: a page key of :data:`PAGE_KEYS`, T and γ in the link's ranges
    (:data:`kdviz.serve.urlstate.PARAMS`), a test image index or None, a data set key. Checked when made:
    anything else is ``RoomError("room.bad_message")``."""

    page: str
    T: float
    gamma: float
    digit: int | None
    data: str

    def __post_init__(self):
        if self.page not in PAGE_KEYS or self.data not in (*DATA_KEYS, FOLDER):
            raise RoomError("room.bad_message")
        object.__setattr__(self, "T", _number(self.T, "T"))
        object.__setattr__(self, "gamma", _number(self.gamma, "gamma"))
        if self.digit is not None:
            _number(self.digit, "digit", whole=True)

    @classmethod
    def from_dict(cls, raw) -> "View":
        """A view from a message's ``"view"`` (exactly its five fields), or ``RoomError("room.bad_message")``."""
        if not isinstance(raw, Mapping) or set(raw) != {f.name for f in dataclasses.fields(cls)}:
            raise RoomError("room.bad_message")
        return cls(**raw)

    @classmethod
    def default(cls) -> "View":
        """Home at the link's default T and γ, on the default data set."""
        return cls("home", PARAMS["T"][3], PARAMS["gamma"][3], None, DEFAULT_DATA)

    def to_dict(self) -> dict:  # the message's "view"
        return dataclasses.asdict(self)

    def moved(self, T, gamma) -> "View":
        """The same view at another T and γ (a live slider's drag): checked like a new one."""
        return dataclasses.replace(self, T=T, gamma=gamma)


def new_code() -> str:
    """A fresh room code: :data:`CODE_LENGTH` characters of :data:`ALPHABET` (``secrets.choice``)."""
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def normalise_code(text) -> str | None:
    """A typed code as stored (``" abc-234 "`` → ``"ABC234"``): upper-cased, spaces and dashes removed;
    None unless it is then :data:`CODE_LENGTH` characters of :data:`ALPHABET`."""
    if not isinstance(text, str) or len(text) > 40:
        return None
    code = text.upper().replace(" ", "").replace("-", "")
    return code if len(code) == CODE_LENGTH and all(c in ALPHABET for c in code) else None


def format_code(code: str) -> str:
    """``"ABC234"`` → ``"ABC 234"`` (read aloud and typed in two halves)."""
    return f"{code[:3]} {code[3:]}"


def hash_token(token: str) -> str:
    """The sha256 (hex) the store keeps instead of the lecturer's token."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def token_matches(token, digest: str) -> bool:
    """Whether ``token`` (a str, else False) hashes to ``digest``, compared in constant time."""
    return isinstance(token, str) and len(token) <= 200 and hmac.compare_digest(hash_token(token), digest)


def public_question(question: Mapping) -> dict:
    """What students may see of a question (:func:`kdviz.serve.questions.public`): a copy without any true value, as
    JSON of at most :data:`MAX_QUESTION_BYTES`; ``RoomError("room.bad_message")`` if it is not such a mapping."""
    if not isinstance(question, Mapping) or not all(isinstance(k, str) for k in question):
        raise RoomError("room.bad_message")
    public = {k: v for k, v in question.items() if k not in TRUTH_FIELDS}
    if not isinstance(public.get("qid"), str) or not 0 < len(public["qid"]) <= 200:
        raise RoomError("room.bad_message")
    _checked_json(public)
    return public


def _checked_json(value, limit: int = MAX_QUESTION_BYTES) -> str:
    try:
        text = json.dumps(value, allow_nan=False)
    except (TypeError, ValueError):
        raise RoomError("room.bad_message") from None
    if len(text.encode("utf-8")) > limit:
        raise RoomError("room.bad_message")
    return text


def _questions():
    from kdviz.serve import questions  # kdviz.serve.questions (check_answer, histogram), imported when a room first needs it

    return questions


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
        _checked_json(truth)
        with self._lock:
            key, room = self._lecturer(code, token)
            room.question, room.truth, room.answers, room.revealed = public, truth, {}, None
        self._publish(key, {"op": "question", "question": public})
        return public["qid"]

    def answer(self, code, member: str, qid: str, value) -> dict:
        """``member``'s answer to the open question ``qid`` (normalised by :func:`kdviz.serve.questions.check_answer`;
        replaces its earlier one); the tally after it. ``RoomError("room.bad_answer")`` for a value that does not
        fit, a question that is not open or already revealed, or a member who has not joined."""
        questions = _questions()
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
        return {"qid": room.question["qid"], **_questions().histogram(room.question, list(room.answers.values()))}

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
