"""kdviz.train.summary: the Train page's messages and fields, against values worked out by hand."""

from types import SimpleNamespace

import pytest

from kdviz.base.i18n import MESSAGES, fields_of, texts_of
from kdviz.train import summary as ks
from kdviz.train.loop import TrainConfig
from kdviz.train.runs import PairedGain

Z95 = 1.959964  # the normal's 97.5 % quantile: thousands of paired test images


def run(run_id=1, distilled=0.9, baseline=0.88, seed=0, **config):
    """A stand-in for kdviz.train.runs.Run: what the functions read of one."""
    return SimpleNamespace(run_id=run_id, test_acc=distilled, baseline_acc=baseline,
                           config=TrainConfig(seed=seed, **config))


def fields(key):
    return fields_of(texts_of(MESSAGES[key]["en"])[0])


def test_sizes_and_their_names():
    assert ks.arch((128,)) == "784-128-10" and ks.arch((800, 800)) == "784-800-800-10" and ks.arch(()) == "784-10"
    assert all(ks.arch(hidden) == name for name, hidden in ks.SIZES.items())  # an option is its architecture
    assert ks.SIZES[ks.HINTON] == (800, 800) and list(ks.SIZES)[2] == "784-128-10"  # the page opens on index 2
    assert TrainConfig().lr in ks.LEARNING_RATES


def test_what_a_press_trains():
    assert ks.press_seeds(5, False) == [5] and ks.press_seeds(5, True) == [5, 6, 7]
    assert ks.next_run_id([]) == 1 and ks.next_run_id([run(run_id=2), run(run_id=7)]) == 8
    assert [ks.press_message(b, t) for b in (True, False) for t in (False, True)] == [
        "train.trains_pair", "train.trains_pair3", "train.trains_solo", "train.trains_solo3"]


def test_progress_and_the_shared_frames():
    assert ks.progress_fields({"name": "baseline", "seed": 2, "epoch": 3, "test_acc": 0.875}, 30) == {
        "seed": 2, "epoch": 3, "epochs": 30, "acc": 87.5}
    rows = {"distilled": [{}] * 17, "baseline": [{}] * 14}
    assert ks.frame_epochs(rows, 30) == 12  # 14 epochs both have, in steps of 3
    assert ks.frame_epochs(rows, 5) == 14  # steps of 1 below 10 epochs
    assert ks.frame_epochs({}, 30) == 0


def test_the_lab_pointer():
    h = {"fraction": 0.01, "n_labelled": 40, "distilled": 0.75, "baseline": 0.5, "gain": 0.25, "seeds": [0, 1, 2]}
    got = ks.lab_pointer_fields(h)
    assert got == {"pct": 1.0, "n": 40, "distilled": 75.0, "baseline": 50.0, "gain": 25.0, "seeds": "0, 1, 2"}
    assert set(got) == fields("train.lab_pointer")


def test_one_seed_headline_and_a_signal():
    g = PairedGain(gain=0.012, se=0.004, n=1000, seeds=1, only_distilled=30, only_baseline=18)
    key, got = ks.headline_message(g, [run(distilled=0.9, baseline=0.888)])
    assert key == "train.headline" and set(got) == fields(key)
    assert got["gain"] == pytest.approx(1.2) and got["se"] == pytest.approx(0.4) and got["n"] == 1000
    assert got["distilled"] == pytest.approx(90.0) and got["baseline"] == pytest.approx(88.8)
    key, got = ks.noise_message(g)  # 1.2 ± 1.96 × 0.4 points: 0.416 to 1.984, above 0
    assert key == "train.signal" and fields(key) <= set(got)  # the same fields as train.noise (which says n)
    assert (got["lo"], got["hi"], got["z"]) == pytest.approx((1.2 - Z95 * 0.4, 1.2 + Z95 * 0.4, 3.0))
    assert (got["discordant"], got["only_d"], got["only_b"]) == (48, 30, 18)


def test_three_seeds_headline_and_noise():
    group = [run(distilled=d, baseline=b, seed=s) for d, b, s in ((0.90, 0.88, 4), (0.92, 0.89, 5), (0.94, 0.90, 6))]
    g = PairedGain(gain=-0.001, se=0.002, n=500, seeds=3, only_distilled=5, only_baseline=8)
    key, got = ks.headline_message(g, group)
    assert key == "train.headline_seeds" and set(got) == fields(key)
    # gains 2, 3, 4 points: mean 3, sample std 1; distilled 92 ± 2 %, baseline 89 ± 1 %
    assert got["n_seeds"] == 3 and got["seeds"] == "4, 5, 6"
    assert (got["gain"], got["gain_std"]) == pytest.approx((3.0, 1.0))
    assert (got["distilled"], got["baseline"]) == ("92.0 ± 2.0", "89.0 ± 1.0")
    key, got = ks.noise_message(g)  # −0.1 ± 0.392 points holds 0
    assert key == "train.noise" and fields(key) <= set(got)
    assert (got["lo"], got["hi"], got["z"]) == pytest.approx((-0.1 - Z95 * 0.2, -0.1 + Z95 * 0.2, 0.5))


def test_run_header_lead_and_disagreements():
    header, dkd = ks.run_header_fields(run(run_id=3, seed=9, hidden=(32,), T=8.0, gamma=0.5, epochs=1))
    assert header == {"run": 3, "arch": "784-32-10", "T": 8.0, "gamma": 0.5, "seed": 9, "epochs": 1} and dkd is None
    assert set(header) == fields("train.run_header")
    _, dkd = ks.run_header_fields(run(method="dkd", alpha=1.0, beta=4.0, warmup=2))
    assert dkd == {"alpha": 1.0, "beta": 4.0, "warmup": 2} and set(dkd) == fields("train.run_dkd")
    assert ks.lead_message(7, 4, 10) == ("train.lead_since", {"ahead": 7, "epochs": 10, "since": 4})
    assert ks.lead_message(3, None, 10)[0] == "train.lead_not"
    assert ks.disagreement_count(0.987, 1000) == 13 and ks.disagreement_count(1.0, 1000) == 0


def test_every_key_is_in_the_catalog():
    keys = [*ks.METHOD_NAMES.values(), *ks.MODELS.values(), *ks.HISTORY_HEADERS.values()]
    assert all(k in MESSAGES for k in keys)
    assert set(ks.HISTORY_FORMATS) <= set(ks.HISTORY_HEADERS)


def test_every_divergence_has_a_name():
    from kdviz.maths.divergences import DIVERGENCES

    assert tuple(ks.LOSS_NAMES) == DIVERGENCES
