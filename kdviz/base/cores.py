"""The cores this process may use, and requests for parallel work capped at them.

A worker process or a training slot beyond the cores only adds memory (each worker imports torch:
6 idle workers held 2.3 GB on 2 cores) and makes every run slower, so ``--n-jobs``, ``--threads`` and
``KDVIZ_TRAIN_SLOTS`` are capped here, with a one-line note saying so. Nothing here imports torch.
"""

from __future__ import annotations

import os
from collections.abc import Callable

__all__ = ["usable_cores", "capped"]


def usable_cores() -> int:
    """The cores this process may run on (its CPU affinity, else ``os.cpu_count()``), at least 1."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # no affinity on this platform
        return max(1, os.cpu_count() or 1)


def capped(requested: int, what: str, *, note: Callable[[str], None] | None = None) -> int:
    """``requested`` (an int ≥ 1), or :func:`usable_cores` when it asks for more; then ``note`` gets one line
    naming ``what`` (e.g. ``"--n-jobs"``), the request and the cap."""
    cores = usable_cores()
    if requested <= cores:
        return requested
    if note is not None:
        note(f"{what} {requested:,} capped at {cores}: this machine lets kdviz use {cores} core(s), "
             f"and more at once would only add memory and slow every run down")
    return cores
