"""The teacher (a small CNN), the student (an MLP whose hidden sizes are a parameter), the feature-distillation
student (a thin CNN, :mod:`kdviz.train.features`), and the compression lab's models (:mod:`kdviz.compress`): a
compact CNN and the two factorised layers.

All take normalised images of shape (N, 1, 28, 28) and return logits of shape (N, 10).
``architecture(model)`` / ``build_model(arch)`` round-trip a model through a plain,
JSON-able dict, so saved weights carry the shape they need.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence

import torch
from torch import nn

__all__ = [
    "TeacherCNN",
    "StudentMLP",
    "StudentCNN",
    "build_model",
    "architecture",
    "count_params",
    "size_bytes",
    "describe",
    "CompactCNN",
    "LowRankLinear",
    "SeparableConv",
    "trainable_copy",
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


class StudentCNN(nn.Module):
    """Two 3×3 conv blocks and one linear layer: the teacher's shape, much thinner, no hidden head.

    (N,1,28,28) → conv c1 → ReLU → pool → (N,c1,14,14) → conv c2 → ReLU → pool → (N,c2,7,7)
    → flatten (N, c2·49) → linear(10). With (8, 16): 80 + 1,168 + 7,850 = 9,098 parameters.
    """

    def __init__(self, channels: Sequence[int] = (8, 16)):
        super().__init__()
        c1, c2 = (int(c) for c in channels)
        if c1 < 1 or c2 < 1:
            raise ValueError(f"student channels must be ≥ 1, got {list(channels)}")
        self.channels = (c1, c2)
        self.block1 = nn.Sequential(nn.Conv2d(1, c1, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2))  # (N, c1, 14, 14)
        self.block2 = nn.Sequential(nn.Conv2d(c1, c2, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2))  # (N, c2, 7, 7)
        self.head = nn.Sequential(nn.Flatten(), nn.Linear(c2 * 49, 10))

    def forward_features(self, x: torch.Tensor) -> tuple[torch.Tensor, tuple[torch.Tensor, torch.Tensor]]:
        """Logits (N, 10) and the two blocks' outputs: (N, c1, 14, 14), the middle map, and (N, c2, 7, 7)."""
        f1 = self.block1(x)
        f2 = self.block2(f1)
        return self.head(f2), (f1, f2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.block2(self.block1(x)))  # (N, 10)


def architecture(model: nn.Module) -> dict:
    """A JSON-able description from which :func:`build_model` rebuilds the same shapes."""
    if isinstance(model, TeacherCNN):
        return {"kind": "cnn", "channels": list(model.channels), "hidden": model.hidden, "dropout": model.dropout}
    if isinstance(model, StudentMLP):
        return {"kind": "mlp", "hidden": list(model.hidden)}
    if isinstance(model, StudentCNN):
        return {"kind": "student_cnn", "channels": list(model.channels)}
    raise TypeError(f"no architecture description for {type(model).__name__}")


def build_model(arch: dict) -> nn.Module:
    """Inverse of :func:`architecture`: ``{"kind": "cnn" | "mlp", ...}`` → a freshly initialised model."""
    kind = arch.get("kind")
    if kind == "cnn":
        return TeacherCNN(arch["channels"], arch["hidden"], arch.get("dropout", 0.0))
    if kind == "mlp":
        return StudentMLP(arch["hidden"])
    if kind == "student_cnn":
        return StudentCNN(arch["channels"])
    raise ValueError(f"unknown model kind {kind!r} (expected 'cnn', 'mlp' or 'student_cnn')")


def count_params(model: nn.Module) -> int:
    """Number of parameters (weights and biases)."""
    return sum(p.numel() for p in model.parameters())


def size_bytes(model: nn.Module) -> int:
    """Bytes of the parameters and buffers in memory (float32: 4 bytes each)."""
    tensors = list(model.parameters()) + list(model.buffers())
    return sum(t.numel() * t.element_size() for t in tensors)


