"""Trainings in worker processes (kdviz.serve.workers): the same numbers as in the server, streamed, and robust to a
worker that dies."""

import os
import signal
import time

import pytest
import torch

from kdviz.serve import workers
from kdviz.serve.workers import WorkerError, WorkerPool
from kdviz.train.loop import TrainConfig, train_student

CONFIG = TrainConfig(hidden=(32,), epochs=3)


@pytest.fixture(scope="module")
def pool():
    p = WorkerPool(2)
    yield p
    p.close()


def test_a_worker_trains_the_same_numbers_bit_for_bit(res, pool):
    rows = []
    distilled, baseline = pool.train_pair(res.data, res.logits, CONFIG, callback=lambda name, row: rows.append((name, row)))
    for got, config in ((distilled, CONFIG), (baseline, CONFIG.replace(gamma=0.0))):
        want = train_student(res.data, res.logits, config)  # in this process
        assert got.history.equals(want.history)
        assert torch.equal(got.test_logits, want.test_logits)
        for (k, a), (k2, b) in zip(got.model.state_dict().items(), want.model.state_dict().items()):
            assert k == k2 and torch.equal(a, b)
        assert got.config == config and len(got.epoch_seconds) == config.epochs and got.seconds > 0
    # every epoch of both runs streamed, in order per run, with the history's own values
    for name, result in (("distilled", distilled), ("baseline", baseline)):
        streamed = [row for n, row in rows if n == name]
        assert [r["epoch"] for r in streamed] == [1, 2, 3] and all(r["epochs"] == 3 for r in streamed)
        assert [r["test_acc"] for r in streamed] == result.history["test_acc"].tolist()


def test_a_named_data_set_is_loaded_by_the_workers_not_sent(res, monkeypatch):
    """With ``dataset=``, each worker reads the split from the disk caches (no copy of the tensors through the pipe)
    and trains the same numbers; a name that does not load the same numbers falls back to sending the tensors."""
    sent = []
    real = workers.save_safetensors

    def watched(tensors, *args, **kwargs):
        sent.append(sorted(tensors))
        return real(tensors, *args, **kwargs)

    monkeypatch.setattr(workers, "save_safetensors", watched)
    want = train_student(res.data, res.logits, CONFIG.replace(epochs=1))
    fresh = WorkerPool(1)  # a worker that holds no data yet
    try:
        by_name, _ = fresh.train_pair(res.data, res.logits, CONFIG.replace(epochs=1), baseline=False, dataset="mnist-5k")
        assert by_name.history.equals(want.history) and torch.equal(by_name.test_logits, want.test_logits)
        assert not any("x_train" in names for names in sent)  # loaded by name: nothing sent but the config
    finally:
        fresh.close()
    other = WorkerPool(1)
    try:  # another data set's name (or one not installed): the worker says so, the tensors are sent instead
        got, _ = other.train_pair(res.data, res.logits, CONFIG.replace(epochs=1), baseline=False, dataset="fashion-mnist")
        assert got.history.equals(want.history)
        assert any("x_train" in names for names in sent)
    finally:
        other.close()


def test_the_pair_runs_in_two_processes_at_once(res, pool):
    pids = set(pool.pids())
    assert len(pids) == 2 and os.getpid() not in pids
    seen = {}

    def note(name, row):
        seen.setdefault(name, time.perf_counter())

    pool.train_pair(res.data, res.logits, CONFIG.replace(epochs=2), callback=note)
    assert set(seen) == {"distilled", "baseline"}
    assert sorted(pool.pids()) == sorted(pids)  # both workers back in the pool, none replaced


def test_workers_run_below_the_server_priority(pool):
    import psutil

    pool.wait_ready()
    mine = psutil.Process().nice()
    assert [psutil.Process(pid).nice() for pid in pool.pids()] == [min(19, mine + workers.NICE)] * 2


def test_one_after_the_other_in_one_worker(res, pool):
    d, b = pool.train_pair(res.data, res.logits, CONFIG, parallel=False)
    assert d.history.equals(train_student(res.data, res.logits, CONFIG).history)
    assert b.config.gamma == 0.0


def test_a_worker_that_dies_mid_training_is_one_error_and_is_replaced(res, pool):
    victims = []

    def kill_on_first_epoch(name, row):
        if not victims:
            victims.extend(pool.pids())
            for pid in victims:
                os.kill(pid, signal.SIGKILL)

    with pytest.raises(WorkerError, match=r"^a training worker stopped \(exit code -9\)$"):
        pool.train_pair(res.data, res.logits, CONFIG.replace(epochs=30), callback=kill_on_first_epoch)
    assert not set(victims) & set(pool.pids()) and len(pool.pids()) == 2  # two fresh workers
    d, _ = pool.train_pair(res.data, res.logits, CONFIG, baseline=False)  # and they train
    assert d.history.equals(train_student(res.data, res.logits, CONFIG).history)


def test_a_callback_that_raises_stops_that_training(res, pool):
    before = set(pool.pids())

    def stop(name, row):
        raise RuntimeError("the server is stopping")

    with pytest.raises(RuntimeError, match="the server is stopping"):
        pool.train_pair(res.data, res.logits, CONFIG.replace(epochs=30), baseline=False, callback=stop)
    after = set(pool.pids())
    assert len(after) == 2 and len(before - after) == 1  # the worker cut off mid-run was replaced


def test_a_bad_setting_in_the_worker_is_its_own_error(res, pool):
    data = workers.TrainData(res.data.x_train[:10], res.data.y_train[:9], res.data.x_test, res.data.y_test)
    with pytest.raises(ValueError, match="one row per train digit"):
        pool.train(data, res.logits, {"distilled": CONFIG})
    assert len(pool.pids()) == 2  # the worker is kept: the error was the training's, not the worker's


def test_the_mode_setting():
    assert workers.mode_from_env({}) == "processes"
    assert workers.mode_from_env({"KDVIZ_TRAIN_WORKERS": " Threads "}) == "threads"
    with pytest.raises(ValueError, match=r"^KDVIZ_TRAIN_WORKERS must be one of processes, threads, got 'gpu'$"):
        workers.mode_from_env({"KDVIZ_TRAIN_WORKERS": "gpu"})
    with pytest.raises(ValueError, match="at least 1 process"):
        WorkerPool(0)


def test_the_data_key_follows_the_data(res):
    key = workers.data_key(res.data, res.logits)
    assert key == workers.data_key(res.data, res.logits) and len(key) == 16
    other = type(res.logits)(train=res.logits.train + 1, test=res.logits.test)
    assert workers.data_key(res.data, other) != key


def test_nothing_crosses_the_pipe_as_a_pickle():
    import inspect

    source = inspect.getsource(workers)
    assert "pickle" not in source.replace("never pickles", "") and "multiprocessing" not in source
