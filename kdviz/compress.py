"""Compression lab: the four families of model compression on one teacher, one data split, one clock.

The source note (§7.1) names four families, each trading accuracy for size and speed:
pruning and quantization, low-rank factorization, compact convolution filters, and
knowledge distillation. Here each is applied to the shipped CNN teacher or to the MLP
student, and every resulting model is measured the same way (:func:`measure`):

* ``params``: weights and biases stored (int8 weights count as parameters too);
* ``size_bytes``: the bytes of the model saved as safetensors, dense (:func:`saved_bytes`);
* ``sparse_bytes``: the same with every float weight tensor stored as CSR where that is
  smaller (:func:`sparse_bytes`): what unstructured pruning can really save on disk;
* ``latency_ms_1`` / ``latency_ms_256``: CPU time of one forward pass on 1 image and on
  256 images, the median of repeated runs after warm-up, with a fixed torch thread count
  (:func:`latency_ms`);
* ``test_acc``: accuracy on the 1,000 test digits, mean (and sample std) over seeds;
* ``seconds``: how long the method itself took (training, fine-tuning, calibration,
  factorising), mean over seeds; evaluation and timing are not included.

The methods:

* pruning (:mod:`torch.nn.utils.prune`): :func:`prune_unstructured` (L1 magnitude, per
  layer or global), :func:`prune_structured` (whole conv channels / hidden units, L2 norm),
  then :func:`rebuild_structured` makes the smaller dense layers; optional fine-tuning with
  the masks in place (:func:`fine_tune`).
* quantization (``torch.ao.quantization``, eager mode, int8): :func:`quantize_dynamic`
  (linear layers; activations quantized on the fly) and :func:`quantize_static` (convs and
  linears, activations calibrated on train digits). torch 2.13 marks this API deprecated in
  favour of ``torchao``, which is not installed here; it is the only int8 path available, so
  its warnings are silenced inside these two functions (:func:`quiet_quantization`).
* low-rank: :func:`svd_linear` (truncated SVD of linear weights: one ``in → out`` layer
  becomes ``in → r → out``) and :func:`factorize_conv` (the source note's example: a k×k
  convolution becomes a k×1 then a 1×k convolution through R channels, initialised from an
  SVD of the reshaped kernel); optional fine-tuning.
* compact filters: :class:`CompactCNN`, a small CNN with a depthwise-separable convolution,
  trained on the labels alone and distilled from the teacher.
* distillation: MLP students of several sizes distilled from the teacher
  (:func:`kdviz.train.train_student`).

:func:`compare` runs all of them and caches the table on disk (atomic JSON, rebuilt when
corrupt), keyed by the settings, the data split and the teacher's sha256.
"""

from __future__ import annotations

import contextlib
import copy
import hashlib
import json
import math
import statistics
import time
import warnings
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import pandas as pd
import torch
from safetensors.torch import save as safetensors_bytes
from torch import nn
from torch.nn.utils import prune

from .data import MNISTSplit, cache_dir
from .diskcache import write_atomic
from .models import StudentMLP, TeacherCNN, count_params
from .resources import Resources
from .teacher import TeacherError, load_teacher, save_model
from .train import TeacherLogits, TrainConfig, predict_logits, torch_threads, train_student

__all__ = [
    "FAMILIES",
    "NOTES",
    "CompressConfig",
    "DEFAULT",
    "QUICK",
    "CompactCNN",
    "LowRankLinear",
    "SeparableConv",
    "prunable",
    "prune_unstructured",
    "prune_structured",
    "finish_pruning",
    "rebuild_structured",
    "weight_sparsity",
    "quiet_quantization",
    "quantize_dynamic",
    "quantize_static",
    "svd_linear",
    "factorize_conv",
    "fine_tune",
    "saved_tensors",
    "saved_bytes",
    "sparse_bytes",
    "stored_params",
    "stored_sparsity",
    "latency_ms",
    "latencies",
    "accuracy_on_test",
    "measure",
    "plan",
    "baseline_student",
    "cached_student",
    "svd_rank_curve",
    "pareto_front",
    "ROW_KEYS",
    "compare_key",
    "compare_cache_path",
    "load_cached_compare",
    "compare",
    "to_json_rows",
]

FAMILIES = ("baseline", "pruning", "quantization", "low-rank", "compact", "distillation")

NOTES = {  # family → what it trades; shown on the page under the table
    "baseline": "The shipped CNN teacher and the MLP student trained on the labels alone: the two references every other row is made from.",
    "pruning": "Zeroes the smallest weights. Unstructured zeros leave the dense file and the dense kernels exactly as big and as slow; "
    "they only pay off stored sparse (CSR), and then only at high sparsity. Per-layer pruning cuts the small first convolution as "
    "hard as the big dense layer; global pruning takes the zeros where the weights are smallest, mostly from the big layer. Pruning "
    "whole channels/units lets the layers be rebuilt smaller: fewer bytes and less time, at some accuracy, which a short fine-tune buys back.",
    "quantization": "Stores weights as int8 (4× fewer bytes than float32). Dynamic: only linear layers, activations quantized on the fly; "
    "static: convolutions too, activation ranges fixed by calibration on train digits, and int8 kernels end to end. "
    "No training; a small accuracy cost from rounding.",
    "low-rank": "Replaces a weight matrix by a product of two thin ones (truncated SVD), or a k×k convolution by k×1 then 1×k. "
    "Parameters and multiply-adds fall with the rank; accuracy falls when the rank cuts into what the layer uses, and fine-tuning recovers some.",
    "compact": "Designs the small model up front: a depthwise-separable convolution (a 3×3 filter per channel, then a 1×1 mix) "
    "costs about 1/8 of a full 3×3 convolution. It must be trained from scratch; the teacher's soft targets help it.",
    "distillation": "Trains a small student on the teacher's softened outputs (T = 4, γ = 0.9). Size and speed are whatever "
    "student you choose; the teacher only costs its logits, computed once.",
}

Progress = Callable[[float, str], object] | None  # fraction done in [0, 1], a short message
_CACHE_VERSION = 1


