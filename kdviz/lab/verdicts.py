"""What the Lab page says of each experiment's result, without Streamlit: the ``±`` strings, which rows a sentence
quotes, and which catalog message (``kdviz/locales``) a verdict reads as, with that message's fields.

Accuracies and gains are fractions (0.952, 0.012) everywhere; they are shown as percentages (:func:`pm`) or as
percentage points (:func:`pp`), one decimal, with the sample std over seeds after ``±`` (none with one seed).
A sentence is ``(key, fields)``: the page renders it with ``ui.tr(key, **fields)``. The page draws; this decides.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence

import pandas as pd

from kdviz.maths.stats import mean_std, plus_minus

__all__ = ["pm", "pp", "pm_column", "seeds_of", "fewer_labels_summary", "fewer_labels_lines", "default_switch",
           "self_distill_fields", "merge_metrics", "omit_best_bias", "omit_at_bias", "omit_fields", "sweep_runs",
           "best_cell_fields", "dkd_fields", "dkd_noise_key", "dkd_labels", "features_by_method", "features_best",
           "features_fields", "features_choices", "assistants_for", "capacity_gap", "capacity_shrinks", "capacity_early",
           "capacity_assistant"]

Sentence = tuple[str, dict]  # (catalog key, its fields)
Name = Callable[[str], str]  # a capacity teacher's key ("shipped", "early_1", …) → the name the page shows


def pm(mean: float, std: float | None = None) -> str:
    """``"95.2 ± 0.4 %"`` from the fractions ``(0.952, 0.004)``; ``"95.2 %"`` when ``std`` is None or NaN (one seed)."""
    return plus_minus(mean, std, scale=100, unit=" %")


def pp(mean: float, std: float | None = None) -> str:
    """``"+1.2 ± 0.4 pp"`` from the fractions ``(0.012, 0.004)``, the sign always written (``"-0.5 pp"``,
    ``"+0.0 pp"``); no ``±`` when ``std`` is None or NaN."""
    return ("+" if mean >= 0 else "") + plus_minus(mean, std, scale=100, unit=" pp")


def pm_column(means: Iterable[float], stds: Iterable[float | None]) -> list[str]:
    """:func:`pm` of each (mean, std) pair, a table's accuracy column; a missing std (None, NaN, pd.NA) gives no ``±``."""
    return [pm(a, None if pd.isna(sd) else sd) for a, sd in zip(means, stds)]


def seeds_of(df: pd.DataFrame) -> list[int]:
    """The distinct values of ``df["seed"]``, ascending (the seeds a sentence names)."""
    return sorted(df["seed"].unique().tolist())


# ---------------------------------------------------------------- fewer labels, self-distillation, two teachers


def fewer_labels_summary(df: pd.DataFrame) -> pd.DataFrame:
    """One row per labelled fraction of ``lab.fewer_labels``'s runs (one row per fraction and seed): ``fraction``,
    ``distilled_acc_mean/_std``, ``baseline_acc_mean/_std`` (fractions), ``n``."""
    return mean_std(df, "fraction", ["distilled_acc", "baseline_acc"])


def fewer_labels_lines(summary: pd.DataFrame, df: pd.DataFrame) -> list[dict]:
    """The fields of ``lab.fewer_result`` for each row of :func:`fewer_labels_summary` (``summary``) of runs ``df``:
    ``fraction`` (0–1), ``distilled``, ``baseline`` (:func:`pm`), ``seeds`` (list of ints)."""
    return [{"fraction": r.fraction, "distilled": pm(r.distilled_acc_mean, r.distilled_acc_std),
             "baseline": pm(r.baseline_acc_mean, r.baseline_acc_std), "seeds": seeds_of(df)} for r in summary.itertuples()]


