"""Summaries over seeds: mean, sample std, the ``±`` text, NaN → None for JSON, and the one rule for "within the noise".

The rule, everywhere kdviz says a difference helps, hurts or is within the noise: the difference's two-sided 95 %
interval, ``diff ± q·se``, contains 0 (``q``: Student's t quantile for ``df`` degrees of freedom, or the normal
quantile 1.96 when ``df`` is None, as for a gain paired over thousands of test images). Over a few seeds, the
standard error of paired per-seed differences is their sample std / √n with n − 1 degrees of freedom
(:func:`paired`); with one seed there is no standard error, and the verdict is "noise".
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

__all__ = ["sample_std", "mean_std", "plus_minus", "none_if_nan", "to_json_rows", "Z95", "quantile95", "interval95",
           "verdict", "within_noise", "paired"]

Z95 = 1.959964  # the normal distribution's two-sided 95 % quantile
# Student's t two-sided 95 % quantiles for 1–30 degrees of freedom (checked against scipy in tests/test_stats.py)
T95 = (12.706205, 4.302653, 3.182446, 2.776445, 2.570582, 2.446912, 2.364624, 2.306004, 2.262157, 2.228139,
       2.200985, 2.178813, 2.160369, 2.144787, 2.131450, 2.119905, 2.109816, 2.100922, 2.093024, 2.085963,
       2.079614, 2.073873, 2.068658, 2.063899, 2.059539, 2.055529, 2.051831, 2.048407, 2.045230, 2.042272)


def sample_std(values: Sequence[float]) -> float:
    """Sample standard deviation (ddof = 1) of ``values``; NaN for fewer than two."""
    return float(np.std(np.asarray(values, dtype=float), ddof=1)) if len(values) > 1 else float("nan")


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


def plus_minus(mean: float, std: float | None, *, scale: float = 1.0, digits: int = 1, unit: str = "") -> str:
    """``"95.2 ± 0.4 %"`` from ``(0.952, 0.004)`` with ``scale=100, unit=" %"``; just the mean when
    ``std`` is None or NaN (one seed).

    Parameters
    ----------
    mean, std : float
        In the data's unit (fractions for accuracies).
    scale : float, keyword-only
        Multiplies both (100 turns fractions into percentages).
    digits : int, keyword-only
        Decimals shown.
    unit : str, keyword-only
        Appended once, after the ``±`` part.
    """
    text = f"{scale * mean:.{digits}f}"
    if std is not None and math.isfinite(std):
        text += f" ± {scale * std:.{digits}f}"
    return text + unit


def none_if_nan(value):
    """``value``, with NaN and ±inf floats as None (JSON has no NaN); numpy scalars as Python numbers."""
    if hasattr(value, "item") and not isinstance(value, (list, dict)):
        value = value.item()
    return None if isinstance(value, float) and not math.isfinite(value) else value


def to_json_rows(df: pd.DataFrame) -> list[dict]:
    """The rows of ``df`` as JSON-able dicts: numpy scalars as Python numbers, NaN as None."""
    return [{k: none_if_nan(v) for k, v in row.items()} for row in df.to_dict(orient="records")]


def quantile95(df: int | None = None) -> float:
    """The two-sided 95 % quantile: Student's t for ``df`` ≥ 1 degrees of freedom (a table to 30, then the
    Cornish–Fisher expansion z + (z³ + z) / 4df + (5z⁵ + 16z³ + 3z) / 96df², within 1e-4), the normal's for None."""
    if df is None:
        return Z95
    if df < 1:
        raise ValueError(f"degrees of freedom must be ≥ 1, got {df}")
    if df <= len(T95):
        return T95[df - 1]
    z = Z95
    return z + (z**3 + z) / (4 * df) + (5 * z**5 + 16 * z**3 + 3 * z) / (96 * df**2)


def interval95(diff: float, se: float, df: int | None = None) -> tuple[float, float]:
    """``diff ± quantile95(df)·se``: the difference's two-sided 95 % interval, in ``diff``'s unit."""
    half = quantile95(df) * se
    return diff - half, diff + half


def verdict(diff: float, se: float | None, df: int | None = None) -> str:
    """``"helps"`` (the interval lies above 0), ``"hurts"`` (below) or ``"noise"`` (it contains 0, or there is no
    finite standard error: one seed)."""
    if se is None or not math.isfinite(se) or (df is not None and df < 1):
        return "noise"
    lo, hi = interval95(diff, se, df)
    return "helps" if lo > 0 else "hurts" if hi < 0 else "noise"


def within_noise(diff: float, se: float | None, df: int | None = None) -> bool:
    """Whether :func:`verdict` says "noise"."""
    return verdict(diff, se, df) == "noise"


def paired(a: Sequence[float], b: Sequence[float]) -> tuple[float, float | None, str]:
    """Mean, sample std (None for one seed) and :func:`verdict` of the per-seed differences ``a − b`` (same seeds,
    same order), the standard error being std / √n with n − 1 degrees of freedom."""
    d = np.asarray(a, dtype=float) - np.asarray(b, dtype=float)
    mean, std = float(d.mean()), none_if_nan(sample_std(d))
    return mean, std, verdict(mean, None if std is None else std / math.sqrt(len(d)), len(d) - 1)