@dataclass(frozen=True)
class CompressConfig:
    """Everything a comparison depends on (with the data split and the teacher). Same config, same table.

    Sparsities are fractions of the weights of the pruned layers; ranks are the inner
    widths of the factorised layers.
    """

    seeds: tuple[int, ...] = (0, 1, 2)  # training seeds: students, compact CNNs, fine-tuning
    threads: int = 1  # torch threads for every latency measurement (stated with the table)
    train_threads: int = 1  # torch threads while training or fine-tuning (see kdviz.train: 1 is fastest for these sizes)
    student_hidden: tuple[int, ...] = (128,)  # the baseline student, 784-128-10 as everywhere in kdviz
    student_epochs: int = 30  # baseline and distilled students, as TrainConfig
    distill_hidden: tuple[tuple[int, ...], ...] = ((32,), (128,), (512,))  # distilled students of several sizes
    T: float = 4.0  # distillation temperature (students and the distilled compact CNN)
    gamma: float = 0.9  # weight of the soft loss
    prune_amounts: tuple[float, ...] = (0.5, 0.7, 0.9)  # unstructured, per layer and global
    structured_amounts: tuple[float, ...] = (0.25, 0.5)  # fraction of channels / hidden units removed per layer
    finetune_epochs: int = 2  # 0: no fine-tuned rows
    finetune_lr: float = 3e-4  # Adam, labels only (γ = 0), masks kept
    finetune_amount: float = 0.9  # the unstructured sparsity that gets a fine-tuned row
    student_svd_ranks: tuple[int, ...] = (8, 16, 32)  # truncated SVD of the student's linear layers
    teacher_svd_rank: int = 32  # truncated SVD of the teacher's 3136 → 128 layer
    conv_rank: int = 16  # k×k → k×1 + 1×k, through this many channels
    compact_channels: tuple[int, int] = (16, 32)
    compact_hidden: int = 32
    compact_epochs: int = 15
    compact_lr: float = 3e-3
    calibration: int = 512  # train digits for static quantization's activation ranges (the first ones)
    repeats_1: int = 100  # timed runs on 1 image
    repeats_256: int = 25  # timed runs on 256 images
    warmup: int = 3  # untimed runs first

    def __post_init__(self):
        fix = object.__setattr__
        fix(self, "seeds", tuple(int(s) for s in self.seeds))
        fix(self, "student_hidden", tuple(int(h) for h in self.student_hidden))
        fix(self, "distill_hidden", tuple(tuple(int(h) for h in hs) for hs in self.distill_hidden))
        fix(self, "prune_amounts", tuple(float(a) for a in self.prune_amounts))
        fix(self, "structured_amounts", tuple(float(a) for a in self.structured_amounts))
        fix(self, "student_svd_ranks", tuple(int(r) for r in self.student_svd_ranks))
        fix(self, "compact_channels", tuple(int(c) for c in self.compact_channels))
        if not self.seeds or any(s < 0 for s in self.seeds) or len(set(self.seeds)) != len(self.seeds):
            raise ValueError(f"seeds must be distinct whole numbers ≥ 0, got {list(self.seeds)}")
        if int(self.threads) < 1 or int(self.train_threads) < 1:
            raise ValueError(f"threads must be ≥ 1, got {self.threads} and {self.train_threads}")
        for a in (*self.prune_amounts, *self.structured_amounts, self.finetune_amount):
            if not 0.0 < a < 1.0:
                raise ValueError(f"sparsities must be in (0, 1), got {a}")
        for r in (*self.student_svd_ranks, self.teacher_svd_rank, self.conv_rank):
            if int(r) < 1:
                raise ValueError(f"ranks must be ≥ 1, got {r}")
        if min(self.student_epochs, self.compact_epochs, self.repeats_1, self.repeats_256, self.calibration) < 1:
            raise ValueError("epochs, repeats and calibration size must be ≥ 1")
        if self.finetune_epochs < 0 or self.warmup < 0:
            raise ValueError("fine-tune epochs and warm-up runs must be ≥ 0")
        TrainConfig(T=self.T, gamma=self.gamma)  # validates T and γ

    def replace(self, **changes) -> "CompressConfig":
        """A copy with some fields changed (validated again)."""
        return CompressConfig(**{**asdict(self), **changes})


DEFAULT = CompressConfig()
QUICK = CompressConfig(  # every method once (no fine-tuning), in seconds: for tests, CI and a first look
    seeds=(0,), student_epochs=2, distill_hidden=((32,),), prune_amounts=(0.5,), structured_amounts=(0.5,),
    finetune_epochs=0, student_svd_ranks=(16,), compact_epochs=1, calibration=128,
    repeats_1=5, repeats_256=2, warmup=1,
)


# ---------------------------------------------------------------- models of the lab


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


def _set_submodule(model: nn.Module, name: str, new: nn.Module) -> None:
    parent_name, _, child = name.rpartition(".")
    setattr(model.get_submodule(parent_name) if parent_name else model, child, new)


def _trainable_copy(model: nn.Module) -> nn.Module:
    """A deep copy with gradients on (the shipped teacher is frozen and shared: never modify it)."""
    m = copy.deepcopy(model)
    for p in m.parameters():
        p.requires_grad_(True)
    return m.eval()


# ---------------------------------------------------------------- pruning


def prunable(model: nn.Module) -> list[tuple[str, nn.Module]]:
    """The layers pruning acts on: every ``nn.Conv2d`` and ``nn.Linear``, as ``(name, module)``."""
    return [(n, m) for n, m in model.named_modules() if isinstance(m, (nn.Conv2d, nn.Linear))]


def prune_unstructured(model: nn.Module, amount: float, *, scope: str = "layer") -> nn.Module:
    """L1-magnitude pruning of the conv and linear weights (biases are kept).

    Parameters
    ----------
    model : nn.Module (not modified; a copy is pruned)
    amount : float in (0, 1)
        Fraction of weights set to zero: in every layer (``scope="layer"``) or over all of
        them together, smallest magnitudes first (``scope="global"``).

    Returns
    -------
    nn.Module
        The copy, with :mod:`torch.nn.utils.prune`'s masks still attached (so that
        :func:`fine_tune` keeps the zeros); :func:`finish_pruning` makes them permanent.
    """
    if not 0.0 < float(amount) < 1.0:
        raise ValueError(f"pruning amount must be in (0, 1), got {amount}")
    if scope not in ("layer", "global"):
        raise ValueError(f"scope must be 'layer' or 'global', got {scope!r}")
    m = _trainable_copy(model)
    layers = [mod for _, mod in prunable(m)]
    if scope == "layer":
        for mod in layers:
            prune.l1_unstructured(mod, "weight", amount=float(amount))
    else:
        prune.global_unstructured([(mod, "weight") for mod in layers], pruning_method=prune.L1Unstructured, amount=float(amount))
    return m


def _output_layer(model: nn.Module) -> nn.Module:
    return [mod for _, mod in prunable(model)][-1]


