"""The distillation lab (kdviz.lab, kdviz.train.sweep, kdviz.viz.plots_lab) and its CLI, with tiny epochs and seeds.

Oracles: each experiment's numbers are recomputed with plain ``train_student`` calls (same
seed, same numbers), and the bias for the omitted digit must not depend on the test labels.
The shipped results (kdviz/results/) are what the lab table of docs/lab.md reports.
"""

import dataclasses
import json

import numpy as np
import pandas as pd
import pytest
import torch

from kdviz import lab
from kdviz.cli.main import main
from kdviz.lab import labels, omitted, results, self_distill, shipped, teachers
from kdviz.maths.metrics import per_class_accuracy
from kdviz.maths.stats import mean_std
from kdviz.train import sweep
from kdviz.train.loop import TeacherLogits, TrainConfig, predict_logits, teacher_logits, train_student
from kdviz.train.teacher import TeacherConfig, load_teacher
from kdviz.viz import plots_lab

TINY_TEACHER = TeacherConfig(channels=(4, 8), hidden=16, epochs=1)


@pytest.mark.parametrize("module", [lab, labels, self_distill, teachers, omitted, results, plots_lab, sweep])
def test_all_is_honest(module):
    assert len(module.__all__) == len(set(module.__all__))
    for name in module.__all__:
        assert hasattr(module, name), name


def test_mean_std_matches_numpy():
    df = pd.DataFrame({"g": [1, 1, 1, 2], "v": [0.1, 0.2, 0.6, 0.5]})
    s = mean_std(df, "g", "v").set_index("g")
    assert s.loc[1, "v_mean"] == pytest.approx(0.3)
    assert s.loc[1, "v_std"] == pytest.approx(np.std([0.1, 0.2, 0.6], ddof=1))
    assert np.isnan(s.loc[2, "v_std"]) and s.loc[2, "n"] == 1


# ---------------------------------------------------------------- fewer labels


def test_label_mask_is_stratified_and_seeded(data):
    y = data.y_train.numpy()
    m = lab.label_mask(y, 0.1, 0)
    assert m.sum() == 400 and all(m[y == c].sum() == 40 for c in range(10))
    assert (m == lab.label_mask(y, 0.1, 0)).all() and (m != lab.label_mask(y, 0.1, 1)).any()
    assert all(lab.label_mask(y, 0.001, 0)[y == c].sum() == 1 for c in range(10))  # at least one per class
    for bad in (0, -0.1, 1.5, float("nan")):
        with pytest.raises(ValueError, match="label fraction"):
            lab.label_mask(y, bad, 0)


def test_fewer_labels_against_plain_runs(res):
    cfg = TrainConfig(epochs=2, seed=1)
    out = lab.fewer_labels_run(res, 0.1, cfg)
    keep = lab.label_mask(res.data.y_train, 0.1, 1)
    targets = torch.where(torch.from_numpy(keep), res.data.y_train, torch.tensor(-1))
    assert out["n_labelled"] == 400 and out["seed"] == 1
    assert out["distilled_acc"] == train_student(res.data, res.logits, cfg, targets=targets).test_acc
    # the baseline takes as many steps as the distilled run: 2 · 63 steps on 7 batches a epoch → 18 epochs
    assert out["baseline_epochs"] == 18
    base = train_student(res.data, res.logits, cfg.replace(gamma=0.0, epochs=18), train_index=np.flatnonzero(keep))
    assert out["baseline_acc"] == base.test_acc
    # with every label kept, the distilled student is the ordinary distilled student
    assert lab.fewer_labels_run(res, 1.0, cfg)["distilled_acc"] == train_student(res.data, res.logits, cfg).test_acc


# ---------------------------------------------------------------- self-distillation


def test_born_again_generations_are_plain_runs(res):
    cfg = TrainConfig(epochs=1)
    df = lab.born_again(res, 1, seeds=(2,), config=cfg)
    assert df["generation"].tolist() == [0, 1]
    gen0 = train_student(res.data, res.logits, cfg.replace(gamma=0.0, seed=2))
    gen1 = train_student(res.data, teacher_logits(gen0.model, res.data), cfg.replace(seed=2001))
    assert df["test_acc"].tolist() == [gen0.test_acc, gen1.test_acc]


