"""The room's websocket, ``/_kdviz/room`` on the app's own server: relays a room (:mod:`kdviz.serve.rooms`) to browsers.

JSON text frames. The browser's first frame, within :data:`HELLO_TIMEOUT_S`, is
``{"op": "hello", "code", "member", "token"?}``; the reply is ``{"op": "welcome", "role", "room": snapshot}``
(``role`` "lecturer" only for the room's token: a wrong one is a student, never an error that confirms a guess)
or ``{"op": "error", "key": "room.not_found"}`` and the close code 4404. Then:

* ``{"op": "answer", "qid", "value"}`` → ``{"op": "answered", "qid"}`` or an error ``"room.bad_answer"``
  (the lecturer's answer is checked, not counted);
* ``{"op": "view", "view": {"T", "gamma"}}`` (the lecturer's live slider) → the room's view at that T and γ,
  broadcast; from a student: an error ``"room.not_lecturer"``, nothing changes;
* ``{"op": "ping"}`` → ``{"op": "pong"}``;
* anything else: an error ``"room.bad_message"``; past :data:`MAX_BAD_FRAMES` of them the socket is closed.

Every message of the store's pub/sub (view, members, question, tally, reveal, closed) goes to each socket of
the room, through a bounded outbox per socket filled on the event loop (``call_soon_threadsafe``): a slow
browser never holds up the others; when its outbox is full the oldest view message is dropped (a newer one
follows). At most :data:`MAX_RATE` frames per second are read from a socket (beyond: dropped, logged once).
A page of another site cannot open the socket: its ``Origin`` must name this server's host (a client
without an ``Origin``, not a browser, is let in). Store calls run in a worker thread, so a slow or lost Redis
never stalls the server's event loop.
"""

from __future__ import annotations

import asyncio
import collections
import json
import logging
import threading
import time
from collections.abc import Callable
from urllib.parse import urlsplit

import anyio
import anyio.to_thread
from starlette.routing import WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect, WebSocketState

from kdviz.serve.rooms import MAX_VIEW_BYTES, RoomError, Rooms, View, normalise_code, rooms_from_env

__all__ = ["PATH", "HELLO_TIMEOUT_S", "MAX_RATE", "MAX_BAD_FRAMES", "MAX_FRAME_BYTES", "OUTBOX_SIZE", "origin_allowed",
           "room_socket", "room_route"]

log = logging.getLogger(__name__)

PATH = "/_kdviz/room"
HELLO_TIMEOUT_S = 5.0  # the first frame must come this soon
MAX_RATE = 20  # frames read per second per socket
MAX_BAD_FRAMES = 20  # malformed frames tolerated per socket
MAX_FRAME_BYTES = 4096  # a frame from a browser (a view is at most MAX_VIEW_BYTES)
OUTBOX_SIZE = 64  # messages waiting for one slow socket
CLOSE_NOT_FOUND, CLOSE_BAD, CLOSE_FORBIDDEN = 4404, 4400, 4403

_local_lock = threading.Lock()
_local_sockets: collections.Counter = collections.Counter()  # (code, member) → sockets open in this process


def origin_allowed(headers) -> bool:
    """Whether a websocket's ``Origin`` (if any) is this server: its host[:port] equals ``Host`` (or the
    ``X-Forwarded-Host`` a proxy set; a browser cannot set either for another site)."""
    origin = headers.get("origin")
    if origin is None:
        return True  # not a browser (a test client, the protocol-level learners)
    netloc = urlsplit(origin).netloc.lower()
    hosts = {h.strip().lower() for name in ("host", "x-forwarded-host") for h in headers.get(name, "").split(",")}
    return bool(netloc) and netloc in hosts


class _Outbox:
    """The messages waiting for one socket: at most :data:`OUTBOX_SIZE`; full, the oldest view goes (else the oldest)."""

    def __init__(self, size: int = OUTBOX_SIZE):
        self.size, self.items, self.ready, self.dropped = size, collections.deque(), asyncio.Event(), 0

    def put(self, message: dict) -> None:  # on the event loop
        if len(self.items) >= self.size:
            views = [m for m in self.items if m.get("op") == "view"]
            self.items.remove(views[0] if views else self.items[0])
            self.dropped += 1
        self.items.append(message)
        self.ready.set()

    async def get(self) -> dict:
        while not self.items:
            self.ready.clear()
            await self.ready.wait()
        return self.items.popleft()


