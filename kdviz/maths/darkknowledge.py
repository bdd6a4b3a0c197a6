"""Where the dark knowledge sits in the soft loss: the numbers of the pages' TCKD / NCKD views.

Per example, with p = softmax(teacher / T), q = softmax(student / T), t the true class,
b = [p_t, 1 − p_t] and p̂ = p over the classes ≠ t renormalised (Zhao et al. 2022):

    KL(p ‖ q) = TCKD + (1 − p_t) · NCKD,   TCKD = KL(b ‖ b^S),   NCKD = KL(p̂ ‖ q̂)

TCKD is how sure the teacher is of the true class, against the student; NCKD is how the teacher
ranks the *wrong* classes (the dark knowledge), against the student. Plain KD multiplies NCKD by
the weight 1 − p_t, tiny where the teacher is confident; raising T raises it.

Plain functions built on :func:`kdviz.maths.losses.decompose_kd` and :func:`kdviz.maths.losses.soften`, in
float64 (float32 logits are widened first), so that ``kdviz/viz/live/kdmath_dkd.js`` (``targetCurve``,
``nonTarget``, ``weightSummary``, ``decompositionCurves``) gives the same numbers to 1e-6. KL terms
are in nats; no streamlit here.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch

from kdviz.maths.explore import T_GRID
from kdviz.maths.losses import check_temperature, decompose_kd, soften

__all__ = ["WEIGHT_BINS", "SMALL_WEIGHT", "WeightSummary", "target_curve", "non_target", "weight_summary",
           "decomposition_curves"]

# Bin edges of the histogram of 1 − p_t. At T = 1 the shipped MNIST teacher puts half of the test digits
# below 1e-4 and some below 1e-9, while a few it gets wrong are above 0.5: decades from 1e-8 to 0.01 show the
# mass near 0, then 0.01, 0.1, 0.5, 1 the rest. Bins are [lo, hi), the last one [0.5, 1] (as np.histogram).
WEIGHT_BINS = (0.0, 1e-8, 1e-6, 1e-4, 1e-2, 0.1, 0.5, 1.0)
SMALL_WEIGHT = 0.01  # "NCKD counts less than 1/100": the share of rows with 1 − p_t below this is reported


def _f64(x) -> torch.Tensor:
    """A float64 tensor of ``x`` (a tensor or an array), detached, on the CPU."""
    if isinstance(x, torch.Tensor):
        return x.detach().cpu().to(torch.float64)
    return torch.from_numpy(np.array(x, dtype=np.float64))  # a copy: the array may be read-only


def _labels(y, n: int) -> torch.Tensor:
    """Class indices ``y`` (a tensor, an array or a scalar) as a LongTensor of shape (n,)."""
    t = y.detach().cpu() if isinstance(y, torch.Tensor) else torch.from_numpy(np.array(y, dtype=np.int64))
    return t.reshape(n).long()


def _weights(teacher_logits: torch.Tensor, labels: torch.Tensor, T: float) -> np.ndarray:
    """1 − p_t of the teacher at T per row, (N,), from decompose_kd (log space: exact where p_t rounds to 1)."""
    return decompose_kd(teacher_logits, teacher_logits, labels, T).weight.numpy()


def target_curve(z, label: int, temps=T_GRID) -> pd.DataFrame:
    """The teacher's probability of the true class, p_t, and the weight 1 − p_t of NCKD, as T varies.

    Parameters
    ----------
    z : Tensor or array of shape (C,)
        One row of teacher logits (one test image).
    label : int
        Its true class t, in [0, C).
    temps : 1-D array of K temperatures > 0
        Default :data:`kdviz.maths.explore.T_GRID`, the pages' grid.

    Returns
    -------
    DataFrame with K rows: ``T``, ``p_t`` (softmax(z / T)_t) and ``weight`` (1 − p_t, computed as a
    logsumexp over the other classes, so it stays exact, not 0, where p_t rounds to 1).
    """
    row = _f64(z).reshape(1, -1)  # (1, C)
    y = torch.tensor([int(label)])
    rows = []
    for T in temps:
        T = check_temperature(float(T))
        rows.append({"T": T, "p_t": float(soften(row, T)[0, int(label)]), "weight": float(_weights(row, y, T)[0])})
    return pd.DataFrame(rows, columns=["T", "p_t", "weight"])


def non_target(z, label: int, T: float) -> pd.DataFrame:
    """The teacher's softmax p at T and its non-target part p̂: p without the true class, rescaled to sum 1.

    Parameters
    ----------
    z : Tensor or array of shape (C,)
        One row of teacher logits.
    label : int
        Its true class t, in [0, C).
    T : float > 0

    Returns
    -------
    DataFrame with C rows: ``class`` (0 … C − 1), ``p`` (softmax(z / T), sums to 1) and ``p_hat``
    (p̂, 0 at the true class, the others sum to 1; the log-softmax of z / T with the target column at −inf).
    """
    T = check_temperature(T)
    row = _f64(z).reshape(1, -1)  # (1, C)
    C, t = row.shape[1], int(label)
    if not 0 <= t < C:
        raise ValueError(f"label must be a class in [0, {C}), got {label}")
    masked = row.clone()
    masked[0, t] = -torch.inf
    p_hat = soften(masked, T)[0].numpy()  # exp(−inf) = 0 at the target
    return pd.DataFrame({"class": np.arange(C), "p": soften(row, T)[0].numpy(), "p_hat": p_hat})


@dataclass(frozen=True)
class WeightSummary:
    """The weight 1 − p_t of NCKD over many rows (test images) at one temperature.

    ``mean`` and ``median`` of 1 − p_t; ``small``: the share of rows with 1 − p_t < :data:`SMALL_WEIGHT`
    (NCKD counts less than 1/100 in their loss); ``hist``: one row per bin of ``bins``, columns ``lo``,
    ``hi``, ``count``, ``share`` (count / N).
    """

    T: float
    mean: float
    median: float
    small: float
    hist: pd.DataFrame


def weight_summary(teacher_logits, labels, T: float, bins=WEIGHT_BINS) -> WeightSummary:
    """How much weight plain KD gives NCKD over all rows: the mean, median and histogram of 1 − p_t at T.

    Parameters
    ----------
    teacher_logits : Tensor or array of shape (N, C)
        The teacher's logits (the test images).
    labels : Tensor or array of shape (N,)
        Their true classes, in [0, C).
    T : float > 0
    bins : increasing edges, K + 1 of them, covering [0, 1]
        Default :data:`WEIGHT_BINS`: decades near 0 (where the confident answers are), then 0.1, 0.5, 1.
        Bins are [lo, hi), the last one closed, as :func:`numpy.histogram`.

    Returns
    -------
    WeightSummary
    """
    T = check_temperature(T)
    z = _f64(teacher_logits)
    z = z.reshape(1, -1) if z.dim() == 1 else z  # (N, C)
    w = _weights(z, _labels(labels, len(z)), T)  # (N,)
    edges = np.asarray(bins, dtype=float)
    counts, _ = np.histogram(w, bins=edges)
    hist = pd.DataFrame({"lo": edges[:-1], "hi": edges[1:], "count": counts, "share": counts / len(w)})
    return WeightSummary(T=T, mean=float(w.mean()), median=float(np.median(w)), small=float((w < SMALL_WEIGHT).mean()),
                         hist=hist)


def decomposition_curves(student_logits, teacher_logits, labels, temps=T_GRID, *, t2: bool = False) -> pd.DataFrame:
    """The soft loss split into TCKD and the weighted NCKD, as T varies: means over the rows.

    Parameters
    ----------
    student_logits, teacher_logits : Tensor or array of shape (N, C) or (C,)
        One row (a test image) or all the test images.
    labels : Tensor or array of shape (N,) (or a scalar for one row)
        True classes, in [0, C).
    temps : 1-D array of K temperatures > 0
        Default :data:`kdviz.maths.explore.T_GRID`.
    t2 : bool
        Multiply ``tckd``, ``weighted_nckd``, ``nckd`` and ``kd`` by T²: the scale of the soft loss
        T²·KL the Losses page shows (``kd`` is then its soft loss). ``nckd_share`` does not change.

    Returns
    -------
    DataFrame with K rows: ``T``; ``tckd`` = mean TCKD; ``weighted_nckd`` = mean (1 − p_t)·NCKD;
    ``nckd`` = mean NCKD (unweighted); ``kd`` = mean KL(p ‖ q) = tckd + weighted_nckd; ``nckd_share`` =
    weighted_nckd / kd, the share of the soft loss that is dark knowledge (NaN where kd = 0). Nats.
    """
    s, t = _f64(student_logits), _f64(teacher_logits)
    s, t = (s.reshape(1, -1), t.reshape(1, -1)) if s.dim() == 1 else (s, t)  # (N, C)
    y = _labels(labels, len(s))
    rows = []
    for T in temps:
        T = check_temperature(float(T))
        d = decompose_kd(s, t, y, T)
        k = T * T if t2 else 1.0
        kd, wn = float(d.kd.mean()), float((d.weight * d.nckd).mean())
        rows.append({"T": T, "tckd": k * float(d.tckd.mean()), "weighted_nckd": k * wn, "nckd": k * float(d.nckd.mean()),
                     "kd": k * kd, "nckd_share": wn / kd if kd > 0 else float("nan")})
    return pd.DataFrame(rows, columns=["T", "tckd", "weighted_nckd", "nckd", "kd", "nckd_share"])