def prune_structured(model: nn.Module, amount: float) -> nn.Module:
    """Remove whole output channels of every conv and whole units of every hidden linear layer (L2 norm, smallest first).

    The output layer (10 logits) is left whole. A removed channel loses its bias too, so
    it outputs exactly 0 and :func:`rebuild_structured` can drop it without changing the
    function. Returns a pruned copy with the masks attached (see :func:`prune_unstructured`).
    """
    if not 0.0 < float(amount) < 1.0:
        raise ValueError(f"pruning amount must be in (0, 1), got {amount}")
    m = _trainable_copy(model)
    last = _output_layer(m)
    for _, mod in prunable(m):
        if mod is last:
            continue
        prune.ln_structured(mod, "weight", amount=float(amount), n=2, dim=0)
        if mod.bias is not None:
            keep = mod.weight_mask.flatten(1).any(1).to(mod.bias.dtype)  # (out,): 1 = kept channel
            prune.custom_from_mask(mod, "bias", keep)
    return m


def finish_pruning(model: nn.Module) -> nn.Module:
    """Make the pruning masks permanent (``prune.remove``): plain weights with zeros, no hooks. In place; returns ``model``."""
    for _, mod in model.named_modules():
        for name in ("weight", "bias"):
            if prune.is_pruned(mod) and hasattr(mod, f"{name}_mask"):
                prune.remove(mod, name)
    return model


def _kept(mod: nn.Module) -> torch.Tensor:
    """Indices of the output rows of a layer that are not entirely zero (weight row and bias)."""
    alive = mod.weight.detach().flatten(1).ne(0).any(1)
    if mod.bias is not None:
        alive |= mod.bias.detach().ne(0)
    idx = torch.nonzero(alive).flatten()
    return idx if len(idx) else torch.zeros(1, dtype=torch.long)  # keep one (zero) unit rather than none


@torch.no_grad()
def rebuild_structured(model: nn.Module) -> nn.Module:
    """Rebuild a structurally pruned :class:`TeacherCNN` or :class:`StudentMLP` with smaller dense layers.

    Drops every conv channel / hidden unit whose weights and bias are all zero, and the
    matching inputs of the next layer. The result computes the same function as the
    pruned model (up to float rounding) with fewer parameters. ``model`` is not modified.
    """
    model = finish_pruning(copy.deepcopy(model))
    if isinstance(model, TeacherCNN):
        conv1, conv2, fc1, fc2 = model.features[0], model.features[3], model.head[1], model.head[4]
        k1, k2, k3 = _kept(conv1), _kept(conv2), _kept(fc1)
        spatial = fc1.in_features // conv2.out_channels  # 7·7 positions per channel after flatten
        cols = (k2[:, None] * spatial + torch.arange(spatial)[None, :]).flatten()  # (len(k2)·49,)
        new = TeacherCNN((len(k1), len(k2)), len(k3), model.dropout)
        pairs = (
            (new.features[0], conv1.weight[k1], conv1.bias[k1]),
            (new.features[3], conv2.weight[k2][:, k1], conv2.bias[k2]),
            (new.head[1], fc1.weight[k3][:, cols], fc1.bias[k3]),
            (new.head[4], fc2.weight[:, k3], fc2.bias),
        )
    elif isinstance(model, StudentMLP):
        linears = [mod for mod in model.net if isinstance(mod, nn.Linear)]
        kept = [_kept(mod) for mod in linears[:-1]] + [torch.arange(linears[-1].out_features)]
        new = StudentMLP(tuple(len(k) for k in kept[:-1]))
        new_linears = [mod for mod in new.net if isinstance(mod, nn.Linear)]
        pairs = []
        prev = torch.arange(linears[0].in_features)
        for old, fresh, rows in zip(linears, new_linears, kept):
            pairs.append((fresh, old.weight[rows][:, prev], old.bias[rows]))
            prev = rows
    else:
        raise TypeError(f"rebuild_structured knows TeacherCNN and StudentMLP, not {type(model).__name__}")
    for layer, w, b in pairs:
        layer.weight.copy_(w)
        layer.bias.copy_(b)
    return new.eval()


def weight_sparsity(model: nn.Module) -> float:
    """Fraction of exactly-zero entries over all conv and linear weight tensors (masks applied), measured."""
    zeros = total = 0
    for _, mod in prunable(model):
        w = mod.weight.detach()
        zeros += int((w == 0).sum())
        total += w.numel()
    return zeros / total if total else 0.0


# ---------------------------------------------------------------- quantization


