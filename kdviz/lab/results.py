"""The lab's results as plain JSON, and back.

``python -m kdviz <experiment> --json`` prints the ``*_json`` dicts, and ``--ship`` writes them to
``kdviz/results/`` (:mod:`kdviz.lab.shipped`). The Lab page turns a shipped one back into the
DataFrames a Run of its tab gives (``*_frames``), so both are drawn by the same code. Each dict
holds the per-run rows (``rows`` / ``*_rows``) the figures need, the means ± sample std the CLI
prints, the ``seeds`` and the ``config``. NaN is None in JSON.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import torch

from kdviz.lab.labels import label_mask, matched_epochs
from kdviz.lab.omitted import holdout_split, omit_class_run
from kdviz.maths.stats import mean_std, none_if_nan, sample_std, to_json_rows
from kdviz.train.experiments import distill_report
from kdviz.train.loop import TrainConfig, train_student
from kdviz.train.resources import Resources

__all__ = [
    "frame", "distill_json", "fewer_labels_json", "fewer_labels_frames", "fewer_labels_headline", "self_distill_json",
    "self_distill_frames", "merge_json", "merge_frames", "omit_class_json", "omit_class_frames", "sweep_json",
    "sweep_frame", "JSON_MODEL_NAMES", "mean_std_keys",
]

# merge --json's ``per_class`` is keyed by these names (kept from before the models had ids)
JSON_MODEL_NAMES = {"teacher_a": "teacher A", "teacher_b": "teacher B", "concat": "teachers concatenated",
                    "merged": "merged student", "joint": "joint student"}


def frame(rows: list[dict], floats: tuple[str, ...] = ()) -> pd.DataFrame:
    """The inverse of :func:`kdviz.maths.stats.to_json_rows`: a DataFrame, with None as NaN in the ``floats`` columns."""
    df = pd.DataFrame(rows)
    return df.astype({c: float for c in floats if c in df.columns})


def mean_std_keys(values: list[float], name: str, std_name: str | None = None) -> dict:
    """``{name: mean, std_name (default name_std): sample std or None}``."""
    return {name: float(np.mean(values)), std_name or f"{name}_std": none_if_nan(sample_std(values))}


# ---------------------------------------------------------------- distill with lab options


def distill_json(res: Resources, config: TrainConfig = TrainConfig(), *, label_fraction: float = 1.0, omit: int | None = None,
                 baseline: bool = False, holdout_fraction: float = 0.1) -> dict:
    """``python -m kdviz distill`` with ``--label-fraction`` and/or ``--omit-class``.

    The keys of :func:`kdviz.train.experiments.distill_report`, plus ``label_fraction``,
    ``n_labelled`` and, with ``baseline``, ``baseline_epochs``; with ``omit``:
    ``omitted_class``, ``omitted_class_acc``, ``best_bias``, ``omitted_class_acc_after_bias``,
    ``test_acc_after_bias``, ``n_transfer``, ``n_heldout``. The baseline is γ = 0 on the
    labelled digits of the transfer set alone, for as many steps as the distilled student.
    """
    data = res.data
    keep = label_mask(data.y_train, label_fraction, config.seed)
    targets = torch.where(torch.from_numpy(keep), data.y_train, torch.full_like(data.y_train, -1))
    out: dict = {"label_fraction": float(label_fraction)}
    if omit is None:
        transfer = np.arange(len(data.y_train))
        student = train_student(data, res.logits, config, targets=targets)
    else:
        o = omit_class_run(res, omit, config, holdout_fraction=holdout_fraction, targets=targets)
        student = o["result"]
        transfer, _ = holdout_split(data.y_train, omit, holdout_fraction, config.seed)
        out.update({k: o[k] for k in ("omitted_class", "omitted_class_acc", "best_bias", "omitted_class_acc_after_bias",
                                      "test_acc_after_bias", "n_transfer", "n_heldout")})
    labelled = transfer[keep[transfer]]
    out["n_labelled"] = int(len(labelled))
    base = None
    if baseline:
        out["baseline_epochs"] = matched_epochs(config, len(transfer), len(labelled))
        base = train_student(data, res.logits, config.replace(gamma=0.0, epochs=out["baseline_epochs"]), train_index=labelled)
    return {**out, **distill_report(res, student, base)}


# ---------------------------------------------------------------- fewer labels


def fewer_labels_json(df: pd.DataFrame, config: TrainConfig) -> dict:
    """:func:`kdviz.lab.fewer_labels`'s rows as JSON: ``rows``, ``summary`` (per fraction: the means and
    stds of distilled_acc, baseline_acc and gain = distilled − baseline, and n), ``fractions``, ``seeds``, ``config``."""
    summary = mean_std(df.assign(gain=df["distilled_acc"] - df["baseline_acc"]), "fraction",
                       ["distilled_acc", "baseline_acc", "gain"])
    return {"rows": to_json_rows(df), "summary": to_json_rows(summary), "fractions": sorted(float(f) for f in df["fraction"].unique()),
            "seeds": [int(s) for s in dict.fromkeys(df["seed"])], "config": config.to_dict()}


def fewer_labels_frames(result: dict) -> pd.DataFrame:
    """The rows of :func:`fewer_labels_json`, as :func:`kdviz.lab.fewer_labels` returns them."""
    return frame(result["rows"], ("distilled_acc", "baseline_acc"))


def fewer_labels_headline(df: pd.DataFrame) -> dict:
    """The fewer-labels result at its smallest label fraction, where distillation helps most.

    ``df``: the rows of :func:`kdviz.lab.fewer_labels` (or :func:`fewer_labels_frames`).
    Returns ``fraction``, ``n_labelled`` (digits with a label), ``distilled`` / ``baseline``
    (mean test accuracy over seeds, fractions), ``distilled_std`` / ``baseline_std`` (sample
    std, NaN for one seed), ``gain`` (difference of the means) and ``seeds`` (sorted list).
    """
    at = df[df["fraction"] == df["fraction"].min()]
    if at.empty:
        raise ValueError("no fewer-labels rows")
    d, b = at["distilled_acc"].tolist(), at["baseline_acc"].tolist()
    return {"fraction": float(at["fraction"].iloc[0]), "n_labelled": int(at["n_labelled"].iloc[0]) if "n_labelled" in at else None,
            "distilled": float(np.mean(d)), "distilled_std": sample_std(d), "baseline": float(np.mean(b)),
            "baseline_std": sample_std(b), "gain": float(np.mean(d) - np.mean(b)), "seeds": sorted(int(s) for s in at["seed"])}


# ---------------------------------------------------------------- self-distillation


def self_distill_json(born: pd.DataFrame, snapshot: pd.DataFrame | None, config: TrainConfig, switch_epoch: int | None) -> dict:
    """Both self-distillation experiments as JSON (``python -m kdviz self-distill``).

    Keys: generation_acc (mean test accuracy per generation, generation 0 first),
    generation_std, per_seed (seed → list of accuracies), snapshot (switch_epoch,
    phase1_acc, labels_only_acc, self_distilled_acc, each with ``_std``; None without a
    snapshot), seeds, config, and the rows: born_again_rows, snapshot_rows.
    """
    seeds = [int(s) for s in dict.fromkeys(born["seed"])]  # in the order run
    by_gen = born.groupby("generation")["test_acc"]
    summary = None
    if snapshot is not None:
        summary = {"switch_epoch": int(switch_epoch)}
        for arm, epoch in (("phase1", switch_epoch), ("labels_only", config.epochs), ("self_distilled", config.epochs)):
            acc = snapshot[(snapshot["arm"] == arm) & (snapshot["epoch"] == epoch)]["test_acc"].tolist()
            summary.update(mean_std_keys(acc, f"{arm}_acc", f"{arm}_std"))
    return {
        "generation_acc": [float(v) for v in by_gen.mean()],
        "generation_std": [none_if_nan(sample_std(v.tolist())) for _, v in by_gen],
        "per_seed": {str(s): born[born["seed"] == s]["test_acc"].tolist() for s in seeds},
        "snapshot": summary,
        "seeds": seeds,
        "config": config.to_dict(),
        "born_again_rows": to_json_rows(born),
        "snapshot_rows": [] if snapshot is None else to_json_rows(snapshot),
    }


def self_distill_frames(result: dict) -> tuple[pd.DataFrame, pd.DataFrame, int, int] | None:
    """``(born_again rows, snapshot rows, switch epoch, epochs)`` as the Lab page's Run keeps them; None without a snapshot."""
    if not result.get("snapshot"):
        return None
    born = frame(result["born_again_rows"], ("test_acc", "agreement_with_parent"))
    return born, frame(result["snapshot_rows"], ("test_acc",)), int(result["snapshot"]["switch_epoch"]), int(result["config"]["epochs"])


