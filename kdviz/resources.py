"""Everything read-only that the app, the CLI and notebooks share: data, teacher, teacher logits."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from torch import nn

import numpy as np
import torch

from .data import MNISTSplit, cache_dir, load_mnist
from .diskcache import load_arrays, save_arrays
from .teacher import TEACHER_PATH, load_teacher
from .train import TeacherLogits, teacher_logits

__all__ = ["Resources", "load_resources", "cached_teacher_logits"]


@dataclass(frozen=True)
class Resources:
    """Loaded once per process and never modified (a Streamlit server shares one across sessions)."""

    data: MNISTSplit
    teacher: nn.Module  # eval mode, requires_grad=False
    teacher_meta: dict  # the shipped teacher.json
    logits: TeacherLogits  # teacher logits for every train (4000, 10) and test (1000, 10) digit


def cached_teacher_logits(teacher: nn.Module, meta: dict, data: MNISTSplit, *, use_cache: bool = True) -> TeacherLogits:
    """The teacher's logits on every digit, from the disk cache when this teacher and split made them.

    The file is keyed by the weights' sha256 and the split's fingerprint; it is checked
    (shapes, checksum) on every read and recomputed (~1 s, ~80 MB of activations) when it fails.
    """
    path = cache_dir() / f"teacher-logits-{str(meta.get('sha256', 'unknown'))[:16]}-{data.fingerprint}.npz"
    spec = {"train": ((len(data.y_train), 10), np.float32), "test": ((len(data.y_test), 10), np.float32)}
    cached = load_arrays(path, spec) if use_cache and meta.get("sha256") else None
    if cached is not None:
        return TeacherLogits(train=torch.from_numpy(cached["train"]), test=torch.from_numpy(cached["test"]))
    logits = teacher_logits(teacher, data)
    if use_cache and meta.get("sha256"):
        save_arrays(path, train=logits.train.numpy(), test=logits.test.numpy())
    return logits


def load_resources(teacher_path: Path | str = TEACHER_PATH, *, use_cache: bool = True) -> Resources:
    """Load the embedded data and the shipped teacher; raises ``TeacherError`` (one line) if the teacher is unusable."""
    data = load_mnist(use_cache=use_cache)
    teacher, meta = load_teacher(teacher_path, data=data)
    logits = cached_teacher_logits(teacher, meta, data, use_cache=use_cache)
    return Resources(data=data, teacher=teacher, teacher_meta=meta, logits=logits)
