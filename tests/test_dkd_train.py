"""Decoupled KD as a way to train (kdviz.train.loop, method "dkd"), the per-epoch TCKD/NCKD/weight columns,
the warm-up, the worker round trip, and the CLI (distill --method dkd, dkd-compare)."""

import json

import numpy as np
import pytest
import torch

from kdviz.cli.main import main
from kdviz.maths.losses import distillation_loss, dkd_loss
from kdviz.train.loop import TrainConfig, pair_configs, predict_logits, train_student

DKD = TrainConfig(epochs=2, method="dkd", alpha=1.0, beta=8.0, warmup=2)
STILL = dict(epochs=1, lr=1e-12)  # lr ~0: the weights stay at their initialisation for the whole run


def np_decompose(s, t, y, T):
    """Float64 means over rows of TCKD, NCKD and 1 − p_t, straight from the log-softmax definitions."""
    s, t = s.astype(np.float64) / T, t.astype(np.float64) / T
    rows = np.arange(len(y))
    rest = np.ones_like(s, dtype=bool)
    rest[rows, y] = False

    def lse(z, mask):
        z = np.where(mask, z, -np.inf)
        m = z.max(1, keepdims=True)
        return (m + np.log(np.exp(z - m).sum(1, keepdims=True)))[:, 0]

    out = []
    for z in (t, s):
        all_, other = lse(z, np.ones_like(rest)), lse(z, rest)
        log_b = np.stack([z[rows, y] - all_, other - all_], 1)  # [log p_t, log(1 − p_t)]
        log_hat = np.where(rest, z - other[:, None], 0.0)  # non-target classes renormalised (target column unused)
        out.append((log_b, log_hat))
    (bp, hp), (bq, hq) = out
    tckd = (np.exp(bp) * (bp - bq)).sum(1)
    nckd = np.where(rest, np.exp(hp) * (hp - hq), 0.0).sum(1)
    return tckd.mean(), nckd.mean(), np.exp(bp[:, 1]).mean()


def test_config_fields_and_validation():
    c = TrainConfig()
    assert (c.method, c.alpha, c.beta, c.warmup) == ("kd", 1.0, 8.0, 0)
    d = TrainConfig(method="dkd", alpha=2, beta=np.float32(0.5), warmup=np.int64(3))
    assert (d.alpha, d.beta, d.warmup) == (2.0, 0.5, 3) and type(d.warmup) is int and type(d.beta) is float
    assert TrainConfig(**json.loads(json.dumps(d.to_dict()))) == d  # the workers' round trip
    for bad, words in [
        (dict(method="DKD"), "method must be one of kd, dkd"),
        (dict(alpha=-1), "alpha"), (dict(beta=float("nan")), "beta"), (dict(beta="x"), "beta"),
        (dict(warmup=-1), "warmup"), (dict(warmup=1.5), "warmup"), (dict(warmup=True), "warmup"),
        (dict(warmup="3"), "warmup"), (dict(warmup=float("inf")), "warmup"),
    ]:
        with pytest.raises(ValueError, match=words) as err:
            TrainConfig(**bad)
        assert "\n" not in str(err.value)


def test_dkd_history_columns_match_a_recomputation_from_the_test_logits(res):
    run = train_student(res.data, res.logits, DKD)
    h = run.history
    assert list(h.columns) == ["epoch", "soft", "hard", "total", "train_acc", "test_acc", "agreement", "tckd", "nckd", "weight"]
    want = np_decompose(run.test_logits.numpy(), res.logits.test.numpy(), res.data.y_test.numpy(), DKD.T)
    np.testing.assert_allclose(h.iloc[-1][["tckd", "nckd", "weight"]].to_numpy(float), want, rtol=1e-5)
    assert h["weight"].nunique() == 1 and 0 < h["weight"].iloc[0] < 1  # the teacher's: the same every epoch
    assert h["test_acc"].iloc[-1] > 0.8 and all(isinstance(v, float) for v in h.iloc[-1][["tckd", "nckd", "weight"]])


@pytest.mark.parametrize("method", ["kd", "dkd"])
def test_the_soft_term_and_the_warm_up(res, method):
    """lr ~0: each epoch's mean loss is the loss of the initial student on the whole transfer set."""
    cfg = TrainConfig(epochs=3, lr=1e-12, T=4.0, gamma=0.7, method=method, alpha=2.0, beta=3.0, warmup=2)
    h = train_student(res.data, res.logits, cfg).history
    torch.manual_seed(cfg.seed)
    from kdviz.train.models import StudentMLP

    s = predict_logits(StudentMLP(cfg.hidden), res.data.x_train)
    y, t = res.data.y_train, res.logits.train
    kd = distillation_loss(s, t, y, cfg.T, cfg.gamma)
    soft = float(kd.soft) if method == "kd" else float(dkd_loss(s, t, y, cfg.T, cfg.alpha, cfg.beta))
    np.testing.assert_allclose(h["soft"], soft, rtol=2e-5)
    np.testing.assert_allclose(h["hard"], float(kd.hard), rtol=2e-5)
    for epoch, warm in [(1, 0.5), (2, 1.0), (3, 1.0)]:  # min(epoch / warmup, 1)
        r = h.iloc[epoch - 1]
        assert r["total"] == pytest.approx(cfg.gamma * warm * r["soft"] + (1 - cfg.gamma) * r["hard"], rel=1e-5)