def describe(model: nn.Module | dict) -> str:
    """A one-line human description of a model or of its :func:`architecture` dict, e.g.
    ``MLP 784-128-10`` or ``CNN conv32-conv64-128-10``."""
    arch = model if isinstance(model, dict) else None
    if arch is None:
        try:
            arch = architecture(model)
        except TypeError:
            return type(model).__name__
    if arch.get("kind") == "mlp":
        return "MLP " + "-".join(str(int(s)) for s in (784, *arch["hidden"], 10))
    if arch.get("kind") == "cnn":
        c1, c2 = arch["channels"]
        return f"CNN conv{c1}-conv{c2}-{arch['hidden']}-10"
    if arch.get("kind") == "student_cnn":
        c1, c2 = arch["channels"]
        return f"CNN conv{c1}-conv{c2}-10"
    raise ValueError(f"unknown model kind {arch.get('kind')!r} (expected 'cnn', 'mlp' or 'student_cnn')")


# ---------------------------------------------------------------- the compression lab's models


class CompactCNN(nn.Module):
    """A small CNN whose second convolution is depthwise-separable.

    (N,1,28,28) → conv 3×3 c1 → ReLU → pool → (N,c1,14,14) → depthwise 3×3 (one filter per
    channel) → pointwise 1×1 to c2 → ReLU → pool → (N,c2,7,7) → flatten → linear(hidden) →
    ReLU → linear(10). With c1 = 16, c2 = 32: the separable pair has 16·9 + 16 + 16·32 + 32 = 704
    parameters where a full 3×3 convolution 16 → 32 has 4,640.
    """

    def __init__(self, channels: Sequence[int] = (16, 32), hidden: int = 32):
        super().__init__()
        c1, c2 = (int(c) for c in channels)
        self.channels, self.hidden = (c1, c2), int(hidden)
        self.features = nn.Sequential(
            nn.Conv2d(1, c1, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),  # (N, c1, 14, 14)
            nn.Conv2d(c1, c1, 3, padding=1, groups=c1),  # depthwise: (N, c1, 14, 14)
            nn.Conv2d(c1, c2, 1), nn.ReLU(), nn.MaxPool2d(2),  # pointwise: (N, c2, 7, 7)
        )
        self.head = nn.Sequential(nn.Flatten(), nn.Linear(c2 * 49, self.hidden), nn.ReLU(), nn.Linear(self.hidden, 10))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x))  # (N, 10)


class LowRankLinear(nn.Sequential):
    """``in → rank → out``: two linear layers whose product is a rank-``rank`` matrix (the second has the bias)."""

    def __init__(self, in_features: int, out_features: int, rank: int):
        super().__init__(nn.Linear(in_features, rank, bias=False), nn.Linear(rank, out_features))
        self.rank = int(rank)


class SeparableConv(nn.Sequential):
    """A k×k convolution replaced by a k×1 convolution to ``rank`` channels and a 1×k convolution to the outputs.

    (N, C_in, H, W) → (N, rank, H', W) → (N, C_out, H', W'); same output shape as the k×k
    convolution it replaces (same stride and padding, split between the two).
    """

    def __init__(self, conv: nn.Conv2d, rank: int):
        (kh, kw), (sh, sw), (ph, pw) = conv.kernel_size, conv.stride, conv.padding
        super().__init__(
            nn.Conv2d(conv.in_channels, rank, (kh, 1), stride=(sh, 1), padding=(ph, 0), bias=False),
            nn.Conv2d(rank, conv.out_channels, (1, kw), stride=(1, sw), padding=(0, pw), bias=conv.bias is not None),
        )
        self.rank = int(rank)


def trainable_copy(model: nn.Module) -> nn.Module:
    """A deep copy in eval mode with gradients on (a shared, frozen model is never modified in place)."""
    m = copy.deepcopy(model)
    for p in m.parameters():
        p.requires_grad_(True)
    return m.eval()