def default_switch(epochs: int) -> int:
    """The epoch at which snapshot self-distillation switches to its own snapshot by default: two thirds of the run
    (rounded down), at least 1."""
    return max(1, (2 * epochs) // 3)


def self_distill_fields(ba: pd.DataFrame, sn: pd.DataFrame, epochs: int) -> dict:
    """The fields of ``lab.self_result``: each snapshot arm's test accuracy at the last epoch ``epochs``
    (``labels``: ``labels_only``, ``self``: ``self_distilled``, :func:`pm` over seeds), ``epochs``, and the
    born-again runs' (``ba``) ``seeds``. ``sn``: one row per arm, epoch and seed, with ``test_acc``."""
    last = mean_std(sn[sn["epoch"] == epochs], "arm", "test_acc").set_index("arm")
    return {"epochs": epochs, "labels": pm(last.loc["labels_only", "test_acc_mean"], last.loc["labels_only", "test_acc_std"]),
            "self": pm(last.loc["self_distilled", "test_acc_mean"], last.loc["self_distilled", "test_acc_std"]),
            "seeds": seeds_of(ba)}


def merge_metrics(s: Mapping) -> list[tuple[str, str]]:
    """The four metrics of the two-teachers tab, ``(label key, value)``: teacher A's and B's accuracy (one run, no
    ``±``), the merged and the jointly taught student's (:func:`pm` over seeds). ``s``: ``merge_teachers``' summary."""
    return [("lab.teacher_a", pm(s["teacher_a_acc"])), ("lab.teacher_b", pm(s["teacher_b_acc"])),
            ("lab.merged", pm(s["merged_student_acc"], s["merged_student_std"])),
            ("lab.joint", pm(s["joint_student_acc"], s["joint_student_std"]))]


# ---------------------------------------------------------------- a digit never seen


def omit_best_bias(runs: pd.DataFrame) -> float:
    """The mean over seeds of the bias chosen on held-out train digits (``runs``: one row per seed, ``best_bias``)."""
    return float(runs["best_bias"].mean())


def omit_at_bias(per_class: pd.DataFrame, bias: float) -> pd.DataFrame:
    """Per-digit accuracy (mean, std over seeds) with ``bias`` added to the omitted digit's logit. ``per_class``: one
    row per bias, digit and seed, with ``acc``."""
    return mean_std(per_class[per_class["bias"] == bias], "digit", "acc")


def omit_fields(digit: int, runs: pd.DataFrame, curves: pd.DataFrame, bias: float) -> dict:
    """The fields of ``lab.omit_result`` for the omitted ``digit`` at ``bias``: ``here`` / ``here_all`` (the omitted
    digit's and all digits' accuracy at ``bias``, from ``curves``: one row per bias and seed), ``zero`` (the omitted
    digit at bias 0), ``best`` (each seed's chosen bias, ``"2, 3.5"``), ``after`` / ``after_all`` (with the chosen
    bias), all :func:`pm` over seeds; ``bias``, ``digit``, ``seeds`` (``runs``' seeds, in their order)."""
    here = mean_std(curves[curves["bias"] == bias].assign(k=0), "k", ["omitted_acc", "acc"]).iloc[0]
    zero = mean_std(runs.assign(k=0), "k", ["omitted_class_acc", "best_bias", "omitted_class_acc_after_bias",
                                            "test_acc_after_bias"]).iloc[0]
    return {"bias": bias, "digit": digit, "here": pm(here.omitted_acc_mean, here.omitted_acc_std),
            "here_all": pm(here.acc_mean, here.acc_std), "zero": pm(zero.omitted_class_acc_mean, zero.omitted_class_acc_std),
            "best": ", ".join(f"{b:g}" for b in runs["best_bias"]),
            "after": pm(zero.omitted_class_acc_after_bias_mean, zero.omitted_class_acc_after_bias_std),
            "after_all": pm(zero.test_acc_after_bias_mean, zero.test_acc_after_bias_std), "seeds": runs["seed"].tolist()}


# ---------------------------------------------------------------- T × γ sweep, KD vs DKD


def sweep_runs(temps: Sequence[float], gammas: Sequence[float], n_seeds: int) -> int:
    """How many students a T × γ sweep trains: one per T, γ > 0 and seed, and one per seed for γ = 0 (no soft loss,
    so T does not matter)."""
    return len(temps) * len([g for g in gammas if g > 0]) * n_seeds + n_seeds * (0.0 in gammas)


def best_cell_fields(cells: pd.DataFrame, df: pd.DataFrame, epochs: int) -> dict:
    """The fields of ``lab.best_cell``: the (``T``, ``gamma``) cell of ``cells`` (``summarise_sweep``'s, one row per
    cell with ``test_acc_mean/_std``) with the highest mean accuracy, its ``acc`` (:func:`pm`), ``seeds`` of the runs
    ``df``, ``epochs``."""
    best = cells.loc[cells["test_acc_mean"].idxmax()]
    return {"T": best["T"], "gamma": best["gamma"], "acc": pm(best["test_acc_mean"], best["test_acc_std"]),
            "seeds": seeds_of(df), "epochs": epochs}


def dkd_fields(h: Mapping) -> dict:
    """The fields of ``lab.dkd_result`` from ``dkd_headline``'s ``h``: ``kd``, ``beta1`` (``"–"`` without a β = 1
    row), ``best`` (:func:`pm`), ``gain`` (best − KD in percentage points, a float), ``n``, ``epochs``, ``T``,
    ``warmup``, ``best_beta``."""
    return {"n": h["n"], "epochs": h["epochs"], "T": h["T"], "warmup": h["warmup"], "kd": pm(*h["kd"]),
            "beta1": pm(*h["beta1"]) if h["beta1"] else "–", "best_beta": h["best_beta"], "best": pm(*h["best"]),
            "gain": 100 * h["gain"]}


def dkd_noise_key(h: Mapping) -> str | None:
    """``lab.dkd_noise`` when the best DKD row's difference from KD is within the noise, ``lab.dkd_signal`` when
    beyond it, None with one seed (no std: the page says so instead)."""
    if h["within_noise"] is None:
        return None
    return "lab.dkd_noise" if h["within_noise"] else "lab.dkd_signal"


def dkd_labels(df: pd.DataFrame) -> list[Sentence]:
    """Each row's method name as a sentence: ``("plots_lab.dkd_kd", {})`` for KD, ``("plots_lab.dkd_beta",
    {"beta": β})`` for DKD. ``df``: ``dkd_frame``'s rows (``method``, ``beta``)."""
    return [("plots_lab.dkd_kd", {}) if m == "kd" else ("plots_lab.dkd_beta", {"beta": b}) for m, b in zip(df["method"], df["beta"])]


# ---------------------------------------------------------------- beyond logits


def features_by_method(out: Mapping) -> dict[str, dict]:
    """``features_json``'s rows by method, in the rows' order (``labels``, ``logits``, ``hint``, …)."""
    return {r["method"]: r for r in out["rows"]}


def features_best(out: Mapping) -> str:
    """The method other than ``labels`` with the highest mean test accuracy (the first such row on a tie)."""
    by = features_by_method(out)
    return max((m for m in by if m != "labels"), key=lambda m: by[m]["test_acc"])


def features_fields(out: Mapping) -> dict:
    """The fields of ``lab.features_result`` but ``best`` (the method's name, which the page's figures give):
    ``labels``, ``acc`` (the labels-only student's and the best method's, :func:`pm`), ``n`` (seeds), ``epochs``,
    ``n_train`` (training images)."""
    by, best = features_by_method(out), features_best(out)
    return {"labels": pm(by["labels"]["test_acc"], by["labels"]["test_acc_std"]),
            "acc": pm(by[best]["test_acc"], by[best]["test_acc_std"]), "n": len(out["seeds"]),
            "epochs": out["config"]["epochs"], "n_train": out["n_train"]}


def features_choices(out: Mapping, students: Iterable[str]) -> tuple[list[str], int]:
    """The methods whose trained student is at hand (``students``), without ``labels``, in the rows' order, and the
    index to open on: the best method's (:func:`features_best`) when it is among them, else 0."""
    students = set(students)
    methods = [m for m in features_by_method(out) if m in students and m != "labels"]
    best = features_best(out)
    return methods, methods.index(best) if best in methods else 0


# ---------------------------------------------------------------- capacity gap


def assistants_for(students: Sequence[int], assistants: Sequence[int]) -> list[int]:
    """The teacher assistant a capacity run trains: the last of ``assistants`` (hidden sizes, ascending) wider than
    the narrowest of ``students``, as a list of at most one."""
    return [a for a in assistants if a > min(students)][-1:]


def capacity_gap(h: Mapping, epochs: int, name: Name) -> Sentence:
    """Whether the smallest student learns best from a teacher other than the most accurate: ``lab.capacity_gap_no``
    (it is the most accurate), ``_yes`` (another, beyond the noise) or ``_noise``. ``h``: ``capacity_headline``'s;
    gains in :func:`pp`, ``gap`` in percentage points (a float)."""
    key = "lab.capacity_gap_no" if h["best_teacher"] == h["top_teacher"] else \
        "lab.capacity_gap_yes" if h["gap_verdict"] == "helps" else "lab.capacity_gap_noise"
    return key, {"student": h["student"], "best": name(h["best_teacher"]), "best_gain": pp(h["best_gain"], h["best_std"]),
                 "top": name(h["top_teacher"]), "top_gain": pp(h["top_gain"], h["top_std"]), "gap": 100 * h["gap"],
                 "n": h["n_seeds"], "epochs": epochs}


def capacity_shrinks(h: Mapping, name: Name) -> Sentence | None:
    """Whether the most accurate teacher's gain shrinks for the smallest student (``lab.capacity_shrinks_yes`` /
    ``_noise`` / ``_no``), with each student's gain; None with one student."""
    if h["shrinks"] is None:
        return None
    key = {"yes": "lab.capacity_shrinks_yes", "noise": "lab.capacity_shrinks_noise"}.get(h["shrinks"], "lab.capacity_shrinks_no")
    return key, {"top": name(h["top_teacher"]), "peak": h["peak_student"], "peak_gain": pp(h["peak_gain"], h["peak_std"]),
                 "by_student": ", ".join(f"{hidden}: {pp(g, sd)}" for hidden, g, sd in h["by_student"])}


def capacity_early(h: Mapping, name: Name) -> Sentence | None:
    """Whether a teacher stopped early (after 1 or 3 epochs) teaches better than the finished one
    (``lab.capacity_early_helps`` / ``_hurts`` / ``_noise``): mean gains over the students and the smallest student's,
    :func:`pp` without ``±`` (``"–"`` for a checkpoint not run); None without checkpoints."""
    if not h["early"]:
        return None

    def mean(key: str) -> str:
        return pp(h["early"][key][0]) if key in h["early"] else "–"

    def small(key: str) -> str:
        return pp(h["early_small"][key]) if key in h["early_small"] else "–"

    key = {"helps": "lab.capacity_early_helps", "hurts": "lab.capacity_early_hurts"}.get(h["early_verdict"], "lab.capacity_early_noise")
    return key, {"early1": mean("early_1"), "early3": mean("early_3"), "finished": name(h["finished"]),
                 "finished_mean": pp(h["finished_mean"]), "student": h["student"], "early1_small": small("early_1"),
                 "early3_small": small("early_3"), "finished_small": pp(h["finished_small"])}


def capacity_assistant(h: Mapping) -> Sentence | None:
    """Whether the chain teacher → assistant → smallest student beats the teacher alone (``lab.capacity_ta_helps`` /
    ``_hurts`` / ``_noise``), its gain in :func:`pp`; None with one seed."""
    if h["n_seeds"] < 2:
        return None
    key = {"helps": "lab.capacity_ta_helps", "hurts": "lab.capacity_ta_hurts"}.get(h["assistant_verdict"], "lab.capacity_ta_noise")
    return key, {"hidden": h["assistant"], "gain": pp(h["assistant_gain"], h["assistant_std"]), "student": h["student"],
                 "n": h["n_seeds"]}