@contextlib.contextmanager
def quiet_quantization() -> Iterator[None]:
    """Silence torch 2.13's deprecation notices for ``torch.ao.quantization`` and quantized tensors (only those)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r".*torch\.ao\.quantization.*deprecated", category=DeprecationWarning)
        warnings.filterwarnings("ignore", message=r".*quantize_per_tensor, torch\.quantize_per_channel.*deprecated")
        warnings.filterwarnings("ignore", message=r"Please use quant_min and quant_max to specify the range for observers")
        yield


def quantize_dynamic(model: nn.Module) -> nn.Module:
    """int8 dynamic quantization of every ``nn.Linear`` (``torch.ao.quantization.quantize_dynamic``).

    Weights are stored as int8, one scale per tensor; activations are quantized on the fly
    at every call, so no calibration is needed. Convolutions stay float32. Returns a copy.
    """
    from torch.ao.quantization import quantize_dynamic as _qd

    with quiet_quantization():
        return _qd(copy.deepcopy(model).eval(), {nn.Linear}, dtype=torch.qint8)


class _Quantized(nn.Module):
    """``QuantStub → model → DeQuantStub``: float in, float out, int8 in between."""

    def __init__(self, model: nn.Module):
        super().__init__()
        from torch.ao.quantization import DeQuantStub, QuantStub

        self.quant, self.model, self.dequant = QuantStub(), model, DeQuantStub()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.dequant(self.model(self.quant(x)))


def _fusable(model: nn.Module) -> list[list[str]]:
    """``[conv or linear, ReLU]`` pairs adjacent inside an ``nn.Sequential``, as module names."""
    pairs = []
    for name, mod in model.named_modules():
        if isinstance(mod, nn.Sequential):
            kids = list(mod.named_children())
            for (a, ma), (b, mb) in zip(kids, kids[1:]):
                if isinstance(ma, (nn.Conv2d, nn.Linear)) and isinstance(mb, nn.ReLU):
                    prefix = f"{name}." if name else ""
                    pairs.append([prefix + a, prefix + b])
    return pairs


@torch.no_grad()
def quantize_static(model: nn.Module, calibration: torch.Tensor, *, engine: str | None = None) -> nn.Module:
    """int8 static (post-training) quantization, eager mode (``torch.ao.quantization``).

    Conv/linear + ReLU pairs are fused, observers record activation ranges on
    ``calibration`` (images of shape (n, 1, 28, 28)), and every conv and linear layer
    becomes an int8 kernel (per-channel weight scales). Input and output stay float32.

    Parameters
    ----------
    engine : the quantized backend, default ``torch.backends.quantized.engine`` (``x86`` here)

    Returns a quantized copy.
    """
    from torch.ao import quantization as tq

    engine = engine or torch.backends.quantized.engine
    with quiet_quantization():
        m = copy.deepcopy(model).eval()
        pairs = _fusable(m)
        if pairs:
            tq.fuse_modules(m, pairs, inplace=True)
        wrapped = _Quantized(m).eval()
        wrapped.qconfig = tq.get_default_qconfig(engine)
        tq.prepare(wrapped, inplace=True)
        for i in range(0, len(calibration), 256):
            wrapped(calibration[i : i + 256])
        tq.convert(wrapped, inplace=True)
    return wrapped.eval()


# ---------------------------------------------------------------- low-rank factorization


@torch.no_grad()
def svd_linear(model: nn.Module, rank: int, *, only_if_smaller: bool = True) -> nn.Module:
    """Truncated SVD of linear weights: ``W (out × in) ≈ B (out × r) · A (r × in)``.

    ``W = U S Vᵀ``; ``A = √S_r V_rᵀ``, ``B = U_r √S_r``: the best rank-r approximation in
    the Frobenius norm (Eckart–Young). Each ``nn.Linear`` with ``rank < min(in, out)`` (and,
    with ``only_if_smaller``, ``rank·(in + out) < in·out``) becomes a :class:`LowRankLinear`.
    Returns a copy.
    """
    rank = int(rank)
    if rank < 1:
        raise ValueError(f"rank must be ≥ 1, got {rank}")
    m = _trainable_copy(model)
    for name, mod in [(n, x) for n, x in m.named_modules() if type(x) is nn.Linear]:
        out_f, in_f = mod.weight.shape
        if rank >= min(out_f, in_f) or (only_if_smaller and rank * (in_f + out_f) >= in_f * out_f):
            continue
        with torch_threads(1):  # multi-threaded LAPACK took 30-200× longer on these small matrices here
            U, S, Vh = torch.linalg.svd(mod.weight.detach().double(), full_matrices=False)  # (out,k), (k,), (k,in)
        root = S[:rank].sqrt()
        new = LowRankLinear(in_f, out_f, rank)
        new[0].weight.copy_((root[:, None] * Vh[:rank]).float())  # (r, in)
        new[1].weight.copy_((U[:, :rank] * root[None, :]).float())  # (out, r)
        new[1].bias.copy_(mod.bias.detach())
        _set_submodule(m, name, new)
    return m.eval()


@torch.no_grad()
def factorize_conv(model: nn.Module, rank: int, *, only_if_smaller: bool = True) -> nn.Module:
    """Replace each k×k convolution (k > 1, groups = 1) by a k×1 then a 1×k convolution through ``rank`` channels.

    The kernel ``W`` of shape (C_out, C_in, k, k) is read as a matrix ``M`` of shape
    (C_in·k, C_out·k), ``M[(i, h), (o, w)] = W[o, i, h, w]``. With ``M ≈ U_r S_r V_rᵀ`` the
    vertical convolution gets ``U_r √S_r`` (shape (rank, C_in, k, 1)) and the horizontal
    one ``√S_r V_rᵀ`` (shape (C_out, rank, 1, k)); their composition is the best rank-r
    approximation of ``M``, exact at ``rank = min(C_in·k, C_out·k)``. This is the source
    note's low-rank example for convolutions (and Jaderberg et al., 2014). A conv is
    replaced only when ``rank < min(C_in·k, C_out·k)`` and, with ``only_if_smaller``, when
    ``rank·k·(C_in + C_out) < C_in·C_out·k²``. Returns a copy.
    """
    rank = int(rank)
    if rank < 1:
        raise ValueError(f"rank must be ≥ 1, got {rank}")
    m = _trainable_copy(model)
    for name, conv in [(n, x) for n, x in m.named_modules() if type(x) is nn.Conv2d]:
        c_out, c_in, kh, kw = conv.weight.shape
        if conv.groups != 1 or kh != kw or kh == 1:
            continue
        k = kh
        if rank >= min(c_in * k, c_out * k) or (only_if_smaller and rank * k * (c_in + c_out) >= c_in * c_out * k * k):
            continue
        M = conv.weight.detach().double().permute(1, 2, 0, 3).reshape(c_in * k, c_out * k)  # rows (i, h), cols (o, w)
        with torch_threads(1):
            U, S, Vh = torch.linalg.svd(M, full_matrices=False)
        root = S[:rank].sqrt()
        vertical = (U[:, :rank] * root).reshape(c_in, k, rank).permute(2, 0, 1)  # (rank, C_in, k)
        horizontal = (root[:, None] * Vh[:rank]).reshape(rank, c_out, k).permute(1, 0, 2)  # (C_out, rank, k)
        new = SeparableConv(conv, rank)
        new[0].weight.copy_(vertical.unsqueeze(-1).float())  # (rank, C_in, k, 1)
        new[1].weight.copy_(horizontal.unsqueeze(2).float())  # (C_out, rank, 1, k)
        if conv.bias is not None:
            new[1].bias.copy_(conv.bias.detach())
        _set_submodule(m, name, new)
    return m.eval()


def fine_tune(model: nn.Module, data: MNISTSplit, *, epochs: int, lr: float = 3e-4, seed: int = 0, threads: int = 1) -> float:
    """Train ``model`` in place on the labels alone (γ = 0) for a few epochs; pruning masks stay applied.

    Uses :func:`kdviz.train.train_student` (Adam, batch 64, ``seed`` for the batch order).
    Returns the seconds taken.
    """
    if int(epochs) < 1:
        return 0.0
    for p in model.parameters():
        p.requires_grad_(True)
    no_teacher = _zero_logits(data)  # ignored at γ = 0
    run = train_student(data, no_teacher, TrainConfig(epochs=int(epochs), lr=lr, gamma=0.0, seed=seed, num_threads=threads), model=model)
    model.eval()
    return run.seconds


def _zero_logits(data: MNISTSplit) -> TeacherLogits:
    return TeacherLogits(train=torch.zeros(len(data.x_train), 10), test=torch.zeros(len(data.x_test), 10))


# ---------------------------------------------------------------- measuring


def _plain(key: str, value) -> dict[str, torch.Tensor]:
    """One state_dict entry as plain (non-quantized) tensors for safetensors."""
    if isinstance(value, torch.dtype) or value is None:
        return {}
    if isinstance(value, tuple):  # packed params of a quantized linear: (int8 weight, float bias)
        base = key.removesuffix("._packed_params._packed_params")
        out = _plain(base + ".weight", value[0])
        return {**out, **_plain(base + ".bias", value[1])} if len(value) > 1 else out
    if not isinstance(value, torch.Tensor):
        return {}
    t = value.detach()
    if t.is_quantized:
        if t.qscheme() in (torch.per_channel_affine, torch.per_channel_symmetric):
            scale, zero = t.q_per_channel_scales().float(), t.q_per_channel_zero_points().to(torch.int32)
        else:
            scale, zero = torch.tensor([t.q_scale()], dtype=torch.float32), torch.tensor([t.q_zero_point()], dtype=torch.int32)
        return {key: t.int_repr().contiguous(), key + ".scale": scale, key + ".zero_point": zero}
    return {key: t.contiguous()}


def saved_tensors(model: nn.Module) -> dict[str, torch.Tensor]:
    """What is written to disk: the state_dict as plain tensors (int8 weights with their scales and zero points).

    Pruning masks are folded in (``weight = weight_orig · weight_mask``) and not stored.
    """
    sd = model.state_dict(keep_vars=False)
    out: dict[str, torch.Tensor] = {}
    for key, value in sd.items():
        if key.endswith("_mask"):
            continue
        if key.endswith("_orig"):
            base = key.removesuffix("_orig")
            value = value * sd[base + "_mask"]
            key = base
        out.update(_plain(key, value))
    return out


def saved_bytes(model: nn.Module) -> int:
    """Bytes of the model saved with safetensors (dense tensors; header included)."""
    return len(safetensors_bytes(saved_tensors(model)))


def _csr(t: torch.Tensor) -> dict[str, torch.Tensor]:
    """A float tensor of shape (rows, ...) as CSR over (rows, cols): values, int16/int32 column indices, int32 row pointers."""
    mat = t.reshape(t.shape[0], -1)
    nz = mat != 0
    index_dtype = torch.int16 if mat.shape[1] <= 32767 else torch.int32
    return {
        "values": mat[nz].contiguous(),
        "col": torch.nonzero(nz)[:, 1].to(index_dtype).contiguous(),
        "crow": torch.cat([torch.zeros(1, dtype=torch.int64), nz.sum(1).cumsum(0)]).to(torch.int32),
    }


def sparse_bytes(model: nn.Module) -> int:
    """Bytes saved with safetensors when each float tensor of 2+ dimensions is stored as CSR where that is smaller.

    A CSR entry costs 4 bytes of value and 2 (or 4) of column index, against 4 bytes dense:
    it pays off only above about 1/3 zeros. int8 and 1-d tensors stay dense.
    """
    out: dict[str, torch.Tensor] = {}
    for key, t in saved_tensors(model).items():
        if t.is_floating_point() and t.dim() >= 2:
            csr = _csr(t)
            if sum(v.numel() * v.element_size() for v in csr.values()) < t.numel() * t.element_size():
                out.update({f"{key}.csr.{k}": v for k, v in csr.items()})
                continue
        out[key] = t
    return len(safetensors_bytes(out))


def stored_sparsity(model: nn.Module) -> float:
    """Fraction of exactly-zero entries over the stored weight tensors (int8 ones included: their zero point is 0)."""
    ws = [t for k, t in saved_tensors(model).items() if k.endswith("weight")]
    return sum(int((t == 0).sum()) for t in ws) / max(1, sum(t.numel() for t in ws))


def stored_params(model: nn.Module) -> int:
    """Weights and biases stored (int8 weights included; scales, zero points and masks not)."""
    return sum(t.numel() for k, t in saved_tensors(model).items() if not k.endswith(("scale", "zero_point")))


@torch.inference_mode()
def latency_ms(model: nn.Module, x: torch.Tensor, *, repeats: int = 20, warmup: int = 3, threads: int = 1) -> float:
    """Median wall time of ``model(x)`` in milliseconds, after ``warmup`` untimed calls, with ``threads`` torch threads.

    ``x`` : images of shape (N, 1, 28, 28). The model is put in eval mode.
    """
    model.eval()
    with torch_threads(threads):
        for _ in range(int(warmup)):
            model(x)
        times = []
        for _ in range(max(1, int(repeats))):
            start = time.perf_counter()
            model(x)
            times.append(time.perf_counter() - start)
    return 1000.0 * statistics.median(times)


@torch.inference_mode()
def latencies(models: dict[str, nn.Module], x: torch.Tensor, *, repeats: int = 20, warmup: int = 3, threads: int = 1) -> dict[str, float]:
    """:func:`latency_ms` of several models, interleaved: round r times each model once, so that a
    burst of load on a shared machine hits all of them alike. Median per model, in milliseconds."""
    with torch_threads(threads):
        for m in models.values():
            m.eval()
            for _ in range(int(warmup)):
                m(x)
        times: dict[str, list[float]] = {k: [] for k in models}
        for _ in range(max(1, int(repeats))):
            for k, m in models.items():
                start = time.perf_counter()
                m(x)
                times[k].append(time.perf_counter() - start)
    return {k: 1000.0 * statistics.median(v) for k, v in times.items()}


def accuracy_on_test(model: nn.Module, data: MNISTSplit) -> float:
    """Fraction of the test digits (1,000) whose argmax logit is the label."""
    return float((predict_logits(model, data.x_test).argmax(1) == data.y_test).float().mean())


def measure(model: nn.Module, data: MNISTSplit, *, threads: int = 1, repeats_1: int = 50, repeats_256: int = 15, warmup: int = 3, timing: bool = True) -> dict:
    """params, size_bytes, sparse_bytes, sparsity and (with ``timing``) latency_ms_1, latency_ms_256 of one model.

    Latencies: the first test image and the first 256 (see :func:`latency_ms`).
    """
    out = {"params": stored_params(model), "size_bytes": saved_bytes(model), "sparse_bytes": sparse_bytes(model), "sparsity": stored_sparsity(model)}
    if timing:
        out["latency_ms_1"] = latency_ms(model, data.x_test[:1], repeats=repeats_1, warmup=warmup, threads=threads)
        out["latency_ms_256"] = latency_ms(model, data.x_test[:256], repeats=repeats_256, warmup=warmup, threads=threads)
    return out


# ---------------------------------------------------------------- the comparison


@dataclass
class _Job:
    method: str
    family: str
    base: str  # "teacher" or "student"
    build: Callable[[dict], tuple[nn.Module, dict]] = field(repr=False)  # ctx → (model, extra row fields)


def _pct(a: float) -> str:
    return f"{100 * a:g}%"


def plan(config: CompressConfig = DEFAULT) -> list[tuple[str, str, str]]:
    """The rows a comparison with ``config`` produces, in order: ``(method, family, base)``."""
    return [(j.method, j.family, j.base) for j in _jobs(config)]


def _jobs(c: CompressConfig) -> list[_Job]:
    """Every method as a job. ``ctx`` holds res, seed, the seed's baseline student and its training seconds."""
    jobs: list[_Job] = []
    ft = c.finetune_epochs
    s_name = "MLP 784-" + "-".join(map(str, c.student_hidden)) + "-10"

    def timed(fn):
        def build(ctx):
            start = time.perf_counter()
            model, extra = fn(ctx)
            return model, {"seconds": time.perf_counter() - start, **extra}
        return build

    def with_ft(fn, base: str, epochs: int):
        def build(ctx):
            start = time.perf_counter()
            model, extra = fn(ctx)
            data = ctx["res"].data
            fine_tune(model, data, epochs=epochs, lr=c.finetune_lr, seed=ctx["seed"], threads=c.train_threads)
            return model, {"seconds": time.perf_counter() - start, "finetune_epochs": epochs, **extra}
        return build

    # baselines
    jobs.append(_Job("teacher (CNN, fp32)", "baseline", "teacher",
                     lambda ctx: (ctx["res"].teacher, {"seconds": float(ctx["res"].teacher_meta.get("train_seconds", float("nan")))})))
    jobs.append(_Job(f"student ({s_name}, labels only)", "baseline", "student",
                     lambda ctx: (ctx["student"], {"seconds": ctx["student_seconds"]})))

    # pruning
    def unstructured(base, amount, scope):
        return lambda ctx: (prune_unstructured(ctx[base], amount, scope=scope), {})

    for scope in ("layer", "global"):
        for a in c.prune_amounts:
            jobs.append(_Job(f"teacher · prune {'per-layer' if scope == 'layer' else 'global'} L1 {_pct(a)}", "pruning", "teacher",
                             timed(unstructured("teacher", a, scope))))
    if ft:
        jobs.append(_Job(f"teacher · prune global L1 {_pct(c.finetune_amount)} + fine-tune {ft} ep", "pruning", "teacher",
                         with_ft(unstructured("teacher", c.finetune_amount, "global"), "teacher", ft)))

    def structured(amount):
        return lambda ctx: (prune_structured(ctx["teacher"], amount), {})

    for a in c.structured_amounts:
        jobs.append(_Job(f"teacher · prune channels L2 {_pct(a)}, rebuilt", "pruning", "teacher", timed(structured(a))))
    if ft:
        a = max(c.structured_amounts)
        jobs.append(_Job(f"teacher · prune channels L2 {_pct(a)}, rebuilt + fine-tune {ft} ep", "pruning", "teacher",
                         with_ft(structured(a), "teacher", ft)))

    # quantization
    calib = lambda ctx: ctx["res"].data.x_train[: c.calibration]  # noqa: E731
    for base in ("teacher", "student"):
        jobs.append(_Job(f"{base} · int8 dynamic (linear layers)", "quantization", base, timed(lambda ctx, b=base: (quantize_dynamic(ctx[b]), {}))))
        jobs.append(_Job(f"{base} · int8 static (all layers)", "quantization", base,
                         timed(lambda ctx, b=base: (quantize_static(ctx[b], calib(ctx)), {}))))

    # low-rank
    jobs.append(_Job(f"teacher · SVD linear rank {c.teacher_svd_rank}", "low-rank", "teacher",
                     timed(lambda ctx: (svd_linear(ctx["teacher"], c.teacher_svd_rank), {"rank": c.teacher_svd_rank}))))
    conv = lambda ctx: (factorize_conv(ctx["teacher"], c.conv_rank), {"rank": c.conv_rank})  # noqa: E731
    jobs.append(_Job(f"teacher · conv 3×3 → 3×1 + 1×3, rank {c.conv_rank}", "low-rank", "teacher", timed(conv)))
    if ft:
        jobs.append(_Job(f"teacher · conv 3×3 → 3×1 + 1×3, rank {c.conv_rank} + fine-tune {ft} ep", "low-rank", "teacher", with_ft(conv, "teacher", ft)))
    for r in c.student_svd_ranks:
        jobs.append(_Job(f"student · SVD linear rank {r}", "low-rank", "student",
                         timed(lambda ctx, r=r: (svd_linear(ctx["student"], r), {"rank": r}))))
    if ft:
        r = min(c.student_svd_ranks)
        jobs.append(_Job(f"student · SVD linear rank {r} + fine-tune {ft} ep", "low-rank", "student",
                         with_ft(lambda ctx, r=r: (svd_linear(ctx["student"], r), {"rank": r}), "student", ft)))

    # compact filters
    for gamma, label in ((0.0, "labels only"), (c.gamma, f"distilled, T={c.T:g}, γ={c.gamma:g}")):
        def compact(ctx, gamma=gamma):
            res = ctx["res"]
            torch.manual_seed(ctx["seed"])
            model = CompactCNN(c.compact_channels, c.compact_hidden)
            cfg = TrainConfig(epochs=c.compact_epochs, lr=c.compact_lr, T=c.T, gamma=gamma, seed=ctx["seed"], num_threads=c.train_threads)
            run = train_student(res.data, res.logits, cfg, model=model)
            return run.model, {"seconds": run.seconds}
        jobs.append(_Job(f"depthwise-separable CNN ({label})", "compact", "teacher", compact))  # a compact redesign of the teacher's CNN

    # distillation
    for hidden in c.distill_hidden:
        def distil(ctx, hidden=hidden):
            res = ctx["res"]
            cfg = TrainConfig(hidden=hidden, epochs=c.student_epochs, T=c.T, gamma=c.gamma, seed=ctx["seed"], num_threads=c.train_threads)
            run = train_student(res.data, res.logits, cfg)
            return run.model, {"seconds": run.seconds}
        jobs.append(_Job(f"distilled MLP 784-{'-'.join(map(str, hidden))}-10", "distillation", "teacher", distil))
    return jobs