def test_snapshot_phases(res):
    cfg = TrainConfig(epochs=3, seed=0)
    df = lab.snapshot_self_distill(res, 2, seeds=(0,), config=cfg)
    first = train_student(res.data, res.logits, cfg.replace(gamma=0.0, epochs=2))
    assert df[df["arm"] == "phase1"]["test_acc"].tolist() == first.history["test_acc"].tolist()
    assert set(df[df["arm"] != "phase1"]["epoch"]) == {3} and set(df["arm"]) == set(lab.ARMS)
    # with gamma = 0 the "self_distilled" arm is the control: the two arms must agree exactly
    same = lab.snapshot_self_distill(res, 2, seeds=(0,), config=cfg.replace(gamma=0.0))
    last = same[same["epoch"] == 3].set_index("arm")["test_acc"]
    assert last["labels_only"] == last["self_distilled"]
    with pytest.raises(ValueError, match="switch epoch"):
        lab.snapshot_self_distill(res, 3, seeds=(0,), config=cfg)


# ---------------------------------------------------------------- two teachers


def test_concat_logits_rule():
    a, b = torch.arange(20.0).reshape(2, 10), -torch.arange(20.0).reshape(2, 10)
    m = lab.concat_logits(a, b)
    assert torch.equal(m[:, :5], a[:, :5]) and torch.equal(m[:, 5:], b[:, 5:])


def test_subset_teacher_cache_and_rebuild(data, tmp_path, monkeypatch):
    model, meta = lab.subset_teacher(data, (0, 1, 2, 3, 4), TINY_TEACHER, folder=tmp_path)
    files = sorted(p.name for p in tmp_path.iterdir())
    assert len(files) == 2 and files[0].endswith(".json") and files[1].endswith(".safetensors")
    assert meta["classes"] == [0, 1, 2, 3, 4]
    # test_acc of a subset teacher: among its own digits, on the test digits of those digits
    y = data.y_test
    keep = y < 5
    acc = float((predict_logits(model, data.x_test[keep])[:, :5].argmax(1) == y[keep]).float().mean())
    assert meta["test_acc"] == pytest.approx(acc)

    def no_training(*a, **k):
        raise AssertionError("should have been read from the cache")

    monkeypatch.setattr(teachers, "train_teacher", no_training)
    again, _ = lab.subset_teacher(data, (0, 1, 2, 3, 4), TINY_TEACHER, folder=tmp_path)
    assert torch.equal(predict_logits(again, data.x_test[:50]), predict_logits(model, data.x_test[:50]))
    monkeypatch.undo()

    weights = next(tmp_path.glob("*.safetensors"))
    weights.write_bytes(weights.read_bytes()[:100])  # truncated: must be rebuilt
    rebuilt, _ = lab.subset_teacher(data, (0, 1, 2, 3, 4), TINY_TEACHER, folder=tmp_path)
    assert torch.equal(predict_logits(rebuilt, data.x_test[:50]), predict_logits(model, data.x_test[:50]))
    load_teacher(weights, data=data)  # valid again
    assert not list(tmp_path.glob("*.tmp*"))


def test_merge_teachers(res, tmp_path):
    cfg = TrainConfig(epochs=1, T=4.0, gamma=1.0)
    per_class, s = lab.merge_teachers(res, seeds=(0,), config=cfg, teacher_config=TINY_TEACHER, folder=tmp_path)
    ta, _ = lab.subset_teacher(res.data, lab.GROUP_A, TINY_TEACHER, folder=tmp_path)
    tb, _ = lab.subset_teacher(res.data, lab.GROUP_B, TINY_TEACHER, folder=tmp_path)
    la, lb = teacher_logits(ta, res.data), teacher_logits(tb, res.data)
    merged = TeacherLogits(lab.concat_logits(la.train, lb.train), lab.concat_logits(la.test, lb.test))
    no_labels = torch.full_like(res.data.y_train, -1)
    student = train_student(res.data, merged, cfg.replace(seed=0), targets=no_labels)
    joint = train_student(res.data, res.logits, cfg.replace(gamma=0.0, seed=0))
    assert s["merged_student_acc"] == student.test_acc and s["joint_student_acc"] == joint.test_acc
    y = res.data.y_test
    assert s["concat_teacher_acc"] == pytest.approx(float((merged.test.argmax(1) == y).float().mean()))
    assert s["teacher_a_acc"] == pytest.approx(float((la.test[y < 5, :5].argmax(1) == y[y < 5]).float().mean()))
    a_rows = per_class[per_class["model"] == "teacher_a"].set_index("digit")["acc"]
    assert a_rows.loc[5:].isna().all() and a_rows.loc[:4].notna().all()
    assert set(per_class["model"]) == set(plots_lab.MERGE_COLOURS) == set(lab.MODELS)


