"""Arrays cached on disk: ``.npz`` without pickle, a sha256 over the arrays, atomic writes.

A file that is missing, truncated, altered or of the wrong shape reads as ``None`` and is
rebuilt by the caller; a cache that can't be written (read-only home, full disk) is skipped
with a warning, never an error.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import IO

import numpy as np

__all__ = ["checksum", "load_arrays", "save_arrays", "write_atomic"]


def checksum(*arrays: np.ndarray) -> str:
    """sha256 (hex) of the arrays' bytes, in order."""
    h = hashlib.sha256()
    for a in arrays:
        h.update(np.ascontiguousarray(a).tobytes())
    return h.hexdigest()


def load_arrays(path: Path, spec: dict[str, tuple[tuple[int, ...], np.dtype]]) -> dict[str, np.ndarray] | None:
    """The arrays named in ``spec`` (name → (shape, dtype)), or None if the file fails any check."""
    path = Path(path)
    if not path.exists():
        return None
    try:
        with np.load(path, allow_pickle=False) as z:
            arrays = {name: z[name] for name in spec}
            stored = str(z["checksum"])
    except Exception:  # truncated zip, bad header, missing key...: rebuild
        return None
    for name, (shape, dtype) in spec.items():
        if arrays[name].shape != tuple(shape) or arrays[name].dtype != np.dtype(dtype):
            return None
    return arrays if stored == checksum(*arrays.values()) else None


def write_atomic(path: Path, write: Callable[[IO], None], *, binary: bool = True, what: str = "the cache file",
                 errors: tuple[type[BaseException], ...] = (OSError,)) -> None:
    """Call ``write(f)`` on a temporary file beside ``path``, then ``os.replace`` it onto ``path``.

    Readers see the old file or the new one, never half of one. ``errors`` raised while
    writing (a read-only home, a full disk, …) become a warning naming ``what``; no
    temporary file is left behind.
    """
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
        try:
            with os.fdopen(fd, "wb" if binary else "w") as f:
                write(f)
            os.replace(tmp, path)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
    except errors as err:
        warnings.warn(f"kdviz: could not write {what} {path}: {err}", stacklevel=3)


def save_arrays(path: Path, **arrays: np.ndarray) -> None:
    """Write ``arrays`` and their checksum to ``path`` atomically (see :func:`write_atomic`)."""
    write_atomic(path, lambda f: np.savez(f, **arrays, checksum=np.array(checksum(*arrays.values()))))
