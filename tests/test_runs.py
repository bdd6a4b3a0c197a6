"""kdviz.train.runs: what the Train page keeps per run, and the safetensors weights it offers for download."""

import math
import statistics

import numpy as np
import pandas as pd
import pytest
import torch

from kdviz.serve import press as kpress
from kdviz.train import runs
from kdviz.train.loop import TrainConfig, predict_logits, train_student
from kdviz.train.models import StudentMLP


@pytest.fixture(scope="module")
def two(res):
    config = TrainConfig(epochs=2, hidden=(32,))
    d = train_student(res.data, res.logits, config)
    b = train_student(res.data, res.logits, config.replace(gamma=0.0))
    return d, b


def test_weights_round_trip_without_pickle(res, two):
    d, _ = two
    blob = runs.model_bytes(d.model, {"note": "x"})
    assert b"pickle" not in blob[:2000] and blob[8:9] == b"{"
    model = runs.model_from_bytes(blob)
    assert isinstance(model, StudentMLP)
    torch.testing.assert_close(predict_logits(model, res.data.x_test), d.test_logits)


def test_run_tables(res, two):
    d, b = two
    r1, r2 = runs.make_run(1, d, b), runs.make_run(2, d)
    hist = runs.history_table([r1, r2])
    assert hist["run"].tolist() == [1, 2]
    assert hist.loc[0, "distilled_acc"] == pytest.approx(float(d.history["test_acc"].iloc[-1]))
    assert hist.loc[0, "gain"] == pytest.approx(r1.test_acc - r1.baseline_acc)
    assert pd.isna(hist.loc[1, "baseline_acc"])
    table = runs.results_table(r1, res)
    assert table["model"].tolist() == ["teacher", "distilled", "baseline"] == list(runs.MODELS)  # ids; the page shows train.model_*
    y = res.data.y_test
    assert table.loc[2, "test_acc"] == pytest.approx(float((b.test_logits.argmax(1) == y).float().mean()))
    pc = runs.per_class(r1, res)
    assert set(pc) == {"teacher", "distilled", "baseline"} and all(len(v) == 10 for v in pc.values())
    cm = runs.student_confusion(r1, res)
    assert cm.sum() == 1000 and cm.trace() == round(1000 * r1.test_acc)


def test_disagreements_are_real_disagreements(res, two):
    r = runs.make_run(1, *two)
    dis = runs.disagreements(r, res, k=5)
    assert 0 < len(dis) <= 5
    assert (dis["teacher"] != dis["student"]).all()
    assert dis["student_p"].is_monotonic_decreasing
    for row in dis.itertuples():
        assert int(r.test_logits[row.index].argmax()) == row.student
        assert int(res.logits.test[row.index].argmax()) == row.teacher


def test_paired_gain_matches_the_discordant_pair_formula():
    """One seed: gain = (n10 − n01) / n and se² = (n10 + n01 − n·gain²) / ((n − 1)·n), from the counts alone."""
    rng = np.random.default_rng(0)
    a = rng.random(1000) < 0.95
    b = np.where(rng.random(1000) < 0.1, ~a, a)  # the baseline disagrees on about 10 % of the digits
    n10, n01, n = int((a & ~b).sum()), int((~a & b).sum()), 1000
    g = runs.paired_gain(a, b)
    want = (n10 - n01) / n
    assert g.gain == pytest.approx(want, abs=1e-12)
    assert g.se == pytest.approx(math.sqrt((n10 + n01 - n * want**2) / ((n - 1) * n)), rel=1e-12)
    assert (g.only_distilled, g.only_baseline, g.n, g.seeds) == (n10, n01, 1000, 1)
    assert g.gain == pytest.approx(a.mean() - b.mean())  # the difference of the two accuracies
    # the pairing matters: the unpaired standard error (independent samples) is larger here
    assert g.se < math.sqrt((a.mean() * (1 - a.mean()) + b.mean() * (1 - b.mean())) / n)


def test_paired_gain_over_seeds_averages_each_digit_first():
    rng = np.random.default_rng(1)
    a, b = rng.random((3, 50)) < 0.9, rng.random((3, 50)) < 0.8
    d = [statistics.fmean(int(a[s, i]) - int(b[s, i]) for s in range(3)) for i in range(50)]
    g = runs.paired_gain(a, b)
    assert g.gain == pytest.approx(statistics.fmean(d)) and g.se == pytest.approx(statistics.stdev(d) / math.sqrt(50))
    assert g.seeds == 3 and g.only_distilled == int((a & ~b).sum())
    with pytest.raises(ValueError):
        runs.paired_gain(a, b[:, :10])


def test_within_noise_is_the_95_percent_interval():
    small = runs.PairedGain(gain=0.007, se=0.006, n=1000, seeds=1, only_distilled=20, only_baseline=13)
    big = runs.PairedGain(gain=0.30, se=0.02, n=1000, seeds=1, only_distilled=310, only_baseline=10)
    assert small.within_noise and not big.within_noise
    assert big.z == pytest.approx(15.0)
    same = runs.PairedGain(gain=0.0, se=0.0, n=1000, seeds=1, only_distilled=0, only_baseline=0)
    assert same.within_noise and same.z == 0.0