# ---------------------------------------------------------------- two teachers


def merge_json(per_class: pd.DataFrame, summary: dict, config: TrainConfig) -> dict:
    """:func:`kdviz.lab.merge_teachers` as JSON (``python -m kdviz merge``): its summary (NaN as None), ``per_class``
    (model name → 10 per-digit accuracies, mean over seeds; None where a teacher does not know the digit),
    ``per_class_rows`` (the rows, models by id), ``config`` (γ = 1)."""
    out = {k: none_if_nan(v) if isinstance(v, float) else v for k, v in summary.items()}
    table = mean_std(per_class, ["model", "digit"], "acc")
    out["per_class"] = {JSON_MODEL_NAMES[m]: [none_if_nan(float(a)) for a in g.sort_values("digit")["acc_mean"]]
                        for m, g in table.groupby("model")}
    out["config"] = config.replace(gamma=1.0).to_dict()
    out["per_class_rows"] = to_json_rows(per_class)
    return out


def merge_frames(result: dict) -> tuple[pd.DataFrame, dict]:
    """``(per_class rows, summary)`` as :func:`kdviz.lab.merge_teachers` returns them (stds may be None)."""
    return frame(result["per_class_rows"], ("acc",)), result


# ---------------------------------------------------------------- a digit never seen


def omit_class_json(omitted: int, runs: pd.DataFrame, per_class: pd.DataFrame, curves: pd.DataFrame, config: TrainConfig,
                    *, holdout_fraction: float = 0.1) -> dict:
    """:func:`kdviz.lab.omit_class` as JSON (``python -m kdviz omit-class``).

    Keys: omitted_class; test_acc, omitted_class_acc, omitted_class_acc_after_bias,
    test_acc_after_bias (means over seeds, each with ``_std``); best_bias (one per seed);
    n_transfer, n_heldout (seed 0's); seeds, config, holdout_fraction; and the rows:
    ``runs`` (one per seed), ``per_class`` (per seed, bias and digit), ``curves`` (per seed and bias).
    """
    out: dict = {"omitted_class": int(omitted)}
    for name in ("test_acc", "omitted_class_acc", "omitted_class_acc_after_bias", "test_acc_after_bias"):
        out.update(mean_std_keys(runs[name].tolist(), name))
    out.update(best_bias=[float(b) for b in runs["best_bias"]], n_transfer=int(runs["n_transfer"].iloc[0]),
               n_heldout=int(runs["n_heldout"].iloc[0]), seeds=[int(s) for s in runs["seed"]], config=config.to_dict(),
               holdout_fraction=float(holdout_fraction), runs=to_json_rows(runs), per_class=to_json_rows(per_class), curves=to_json_rows(curves))
    return out


