"""Feature distillation's losses: plain functions on tensors, from a student's feature maps to a teacher's.

* :func:`hint_loss` (FitNets, Romero et al. 2015): mean squared error after an optional 1×1 regressor;
* :func:`attention_loss` (Zagoruyko & Komodakis, ICLR 2017): β · Σ_layers mean (Q_S − Q_T)², Q from :func:`attention_map`;
* :func:`cosine_loss` (the PyTorch tutorial's ``CosineEmbeddingLoss``, target +1): mean 1 − cos.

Maps of different sizes are matched by adaptive average pooling of the larger (:func:`match_size`, :func:`pool_width`).
The training loop that uses them is :mod:`kdviz.train.features`.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import nn

from kdviz.maths.losses import check_weight

__all__ = ["EPS", "match_size", "pool_width", "hint_loss", "attention_map", "attention_distance", "attention_loss", "cosine_loss"]

EPS = 1e-12  # F.normalize's floor on a norm


def match_size(a: torch.Tensor, b: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Maps (N, C_a, H_a, W_a) and (N, C_b, H_b, W_b) pooled to a common (min H, min W) by adaptive average pooling.

    A map already of that size is returned unchanged; 14×14 → 7×7 averages each 2×2 block.
    """
    size = (min(a.shape[-2], b.shape[-2]), min(a.shape[-1], b.shape[-1]))
    pool = lambda m: m if tuple(m.shape[-2:]) == size else F.adaptive_avg_pool2d(m, size)  # noqa: E731
    return pool(a), pool(b)


def pool_width(x: torch.Tensor, width: int) -> torch.Tensor:
    """Rows (N, D) averaged down to (N, width): ``avg_pool1d`` over runs of D / width neighbours when that
    divides (the tutorial's ``avg_pool1d(h, 2)``), else adaptive average pooling. ``width >= D``: unchanged."""
    d = x.shape[1]
    if width >= d:
        return x
    if d % width == 0:
        return F.avg_pool1d(x[:, None, :], d // width)[:, 0, :]
    return F.adaptive_avg_pool1d(x[:, None, :], width)[:, 0, :]


def hint_loss(student_map: torch.Tensor, teacher_map: torch.Tensor, regressor: nn.Module | None = None) -> torch.Tensor:
    """FitNets' hint loss: ``mean((r(S) − T)²)`` over every element, r the regressor (identity when None).

    Spatial sizes are matched by :func:`match_size` after the regressor; the channels must then agree.

    Parameters
    ----------
    student_map : Tensor of shape (N, C_s, H_s, W_s)
    teacher_map : Tensor of shape (N, C_t, H_t, W_t), treated as a constant
    regressor : nn.Module, optional
        Maps C_s channels to C_t, e.g. ``nn.Conv2d(C_s, C_t, 1)``; trained with the student.

    Returns
    -------
    Scalar tensor (squared activation units).
    """
    s = student_map if regressor is None else regressor(student_map)
    s, t = match_size(s, teacher_map.detach())
    if s.shape != t.shape:
        raise ValueError(f"hint: the (regressed) student map {tuple(s.shape)} and the teacher's {tuple(t.shape)} differ")
    return F.mse_loss(s, t)


def attention_map(a: torch.Tensor, *, size: tuple[int, int] | None = None) -> torch.Tensor:
    """Zagoruyko & Komodakis' spatial attention, p = 2: ``Q = vec(mean_c A²) / ‖vec(mean_c A²)‖₂``.

    The paper sums |A|^p over the channels, the authors' code takes the mean: the same Q after the normalisation.

    Parameters
    ----------
    a : Tensor of shape (N, C, H, W)
        A layer's activations.
    size : (h, w), optional
        Pool ``a`` to this size first (adaptive average pooling).

    Returns
    -------
    Tensor of shape (N, H·W) (or (N, h·w)), each row of unit L2 norm (a row of zeros stays zero).
    """
    if size is not None and tuple(a.shape[-2:]) != tuple(size):
        a = F.adaptive_avg_pool2d(a, size)
    q = a.pow(2).mean(1).flatten(1)  # (N, H·W): mean over channels of |A|²
    return F.normalize(q, p=2, dim=1, eps=EPS)


def attention_loss(student_maps: Sequence[torch.Tensor] | torch.Tensor, teacher_maps: Sequence[torch.Tensor] | torch.Tensor,
                   *, beta: float = 1000.0) -> torch.Tensor:
    """Attention transfer: ``β · Σ_layers mean_{n,i} (Q_S[n,i] − Q_T[n,i])²`` (:func:`attention_map`).

    This is the authors' code (``at_loss`` in szagoruyko/attention-transfer: ``(at(x) − at(y)).pow(2).mean()``,
    β = 1000). The paper's eq. 2 writes β/2 · Σ_j ‖Q_S/‖Q_S‖ − Q_T/‖Q_T‖‖₂ per example and says β is
    10³ divided by the attention map's elements and the batch size: the mean over n and i here; the squared
    norm and the missing 1/2 are the code's. Per layer, the larger map is pooled to the smaller's size
    (:func:`match_size`) before Q is taken.

    Parameters
    ----------
    student_maps, teacher_maps : Tensor of shape (N, C, H, W), or equally long sequences of them
        Channels may differ; the teacher's are treated as constants.
    beta : float, keyword-only
        Weight, finite and >= 0 (default 1000).

    Returns
    -------
    Scalar tensor (dimensionless).
    """
    beta = check_weight("beta (the weight of attention transfer)", beta)
    if isinstance(student_maps, torch.Tensor):
        student_maps, teacher_maps = [student_maps], [teacher_maps]
    if len(student_maps) != len(teacher_maps):
        raise ValueError(f"attention: {len(student_maps)} student maps against {len(teacher_maps)} teacher maps")
    total = 0.0
    for s, t in zip(student_maps, teacher_maps):
        s, t = match_size(s, t.detach())
        total = total + attention_distance(attention_map(s), attention_map(t))
    return beta * total


def attention_distance(q_s: torch.Tensor, q_t: torch.Tensor) -> torch.Tensor:
    """mean over (N, H·W) of (Q_S − Q_T)², one layer."""
    return (q_s - q_t).pow(2).mean()


def cosine_loss(student_hidden: torch.Tensor, teacher_hidden: torch.Tensor) -> torch.Tensor:
    """The tutorial's ``CosineEmbeddingLoss`` with target +1: ``mean_n (1 − cos(s_n, t_n))``.

    Flattened representations of different widths are matched by :func:`pool_width` (the wider one is
    averaged over runs of neighbouring entries, as the tutorial's ``avg_pool1d`` does).

    Parameters
    ----------
    student_hidden : Tensor of shape (N, D_s) (a map (N, C, H, W) is flattened)
    teacher_hidden : Tensor of shape (N, D_t), treated as a constant

    Returns
    -------
    Scalar tensor in [0, 2].
    """
    s, t = student_hidden.flatten(1), teacher_hidden.detach().flatten(1)
    width = min(s.shape[1], t.shape[1])
    s, t = pool_width(s, width), pool_width(t, width)
    return F.cosine_embedding_loss(s, t, torch.ones(len(s), dtype=s.dtype))
