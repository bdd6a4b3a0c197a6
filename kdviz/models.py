"""The teacher (a small CNN) and the student (an MLP whose hidden sizes are a parameter).

Both take normalised images of shape (N, 1, 28, 28) and return logits of shape (N, 10).
``architecture(model)`` / ``build_model(arch)`` round-trip a model through a plain,
JSON-able dict, so saved weights carry the shape they need.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

__all__ = [
    "TeacherCNN",
    "StudentMLP",
    "build_model",
    "architecture",
    "count_params",
    "size_bytes",
    "describe",
]


class TeacherCNN(nn.Module):
    """Two 3×3 conv blocks and a two-layer classifier head.

    (N,1,28,28) → conv c1 → ReLU → pool → (N,c1,14,14) → conv c2 → ReLU → pool
    → (N,c2,7,7) → flatten → linear(hidden) → ReLU → dropout → linear(10).
    """

    def __init__(self, channels: Sequence[int] = (32, 64), hidden: int = 128, dropout: float = 0.3):
        super().__init__()
        c1, c2 = channels
        self.channels, self.hidden, self.dropout = (int(c1), int(c2)), int(hidden), float(dropout)
        self.features = nn.Sequential(
            nn.Conv2d(1, c1, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),  # (N, c1, 14, 14)
            nn.Conv2d(c1, c2, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),  # (N, c2, 7, 7)
        )
        self.head = nn.Sequential(
            nn.Flatten(), nn.Linear(c2 * 7 * 7, hidden), nn.ReLU(), nn.Dropout(dropout), nn.Linear(hidden, 10)
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x))  # (N, 10)


class StudentMLP(nn.Module):
    """784 → hidden[0] → … → hidden[-1] → 10, ReLU between layers. ``hidden=()`` is a linear model."""

    def __init__(self, hidden: Sequence[int] = (128,)):
        super().__init__()
        self.hidden = tuple(int(h) for h in hidden)
        if any(h < 1 for h in self.hidden):
            raise ValueError(f"hidden sizes must be ≥ 1, got {list(hidden)}")
        sizes = (784, *self.hidden, 10)
        layers: list[nn.Module] = [nn.Flatten()]  # (N, 1, 28, 28) → (N, 784)
        for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
            layers.append(nn.Linear(n_in, n_out))
            if i < len(sizes) - 2:
                layers.append(nn.ReLU())
        self.net = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)  # (N, 10)


def architecture(model: nn.Module) -> dict:
    """A JSON-able description from which :func:`build_model` rebuilds the same shapes."""
    if isinstance(model, TeacherCNN):
        return {"kind": "cnn", "channels": list(model.channels), "hidden": model.hidden, "dropout": model.dropout}
    if isinstance(model, StudentMLP):
        return {"kind": "mlp", "hidden": list(model.hidden)}
    raise TypeError(f"no architecture description for {type(model).__name__}")


def build_model(arch: dict) -> nn.Module:
    """Inverse of :func:`architecture`: ``{"kind": "cnn" | "mlp", ...}`` → a freshly initialised model."""
    kind = arch.get("kind")
    if kind == "cnn":
        return TeacherCNN(arch["channels"], arch["hidden"], arch.get("dropout", 0.0))
    if kind == "mlp":
        return StudentMLP(arch["hidden"])
    raise ValueError(f"unknown model kind {kind!r} (expected 'cnn' or 'mlp')")


def count_params(model: nn.Module) -> int:
    """Number of parameters (weights and biases)."""
    return sum(p.numel() for p in model.parameters())


def size_bytes(model: nn.Module) -> int:
    """Bytes of the parameters and buffers in memory (float32: 4 bytes each)."""
    tensors = list(model.parameters()) + list(model.buffers())
    return sum(t.numel() * t.element_size() for t in tensors)


def describe(model: nn.Module) -> str:
    """A one-line human description, e.g. ``MLP 784-128-10`` or ``CNN conv32-conv64-128-10``."""
    if isinstance(model, StudentMLP):
        return "MLP " + "-".join(str(s) for s in (784, *model.hidden, 10))
    if isinstance(model, TeacherCNN):
        c1, c2 = model.channels
        return f"CNN conv{c1}-conv{c2}-{model.hidden}-10"
    return type(model).__name__
