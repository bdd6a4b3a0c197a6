"""One training of a press's settings, in a background thread, for every :class:`~kdviz.serve.press.Press` that follows it.

A :class:`Training` waits for its slots in the training queue (:mod:`kdviz.serve.trainqueue`), then trains each
seed's distilled student and its baseline, and hands each finished run to its presses
(:meth:`~kdviz.serve.press.Press.receive`). At interpreter exit (a server stopping) the running trainings end at
their next epoch rather than torch being killed mid-kernel. Nothing here imports Streamlit.
"""

from __future__ import annotations

import atexit
import functools
import itertools
import threading
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from kdviz.data.datasets import DEFAULT as DEFAULT_DATA
from kdviz.data.datasets import KEYS as DATA_KEYS
from kdviz.data.mnist import MNISTSplit
from kdviz.serve.trainqueue import Ticket, TrainQueue
from kdviz.serve.workers import WorkerPool
from kdviz.train.loop import TeacherLogits, TrainConfig, train_pair
from kdviz.train.runs import Run, make_run

if TYPE_CHECKING:
    from kdviz.serve.press import Press

__all__ = ["Training"]

_STOPPING = threading.Event()  # set at interpreter exit: trainings stop at their next epoch
_RUNNING: "set[Training]" = set()  # the trainings whose thread runs


@atexit.register
def _stop_presses(timeout: float = 10.0) -> None:
    """At exit (a server stopping), end the running trainings at their next epoch rather than kill torch mid-kernel."""
    _STOPPING.set()
    for training in list(_RUNNING):
        training.queue.cancel(training.ticket)  # a waiting training ends at once
    for training in list(_RUNNING):
        training._thread.join(timeout)


class Training:
    """One training of (data, teacher, config, seeds, baseline), in a background thread, for the presses that follow it.

    Waits for its slots in ``queue`` with ``ticket``, then trains each seed's distilled student and
    baseline at the same time (:func:`kdviz.train.loop.train_pair`), seeds one after the other, and hands each
    finished run to every press that follows it. Its runs carry run ids 0, 1, …; a press copies them with
    its own. ``pool``: train in these worker processes (:mod:`kdviz.serve.workers`), else in threads of this
    process (same numbers). ``on_end(training, outcome)``: called from its thread as it ends, before its presses
    see it end.
    """

    _ids = itertools.count(1)

    def __init__(self, data: MNISTSplit, teacher: TeacherLogits, config: TrainConfig, *, seeds: Sequence[int], baseline: bool,
                 queue: TrainQueue, ticket: Ticket, pool: WorkerPool | None = None, dataset: str = DEFAULT_DATA,
                 on_end: Callable[["Training", str], object] | None = None):
        self.id = next(Training._ids)
        self.data, self.teacher, self.config, self.dataset = data, teacher, config, dataset
        self.seeds, self.baseline = [int(s) for s in seeds], bool(baseline)
        self.queue, self.ticket, self.pool, self.on_end = queue, ticket, pool, on_end
        self.cond = threading.Condition()  # guards everything below; presses wait on it
        self.rows: dict[str, list[dict]] = {}
        self.seed = self.seeds[0]
        self.done = 0
        self.last: dict | None = None
        self.runs: list[Run] = []
        self.outcome: str | None = None
        self.error: str | None = None
        self.granted: float | None = None  # its slots came (monotonic s)
        self.ended: float | None = None
        self.presses: list[Press] = []  # following now (dropped at the end: a kept training holds no session)
        self.served = 0  # presses that followed it and did not cancel
        self.first_walls: list[float] = []  # per run: the wait of the first press that got it, from its press (s)
        self._thread = threading.Thread(target=self._main, name=f"kdviz-press-{ticket.id}", daemon=True)

    @property
    def total(self) -> int:
        return self.config.epochs * (2 if self.baseline else 1) * len(self.seeds)

    def start(self) -> "Training":
        if not self._thread.is_alive() and self.outcome is None and self not in _RUNNING:
            _RUNNING.add(self)
            self._thread.start()
        return self

    def attach(self, press: "Press") -> bool:
        """``press`` follows from now on and gets the runs so far at once; False for a training that ended badly,
        or whose every press cancelled (its ticket is gone)."""
        with self.cond:
            if self.outcome not in (None, "done") or self.ticket.state in ("cancelled", "dropped"):
                return False
            self.served += 1
            if self.outcome is None:
                self.presses.append(press)
            for k, run in enumerate(self.runs):
                press.receive(k, run, self)
            self.cond.notify_all()
            return True

    def detach(self, press: "Press") -> None:
        """``press`` stops following (its Cancel); the last one to go while the training waits gives up its ticket."""
        with self.cond:
            if press in self.presses:
                self.presses.remove(press)
                self.served -= 1
            if not self.presses and self.outcome is None and self.ticket.state in ("waiting", "granted"):
                self.queue.cancel(self.ticket)
            self.cond.notify_all()

    def _follow(self, seed: int):
        def callback(name: str, row: dict) -> None:
            if _STOPPING.is_set():
                raise RuntimeError("the server is stopping")
            with self.cond:
                self.rows.setdefault(name, []).append(row)
                self.done += 1
                self.last = {**row, "name": name, "seed": seed}
                self.cond.notify_all()
        return callback

    def _finish(self, outcome: str, error: str | None = None) -> None:
        if self.on_end is not None:  # first: a press that comes once this one is seen finished finds it kept (or not)
            self.on_end(self, outcome)
        with self.cond:
            self.outcome, self.error, self.ended = outcome, error, time.monotonic()
            for press in self.presses:
                press.training_ended(self.ended)
            self.presses = []
            self.cond.notify_all()

    def _main(self) -> None:
        try:
            self._train()
        finally:
            _RUNNING.discard(self)

    def _train(self) -> None:
        try:
            with self.queue.slot(self.ticket) as granted:
                if not granted:  # cancelled, or dropped for want of a heartbeat
                    self._finish("dropped" if self.ticket.state == "dropped" else "cancelled")
                    return
                with self.cond:
                    self.granted = time.monotonic()
                if self.pool is None:
                    pair = train_pair
                else:  # a named data set is loaded by the workers themselves (no copy of it through the pipe)
                    named = self.dataset if self.dataset in DATA_KEYS else None
                    pair = functools.partial(self.pool.train_pair, dataset=named)
                for k, seed in enumerate(self.seeds):
                    with self.cond:
                        self.seed, self.rows = seed, {}
                    distilled, baseline = pair(self.data, self.teacher, self.config.replace(seed=seed), baseline=self.baseline,
                                               parallel=self.ticket.width >= 2, callback=self._follow(seed))
                    run = make_run(k, distilled, baseline)
                    run.extra["data"] = self.dataset
                    with self.cond:
                        self.runs.append(run)
                        for press in self.presses:
                            press.receive(k, run, self)
        except Exception as err:  # a bad setting: one line for the page, the history untouched
            text = str(err).strip().splitlines()
            self._finish("error", f"{type(err).__name__}: {text[0] if text else ''}"[:300])
            return
        self._finish("done")
