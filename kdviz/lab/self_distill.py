"""Self-distillation: a student taught by a trained copy of its own architecture (born-again), or by a
snapshot of itself taken earlier in the same run (after Yang et al. 2019, "Snapshot Distillation")."""

from __future__ import annotations

import copy
from collections.abc import Sequence

import pandas as pd

from kdviz.base.progress import Progress, report
from kdviz.train.loop import TeacherLogits, TrainConfig, teacher_logits, train_student
from kdviz.train.resources import Resources

__all__ = ["ARMS", "born_again", "snapshot_self_distill"]

ARMS = ("phase1", "labels_only", "self_distilled")  # the snapshot variant's arms, as they appear in its rows


def born_again(
    res: Resources,
    generations: int = 3,
    seeds: Sequence[int] = (0, 1, 2),
    config: TrainConfig = TrainConfig(),
    *,
    progress: Progress = None,
) -> pd.DataFrame:
    """Born-again self-distillation: generation k is taught by generation k − 1.

    Generation 0 is trained on the labels alone (γ = 0). Generation k ≥ 1 is a fresh
    student of the same architecture, initialised from seed ``1000·seed + k``, trained with
    ``config`` (T, γ) against generation k − 1's logits and the labels. The shipped CNN
    teacher is never used.

    Returns a DataFrame, one row per (seed, generation): seed, generation, test_acc,
    agreement_with_parent (NaN for generation 0).
    """
    if int(generations) < 0:
        raise ValueError(f"generations must be ≥ 0, got {generations}")
    data = res.data
    rows = []
    total = len(seeds) * (generations + 1)
    for si, seed in enumerate(seeds):
        parent: TeacherLogits | None = None
        for g in range(generations + 1):
            report(progress, (si * (generations + 1) + g) / total, "progress.lab_generation", seed=seed, generation=g)
            if g == 0:
                # no teacher: the labels only (the logits passed in are ignored at γ = 0)
                run = train_student(data, res.logits, config.replace(gamma=0.0, seed=seed))
                agreement = float("nan")
            else:
                run = train_student(data, parent, config.replace(seed=1000 * seed + g))
                agreement = float((run.test_logits.argmax(1) == parent.test.argmax(1)).float().mean())
            rows.append({"seed": seed, "generation": g, "test_acc": run.test_acc, "agreement_with_parent": agreement})
            parent = teacher_logits(run.model, data)
    report(progress, 1.0, "progress.lab_done")
    return pd.DataFrame(rows)


def snapshot_self_distill(
    res: Resources,
    switch_epoch: int = 20,
    seeds: Sequence[int] = (0, 1, 2),
    config: TrainConfig = TrainConfig(),
    *,
    progress: Progress = None,
) -> pd.DataFrame:
    """Snapshot self-distillation (after Yang et al. 2019): a snapshot of the student teaches it the last epochs.

    Phase 1: ``switch_epoch`` epochs on the labels (γ = 0). A frozen copy is taken. Phase 2,
    epochs ``switch_epoch + 1 … config.epochs``, two arms from the same phase-1 weights,
    each with a fresh Adam:

    * ``self_distilled``: ``config`` (T, γ) against the snapshot's logits and the labels;
    * ``labels_only``: the control, γ = 0, otherwise identical.

    Returns one row per (seed, arm, epoch): seed, arm (one of :data:`ARMS`: ``phase1``,
    ``labels_only``, ``self_distilled``), epoch, test_acc. The final accuracy of an arm is
    its row at ``epoch == config.epochs``.
    """
    switch_epoch = int(switch_epoch)
    if not 1 <= switch_epoch < config.epochs:
        raise ValueError(f"switch epoch must be in 1..{config.epochs - 1}, got {switch_epoch}")
    data = res.data
    rows = []
    for si, seed in enumerate(seeds):
        report(progress, si / len(seeds), "progress.lab_seed", seed=seed)
        first = train_student(data, res.logits, config.replace(gamma=0.0, seed=seed, epochs=switch_epoch))
        rows += [{"seed": seed, "arm": "phase1", "epoch": int(r.epoch), "test_acc": r.test_acc} for r in first.history.itertuples()]
        snapshot = teacher_logits(first.model, data)
        for arm, gamma in (("labels_only", 0.0), ("self_distilled", config.gamma)):
            run = train_student(
                data, snapshot, config.replace(gamma=gamma, seed=seed, epochs=config.epochs - switch_epoch),
                model=copy.deepcopy(first.model),
            )
            rows += [
                {"seed": seed, "arm": arm, "epoch": switch_epoch + int(r.epoch), "test_acc": r.test_acc}
                for r in run.history.itertuples()
            ]
    report(progress, 1.0, "progress.lab_done")
    return pd.DataFrame(rows)