def _frame(text) -> dict | None:
    """A frame as a dict with a str ``op``, or None for anything else."""
    if not isinstance(text, str) or len(text) > MAX_FRAME_BYTES:
        return None
    try:
        message = json.loads(text)
    except ValueError:
        return None
    return message if isinstance(message, dict) and isinstance(message.get("op"), str) else None


class _Socket:
    """One browser's connection to one room."""

    def __init__(self, websocket: WebSocket, rooms: Rooms):
        self.ws, self.rooms = websocket, rooms
        self.outbox = _Outbox()
        self.code = self.member = self.token = None
        self.role = "student"
        self.bad = 0
        self.window, self.in_window, self.rate_logged = 0.0, 0, False

    async def call(self, method, *args):
        """A store method in a worker thread (a Redis round trip never blocks the event loop)."""
        return await anyio.to_thread.run_sync(method, *args)

    async def send(self, message: dict) -> None:
        await self.ws.send_text(json.dumps(message))

    async def error(self, key: str) -> None:
        await self.send({"op": "error", "key": key})

    async def read(self) -> str | None:
        """The next frame's text (None for a binary frame); ``WebSocketDisconnect`` when the browser has gone."""
        message = await self.ws.receive()
        if message["type"] == "websocket.disconnect":
            raise WebSocketDisconnect(message.get("code", 1000))
        return message.get("text")

    async def hello(self) -> bool:
        """Read the hello, answer welcome or an error; True when the socket is in the room."""
        try:
            message = _frame(await asyncio.wait_for(self.read(), HELLO_TIMEOUT_S))
        except asyncio.TimeoutError:
            await self.ws.close(CLOSE_BAD)
            return False
        code = normalise_code(message.get("code")) if message and message["op"] == "hello" else None
        member = message.get("member") if message else None
        if message is None or message["op"] != "hello" or not isinstance(member, str) or not 0 < len(member) <= 64:
            await self.error("room.bad_message")
            await self.ws.close(CLOSE_BAD)
            return False
        if code is None:
            await self.error("room.not_found")
            await self.ws.close(CLOSE_NOT_FOUND)
            return False
        token = message.get("token")
        try:
            if isinstance(token, str) and token and await self.call(self.rooms.check, code, token):
                self.role, self.token = "lecturer", token
            self.code, self.member = code, member
            loop = asyncio.get_running_loop()
            self.unsubscribe = self.rooms.subscribe(code, lambda m: loop.call_soon_threadsafe(self.outbox.put, m))
            if self.role == "student":
                await self._join()
            snapshot = await self.call(self.rooms.snapshot, code)
        except RoomError as problem:
            await self.error(problem.key)
            await self.ws.close(CLOSE_NOT_FOUND if problem.key == "room.not_found" else CLOSE_BAD)
            return False
        await self.send({"op": "welcome", "role": self.role, "room": snapshot})
        return True

    async def _join(self) -> None:
        key = (self.code, self.member)
        with _local_lock:  # counted before the store hears of it: a tab closing meanwhile never counts it out
            _local_sockets[key] += 1
        try:
            await self.call(self.rooms.join, self.code, self.member)  # idempotent: a member counts once
        except BaseException:
            with _local_lock:
                _local_sockets[key] -= 1
                if _local_sockets[key] <= 0:
                    del _local_sockets[key]
            raise

    async def leave(self) -> None:
        """Unsubscribe; count the member out when its last socket in this process closes."""
        if getattr(self, "unsubscribe", None):
            self.unsubscribe()
        if self.role != "student" or self.code is None:
            return
        with _local_lock:
            key = (self.code, self.member)
            if key not in _local_sockets:
                return
            _local_sockets[key] -= 1
            last = _local_sockets[key] <= 0
            if last:
                del _local_sockets[key]
        if last:
            try:
                await self.call(self.rooms.leave, self.code, self.member)
            except RoomError:
                pass  # the room is gone or unreachable: nobody left to tell

    def allowed(self) -> bool:
        """The rate limit: at most :data:`MAX_RATE` frames in each one-second window."""
        now = time.monotonic()
        if now - self.window >= 1.0:
            self.window, self.in_window = now, 0
        self.in_window += 1
        if self.in_window <= MAX_RATE:
            return True
        if not self.rate_logged:
            log.warning("room socket over %d frames/s: dropping the rest", MAX_RATE)
            self.rate_logged = True
        return False

    async def handle(self, message: dict | None) -> int | None:
        """Act on one frame; the close code when the socket must close, else None."""
        op = message["op"] if message else None
        try:
            if op == "ping":
                await self.send({"op": "pong"})
            elif op == "answer" and isinstance(message.get("qid"), str):
                await self.answer(message["qid"], message.get("value"))
            elif op == "view" and isinstance(message.get("view"), dict):
                await self.view(message["view"])
            else:
                self.bad += 1
                await self.error("room.bad_message")
        except RoomError as problem:
            if problem.key == "room.bad_message":
                self.bad += 1
            await self.error(problem.key)
            if problem.key == "room.not_found":  # closed or expired meanwhile
                return CLOSE_NOT_FOUND
        return CLOSE_BAD if self.bad > MAX_BAD_FRAMES else None

    async def answer(self, qid: str, value) -> None:
        if self.role == "student":
            await self.call(self.rooms.answer, self.code, self.member, qid, value)
        else:  # the lecturer's own answer: checked, not counted
            from kdviz.serve.questions import check_answer

            question = (await self.call(self.rooms.snapshot, self.code))["question"]
            if question is None or question.get("qid") != qid:
                raise RoomError("room.bad_answer")
            try:
                check_answer(question, value)
            except ValueError:
                raise RoomError("room.bad_answer") from None
        await self.send({"op": "answered", "qid": qid})

    async def view(self, raw: dict) -> None:
        if self.role != "lecturer":
            raise RoomError("room.not_lecturer")
        if set(raw) != {"T", "gamma"} or len(json.dumps(raw)) > MAX_VIEW_BYTES:
            raise RoomError("room.bad_message")
        current = (await self.call(self.rooms.snapshot, self.code))["view"]
        base = View.from_dict(current) if current else View.default()
        await self.call(self.rooms.set_view, self.code, self.token, base.moved(raw["T"], raw["gamma"]))

    async def relay(self) -> None:
        """Send the room's messages as they arrive; after ``closed``, close the socket."""
        while True:
            message = await self.outbox.get()
            await self.send(message)
            if message.get("op") == "closed":
                await self.ws.close(1000)
                return

    async def receive(self) -> None:
        while True:
            text = await self.read()
            close = await self.handle(_frame(text)) if self.allowed() else None
            if close is not None:
                await self.ws.close(close)
                return