# ---------------------------------------------------------------- a digit never seen


def test_holdout_split(data):
    y = data.y_train.numpy()
    transfer, held = lab.holdout_split(y, 3, 0.1, 0)
    assert not set(transfer) & set(held) and len(transfer) + len(held) == 4000
    assert (y[transfer] != 3).all() and (y[held] == 3).sum() == 400
    assert len(transfer) == 3240  # 90 % of the 3,600 other digits


def test_bias_curve_formula():
    logits = torch.tensor([[2.0, 0.0, 1.0], [0.0, 3.0, 0.5], [2.0, 0.0, 0.0]])
    y = torch.tensor([2, 1, 0])
    c = lab.bias_curve(logits, y, 2, [0.0, 1.5, 10.0]).set_index("bias")
    assert c.loc[0.0, "omitted_acc"] == 0 and c.loc[0.0, "acc"] == pytest.approx(2 / 3)
    assert c.loc[1.5, "omitted_acc"] == 1 and c.loc[1.5, "acc"] == 1
    assert c.loc[10.0, "acc"] == pytest.approx(1 / 3)
    assert lab.choose_bias(c.reset_index()) == 1.5


def test_omit_class_bias_never_sees_test_labels(res):
    cfg = lab.OMIT_CONFIG.replace(epochs=2)
    out = lab.omit_class_run(res, 3, cfg)
    assert out["omitted_class_acc"] == out["per_class_acc"][3]
    per = per_class_accuracy(out["result"].test_logits.argmax(1), res.data.y_test)
    assert out["omitted_class_acc"] == per[3]
    zero = out["test_curve"].set_index("bias")
    assert zero.loc[0.0, "omitted_acc"] == out["omitted_class_acc"] and zero.loc[0.0, "acc"] == pytest.approx(out["test_acc"])
    # the bias is chosen on held-out TRAIN digits: recompute it independently
    transfer, held = lab.holdout_split(res.data.y_train, 3, 0.1, cfg.seed)
    logits = predict_logits(out["result"].model, res.data.x_train[held])
    y = res.data.y_train[held]
    best = max(lab.DEFAULT_BIASES, key=lambda b: (np.mean(per_class_accuracy((logits + b * (torch.arange(10) == 3)).argmax(1), y)), -b))
    assert out["best_bias"] == pytest.approx(best)
    # and shuffling the test labels does not move it
    shuffled = res.data.y_test[torch.randperm(1000, generator=torch.Generator().manual_seed(0))]
    other = dataclasses.replace(res, data=dataclasses.replace(res.data, y_test=shuffled))
    assert lab.omit_class_run(other, 3, cfg)["best_bias"] == out["best_bias"]
    assert out["omitted_class_acc_after_bias"] >= out["omitted_class_acc"]


def test_omit_class_over_seeds(res):
    runs, per_class, curves = lab.omit_class(res, 7, seeds=(0, 1), config=lab.OMIT_CONFIG.replace(epochs=1), biases=[0.0, 2.0])
    assert runs["seed"].tolist() == [0, 1] and len(per_class) == 2 * 2 * 10 and len(curves) == 4
    at0 = per_class[(per_class["bias"] == 0.0) & (per_class["digit"] == 7)]["acc"].tolist()
    assert at0 == runs["omitted_class_acc"].tolist()


# ---------------------------------------------------------------- sweep


