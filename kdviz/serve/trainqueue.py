"""A process-wide bounded queue of trainings: at most N slots in use at once, the rest wait their turn (FIFO).

One Streamlit server runs every session's trainings in one process. Without a bound, a class that
presses Train together starts 30 trainings on 2 cores: each takes 15× longer and the explorer pages
stall. With this queue a press beyond the free slots waits, and the page shows its place, an estimate
and a Cancel button.

Life of a ticket::

    ticket = queue.join(owner=session_id, width=2)   # a press: 2 slots (the distilled student and its baseline)
    queue.position(ticket)    # 0 = its slots are granted (running), k ≥ 1 = k-th in line, None = gone
    queue.estimate_s(ticket)  # seconds until its turn, from recent trainings' durations (None: no data yet)
    queue.heartbeat(ticket)   # the page says "still here" every second or so while the ticket waits
    with queue.slot(ticket) as granted:   # blocks until its turn; False if cancelled or dropped meanwhile
        if granted:
            ...train...       # the slots are released, and the duration recorded, on leaving the block
    queue.cancel(ticket)      # gives up the place (or the slots) at once

A ticket that waits without a heartbeat for ``stale_s`` seconds (its learner left the page or
closed the tab) is dropped, and the tickets behind it move up. A ticket whose slots are held by
:meth:`TrainQueue.acquire` needs no heartbeat: its training is bounded and its result kept.

Setting: ``KDVIZ_TRAIN_SLOTS``, the slots (trainings at once) of the server's queue; default, and at
most, the number of cores this process may use (:func:`kdviz.base.cores.usable_cores`; more is capped, with a note on stderr). A training uses one core (one torch thread), so a press with
its baseline takes two slots. Nothing here imports Streamlit.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field

from kdviz.base.cores import capped, usable_cores

__all__ = ["ENV", "Ticket", "TrainQueue", "slots_from_env", "shared"]

ENV = "KDVIZ_TRAIN_SLOTS"  # the setting: trainings that run at once (default: the number of cores)


def slots_from_env(environ: Mapping[str, str] | None = None, *, note: Callable[[str], None] | None = None) -> int:
    """The number of slots set by ``KDVIZ_TRAIN_SLOTS``, or the cores (:func:`kdviz.base.cores.usable_cores`) when it
    is unset or empty. A setting above the cores is capped at them: each slot keeps a worker process (torch
    imported, ~0.4 GB idle), and trainings beyond the cores only run slower together.

    Parameters
    ----------
    environ : mapping, optional
        Default ``os.environ``.
    note : callable, optional
        Gets one line when the setting is capped.

    Returns
    -------
    int in 1..cores

    Raises
    ------
    ValueError
        One line naming the setting, when the value is not a whole number ≥ 1.
    """
    raw = (os.environ if environ is None else environ).get(ENV, "").strip()
    if not raw:
        return usable_cores()
    try:
        n = int(raw)
    except ValueError:
        n = 0
    if n < 1:
        raise ValueError(f"{ENV} must be a whole number ≥ 1 (trainings at once), got {raw!r}")
    return capped(n, ENV, note=note)


@dataclass(eq=False)
class Ticket:
    """One place in a :class:`TrainQueue`. Its fields are the queue's to change, under its lock."""

    id: int
    owner: str  # who joined (a session id): for the logs and :meth:`TrainQueue.cancel_owner`
    width: int  # slots it needs at once
    joined: float  # clock time
    seen: float  # last heartbeat, clock time
    state: str = "waiting"  # waiting → granted → running → done; or cancelled / dropped
    started: float | None = None  # clock time its slots were granted
    extra: dict = field(default_factory=dict)