async def room_socket(websocket: WebSocket, rooms: Rooms | None = None) -> None:
    """The endpoint: one browser in one room until either side closes. ``rooms``: the store
    (default :func:`kdviz.serve.rooms.rooms_from_env`)."""
    if not origin_allowed(websocket.headers):
        await websocket.close(CLOSE_FORBIDDEN)  # before accepting: the handshake is refused (HTTP 403)
        return
    try:
        rooms = rooms or rooms_from_env()
    except ValueError as problem:  # a bad KDVIZ_ROOMS: said once per socket in the log, never to the browser
        log.warning("rooms are off: %s", problem)
        await websocket.close(CLOSE_BAD)
        return
    await websocket.accept()
    sock = _Socket(websocket, rooms)
    try:
        if not await sock.hello():
            return
        async with anyio.create_task_group() as both:  # sending and reading; when either ends, both end

            async def until_done(part) -> None:
                try:
                    await part()
                except (WebSocketDisconnect, RuntimeError):
                    pass  # the browser went away
                both.cancel_scope.cancel()

            both.start_soon(until_done, sock.relay)
            both.start_soon(until_done, sock.receive)
    except (WebSocketDisconnect, RuntimeError):
        pass
    finally:
        with anyio.CancelScope(shield=True):  # count the member out even when the server cancels the endpoint
            await sock.leave()
            if websocket.application_state == WebSocketState.CONNECTED and websocket.client_state == WebSocketState.CONNECTED:
                try:
                    await websocket.close(1000)
                except (WebSocketDisconnect, RuntimeError):
                    pass  # gone meanwhile


def room_route(rooms_getter: Callable[[], Rooms] = rooms_from_env) -> WebSocketRoute:
    """The route to mount: ``WebSocketRoute(PATH, …)`` serving the store ``rooms_getter()`` returns."""

    async def endpoint(websocket: WebSocket) -> None:
        try:
            rooms = rooms_getter()
        except ValueError as problem:
            log.warning("rooms are off: %s", problem)
            await websocket.close(CLOSE_BAD)
            return
        await room_socket(websocket, rooms)

    return WebSocketRoute(PATH, endpoint)
