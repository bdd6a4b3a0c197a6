"""The capacity gap (kdviz.lab.capacity, ``python -m kdviz capacity``): the ladder's teachers cached and rebuilt when bad,
early checkpoints of the shipped recipe, pairs and chains that equal runs made independently with train_student, the
paired gain and its std, the computed reading, and the CLI contract."""

import json
import statistics
import subprocess
import sys

import pytest
import torch

from kdviz.cli import capacity as cli_capacity
from kdviz.lab import capacity as cap
from kdviz.train.loop import TeacherLogits, TrainConfig, predict_logits, train_student
from kdviz.train.models import StudentMLP, TeacherCNN
from kdviz.train.teacher import TeacherConfig, train_teacher

TINY = TeacherConfig(epochs=2)  # the recipe, two epochs: seconds


def weights(model) -> torch.Tensor:
    return torch.cat([p.detach().flatten() for p in model.parameters()])


def test_stop_after_is_a_checkpoint_of_the_same_run(data):
    full, meta_full = train_teacher(data, TINY, log=lambda line: None)
    same, meta_same = train_teacher(data, TINY, log=lambda line: None, stop_after=2)
    early, meta_early = train_teacher(data, TINY, log=lambda line: None, stop_after=1)
    assert torch.equal(weights(full), weights(same)) and meta_full["epochs_trained"] == meta_same["epochs_trained"] == 2
    assert meta_early["epochs_trained"] == 1 and not torch.equal(weights(full), weights(early))
    with pytest.raises(ValueError, match="stop_after"):
        train_teacher(data, TINY, log=lambda line: None, stop_after=3)


def test_arch_trains_an_mlp_with_the_same_recipe(data):
    model, meta = train_teacher(data, TeacherConfig(epochs=1), log=lambda line: None, arch={"kind": "mlp", "hidden": [32]})
    assert isinstance(model, StudentMLP) and model.hidden == (32,) and meta["architecture"] == {"kind": "mlp", "hidden": [32]}
    assert 0.5 < meta["test_acc"] <= 1


def test_ladder_teacher_is_cached_and_rebuilt_when_bad(res, tmp_path, monkeypatch):
    import kdviz.lab.capacity as module

    calls = []
    real = module.train_teacher

    def counting(*a, **k):
        calls.append(k.get("stop_after"))
        return real(*a, **k)

    monkeypatch.setattr(module, "train_teacher", counting)
    model, meta = cap.ladder_teacher("early_1", res, config=TINY, folder=tmp_path)
    again, _ = cap.ladder_teacher("early_1", res, config=TINY, folder=tmp_path)
    assert calls == [1] and isinstance(model, TeacherCNN) and model.channels == (32, 64) and meta["epochs_trained"] == 1
    assert torch.equal(weights(model), weights(again)) and not any(p.requires_grad for p in again.parameters())
    (path,) = tmp_path.glob("ladder-early_1-*.safetensors")
    path.write_bytes(path.read_bytes()[:-7])  # truncated: rebuilt, same weights (seeded)
    rebuilt, _ = cap.ladder_teacher("early_1", res, config=TINY, folder=tmp_path)
    assert calls == [1, 1] and torch.equal(weights(rebuilt), weights(model))
    assert cap.ladder_teacher("shipped", res)[0] is res.teacher
    with pytest.raises(ValueError, match="teacher must be one of"):
        cap.ladder_teacher("huge_cnn", res)


@pytest.fixture(scope="module")
def small_run(res, tmp_path_factory):
    folder = tmp_path_factory.mktemp("ladder")
    pairs, chains = cap.capacity_gap(res, seeds=[0, 1], epochs=1, teachers=["shipped", "early_1"], students=[32, 16],
                                     assistants=[32], n_jobs=2, folder=folder)
    return pairs, chains, folder


def test_pairs_equal_independent_runs(res, small_run):
    pairs, _, folder = small_run
    assert len(pairs) == 2 * 2 * 2 and sorted(pairs["student_hidden"].unique()) == [16, 32]
    row = pairs[(pairs.teacher == "shipped") & (pairs.student_hidden == 16) & (pairs.seed == 1)].iloc[0]
    kd = train_student(res.data, res.logits, TrainConfig(hidden=(16,), epochs=1, T=4.0, gamma=0.9, seed=1))
    labels = train_student(res.data, res.logits, TrainConfig(hidden=(16,), epochs=1, gamma=0.0, seed=1))
    assert row.kd_acc == kd.test_acc and row.labels_acc == labels.test_acc and row.gain == kd.test_acc - labels.test_acc
    early, _ = cap.ladder_teacher("early_1", res, folder=folder)
    logits = TeacherLogits(train=predict_logits(early, res.data.x_train), test=predict_logits(early, res.data.x_test))
    row = pairs[(pairs.teacher == "early_1") & (pairs.student_hidden == 32) & (pairs.seed == 0)].iloc[0]
    assert row.kd_acc == train_student(res.data, logits, TrainConfig(hidden=(32,), epochs=1, seed=0)).test_acc
    assert row.teacher_acc == pytest.approx(float((logits.test.argmax(1) == res.data.y_test).float().mean()))


