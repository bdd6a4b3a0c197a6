"""Model files: weights as safetensors beside a JSON of metadata, written atomically, checked when read.

``<name>.safetensors`` holds plain tensors (nothing is unpickled); ``<name>.json`` holds
the architecture (:func:`kdviz.train.models.architecture`), the data split's fingerprint, the
weights' sha256 and whatever else the caller records (seed, accuracy, the command that
made it). The shipped teachers, the lab's cached teachers and the compression lab's
cached students are all saved and loaded here.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path

from safetensors.torch import load_file
from safetensors.torch import save as safetensors_bytes
from torch import nn

from kdviz.base.diskcache import load_or_build, write_atomic
from kdviz.train.models import build_model

__all__ = ["ModelFileError", "save_model", "load_model", "cached_model", "sha256_of"]


class ModelFileError(RuntimeError):
    """A model file is missing, truncated or does not match; the message is one line."""


def sha256_of(path: Path | str) -> str:
    """sha256 (hex) of a file's bytes."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def save_model(model: nn.Module, path: Path | str, meta: dict) -> None:
    """Write ``path`` (safetensors) and ``path.with_suffix('.json')``, each atomically; the JSON gains the weights' sha256.

    The weights are replaced first: a reader between the two sees a sha256 mismatch and
    rebuilds, never a half-written file. Raises ``OSError`` when the folder can't be written.
    """
    path = Path(path)
    blob = safetensors_bytes({k: v.contiguous() for k, v in model.state_dict().items()})
    meta = {**meta, "sha256": hashlib.sha256(blob).hexdigest()}
    write_atomic(path, lambda f: f.write(blob), errors=())
    write_atomic(path.with_suffix(".json"), lambda f: f.write(json.dumps(meta, indent=2) + "\n"), binary=False, errors=())


def load_model(path: Path | str, *, what: str = "model", fix: str = "", fingerprint: str | None = None) -> tuple[nn.Module, dict]:
    """Load a saved model without training. Returns ``(model in eval mode, metadata)``.

    Parameters
    ----------
    path : the ``.safetensors`` file; its JSON lies beside it
    what : keyword-only; names the file in messages (``"teacher"`` → "teacher weights …")
    fix : keyword-only; what to do about a bad file, appended to every message
    fingerprint : keyword-only; the data split the model must have been trained on

    Raises
    ------
    ModelFileError
        One line naming the file, when the weights or their JSON are missing, truncated,
        altered, of another shape, or trained on another split.
    """
    path = Path(path)
    meta_path = path.with_suffix(".json")
    fix = f"; {fix}" if fix else ""
    if not path.is_file():
        raise ModelFileError(f"{what} weights {path} not found{fix}")
    if not meta_path.is_file():
        raise ModelFileError(f"{what} metadata {meta_path} not found{fix}")
    try:
        meta = json.loads(meta_path.read_text())
        arch = meta["architecture"]
    except (ValueError, KeyError, TypeError):
        raise ModelFileError(f"{what} metadata {meta_path} is not valid{fix}") from None
    if meta.get("sha256") != sha256_of(path):
        raise ModelFileError(f"{what} weights {path} are truncated or altered (sha256 mismatch){fix}")
    try:
        model = build_model(arch)
        model.load_state_dict(load_file(str(path)), strict=True)
    except Exception as err:  # header errors, missing keys, shape mismatches
        reason = str(err).strip().splitlines()[0][:160]
        raise ModelFileError(f"{what} weights {path} do not match their architecture ({reason}){fix}") from None
    if fingerprint is not None and meta.get("split_fingerprint") != fingerprint:
        raise ModelFileError(f"{what} weights {path} were trained on another data split{fix}")
    model.eval()
    for p in model.parameters():
        p.requires_grad_(False)  # shared between sessions: never trained further in place
    return model, meta


def cached_model(path: Path | str, build: Callable[[], tuple[nn.Module, dict]], *, what: str = "model",
                 fingerprint: str | None = None) -> tuple[nn.Module, dict]:
    """The model saved at ``path``, else ``build()``'s, saved there.

    A missing, truncated or altered file (:func:`load_model` raises) is rebuilt and rewritten
    atomically; a folder that can't be written is skipped.

    Parameters
    ----------
    path : path
        The safetensors file (a cache entry: its name should carry a hash of what the model depends on).
    build : callable
        ``build() -> (model, metadata)``, called only when the file is missing or bad.
    what : str, keyword-only
        What the model is, for :func:`load_model`'s messages ("teacher", ...).
    fingerprint : str, optional, keyword-only
        The split's fingerprint; a file saved for another split is rebuilt.

    Returns
    -------
    model : nn.Module
        Frozen either way: eval mode, no gradients.
    meta : dict
        The metadata saved with it.
    """
    def load():
        try:
            return load_model(path, what=what, fingerprint=fingerprint)
        except ModelFileError:
            return None

    def frozen_build():
        model, meta = build()
        model.eval()
        for p in model.parameters():
            p.requires_grad_(False)
        return model, meta

    def save(built):
        try:
            save_model(built[0], path, built[1])
        except OSError:  # read-only cache: work on without it
            pass

    return load_or_build(load, frozen_build, save)[0]
