"""Which divergence? The soft term's choices, each between the teacher's and the student's softmax at temperature T.

With p = softmax(teacher / T) (the teacher, fixed) and q = softmax(student / T) (the student, trained):

* ``"fkl"``, forward KL, KL(p ‖ q) = Σ p (log p − log q): Hinton et al.'s soft term. It is large wherever the
  teacher has mass and the student has none, so the student spreads to cover every mode ("mode covering").
* ``"rkl"``, reverse KL, KL(q ‖ p): large wherever the student has mass and the teacher has none, so the student
  may sit on one mode and ignore the others ("mode seeking").
* ``"jsd"``, the generalized Jensen–Shannon divergence of GKD (Agarwal et al., ICLR 2024), with weight β:
  JSD(β) = β·KL(p ‖ m) + (1 − β)·KL(q ‖ m), m = β·p + (1 − β)·q. β = 0.5 is the usual JSD. As β → 0,
  JSD(β) / β → KL(p ‖ q), and as β → 1, JSD(β) / (1 − β) → KL(q ‖ p): JSD(β) itself goes to 0 at both ends, so
  **β = 0 computes forward KL and β = 1 reverse KL** (the limits up to that scale, TRL's ``GKDTrainer`` convention),
  instead of a loss that is identically 0.
* ``"skl"``, skew KL of DistiLLM (Ko et al., ICML 2024), with α: KL(p ‖ α·p + (1 − α)·q); α = 0 is forward KL.
* ``"srkl"``, skew reverse KL: KL(q ‖ (1 − α)·p + α·q); α = 0 is reverse KL. Both are 0 at α = 1.
* ``"tvd"``, total variation, ½ Σ |p − q|, in [0, 1]: symmetric and bounded.

Each is multiplied by T² (as Hinton's term is, so that its gradients keep their scale as T changes) and averaged
over the batch. Everything is computed from log-softmax (the mixtures by ``logsumexp``), so values and gradients
are finite for logits up to ±1e4 and T from 0.05 to 100.

**Logit standardization** (Sun et al., CVPR 2024): with ``standardize=True`` the teacher's and the student's logits
are each z-scored per row, (z − mean z) / (std z + 1e-7), std with n − 1 as in the paper's code, before the division
by T. The student is then asked to match the teacher's *ranking and relative gaps*, not its scale: a student whose
logits are a tenth of the teacher's, in the same order, matches exactly.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from kdviz.maths.losses import check_temperature, check_unit

__all__ = ["DIVERGENCES", "DEFAULT_BETA", "DEFAULT_ALPHA", "STD_EPS", "check_divergence", "standardize",
           "divergence_rows", "rows_from_log_probs", "divergence"]

DIVERGENCES = ("fkl", "rkl", "jsd", "skl", "srkl", "tvd")
DEFAULT_BETA = 0.5  # JSD's weight: the symmetric Jensen–Shannon divergence
DEFAULT_ALPHA = 0.1  # the skew of skl and srkl: DistiLLM's default
STD_EPS = 1e-7  # Sun et al.'s floor under a row's standard deviation


def check_divergence(kind) -> str:
    """``kind`` if it is one of :data:`DIVERGENCES`, else ``ValueError`` with one line."""
    if kind not in DIVERGENCES:
        raise ValueError(f"the divergence must be one of {', '.join(DIVERGENCES)}, got {kind!r}")
    return kind


def standardize(logits: torch.Tensor) -> torch.Tensor:
    """Each row z-scored: ``(z − mean) / (std + STD_EPS)`` over the last dimension (std with n − 1), shape unchanged.

    A row of equal logits becomes zeros (a uniform softmax), not NaN."""
    mean = logits.mean(dim=-1, keepdim=True)
    std = logits.std(dim=-1, keepdim=True) if logits.shape[-1] > 1 else torch.zeros_like(mean)
    return (logits - mean) / (std + STD_EPS)


def _kl(log_a: torch.Tensor, log_b: torch.Tensor) -> torch.Tensor:
    """Σ a (log a − log b) over the last dimension, (N,); a term with a = 0 adds exactly 0."""
    a = log_a.exp()
    return torch.where(a > 0, a * (log_a - log_b), torch.zeros_like(a)).sum(-1)


def _mix(log_a: torch.Tensor, log_b: torch.Tensor, w: float) -> torch.Tensor:
    """log(w·a + (1 − w)·b) from log a and log b, for 0 < w < 1: a logsumexp, exact where a or b underflows."""
    return torch.logsumexp(torch.stack([log_a + math.log(w), log_b + math.log1p(-w)]), dim=0)


def divergence_rows(student_logits: torch.Tensor, teacher_logits: torch.Tensor, T: float, kind: str = "fkl", *,
                    beta: float = DEFAULT_BETA, alpha: float = DEFAULT_ALPHA, standardize_logits: bool = False) -> torch.Tensor:
    """The divergence ``kind`` of each row, in nats (``tvd``: a fraction of the mass), without T².

    Parameters
    ----------
    student_logits : Tensor of shape (N, C)
    teacher_logits : Tensor of shape (N, C)
        Treated as constants (no gradient flows into the teacher).
    T : float
        Temperature, finite and > 0.
    kind : str
        One of :data:`DIVERGENCES` (module docstring).
    beta : float
        JSD's weight in [0, 1] (``"jsd"`` only; 0 is forward KL, 1 reverse KL).
    alpha : float
        The skew in [0, 1] (``"skl"`` and ``"srkl"`` only; 0 is the plain KL, 1 gives 0).
    standardize_logits : bool
        Z-score both rows before dividing by T (Sun et al. 2024).

    Returns
    -------
    Tensor of shape (N,), ≥ 0 up to rounding (a few ulps below 0 where the two rows are equal).
    """
    T = check_temperature(T)
    kind = check_divergence(kind)
    beta, alpha = check_unit("beta (the weight of JSD)", beta), check_unit("alpha (the skew)", alpha)
    if student_logits.shape != teacher_logits.shape or student_logits.dim() != 2:
        raise ValueError(f"student and teacher logits must both have shape (N, C), got "
                         f"{tuple(student_logits.shape)} and {tuple(teacher_logits.shape)}")
    z_s, z_t = student_logits, teacher_logits.detach()
    if standardize_logits:
        z_s, z_t = standardize(z_s), standardize(z_t)
    log_q = F.log_softmax(z_s / T, dim=-1)  # (N, C) student at T
    log_p = F.log_softmax(z_t / T, dim=-1)  # (N, C) teacher at T
    return rows_from_log_probs(log_q, log_p, kind, beta=beta, alpha=alpha)


def rows_from_log_probs(log_q: torch.Tensor, log_p: torch.Tensor, kind: str, *, beta: float = DEFAULT_BETA,
                        alpha: float = DEFAULT_ALPHA) -> torch.Tensor:
    """:func:`divergence_rows` from the student's and the teacher's log-probabilities at T, (N, C) each, without the
    checks: a training loop's form (the teacher's are computed once for the run)."""
    if kind == "fkl" or (kind == "jsd" and beta == 0.0) or (kind == "skl" and alpha == 0.0):
        return _kl(log_p, log_q)
    if kind == "rkl" or (kind == "jsd" and beta == 1.0) or (kind == "srkl" and alpha == 0.0):
        return _kl(log_q, log_p)
    if kind == "jsd":
        log_m = _mix(log_p, log_q, beta)  # m = β·p + (1 − β)·q
        return beta * _kl(log_p, log_m) + (1.0 - beta) * _kl(log_q, log_m)
    if kind == "skl":
        return 0.0 * log_q.sum(-1) if alpha == 1.0 else _kl(log_p, _mix(log_p, log_q, alpha))  # 0, in the graph
    if kind == "srkl":
        return 0.0 * log_q.sum(-1) if alpha == 1.0 else _kl(log_q, _mix(log_q, log_p, alpha))
    return 0.5 * (log_p.exp() - log_q.exp()).abs().sum(-1)  # tvd


def divergence(student_logits: torch.Tensor, teacher_logits: torch.Tensor, T: float, kind: str = "fkl", *,
               beta: float = DEFAULT_BETA, alpha: float = DEFAULT_ALPHA, standardize_logits: bool = False) -> torch.Tensor:
    """The soft term: T² · the batch mean of :func:`divergence_rows` (same arguments); a scalar tensor.

    ``divergence(s, t, T)`` (forward KL) equals :func:`kdviz.maths.losses.distillation_loss`'s ``soft``."""
    T = check_temperature(T)
    return (T * T) * divergence_rows(student_logits, teacher_logits, T, kind, beta=beta, alpha=alpha,
                                     standardize_logits=standardize_logits).mean()