class TrainQueue:
    """At most ``slots`` slots in use at once; tickets are granted in the order they joined.

    Parameters
    ----------
    slots : int, optional
        Slots (one per training that runs at once). Default :func:`slots_from_env`.
    stale_s : float
        A waiting (or granted, not yet acquired) ticket without a heartbeat for this long, in
        seconds, is dropped. The Train page polls every 2.5 s; 10 s leaves room for a server that a
        class keeps busy (5 s dropped 3 presses of learners who stayed, at 50 learners).
    history : int
        The estimate uses the durations of this many recent finished trainings.
    clock : callable
        Seconds, monotonic (tests pass a fake one).

    Notes
    -----
    Strict FIFO: a ticket that needs 2 slots at the head of the line is not overtaken by a
    1-slot ticket behind it, so nobody waits forever. A ticket wider than the queue is
    narrowed to ``slots``. All methods are thread-safe (one :class:`threading.Condition`).
    """

    def __init__(self, slots: int | None = None, *, stale_s: float = 10.0, history: int = 20,
                 clock: Callable[[], float] = time.monotonic):
        self.slots = slots_from_env() if slots is None else int(slots)
        if self.slots < 1:
            raise ValueError(f"a training queue needs at least 1 slot, got {slots}")
        self.stale_s = float(stale_s)
        self._clock = clock
        self._cond = threading.Condition()
        self._waiting: deque[Ticket] = deque()  # FIFO, head first
        self._granted: list[Ticket] = []  # granted or running, holding slots
        self._durations: deque[float] = deque(maxlen=int(history))  # seconds per finished ticket
        self._ids = itertools.count(1)

    # --- joining and leaving -------------------------------------------------------------------
    def join(self, owner: str = "", *, width: int = 1) -> Ticket:
        """A new ticket at the end of the line (granted at once when the slots are free)."""
        with self._cond:
            now = self._clock()
            ticket = Ticket(id=next(self._ids), owner=str(owner), width=max(1, min(int(width), self.slots)), joined=now, seen=now)
            self._waiting.append(ticket)
            self._update()
            return ticket

    def cancel(self, ticket: Ticket) -> bool:
        """Leave the line, or give back the slots of a granted ticket not yet acquired. True if it did; False
        for a ticket already gone, or running (its holder ends it with :meth:`release`)."""
        with self._cond:
            return ticket.state in ("waiting", "granted") and self._remove(ticket, "cancelled")

    def cancel_owner(self, owner: str) -> int:
        """Cancel every ticket of ``owner`` that waits or is granted but not running; returns how many."""
        with self._cond:
            mine = [t for t in [*self._waiting, *self._granted] if t.owner == owner and t.state in ("waiting", "granted")]
            for t in mine:
                self._remove(t, "cancelled")
            return len(mine)

    def heartbeat(self, ticket: Ticket) -> bool:
        """The ticket's learner is still there. False if the ticket is no longer in the queue."""
        with self._cond:
            self._update()
            if ticket.state in ("waiting", "granted", "running"):
                ticket.seen = self._clock()
                return True
            return False

    # --- what the page shows ------------------------------------------------------------------
    def position(self, ticket: Ticket) -> int | None:
        """0 when its slots are granted (running or about to), k ≥ 1 when k-th in line, None when gone
        (finished, cancelled or dropped)."""
        with self._cond:
            self._update()
            if ticket.state in ("granted", "running"):
                return 0
            if ticket.state == "waiting":
                return 1 + next(i for i, t in enumerate(self._waiting) if t is ticket)
            return None

    def estimate_s(self, ticket: Ticket) -> float | None:
        """Seconds until the ticket's turn: 0 when granted; None when gone or before any training finished.

        Each training is taken to last the mean of the recent finished ones; the running ones
        have already used part of it. The line ahead is played out slot by slot, in order.
        """
        with self._cond:
            self._update()
            if ticket.state in ("granted", "running"):
                return 0.0
            if ticket.state != "waiting" or not self._durations:
                return None
            mean = sum(self._durations) / len(self._durations)
            now = self._clock()
            free = [0.0] * (self.slots - sum(t.width for t in self._granted))  # seconds until each slot is free
            for t in self._granted:
                free += [max(0.0, mean - (now - (t.started or now)))] * t.width
            for t in self._waiting:
                free.sort()
                start = free[t.width - 1]  # when its width-th slot frees up
                if t is ticket:
                    return start
                free = [start + mean] * t.width + free[t.width:]
            return None  # unreachable: the ticket waits

    def snapshot(self) -> dict:
        """``{"slots", "running": [ticket ids], "waiting": [ticket ids, head first], "mean_s"}``."""
        with self._cond:
            self._update()
            return {"slots": self.slots, "running": [t.id for t in self._granted], "waiting": [t.id for t in self._waiting],
                    "mean_s": sum(self._durations) / len(self._durations) if self._durations else None}

    # --- the slot -------------------------------------------------------------------------------
    def acquire(self, ticket: Ticket, timeout: float | None = None) -> bool:
        """Block until the ticket's turn, then hold its slots (until :meth:`release`).

        Returns False when the ticket was cancelled or dropped meanwhile, or on ``timeout`` seconds.
        """
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._cond:
            while True:
                self._update()
                if ticket.state == "granted":
                    ticket.state = "running"
                    return True
                if ticket.state != "waiting":
                    return False
                wait = self.stale_s / 4  # wake up to drop stale tickets even when nobody else calls
                if deadline is not None:
                    wait = min(wait, deadline - time.monotonic())
                    if wait <= 0:
                        return False
                self._cond.wait(wait)

    def release(self, ticket: Ticket) -> None:
        """Give back the slots; a ticket that ran records its duration for the estimates."""
        with self._cond:
            if ticket.state == "running" and ticket.started is not None:
                self._durations.append(self._clock() - ticket.started)
            self._remove(ticket, "done")

    @contextlib.contextmanager
    def slot(self, ticket: Ticket, timeout: float | None = None) -> Iterator[bool]:
        """``with queue.slot(ticket) as granted:`` :meth:`acquire`, and :meth:`release` on leaving."""
        granted = self.acquire(ticket, timeout)
        try:
            yield granted
        finally:
            if granted:
                self.release(ticket)
            else:
                self.cancel(ticket)

    # --- under the lock -----------------------------------------------------------------------
    def _remove(self, ticket: Ticket, state: str) -> bool:
        present = False
        if ticket in self._waiting:
            self._waiting.remove(ticket)
            present = True
        if ticket in self._granted:
            self._granted.remove(ticket)
            present = True
        if present:
            ticket.state = state
            self._update()
            self._cond.notify_all()
        return present

    def _update(self) -> None:
        """Drop stale tickets, then grant the head of the line while its slots are free."""
        now = self._clock()
        changed = False
        for t in [t for t in [*self._waiting, *self._granted] if t.state in ("waiting", "granted")]:
            if now - t.seen > self.stale_s:
                (self._waiting if t.state == "waiting" else self._granted).remove(t)
                t.state = "dropped"
                changed = True
        used = sum(t.width for t in self._granted)
        while self._waiting and used + self._waiting[0].width <= self.slots:
            t = self._waiting.popleft()
            t.state, t.started = "granted", now
            self._granted.append(t)
            used += t.width
            changed = True
        if changed:
            self._cond.notify_all()


_shared: TrainQueue | None = None
_shared_lock = threading.Lock()


def shared() -> TrainQueue:
    """The server's one queue, made on first use with :func:`slots_from_env` slots.

    Raises
    ------
    ValueError
        One line, when ``KDVIZ_TRAIN_SLOTS`` is set to something else than a whole number ≥ 1.
    """
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = TrainQueue(slots_from_env(note=lambda line: print(f"kdviz: note: {line}", file=sys.stderr)))
        return _shared
