"""The distillation lab: four experiments on the kinds and uses of distillation.

Each experiment is a plain function of the loaded :class:`~kdviz.resources.Resources` that
returns a pandas DataFrame (one row per run, or per class / per bias), so the app, the CLI
and notebooks share it. Figures are means ± sample std over the seeds asked for
(:func:`mean_std`).

* :func:`fewer_labels`: semi-supervised distillation. A stratified, seeded fraction of the
  train labels is kept; the distilled student gets the hard loss on those and the soft
  loss from the teacher on every image. The baseline trains on the labelled digits alone
  (γ = 0) for as many optimiser steps as the distilled student takes.
* :func:`born_again` and :func:`snapshot_self_distill`: self-distillation, a student
  taught by a trained copy of its own architecture, for k generations; or, as in the
  source note, for the last epochs of a run, by a snapshot of itself taken earlier.
* :func:`merge_teachers`: teacher A knows digits 0–4, teacher B digits 5–9; one 10-class
  student learns from both without labels. The rule: the student's target logits are
  the concatenation ``[A's logits for 0–4, B's logits for 5–9]``. Hinton et al. (2015) did
  not demonstrate this; the source note names it ("domain transfer") without results.
* :func:`omit_class`: a digit is removed from the transfer set; the student still
  recognises some of it from the teacher's soft targets (Hinton et al. 2015, §3), and a
  bias added to that digit's logit, chosen on held-out TRAIN digits, recovers more.

The T × γ sweep is in :mod:`kdviz.sweep`.
"""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from .data import MNISTSplit, cache_dir
from .metrics import per_class_accuracy
from .resources import Resources
from .teacher import TeacherConfig, TeacherError, load_teacher, save_model, train_teacher
from .train import TeacherLogits, TrainConfig, predict_logits, teacher_logits, train_student

__all__ = [
    "mean_std",
    "label_mask",
    "fewer_labels_run",
    "fewer_labels",
    "born_again",
    "snapshot_self_distill",
    "subset_teacher",
    "concat_logits",
    "merge_teachers",
    "holdout_split",
    "bias_curve",
    "choose_bias",
    "omit_class_run",
    "omit_class",
    "lab_distill",
    "self_distill_summary",
    "merge_summary",
    "DEFAULT_BIASES",
    "OMIT_CONFIG",
    "GROUP_A",
    "GROUP_B",
]

Progress = Callable[[float, str], object] | None  # fraction done in [0, 1], a short message

GROUP_A = (0, 1, 2, 3, 4)  # teacher A's digits
GROUP_B = (5, 6, 7, 8, 9)  # teacher B's digits
DEFAULT_BIASES = np.round(np.arange(0.0, 10.0001, 0.25), 2)  # logit biases scanned for the omitted digit
OMIT_CONFIG = TrainConfig(T=8.0, gamma=1.0)  # omitted digit: high T, soft loss only (as in the trial)


def _tell(progress: Progress, done: float, message: str) -> None:
    if progress is not None:
        progress(min(max(done, 0.0), 1.0), message)


def _acc(logits: torch.Tensor, y: torch.Tensor) -> float:
    return float((logits.argmax(1) == y).float().mean())


def mean_std(df: pd.DataFrame, by: str | list[str], values: str | list[str]) -> pd.DataFrame:
    """Mean, sample std (ddof = 1; NaN for one seed) and count of ``values`` per group of ``by``.

    Returns a flat DataFrame: the ``by`` columns, then ``<value>_mean``, ``<value>_std``
    for each value, and ``n`` (runs per group).
    """
    by = [by] if isinstance(by, str) else list(by)
    values = [values] if isinstance(values, str) else list(values)
    g = df.groupby(by, sort=True)[values]
    out = g.mean().add_suffix("_mean").join(g.std(ddof=1).add_suffix("_std"))
    out["n"] = g.size()
    cols = [c for v in values for c in (f"{v}_mean", f"{v}_std")] + ["n"]
    return out[cols].reset_index()


