"""A digit never seen: one digit is removed from the transfer set; the student still recognises some of
it from the teacher's soft targets (Hinton et al. 2015, §3), and a bias added to that digit's logit,
chosen on held-out TRAIN digits, recovers more."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import torch

from kdviz.base.progress import Progress, report
from kdviz.lab.labels import label_mask
from kdviz.maths.metrics import per_class_accuracy
from kdviz.train.loop import TrainConfig, predict_logits, train_student
from kdviz.train.resources import Resources

__all__ = ["DEFAULT_BIASES", "OMIT_CONFIG", "check_digit", "holdout_split", "bias_curve", "choose_bias", "omit_class_run",
           "omit_class"]

DEFAULT_BIASES = np.round(np.arange(0.0, 10.0001, 0.25), 2)  # logit biases scanned for the omitted digit
OMIT_CONFIG = TrainConfig(T=8.0, gamma=1.0)  # omitted digit: high T, soft loss only (as in the trial)
RUN_KEYS = ("seed", "test_acc", "omitted_class_acc", "best_bias", "omitted_class_acc_after_bias", "test_acc_after_bias",
            "n_transfer", "n_heldout")  # omit_class's per-seed columns


def check_digit(digit) -> int:
    """Return ``digit`` as an int, or raise ``ValueError`` (one line) unless it is a whole number in 0..9."""
    try:
        value = int(digit)
    except (TypeError, ValueError):
        raise ValueError(f"omitted class must be a digit in 0..9, got {digit!r}") from None
    if not 0 <= value <= 9 or value != float(digit):
        raise ValueError(f"omitted class must be a digit in 0..9, got {digit!r}")
    return value


def holdout_split(y: torch.Tensor | np.ndarray, omitted: int, fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Split the TRAIN rows for the omitted-digit experiment.

    Returns ``(transfer, heldout)``, int arrays of train row indices. ``heldout`` holds a
    stratified, seeded ``fraction`` of every other digit plus every train example of the
    omitted digit; ``transfer`` is the rest of the other digits. The omitted digit is
    never in ``transfer``, and the two never overlap.
    """
    omitted = check_digit(omitted)
    if not 0.0 < float(fraction) < 1.0:
        raise ValueError(f"held-out fraction must be in (0, 1), got {fraction}")
    y = np.asarray(y)
    held = label_mask(y, fraction, seed) | (y == omitted)
    return np.flatnonzero(~held), np.flatnonzero(held)


def bias_curve(logits: torch.Tensor, y: torch.Tensor | np.ndarray, omitted: int, biases: Sequence[float] = DEFAULT_BIASES) -> pd.DataFrame:
    """Accuracy as a bias ``b`` is added to the omitted digit's logit.

    Parameters
    ----------
    logits : Tensor of shape (N, 10)
    y : labels of shape (N,)

    Returns one row per bias: bias, omitted_acc (accuracy on the omitted digit's rows),
    acc (all rows), balanced_acc (mean of the ten per-class accuracies).
    """
    y = torch.as_tensor(np.asarray(y))
    rows = []
    for b in biases:
        shifted = logits.clone()
        shifted[:, omitted] += float(b)
        pred = shifted.argmax(1)
        per = per_class_accuracy(pred, y)
        rows.append({"bias": float(b), "omitted_acc": per[omitted], "acc": float((pred == y).float().mean()),
                     "balanced_acc": float(np.nanmean(per))})
    return pd.DataFrame(rows)


def choose_bias(heldout_curve: pd.DataFrame) -> float:
    """The bias with the highest balanced accuracy on the held-out TRAIN digits (the smallest on a tie)."""
    best = heldout_curve["balanced_acc"].max()
    return float(heldout_curve.loc[heldout_curve["balanced_acc"] >= best - 1e-12, "bias"].min())