def test_the_chain_equals_an_independent_chain(res, small_run):
    pairs, chains, _ = small_run
    assert list(chains["assistant"]) == [32, 32] and list(chains["seed"]) == [0, 1]
    for r in chains.itertuples():
        assistant = train_student(res.data, res.logits, TrainConfig(hidden=(32,), epochs=1, seed=r.seed))
        taught = TeacherLogits(train=predict_logits(assistant.model, res.data.x_train), test=assistant.test_logits)
        student = train_student(res.data, taught, TrainConfig(hidden=(16,), epochs=1, seed=r.seed))
        direct = pairs[(pairs.teacher == "shipped") & (pairs.student_hidden == 16) & (pairs.seed == r.seed)].iloc[0]
        assert r.assistant_acc == assistant.test_acc and r.chain_acc == student.test_acc
        assert r.direct_acc == direct.kd_acc and r.gain == r.chain_acc - r.direct_acc


def test_each_run_is_trained_once(res, tmp_path, monkeypatch):
    """Assistant 32 is also a student: its pair run with the shipped teacher returns the logits that teach the
    chain (no second run). Assistant 24 is not: it gets a run of its own, and its chain equals an independent one."""
    calls = []
    for name in ("worker_run", "worker_run_logits"):
        real = getattr(cap, name)
        monkeypatch.setattr(cap, name, lambda arrays, config, real=real, name=name:
                            calls.append((name, config["hidden"][0], config["gamma"])) or real(arrays, config))
    _, chains = cap.capacity_gap(res, seeds=[0], epochs=1, teachers=["shipped"], students=[16, 32], assistants=[32, 24],
                                 n_jobs=1, folder=tmp_path)
    assert sorted(calls) == sorted([("worker_run", 16, 0.0), ("worker_run", 32, 0.0),  # labels only
                                    ("worker_run", 16, 0.9), ("worker_run_logits", 32, 0.9),  # the pairs
                                    ("worker_run_logits", 24, 0.9),  # the assistant that is no student
                                    ("worker_run", 16, 0.9), ("worker_run", 16, 0.9)])  # the two chains' students
    assistant = train_student(res.data, res.logits, TrainConfig(hidden=(24,), epochs=1, seed=0))
    taught = TeacherLogits(train=predict_logits(assistant.model, res.data.x_train), test=assistant.test_logits)
    chain = chains[chains.assistant == 24].iloc[0]
    assert chain.assistant_acc == assistant.test_acc
    assert chain.chain_acc == train_student(res.data, taught, TrainConfig(hidden=(16,), epochs=1, seed=0)).test_acc


def test_json_summarises_paired_gains(small_run):
    pairs, chains, _ = small_run
    out = cap.capacity_json(pairs, chains)
    assert {"teacher", "teacher_acc", "student_hidden", "kd_acc", "labels_acc", "gain", "gain_std"} <= set(out["pairs"][0])
    for r in out["pairs"]:
        g = pairs[(pairs.teacher == r["teacher"]) & (pairs.student_hidden == r["student_hidden"])]
        per_seed = list(g["kd_acc"] - g["labels_acc"])
        assert r["gain"] == pytest.approx(statistics.mean(per_seed)) and r["gain_std"] == pytest.approx(statistics.stdev(per_seed))
    (a,) = out["assistant"]
    assert a["assistant"] == 32 and a["gain"] == pytest.approx(statistics.mean(chains["gain"]))
    json.dumps(out, allow_nan=False)
    back_pairs, back_chains = cap.capacity_frames(out)
    assert len(back_pairs) == 4 and len(back_chains) == 1 and "1 epochs" in cap.capacity_table(out)


def row(teacher, acc, per_seed, hidden=16):
    """A pairs row as capacity_json writes it, from its per-seed gains."""
    return {"teacher": teacher, "teacher_acc": acc, "student_hidden": hidden, "gain": statistics.mean(per_seed),
            "gain_std": statistics.stdev(per_seed) if len(per_seed) > 1 else None, "gain_per_seed": per_seed}


