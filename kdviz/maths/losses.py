"""The distillation loss of Hinton, Vinyals & Dean (2015), written as plain functions.

    total = gamma * soft + (1 - gamma) * hard

* ``soft`` = T² · KL(softmax(teacher / T) ‖ softmax(student / T)), averaged over the batch.
* ``hard`` = cross-entropy of the student's ordinary (T = 1) logits against the true labels.

**gamma weights the soft term.** Conventions differ between codebases: the Keras
distillation example calls the *hard*-loss weight ``alpha``; RepDistiller calls the
cross-entropy weight ``gamma``. In kdviz, ``gamma = 1`` is pure distillation and
``gamma = 0`` is ordinary supervised training.

**Decoupled KD** (Zhao et al., CVPR 2022). With t the true class, b = [p_t, 1 − p_t] the
target/non-target split and p̂ the teacher's distribution over the non-target classes
renormalised to sum 1 (likewise b^S and q̂ for the student), the KL splits exactly, per example:

    KL(p ‖ q) = KL(b ‖ b^S) + (1 − p_t) · KL(p̂ ‖ q̂) = TCKD + (1 − p_t) · NCKD

so plain KD down-weights NCKD exactly where the teacher is confident. :func:`decompose_kd` returns
the three terms; :func:`dkd_loss` is T² · mean(α·TCKD + β·NCKD), which frees that weight (the
paper's CIFAR-100 defaults: α = 1, β = 8, T = 4).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F

__all__ = ["soften", "distillation_loss", "loss_terms", "DistillationLoss", "check_temperature", "check_gamma",
           "check_unit", "check_weight", "hard_loss", "decompose_kd", "dkd_loss", "KDDecomposition"]


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
    return check_unit("gamma (the weight of the soft loss)", gamma)


def check_unit(name: str, value) -> float:
    """Return ``value`` as a float, or raise ``ValueError`` (one line naming it) unless it lies in [0, 1]."""
    message = f"{name} must be in [0, 1], got {value!r}"
    if isinstance(value, bool):
        raise ValueError(message)
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValueError(message) from None
    if not 0.0 <= number <= 1.0:  # also rejects NaN
        raise ValueError(message)
    return number


def check_weight(name: str, value) -> float:
    """Return ``value`` as a float, or raise ``ValueError`` unless it is a finite number >= 0."""
    message = f"{name} must be a finite number >= 0, got {value!r}"
    if isinstance(value, bool):
        raise ValueError(message)
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValueError(message) from None
    if not math.isfinite(number) or number < 0:
        raise ValueError(message)
    return number


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

    hard = hard_loss(student_logits, targets, all_labelled=all_labelled)
    total = gamma * soft + (1.0 - gamma) * hard
    return DistillationLoss(total=total, soft=soft, hard=hard)


def hard_loss(student_logits: torch.Tensor, targets: torch.Tensor, *, all_labelled: bool = False) -> torch.Tensor:
    """The hard term: cross-entropy of the (N, C) logits at T = 1 against ``targets`` (N,), the mean over the labelled
    rows (a negative target is unlabelled; 0, in the graph, when none is). ``all_labelled``: as :func:`loss_terms`."""
    labelled = None if all_labelled else targets >= 0  # (N,)
    n_labelled = len(targets) if all_labelled else int(labelled.sum())
    if n_labelled == len(targets):
        return F.cross_entropy(student_logits, targets)
    if n_labelled > 0:
        return F.cross_entropy(student_logits[labelled], targets[labelled])
    return student_logits.sum() * 0.0  # no labels in this batch: no hard term


@dataclass(frozen=True)
class KDDecomposition:
    """Per-example KL terms of :func:`decompose_kd`, each of shape (N,), in nats, without T².

    ``kd == tckd + weight * nckd`` (to float precision).
    """

    kd: torch.Tensor  # KL(p ‖ q) over all C classes
    tckd: torch.Tensor  # KL(b ‖ b^S), b = [p_t, 1 − p_t]: target vs non-target
    nckd: torch.Tensor  # KL(p̂ ‖ q̂) over the C − 1 non-target classes (0 when C = 2)
    weight: torch.Tensor  # 1 − p_t of the teacher at T, in [0, 1]


def _kl_rows(log_p: torch.Tensor, log_q: torch.Tensor) -> torch.Tensor:
    """Σ_i p_i (log p_i − log q_i) over the last dimension; terms with p_i = 0 add exactly 0.

    The ``where`` keeps 0·(−inf) = NaN (a masked-out class) out of the value and the gradient.
    """
    p = log_p.exp()
    terms = torch.where(p > 0, p * (log_p - log_q), torch.zeros_like(p))
    return terms.sum(-1)


def decompose_kd(
    student_logits: torch.Tensor,
    teacher_logits: torch.Tensor,
    targets: torch.Tensor,
    T: float,
) -> KDDecomposition:
    """Split the KD loss of each example into its target (TCKD) and non-target (NCKD) parts.

    KL(p ‖ q) = KL(b ‖ b^S) + (1 − p_t) · KL(p̂ ‖ q̂), with p = softmax(teacher / T),
    q = softmax(student / T), b = [p_t, 1 − p_t] and p̂ = p over the classes ≠ t, renormalised
    (Zhao et al. 2022). All in log space: log p_t is a log-softmax entry, log(1 − p_t) a
    logsumexp of the non-target log-probabilities (exact even where p_t rounds to 1), and log p̂
    the log-softmax of the logits with the target column set to −inf. Finite, with finite
    gradients, for logits up to 1e4 in magnitude and T from 0.05 to 100.

    Parameters
    ----------
    student_logits : Tensor of shape (N, C), C >= 2
    teacher_logits : Tensor of shape (N, C)
        Treated as constants (no gradient flows into the teacher).
    targets : LongTensor of shape (N,)
        Class indices in [0, C); every row needs a label.
    T : float
        Temperature, finite and > 0.

    Returns
    -------
    KDDecomposition of (N,) tensors ``kd``, ``tckd``, ``nckd`` (nats, no T² factor) and ``weight``.
    """
    T = check_temperature(T)
    targets = _check_dkd_inputs(student_logits, teacher_logits, targets)
    z_p = teacher_logits.detach() / T  # (N, C)
    z_q = student_logits / T  # (N, C)
    target = torch.zeros_like(z_q, dtype=torch.bool).scatter_(1, targets[:, None], True)  # (N, C)

    log_p = F.log_softmax(z_p, dim=-1)  # (N, C)
    log_q = F.log_softmax(z_q, dim=-1)  # (N, C)
    kd = _kl_rows(log_p, log_q)  # (N,)

    # binary split [log p_t, log(1 − p_t)]: the second is a logsumexp, not log(1 − exp(log p_t))
    log_b_p = _binary_log_probs(log_p, target, targets)  # (N, 2)
    log_b_q = _binary_log_probs(log_q, target, targets)  # (N, 2)
    tckd = _kl_rows(log_b_p, log_b_q)  # (N,)

    # non-target classes renormalised: log-softmax with the target column at −inf (p̂_t = 0)
    log_p_hat = F.log_softmax(z_p.masked_fill(target, -math.inf), dim=-1)  # (N, C)
    log_q_hat = F.log_softmax(z_q.masked_fill(target, -math.inf), dim=-1)  # (N, C)
    nckd = _kl_rows(log_p_hat, log_q_hat)  # (N,)

    return KDDecomposition(kd=kd, tckd=tckd, nckd=nckd, weight=log_b_p[:, 1].exp())


def dkd_loss(
    student_logits: torch.Tensor,
    teacher_logits: torch.Tensor,
    targets: torch.Tensor,
    T: float,
    alpha: float,
    beta: float,
) -> torch.Tensor:
    """Decoupled KD loss, ``T² · mean(alpha·TCKD + beta·NCKD)`` over the batch (Zhao et al. 2022).

    With ``alpha = 1`` and ``beta = 1 − p_t`` row by row this is the ordinary soft loss; a constant
    ``beta`` (8 in the paper's CIFAR-100 runs, with alpha = 1 and T = 4) stops NCKD fading where
    the teacher is confident. Terms as in :func:`decompose_kd`; add a cross-entropy term separately.

    Parameters
    ----------
    student_logits, teacher_logits : Tensor of shape (N, C), C >= 2
    targets : LongTensor of shape (N,), class indices in [0, C)
    T : float
        Temperature, finite and > 0.
    alpha, beta : float
        Weights of TCKD and NCKD, finite and >= 0.

    Returns
    -------
    Scalar tensor (nats per example).
    """
    T = check_temperature(T)
    alpha = check_weight("alpha (the weight of TCKD)", alpha)
    beta = check_weight("beta (the weight of NCKD)", beta)
    parts = decompose_kd(student_logits, teacher_logits, targets, T)
    return (T * T) * (alpha * parts.tckd + beta * parts.nckd).mean()


def _binary_log_probs(log_probs: torch.Tensor, target: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """``[log p_t, log(1 − p_t)]`` per row, shape (N, 2), from log-probabilities (N, C) and the target mask."""
    log_t = log_probs.gather(1, targets[:, None])  # (N, 1)
    log_rest = torch.logsumexp(log_probs.masked_fill(target, -math.inf), dim=-1, keepdim=True)  # (N, 1)
    return torch.cat([log_t, log_rest], dim=-1)


def _check_dkd_inputs(student_logits: torch.Tensor, teacher_logits: torch.Tensor,
                      targets: torch.Tensor) -> torch.Tensor:
    """Raise ``ValueError`` unless the logits are (N, C), N >= 1, C >= 2, targets in [0, C); return them as long."""
    if student_logits.shape != teacher_logits.shape or student_logits.dim() != 2:
        raise ValueError(
            f"student and teacher logits must both have shape (N, C), got "
            f"{tuple(student_logits.shape)} and {tuple(teacher_logits.shape)}"
        )
    n, c = student_logits.shape
    if n < 1 or c < 2:
        raise ValueError(f"decoupled KD needs N >= 1 examples and C >= 2 classes, got shape {(n, c)}")
    if not isinstance(targets, torch.Tensor) or targets.shape != (n,):
        shape = tuple(targets.shape) if isinstance(targets, torch.Tensor) else type(targets).__name__
        raise ValueError(f"targets must be a tensor of shape (N,) = ({n},), got {shape}")
    if targets.dtype.is_floating_point or targets.dtype.is_complex or targets.dtype == torch.bool:
        raise ValueError(f"targets must be integer class indices, got dtype {targets.dtype}")
    low, high = int(targets.min()), int(targets.max())
    if low < 0 or high >= c:
        raise ValueError(f"targets must be class indices in [0, {c}) (decoupled KD needs a label per row), "
                         f"got values from {low} to {high}")
    return targets.long()
