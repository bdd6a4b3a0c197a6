"""Fewer labels: semi-supervised distillation on a stratified, seeded fraction of the train labels."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
import torch

from kdviz.base.progress import Progress, report
from kdviz.train.loop import TrainConfig, train_student
from kdviz.train.resources import Resources

__all__ = ["check_label_fraction", "label_mask", "matched_epochs", "fewer_labels_run", "fewer_labels"]


def check_label_fraction(fraction) -> float:
    """Return ``fraction`` as a float, or raise ``ValueError`` (one line) unless it lies in (0, 1]."""
    try:
        value = float(fraction)
    except (TypeError, ValueError):
        raise ValueError(f"label fraction must be a number in (0, 1], got {fraction!r}") from None
    if not 0.0 < value <= 1.0:  # also rejects NaN
        raise ValueError(f"label fraction must be in (0, 1], got {fraction!r}")
    return value


def label_mask(y: torch.Tensor | np.ndarray, fraction: float, seed: int) -> np.ndarray:
    """Which labels to keep: a stratified, seeded bool mask of shape (N,).

    Each class keeps ``round(fraction · n_c)`` of its ``n_c`` examples, at least one.
    """
    fraction = check_label_fraction(fraction)
    y = np.asarray(y)
    rng = np.random.default_rng(seed)
    keep = np.zeros(len(y), dtype=bool)
    for c in np.unique(y):
        rows = np.flatnonzero(y == c)
        k = max(1, int(round(fraction * len(rows))))
        keep[rng.choice(rows, size=k, replace=False)] = True
    return keep


def matched_epochs(config: TrainConfig, n_all: int, n_labelled: int) -> int:
    """Epochs on ``n_labelled`` digits that take about as many optimiser steps as ``config.epochs`` on ``n_all``.

    Never fewer than ``config.epochs``: on 40 digits, 30 epochs would be 30 steps.
    """
    steps = config.epochs * math.ceil(n_all / config.batch_size)
    return max(config.epochs, int(round(steps / math.ceil(n_labelled / config.batch_size))))


def fewer_labels_run(res: Resources, fraction: float, config: TrainConfig = TrainConfig()) -> dict:
    """One seed (``config.seed``) of the fewer-labels experiment.

    * distilled: ``gamma·soft + (1−gamma)·hard`` on all 4,000 train images; the hard term
      only on the labelled ones (the others carry target −1).
    * baseline: γ = 0 on the labelled images alone, from the same initialisation, with
      its epochs scaled (:func:`matched_epochs`) so that it takes about as many optimiser
      steps as the distilled student.

    Returns a dict: fraction, seed, n_labelled, distilled_acc, baseline_acc, baseline_epochs, seconds.
    """
    data = res.data
    keep = label_mask(data.y_train, fraction, config.seed)
    targets = torch.where(torch.from_numpy(keep), data.y_train, torch.full_like(data.y_train, -1))
    distilled = train_student(data, res.logits, config, targets=targets)
    labelled = np.flatnonzero(keep)
    baseline_epochs = matched_epochs(config, len(data.y_train), len(labelled))
    base = train_student(data, res.logits, config.replace(gamma=0.0, epochs=baseline_epochs), train_index=labelled)
    return {
        "fraction": float(fraction),
        "seed": config.seed,
        "n_labelled": int(keep.sum()),
        "distilled_acc": distilled.test_acc,
        "baseline_acc": base.test_acc,
        "baseline_epochs": baseline_epochs,
        "seconds": round(distilled.seconds + base.seconds, 3),
    }


def fewer_labels(
    res: Resources,
    fractions: Sequence[float] = (0.01, 0.05, 0.1, 0.25, 1.0),
    seeds: Sequence[int] = (0, 1, 2),
    config: TrainConfig = TrainConfig(),
    *,
    progress: Progress = None,
) -> pd.DataFrame:
    """Test accuracy vs label fraction, distilled and labels-only, one row per (fraction, seed).

    Columns: fraction, seed, n_labelled, distilled_acc, baseline_acc, baseline_epochs, seconds.
    Summarise with ``kdviz.maths.stats.mean_std(df, "fraction", ["distilled_acc", "baseline_acc"])``.
    """
    jobs = [(f, s) for f in fractions for s in seeds]
    rows = []
    for i, (f, s) in enumerate(jobs):
        report(progress, i / len(jobs), "progress.lab_fewer", fraction=f, seed=s)
        rows.append(fewer_labels_run(res, f, config.replace(seed=s)))
    report(progress, 1.0, "progress.lab_done")
    return pd.DataFrame(rows)