@pytest.mark.parametrize("small, best, verdict", [
    ([[0.010, 0.011, 0.012], [0.030, 0.031, 0.029]], "early_1", "helps"),  # a weaker teacher better, every seed: a gap
    ([[0.010, 0.000, 0.020], [0.030, -0.010, 0.030]], "early_1", "noise"),  # better on average, not beyond the noise
    ([[0.030, 0.030, 0.030], [0.010, 0.010, 0.010]], "shipped", "noise"),  # the most accurate is the best: no gap
    ([[0.025, 0.015, 0.035], [0.025, 0.015, 0.035]], "shipped", "noise"),  # a tie goes to the more accurate teacher
])
def test_headline_reads_paired_differences(small, best, verdict):
    big = {"shipped": [0.02, 0.021, 0.019], "early_1": [-0.01, -0.012, -0.011]}
    out = {"pairs": [row("shipped", 0.98, small[0]), row("early_1", 0.94, small[1]),
                     row("shipped", 0.98, big["shipped"], hidden=128), row("early_1", 0.94, big["early_1"], hidden=128)],
           "assistant": [{"assistant": 64, "gain": -0.01, "gain_std": 0.002, "gain_per_seed": [-0.008, -0.01, -0.012]},
                         {"assistant": 32, "gain": 0.002, "gain_std": 0.004, "gain_per_seed": [0.006, 0.002, -0.002]}]}
    h = cap.capacity_headline(out)
    assert h["student"] == 16 and h["best_teacher"] == best and h["top_teacher"] == "shipped" and h["gap_verdict"] == verdict
    assert h["gap"] == pytest.approx(max(statistics.mean(small[1]) - statistics.mean(small[0]), 0.0))
    assert h["n_seeds"] == 3 and h["assistant"] == 32 and h["assistant_verdict"] == "noise"
    # the weaker teacher against the shipped one, per seed, averaged over the two students
    diffs = [(e16 + e128) / 2 - (s16 + s128) / 2 for e16, e128, s16, s128 in zip(small[1], big["early_1"], small[0], big["shipped"])]
    mean, std, v = h["early"]["early_1"][1:]
    assert mean == pytest.approx(statistics.mean(diffs)) and std == pytest.approx(statistics.stdev(diffs))
    assert h["early_verdict"] == v and h["finished"] == "shipped"
    gap = [b - a for a, b in zip(small[0], big["shipped"])]  # the 128 student's gain minus the 16's, with the shipped teacher
    if statistics.mean(gap) < 0:
        assert h["shrinks"] == "no" and h["peak_student"] == 16
    else:
        beyond = statistics.mean(gap) - 4.302653 * statistics.stdev(gap) / 3**0.5 > 0  # t(2 df) 95 %: 3 seeds, paired
        assert h["shrinks"] == ("yes" if beyond else "noise") and h["peak_student"] == 128


def test_headline_edges():
    one_seed = {"pairs": [row("shipped", 0.98, [0.01]), row("early_1", 0.94, [0.05])], "assistant": []}
    h = cap.capacity_headline(one_seed)
    assert h["n_seeds"] == 1 and h["gap_verdict"] == "noise" and h["shrinks"] is None and h["assistant"] is None
    assert h["early"]["early_1"][3] == "noise" and h["early_verdict"] == "noise"
    no_early = {"pairs": [row("shipped", 0.98, [0.01, 0.02], hidden=h_) for h_ in (16, 64)], "assistant": []}
    h = cap.capacity_headline(no_early)
    assert h["early"] == {} and h["early_verdict"] is None and h["shrinks"] in ("yes", "noise")
    shrinking = {"pairs": [row("shipped", 0.98, [-0.01, -0.011, -0.009]), row("shipped", 0.98, [0.015, 0.014, 0.016], hidden=64)],
                 "assistant": []}
    assert cap.capacity_headline(shrinking)["shrinks"] == "yes"
    growing = {"pairs": [row("shipped", 0.98, [0.02, 0.02, 0.021]), row("shipped", 0.98, [0.01, 0.0, 0.02], hidden=64)],
               "assistant": []}
    assert cap.capacity_headline(growing)["shrinks"] == "no"


@pytest.mark.parametrize("kwargs, words", [
    (dict(seeds=[0, 0]), "distinct"),
    (dict(teachers=["huge"]), "teachers must be among"),
    (dict(teachers=["early_1"], assistants=[32]), "shipped"),
    (dict(students=[0]), "≥ 1"),
    (dict(students=[32, 64], assistants=[32]), "larger than the smallest student"),
])
def test_bad_arguments(res, kwargs, words):
    with pytest.raises(ValueError, match=words):
        cap.capacity_gap(res, **{"epochs": 1, **kwargs})


