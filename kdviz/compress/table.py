"""The Compression page's choices and numbers without Streamlit: its presets, axes and column groups, and the table of
:func:`kdviz.compress.compare` in the units it is shown in.

Labels are catalog keys (``kdviz/locales``); the words that name methods, families and bases come from
:mod:`kdviz.viz.plots_compress`, a higher layer, so the page adds those columns itself.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from kdviz.compress.config import DEFAULT, QUICK
from kdviz.maths.stats import plus_minus

__all__ = ["PRESETS", "X_AXES", "COLUMNS", "GROUPS", "FORMATS", "numbers", "shown_numbers", "max_seeds", "rank_point"]

PRESETS = {  # option → (settings, label key); the full one (the README's table, shipped) opens first
    "full": (DEFAULT, "comp.preset_full"),
    "quick": (QUICK, "comp.preset_quick"),
}
X_AXES = {  # option (a column of the table) → label key
    "size_bytes": "comp.x_size", "sparse_bytes": "comp.x_sparse", "latency_ms_1": "comp.x_latency_1",
    "latency_ms_256": "comp.x_latency_256",
}
COLUMNS = {  # column → its label key, in the CSV's order (all of them, with the accuracy's std)
    "method": "comp.col_method", "acc": "comp.col_acc", "acc_std": "comp.col_acc_std", "family": "comp.col_family",
    "from": "comp.col_from", "parameters": "comp.col_params", "size": "comp.col_size", "csr": "comp.col_csr",
    "zero": "comp.col_zero", "ms_1": "comp.col_ms_1", "ms_256": "comp.col_ms_256", "seconds": "comp.col_seconds",
    "note": "comp.col_note",
}
GROUPS = {  # column group → (label key, its columns after the method): a few columns fit a phone without scrolling
    "accuracy": ("comp.group_accuracy", ["acc", "family", "from"]),
    "size": ("comp.group_size", ["parameters", "size", "csr", "zero"]),
    "speed": ("comp.group_speed", ["ms_1", "ms_256", "seconds"]),
}
FORMATS = {  # numeric column → how the table shows it (the CSV keeps every digit)
    "parameters": "{:.0f}", "size": "{:.1f}", "csr": "{:.1f}", "zero": "{:.3f}", "ms_1": "{:.3f}", "ms_256": "{:.2f}",
    "seconds": "{:.2f}",
}


def numbers(df: pd.DataFrame) -> dict[str, pd.Series]:
    """The numeric columns of :data:`COLUMNS` from :func:`kdviz.compress.compare`'s rows: ``acc`` and ``acc_std`` in %
    (mean and sample std over the seeds), ``parameters`` (count), ``size`` (dense, as saved) and ``csr`` (sparse) in kB,
    ``zero`` (fraction of zero weights), ``ms_1`` and ``ms_256`` (ms a batch of 1 and of 256), ``seconds`` (to build)."""
    return {"acc": 100 * df["test_acc"], "acc_std": 100 * df["test_acc_std"], "parameters": df["params"],
            "size": df["size_bytes"] / 1e3, "csr": df["sparse_bytes"] / 1e3, "zero": df["sparsity"],
            "ms_1": df["latency_ms_1"], "ms_256": df["latency_ms_256"], "seconds": df["seconds"]}


def shown_numbers(values: Mapping[str, pd.Series], df: pd.DataFrame) -> dict[str, list[str]]:
    """The table's texts of the :data:`FORMATS` columns of ``values`` (:func:`numbers`) and ``acc`` as
    ``"mean ± std"`` in % (just the mean for one seed)."""
    return {**{name: [fmt.format(v) for v in values[name]] for name, fmt in FORMATS.items()},
            "acc": [plus_minus(m, s, scale=100) for m, s in zip(df["test_acc"], df["test_acc_std"])]}


def max_seeds(df: pd.DataFrame) -> int:
    """The most seeds any row of the table was measured on."""
    return int(df["n_seeds"].max())


def rank_point(study: Mapping, rank: int) -> dict:
    """The rank study (:func:`kdviz.compress.rank_study`) at ``rank``: ``acc`` (test accuracy, text in %),
    ``points`` (its difference to the dense student, percentage points), ``params`` and ``params_delta`` (texts: the
    factorised student's parameters and their difference to the dense one's), ``mid`` (the inner width,
    min(rank, n_out)) and ``error`` (the relative error of the truncated weight matrix)."""
    here = pd.DataFrame(study["rows"]).set_index("rank").loc[int(rank)]
    return {"acc": f"{100 * here.test_acc:.1f} %", "points": 100 * (here.test_acc - study["dense_acc"]),
            "params": f"{int(here.params):,}", "params_delta": f"{int(here.params) - study['dense_params']:+,}",
            "mid": min(int(rank), study["n_out"]), "error": here.rel_error}