def test_kd_ignores_alpha_and_beta_and_is_the_plain_step(res):
    a = train_student(res.data, res.logits, TrainConfig(epochs=2))
    b = train_student(res.data, res.logits, TrainConfig(epochs=2, alpha=5.0, beta=0.25))
    assert a.history.equals(b.history) and torch.equal(a.test_logits, b.test_logits)
    want = np_decompose(a.test_logits.numpy(), res.logits.test.numpy(), res.data.y_test.numpy(), 4.0)
    np.testing.assert_allclose(a.history.iloc[-1][["tckd", "nckd", "weight"]].to_numpy(float), want, rtol=1e-5)
    # a warm-up of 1 epoch is full weight from epoch 1: the same numbers
    c = train_student(res.data, res.logits, TrainConfig(epochs=2, warmup=1))
    assert c.history.equals(a.history)


def test_dkd_needs_every_label(res):
    targets = res.data.y_train.clone()
    targets[::10] = -1
    with pytest.raises(ValueError, match=r"^method 'dkd' needs a label for every transfer digit .* got 400 unlabelled of 4000"):
        train_student(res.data, res.logits, DKD, targets=targets)
    # the unlabelled digits left out of the transfer set: fine
    keep = np.flatnonzero(targets.numpy() >= 0)
    run = train_student(res.data, res.logits, DKD.replace(epochs=1), targets=targets, train_index=keep)
    assert run.test_acc > 0.5


def test_the_baseline_is_a_plain_gamma0_run_from_the_same_initialisation(res):
    base = pair_configs(DKD)["baseline"]
    assert base == TrainConfig(epochs=2, gamma=0.0)
    still = DKD.replace(**STILL)
    a = train_student(res.data, res.logits, still)
    b = train_student(res.data, res.logits, pair_configs(still)["baseline"])
    for p, q in zip(a.model.parameters(), b.model.parameters()):
        torch.testing.assert_close(p, q)


def test_a_worker_trains_dkd_to_the_same_numbers(res):
    from kdviz.serve.workers import WorkerPool

    cfg = DKD.replace(hidden=(32,))
    pool = WorkerPool(1)
    try:
        distilled, baseline = pool.train_pair(res.data, res.logits, cfg, parallel=False)
    finally:
        pool.close()
    for got, config in ((distilled, cfg), (baseline, pair_configs(cfg)["baseline"])):
        want = train_student(res.data, res.logits, config)
        assert got.config == config and got.history.equals(want.history)
        assert torch.equal(got.test_logits, want.test_logits)


def test_cli_distill_dkd_json(capsys):
    assert main(["distill", "--method", "dkd", "--alpha", "1", "--beta", "4", "--warmup", "1", "--epochs", "1", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert (out["method"], out["alpha"], out["beta"], out["warmup"]) == ("dkd", 1.0, 4.0, 1)
    assert out["config"]["method"] == "dkd" and {"tckd", "nckd", "weight"} <= set(out["history"][0])
    assert 0.5 < out["student_test_acc"] <= 1


def test_cli_bad_beta_is_one_line(cli_error):
    status, line = cli_error(["distill", "--method", "dkd", "--beta", "-1"])  # in this process: one line, no exception
    assert status == 2 and "beta" in line and ">= 0" in line, line


def test_cli_dkd_compare(res, capsys):
    assert main(["dkd-compare", "--seeds", "0", "--epochs", "1", "--betas", "1", "8", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    rows = out["rows"]
    assert [(r["method"], r["beta"]) for r in rows] == [("kd", None), ("dkd", 1.0), ("dkd", 8.0)]
    for r in rows:
        assert {"method", "alpha", "beta", "T", "test_acc", "test_acc_std", "seeds", "test_acc_per_seed"} <= set(r)
        assert r["T"] == 4.0 and r["alpha"] == 1.0 and r["test_acc_std"] is None and r["seeds"] == [0]
        assert r["test_acc_per_seed"] == [r["test_acc"]] and 0.5 < r["test_acc"] <= 1
    assert (out["epochs"], out["gamma"], out["warmup"]) == (1, 0.9, 5) and out["wall_seconds"] > 0
    # the KD row is the ordinary run with the same warm-up and seed
    kd = train_student(res.data, res.logits, TrainConfig(epochs=1, warmup=5, seed=0))
    assert rows[0]["test_acc"] == kd.test_acc