def test_sweep_parallel_cache_and_oracle(res, tmp_path):
    args = (res, (1.0, 4.0), (0.0, 0.5), (0,), TrainConfig(epochs=1))
    df = sweep.sweep(*args, n_jobs=2, folder=tmp_path)
    assert list(df.columns)[:4] == ["T", "gamma", "seed", "test_acc"] and len(df) == 4 and not df.attrs["cached"]
    acc = df.set_index(["T", "gamma"])["test_acc"]
    assert acc[(1.0, 0.0)] == acc[(4.0, 0.0)]  # T plays no part at gamma = 0
    assert acc[(4.0, 0.5)] == train_student(res.data, res.logits, TrainConfig(epochs=1, T=4.0, gamma=0.5)).test_acc
    again = sweep.sweep(*args, n_jobs=2, folder=tmp_path)
    assert again.attrs["cached"] and again["test_acc"].tolist() == df["test_acc"].tolist()
    path = sweep.sweep_cache_path(sweep.sweep_key(res, [1.0, 4.0], [0.0, 0.5], [0], TrainConfig(epochs=1)), tmp_path)
    path.write_text('{"key": ')  # corrupt: rebuilt
    rebuilt = sweep.sweep(*args, n_jobs=1, folder=tmp_path)
    assert not rebuilt.attrs["cached"] and rebuilt["test_acc"].tolist() == df["test_acc"].tolist()
    assert json.loads(path.read_text())["rows"]
    cells = sweep.summarise_sweep(df)
    assert len(cells) == 4 and (cells["n"] == 1).all()


# ---------------------------------------------------------------- plots


def test_figures_carry_the_numbers():
    fl = pd.DataFrame({"fraction": [0.01, 0.1], "seed": [0, 0], "distilled_acc": [0.8, 0.9], "baseline_acc": [0.5, 0.85]})
    fig = plots_lab.fewer_labels_figure(mean_std(fl, "fraction", ["distilled_acc", "baseline_acc"]))
    assert list(fig.data[0].y) == pytest.approx([80.0, 90.0])
    cells = pd.DataFrame({"T": [1.0, 4.0], "gamma": [0.5, 0.5], "test_acc_mean": [0.9, 0.95], "test_acc_std": [0.01, 0.02], "n": [3, 3]})
    heat = plots_lab.sweep_heatmap(cells)
    assert np.asarray(heat.data[0].z)[0].tolist() == pytest.approx([90.0, 95.0])
    curves = pd.DataFrame({"bias": [0.0, 1.0], "omitted_acc": [0.2, 0.8], "acc": [0.9, 0.93]})
    fig = plots_lab.bias_figure(mean_std(curves, "bias", ["omitted_acc", "acc"]), 3, bias=1.0, best_bias=1.0)
    assert len(fig.data) == 6  # two bands, two curves, and the legend entries of the two vertical lines


# ---------------------------------------------------------------- CLI


