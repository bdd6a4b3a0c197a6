"""Results cached on disk: arrays as ``.npz`` without pickle with a sha256 over them, JSON keyed by
what it depends on, every write atomic, and "load, else build and save".

A file that is missing, truncated, altered or of the wrong shape reads as ``None`` and is
rebuilt by the caller (the shapes a file declares are checked before it is decompressed, so a
crafted file can't make a load allocate more than its caller expects); a cache that can't be written (read-only home, full disk) is skipped
with a warning, never an error.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import warnings
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import IO, TypeVar

import numpy as np
from numpy.lib import format as npformat

__all__ = ["cache_dir", "checksum", "declared_as_expected", "load_arrays", "save_arrays", "write_atomic", "key_digest", "keyed_path", "load_json", "save_json",
           "load_or_build"]

T = TypeVar("T")


def cache_dir() -> Path:
    """Folder for kdviz's on-disk caches: ``$KDVIZ_CACHE_DIR``, else ``$XDG_CACHE_HOME/kdviz``, else ``~/.cache/kdviz``."""
    if os.environ.get("KDVIZ_CACHE_DIR"):
        return Path(os.environ["KDVIZ_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "kdviz"


def checksum(*arrays: np.ndarray) -> str:
    """sha256 (hex) of the arrays' bytes, in order."""
    h = hashlib.sha256()
    for a in arrays:
        h.update(np.ascontiguousarray(a).tobytes())
    return h.hexdigest()


_CHECKSUM = ((), np.dtype("<U64"))  # the sha256 in hex that save_arrays writes beside the arrays
_HEADER_ROOM = 1 << 16  # bytes of an .npy member beyond its values: the magic, the header and its padding


def declared_as_expected(path: Path, spec: dict[str, tuple[tuple[int, ...], np.dtype]]) -> bool:
    """Whether the ``.npz`` at ``path`` declares each array of ``spec`` (and the checksum) with exactly that
    shape and dtype, read from the ``.npy`` headers inside the zip without decompressing any values.

    So a crafted file (a small zip that declares a huge array) is refused before :func:`numpy.load`
    allocates what it declares; the zip's own uncompressed sizes are checked against the same bound.
    """
    try:
        with zipfile.ZipFile(path) as z:
            for name, (shape, dtype) in {**spec, "checksum": _CHECKSUM}.items():
                info = z.getinfo(f"{name}.npy")  # KeyError: a missing array
                dtype = np.dtype(dtype)
                if info.file_size > int(np.prod(shape, dtype=np.int64)) * dtype.itemsize + _HEADER_ROOM:
                    return False
                with z.open(info) as f:
                    version = npformat.read_magic(f)
                    read_header = {(1, 0): npformat.read_array_header_1_0, (2, 0): npformat.read_array_header_2_0}.get(version)
                    if read_header is None:
                        return False
                    got_shape, _, got_dtype = read_header(f)
                if tuple(got_shape) != tuple(shape) or got_dtype != dtype:
                    return False
    except Exception:  # not a zip, a bad header, a missing member…: refused
        return False
    return True


def load_arrays(path: Path, spec: dict[str, tuple[tuple[int, ...], np.dtype]]) -> dict[str, np.ndarray] | None:
    """The arrays named in ``spec`` (name → (shape, dtype)), or None if the file fails any check.

    The shapes and dtypes the file declares are checked before any array is read
    (:func:`declared_as_expected`), so a file can't make this allocate more than ``spec`` says.
    """
    path = Path(path)
    if not path.exists() or not declared_as_expected(path, spec):
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
            os.chmod(tmp, 0o644)  # mkstemp makes 0600; the file is data anyone may read
            os.replace(tmp, path)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
    except errors as err:
        warnings.warn(f"kdviz: could not write {what} {path}: {err}", stacklevel=3)


def save_arrays(path: Path, **arrays: np.ndarray) -> None:
    """Write ``arrays`` and their checksum to ``path`` atomically (see :func:`write_atomic`)."""
    write_atomic(path, lambda f: np.savez(f, **arrays, checksum=np.array(checksum(*arrays.values()))))


# ---------------------------------------------------------------- JSON results keyed by what they depend on


def key_digest(key: dict, length: int = 16) -> str:
    """The first ``length`` hex digits of the sha256 of ``key`` as canonical JSON (sorted keys)."""
    return hashlib.sha256(json.dumps(key, sort_keys=True, default=list).encode()).hexdigest()[:length]


def keyed_path(folder: Path | str, kind: str, key: dict, *, suffix: str = ".json", length: int = 16) -> Path:
    """``<folder>/<kind>-<key_digest(key)><suffix>``: one file per distinct key."""
    return Path(folder) / f"{kind}-{key_digest(key, length)}{suffix}"


def load_json(path: Path | str) -> dict | None:
    """The JSON object in ``path``, or None when it is missing, unreadable, not JSON or not an object."""
    try:
        blob = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return blob if isinstance(blob, dict) else None


def save_json(path: Path | str, blob: dict, *, what: str = "the cache file") -> None:
    """Write ``blob`` as JSON atomically (see :func:`write_atomic`). NaN is refused: a row holding
    one is not written (a warning says so) rather than written as invalid JSON."""
    write_atomic(Path(path), lambda f: json.dump(blob, f, allow_nan=False, ensure_ascii=False, indent=1), binary=False,
                 what=what, errors=(OSError, ValueError))


def load_or_build(load: Callable[[], T | None], build: Callable[[], T], save: Callable[[T], None], *,
                  use_cache: bool = True) -> tuple[T, bool]:
    """``(load(), True)`` when the cache holds a good result, else ``(build(), False)`` after ``save``-ing it.

    ``load`` returns None for a missing or bad entry (the checks are the caller's); with
    ``use_cache=False`` neither ``load`` nor ``save`` is called.
    """
    if use_cache:
        hit = load()
        if hit is not None:
            return hit, True
    value = build()
    if use_cache:
        save(value)
    return value, False
