"""A press of Train: a training in a background thread, and one training for every press with the same settings.

A :class:`~kdviz.serve.training.Training` (its own module) waits for its slots in the training queue (:mod:`kdviz.serve.trainqueue`), then trains each
seed's distilled student and its baseline. A :class:`Press` is one session's press: it follows a training
(its epoch rows as they come) and gets copies of its runs with the session's own run ids. Through
:class:`Trainings` (issue 29 item 4), a press whose settings equal a training in flight, or one that ended
well in the last ``SHARE_TTL_S`` s, follows that one instead of joining the queue: a class that presses
Train with the same settings trains once, and (seeded, deterministic) each gets the numbers its own
training would give. ``Press(...)`` alone trains alone, as before.

The registry is plain data under one lock, made on first use (:func:`shared_trainings`). Bounds: at most
``SHARE_IN_FLIGHT`` trainings in flight registered (beyond, a press trains alone, queued as before); at most
``SHARE_KEEP`` ended ones kept (least recently used first out), at most ``SHARE_KEEP_BYTES`` of weights and
logits in all, each for ``SHARE_TTL_S`` s after its end; a kept training holds its runs, never a session's
press. Nothing here imports Streamlit.
"""

from __future__ import annotations

import dataclasses
import functools
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from kdviz.data.datasets import DEFAULT as DEFAULT_DATA
from kdviz.data.mnist import MNISTSplit
from kdviz.serve.training import Training
from kdviz.serve.trainqueue import Ticket, TrainQueue
from kdviz.serve.workers import WorkerPool
from kdviz.train.loop import TeacherLogits, TrainConfig
from kdviz.train.runs import Run

__all__ = ["Press", "PressView", "Training", "Trainings", "shared_trainings", "SHARE_TTL_S", "SHARE_KEEP",
           "SHARE_KEEP_BYTES", "SHARE_IN_FLIGHT"]

SHARE_TTL_S = 600.0  # an ended training is followed for this long after its end (a lecture's exercise)
SHARE_KEEP = 16  # ended trainings kept at most (least recently used dropped first)
SHARE_KEEP_BYTES = 64 * 2**20  # their weights and test logits, at most (16 default presses: ~10 MB)
SHARE_IN_FLIGHT = 64  # trainings in flight registered at most; beyond, a press trains alone (queued as before)

@dataclass(frozen=True)
class PressView:
    """What a page draws of a :class:`Press` at one moment.

    ``phase``: ``"waiting"`` (in the queue), ``"running"``, or ``"finished"`` (``outcome`` says how:
    ``"done"``, ``"cancelled"``, ``"dropped"`` for a place given up without a heartbeat, ``"error"``).
    ``rows``: the per-epoch rows so far of the seed being trained, by ``"distilled"`` / ``"baseline"``.
    ``done`` / ``total``: epochs trained / to train over every model and seed. ``last``: the newest row,
    with its ``name`` and ``seed``. ``runs``: this press's finished runs so far. ``seconds``: their training
    time, summed over the students (two train at once: more than the wait). ``wall_s``: seconds from this
    press to its end, or to now; ``queued_s``: the part of it spent waiting in the queue (None while waiting).
    ``shared_with``: the presses (this one included) that follow the same training, now.
    """

    phase: str
    outcome: str | None
    seed: int
    rows: dict
    done: int
    total: int
    last: dict | None
    runs: tuple
    seconds: float
    error: str | None
    wall_s: float = float("nan")
    queued_s: float | None = None
    shared_with: int = 1


