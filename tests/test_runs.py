"""kdviz.runs: what the Train page keeps per run, and the safetensors weights it offers for download."""

import pandas as pd
import pytest
import torch

from kdviz import runs
from kdviz.models import StudentMLP
from kdviz.train import TrainConfig, predict_logits, train_student


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