# ---------------------------------------------------------------- fewer labels (semi-supervised)


def label_mask(y: torch.Tensor | np.ndarray, fraction: float, seed: int) -> np.ndarray:
    """Which labels to keep: a stratified, seeded bool mask of shape (N,).

    Each class keeps ``round(fraction · n_c)`` of its ``n_c`` examples, at least one.
    """
    fraction = float(fraction)
    if not 0.0 < fraction <= 1.0:
        raise ValueError(f"label fraction must be in (0, 1], got {fraction}")
    y = np.asarray(y)
    rng = np.random.default_rng(seed)
    keep = np.zeros(len(y), dtype=bool)
    for c in np.unique(y):
        rows = np.flatnonzero(y == c)
        k = max(1, int(round(fraction * len(rows))))
        keep[rng.choice(rows, size=k, replace=False)] = True
    return keep


def fewer_labels_run(res: Resources, fraction: float, config: TrainConfig = TrainConfig()) -> dict:
    """One seed (``config.seed``) of the fewer-labels experiment.

    * distilled: ``gamma·soft + (1−gamma)·hard`` on all 4,000 train images; the hard term
      only on the labelled ones (the others carry target −1).
    * baseline: γ = 0 on the labelled images alone, from the same initialisation, with
      its epochs scaled by 1/fraction so that it takes about as many optimiser steps as
      the distilled student (on 40 digits, 30 epochs would be 30 steps).

    Returns a dict: fraction, seed, n_labelled, distilled_acc, baseline_acc, baseline_epochs, seconds.
    """
    data = res.data
    keep = label_mask(data.y_train, fraction, config.seed)
    targets = torch.where(torch.from_numpy(keep), data.y_train, torch.full_like(data.y_train, -1))
    distilled = train_student(data, res.logits, config, targets=targets)
    labelled = np.flatnonzero(keep)
    steps = config.epochs * -(-len(data.y_train) // config.batch_size)
    baseline_epochs = max(config.epochs, int(round(steps / -(-len(labelled) // config.batch_size))))
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
    Summarise with ``mean_std(df, "fraction", ["distilled_acc", "baseline_acc"])``.
    """
    jobs = [(f, s) for f in fractions for s in seeds]
    rows = []
    for i, (f, s) in enumerate(jobs):
        _tell(progress, i / len(jobs), f"{f:.0%} labels, seed {s}")
        rows.append(fewer_labels_run(res, f, config.replace(seed=s)))
    _tell(progress, 1.0, "done")
    return pd.DataFrame(rows)


# ---------------------------------------------------------------- self-distillation


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

    Returns a DataFrame, one row per (seed, generation): seed, generation, test_acc, agreement_with_parent.
    """
    if int(generations) < 0:
        raise ValueError(f"generations must be ≥ 0, got {generations}")
    data = res.data
    rows = []
    total = len(seeds) * (generations + 1)
    for si, seed in enumerate(seeds):
        parent: TeacherLogits | None = None
        for g in range(generations + 1):
            _tell(progress, (si * (generations + 1) + g) / total, f"seed {seed}, generation {g}")
            if g == 0:
                # no teacher: the labels only (the logits passed in are ignored at γ = 0)
                run = train_student(data, res.logits, config.replace(gamma=0.0, seed=seed))
                agreement = float("nan")
            else:
                run = train_student(data, parent, config.replace(seed=1000 * seed + g))
                agreement = float((run.test_logits.argmax(1) == parent.test.argmax(1)).float().mean())
            rows.append({"seed": seed, "generation": g, "test_acc": run.test_acc, "agreement_with_parent": agreement})
            parent = teacher_logits(run.model, data)
    _tell(progress, 1.0, "done")
    return pd.DataFrame(rows)


def snapshot_self_distill(
    res: Resources,
    switch_epoch: int = 20,
    seeds: Sequence[int] = (0, 1, 2),
    config: TrainConfig = TrainConfig(),
    *,
    progress: Progress = None,
) -> pd.DataFrame:
    """The source note's self-distillation: a snapshot of the student teaches it the last epochs.

    Phase 1: ``switch_epoch`` epochs on the labels (γ = 0). A frozen copy is taken. Phase 2,
    epochs ``switch_epoch + 1 … config.epochs``, two arms from the same phase-1 weights,
    each with a fresh Adam:

    * ``self-distilled``: ``config`` (T, γ) against the snapshot's logits and the labels;
    * ``labels only``: the control, γ = 0, otherwise identical.

    Returns one row per (seed, arm, epoch): seed, arm ("phase 1", "labels only",
    "self-distilled"), epoch, test_acc. The final accuracy of an arm is its row at
    ``epoch == config.epochs``.
    """
    switch_epoch = int(switch_epoch)
    if not 1 <= switch_epoch < config.epochs:
        raise ValueError(f"switch epoch must be in 1..{config.epochs - 1}, got {switch_epoch}")
    data = res.data
    rows = []
    for si, seed in enumerate(seeds):
        _tell(progress, si / len(seeds), f"seed {seed}")
        first = train_student(data, res.logits, config.replace(gamma=0.0, seed=seed, epochs=switch_epoch))
        rows += [{"seed": seed, "arm": "phase 1", "epoch": int(r.epoch), "test_acc": r.test_acc} for r in first.history.itertuples()]
        snapshot = teacher_logits(first.model, data)
        for arm, gamma in (("labels only", 0.0), ("self-distilled", config.gamma)):
            run = train_student(
                data, snapshot, config.replace(gamma=gamma, seed=seed, epochs=config.epochs - switch_epoch),
                model=copy.deepcopy(first.model),
            )
            rows += [
                {"seed": seed, "arm": arm, "epoch": switch_epoch + int(r.epoch), "test_acc": r.test_acc}
                for r in run.history.itertuples()
            ]
    _tell(progress, 1.0, "done")
    return pd.DataFrame(rows)


# ---------------------------------------------------------------- two teachers, one student


def _teacher_cache_path(data: MNISTSplit, classes: Sequence[int], config: TeacherConfig, folder: Path) -> Path:
    key = json.dumps({"split": data.fingerprint, "classes": list(classes), "config": config.__dict__}, sort_keys=True, default=list)
    digest = hashlib.sha256(key.encode()).hexdigest()[:12]
    return Path(folder) / f"teacher-{''.join(map(str, classes))}-{digest}.safetensors"


def subset_teacher(
    data: MNISTSplit,
    classes: Sequence[int],
    config: TeacherConfig = TeacherConfig(),
    *,
    folder: Path | str | None = None,
    log=lambda line: None,
) -> tuple[torch.nn.Module, dict]:
    """A CNN teacher trained only on ``classes``, cached on disk as safetensors.

    The file is ``<folder>/teacher-<digits>-<hash>.safetensors`` (default folder:
    ``cache_dir()/teachers``) beside its JSON; the hash covers the split, the classes and
    the config. Written atomically (:func:`kdviz.teacher.save_model`); a missing, truncated
    or altered file is retrained and rewritten. Nothing is unpickled.
    """
    classes = sorted({int(c) for c in classes})
    folder = Path(folder) if folder is not None else cache_dir() / "teachers"
    path = _teacher_cache_path(data, classes, config, folder)
    try:
        return load_teacher(path, data=data)
    except TeacherError:
        pass
    model, meta = train_teacher(data, config, log=log, classes=classes)
    meta["command"] = "kdviz.lab.subset_teacher (cached; rebuilt automatically)"
    try:
        save_model(model, path, meta)
    except OSError:  # read-only cache: work on without it
        pass
    model.eval()
    for p in model.parameters():
        p.requires_grad_(False)
    return model, meta


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
    per_class : DataFrame, one row per (model, seed, digit): model ("teacher A",
        "teacher B", "teachers concatenated", "merged student", "joint student"), seed,
        digit, acc (NaN where a teacher does not know the digit). Teachers have seed −1.
    summary : dict with teacher_a_acc (on test digits 0–4, choosing among 0–4),
        teacher_b_acc (5–9 among 5–9), concat_teacher_acc (all test digits, 10-way),
        merged_student_acc, joint_student_acc (all test digits; mean over seeds),
        merged_student_std, joint_student_std, per_seed lists, seeds.
    """
    data = res.data
    y = data.y_test
    _tell(progress, 0.0, "teacher A (digits 0–4)")
    ta, meta_a = subset_teacher(data, GROUP_A, teacher_config, folder=folder)
    _tell(progress, 0.2, "teacher B (digits 5–9)")
    tb, meta_b = subset_teacher(data, GROUP_B, teacher_config, folder=folder)
    la, lb = teacher_logits(ta, data), teacher_logits(tb, data)
    merged = TeacherLogits(train=concat_logits(la.train, lb.train), test=concat_logits(la.test, lb.test))

    rows = []
    a_idx, b_idx = torch.tensor(GROUP_A), torch.tensor(GROUP_B)
    in_a, in_b = torch.isin(y, a_idx), torch.isin(y, b_idx)
    pred_a = a_idx[la.test[:, a_idx].argmax(1)]  # A chooses among its own digits
    pred_b = b_idx[lb.test[:, b_idx].argmax(1)]
    for name, pred, known in (
        ("teacher A", pred_a, GROUP_A),
        ("teacher B", pred_b, GROUP_B),
        ("teachers concatenated", merged.test.argmax(1), range(10)),
    ):
        acc = per_class_accuracy(pred, y)
        rows += [{"model": name, "seed": -1, "digit": d, "acc": acc[d] if d in known else float("nan")} for d in range(10)]

    no_labels = torch.full_like(data.y_train, -1)
    merged_accs, joint_accs = [], []
    for si, seed in enumerate(seeds):
        _tell(progress, 0.4 + 0.6 * si / len(seeds), f"students, seed {seed}")
        m = train_student(data, merged, config.replace(gamma=1.0, seed=seed), targets=no_labels)
        j = train_student(data, res.logits, config.replace(gamma=0.0, seed=seed))
        for name, run, store in (("merged student", m, merged_accs), ("joint student", j, joint_accs)):
            store.append(run.test_acc)
            acc = per_class_accuracy(run.test_logits.argmax(1), y)
            rows += [{"model": name, "seed": seed, "digit": d, "acc": acc[d]} for d in range(10)]
    _tell(progress, 1.0, "done")

    def sd(v):
        return float(np.std(v, ddof=1)) if len(v) > 1 else float("nan")

    summary = {
        "teacher_a_acc": float((pred_a[in_a] == y[in_a]).float().mean()),
        "teacher_b_acc": float((pred_b[in_b] == y[in_b]).float().mean()),
        "concat_teacher_acc": _acc(merged.test, y),
        "merged_student_acc": float(np.mean(merged_accs)),
        "merged_student_std": sd(merged_accs),
        "joint_student_acc": float(np.mean(joint_accs)),
        "joint_student_std": sd(joint_accs),
        "merged_student_acc_per_seed": merged_accs,
        "joint_student_acc_per_seed": joint_accs,
        "seeds": list(seeds),
        "T": config.T,
        "rule": "concatenated logits: teacher A's for digits 0-4, teacher B's for 5-9",
        "teacher_seconds": [meta_a.get("train_seconds"), meta_b.get("train_seconds")],
    }
    return pd.DataFrame(rows), summary


# ---------------------------------------------------------------- a digit never seen


def holdout_split(y: torch.Tensor | np.ndarray, omitted: int, fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Split the TRAIN rows for the omitted-digit experiment.

    Returns ``(transfer, heldout)``, int arrays of train row indices. ``heldout`` holds a
    stratified, seeded ``fraction`` of every other digit plus every train example of the
    omitted digit; ``transfer`` is the rest of the other digits. The omitted digit is
    never in ``transfer``, and the two never overlap.
    """
    if not 0 <= int(omitted) <= 9:
        raise ValueError(f"omitted class must be a digit in 0..9, got {omitted}")
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
        per = per_class_accuracy(shifted.argmax(1), y)
        rows.append({"bias": float(b), "omitted_acc": per[omitted], "acc": _acc(shifted, y), "balanced_acc": float(np.nanmean(per))})
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
        omitted_class_acc_after_bias, test_acc_after_bias
    per_class : one row per (seed, bias, digit) on TEST: seed, bias, digit, acc, for every
        bias in ``biases`` (bias 0 is the student as trained)
    curves : one row per (seed, bias) on TEST: seed, bias, omitted_acc, acc, balanced_acc
    """
    runs, per_class, curves = [], [], []
    for i, seed in enumerate(seeds):
        _tell(progress, i / len(seeds), f"seed {seed}")
        out = omit_class_run(res, omitted, config.replace(seed=seed), holdout_fraction=holdout_fraction, biases=biases)
        runs.append({k: out[k] for k in ("seed", "test_acc", "omitted_class_acc", "best_bias", "omitted_class_acc_after_bias", "test_acc_after_bias")})
        logits = out["result"].test_logits
        for b in biases:
            shifted = logits.clone()
            shifted[:, omitted] += float(b)
            acc = per_class_accuracy(shifted.argmax(1), res.data.y_test)
            per_class += [{"seed": seed, "bias": float(b), "digit": d, "acc": a} for d, a in enumerate(acc)]
        curve = out["test_curve"]
        curves.append(curve[curve["bias"].isin([float(b) for b in biases])].assign(seed=seed))
    _tell(progress, 1.0, "done")
    return pd.DataFrame(runs), pd.DataFrame(per_class), pd.concat(curves, ignore_index=True)


# ---------------------------------------------------------------- the CLI's `distill` with lab options


def lab_distill(
    res: Resources,
    config: TrainConfig = TrainConfig(),
    *,
    label_fraction: float = 1.0,
    omit: int | None = None,
    baseline: bool = False,
    holdout_fraction: float = 0.1,
) -> dict:
    """``python -m kdviz distill`` with ``--label-fraction`` and/or ``--omit-class``.

    Keeps the keys of :func:`kdviz.experiments.distill` (``teacher_test_acc``,
    ``student_test_acc``, ``per_class_acc``, ``agreement``, ``seconds``, ``config``,
    ``history``; with ``baseline``: ``baseline_test_acc``, ``baseline_per_class_acc``,
    ``baseline_seconds``) and adds ``label_fraction``, ``n_labelled``, and with ``omit``:
    ``omitted_class``, ``omitted_class_acc``, ``best_bias``,
    ``omitted_class_acc_after_bias``, ``test_acc_after_bias``, ``n_transfer``, ``n_heldout``.

    The baseline is γ = 0 on the labelled digits of the transfer set alone, epochs
    scaled so it takes as many steps as the distilled student.
    """
    data = res.data
    keep = label_mask(data.y_train, label_fraction, config.seed)
    targets = torch.where(torch.from_numpy(keep), data.y_train, torch.full_like(data.y_train, -1))
    out: dict = {"label_fraction": float(label_fraction)}
    if omit is None:
        transfer = np.arange(len(data.y_train))
        run = train_student(data, res.logits, config, targets=targets)
    else:
        o = omit_class_run(res, omit, config, holdout_fraction=holdout_fraction, targets=targets)
        run = o["result"]
        transfer, _ = holdout_split(data.y_train, omit, holdout_fraction, config.seed)
        out.update({k: o[k] for k in ("omitted_class", "omitted_class_acc", "best_bias", "omitted_class_acc_after_bias", "test_acc_after_bias", "n_transfer", "n_heldout")})
    labelled = transfer[keep[transfer]]
    out["n_labelled"] = int(len(labelled))
    pred = run.test_logits.argmax(1)
    last = run.history.iloc[-1]
    out.update(
        teacher_test_acc=float(res.teacher_meta["test_acc"]),
        student_test_acc=run.test_acc,
        per_class_acc=per_class_accuracy(pred, data.y_test),
        agreement=float(last["agreement"]),
        seconds=round(run.seconds, 3),
        config={**config.__dict__, "hidden": list(config.hidden)},
        history=run.history.to_dict(orient="records"),
    )
    if baseline:
        steps = config.epochs * -(-len(transfer) // config.batch_size)
        epochs = max(config.epochs, int(round(steps / -(-len(labelled) // config.batch_size))))
        b = train_student(data, res.logits, config.replace(gamma=0.0, epochs=epochs), train_index=labelled)
        out.update(
            baseline_test_acc=b.test_acc,
            baseline_per_class_acc=per_class_accuracy(b.test_logits.argmax(1), data.y_test),
            baseline_seconds=round(b.seconds, 3),
            baseline_epochs=epochs,
        )
    return out


# ---------------------------------------------------------------- JSON-able summaries (CLI)


def _sd(values) -> float:
    return float(np.std(values, ddof=1)) if len(values) > 1 else float("nan")


def self_distill_summary(
    res: Resources,
    generations: int = 3,
    seeds: Sequence[int] = (0,),
    config: TrainConfig = TrainConfig(),
    *,
    switch_epoch: int | None = None,
) -> dict:
    """Both self-distillation experiments as one JSON-able dict (``python -m kdviz self-distill``).

    Keys: generation_acc (mean test accuracy per generation, generation 0 first),
    generation_std, per_seed (seed → list of accuracies), snapshot (switch_epoch,
    phase1_acc, labels_only_acc, self_distilled_acc, with ``_std``), seeds, config.
    NaN stds (one seed) become null in JSON.
    """
    seeds = list(seeds)
    ba = born_again(res, generations, seeds, config)
    by_gen = ba.groupby("generation")["test_acc"]
    switch = int(switch_epoch) if switch_epoch is not None else max(1, (2 * config.epochs) // 3)
    if config.epochs < 2:
        snapshot = None
    else:
        switch = min(switch, config.epochs - 1)
        sn = snapshot_self_distill(res, switch, seeds, config)
        snapshot = {"switch_epoch": switch}
        for name, arm, epoch in (("phase1", "phase 1", switch), ("labels_only", "labels only", config.epochs), ("self_distilled", "self-distilled", config.epochs)):
            acc = sn[(sn["arm"] == arm) & (sn["epoch"] == epoch)]["test_acc"].tolist()
            snapshot[f"{name}_acc"], snapshot[f"{name}_std"] = float(np.mean(acc)), _none_if_nan(_sd(acc))
    return {
        "generation_acc": [float(v) for v in by_gen.mean()],
        "generation_std": [_none_if_nan(_sd(v.tolist())) for _, v in by_gen],
        "per_seed": {str(s): ba[ba["seed"] == s]["test_acc"].tolist() for s in seeds},
        "snapshot": snapshot,
        "seeds": seeds,
        "config": {**config.__dict__, "hidden": list(config.hidden)},
    }


def _none_if_nan(x: float) -> float | None:
    return None if x is None or (isinstance(x, float) and np.isnan(x)) else x


def merge_summary(res: Resources, seeds: Sequence[int] = (0,), config: TrainConfig = TrainConfig(T=4.0, gamma=1.0), **kw) -> dict:
    """:func:`merge_teachers` as one JSON-able dict (``python -m kdviz merge``): its summary plus
    ``per_class`` (model → 10 per-digit accuracies, mean over seeds; null where a teacher does not know the digit)."""
    per_class, summary = merge_teachers(res, seeds, config, **kw)
    table = mean_std(per_class, ["model", "digit"], "acc")
    out = {k: (_none_if_nan(v) if isinstance(v, float) else v) for k, v in summary.items()}
    out["per_class"] = {m: [_none_if_nan(float(a)) for a in g.sort_values("digit")["acc_mean"]] for m, g in table.groupby("model")}
    out["config"] = {**config.__dict__, "gamma": 1.0, "hidden": list(config.hidden)}
    return out
