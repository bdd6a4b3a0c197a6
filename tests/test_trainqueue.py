"""The bounded training queue: FIFO, at most N slots at once, cancel, stale tickets dropped, the setting."""

import threading

import pytest

from kdviz.serve import trainqueue
from kdviz.serve.trainqueue import TrainQueue


class FakeClock:
    """Seconds that move only when the test says so."""

    def __init__(self):
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_fifo_order_with_real_threads():
    q = TrainQueue(1)
    first = q.join("a")
    assert q.acquire(first, timeout=5)  # holds the only slot
    order, started, refused = [], [], []  # refused: tickets whose slot was not granted (checked below, not in the thread)
    tickets = [q.join(f"s{i}") for i in range(5)]
    assert [q.position(t) for t in tickets] == [1, 2, 3, 4, 5]

    def work(t):
        started.append(t.id)
        with q.slot(t, timeout=30) as granted:
            if not granted:
                refused.append(t.id)
            order.append(t.id)

    threads = [threading.Thread(target=work, args=(t,)) for t in reversed(tickets)]  # started in reverse order
    for th in threads:
        th.start()
    q.release(first)
    for th in threads:
        th.join(30)
    assert not any(th.is_alive() for th in threads) and refused == []
    assert order == [t.id for t in tickets]  # the order they joined, not the order their threads started
    assert q.snapshot()["running"] == [] and q.snapshot()["waiting"] == []


def test_at_most_n_at_once():
    q = TrainQueue(2)
    lock, inside, peak, refused = threading.Lock(), [0], [0], []
    go = threading.Event()

    def work():
        t = q.join("x")
        with q.slot(t, timeout=30) as granted:
            if not granted:  # checked in the test's thread: an assert here would be lost
                refused.append(t.id)
            with lock:
                inside[0] += 1
                peak[0] = max(peak[0], inside[0])
            go.wait(30)  # hold the slot until the test has seen the line
            with lock:
                inside[0] -= 1

    threads = [threading.Thread(target=work) for _ in range(6)]
    for th in threads:
        th.start()
    for _ in range(1000):  # until all six have joined
        snap = q.snapshot()
        if len(snap["running"]) + len(snap["waiting"]) == 6:
            break
        threading.Event().wait(0.005)
    assert len(snap["running"]) == 2 and len(snap["waiting"]) == 4
    go.set()
    for th in threads:
        th.join(30)
    assert not any(th.is_alive() for th in threads) and refused == []
    assert peak[0] == 2 and inside[0] == 0


def test_a_wide_ticket_is_not_overtaken():
    q = TrainQueue(2)
    a = q.join("a")  # 1 slot, granted
    wide = q.join("b", width=2)  # waits for both
    small = q.join("c")  # one slot is free, but the wide ticket is ahead
    assert [q.position(t) for t in (a, wide, small)] == [0, 1, 2]
    q.cancel(a)
    assert [q.position(t) for t in (wide, small)] == [0, 1]
    assert q.join("d", width=5).width == 2  # wider than the queue: narrowed


def test_cancel_frees_the_place_and_wakes_the_waiter():
    q = TrainQueue(1)
    holder = q.join("a")
    waiting = q.join("b")
    behind = q.join("c")
    result = {}
    th = threading.Thread(target=lambda: result.setdefault("got", q.acquire(waiting, timeout=30)))
    th.start()
    assert q.cancel(waiting)
    th.join(30)
    assert result["got"] is False and q.position(waiting) is None
    assert q.position(behind) == 1  # moved up
    assert not q.cancel(waiting)  # twice: nothing left to cancel
    assert q.cancel(holder)  # a granted ticket gives its slot back
    assert q.position(behind) == 0
    assert q.acquire(behind, timeout=5)
    assert not q.cancel(behind) and q.position(behind) == 0  # running: only its holder ends it
    q.release(behind)
    assert q.position(behind) is None


def test_stale_ticket_dropped_and_heartbeat_keeps_it():
    clock = FakeClock()
    q = TrainQueue(1, stale_s=5, clock=clock)
    running = q.join("a")
    assert q.acquire(running, timeout=5)
    kept, left, last = q.join("kept"), q.join("left"), q.join("last")
    clock.now = 4.0
    assert q.heartbeat(kept) and q.heartbeat(last)
    clock.now = 6.0  # "left" has not been seen for 6 s: its learner closed the tab
    assert q.position(left) is None and left.state == "dropped"
    assert [q.position(t) for t in (running, kept, last)] == [0, 1, 2]  # a running ticket needs no heartbeat
    assert not q.heartbeat(left)
    clock.now = 20.0
    assert q.position(kept) is None and q.position(last) is None
    q.release(running)
    assert q.snapshot() == {"slots": 1, "running": [], "waiting": [], "mean_s": 20.0}


def test_stale_ticket_drop_wakes_its_blocked_acquirer():
    clock = FakeClock()
    q = TrainQueue(1, stale_s=0.02, clock=clock)  # the acquirer re-checks every stale_s / 4 of real time
    holder = q.join("a")
    assert q.acquire(holder, timeout=5)
    waiting = q.join("b")
    result = {}
    th = threading.Thread(target=lambda: result.setdefault("got", q.acquire(waiting, timeout=30)))
    th.start()
    clock.now = 1.0
    th.join(30)
    assert result["got"] is False and waiting.state == "dropped"


def test_estimate_plays_out_the_line():
    clock = FakeClock()
    q = TrainQueue(2, clock=clock, stale_s=1e9)
    t = q.join("a")
    assert q.estimate_s(t) == 0.0  # granted at once
    q.acquire(t)
    clock.now = 10.0
    q.release(t)  # one training of 10 s: the mean
    q.join("a"), q.join("b")  # both running, started at 10
    c, d, e = q.join("c"), q.join("d", width=2), q.join("e")
    assert [q.position(x) for x in (c, d, e)] == [1, 2, 3]
    assert q.estimate_s(c) is not None and q.estimate_s(c) == pytest.approx(10.0)  # when a or b ends
    clock.now = 14.0
    assert q.estimate_s(c) == pytest.approx(6.0)
    assert q.estimate_s(d) == pytest.approx(6.0 + 10.0)  # needs both slots: after c too
    assert q.estimate_s(e) == pytest.approx(6.0 + 10.0 + 10.0)
    fresh = TrainQueue(1)
    fresh.join("x")
    assert fresh.estimate_s(fresh.join("y")) is None  # no finished training yet: no estimate


def test_slots_from_env(monkeypatch):
    import os

    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1, 2, 3}, raising=False)  # 4 cores (above: capped)
    assert trainqueue.slots_from_env({}) == 4
    assert trainqueue.slots_from_env({"KDVIZ_TRAIN_SLOTS": " 3 "}) == 3
    for bad in ("0", "-1", "two", "1.5"):
        with pytest.raises(ValueError) as err:
            trainqueue.slots_from_env({"KDVIZ_TRAIN_SLOTS": bad})
        assert str(err.value) == f"KDVIZ_TRAIN_SLOTS must be a whole number ≥ 1 (trainings at once), got {bad!r}"
    monkeypatch.setenv("KDVIZ_TRAIN_SLOTS", "many")
    with pytest.raises(ValueError, match="KDVIZ_TRAIN_SLOTS"):
        TrainQueue()
    with pytest.raises(ValueError):
        TrainQueue(0)
