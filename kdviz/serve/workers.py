"""Trainings in worker processes: the server's Python stays free while students train.

A Streamlit server is one process, and Python's GIL lets one thread run Python at a time. A
training run is small torch kernels with Python between them; run as threads of the server, the
trainings held its GIL between kernels, and at 50 learners who pressed Train every other page
waited behind them (``BENCHMARKS.md``). A :class:`WorkerPool` keeps one process per training slot,
each with torch imported and one torch thread, at a lower priority (``nice`` +10) so that the server's
page reruns come first when the cores are busy, fed over a pipe:

    pool = WorkerPool(2)                                      # two processes, started now
    distilled, baseline = pool.train_pair(data, logits, config, callback=on_epoch)   # as kdviz.train.loop.train_pair

What crosses the pipe is plain data, never pickles: a frame is a JSON header and an optional
safetensors blob (the train and test tensors, once per worker and data set, unless the worker loads a
named data set from the disk caches itself; the trained weights and test logits back). Each epoch's history row streams back as its own frame, so a page draws the
curves while they grow. The numbers are those of :func:`kdviz.train.loop.train_student` in the server
(same code, same seed, one torch thread): ``tests/test_workers.py`` compares them bit for bit.

Setting: ``KDVIZ_TRAIN_WORKERS`` = ``processes`` (default) or ``threads`` (train in the server's own
threads, as before; for hosts that forbid child processes). Nothing here imports Streamlit.
"""

from __future__ import annotations

import atexit
import os
import subprocess
import sys
import threading
from collections.abc import Callable, Mapping
from pathlib import Path

import pandas as pd
from safetensors.torch import load as load_safetensors
from safetensors.torch import save as save_safetensors

from kdviz.serve.workers_child import KEEP_DATA, NICE, TrainData, data_key, read_frame, write_frame
from kdviz.train.loop import TeacherLogits, TrainConfig, TrainResult, pair_configs
from kdviz.train.models import build_model

# NICE, TrainData and data_key are kdviz.serve.workers_child's, named here for the server side
__all__ = ["ENV", "MODES", "NICE", "WorkerError", "WorkerPool", "TrainData", "mode_from_env", "data_key", "shared"]

ENV = "KDVIZ_TRAIN_WORKERS"  # the setting: "processes" (default) or "threads"
MODES = ("processes", "threads")


def mode_from_env(environ: Mapping[str, str] | None = None) -> str:
    """``"processes"`` or ``"threads"``, from ``KDVIZ_TRAIN_WORKERS`` (unset or empty: processes).

    Raises
    ------
    ValueError
        One line naming the setting and its choices, for another value.
    """
    raw = (os.environ if environ is None else environ).get(ENV, "").strip().lower() or MODES[0]
    if raw not in MODES:
        raise ValueError(f"{ENV} must be one of {', '.join(MODES)}, got {raw!r}")
    return raw


class WorkerError(RuntimeError):
    """A worker process stopped, or failed in a way that is not the training's own error."""