class Press:
    """One press of Train: follows a :class:`Training` and hands a copy of each of its runs to ``on_run``.

    ``Press(data, teacher, config, ...)`` trains alone: a training of its own, with ``ticket`` in ``queue``
    (:meth:`Trainings.press` makes presses that share one). The training does not depend on anyone
    following it: a learner who goes to another page still gets the run (``on_run`` stores it). A page
    follows with :meth:`view` and :meth:`wait`.

    Parameters
    ----------
    data, teacher, config, seeds, baseline, queue, ticket, pool, dataset
        As :class:`Training` (``config.seed`` is replaced by each of ``seeds``; the two students of a seed
        run at once when ``ticket`` holds 2 slots; ``dataset`` is kept in each run's ``extra["data"]``).
    first_id : int
        Run id of this press's first run (the next seeds count up); also the runs' ``extra["group"]``.
    on_run : callable
        ``on_run(run)`` for every run, from the training's thread (or the caller's, for runs already trained).

    Each run's ``extra``: ``group``, ``data``, ``wall_s`` (this press → the run, as this learner waited),
    ``queued_s`` (the part of it the training waited in the queue), ``shared_with`` (presses that followed
    the training when the run came), ``trained_for`` (the ``wall_s`` of the first press that got
    this run: how long the training took for the press that started it) and ``training`` (the training's id,
    for :meth:`Trainings.shared_with`).
    """

    def __init__(self, data: MNISTSplit, teacher: TeacherLogits, config: TrainConfig, *, seeds: Sequence[int],
                 baseline: bool, first_id: int, queue: TrainQueue, ticket: Ticket, on_run: Callable[[Run], object],
                 pool: WorkerPool | None = None, dataset: str = DEFAULT_DATA):
        self._setup(Training(data, teacher, config, seeds=seeds, baseline=baseline, queue=queue, ticket=ticket, pool=pool,
                             dataset=dataset), first_id=first_id, on_run=on_run)
        self.training.attach(self)

    @classmethod
    def following(cls, training: Training, *, first_id: int, on_run: Callable[[Run], object]) -> "Press | None":
        """A press that follows ``training`` (None when that training can't be followed any more)."""
        press = cls.__new__(cls)
        press._setup(training, first_id=first_id, on_run=on_run)
        return press if training.attach(press) else None

    def _setup(self, training: Training, *, first_id: int, on_run: Callable[[Run], object]) -> None:
        self.training, self.first_id, self.on_run = training, int(first_id), on_run
        self.config, self.dataset, self.seeds, self.baseline = training.config, training.dataset, training.seeds, training.baseline
        self.queue = training.queue
        self.pressed = time.monotonic()  # this press; its runs' "wall time" counts from here
        self._runs: list[Run] = []
        self._cancelled = False
        self._ended: float | None = None

    @property
    def ticket(self) -> Ticket:
        return self.training.ticket

    def start(self) -> "Press":
        self.training.start()
        return self

    def heartbeat(self) -> None:
        """The learner still follows (keeps the training's waiting place; see :class:`~kdviz.serve.trainqueue.TrainQueue`)."""
        if not self._cancelled:
            self.queue.heartbeat(self.ticket)

    def cancel(self) -> None:
        """Stop following a training that still waits; the last press to cancel gives up its place in the queue.
        A training already running finishes, and its runs are kept."""
        with self.training.cond:
            if self._cancelled or self.training.outcome is not None or self.ticket.state not in ("waiting", "granted"):
                return
            self._cancelled, self._ended = True, time.monotonic()
            self.training.detach(self)

    def position(self) -> int | None:
        """The training's place: 0 running, k ≥ 1 waiting, None gone (or this press cancelled)."""
        return None if self._cancelled else self.queue.position(self.ticket)

    def estimate_s(self) -> float | None:
        return None if self._cancelled else self.queue.estimate_s(self.ticket)

    def wait(self, timeout: float) -> bool:
        """Block until the next epoch row or the end (at most ``timeout`` seconds); True when finished."""
        with self.training.cond:
            if self._outcome() is None:
                self.training.cond.wait(timeout)
            return self._outcome() is not None

    def training_ended(self, when: float) -> None:
        """From the training under its ``cond``: it ended at ``when`` (monotonic s); a press that ended first keeps its end."""
        self._ended = self._ended or when

    def _outcome(self) -> str | None:
        return "cancelled" if self._cancelled else self.training.outcome

    def view(self) -> PressView:
        t = self.training
        with t.cond:
            outcome = self._outcome()
            phase = "finished" if outcome is not None else "waiting" if t.ticket.state == "waiting" else "running"
            return PressView(phase=phase, outcome=outcome, seed=t.seed, rows={k: list(v) for k, v in t.rows.items()},
                             done=t.done, total=t.total, last=t.last, runs=tuple(self._runs),
                             seconds=sum(r.seconds + (0.0 if np.isnan(r.baseline_seconds) else r.baseline_seconds) for r in self._runs),
                             error=t.error, wall_s=(self._ended or time.monotonic()) - self.pressed,
                             queued_s=None if t.granted is None else max(0.0, t.granted - self.pressed),
                             shared_with=max(1, t.served))

    def receive(self, k: int, run: Run, t: Training) -> None:
        """From ``t`` under ``t.cond``: this press's copy of the training's run ``k`` (each once, in order), to ``on_run``."""
        if k != len(self._runs) or self._cancelled:
            return
        now = time.monotonic()
        wall = now - self.pressed
        if k == len(t.seeds) - 1:
            self._ended = now
        if len(t.first_walls) == k:
            t.first_walls.append(wall)
        extra = {**run.extra, "group": self.first_id, "wall_s": wall,
                 "queued_s": 0.0 if t.granted is None else max(0.0, t.granted - self.pressed),
                 "shared_with": max(1, t.served), "trained_for": t.first_walls[k], "training": t.id}
        mine = dataclasses.replace(run, run_id=self.first_id + k, history=run.history.copy(), test_logits=run.test_logits.clone(),
                                   baseline_history=None if run.baseline_history is None else run.baseline_history.copy(),
                                   baseline_test_logits=None if run.baseline_test_logits is None else run.baseline_test_logits.clone(),
                                   extra=extra)
        self._runs.append(mine)
        try:
            self.on_run(mine)
        except Exception:  # one session's store failing (its state gone) must not end the training for the others
            pass


