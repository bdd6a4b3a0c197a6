"""Rooms in Redis (``KDVIZ_ROOMS=redis://HOST:PORT/DB``): every replica behind one Redis sees every room.

The same methods as :class:`kdviz.serve.rooms.MemoryRooms`, each one or a few round trips on a redis-py client:

* ``kdviz:room:<code>``: a hash (the token's sha256, the lecturer's last action, seq, the view, the public
  question, its true value, the reveal);
* ``kdviz:room:<code>:members``: a set of member ids; ``kdviz:room:<code>:answers``: a hash member → answer to the
  open question (``HSET``: each member counts once, whichever replica it answers on; emptied when a question is asked);
* ``kdviz:rooms``: a sorted set code → the lecturer's last action, to count the open rooms (:data:`MAX_ROOMS`).

Every key expires with the room (:data:`ROOM_TTL_S` after the lecturer's last action). Messages go out on the
channel ``kdviz:room:<code>``; one listener thread per store (per process) reads every room's channel and hands
each message to this process's subscribers, so a lecturer on replica 1 drives students on replica 2.
Redis down or lost: every method raises ``RoomError("room.unavailable")`` within about a second (no retries
past one reconnect); the listener reconnects quietly. Sessions and runs never depend on it.
"""

from __future__ import annotations

import functools
import json
import logging
import math
import secrets
import threading
import time
from collections.abc import Callable, Mapping

from kdviz.base.safetext import short
from kdviz.serve.rooms import (
    MAX_MEMBERS,
    MAX_ROOMS,
    ROOM_TTL_S,
    RoomError,
    Rooms,
    View,
    checked_json,
    hash_token,
    new_code,
    normalise_code,
    public_question,
    question_tools,
    token_matches,
)

__all__ = ["RedisRooms", "CHANNEL", "TIMEOUT_S"]

log = logging.getLogger(__name__)

CHANNEL = "kdviz:room:"  # + code: the room's messages
TIMEOUT_S = 1.0  # a Redis round trip longer than this is "unavailable"
RECONNECT_S = 0.5  # the listener's pause between attempts
POLL_S = 0.25  # the listener looks at its stop flag this often


def _available(method):
    """A store method whose Redis errors become ``RoomError("room.unavailable")``."""

    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        import redis

        try:
            return method(self, *args, **kwargs)
        except redis.RedisError:
            raise RoomError("room.unavailable") from None

    return wrapper


def _loads(text):
    return None if text is None else json.loads(text)