def test_public_names_resolve():
    for module in (cap, cli_capacity):
        assert len(set(module.__all__)) == len(module.__all__) and all(hasattr(module, n) for n in module.__all__)


@pytest.mark.slow  # a long end-to-end run: CI runs it (python -m pytest -q -m slow)
def test_cli_quick_json():
    """The CI's quick run: every teacher of the ladder (trained once into the cache), two students, one assistant."""
    p = subprocess.run([sys.executable, "-m", "kdviz", "capacity", "--quick", "--json"], capture_output=True, text=True, timeout=900)
    assert p.returncode == 0, p.stderr
    out = json.loads(p.stdout)
    assert {r["teacher"] for r in out["pairs"]} == set(cap.TEACHER_KEYS) and len(out["pairs"]) == 12
    for r in out["pairs"]:
        assert r["gain"] == pytest.approx(r["kd_acc"] - r["labels_acc"]) and r["gain_std"] is None
        assert 0.5 < r["teacher_acc"] <= 1
    (a,) = out["assistant"]
    assert a["assistant"] == 128 and a["student_hidden"] == 16
    teachers = out["teachers"]
    assert teachers["early_1"]["epochs_trained"] == 1 and teachers["early_3"]["epochs_trained"] == 3
    assert teachers["shipped"]["params"] > teachers["medium_cnn"]["params"] > teachers["small_cnn"]["params"]
    assert out["quick"] is True and out["seeds"] == [0] and out["epochs"] == 3


@pytest.mark.parametrize("args, code, words", [
    (["capacity", "--epochs", "0"], 2, "epochs"),
    (["capacity", "--n-jobs", "0"], 2, "n-jobs"),
    (["capacity", "--quick", "--seeds", "0", "0"], 1, "distinct"),
])
def test_cli_bad_arguments(args, code, words, cli_error):
    status, line = cli_error(args)
    assert status == code and words in line, line


def test_readme_reports_the_shipped_full_run():
    """The two capacity tables of docs/lab.md and the reading's figures, rounded as printed, are kdviz/results/capacity.json."""
    from kdviz.base.i18n import tr
    from kdviz.lab import shipped
    from kdviz.lab.capacity import TEACHER_NAMES

    blob = json.loads((shipped.RESULTS / "capacity.json").read_text())
    out = blob["result"]
    assert out["seeds"] == [0, 1, 2] and out["epochs"] == cap.FULL["epochs"] and blob["provenance"]["command"] == \
        "python -m kdviz capacity --seeds 0 1 2"
    readme = (shipped.RESULTS.parents[1] / "docs" / "lab.md").read_text(encoding="utf-8")
    students = sorted({r["student_hidden"] for r in out["pairs"]})
    assert students == list(cap.STUDENTS) and set(out["teachers"]) == set(cap.TEACHER_KEYS)
    cell = {(r["teacher"], r["student_hidden"]): r for r in out["pairs"]}
    for t, info in out["teachers"].items():
        gains = " | ".join(f"{100 * cell[(t, h)]['gain']:+.2f} ± {100 * cell[(t, h)]['gain_std']:.2f}" for h in students)
        line = f"| {tr(TEACHER_NAMES[t], 'en')} ({100 * info['test_acc']:.1f} %) | {info['params']:,} | {gains} |"
        assert line in readme, line
    labels = " | ".join(f"{100 * cell[('shipped', h)]['labels_acc']:.2f} ± {100 * cell[('shipped', h)]['labels_std']:.2f} %" for h in students)
    assert f"| labels only: test accuracy | | {labels} |" in readme
    for a in out["assistant"]:
        line = (f"| MLP {a['assistant']} ({100 * a['assistant_acc']:.1f} %) | {100 * a['chain_acc']:.2f} ± {100 * a['chain_std']:.2f} % "
                f"| {100 * a['gain']:+.2f} ± {100 * a['gain_std']:.2f} |")
        assert line in readme, line
    assert f"against direct ({100 * out['assistant'][0]['direct_acc']:.2f} %)" in readme
    h = cap.capacity_headline(out)
    readme = " ".join(readme.split())  # the reading's lines are wrapped
    assert h["shrinks"] == "yes" and h["best_teacher"] == h["top_teacher"] == "shipped" and h["early_verdict"] == "hurts"
    assert (f"-{abs(100 * h['early']['early_1'][0]):.1f} points after epoch 1 and {100 * h['early']['early_3'][0]:.1f} after epoch 3, "
            f"against +{100 * h['finished_mean']:.1f} with the finished teacher") in readme
    assert f"the best, MLP {h['assistant']}, moves the 16-unit student by +{100 * h['assistant_gain']:.2f} ± {100 * h['assistant_std']:.2f}" in readme