def _settings(data, teacher, config: TrainConfig, seeds: Sequence[int], baseline: bool, dataset: str) -> tuple:
    """What a training's numbers depend on: the data set (its key, and the loaded data and teacher: one object per
    data set in a server), every :class:`~kdviz.train.loop.TrainConfig` field, the seeds and the baseline."""
    return (dataset, id(data), id(teacher), tuple(sorted((k, repr(v)) for k, v in config.to_dict().items())),
            tuple(int(s) for s in seeds), bool(baseline))


def _nbytes(training: Training) -> int:
    return sum(len(r.weights) + r.test_logits.nbytes + (0 if r.baseline_test_logits is None else r.baseline_test_logits.nbytes)
               for r in training.runs)


class Trainings:
    """One training for every press with the same settings: those in flight, and those that ended well lately.

    Parameters
    ----------
    ttl_s, keep, keep_bytes, in_flight
        The bounds (module constants ``SHARE_*``): seconds an ended training is followed after its end,
        ended trainings kept, their bytes, trainings in flight registered.
    clock : callable
        Seconds, monotonic (tests pass a fake one); only the ends and the expiry use it.
    """

    def __init__(self, *, ttl_s: float = SHARE_TTL_S, keep: int = SHARE_KEEP, keep_bytes: int = SHARE_KEEP_BYTES,
                 in_flight: int = SHARE_IN_FLIGHT, clock: Callable[[], float] = time.monotonic):
        self.ttl_s, self.keep, self.keep_bytes, self.in_flight = float(ttl_s), int(keep), int(keep_bytes), int(in_flight)
        self._clock = clock
        self._lock = threading.Lock()
        self._live: dict[tuple, Training] = {}  # settings → its training in flight
        self._ended: OrderedDict[tuple, tuple[Training, float]] = OrderedDict()  # settings → (training, end), LRU last
        self.trained = 0  # trainings started through this registry

    def press(self, data: MNISTSplit, teacher: TeacherLogits, config: TrainConfig, *, seeds: Sequence[int], baseline: bool,
              first_id: int, queue: TrainQueue, on_run: Callable[[Run], object], owner: str = "",
              pool: WorkerPool | None = None, dataset: str = DEFAULT_DATA) -> Press:
        """A started press: it follows the training of the same settings in flight or ended well in the last
        ``ttl_s`` seconds, or else joins ``queue`` (as ``owner``, 2 slots with the baseline) with a new one.
        Arguments as :class:`Press`."""
        key = _settings(data, teacher, config, seeds, baseline, dataset)
        with self._lock:
            self._expire()
            if key in self._ended:
                self._ended.move_to_end(key)
                press = Press.following(self._ended[key][0], first_id=first_id, on_run=on_run)
                if press is not None:
                    return press
            if key in self._live:
                press = Press.following(self._live[key], first_id=first_id, on_run=on_run)
                if press is not None:
                    return press
                del self._live[key]  # every press cancelled it: a new one
            training = Training(data, teacher, config, seeds=seeds, baseline=baseline, queue=queue,
                                ticket=queue.join(owner=owner, width=2 if baseline else 1), pool=pool, dataset=dataset,
                                on_end=functools.partial(self._end, key))
            self.trained += 1
            if len(self._live) < self.in_flight:
                self._live[key] = training
            press = Press.following(training, first_id=first_id, on_run=on_run)
        return press.start()

    def shared_with(self, run: Run) -> int:
        """The presses that followed the training of ``run`` and did not cancel: now, while that training is
        in flight or kept, else as counted when the run came (1 for a run trained alone)."""
        tid = run.extra.get("training")
        with self._lock:
            for t in [*self._live.values(), *(t for t, _ in self._ended.values())]:
                if t.id == tid:
                    return max(1, t.served)
        return int(run.extra.get("shared_with", 1))

    def snapshot(self) -> dict:
        """``{"in_flight": n, "kept": n, "kept_bytes": n, "trained": n}``."""
        with self._lock:
            self._expire()
            return {"in_flight": len(self._live), "kept": len(self._ended),
                    "kept_bytes": sum(_nbytes(t) for t, _ in self._ended.values()), "trained": self.trained}

    def _end(self, key: tuple, training: Training, outcome: str) -> None:
        """From the training's thread, as it ends: kept for followers when it ended well (``outcome`` "done")."""
        with self._lock:
            if self._live.get(key) is training:
                del self._live[key]
            if outcome != "done":
                return
            self._ended[key] = (training, self._clock())
            self._ended.move_to_end(key)
            self._expire()

    def _expire(self) -> None:
        """Under the lock: drop ended trainings past ``ttl_s``, then the least recently used beyond the bounds."""
        now = self._clock()
        for key in [k for k, (_, end) in self._ended.items() if now - end > self.ttl_s]:
            del self._ended[key]
        while self._ended and (len(self._ended) > self.keep or
                               sum(_nbytes(t) for t, _ in self._ended.values()) > self.keep_bytes):
            self._ended.popitem(last=False)


_shared: Trainings | None = None
_shared_lock = threading.Lock()


def shared_trainings() -> Trainings:
    """The server's one registry of trainings, made on first use."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = Trainings()
        return _shared
