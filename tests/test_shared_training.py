"""One training for the whole class (issue 29 item 4): presses with the same settings train once.

Every test counts the trainings by wrapping the training function that :mod:`kdviz.serve.press` calls, and checks
the numbers against a fresh training of its own (:func:`kdviz.train.loop.train_pair`): seeded, deterministic, so
a press that followed another's training must hold exactly the numbers its own would have given.
"""

from __future__ import annotations

import re
import threading
import time
from pathlib import Path

import pytest

from kdviz.serve import press as kpress
from kdviz.serve import training as ktraining
from kdviz.serve.trainqueue import TrainQueue
from kdviz.train import runs as kruns
from kdviz.train.loop import TrainConfig, train_pair

CONFIG = TrainConfig(epochs=1, hidden=(16,))  # a fast press: one epoch of a 784-16-10 student and its baseline
ROOT = Path(__file__).resolve().parents[1]


class FakeClock:
    """Seconds that move only when the test says so."""

    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture()
def trainings(monkeypatch, cache):
    """A counter of trainings: ``calls`` holds the config of every :func:`train_pair` that ran (hermetic cache)."""
    calls = []

    def counted(data, teacher, config, **kw):
        calls.append(config)
        return train_pair(data, teacher, config, **kw)

    monkeypatch.setattr(ktraining, "train_pair", counted)  # the module whose Training calls it
    return calls


def finish(press: kpress.Press, timeout: float = 300) -> kpress.PressView:
    deadline = time.monotonic() + timeout
    while not press.wait(1.0) and time.monotonic() < deadline:
        pass
    return press.view()


def press_of(reg: kpress.Trainings, res, q: TrainQueue, got: list, *, first_id: int = 1, config: TrainConfig = CONFIG,
             seeds=(0,), baseline: bool = True, data=None, teacher=None, dataset: str = "mnist") -> kpress.Press:
    return reg.press(res.data if data is None else data, res.logits if teacher is None else teacher, config, seeds=list(seeds),
                     baseline=baseline, first_id=first_id, queue=q, on_run=got.append, owner=f"session {first_id}",
                     dataset=dataset)


def same_numbers(a: kruns.Run, b) -> bool:
    """Run ``a`` holds the numbers of ``b`` (a Run, or a (distilled, baseline) pair of TrainResults)."""
    d_hist, d_logits, b_hist, b_logits = (b.history, b.test_logits, b.baseline_history, b.baseline_test_logits) \
        if isinstance(b, kruns.Run) else (b[0].history, b[0].test_logits, b[1].history, b[1].test_logits)
    return (a.history.equals(d_hist) and a.test_logits.equal(d_logits)
            and a.baseline_history.equals(b_hist) and a.baseline_test_logits.equal(b_logits))


def test_two_equal_presses_train_once_with_the_numbers_of_a_fresh_training(res, trainings):
    q, reg = TrainQueue(2), kpress.Trainings()
    mine, theirs = [], []
    first = press_of(reg, res, q, mine, first_id=1)
    second = press_of(reg, res, q, theirs, first_id=7)  # another session, its own history: its next run is 7
    v1, v2 = finish(first), finish(second)
    assert len(trainings) == 1 and reg.trained == 1 and v1.outcome == v2.outcome == "done"
    (a,), (b,) = mine, theirs
    assert (a.run_id, a.extra["group"], b.run_id, b.extra["group"]) == (1, 1, 7, 7)
    fresh = train_pair(res.data, res.logits, CONFIG, baseline=True)  # trained here, alone
    assert same_numbers(a, fresh) and same_numbers(b, fresh) and a.weights == b.weights
    assert a.history is not b.history and a.test_logits is not b.test_logits  # copies: neither can change the other's
    assert reg.shared_with(a) == reg.shared_with(b) == 2 and v1.shared_with == v2.shared_with == 2
    assert b.extra["trained_for"] == a.extra["trained_for"] == pytest.approx(a.extra["wall_s"])
    assert v1.total == v1.done == 2 and v2.rows == v1.rows  # the same epoch rows, both models
    assert q.snapshot() == {**q.snapshot(), "running": [], "waiting": []}


@pytest.mark.parametrize("change", ["seed", "T", "gamma", "dataset", "data", "baseline", "epochs"])
def test_a_different_setting_trains_separately(res, trainings, change):
    q, reg = TrainQueue(2), kpress.Trainings()
    finish(press_of(reg, res, q, []))
    other = {"seed": {"seeds": (1,)}, "T": {"config": CONFIG.replace(T=2.0)}, "gamma": {"config": CONFIG.replace(gamma=0.5)},
             "dataset": {"dataset": "fashion"}, "baseline": {"baseline": False},
             "data": {"data": type(res.data)(**vars(res.data))},  # equal values, another data set object: not known equal
             "epochs": {"config": CONFIG.replace(epochs=2)}}[change]
    got = []
    v = finish(press_of(reg, res, q, got, **other))
    assert len(trainings) == 2 and v.outcome == "done" and reg.shared_with(got[0]) == 1
    again = []
    finish(press_of(reg, res, q, again, first_id=3, **other))  # the same changed setting once more: shared
    assert len(trainings) == 2 and again[0].test_logits.equal(got[0].test_logits)