# --- the server side (the worker process is kdviz.serve.workers_child) ------------------------------
class _Worker:
    """One child process and its two pipes. Used by one training at a time (the pool's lock hands it out)."""

    def __init__(self, python: str):
        down_r, down_w = os.pipe()  # server → worker
        up_r, up_w = os.pipe()  # worker → server
        self.proc = subprocess.Popen([python, "-m", "kdviz.serve.workers_child", str(down_r), str(up_w)], pass_fds=(down_r, up_w),
                                     stdin=subprocess.DEVNULL, cwd=str(Path(__file__).resolve().parents[2]))
        os.close(down_r)
        os.close(up_w)
        self.to = os.fdopen(down_w, "wb")
        self.frm = os.fdopen(up_r, "rb", buffering=0)
        self.ready = False
        self._starting = threading.Lock()  # wait_ready from the pool and from a training: one reads the pipe
        self.keys: list[str] = []  # data sets it holds, oldest first

    def alive(self) -> bool:
        return self.proc.poll() is None

    def read(self) -> tuple[dict, bytes]:
        try:
            header, blob = read_frame(self.frm)
        except (EOFError, OSError, ValueError):
            code = self.proc.wait(timeout=5) if self.proc.poll() is None else self.proc.returncode
            raise WorkerError(f"a training worker stopped (exit code {code})") from None
        return header, blob

    def wait_ready(self) -> None:
        with self._starting:
            if not self.ready:
                header, _ = self.read()
                if header.get("event") != "ready":
                    raise WorkerError(f"a training worker started with {header.get('event')!r}, not 'ready'")
                self.ready = True

    def send_data(self, key: str, data, teacher: TeacherLogits, dataset: str | None = None) -> None:
        """Give the worker the split once: by name when ``dataset`` names one it can load from the disk caches (a
        few hundred ms, and no 188 MB copy of Fashion-MNIST in the server), else as tensors over the pipe."""
        if key in self.keys:
            return
        if dataset is not None:
            write_frame(self.to, {"op": "load", "key": key, "dataset": dataset})
            header, _ = self.read()
            if header.get("event") == "loaded":
                self.keys = (self.keys + [key])[-KEEP_DATA:]
                return
        blob = save_safetensors({"x_train": data.x_train.contiguous(), "y_train": data.y_train.contiguous(),
                                 "x_test": data.x_test.contiguous(), "y_test": data.y_test.contiguous(),
                                 "t_train": teacher.train.contiguous(), "t_test": teacher.test.contiguous()})
        write_frame(self.to, {"op": "data", "key": key}, blob)
        self.keys = (self.keys + [key])[-KEEP_DATA:]

    def kill(self) -> None:
        for f in (self.to, self.frm):
            try:
                f.close()
            except OSError:
                pass
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)


