"""Everything read-only that the app, the CLI and notebooks share: data, teacher, teacher logits, per data set."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn

from kdviz.base.diskcache import cache_dir, load_arrays, save_arrays
from kdviz.data import datasets
from kdviz.data.mnist import MNISTSplit
from kdviz.train.loop import TeacherLogits, teacher_logits
from kdviz.train.modelfile import ModelFileError, save_model
from kdviz.train.teacher import load_teacher, train_teacher

SHIPPED_LOGITS = datasets.ASSETS  # teacher logits shipped with kdviz, named as in the cache (benchmarks/ship_logits.py)

__all__ = ["Resources", "load_resources", "cached_teacher_logits", "folder_teacher", "folder_teacher_path"]


@dataclass(frozen=True)
class Resources:
    """Loaded once per process and never modified (a Streamlit server shares one across sessions)."""

    data: MNISTSplit
    teacher: nn.Module  # eval mode, requires_grad=False
    teacher_meta: dict  # the teacher's JSON (shipped, or cached for a folder)
    logits: TeacherLogits  # teacher logits for every train (n_train, 10) and test (n_test, 10) image
    dataset: str = datasets.DEFAULT  # a key of kdviz.data.datasets.DATASETS, or datasets.FOLDER


def cached_teacher_logits(teacher: nn.Module, meta: dict, data: MNISTSplit, *, use_cache: bool = True) -> TeacherLogits:
    """The teacher's logits on every digit, from the disk cache when this teacher and split made them.

    The file is keyed by the weights' sha256 and the split's fingerprint; it is checked
    (shapes, checksum) on every read and recomputed (~1 s, ~80 MB of activations) when it fails.
    """
    name = f"teacher-logits-{str(meta.get('sha256', 'unknown'))[:16]}-{data.fingerprint}.npz"
    path = cache_dir() / name
    spec = {"train": ((len(data.y_train), 10), np.float32), "test": ((len(data.y_test), 10), np.float32)}
    cached = load_arrays(path, spec) if use_cache and meta.get("sha256") else None
    if cached is None and use_cache and meta.get("sha256") and (SHIPPED_LOGITS / name).exists():
        cached = load_arrays(SHIPPED_LOGITS / name, spec)  # shipped (Fashion-MNIST's 70,000: ~35 s to compute)
    if cached is not None:
        return TeacherLogits(train=torch.from_numpy(cached["train"]), test=torch.from_numpy(cached["test"]))
    logits = teacher_logits(teacher, data)
    if use_cache and meta.get("sha256"):
        save_arrays(path, train=logits.train.numpy(), test=logits.test.numpy())
    return logits


def folder_teacher_path(data: MNISTSplit) -> Path:
    """Where a folder data set's teacher is cached: keyed by the data's fingerprint."""
    return cache_dir() / f"teacher-folder-{data.fingerprint}.safetensors"


def folder_teacher(data: MNISTSplit, *, log=None, progress=None) -> tuple[nn.Module, dict]:
    """A folder's teacher: from the cache, else trained now (a line per epoch to ``log``, ``progress(done, total)``
    per step) and cached atomically."""
    path = folder_teacher_path(data)
    try:
        return load_teacher(path, data=data)
    except ModelFileError:
        pass  # missing or bad: train it (a bad file is replaced)
    model, meta = train_teacher(data, log=log or (lambda line: None), command="trained on first use of this folder",
                                dataset=datasets.FOLDER, progress=progress)
    save_model(model, path, meta)
    return load_teacher(path, data=data)


def load_resources(teacher_path: Path | str | None = None, *, dataset: str = datasets.DEFAULT,
                   data_dir: Path | str | None = None, use_cache: bool = True, log=None) -> Resources:
    """Load a data set (:func:`kdviz.data.datasets.load_split`: ``dataset`` by name, or the folder ``data_dir``) and
    its teacher: the shipped one (``teacher_path`` overrides it), or for a folder the one trained on first use
    (a line per epoch to ``log``) and cached. Raises ``ValueError`` / ``TeacherError`` with one line."""
    data = datasets.load_split(dataset, data_dir=data_dir, use_cache=use_cache)
    if data_dir is not None and teacher_path is None:
        teacher, meta = folder_teacher(data, log=log)
        dataset = datasets.FOLDER
    else:
        path = teacher_path if teacher_path is not None else datasets.dataset(dataset).teacher
        teacher, meta = load_teacher(path, data=data, command=datasets.rebuild_command(dataset))
    logits = cached_teacher_logits(teacher, meta, data, use_cache=use_cache)
    return Resources(data=data, teacher=teacher, teacher_meta=meta, logits=logits, dataset=dataset)