def omit_class_run(
    res: Resources,
    omitted: int = 3,
    config: TrainConfig = OMIT_CONFIG,
    *,
    holdout_fraction: float = 0.1,
    biases: Sequence[float] = DEFAULT_BIASES,
    targets: torch.Tensor | None = None,
) -> dict:
    """Distil with one digit removed from the transfer set; then fix its logit bias on held-out TRAIN digits.

    The transfer set and the held-out rows come from :func:`holdout_split` (seed
    ``config.seed``). The bias is chosen by :func:`choose_bias` on the held-out train
    rows only; the test labels are used to *report* accuracies, never to choose.

    Returns a dict: omitted_class, per_class_acc (10 floats, bias 0), test_acc,
    omitted_class_acc (bias 0), best_bias, omitted_class_acc_after_bias,
    test_acc_after_bias, n_transfer, n_heldout, seed, seconds, ``test_curve`` /
    ``heldout_curve`` (DataFrames from :func:`bias_curve`) and ``result`` (the TrainResult).
    """
    data = res.data
    transfer, heldout = holdout_split(data.y_train, omitted, holdout_fraction, config.seed)
    run = train_student(data, res.logits, config, targets=targets, train_index=transfer)
    heldout_logits = predict_logits(run.model, data.x_train[torch.from_numpy(heldout)])
    heldout_curve = bias_curve(heldout_logits, data.y_train[torch.from_numpy(heldout)], omitted, biases)
    best = choose_bias(heldout_curve)
    test_curve = bias_curve(run.test_logits, data.y_test, omitted, sorted({0.0, best, *map(float, biases)}))
    at = test_curve.set_index("bias")
    per = per_class_accuracy(run.test_logits.argmax(1), data.y_test)
    return {
        "omitted_class": int(omitted),
        "per_class_acc": per,
        "test_acc": run.test_acc,
        "omitted_class_acc": per[omitted],
        "best_bias": best,
        "omitted_class_acc_after_bias": float(at.loc[best, "omitted_acc"]),
        "test_acc_after_bias": float(at.loc[best, "acc"]),
        "n_transfer": int(len(transfer)),
        "n_heldout": int(len(heldout)),
        "seed": config.seed,
        "seconds": round(run.seconds, 3),
        "test_curve": test_curve,
        "heldout_curve": heldout_curve,
        "result": run,
    }


def omit_class(
    res: Resources,
    omitted: int = 3,
    seeds: Sequence[int] = (0, 1, 2),
    config: TrainConfig = OMIT_CONFIG,
    *,
    holdout_fraction: float = 0.1,
    biases: Sequence[float] = DEFAULT_BIASES,
    progress: Progress = None,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """:func:`omit_class_run` over several seeds.

    Returns
    -------
    runs : one row per seed: seed, test_acc, omitted_class_acc, best_bias,
        omitted_class_acc_after_bias, test_acc_after_bias, n_transfer, n_heldout
    per_class : one row per (seed, bias, digit) on TEST: seed, bias, digit, acc, for every
        bias in ``biases`` (bias 0 is the student as trained)
    curves : one row per (seed, bias) on TEST: seed, bias, omitted_acc, acc, balanced_acc
    """
    runs, per_class, curves = [], [], []
    for i, seed in enumerate(seeds):
        report(progress, i / len(seeds), "progress.lab_seed", seed=seed)
        out = omit_class_run(res, omitted, config.replace(seed=seed), holdout_fraction=holdout_fraction, biases=biases)
        runs.append({k: out[k] for k in RUN_KEYS})
        logits = out["result"].test_logits
        for b in biases:
            shifted = logits.clone()
            shifted[:, omitted] += float(b)
            acc = per_class_accuracy(shifted.argmax(1), res.data.y_test)
            per_class += [{"seed": seed, "bias": float(b), "digit": d, "acc": a} for d, a in enumerate(acc)]
        curve = out["test_curve"]
        curves.append(curve[curve["bias"].isin([float(b) for b in biases])].assign(seed=seed))
    report(progress, 1.0, "progress.lab_done")
    return pd.DataFrame(runs), pd.DataFrame(per_class), pd.concat(curves, ignore_index=True)
