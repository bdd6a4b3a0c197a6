"""The divergence comparison (kdviz.lab.divergences, ``python -m kdviz divergences``): the numbers of independent runs,
gains paired by seed, one rule for the verdicts, strict JSON, and the shipped full runs."""

import json

import pandas as pd
import pytest

from kdviz.lab import divergences as ldv
from kdviz.lab import shipped
from kdviz.maths import stats
from kdviz.train.config import TrainConfig
from kdviz.train.loop import train_student


@pytest.fixture(scope="module")
def small(res):
    return ldv.divergence_compare(res, seeds=[0, 1], epochs=1, arms=["rkl", "labels"], n_jobs=1)


def test_rows_are_the_numbers_of_independent_runs(res, small):
    assert list(small["arm"]) == ["fkl", "rkl", "labels"]  # the reference is always trained, ARMS' order kept
    base = TrainConfig(epochs=1)
    for arm, changes in (("fkl", {}), ("rkl", {"divergence": "rkl"}), ("labels", {"gamma": 0.0})):
        row = small.set_index("arm").loc[arm]
        accs = [train_student(res.data, res.logits, base.replace(seed=s, **changes)).test_acc for s in (0, 1)]
        assert row["test_acc_per_seed"] == accs
        assert row["test_acc"] == pytest.approx(sum(accs) / 2)


def test_gains_are_paired_by_seed_and_judged_by_the_one_rule(small):
    ref = small.set_index("arm").loc["fkl", "test_acc_per_seed"]
    for _, row in small.iterrows():
        assert row["gain_per_seed"] == pytest.approx([a - b for a, b in zip(row["test_acc_per_seed"], ref)])
        mean, std, verdict = stats.paired(row["test_acc_per_seed"], ref)
        assert row["gain"] == pytest.approx(mean)
        if row["arm"] == "fkl":
            assert pd.isna(row["verdict"]) and row["gain"] == 0  # the reference: no verdict of its own
        else:
            assert row["verdict"] == verdict


def test_json_is_strict_and_the_table_says_each_arm(res, small):
    out = ldv.divergence_json(small, res)
    text = json.dumps(out, allow_nan=False)  # raises on NaN
    assert json.loads(text)["rows"][0]["verdict"] is None and out["seeds"] == [0, 1] and out["epochs"] == 1
    table = ldv.divergence_table(out)
    assert table.splitlines()[1].startswith("fkl") and "reference" in table and "mnist-5k" in table
    assert ldv.divergence_frame(out)["arm"].tolist() == ["fkl", "rkl", "labels"]


@pytest.mark.parametrize("kw, words", [(dict(seeds=[0, 0]), "seeds must be distinct"),
                                       (dict(arms=["fkl", "kl"]), "arms must be among"), (dict(epochs=0), "epochs must be")])
def test_bad_arguments(res, kw, words):
    with pytest.raises(ValueError, match=words):
        ldv.divergence_compare(res, **({"epochs": 1} | kw))


def test_cli_quick_json(capsys):
    from kdviz.cli.main import main

    assert main(["divergences", "--seeds", "0", "--epochs", "1", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert [r["arm"] for r in out["rows"]] == list(ldv.ARM_KEYS) and out["command"] == "python -m kdviz divergences --seeds 0 --epochs 1"


@pytest.mark.parametrize("dataset", ["mnist-5k", "fashion-mnist"])
def test_the_full_runs_are_shipped(dataset):
    """Each data set's comparison is shipped, measured with the documented command on the data and teacher the app
    loads; its rows are what the table derives from them."""
    from kdviz.train.resources import load_resources

    res = load_resources(dataset=dataset)
    got = shipped.load(ldv.shipped_name(dataset), data_fingerprint=res.data.fingerprint,
                       teacher_sha256=str(res.teacher_meta.get("sha256", "")))
    assert got is not None and got.stale is None
    out = got.result
    assert out["seeds"] == [0, 1, 2] and out["epochs"] == 30 and not out["quick"]
    assert [r["arm"] for r in out["rows"]] == list(ldv.ARM_KEYS)
    for r in out["rows"]:
        assert len(r["test_acc_per_seed"]) == 3 and r["test_acc"] == pytest.approx(sum(r["test_acc_per_seed"]) / 3)


def test_readme_and_docs_print_the_shipped_table():
    """README's and docs/lab.md's divergence table is divergence_markdown of the two shipped results; the wall times and
    the one verdict the text names are theirs."""
    from kdviz.train.resources import load_resources

    outs = []
    for dataset in ("mnist-5k", "fashion-mnist"):
        res = load_resources(dataset=dataset)
        outs.append(shipped.load(ldv.shipped_name(dataset), data_fingerprint=res.data.fingerprint,
                                 teacher_sha256=str(res.teacher_meta.get("sha256", ""))).result)
    table = ldv.divergence_markdown(*outs)
    root = shipped.RESULTS.parents[1]
    readme, lab = ((root / p).read_text(encoding="utf-8") for p in ("README.md", "docs/lab.md"))
    assert table in readme and table in lab
    assert f"--ship                             # seeds 0-2, 30 epochs: {outs[0]['wall_seconds']:.0f} s on 2 cores" in lab
    assert f"--data fashion-mnist --ship        # {outs[1]['wall_seconds']:.0f} s" in lab
    hurts = {r["arm"]: r for r in outs[1]["rows"] if r["verdict"] == "hurts"}
    assert set(hurts) == {"tvd", "labels"} and not any(r["verdict"] in ("helps", "hurts") for r in outs[0]["rows"])
    assert f"total variation's −{-100 * hurts['tvd']['gain']:.2f} points on Fashion-MNIST" in lab
