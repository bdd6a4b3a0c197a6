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
from pathlib import Path

import numpy as np

__all__ = ["checksum", "load_arrays", "save_arrays"]


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


def save_arrays(path: Path, **arrays: np.ndarray) -> None:
    """Write ``arrays`` and their checksum to ``path`` atomically (a temporary file, then ``os.replace``)."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as f:
                np.savez(f, **arrays, checksum=np.array(checksum(*arrays.values())))
            os.replace(tmp, path)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
    except OSError as err:
        warnings.warn(f"kdviz: could not write the cache file {path}: {err}", stacklevel=3)