def _student_path(res: Resources, c: CompressConfig, seed: int, folder: Path | None) -> Path:
    key = {"split": res.data.fingerprint, "hidden": list(c.student_hidden), "epochs": c.student_epochs, "seed": int(seed), "v": 1}
    digest = hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()[:12]
    return (Path(folder) if folder is not None else cache_dir() / "compress") / f"student-{digest}.safetensors"


def cached_student(res: Resources, config: CompressConfig = DEFAULT, *, seed: int | None = None, folder: Path | str | None = None) -> tuple[nn.Module, dict] | None:
    """The baseline student of ``seed`` (default: the first seed) from the disk cache, or None. Never trains."""
    seed = config.seeds[0] if seed is None else int(seed)
    try:
        return load_teacher(_student_path(res, config, seed, folder), data=res.data)
    except TeacherError:
        return None


def baseline_student(res: Resources, config: CompressConfig = DEFAULT, *, seed: int, folder: Path | str | None = None, use_cache: bool = True) -> tuple[nn.Module, float]:
    """The MLP student trained on the labels alone (γ = 0), cached as safetensors. Returns ``(model, training seconds)``."""
    if use_cache:
        hit = cached_student(res, config, seed=seed, folder=folder)
        if hit is not None:
            return hit[0], float(hit[1].get("train_seconds", float("nan")))
    cfg = TrainConfig(hidden=config.student_hidden, epochs=config.student_epochs, gamma=0.0, seed=seed, num_threads=config.train_threads)
    run = train_student(res.data, res.logits, cfg)
    if use_cache:
        meta = {"architecture": {"kind": "mlp", "hidden": list(config.student_hidden)}, "split_fingerprint": res.data.fingerprint,
                "seed": int(seed), "test_acc": run.test_acc, "train_seconds": round(run.seconds, 3),
                "command": "kdviz.compress.baseline_student (cached; rebuilt automatically)"}
        try:
            save_model(run.model, _student_path(res, config, seed, folder), meta)
        except OSError:
            pass
    return run.model, run.seconds


