"""Two teachers, one student: teachers trained on disjoint label sets, merged into one 10-class student
without labels by concatenating their logits."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from kdviz.base.diskcache import cache_dir, keyed_path
from kdviz.base.progress import Progress, report
from kdviz.data.mnist import MNISTSplit
from kdviz.maths.metrics import per_class_accuracy
from kdviz.maths.stats import sample_std
from kdviz.train.loop import TeacherLogits, TrainConfig, teacher_logits, train_student
from kdviz.train.modelfile import cached_model
from kdviz.train.resources import Resources
from kdviz.train.teacher import TeacherConfig, train_teacher

__all__ = ["GROUP_A", "GROUP_B", "MODELS", "subset_teacher", "concat_logits", "merge_teachers"]

GROUP_A = (0, 1, 2, 3, 4)  # teacher A's digits
GROUP_B = (5, 6, 7, 8, 9)  # teacher B's digits
MODELS = ("teacher_a", "teacher_b", "concat", "merged", "joint")  # the models of merge_teachers' rows


def subset_teacher(
    data: MNISTSplit,
    classes: Sequence[int],
    config: TeacherConfig = TeacherConfig(),
    *,
    folder: Path | str | None = None,
    log=lambda line: None,
) -> tuple[torch.nn.Module, dict]:
    """A CNN teacher trained only on ``classes``, cached on disk as safetensors. Returns ``(model, meta)``.

    The file is ``<folder>/teacher-<digits>-<hash>.safetensors`` (default folder:
    ``cache_dir()/teachers``) beside its JSON; the hash covers the split, the classes and
    the config. Load, else train and save (:func:`kdviz.train.modelfile.load_model` /
    :func:`~kdviz.train.modelfile.save_model`, atomic): a missing, truncated or altered file is
    retrained and rewritten; a cache that can't be written is skipped. Nothing is unpickled.
    The model is in eval mode with its gradients off.
    """
    classes = sorted({int(c) for c in classes})
    folder = Path(folder) if folder is not None else cache_dir() / "teachers"
    key = {"split": data.fingerprint, "classes": classes, "config": config.to_dict()}
    path = keyed_path(folder, f"teacher-{''.join(map(str, classes))}", key, suffix=".safetensors", length=12)

    def build():
        model, meta = train_teacher(data, config, log=log, classes=classes)
        meta["command"] = "kdviz.lab.subset_teacher (cached; rebuilt automatically)"
        return model, meta

    return cached_model(path, build, what="teacher", fingerprint=data.fingerprint)


def concat_logits(a: torch.Tensor, b: torch.Tensor, group_a: Sequence[int] = GROUP_A) -> torch.Tensor:
    """The merge rule: column c comes from ``a`` when c is in ``group_a``, else from ``b``.

    ``a``, ``b`` of shape (N, 10) → (N, 10). With the default groups: A's logits for
    digits 0–4, B's for 5–9, side by side, with no rescaling.
    """
    take_a = torch.zeros(a.shape[1], dtype=torch.bool)
    take_a[list(group_a)] = True
    return torch.where(take_a, a, b)


def merge_teachers(
    res: Resources,
    seeds: Sequence[int] = (0, 1, 2),
    config: TrainConfig = TrainConfig(T=4.0, gamma=1.0),
    *,
    teacher_config: TeacherConfig = TeacherConfig(),
    folder: Path | str | None = None,
    progress: Progress = None,
) -> tuple[pd.DataFrame, dict]:
    """Two teachers on disjoint label sets, one 10-class student, no labels.

    Teacher A is trained on digits 0–4 only, teacher B on 5–9 only (:func:`subset_teacher`,
    seed ``teacher_config.seed``). The merged student learns from :func:`concat_logits` of
    the two with the soft loss only (γ forced to 1, every target −1: it never sees a
    label). The joint student, the reference, is the same MLP trained on all 4,000 labels
    (γ = 0). Student seeds: ``seeds``.

    Returns
    -------
    per_class : DataFrame, one row per (model, seed, digit): model (one of :data:`MODELS`:
        ``teacher_a``, ``teacher_b``, ``concat`` (the teachers concatenated), ``merged``
        (the merged student), ``joint`` (the joint student)), seed, digit, acc (NaN where a
        teacher does not know the digit). Teachers have seed −1.
    summary : dict with teacher_a_acc (on test digits 0–4, choosing among 0–4),
        teacher_b_acc (5–9 among 5–9), concat_teacher_acc (all test digits, 10-way),
        merged_student_acc, joint_student_acc (all test digits; mean over seeds),
        merged_student_std, joint_student_std (NaN for one seed), per_seed lists, seeds.
    """
    data = res.data
    y = data.y_test
    report(progress, 0.0, "progress.lab_teacher_a")
    ta, meta_a = subset_teacher(data, GROUP_A, teacher_config, folder=folder)
    report(progress, 0.2, "progress.lab_teacher_b")
    tb, meta_b = subset_teacher(data, GROUP_B, teacher_config, folder=folder)
    la, lb = teacher_logits(ta, data), teacher_logits(tb, data)
    merged = TeacherLogits(train=concat_logits(la.train, lb.train), test=concat_logits(la.test, lb.test))

    rows = []
    a_idx, b_idx = torch.tensor(GROUP_A), torch.tensor(GROUP_B)
    in_a, in_b = torch.isin(y, a_idx), torch.isin(y, b_idx)
    pred_a = a_idx[la.test[:, a_idx].argmax(1)]  # A chooses among its own digits
    pred_b = b_idx[lb.test[:, b_idx].argmax(1)]
    for name, pred, known in (("teacher_a", pred_a, GROUP_A), ("teacher_b", pred_b, GROUP_B),
                              ("concat", merged.test.argmax(1), range(10))):
        acc = per_class_accuracy(pred, y)
        rows += [{"model": name, "seed": -1, "digit": d, "acc": acc[d] if d in known else float("nan")} for d in range(10)]

    no_labels = torch.full_like(data.y_train, -1)
    merged_accs, joint_accs = [], []
    for si, seed in enumerate(seeds):
        report(progress, 0.4 + 0.6 * si / len(seeds), "progress.lab_students", seed=seed)
        m = train_student(data, merged, config.replace(gamma=1.0, seed=seed), targets=no_labels)
        j = train_student(data, res.logits, config.replace(gamma=0.0, seed=seed))
        for name, run, store in (("merged", m, merged_accs), ("joint", j, joint_accs)):
            store.append(run.test_acc)
            acc = per_class_accuracy(run.test_logits.argmax(1), y)
            rows += [{"model": name, "seed": seed, "digit": d, "acc": acc[d]} for d in range(10)]
    report(progress, 1.0, "progress.lab_done")

    summary = {
        "teacher_a_acc": float((pred_a[in_a] == y[in_a]).float().mean()),
        "teacher_b_acc": float((pred_b[in_b] == y[in_b]).float().mean()),
        "concat_teacher_acc": float((merged.test.argmax(1) == y).float().mean()),
        "merged_student_acc": float(np.mean(merged_accs)),
        "merged_student_std": sample_std(merged_accs),
        "joint_student_acc": float(np.mean(joint_accs)),
        "joint_student_std": sample_std(joint_accs),
        "merged_student_acc_per_seed": merged_accs,
        "joint_student_acc_per_seed": joint_accs,
        "seeds": list(seeds),
        "T": config.T,
        "rule": "concatenated logits: teacher A's for digits 0-4, teacher B's for 5-9",
        "teacher_seconds": [meta_a.get("train_seconds"), meta_b.get("train_seconds")],
    }
    return pd.DataFrame(rows), summary
