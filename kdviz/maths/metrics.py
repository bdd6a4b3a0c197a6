"""Accuracy, per-class accuracy, confusion matrices and entropy: small functions on predictions."""

from __future__ import annotations

import numpy as np
import torch

__all__ = ["accuracy", "per_class_accuracy", "confusion", "entropy_bits"]


def _np(a) -> np.ndarray:
    return a.detach().cpu().numpy() if isinstance(a, torch.Tensor) else np.asarray(a)


def accuracy(pred, target) -> float:
    """Fraction of equal entries; ``pred`` and ``target`` of shape (N,)."""
    pred, target = _np(pred), _np(target)
    return float((pred == target).mean())


def per_class_accuracy(pred, target, n_classes: int = 10) -> list[float]:
    """Accuracy on the examples of each true class, a list of ``n_classes`` floats (NaN for an absent class)."""
    pred, target = _np(pred), _np(target)
    return [float((pred[target == c] == c).mean()) if (target == c).any() else float("nan") for c in range(n_classes)]


def confusion(pred, target, n_classes: int = 10) -> np.ndarray:
    """Counts of shape (n_classes, n_classes): row = true class, column = predicted class."""
    pred, target = _np(pred).astype(np.int64), _np(target).astype(np.int64)
    return np.bincount(target * n_classes + pred, minlength=n_classes * n_classes).reshape(n_classes, n_classes)


def entropy_bits(probs: torch.Tensor) -> torch.Tensor:
    """Shannon entropy in bits over the last dimension; (..., C) → (...). 0 ≤ H ≤ log2 C."""
    p = probs.clamp_min(0)
    return -(p * torch.log2(p.clamp_min(1e-30))).sum(-1)