def test_a_press_just_after_the_end_gets_the_result_at_once(res, trainings):
    clock = FakeClock()
    q, reg = TrainQueue(2), kpress.Trainings(clock=clock)
    first = []
    finish(press_of(reg, res, q, first))
    clock.now += 1.0
    later = []
    t0 = time.monotonic()
    p = press_of(reg, res, q, later, first_id=5)
    v = p.view()
    assert v.phase == "finished" and v.outcome == "done" and len(later) == 1 and len(trainings) == 1
    assert time.monotonic() - t0 < 0.5 and v.wall_s < 0.5 and later[0].extra["wall_s"] < 0.5  # its own wait, not the first's
    assert later[0].extra["queued_s"] == 0.0 and later[0].extra["trained_for"] == pytest.approx(first[0].extra["wall_s"])
    assert same_numbers(later[0], first[0]) and later[0].run_id == 5 and reg.shared_with(first[0]) == 2


def test_past_the_ttl_it_trains_again(res, trainings):
    clock = FakeClock()
    q, reg = TrainQueue(2), kpress.Trainings(clock=clock)
    finish(press_of(reg, res, q, []))
    clock.now += kpress.SHARE_TTL_S - 1
    finish(press_of(reg, res, q, []))
    assert len(trainings) == 1
    clock.now += 2  # 601 s after the end
    got = []
    finish(press_of(reg, res, q, got))
    assert len(trainings) == 2 and reg.shared_with(got[0]) == 1


def test_at_most_keep_ended_trainings_least_recently_used_first_out(res, trainings):
    q, reg = TrainQueue(2), kpress.Trainings(keep=3)
    for seed in range(4):
        finish(press_of(reg, res, q, [], seeds=(seed,), baseline=False))
    assert reg.snapshot()["kept"] == 3 and len(trainings) == 4
    finish(press_of(reg, res, q, [], seeds=(3,), baseline=False))  # kept: shared, and now the most recently used
    finish(press_of(reg, res, q, [], seeds=(0,), baseline=False))  # the oldest was dropped: trains again
    assert len(trainings) == 5
    finish(press_of(reg, res, q, [], seeds=(1,), baseline=False))  # dropped by seed 0's return
    assert len(trainings) == 6
    finish(press_of(reg, res, q, [], seeds=(3,), baseline=False))  # still kept
    assert len(trainings) == 6 and reg.snapshot()["kept"] == 3


def test_the_other_bounds_in_flight_and_bytes(res, trainings):
    q, reg = TrainQueue(2, stale_s=60), kpress.Trainings(in_flight=1, keep_bytes=1)
    holder = q.join("another class", width=2)
    assert q.acquire(holder, timeout=5)  # the presses wait: all in flight at once
    first, second, third = [], [], []
    p1 = press_of(reg, res, q, first)
    p2 = press_of(reg, res, q, second, seeds=(1,))  # beyond in_flight = 1: trains, not registered
    p3 = press_of(reg, res, q, third, seeds=(1,), first_id=2)  # equal to the second, which no one can follow
    assert reg.snapshot()["in_flight"] == 1 and len(q.snapshot()["waiting"]) == 3
    q.release(holder)
    assert [finish(p).outcome for p in (p1, p2, p3)] == ["done"] * 3 and len(trainings) == 3
    assert reg.snapshot()["kept"] == 0  # each ended training's bytes are over keep_bytes = 1
    finish(press_of(reg, res, q, []))
    assert len(trainings) == 4


def test_a_followers_cancel_only_detaches_it(res, trainings):
    q, reg = TrainQueue(2, stale_s=60), kpress.Trainings()
    holder = q.join("another class", width=2)
    assert q.acquire(holder, timeout=5)  # every slot busy: the presses wait
    a, b, c = [], [], []
    pa, pb, pc = press_of(reg, res, q, a, first_id=1), press_of(reg, res, q, b, first_id=2), press_of(reg, res, q, c, first_id=3)
    assert [p.view().phase for p in (pa, pb, pc)] == ["waiting"] * 3 and len(q.snapshot()["waiting"]) == 1  # one ticket
    pa.cancel()  # the press that started it goes; the others still want it
    pb.cancel()
    assert pa.view().outcome == pb.view().outcome == "cancelled" and pa.position() is None
    assert pc.view().phase == "waiting" and pc.position() == 1 and pc.view().shared_with == 1
    q.release(holder)
    v = finish(pc)
    assert v.outcome == "done" and len(c) == 1 and a == b == [] and len(trainings) == 1