def svd_rank_curve(student: nn.Module, data: MNISTSplit, ranks: Sequence[int]) -> pd.DataFrame:
    """Test accuracy and size of :func:`svd_linear` of ``student`` at each rank (``only_if_smaller=False``).

    Returns one row per rank: rank, params, size_bytes, test_acc, rel_error (relative
    Frobenius error ``‖W − W_r‖ / ‖W‖`` of the first linear layer, computed from the
    factorised weights).
    """
    first = next(m for m in student.modules() if type(m) is nn.Linear)
    w = first.weight.detach()
    rows = []
    for r in ranks:
        m = svd_linear(student, int(r), only_if_smaller=False)
        low = next(x for x in m.modules() if isinstance(x, (LowRankLinear, nn.Linear)))
        approx = low[1].weight @ low[0].weight if isinstance(low, LowRankLinear) else low.weight  # (out, in)
        rows.append({
            "rank": int(r), "params": count_params(m), "size_bytes": saved_bytes(m), "test_acc": accuracy_on_test(m, data),
            "rel_error": float(torch.linalg.norm(w - approx.detach()) / torch.linalg.norm(w)),
        })
    return pd.DataFrame(rows)


def pareto_front(df: pd.DataFrame, x: str, y: str = "test_acc") -> pd.Series:
    """True for rows no other row beats: none has ``x`` ≤ and ``y`` ≥ with one of them strict (smaller x, higher y are better)."""
    xs, ys = df[x].to_numpy(float), df[y].to_numpy(float)
    better_or_equal = (xs[None, :] <= xs[:, None]) & (ys[None, :] >= ys[:, None])
    strictly = (xs[None, :] < xs[:, None]) | (ys[None, :] > ys[:, None])
    return pd.Series(~(better_or_equal & strictly).any(1), index=df.index)