class RedisRooms(Rooms):
    """Rooms in the Redis at ``url``; ``clock`` (wall seconds, the same on every replica) and ``ttl_s`` for tests."""

    def __init__(self, url: str, *, clock: Callable[[], float] = time.time, ttl_s: float = ROOM_TTL_S,
                 max_rooms: int = MAX_ROOMS, max_members: int = MAX_MEMBERS):
        import redis
        from redis.backoff import NoBackoff
        from redis.retry import Retry

        super().__init__(clock=clock, ttl_s=ttl_s)
        self.url, self.max_rooms, self.max_members = url, max_rooms, max_members
        self.redis = redis.Redis.from_url(url, decode_responses=True, socket_timeout=TIMEOUT_S, socket_connect_timeout=TIMEOUT_S,
                                          retry=Retry(NoBackoff(), 1, supported_errors=(redis.ConnectionError,)))
        self._listener: threading.Thread | None = None
        self._stop = threading.Event()
        self._listening = threading.Event()  # set once Redis confirmed the listener's subscription

    # ------------------------------------------------------------------ keys and checks
    @staticmethod
    def _key(code: str, *parts: str) -> str:
        return ":".join((CHANNEL + code, *parts))

    def _expire_s(self) -> int:
        return max(1, math.ceil(self.ttl_s))

    def _room(self, code) -> tuple[str, dict]:
        """The room's hash, or ``RoomError("room.not_found")`` for a wrong or expired code."""
        key = normalise_code(code)
        room = self.redis.hgetall(self._key(key)) if key else {}
        if not room:
            raise RoomError("room.not_found")
        if self.clock() - float(room["touched"]) > self.ttl_s:
            self._drop(key, room)
            raise RoomError("room.not_found")
        return key, room

    def _drop(self, code: str, room: dict) -> None:
        pipe = self.redis.pipeline()
        pipe.delete(self._key(code), self._key(code, "members"), self._key(code, "answers"))
        pipe.zrem("kdviz:rooms", code)
        pipe.execute()

    def _lecturer(self, code, token) -> tuple[str, dict]:
        key, room = self._room(code)
        if not token_matches(token, room["digest"]):
            raise RoomError("room.not_lecturer")
        now = self.clock()
        pipe = self.redis.pipeline()
        pipe.hset(self._key(key), "touched", repr(now))
        for k in (self._key(key), self._key(key, "members"), self._key(key, "answers")):
            pipe.expire(k, self._expire_s())
        pipe.zadd("kdviz:rooms", {key: now})
        pipe.execute()
        return key, room

    def _publish(self, code: str, message: dict) -> None:
        self.redis.publish(CHANNEL + code, json.dumps(message))  # this process's subscribers hear it through the listener

    # ------------------------------------------------------------------ the store
    @_available
    def create(self) -> tuple[str, str]:
        now = self.clock()
        self.redis.zremrangebyscore("kdviz:rooms", "-inf", now - self.ttl_s)
        if self.redis.zcard("kdviz:rooms") >= self.max_rooms:
            raise RoomError("room.full")
        token = secrets.token_urlsafe(24)
        while True:
            code = new_code()
            if self.redis.hsetnx(self._key(code), "digest", hash_token(token)):
                break
        pipe = self.redis.pipeline()
        pipe.hset(self._key(code), mapping={"touched": repr(now), "seq": 0})
        pipe.expire(self._key(code), self._expire_s())
        pipe.zadd("kdviz:rooms", {code: now})
        pipe.execute()
        return code, token

    def check(self, code, token) -> bool:
        try:
            return token_matches(token, self._room(code)[1]["digest"])
        except RoomError:
            return False
        except Exception as error:  # redis down: the socket then fails on its next call with "unavailable"
            import redis

            if isinstance(error, redis.RedisError):
                return False
            raise

    @_available
    def snapshot(self, code) -> dict:
        key, room = self._room(code)
        return {"code": key, "seq": int(room["seq"]), "view": _loads(room.get("view")), "question": _loads(room.get("question")),
                "revealed": _loads(room.get("revealed")), "members": self.redis.scard(self._key(key, "members"))}

    @_available
    def join(self, code, member: str) -> int:
        if not isinstance(member, str) or not 0 < len(member) <= 64:
            raise RoomError("room.bad_message")
        key, _ = self._room(code)
        members = self._key(key, "members")
        pipe = self.redis.pipeline()
        pipe.sismember(members, member)
        pipe.scard(members)
        known, n = pipe.execute()
        if not known and n >= self.max_members:
            raise RoomError("room.full")
        pipe = self.redis.pipeline()
        pipe.sadd(members, member)
        pipe.expire(members, max(1, self.redis.ttl(self._key(key))))
        pipe.scard(members)
        n = pipe.execute()[-1]
        self._publish(key, {"op": "members", "n": n})
        return n

    @_available
    def leave(self, code, member: str) -> int:
        key, _ = self._room(code)
        pipe = self.redis.pipeline()
        pipe.srem(self._key(key, "members"), member)
        pipe.scard(self._key(key, "members"))
        n = pipe.execute()[-1]
        self._publish(key, {"op": "members", "n": n})
        return n

    @_available
    def set_view(self, code, token, view: View) -> int:
        if not isinstance(view, View):
            raise RoomError("room.bad_message")
        key, _ = self._lecturer(code, token)
        pipe = self.redis.pipeline()
        pipe.hincrby(self._key(key), "seq", 1)
        pipe.hset(self._key(key), "view", json.dumps(view.to_dict()))
        seq = pipe.execute()[0]
        self._publish(key, {"op": "view", "seq": seq, "view": view.to_dict(), "sent": time.time()})
        return seq

    @_available
    def ask(self, code, token, question: Mapping, truth) -> str:
        public = public_question(question)
        truth_json = checked_json(truth)
        key, _ = self._lecturer(code, token)
        pipe = self.redis.pipeline()
        pipe.hset(self._key(key), mapping={"question": json.dumps(public), "truth": truth_json})
        pipe.hdel(self._key(key), "revealed")
        pipe.delete(self._key(key, "answers"))
        pipe.execute()
        self._publish(key, {"op": "question", "question": public})
        return public["qid"]

    def _open_question(self, room: dict, qid) -> dict:
        question = _loads(room.get("question"))
        if question is None or question["qid"] != qid:
            raise RoomError("room.bad_answer")
        return question

    def _tally(self, key: str, question: dict) -> dict:
        values = [json.loads(v) for v in self.redis.hvals(self._key(key, "answers"))]
        return {"qid": question["qid"], **question_tools().histogram(question, values)}

    @_available
    def answer(self, code, member: str, qid: str, value) -> dict:
        questions = question_tools()
        key, room = self._room(code)
        question = self._open_question(room, qid)
        if room.get("revealed") or not isinstance(member, str) or not self.redis.sismember(self._key(key, "members"), member):
            raise RoomError("room.bad_answer")
        try:
            value = questions.check_answer(question, value)
        except ValueError:
            raise RoomError("room.bad_answer") from None
        answers = self._key(key, "answers")
        pipe = self.redis.pipeline()
        pipe.hset(answers, member, json.dumps(value))
        pipe.expire(answers, max(1, self.redis.ttl(self._key(key))))
        pipe.execute()
        tally = self._tally(key, question)
        self._publish_tally(key, qid)
        return tally

    @_available
    def tally(self, code, qid: str) -> dict:
        key, room = self._room(code)
        return self._tally(key, self._open_question(room, qid))

    @_available
    def reveal(self, code, token, qid: str) -> dict:
        key, room = self._lecturer(code, token)
        question = self._open_question(room, qid)
        revealed = {"qid": qid, "truth": _loads(room.get("truth")), "tally": self._tally(key, question)}
        self.redis.hset(self._key(key), "revealed", json.dumps(revealed))
        self._publish(key, {"op": "reveal", **revealed})
        return revealed

    @_available
    def close(self, code, token) -> None:
        key, room = self._lecturer(code, token)
        self._drop(key, room)
        self._publish(key, {"op": "closed"})

    # ------------------------------------------------------------------ the listener
    def _subscribed(self, code: str) -> None:
        with self._sub_lock:
            if self._listener is None or not self._listener.is_alive():
                self._listener = threading.Thread(target=self._listen, name="kdviz-rooms-redis", daemon=True)
                self._listener.start()
        self._listening.wait(TIMEOUT_S)  # a message published after subscribe() returns is heard (Redis down: give up quickly)

    def _listen(self) -> None:
        """Read every room's channel and deliver each message here; reconnect quietly when Redis goes away."""
        import redis

        said = False
        while not self._stop.is_set():
            pubsub = self.redis.pubsub()
            try:
                pubsub.psubscribe(CHANNEL + "*")
                while not self._stop.is_set():  # Redis's confirmation: from here on every publish reaches us
                    message = pubsub.get_message(timeout=POLL_S)
                    if message and message["type"] == "psubscribe":
                        break
                self._listening.set()
                said = False
                while not self._stop.is_set():
                    message = pubsub.get_message(timeout=POLL_S)
                    if message and message["type"] == "pmessage":
                        self._deliver(message["channel"][len(CHANNEL):], json.loads(message["data"]))
            except (redis.RedisError, OSError, ValueError) as error:
                self._listening.clear()
                if not said:  # once per outage
                    log.warning("room store unreachable, reconnecting: %s", short(error, 120))
                    said = True
                self._stop.wait(RECONNECT_S)
            finally:
                try:
                    pubsub.close()
                except Exception:
                    pass

    def stop(self) -> None:
        """End the listener thread (tests; a server's store lives as long as the process)."""
        self._stop.set()
        if self._listener is not None:
            self._listener.join(timeout=3 * TIMEOUT_S)