def test_when_every_press_cancels_while_waiting_the_ticket_goes(res, trainings):
    q, reg = TrainQueue(2, stale_s=60), kpress.Trainings()
    holder = q.join("another class", width=2)
    assert q.acquire(holder, timeout=5)
    pa, pb = press_of(reg, res, q, []), press_of(reg, res, q, [], first_id=2)
    pa.cancel()
    pb.cancel()
    assert q.snapshot()["waiting"] == []  # the place is given up at once
    deadline = time.monotonic() + 10
    while reg.snapshot()["in_flight"] and time.monotonic() < deadline:
        time.sleep(0.02)
    assert reg.snapshot() == {**reg.snapshot(), "in_flight": 0, "kept": 0}  # a cancelled training is not shared
    q.release(holder)
    got = []
    assert finish(press_of(reg, res, q, got, first_id=3)).outcome == "done" and len(trainings) == 1 and len(got) == 1


def test_an_errored_training_is_not_shared(res, trainings):
    q, reg = TrainQueue(2), kpress.Trainings()
    short = type(res.logits)(train=res.logits.train[:10], test=res.logits.test)  # one row per train digit: missing
    v = finish(press_of(reg, res, q, [], teacher=short))
    assert v.outcome == "error" and v.error.startswith("ValueError: ")
    v2 = finish(press_of(reg, res, q, [], teacher=short, first_id=2))
    assert v2.outcome == "error" and len(trainings) == 2 and reg.snapshot()["kept"] == 0


def test_twenty_sessions_pressing_at_once_train_once(res, trainings):
    q, reg = TrainQueue(2), kpress.Trainings()
    n = 20
    histories = [[] for _ in range(n)]  # each session's own run list
    first_ids = [1 + 3 * i for i in range(n)]  # each session has its own history: its own next run id
    presses: list = [None] * n
    gate = threading.Barrier(n)

    def learner(i: int) -> None:
        gate.wait()
        presses[i] = press_of(reg, res, q, histories[i], first_id=first_ids[i])

    threads = [threading.Thread(target=learner, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    views = [finish(p) for p in presses]
    assert len(trainings) == 1 and reg.trained == 1 and all(v.outcome == "done" for v in views)
    assert [len(h) for h in histories] == [1] * n
    assert [h[0].run_id for h in histories] == first_ids == [h[0].extra["group"] for h in histories]
    assert len({id(h[0]) for h in histories}) == n  # 20 copies, none in another session's list
    fresh = train_pair(res.data, res.logits, CONFIG, baseline=True)
    assert all(same_numbers(h[0], fresh) for h in histories)
    assert {reg.shared_with(h[0]) for h in histories} == {n} and {v.shared_with for v in views} == {n}


def test_a_press_alone_still_trains_alone(res, trainings):
    """``Press(...)`` with its own ticket (the API before sharing): never shares, even with equal settings."""
    q = TrainQueue(2)
    got = []
    for first_id in (1, 2):
        p = kpress.Press(res.data, res.logits, CONFIG, seeds=[0], baseline=True, first_id=first_id, queue=q,
                        ticket=q.join("x", width=2), on_run=got.append).start()
        assert finish(p).outcome == "done"
    assert len(trainings) == 2 and [r.run_id for r in got] == [1, 2] and same_numbers(got[1], got[0])


# ---------------------------------------------------------------- the Train page says it

def train_page(lang: str = "en"):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "pages" / "3_Train.py"), default_timeout=180)
    at.query_params["lang"] = lang
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    at.number_input(key="_train_epochs").set_value(1)
    at.selectbox(key="_train_size").set_value("784-32-10")
    return at


def test_the_train_page_says_it_trained_once_for_k_presses(res, trainings, monkeypatch):
    monkeypatch.setattr(kpress, "_shared", kpress.Trainings())  # this test's registry: nobody else's presses
    monkeypatch.setenv("KDVIZ_TRAIN_WORKERS", "threads")  # in this process, where the wrapper counts
    one, two = train_page(), train_page()  # two learners' sessions
    one.button(key="train_button").click().run()
    assert not one.exception, [e.value for e in one.exception]
    assert not any("Trained once for" in c.value for c in one.caption)  # alone so far: nothing to say
    two.button(key="train_button").click().run()
    assert not two.exception, [e.value for e in two.exception]
    assert len(trainings) == 1
    line = [c.value for c in two.caption if "Trained once for" in c.value]
    assert line == ["Trained once for **2** presses with these settings: the training is seeded, so each press got the "
                    "numbers its own training would give."]
    timing = next(c.value for c in two.caption if c.value.startswith("Ready"))
    assert float(re.match(r"Ready \*\*([\d.]+) s\*\*", timing).group(1)) < 2.0  # its own wait: the result was there
    assert [r.run_id for r in two.session_state["runs"]] == [1] and two.session_state["runs"][0] is not one.session_state["runs"][0]
    one.run()  # the first learner's page, again: k counted now
    assert any("Trained once for **2** presses" in c.value for c in one.caption)
    three = train_page("zh")
    three.button(key="train_button").click().run()
    assert any("供 **3** 次按下共用" in c.value for c in three.caption) and len(trainings) == 1
