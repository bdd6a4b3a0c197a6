"""kdviz.lab.verdicts, what the Lab says of a result, against values worked out by hand (not its own output)."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from kdviz.lab import verdicts as vd


def test_pm_and_pp_are_percent_and_points():
    assert vd.pm(0.952, 0.004) == "95.2 ± 0.4 %"
    assert vd.pm(0.9, None) == "90.0 %" and vd.pm(0.9, math.nan) == "90.0 %"  # one seed: no ±
    assert vd.pp(0.012, 0.004) == "+1.2 ± 0.4 pp" and vd.pp(-0.005) == "-0.5 pp" and vd.pp(0.0) == "+0.0 pp"
    assert vd.pm_column([0.5, 0.25, 1.0], [0.01, math.nan, None]) == ["50.0 ± 1.0 %", "25.0 %", "100.0 %"]


def test_fewer_labels_lines_are_means_over_seeds():
    df = pd.DataFrame({"fraction": [0.1, 0.1, 1.0, 1.0], "seed": [1, 0, 1, 0],
                       "distilled_acc": [0.80, 0.90, 0.96, 0.96], "baseline_acc": [0.70, 0.70, 0.95, 0.97]})
    lines = vd.fewer_labels_lines(vd.fewer_labels_summary(df), df)
    # mean 0.85, sample std of (0.8, 0.9) = 0.0707 → 7.1; of (0.95, 0.97) = 0.0141 → 1.4
    assert lines == [{"fraction": 0.1, "distilled": "85.0 ± 7.1 %", "baseline": "70.0 ± 0.0 %", "seeds": [0, 1]},
                     {"fraction": 1.0, "distilled": "96.0 ± 0.0 %", "baseline": "96.0 ± 1.4 %", "seeds": [0, 1]}]


def test_self_distill_reads_the_last_epoch():
    ba = pd.DataFrame({"generation": [0, 0], "seed": [2, 0], "test_acc": [0.9, 0.9]})
    sn = pd.DataFrame({"arm": ["labels_only", "self_distilled"] * 2, "epoch": [3, 3, 4, 4], "seed": [0, 0, 0, 0],
                       "test_acc": [0.10, 0.20, 0.911, 0.925]})
    assert vd.self_distill_fields(ba, sn, 4) == {"epochs": 4, "labels": "91.1 %", "self": "92.5 %", "seeds": [0, 2]}
    assert [vd.default_switch(e) for e in (1, 2, 3, 10, 30)] == [1, 1, 2, 6, 20]


def test_merge_metrics():
    s = {"teacher_a_acc": 0.4975, "teacher_b_acc": 0.482, "merged_student_acc": 0.93, "merged_student_std": 0.002,
         "joint_student_acc": 0.95, "joint_student_std": None}
    assert vd.merge_metrics(s) == [("lab.teacher_a", "49.8 %"), ("lab.teacher_b", "48.2 %"), ("lab.merged", "93.0 ± 0.2 %"),
                                   ("lab.joint", "95.0 %")]


def test_omit_fields_at_a_bias():
    runs = pd.DataFrame({"seed": [0, 1], "best_bias": [2.0, 3.5], "omitted_class_acc": [0.2, 0.4],
                         "omitted_class_acc_after_bias": [0.8, 0.8], "test_acc_after_bias": [0.95, 0.97]})
    curves = pd.DataFrame({"bias": [0.0, 0.0, 1.5, 1.5], "seed": [0, 1, 0, 1], "omitted_acc": [0.2, 0.4, 0.6, 0.7],
                           "acc": [0.9, 0.9, 0.93, 0.93]})
    f = vd.omit_fields(3, runs, curves, 1.5)
    assert f == {"bias": 1.5, "digit": 3, "here": "65.0 ± 7.1 %", "here_all": "93.0 ± 0.0 %", "zero": "30.0 ± 14.1 %",
                 "best": "2, 3.5", "after": "80.0 ± 0.0 %", "after_all": "96.0 ± 1.4 %", "seeds": [0, 1]}
    assert vd.omit_best_bias(runs) == 2.75
    per_class = pd.DataFrame({"bias": [0.0, 1.5, 1.5, 1.5], "digit": [3, 3, 3, 4], "seed": [0, 0, 1, 0], "acc": [0.0, 0.5, 0.7, 0.9]})
    at = vd.omit_at_bias(per_class, 1.5).set_index("digit")
    assert at.loc[3, "acc_mean"] == pytest.approx(0.6) and at.loc[4, "acc_mean"] == pytest.approx(0.9) and len(at) == 2


def test_sweep_counts_and_best_cell():
    assert vd.sweep_runs([1.0, 4.0], [0.0, 0.5, 0.9], 3) == 2 * 2 * 3 + 3  # γ = 0 once per seed, whatever T
    assert vd.sweep_runs([1.0, 4.0, 8.0], [0.5], 2) == 6 and vd.sweep_runs([4.0], [0.0], 5) == 5
    cells = pd.DataFrame({"T": [1.0, 4.0, 8.0], "gamma": [0.5, 0.9, 0.9], "test_acc_mean": [0.90, 0.97, 0.95],
                          "test_acc_std": [0.01, 0.003, 0.002]})
    df = pd.DataFrame({"seed": [1, 0, 1]})
    assert vd.best_cell_fields(cells, df, 12) == {"T": 4.0, "gamma": 0.9, "acc": "97.0 ± 0.3 %", "seeds": [0, 1], "epochs": 12}


def test_dkd_sentences():
    h = {"n": 3, "epochs": 10, "T": 4.0, "warmup": 1, "kd": (0.95, 0.01), "beta1": None, "best_beta": 8.0,
         "best": (0.962, 0.002), "gain": 0.012, "within_noise": False}
    f = vd.dkd_fields(h)
    assert f["kd"] == "95.0 ± 1.0 %" and f["beta1"] == "–" and f["best"] == "96.2 ± 0.2 %" and f["gain"] == pytest.approx(1.2)
    assert vd.dkd_fields({**h, "beta1": (0.9, None)})["beta1"] == "90.0 %"
    assert vd.dkd_noise_key(h) == "lab.dkd_signal" and vd.dkd_noise_key({**h, "within_noise": True}) == "lab.dkd_noise"
    assert vd.dkd_noise_key({**h, "within_noise": None}) is None
    df = pd.DataFrame({"method": ["kd", "dkd"], "beta": [math.nan, 2.0]})
    assert vd.dkd_labels(df) == [("plots_lab.dkd_kd", {}), ("plots_lab.dkd_beta", {"beta": 2.0})]


def test_features_best_and_choices():
    out = {"rows": [{"method": "labels", "test_acc": 0.99, "test_acc_std": None},
                    {"method": "logits", "test_acc": 0.95, "test_acc_std": 0.01},
                    {"method": "logits+hint", "test_acc": 0.96, "test_acc_std": 0.02},
                    {"method": "logits+attention", "test_acc": 0.96, "test_acc_std": 0.0}],
           "seeds": [0, 1], "config": {"epochs": 3}, "n_train": 4000}
    assert vd.features_best(out) == "logits+hint"  # labels is not a method of distillation; a tie keeps the first
    assert vd.features_fields(out) == {"labels": "99.0 %", "acc": "96.0 ± 2.0 %", "n": 2, "epochs": 3, "n_train": 4000}
    assert vd.features_choices(out, {"labels": 1, "logits": 1, "logits+hint": 1}) == (["logits", "logits+hint"], 1)
    assert vd.features_choices(out, ["logits+attention", "labels"]) == (["logits+attention"], 0)  # the best not at hand


def test_assistants_for_the_narrowest_student():
    assert vd.assistants_for([32, 8], [16, 64, 256]) == [256]
    assert vd.assistants_for([300], [16, 64, 256]) == []


def headline(**changes) -> dict:
    h = {"student": 8, "best_teacher": "early_1", "best_gain": 0.02, "best_std": 0.004, "top_teacher": "shipped",
         "top_gain": 0.005, "top_std": None, "gap": 0.015, "gap_verdict": "helps", "shrinks": None, "peak_student": 64,
         "peak_gain": 0.03, "peak_std": 0.01, "by_student": [(8, 0.005, 0.001), (64, -0.01, 0.002)], "finished": "shipped",
         "early": {}, "early_small": {}, "finished_mean": 0.01, "finished_small": -0.002, "early_verdict": None,
         "assistant": 128, "assistant_gain": -0.004, "assistant_std": 0.001, "assistant_verdict": "hurts", "n_seeds": 3}
    return {**h, **changes}


def name(key: str) -> str:
    return key.upper()


def test_capacity_gap_says_which_teacher():
    key, f = vd.capacity_gap(headline(), 5, name)
    assert key == "lab.capacity_gap_yes" and f == {"student": 8, "best": "EARLY_1", "best_gain": "+2.0 ± 0.4 pp", "top": "SHIPPED",
                                                   "top_gain": "+0.5 pp", "gap": pytest.approx(1.5), "n": 3, "epochs": 5}
    assert vd.capacity_gap(headline(gap_verdict="noise"), 5, name)[0] == "lab.capacity_gap_noise"
    assert vd.capacity_gap(headline(best_teacher="shipped", gap_verdict="helps"), 5, name)[0] == "lab.capacity_gap_no"


def test_capacity_shrinks():
    assert vd.capacity_shrinks(headline(), name) is None  # one student
    key, f = vd.capacity_shrinks(headline(shrinks="yes"), name)
    assert key == "lab.capacity_shrinks_yes" and f == {"top": "SHIPPED", "peak": 64, "peak_gain": "+3.0 ± 1.0 pp",
                                                       "by_student": "8: +0.5 ± 0.1 pp, 64: -1.0 ± 0.2 pp"}
    assert vd.capacity_shrinks(headline(shrinks="noise"), name)[0] == "lab.capacity_shrinks_noise"
    assert vd.capacity_shrinks(headline(shrinks="no"), name)[0] == "lab.capacity_shrinks_no"


def test_capacity_early():
    assert vd.capacity_early(headline(), name) is None  # no checkpoints
    h = headline(early={"early_3": (0.012, 0.002, 0.001, "helps")}, early_small={"early_3": 0.0}, early_verdict="helps")
    key, f = vd.capacity_early(h, name)
    assert key == "lab.capacity_early_helps"
    assert f == {"early1": "–", "early3": "+1.2 pp", "finished": "SHIPPED", "finished_mean": "+1.0 pp", "student": 8,
                 "early1_small": "–", "early3_small": "+0.0 pp", "finished_small": "-0.2 pp"}
    assert vd.capacity_early({**h, "early_verdict": "hurts"}, name)[0] == "lab.capacity_early_hurts"
    assert vd.capacity_early({**h, "early_verdict": "noise"}, name)[0] == "lab.capacity_early_noise"


def test_capacity_assistant():
    key, f = vd.capacity_assistant(headline())
    assert key == "lab.capacity_ta_hurts" and f == {"hidden": 128, "gain": "-0.4 ± 0.1 pp", "student": 8, "n": 3}
    assert vd.capacity_assistant(headline(assistant_verdict="helps"))[0] == "lab.capacity_ta_helps"
    assert vd.capacity_assistant(headline(assistant_verdict="noise"))[0] == "lab.capacity_ta_noise"
    assert vd.capacity_assistant(headline(n_seeds=1)) is None  # one seed: no verdict