# ---------------------------------------------------------------- cache


def compare_key(res: Resources, config: CompressConfig = DEFAULT) -> dict:
    """What a comparison's numbers depend on: the config, the data split, the teacher, torch and the quantized engine."""
    return {
        "config": json.loads(json.dumps(asdict(config))),
        "split": res.data.fingerprint,
        "teacher": str(res.teacher_meta.get("sha256", "")),
        "torch": torch.__version__,
        "engine": torch.backends.quantized.engine,
        "version": _CACHE_VERSION,
    }


def compare_cache_path(key: dict, folder: Path | str | None = None) -> Path:
    """``<folder>/compare-<hash of key>.json``; default folder ``cache_dir()/compress``."""
    digest = hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()[:16]
    return (Path(folder) if folder is not None else cache_dir() / "compress") / f"compare-{digest}.json"


ROW_KEYS = (
    "method", "family", "base", "params", "size_bytes", "sparse_bytes", "size_ratio", "latency_ms_1", "latency_ms_256",
    "test_acc", "test_acc_std", "n_seeds", "seconds", "sparsity", "rank", "finetune_epochs", "threads", "note",
)


def _none_if_nan(v):
    return None if isinstance(v, float) and not math.isfinite(v) else v


def to_json_rows(df: pd.DataFrame) -> list[dict]:
    """Rows as JSON-able dicts: NaN → None, numpy scalars → Python numbers."""
    return [{k: _none_if_nan(v.item() if hasattr(v, "item") else v) for k, v in r.items()} for r in df.to_dict(orient="records")]


def _frame(rows: list[dict]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=list(ROW_KEYS)).astype({"rank": float, "test_acc_std": float, "sparsity": float})


def load_cached_compare(key: dict, folder: Path | str | None = None) -> pd.DataFrame | None:
    """The cached comparison for ``key``, or None when missing, corrupt, for another key or for another plan."""
    path = compare_cache_path(key, folder)
    try:
        blob = json.loads(path.read_text())
        rows = blob["rows"]
        expected = plan(CompressConfig(**key["config"]))
        if blob.get("key") != key or [(r["method"], r["family"], r["base"]) for r in rows] != expected:
            return None
        if not all(0.0 <= float(r["test_acc"]) <= 1.0 and int(r["size_bytes"]) > 0 for r in rows):
            return None
        df = _frame(rows)
        df.attrs.update(cached=True, wall_seconds=float(blob.get("meta", {}).get("wall_seconds", 0.0)),
                        per_seed=blob.get("per_seed", []), threads=int(key["config"]["threads"]), engine=key["engine"])
        return df
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def _write_cache(key: dict, df: pd.DataFrame, per_seed: list[dict], meta: dict, folder: Path | str | None) -> None:
    """Atomic: a temporary file in the same folder, then ``os.replace``. A failure only warns."""
    blob = {"key": key, "meta": meta, "rows": to_json_rows(df), "per_seed": per_seed}
    write_atomic(compare_cache_path(key, folder), lambda f: json.dump(blob, f, allow_nan=False), binary=False,
                 what="the compression cache", errors=(OSError, ValueError))  # ValueError: a NaN in the rows


