"""The comparison's methods: every one as plain data, and the plain functions that build them.

A :class:`Method` is one row of the table. Its name is a catalog key with fields (the
text in either language comes from ``kdviz/locales``; :attr:`Method.name` is the English
text the CLI and the README show). It belongs to a family, starts from a base model
("teacher" or "student"), and names the module-level function that builds it with that
function's keyword arguments; ``finetune`` and ``rebuild`` say what happens after.
:func:`plan` lists them for a config, in the order of the table; :func:`kdviz.compress.compare` runs them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import torch
from torch import nn

from kdviz.base.i18n import Message, render
from kdviz.compress.config import BASES, DEFAULT, CompressConfig
from kdviz.compress.lowrank import factorize_conv, svd_linear
from kdviz.compress.prune import prune_structured, prune_unstructured
from kdviz.compress.quantize import quantize_dynamic, quantize_static
from kdviz.data.mnist import MNISTSplit
from kdviz.train.loop import TeacherLogits, TrainConfig, train_student
from kdviz.train.models import CompactCNN, describe
from kdviz.train.resources import Resources

__all__ = ["BASE_NAMES", "Source", "Built", "Method", "plan", "fine_tune", "as_is", "prune_l1", "prune_channels",
           "int8_dynamic", "int8_static", "svd", "separable_conv", "compact_cnn", "distilled_mlp"]

BASE_NAMES: dict[str, Message] = {"teacher": ("plots_compress.teacher", {}), "student": ("plots_compress.student", {})}


@dataclass(frozen=True)
class Source:
    """What a build function gets: the method's base model and what else it may need."""

    model: nn.Module  # the teacher or this seed's baseline student; shared, so never modified in place
    seconds: float  # how long that base model took to train (NaN when unknown)
    res: Resources  # data, teacher logits
    config: CompressConfig
    seed: int


Built = tuple[nn.Module, float | None]  # (model, seconds of the method's own work; None: the runner times the call)


@dataclass(frozen=True)
class Method:
    """One method of the comparison, as plain data (see the module docstring)."""

    key: str  # catalog key of its name, e.g. "plots_compress.m_prune_global"
    fields: dict  # the name's fields, e.g. {"pct": 50.0}; the base is added (see message)
    family: str  # one of FAMILIES
    base: str  # "teacher" or "student": what it starts from and is compared with
    build: Callable[..., Built]  # build(source, **args)
    args: dict = field(default_factory=dict)  # keyword arguments of build
    finetune: int = 0  # epochs of fine_tune after build (labels only, pruning masks kept); 0: none
    rebuild: bool = False  # structured pruning: rebuild smaller dense layers after (rebuild_structured)

    @property
    def message(self) -> Message:
        """``(key, fields)`` with the field ``base`` (the base's own message) added: the name in any language."""
        return self.key, {"base": BASE_NAMES[self.base], **self.fields}

    @property
    def name(self) -> str:
        """The name in English: the ``method`` column of the table and the CLI."""
        return render(self.message, "en")


# ---------------------------------------------------------------- what builds each method


def as_is(src: Source) -> Built:
    """The base model itself (a baseline row), with its recorded training time."""
    return src.model, src.seconds


def prune_l1(src: Source, *, amount: float, scope: str) -> Built:
    """:func:`~kdviz.compress.prune.prune_unstructured` of the base (masks attached)."""
    return prune_unstructured(src.model, amount, scope=scope), None


def prune_channels(src: Source, *, amount: float) -> Built:
    """:func:`~kdviz.compress.prune.prune_structured` of the base (masks attached; ``rebuild`` makes it smaller)."""
    return prune_structured(src.model, amount), None


def int8_dynamic(src: Source) -> Built:
    """:func:`~kdviz.compress.quantize.quantize_dynamic` of the base."""
    return quantize_dynamic(src.model), None


def int8_static(src: Source, *, calibration: int) -> Built:
    """:func:`~kdviz.compress.quantize.quantize_static` of the base, calibrated on the first ``calibration`` train digits."""
    return quantize_static(src.model, src.res.data.x_train[:calibration]), None


def svd(src: Source, *, rank: int) -> Built:
    """:func:`~kdviz.compress.lowrank.svd_linear` of the base."""
    return svd_linear(src.model, rank), None


def separable_conv(src: Source, *, rank: int) -> Built:
    """:func:`~kdviz.compress.lowrank.factorize_conv` of the base."""
    return factorize_conv(src.model, rank), None


def compact_cnn(src: Source, *, gamma: float) -> Built:
    """A :class:`~kdviz.train.models.CompactCNN` trained from scratch: on the labels alone (γ = 0) or distilled from the teacher."""
    c = src.config
    torch.manual_seed(src.seed)  # the initialisation
    model = CompactCNN(c.compact_channels, c.compact_hidden)
    cfg = TrainConfig(epochs=c.compact_epochs, lr=c.compact_lr, T=c.T, gamma=gamma, seed=src.seed, num_threads=c.train_threads)
    run = train_student(src.res.data, src.res.logits, cfg, model=model)
    return run.model, run.seconds