def test_cli_distill_label_fraction(capsys):
    assert main(["distill", "--label-fraction", "0.1", "--baseline", "--epochs", "1", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    for key in ("teacher_test_acc", "student_test_acc", "per_class_acc", "agreement", "seconds", "config", "history", "baseline_test_acc"):
        assert key in out
    assert out["n_labelled"] == 400 and out["label_fraction"] == 0.1 and out["baseline_epochs"] == 9


def test_cli_omit_class(res, capsys):
    assert main(["distill", "--omit-class", "3", "-T", "8", "--gamma", "1", "--epochs", "2", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    direct = lab.omit_class_run(res, 3, lab.OMIT_CONFIG.replace(epochs=2))
    for key in ("omitted_class_acc", "best_bias", "omitted_class_acc_after_bias", "test_acc_after_bias"):
        assert out[key] == direct[key], key
    assert out["omitted_class_acc"] == out["per_class_acc"][3]


def test_cli_self_distill_merge_sweep(capsys, tmp_path, monkeypatch):
    assert main(["self-distill", "--generations", "2", "--epochs", "2", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert len(out["generation_acc"]) == 3 and out["snapshot"]["switch_epoch"] == 1
    assert all(0.5 < a <= 1 for a in out["generation_acc"])

    monkeypatch.setenv("KDVIZ_CACHE_DIR", str(tmp_path))
    assert main(["merge", "--epochs", "1", "--teacher-epochs", "1", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    for key in ("teacher_a_acc", "teacher_b_acc", "merged_student_acc", "joint_student_acc"):
        assert 0.3 < out[key] <= 1, key
    assert len(list((tmp_path / "teachers").glob("*.safetensors"))) == 2

    assert main(["sweep", "--temperatures", "2", "--gammas", "0.5", "1", "--seeds", "0", "--epochs", "1", "--n-jobs", "1", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert [(r["T"], r["gamma"], r["seed"]) for r in out["rows"]] == [(2.0, 0.5, 0), (2.0, 1.0, 0)]
    assert all(0 < r["test_acc"] <= 1 for r in out["rows"]) and out["cells"][0]["test_acc_std"] is None
    assert main(["sweep", "--temperatures", "2", "--gammas", "0.5", "1", "--seeds", "0", "--epochs", "1", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["cached"] is True


@pytest.mark.parametrize(
    "args, words",
    [
        (["distill", "--label-fraction", "0"], "label fraction"),
        (["distill", "--label-fraction", "1.5"], "label fraction"),
        (["distill", "--label-fraction", "x"], "label fraction"),
        (["distill", "--omit-class", "10"], "omit-class"),
        (["distill", "--omit-class", "-1"], "omit-class"),
        (["self-distill", "--generations", "-1"], "generations"),
        (["merge", "--seeds", "x"], "seed"),
        (["sweep", "--n-jobs", "0"], "n-jobs"),
        (["sweep", "--gammas", "2"], "gamma"),
        (["sweep", "--temperatures", "0"], "temperature"),
        (["fewer-labels", "--fractions", "0"], "label fraction"),
        (["fewer-labels", "--fractions", "abc"], "label fraction"),
        (["omit-class", "--digit", "10"], "digit"),
        (["omit-class", "--digit", "2.5"], "digit"),
        (["omit-class", "-T", "0"], "temperature"),
        (["fewer-labels", "--gamma", "2"], "gamma"),
    ],
)
def test_cli_bad_arguments(args, words, cli_error):
    status, line = cli_error(args)
    assert status == 2 and words in line, line


# ---------------------------------------------------------------- JSON of each experiment, and back


def _through_json(blob: dict) -> dict:
    return json.loads(json.dumps(blob, allow_nan=False))  # what a shipped file holds: no NaN


def test_fewer_labels_json_round_trip(res):
    cfg = TrainConfig(epochs=1)
    df = lab.fewer_labels(res, (0.05, 0.1), (0, 1), cfg)
    out = _through_json(results.fewer_labels_json(df, cfg))
    pd.testing.assert_frame_equal(results.fewer_labels_frames(out), df, check_dtype=False)
    s = {r["fraction"]: r for r in out["summary"]}
    at = df[df["fraction"] == 0.1]
    gain = (at["distilled_acc"] - at["baseline_acc"]).to_numpy()
    assert s[0.1]["gain_mean"] == pytest.approx(gain.mean()) and s[0.1]["gain_std"] == pytest.approx(np.std(gain, ddof=1))
    assert s[0.1]["distilled_acc_std"] == pytest.approx(np.std(at["distilled_acc"], ddof=1))
    assert out["seeds"] == [0, 1] and out["fractions"] == [0.05, 0.1] and out["config"]["epochs"] == 1


def test_self_distill_json_round_trip(res):
    cfg = TrainConfig(epochs=2)
    born = lab.born_again(res, 1, (0, 1), cfg)
    snap = lab.snapshot_self_distill(res, 1, (0, 1), cfg)
    out = _through_json(results.self_distill_json(born, snap, cfg, 1))
    b, s, switch, epochs = results.self_distill_frames(out)
    pd.testing.assert_frame_equal(b, born, check_dtype=False)
    pd.testing.assert_frame_equal(s, snap, check_dtype=False)
    assert (switch, epochs) == (1, 2) and out["born_again_rows"][0]["agreement_with_parent"] is None
    assert out["generation_acc"] == pytest.approx(born.groupby("generation")["test_acc"].mean().tolist())
    last = snap[(snap["arm"] == "self_distilled") & (snap["epoch"] == 2)]["test_acc"]
    assert out["snapshot"]["self_distilled_acc"] == pytest.approx(last.mean())
    assert out["snapshot"]["self_distilled_std"] == pytest.approx(np.std(last, ddof=1))
    assert results.self_distill_frames(_through_json(results.self_distill_json(born, None, cfg.replace(epochs=1), None))) is None


def test_merge_json_round_trip(res, tmp_path):
    cfg = TrainConfig(epochs=1, T=4.0, gamma=1.0)
    per_class, summary = lab.merge_teachers(res, seeds=(0,), config=cfg, teacher_config=TINY_TEACHER, folder=tmp_path)
    out = _through_json(results.merge_json(per_class, summary, cfg))
    rows, s = results.merge_frames(out)
    pd.testing.assert_frame_equal(rows, per_class, check_dtype=False)
    assert s["merged_student_acc"] == summary["merged_student_acc"] and s["merged_student_std"] is None  # one seed
    assert set(out["per_class"]) == set(results.JSON_MODEL_NAMES.values())  # the keys merge --json has always had
    assert out["per_class"]["teacher A"][5] is None and out["config"]["gamma"] == 1.0


def test_omit_class_json_round_trip(res):
    cfg = lab.OMIT_CONFIG.replace(epochs=1)
    runs, per_class, curves = lab.omit_class(res, 3, (0, 1), cfg, biases=[0.0, 2.0, 4.0])
    out = _through_json(results.omit_class_json(3, runs, per_class, curves, cfg))
    d, r, p, c = results.omit_class_frames(out)
    assert d == 3
    for got, want in ((r, runs), (p, per_class), (c, curves)):
        pd.testing.assert_frame_equal(got, want, check_dtype=False)
    assert out["omitted_class_acc"] == pytest.approx(runs["omitted_class_acc"].mean())
    assert out["omitted_class_acc_std"] == pytest.approx(np.std(runs["omitted_class_acc"], ddof=1))
    assert out["best_bias"] == runs["best_bias"].tolist() and out["n_transfer"] == 3240


def test_sweep_json_round_trip(res, tmp_path):
    df = sweep.sweep(res, (2.0,), (0.0, 0.5), (0,), TrainConfig(epochs=1), n_jobs=1, folder=tmp_path)
    out = _through_json(results.sweep_json(df, n_jobs=1))
    assert out["key"] == sweep.sweep_key(res, [2.0], [0.0, 0.5], [0], TrainConfig(epochs=1))
    pd.testing.assert_frame_equal(results.sweep_frame(out, out["key"]), df, check_dtype=False)
    assert results.sweep_frame(out, {**out["key"], "seeds": [0, 1]}) is None  # another grid: not this result


# ---------------------------------------------------------------- the multi-seed commands and --ship


def test_cli_fewer_labels_is_the_per_seed_distill(capsys):
    assert main(["fewer-labels", "--fractions", "0.1", "--epochs", "1", "--seeds", "0", "1", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    for row, seed in zip(out["rows"], (0, 1)):  # the README's old per-seed loop gives the same numbers
        assert main(["distill", "--label-fraction", "0.1", "--baseline", "--epochs", "1", "--seed", str(seed), "--json"]) == 0
        one = json.loads(capsys.readouterr().out)
        assert (row["seed"], row["n_labelled"]) == (seed, one["n_labelled"])
        assert row["distilled_acc"] == one["student_test_acc"] and row["baseline_acc"] == one["baseline_test_acc"]
    s = out["summary"][0]
    assert s["distilled_acc_mean"] == pytest.approx(np.mean([r["distilled_acc"] for r in out["rows"]]))


def test_cli_omit_class_is_the_per_seed_distill(capsys):
    assert main(["omit-class", "--digit", "3", "--epochs", "2", "--seeds", "0", "1", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    for row, seed in zip(out["runs"], (0, 1)):
        assert main(["distill", "--omit-class", "3", "-T", "8", "--gamma", "1", "--epochs", "2", "--seed", str(seed), "--json"]) == 0
        one = json.loads(capsys.readouterr().out)
        for key in ("omitted_class_acc", "best_bias", "omitted_class_acc_after_bias", "test_acc_after_bias"):
            assert row[key] == one[key], key
    assert out["config"]["T"] == 8.0 and out["config"]["gamma"] == 1.0 and len(out["per_class"]) == 2 * 41 * 10


def test_cli_ship_writes_only_where_told(res, capsys, tmp_path, monkeypatch):
    real = {p.name: p.read_bytes() for p in shipped.RESULTS.glob("*.json")}
    monkeypatch.setattr(shipped, "RESULTS", tmp_path)
    assert main(["omit-class", "--epochs", "1", "--seeds", "0", "--json", "--ship"]) == 0
    printed = json.loads(capsys.readouterr().out)
    got = shipped.load("omit_class", data_fingerprint=res.data.fingerprint, teacher_sha256=res.teacher_meta["sha256"], folder=tmp_path)
    assert got is not None and got.stale is None and got.result == printed
    assert got.provenance["command"] == "python -m kdviz omit-class --epochs 1 --seeds 0"
    other = shipped.load("omit_class", data_fingerprint="another split", teacher_sha256=res.teacher_meta["sha256"], folder=tmp_path)
    assert other.stale[0] == "shipped.stale_data"
    monkeypatch.undo()
    assert {p.name: p.read_bytes() for p in shipped.RESULTS.glob("*.json")} == real  # the real ones untouched


def test_cli_repeated_seeds_are_one_line(capsys):
    assert main(["omit-class", "--seeds", "0", "0", "--json"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "seeds must be distinct" in err[0]


# ---------------------------------------------------------------- docs/lab.md reports the shipped results

LAB_DOC = shipped.RESULTS.parents[1] / "docs" / "lab.md"


def _p2(mean: float, std: float) -> str:
    """``95.47 ± 0.06`` (percent, two decimals), as the lab table (docs/lab.md) prints a fraction's mean ± std."""
    return f"{100 * mean:.2f} ± {100 * std:.2f}"


def _row(lines: list[str], start: str) -> str:
    found = [line for line in lines if line.startswith(start)]
    assert len(found) == 1, start
    return found[0]


def _shipped(name: str) -> tuple[dict, str]:
    blob = json.loads((shipped.RESULTS / f"{name}.json").read_text())
    r = blob["result"]
    assert r["seeds"] == [0, 1, 2] and r.get("config", r)["epochs"] == 30, name  # the lab table's settings
    return r, blob["provenance"]["command"]


def test_readme_lab_table_is_the_shipped_results():
    """Every figure of the lab table in docs/lab.md, rounded as printed, comes from kdviz/results/*.json (and each row names its command)."""
    lines = LAB_DOC.read_text(encoding="utf-8").splitlines()
    expect: dict[str, list[str]] = {}

    r, cmd = _shipped("fewer_labels")
    s = {x["fraction"]: x for x in r["summary"]}
    ten, one = s[0.1], s[0.01]
    expect["| **Fewer labels**"] = [
        cmd, f"distilled **{_p2(ten['distilled_acc_mean'], ten['distilled_acc_std'])} %** vs labels only "
             f"**{_p2(ten['baseline_acc_mean'], ten['baseline_acc_std'])} %**: a gain of **+{_p2(ten['gain_mean'], ten['gain_std'])} points**",
        f"At 1 % (40 labels): {_p2(one['distilled_acc_mean'], one['distilled_acc_std'])} % vs {_p2(one['baseline_acc_mean'], one['baseline_acc_std'])} %",
    ]

    r, cmd = _shipped("self_distill")
    gens = " / ".join(_p2(m, sd) for m, sd in zip(r["generation_acc"], r["generation_std"]))
    expect["| **Self-distillation**, born-again"] = [cmd, f"by generation 0 / 1 / 2 / 3: **{gens} %**"]
    n = r["snapshot"]
    expect["| **Self-distillation**, snapshot"] = [
        f"after epoch {n['switch_epoch']} of 30", f"self-distilled **{_p2(n['self_distilled_acc'], n['self_distilled_std'])} %** vs a "
        f"labels-only control from the same weights **{_p2(n['labels_only_acc'], n['labels_only_std'])} %** "
        f"({_p2(n['phase1_acc'], n['phase1_std'])} % at the snapshot)"]

    r, cmd = _shipped("merge")
    merged = r["per_class"]["merged student"]
    weak = sorted(range(10), key=lambda d: merged[d])[:2]
    expect["| **Two teachers, one student**"] = [
        cmd, f"A: {100 * r['teacher_a_acc']:.2f} % on the test 0–4 · B: {100 * r['teacher_b_acc']:.2f} % on the test 5–9",
        f"both teachers concatenated: {100 * r['concat_teacher_acc']:.2f} % on all test digits",
        f"**merged student {_p2(r['merged_student_acc'], r['merged_student_std'])} %** vs **joint student (all labels, γ = 0) "
        f"{_p2(r['joint_student_acc'], r['joint_student_std'])} %**",
        f"weakest digits are {weak[0]} ({100 * merged[weak[0]]:.1f} %) and {weak[1]} ({100 * merged[weak[1]]:.1f} %)",
    ]

    r, cmd = _shipped("omit_class")
    b = [f"{x:g}" for x in r["best_bias"]]
    expect["| **A digit never seen**"] = [
        cmd, f"({r['n_transfer']:,} digits)",
        f"test 3s right: **{100 * r['omitted_class_acc']:.1f} ± {100 * r['omitted_class_acc_std']:.1f} %** with no bias, "
        f"**{100 * r['omitted_class_acc_after_bias']:.1f} ± {100 * r['omitted_class_acc_after_bias_std']:.1f} %** with the chosen bias "
        f"({b[0]}, {b[1]} and {b[2]} by seed)",
        f"All test digits: {_p2(r['test_acc'], r['test_acc_std'])} % → {_p2(r['test_acc_after_bias'], r['test_acc_after_bias_std'])} %",
    ]

    r, cmd = _shipped("dkd")
    kd, dkd = r["rows"][0], r["rows"][1:]
    expect["| **KD vs DKD**"] = [cmd, f"α = {kd['alpha']:g}, a {kd['warmup']}-epoch warm-up", f"T = {kd['T']:g}, γ = {kd['gamma']:g}",
                                 f"KD **{_p2(kd['test_acc'], kd['test_acc_std'])} %**",
                                 f"DKD β = {dkd[0]['beta']:g} **{_p2(dkd[0]['test_acc'], dkd[0]['test_acc_std'])} %**",
                                 *[f"β = {x['beta']:g} {_p2(x['test_acc'], x['test_acc_std'])} %" for x in dkd[1:]],
                                 f"β = 1's {100 * (dkd[0]['test_acc'] - kd['test_acc']):+.2f} points"]

    r, cmd = _shipped("sweep")
    cells = pd.DataFrame(r["cells"])
    best = cells.loc[cells["test_acc_mean"].idxmax()]
    zero = cells[cells["gamma"] == 0.0].iloc[0]
    t1 = cells[cells["T"] == 1.0]["test_acc_mean"]
    expect["| **T × γ sweep**"] = [
        cmd, f"{len({(x['T'] if x['gamma'] else 0, x['gamma'], x['seed']) for x in r['rows']})} distinct runs",
        f"best cell: T = {best['T']:g}, γ = {best['gamma']:g}, **{_p2(best['test_acc_mean'], best['test_acc_std'])} %**",
        f"γ = 0: {_p2(zero['test_acc_mean'], zero['test_acc_std'])} %", f"The T = 1 column: {100 * t1.min():.1f}–{100 * t1.max():.1f} %",
    ]

    for start, parts in expect.items():
        row = _row(lines, start)
        for part in parts:
            assert part in row, (start, part)


def test_lab_figures_use_one_colour_per_role_and_the_kdviz_template():
    from kdviz.maths import stats
    from kdviz.viz import plots_lab, style

    fewer = pd.DataFrame({"fraction": [0.01, 0.01, 1.0, 1.0], "seed": [0, 1, 0, 1], "distilled_acc": [0.95, 0.94, 0.97, 0.97],
                          "baseline_acc": [0.6, 0.65, 0.96, 0.96]})
    fig = plots_lab.fewer_labels_figure(stats.mean_std(fewer, "fraction", ["distilled_acc", "baseline_acc"]), teacher_acc=0.99)
    assert [t.line.color for t in fig.data] == [style.ROLES["distilled"], style.ROLES["baseline"], style.ROLES["teacher"]]
    assert fig.data[2].name == "teacher" and not fig.layout.annotations  # the teacher's line named in the legend
    assert fig.layout.template.layout.font.size >= style.FONT_PX
    assert all(a.font.size >= style.FONT_PX for a in fig.layout.annotations)
    gens = pd.DataFrame({"generation": [0, 1, 2], "test_acc": [0.9, 0.91, 0.92]})
    bars = plots_lab.born_again_figure(stats.mean_std(gens, "generation", "test_acc")).data[0]
    assert list(bars.marker.color) == [style.ROLES["baseline"], style.ROLES["distilled"], style.ROLES["distilled"]]
    # a vertical line is named in the legend, in its own colour and dash, never by a label lying across the curves
    curves = pd.DataFrame({"bias": [0.0, 1.0, 2.0], "omitted_acc": [0.1, 0.5, 0.8], "acc": [0.9, 0.92, 0.91]})
    for bias in (0.0, 2.0):
        f = plots_lab.bias_figure(stats.mean_std(curves, "bias", ["omitted_acc", "acc"]), 3, bias=bias, best_bias=1.5)
        assert not f.layout.annotations
        named = {t.name: (t.line.color, t.line.dash) for t in f.data if t.hoverinfo == "skip" and t.fill is None}
        assert named == {f"slider: {bias:g}": (style.INK, None), "chosen on held-out train (seed mean): 1.50": (style.MUTED, "dash")}
        assert [(s.x0, s.line.color) for s in f.layout.shapes] == [(bias, style.INK), (1.5, style.MUTED)]