# ---------------------------------------------------------------- compare


def _note(row: dict, base_row: dict) -> str:
    """A one-line, measured account of what this row traded against its base."""
    size = row["size_bytes"] / base_row["size_bytes"]
    speed = base_row["latency_ms_256"] / row["latency_ms_256"]
    acc = 100 * (row["test_acc"] - base_row["test_acc"])
    fam = row["family"]
    if fam == "baseline":
        return "reference"
    parts = [f"{size:.0%} of the {row['base']}'s bytes", f"{speed:.2f}× its speed on 256 images", f"{acc:+.1f} points"]
    if fam == "pruning" and "rebuilt" not in row["method"]:
        parts.insert(0, f"{row['sparsity']:.0%} of weights zero; dense file no smaller, CSR {row['sparse_bytes'] / base_row['size_bytes']:.0%}")
    elif fam == "pruning":
        parts.insert(0, f"{1 - row['params'] / base_row['params']:.0%} of parameters removed")
    return "; ".join(parts)


def compare(
    res: Resources,
    *,
    config: CompressConfig = DEFAULT,
    use_cache: bool = True,
    folder: Path | str | None = None,
    progress: Progress = None,
) -> pd.DataFrame:
    """Run every method of :func:`plan` for each seed and measure every model.

    Test accuracy and seconds are means over ``config.seeds`` (``test_acc_std``: sample
    std, NaN for one seed; deterministic methods on the fixed teacher give 0). Size,
    parameters, sparsity and latency are those of the first seed's model (the same
    architecture for every seed), with ``config.threads`` torch threads.

    Returns
    -------
    DataFrame, one row per method (columns ``ROW_KEYS``): method, family (one of
    :data:`FAMILIES`), base ("teacher" or "student"), params, size_bytes, sparse_bytes,
    size_ratio (size_bytes / the base's), latency_ms_1, latency_ms_256, test_acc,
    test_acc_std, n_seeds, seconds, sparsity, rank, finetune_epochs, threads, note.
    ``df.attrs``: cached, wall_seconds, per_seed (one dict per method and seed: method,
    seed, test_acc, seconds), threads, engine.
    """
    key = compare_key(res, config)
    if use_cache:
        hit = load_cached_compare(key, folder)
        if hit is not None:
            if progress is not None:
                progress(1.0, "read from the cache")
            return hit
    jobs = _jobs(config)
    n_steps = len(config.seeds) * len(jobs) + len(jobs)  # builds, then one measurement per method
    step = 0

    def tell(message: str) -> None:
        if progress is not None:
            progress(min(step / n_steps, 1.0), message)

    start = time.perf_counter()
    per_seed: list[dict] = []
    first: dict[str, tuple[nn.Module, dict]] = {}
    for seed in config.seeds:
        with torch_threads(config.train_threads):  # building and evaluating; timing uses config.threads
            tell(f"seed {seed}: baseline student")
            student, student_seconds = baseline_student(res, config, seed=seed, folder=folder, use_cache=use_cache)
            ctx = {"res": res, "seed": seed, "teacher": res.teacher, "student": student, "student_seconds": student_seconds}
            for job in jobs:
                tell(f"seed {seed}: {job.method}")
                model, extra = job.build(ctx)
                finish_pruning(model)
                if "rebuilt" in job.method:
                    extra["sparsity"] = weight_sparsity(model)  # of the masked model, before it is rebuilt
                    model = rebuild_structured(model)
                model.eval()
                acc = accuracy_on_test(model, res.data)
                secs = float(extra.get("seconds", float("nan")))
                per_seed.append({"method": job.method, "seed": seed, "test_acc": acc, "seconds": round(secs, 3) if math.isfinite(secs) else None})
                if seed == config.seeds[0]:
                    first[job.method] = (model, extra)
                step += 1
    tell("timing every model on 1 image")
    models = {name: model for name, (model, _) in first.items()}
    lat1 = latencies(models, res.data.x_test[:1], repeats=config.repeats_1, warmup=config.warmup, threads=config.threads)
    step += len(jobs) // 2
    tell("timing every model on 256 images")
    lat256 = latencies(models, res.data.x_test[:256], repeats=config.repeats_256, warmup=config.warmup, threads=config.threads)
    step = n_steps
    rows = []
    by_method = pd.DataFrame(per_seed).groupby("method", sort=False)
    for job in jobs:
        model, extra = first[job.method]
        m = measure(model, res.data, timing=False)
        m.update(latency_ms_1=lat1[job.method], latency_ms_256=lat256[job.method])
        if "sparsity" in extra:
            m["sparsity"] = extra["sparsity"]
        accs = by_method.get_group(job.method)["test_acc"]
        secs = by_method.get_group(job.method)["seconds"].astype(float)
        rows.append({
            "method": job.method, "family": job.family, "base": job.base, **m,
            "test_acc": float(accs.mean()), "test_acc_std": float(accs.std(ddof=1)) if len(accs) > 1 else float("nan"),
            "n_seeds": int(len(accs)), "seconds": float(secs.mean()), "rank": float(extra.get("rank", float("nan"))),
            "finetune_epochs": int(extra.get("finetune_epochs", 0)), "threads": int(config.threads),
        })
        step += 1
    base_rows = {r["base"]: r for r in rows if r["family"] == "baseline"}
    for r in rows:
        r["size_ratio"] = r["size_bytes"] / base_rows[r["base"]]["size_bytes"]
        r["note"] = _note(r, base_rows[r["base"]])
        for k in ("latency_ms_1", "latency_ms_256", "seconds"):
            r[k] = round(r[k], 4)
    df = _frame(rows)
    wall = time.perf_counter() - start
    if use_cache:
        _write_cache(key, df, per_seed, {"wall_seconds": round(wall, 2)}, folder)
    df.attrs.update(cached=False, wall_seconds=wall, per_seed=per_seed, threads=int(config.threads), engine=torch.backends.quantized.engine)
    if progress is not None:
        progress(1.0, "done")
    return df