def test_run_gain_groups_and_seed_summary(res, two):
    d, b = two
    r1, r2, r3 = runs.make_run(1, d, b), runs.make_run(2, d, b), runs.make_run(3, d)
    r1.extra["group"] = r2.extra["group"] = 1
    assert runs.group_of([r1, r2, r3], r2) == [r1, r2] and runs.group_of([r1, r2, r3], r3) == [r3]
    g = runs.run_gain([r1], res.data.y_test)
    assert g.gain == pytest.approx(r1.test_acc - r1.baseline_acc, abs=1e-6)
    assert runs.run_gain([r3], res.data.y_test) is None
    s = runs.seed_summary([r1, r2])
    assert s["gain"][0] == pytest.approx(r1.test_acc - r1.baseline_acc) and s["gain"][1] == pytest.approx(0.0)
    assert math.isnan(runs.seed_summary([r1])["distilled"][1])


def test_history_view_is_in_percent(two):
    d, b = two
    hist = runs.history_table([runs.make_run(1, d, b)])
    shown = runs.history_view(hist)
    assert "params" not in shown and list(shown.columns) == [c for c in hist.columns if c != "params"]
    assert shown.loc[0, "gain"] == pytest.approx(round(100 * hist.loc[0, "gain"], 1))
    assert shown.loc[0, "distilled_acc"] == pytest.approx(round(100 * hist.loc[0, "distilled_acc"], 1))


def test_lead_counts_epochs_ahead_and_the_last_overtaking():
    import pandas as pd

    epochs = [1, 2, 3, 4, 5, 6]
    distilled = pd.DataFrame({"epoch": epochs, "test_acc": [0.5, 0.7, 0.6, 0.8, 0.9, 0.95]})
    baseline = pd.DataFrame({"epoch": epochs, "test_acc": [0.6, 0.6, 0.7, 0.8, 0.85, 0.9]})
    # ahead at epochs 2, 5, 6; level at 4 (not ahead); so ahead for good from epoch 5
    assert runs.lead(distilled, baseline) == (3, 5)
    assert runs.lead(baseline, distilled) == (2, None)  # the baseline is behind at the last epoch
    assert runs.lead(distilled.assign(test_acc=1.0), baseline) == (6, 1)


def finish(press: kpress.Press) -> kpress.PressView:
    for _ in range(600):  # at most 10 minutes on a crowded machine
        if press.wait(1.0):
            break
    return press.view()


def test_press_keeps_every_run_without_anyone_following(res):
    """A press trains its seeds in its own thread and hands each run over even if no page follows it."""
    from kdviz.serve.trainqueue import TrainQueue

    q = TrainQueue(2)
    got = []
    cfg = TrainConfig(epochs=1, hidden=(16,))
    press = kpress.Press(res.data, res.logits, cfg, seeds=[5, 6], baseline=True, first_id=4, queue=q,
                       ticket=q.join("learner", width=2), on_run=got.append).start()
    v = finish(press)
    assert v.outcome == "done" and v.phase == "finished" and v.error is None
    assert [r.run_id for r in got] == [4, 5] and [r.config.seed for r in got] == [5, 6]
    assert [r.extra["group"] for r in got] == [4, 4] and list(v.runs) == got
    assert v.done == v.total == 4 and set(v.rows) == {"distilled", "baseline"} and v.last["seed"] == 6
    alone = train_student(res.data, res.logits, cfg.replace(seed=6, gamma=0.0))
    assert got[1].baseline_history.equals(alone.history)  # the baseline: γ = 0, same seed, as trained alone
    assert v.seconds == pytest.approx(sum(r.seconds + r.baseline_seconds for r in got))
    assert q.snapshot()["running"] == [] and q.snapshot()["mean_s"] > 0  # its slots are back, its duration counted


def test_press_waiting_without_heartbeat_is_dropped_and_trains_nothing(res):
    from kdviz.serve.trainqueue import TrainQueue

    q = TrainQueue(1, stale_s=0.05)  # the learner left: nobody calls heartbeat
    holder = q.join("another learner")
    assert q.acquire(holder, timeout=5)
    got = []
    press = kpress.Press(res.data, res.logits, TrainConfig(epochs=1, hidden=(16,)), seeds=[0], baseline=False, first_id=1,
                       queue=q, ticket=q.join("learner"), on_run=got.append).start()
    v = finish(press)
    assert v.outcome == "dropped" and got == [] and v.runs == ()
    q.release(holder)


def test_press_error_is_one_line(res):
    from kdviz.serve.trainqueue import TrainQueue

    q = TrainQueue(1)
    data = res.data
    short = kpress.Press(data, type(res.logits)(train=res.logits.train[:10], test=res.logits.test), TrainConfig(epochs=1),
                       seeds=[0], baseline=False, first_id=1, queue=q, ticket=q.join("x"), on_run=pytest.fail).start()
    v = finish(short)
    assert v.outcome == "error" and v.error == "ValueError: targets and teacher.train must have one row per train digit"
    assert q.snapshot()["running"] == []