def distilled_mlp(src: Source, *, hidden: tuple[int, ...]) -> Built:
    """An MLP student of hidden sizes ``hidden`` distilled from the teacher (``config.T``, ``config.gamma``)."""
    c = src.config
    cfg = TrainConfig(hidden=hidden, epochs=c.student_epochs, T=c.T, gamma=c.gamma, seed=src.seed, num_threads=c.train_threads)
    run = train_student(src.res.data, src.res.logits, cfg)
    return run.model, run.seconds


def fine_tune(model: nn.Module, data: MNISTSplit, *, epochs: int, lr: float = 3e-4, seed: int = 0, threads: int = 1) -> float:
    """Train ``model`` in place on the labels alone (γ = 0) for a few epochs; pruning masks stay applied.

    Uses :func:`kdviz.train.loop.train_student` (Adam, batch 64, ``seed`` for the batch order).
    Returns the seconds taken.
    """
    if int(epochs) < 1:
        return 0.0
    for p in model.parameters():
        p.requires_grad_(True)
    no_teacher = TeacherLogits(train=torch.zeros(len(data.x_train), 10), test=torch.zeros(len(data.x_test), 10))  # ignored at γ = 0
    run = train_student(data, no_teacher, TrainConfig(epochs=int(epochs), lr=lr, gamma=0.0, seed=seed, num_threads=threads), model=model)
    model.eval()
    return run.seconds


# ---------------------------------------------------------------- the plan


def _pct(amount: float) -> float:
    """A fraction as a percentage for a name (``{pct:g}%``): 0.7 → 70.0, not 70.00000000000001."""
    return round(100 * amount, 6)


def _mlp(hidden) -> str:
    return describe({"kind": "mlp", "hidden": list(hidden)})


def plan(config: CompressConfig = DEFAULT) -> list[Method]:
    """Every method a comparison with ``config`` runs, in the order of the table."""
    c, ft = config, config.finetune_epochs
    methods = [
        Method("plots_compress.m_teacher", {}, "baseline", "teacher", as_is),
        Method("plots_compress.m_student", {"arch": _mlp(c.student_hidden)}, "baseline", "student", as_is),
    ]
    # pruning (the teacher)
    for a in c.prune_amounts:
        methods.append(Method("plots_compress.m_prune_layer", {"pct": _pct(a)}, "pruning", "teacher", prune_l1,
                              {"amount": a, "scope": "layer"}))
    for a in c.prune_amounts:
        methods.append(Method("plots_compress.m_prune_global", {"pct": _pct(a)}, "pruning", "teacher", prune_l1,
                              {"amount": a, "scope": "global"}))
    if ft:
        a = c.finetune_amount
        methods.append(Method("plots_compress.m_prune_global_ft", {"pct": _pct(a), "epochs": ft}, "pruning", "teacher", prune_l1,
                              {"amount": a, "scope": "global"}, finetune=ft))
    for a in c.structured_amounts:
        methods.append(Method("plots_compress.m_prune_channels", {"pct": _pct(a)}, "pruning", "teacher", prune_channels,
                              {"amount": a}, rebuild=True))
    if ft:
        a = max(c.structured_amounts)
        methods.append(Method("plots_compress.m_prune_channels_ft", {"pct": _pct(a), "epochs": ft}, "pruning", "teacher",
                              prune_channels, {"amount": a}, finetune=ft, rebuild=True))
    # quantization (both)
    for base in BASES:
        methods.append(Method("plots_compress.m_int8_dynamic", {}, "quantization", base, int8_dynamic))
        methods.append(Method("plots_compress.m_int8_static", {}, "quantization", base, int8_static, {"calibration": c.calibration}))
    # low rank
    r = c.teacher_svd_rank
    methods.append(Method("plots_compress.m_svd", {"rank": r}, "low-rank", "teacher", svd, {"rank": r}))
    r = c.conv_rank
    methods.append(Method("plots_compress.m_conv", {"rank": r}, "low-rank", "teacher", separable_conv, {"rank": r}))
    if ft:
        methods.append(Method("plots_compress.m_conv_ft", {"rank": r, "epochs": ft}, "low-rank", "teacher", separable_conv,
                              {"rank": r}, finetune=ft))
    for r in c.student_svd_ranks:
        methods.append(Method("plots_compress.m_svd", {"rank": r}, "low-rank", "student", svd, {"rank": r}))
    if ft:
        r = min(c.student_svd_ranks)
        methods.append(Method("plots_compress.m_svd_ft", {"rank": r, "epochs": ft}, "low-rank", "student", svd, {"rank": r},
                              finetune=ft))
    # compact filters: a small redesign of the teacher's CNN
    methods.append(Method("plots_compress.m_compact_labels", {}, "compact", "teacher", compact_cnn, {"gamma": 0.0}))
    methods.append(Method("plots_compress.m_compact_distilled", {"T": c.T, "gamma": c.gamma}, "compact", "teacher", compact_cnn,
                          {"gamma": c.gamma}))
    # distillation
    for hidden in c.distill_hidden:
        methods.append(Method("plots_compress.m_distilled", {"arch": _mlp(hidden)}, "distillation", "teacher", distilled_mlp,
                              {"hidden": hidden}))
    return methods
