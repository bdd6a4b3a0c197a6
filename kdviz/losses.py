"""The distillation loss of Hinton, Vinyals & Dean (2015), written as plain functions.

    total = gamma * soft + (1 - gamma) * hard

* ``soft`` = T² · KL(softmax(teacher / T) ‖ softmax(student / T)), averaged over the batch.
* ``hard`` = cross-entropy of the student's ordinary (T = 1) logits against the true labels.

**gamma weights the soft term.** Conventions differ between codebases: the Keras
distillation example calls the *hard*-loss weight ``alpha``; RepDistiller calls the
cross-entropy weight ``gamma``. In kdviz, ``gamma = 1`` is pure distillation and
``gamma = 0`` is ordinary supervised training.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F

__all__ = ["soften", "distillation_loss", "loss_terms", "DistillationLoss", "check_temperature", "check_gamma"]


def check_temperature(T) -> float:
    """Return ``T`` as a float, or raise ``ValueError`` unless it is a finite number > 0."""
    if isinstance(T, bool):
        raise ValueError(f"temperature T must be a finite number > 0, got {T!r}")
    try:
        value = float(T)
    except (TypeError, ValueError):
        raise ValueError(f"temperature T must be a finite number > 0, got {T!r}") from None
    if not math.isfinite(value) or value <= 0:
        raise ValueError(f"temperature T must be a finite number > 0, got {T!r}")
    return value


def check_gamma(gamma) -> float:
    """Return ``gamma`` as a float, or raise ``ValueError`` unless it lies in [0, 1]."""
    if isinstance(gamma, bool):
        raise ValueError(f"gamma (the weight of the soft loss) must be in [0, 1], got {gamma!r}")
    try:
        value = float(gamma)
    except (TypeError, ValueError):
        raise ValueError(f"gamma (the weight of the soft loss) must be in [0, 1], got {gamma!r}") from None
    if not 0.0 <= value <= 1.0:  # also rejects NaN
        raise ValueError(f"gamma (the weight of the soft loss) must be in [0, 1], got {gamma!r}")
    return value


def soften(logits: torch.Tensor, T: float) -> torch.Tensor:
    """Softmax at temperature ``T``: ``softmax(logits / T)`` over the last dimension.

    Parameters
    ----------
    logits : Tensor of shape (..., n_classes)
    T : float
        Temperature, finite and > 0. T = 1 is the ordinary softmax; larger T flattens
        the distribution and shows the small probabilities ("dark knowledge").

    Returns
    -------
    Tensor of shape (..., n_classes), rows summing to 1.
    """
    T = check_temperature(T)
    return torch.softmax(logits / T, dim=-1)


@dataclass(frozen=True)
class DistillationLoss:
    """The three scalar loss tensors of one batch (nats per example)."""

    total: torch.Tensor  # gamma * soft + (1 - gamma) * hard
    soft: torch.Tensor  # T² · KL(teacher_T ‖ student_T), batch mean
    hard: torch.Tensor  # cross-entropy with the labels at T = 1, mean over labelled rows


def distillation_loss(
    student_logits: torch.Tensor,
    teacher_logits: torch.Tensor,
    targets: torch.Tensor,
    T: float,
    gamma: float,
) -> DistillationLoss:
    """Knowledge-distillation loss, ``total = gamma·soft + (1 − gamma)·hard``.

    ``gamma`` weights the **soft** (teacher-matching) term: gamma = 1 is pure
    distillation, gamma = 0 is plain cross-entropy training.

    soft = T² · Σ_i p_i (log p_i − log q_i), averaged over the batch ("batchmean"), where
    p = softmax(teacher / T) and q = softmax(student / T). The T² factor keeps the soft
    term's gradients on the same scale as the hard term's as T changes (Hinton et al.
    2015, §2): without it they shrink like 1/T².

    hard = cross_entropy(student_logits, targets) at T = 1. Rows whose target is
    negative (e.g. -1) are unlabelled: they count for the soft term only, and ``hard``
    is the mean over the labelled rows (0 when none are).

    Computed with log-softmax throughout, so it is finite for logits up to 1e4 in
    magnitude and T from 0.05 to 100.

    Parameters
    ----------
    student_logits : Tensor of shape (N, C)
    teacher_logits : Tensor of shape (N, C)
        Treated as constants (no gradient flows into the teacher).
    targets : LongTensor of shape (N,)
        Class indices in [0, C), or a negative value for an unlabelled row.
    T : float
        Temperature of the soft term, finite and > 0.
    gamma : float
        Weight of the soft term, in [0, 1].

    Returns
    -------
    DistillationLoss with scalar tensors ``total``, ``soft`` and ``hard``.
    """
    T = check_temperature(T)
    gamma = check_gamma(gamma)
    if student_logits.shape != teacher_logits.shape or student_logits.dim() != 2:
        raise ValueError(
            f"student and teacher logits must both have shape (N, C), got "
            f"{tuple(student_logits.shape)} and {tuple(teacher_logits.shape)}"
        )
    if targets.shape != student_logits.shape[:1]:
        raise ValueError(f"targets must have shape (N,) = ({student_logits.shape[0]},), got {tuple(targets.shape)}")

    log_p = F.log_softmax(teacher_logits.detach() / T, dim=-1)  # (N, C) teacher at T
    return loss_terms(student_logits, log_p, targets, T, gamma)


def loss_terms(student_logits: torch.Tensor, teacher_log_probs: torch.Tensor, targets: torch.Tensor, T: float,
               gamma: float, *, all_labelled: bool = False) -> DistillationLoss:
    """:func:`distillation_loss` from the teacher's log-probabilities at ``T``, without the checks.

    A training loop's form: the teacher's ``log_softmax(teacher_logits / T)`` does not change during
    a run, so it is computed once for the whole transfer set and sliced per batch, and ``T`` and
    ``gamma`` are checked once. Same numbers as :func:`distillation_loss` (row by row, the same ops).

    Parameters
    ----------
    student_logits : Tensor of shape (N, C)
    teacher_log_probs : Tensor of shape (N, C)
        ``log_softmax(teacher_logits / T, dim=-1)``, no gradient.
    targets : LongTensor of shape (N,)
        A negative value marks an unlabelled row.
    T, gamma : float
        Already checked (:func:`check_temperature`, :func:`check_gamma`).
    all_labelled : bool
        True when it is known that no target is negative (once for a whole transfer set): no mask
        and no count per batch. False: found from ``targets``.

    Returns
    -------
    DistillationLoss
    """
    log_q = F.log_softmax(student_logits / T, dim=-1)  # (N, C) student at T
    # Σ_i p_i (log p_i − log q_i), summed over rows and divided by N (one fused op)
    soft = (T * T) * F.kl_div(log_q, teacher_log_probs, reduction="batchmean", log_target=True)

    labelled = None if all_labelled else targets >= 0  # (N,)
    n_labelled = len(targets) if all_labelled else int(labelled.sum())
    if n_labelled == len(targets):
        hard = F.cross_entropy(student_logits, targets)
    elif n_labelled > 0:
        hard = F.cross_entropy(student_logits[labelled], targets[labelled])
    else:
        hard = student_logits.sum() * 0.0  # no labels in this batch: no hard term

    total = gamma * soft + (1.0 - gamma) * hard
    return DistillationLoss(total=total, soft=soft, hard=hard)