def omit_class_frames(result: dict) -> tuple[int, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """``(digit, runs, per_class, curves)`` as the Lab page's Run keeps them."""
    return (int(result["omitted_class"]), frame(result["runs"]), frame(result["per_class"], ("acc",)),
            frame(result["curves"], ("omitted_acc", "acc", "balanced_acc")))


# ---------------------------------------------------------------- the T × γ sweep


def sweep_json(df: pd.DataFrame, *, n_jobs: int) -> dict:
    """:func:`kdviz.train.sweep.sweep`'s rows as JSON (``python -m kdviz sweep``): ``rows``, ``cells`` (mean and std per
    T, γ), ``wall_seconds``, ``cached``, ``n_jobs``, ``epochs``, ``seeds`` and ``key`` (``df.attrs["key"]``,
    :func:`kdviz.train.sweep.sweep_key`)."""
    from kdviz.train.sweep import summarise_sweep

    key = df.attrs["key"]
    return {
        "rows": to_json_rows(df),
        "cells": to_json_rows(summarise_sweep(df)),
        "wall_seconds": round(df.attrs["wall_seconds"], 2),
        "cached": bool(df.attrs["cached"]),
        "n_jobs": int(n_jobs),
        "epochs": int(key["epochs"]),
        "seeds": list(key["seeds"]),
        "key": key,
    }


def sweep_frame(result: dict, key: dict | None = None) -> pd.DataFrame | None:
    """The rows of :func:`sweep_json` as :func:`kdviz.train.sweep.sweep` returns them; None when ``key`` is given
    and the result is for another grid."""
    if key is not None and result.get("key") != key:
        return None
    return frame(result["rows"], ("test_acc",))
