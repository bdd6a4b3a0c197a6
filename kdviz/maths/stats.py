"""Summaries over seeds: mean, sample std, the ``±`` text, and NaN → None for JSON."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

__all__ = ["sample_std", "mean_std", "plus_minus", "none_if_nan", "to_json_rows"]


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