class WorkerPool:
    """``size`` worker processes, started at once, each training one student at a time with one torch thread.

    Parameters
    ----------
    size : int
        Processes; give it the training queue's slots, so a granted ticket always finds its workers idle.
    python : str
        The interpreter that runs the workers (default: this one).

    Notes
    -----
    A worker that stops (killed, out of memory, or cut off by a callback that raised) is replaced
    by a new one on the next training; the training it ran raises :class:`WorkerError`.
    """

    def __init__(self, size: int, *, python: str = sys.executable):
        if int(size) < 1:
            raise ValueError(f"a worker pool needs at least 1 process, got {size}")
        self.size, self.python = int(size), python
        self._cond = threading.Condition()
        self._idle: list[_Worker] = [_Worker(python) for _ in range(self.size)]
        self._busy: set[_Worker] = set()
        self._closed = False

    def pids(self) -> list[int]:
        """The process ids of the workers now (for tests and the load test's CPU and memory figures)."""
        with self._cond:
            return [w.proc.pid for w in [*self._idle, *self._busy]]

    def wait_ready(self) -> None:
        """Block until every idle worker has started (imported torch and warmed up: a few seconds after the pool)."""
        with self._cond:
            idle = list(self._idle)
        for w in idle:
            w.wait_ready()

    def _take(self, n: int) -> list[_Worker]:
        with self._cond:
            while len(self._idle) < n:
                if self._closed:
                    raise WorkerError("the worker pool is closed")
                self._cond.wait()
            taken, self._idle = self._idle[:n], self._idle[n:]
            taken = [w if w.alive() else _Worker(self.python) for w in taken]  # a dead idle worker: a fresh one
            self._busy.update(taken)
            return taken

    def _give_back(self, worker: _Worker, healthy: bool) -> None:
        if not healthy:
            worker.kill()
        with self._cond:
            self._busy.discard(worker)
            if self._closed:
                worker.kill()
            else:
                self._idle.append(worker if healthy else _Worker(self.python))
            self._cond.notify_all()

    def _run(self, worker: _Worker, key: str, data, teacher: TeacherLogits, config: TrainConfig,
             callback: Callable[[dict], object] | None, dataset: str | None = None) -> TrainResult:
        """One training on ``worker``: send the data (once) and the config, pass each epoch row to ``callback``."""
        worker.wait_ready()
        worker.send_data(key, data, teacher, dataset)
        write_frame(worker.to, {"op": "train", "key": key, "config": config.to_dict()})
        while True:
            header, blob = worker.read()
            event = header.get("event")
            if event == "epoch":
                if callback is not None:
                    callback(header["row"])
            elif event == "error":
                kind = {"ValueError": ValueError, "MemoryError": MemoryError}.get(header["type"], RuntimeError)
                raise kind(header["message"])
            elif event == "done":
                tensors = load_safetensors(blob)
                model = build_model(header["architecture"])
                model.load_state_dict({k[len("model."):]: v for k, v in tensors.items() if k.startswith("model.")})
                return TrainResult(model=model.eval(), history=pd.DataFrame(header["history"]), config=config,
                                   seconds=float(header["seconds"]), test_logits=tensors["test_logits"],
                                   epoch_seconds=[float(s) for s in header["epoch_seconds"]])
            else:
                raise WorkerError(f"a training worker sent an unknown frame {event!r}")

    def train(self, data, teacher: TeacherLogits, configs: Mapping[str, TrainConfig], *, parallel: bool = True,
              callback: Callable[[str, dict], object] | None = None, dataset: str | None = None) -> dict[str, TrainResult]:
        """Train one student per config, each in its own worker (``parallel``) or one after the other in one.

        Parameters
        ----------
        data : MNISTSplit or TrainData
            The split; its tensors go to each worker once (then the worker keeps them).
        teacher : TeacherLogits
        configs : mapping name → TrainConfig
        parallel : bool
            Use ``len(configs)`` workers at once; False: one worker, the runs in turn.
        callback : callable, optional
            ``callback(name, row)`` after every epoch, from a thread of this process. If it raises,
            that training's worker is stopped (and replaced) and the error is raised here.
        dataset : str, optional
            The split's name in :mod:`kdviz.data.datasets` (not a folder): a worker loads it from the disk caches
            instead of receiving its tensors, when it loads the very same numbers (:func:`data_key`).

        Returns
        -------
        dict name → TrainResult, in the order of ``configs``

        Raises
        ------
        The first training's error (ValueError for a bad setting; WorkerError when a worker stopped).
        """
        key = data_key(data, teacher)
        names = list(configs)
        workers = self._take(len(names) if parallel else 1)
        results: dict[str, TrainResult] = {}
        errors: dict[str, BaseException] = {}

        def run(worker: _Worker, todo: list[str]) -> None:
            healthy, name = True, todo[0]
            try:
                for name in todo:
                    results[name] = self._run(worker, key, data, teacher, configs[name],
                                              None if callback is None else (lambda row, name=name: callback(name, row)), dataset)
            except (ValueError, MemoryError) as err:  # the training's own error: the worker is fine
                errors[name] = err
            except BaseException as err:  # a callback that raised, or a broken pipe: the worker may be mid-run
                errors[name] = err
                healthy = False
            finally:
                self._give_back(worker, healthy and worker.alive())

        if len(workers) == 1:
            run(workers[0], names)
        else:
            threads = [threading.Thread(target=run, args=(w, [n]), name=f"kdviz-worker-{n}") for w, n in zip(workers, names)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
        for name in names:
            if name in errors:
                raise errors[name]
        return {name: results[name] for name in names}

    def train_pair(self, data, teacher: TeacherLogits, config: TrainConfig = TrainConfig(), *, baseline: bool = True,
                   parallel: bool = True, callback: Callable[[str, dict], object] | None = None, dataset: str | None = None
                   ) -> tuple[TrainResult, TrainResult | None]:
        """:func:`kdviz.train.loop.train_pair` in the workers: the distilled student and its γ = 0 baseline at once."""
        out = self.train(data, teacher, pair_configs(config, baseline=baseline), parallel=parallel, callback=callback,
                         dataset=dataset)
        return out["distilled"], out.get("baseline")

    def close(self) -> None:
        """Stop the workers (a running training's worker is stopped when its training returns it)."""
        with self._cond:
            self._closed = True
            idle, self._idle = self._idle, []
            self._cond.notify_all()
        for w in idle:
            w.kill()


_shared: WorkerPool | None = None
_shared_lock = threading.Lock()


def shared(size: int) -> WorkerPool:
    """The server's one pool, started on first use with ``size`` processes (later calls return it as is)."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = WorkerPool(size)
        return _shared


@atexit.register
def _close_shared() -> None:
    if _shared is not None:
        _shared.close()

