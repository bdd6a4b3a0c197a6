"""Everything read-only that the app, the CLI and notebooks share: data, teacher, teacher logits."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from torch import nn

from .data import MNISTSplit, load_mnist
from .teacher import TEACHER_PATH, load_teacher
from .train import TeacherLogits, teacher_logits

__all__ = ["Resources", "load_resources"]


@dataclass(frozen=True)
class Resources:
    """Loaded once per process and never modified (a Streamlit server shares one across sessions)."""

    data: MNISTSplit
    teacher: nn.Module  # eval mode, requires_grad=False
    teacher_meta: dict  # the shipped teacher.json
    logits: TeacherLogits  # teacher logits for every train (4000, 10) and test (1000, 10) digit


def load_resources(teacher_path: Path | str = TEACHER_PATH) -> Resources:
    """Load the embedded data and the shipped teacher; raises ``TeacherError`` (one line) if the teacher is unusable."""
    data = load_mnist()
    teacher, meta = load_teacher(teacher_path, data=data)
    return Resources(data=data, teacher=teacher, teacher_meta=meta, logits=teacher_logits(teacher, data))
