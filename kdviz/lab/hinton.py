"""Hinton's MNIST table (Hinton, Vinyals & Dean 2015, §3), on any data set kdviz loads.

The paper's numbers, on full MNIST (60,000 train / 10,000 test images): the teacher makes 67 test
errors; a 784-800-800-10 student trained on the labels makes 146, the same student distilled at T = 20
makes 74; with the 3s left out of the transfer set the distilled student makes 206 errors, and 109
after the 3s' logit bias is raised by 3.5. :func:`hinton_table` measures the same rows, as errors out of
the test set, mean ± sample std over seeds: the labels-only student is the γ = 0 run of the same
architecture, seed and batches as the distilled one.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch

from kdviz.base.progress import Progress, report
from kdviz.lab.omitted import omit_class_run
from kdviz.lab.results import mean_std_keys
from kdviz.train.loop import TrainConfig, train_pair
from kdviz.train.resources import Resources

__all__ = ["HINTON_CONFIG", "PAPER", "hinton_table"]

HINTON_CONFIG = TrainConfig(hidden=(800, 800), epochs=20, T=20.0, gamma=0.9)  # the paper's student and T
PAPER = {"teacher_errors": 67, "student_errors": 146, "distilled_errors": 74, "omitted_class": 3,
         "omitted_errors": 206, "omitted_errors_after_bias": 109, "best_bias": 3.5}  # full MNIST, Hinton et al. §3


def _errors(logits: torch.Tensor, y: torch.Tensor) -> int:
    """Test errors: rows of ``logits`` (n, 10) whose argmax is not ``y`` (n,)."""
    return int((logits.argmax(1) != y).sum())


def hinton_table(res: Resources, seeds: Sequence[int] = (0, 1, 2), config: TrainConfig = HINTON_CONFIG, *,
                 omitted: int = 3, progress: Progress = None) -> dict:
    """The table's rows on ``res``'s data set: errors out of its test set.

    Parameters
    ----------
    res : Resources
        The data set and its teacher.
    seeds : sequence of int
        One student of each kind per seed (initialisation and batch order).
    config : TrainConfig, optional
        The distilled student (784-800-800-10, T = 20, γ = 0.9, 20 epochs by default); the labels-only
        student is ``config`` at γ = 0, the omitted-class student ``config`` with class ``omitted`` removed
        from the transfer set (its bias chosen on held-out train images, :func:`kdviz.lab.omitted.omit_class_run`).
    omitted : int, keyword-only
        The class left out, 0–9 (the paper left out the 3s).

    Returns
    -------
    dict
        ``teacher_errors``, then ``student_errors``, ``distilled_errors``, ``omitted_errors`` (bias 0),
        ``omitted_errors_after_bias``, ``best_bias``, each a mean with its ``_std`` over the seeds; the
        per-seed values (``runs``), ``n_test``, ``omitted_class``, ``seeds``, ``config`` and the mean seconds
        per epoch of each kind (``epoch_seconds``).
    """
    y = res.data.y_test
    runs, steps = [], {"student": [], "distilled": [], "omitted": []}
    for i, seed in enumerate(seeds):
        report(progress, i / len(seeds), "progress.lab_seed", seed=seed)
        c = config.replace(seed=seed)
        distilled, labels_only = train_pair(res.data, res.logits, c)  # γ = 0 from the same start, on the other core
        left_out = omit_class_run(res, omitted, c)
        n = len(y)
        runs.append({
            "seed": seed,
            "student_errors": _errors(labels_only.test_logits, y),
            "distilled_errors": _errors(distilled.test_logits, y),
            "omitted_errors": round(n * (1.0 - left_out["test_acc"])),
            "omitted_errors_after_bias": round(n * (1.0 - left_out["test_acc_after_bias"])),
            "best_bias": left_out["best_bias"],
        })
        for kind, run in (("student", labels_only), ("distilled", distilled), ("omitted", left_out["result"])):
            steps[kind] += run.epoch_seconds
    report(progress, 1.0, "progress.lab_done")
    out = {"teacher_errors": _errors(res.logits.test, y), "n_test": int(len(y)), "omitted_class": int(omitted)}
    for key in ("student_errors", "distilled_errors", "omitted_errors", "omitted_errors_after_bias", "best_bias"):
        out |= mean_std_keys([float(r[key]) for r in runs], key)  # std: None for one seed
    return out | {"runs": runs, "seeds": [int(s) for s in seeds], "config": config.to_dict(),
                  "epoch_seconds": {k: sum(v) / len(v) for k, v in steps.items() if v}}
