"""What a comparison depends on: :class:`CompressConfig`, its two presets, the families and the bases."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields

from kdviz.train.config import TrainConfig, check_seeds, to_plain

__all__ = ["FAMILIES", "BASES", "CompressConfig", "DEFAULT", "QUICK", "CURVE_RANKS", "undertrained", "short_training"]

FAMILIES = ("baseline", "pruning", "quantization", "low-rank", "compact", "distillation")  # ids; labels and notes in the catalog
BASES = ("teacher", "student")  # the model a method starts from, or is compared with
CURVE_RANKS = (1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64, 96, 128)  # ranks of the student's SVD curve


@dataclass(frozen=True)
class CompressConfig:
    """Everything a comparison depends on (with the data split and the teacher). Same config, same table.

    Sparsities are fractions of the weights of the pruned layers; ranks are the inner
    widths of the factorised layers.
    """

    seeds: tuple[int, ...] = (0, 1, 2)  # training seeds: students, compact CNNs, fine-tuning
    threads: int = 1  # torch threads for every latency measurement (stated with the table)
    train_threads: int = 1  # torch threads while training or fine-tuning (see kdviz.train.loop: 1 is fastest for these sizes)
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
        fix(self, "student_hidden", tuple(int(h) for h in self.student_hidden))
        fix(self, "distill_hidden", tuple(tuple(int(h) for h in hs) for hs in self.distill_hidden))
        fix(self, "prune_amounts", tuple(float(a) for a in self.prune_amounts))
        fix(self, "structured_amounts", tuple(float(a) for a in self.structured_amounts))
        fix(self, "student_svd_ranks", tuple(int(r) for r in self.student_svd_ranks))
        fix(self, "compact_channels", tuple(int(c) for c in self.compact_channels))
        fix(self, "seeds", tuple(check_seeds(self.seeds)))
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

    def to_dict(self) -> dict:
        """The fields as JSON-able values (tuples as lists): ``CompressConfig.from_dict(c.to_dict()) == c``."""
        return to_plain(asdict(self))

    @classmethod
    def from_dict(cls, values: dict) -> "CompressConfig":
        """The config of :meth:`to_dict` (a saved result's ``config``); unknown keys are ignored."""
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in values.items() if k in known})


DEFAULT = CompressConfig()
QUICK = CompressConfig(  # every method once (no fine-tuning), in seconds: for tests, CI and a first look
    seeds=(0,), student_epochs=2, distill_hidden=((32,),), prune_amounts=(0.5,), structured_amounts=(0.5,),
    finetune_epochs=0, student_svd_ranks=(16,), compact_epochs=1, calibration=128,
    repeats_1=5, repeats_256=2, warmup=1,
)


def short_training(config: CompressConfig, full: CompressConfig = DEFAULT) -> dict[str, tuple[int, int]]:
    """What ``config`` trains for fewer epochs than ``full``: ``{"student": (2, 30), "compact": (1, 15)}``
    (epochs here, epochs in ``full``); empty when nothing is. ``student``: the baseline and distilled MLP
    students; ``compact``: the compact CNNs."""
    out = {}
    if config.student_epochs < full.student_epochs:
        out["student"] = (config.student_epochs, full.student_epochs)
    if config.compact_epochs < full.compact_epochs:
        out["compact"] = (config.compact_epochs, full.compact_epochs)
    return out


def undertrained(families, bases, config: CompressConfig, full: CompressConfig = DEFAULT) -> list[bool]:
    """Per row of a comparison (its ``family`` and ``base`` columns): True when the row's model, or the
    model it was made from, was trained by ``config`` for fewer epochs than by ``full``.

    The MLP student and everything made from it (its quantized and factorised versions) and the
    distilled MLP students follow ``student_epochs``; the compact CNNs ``compact_epochs``. Rows made
    from the shipped teacher are never undertrained (the teacher is trained once, fully).
    """
    short = short_training(config, full)
    return [(fam == "compact" and "compact" in short) or ((base == "student" or fam == "distillation") and "student" in short)
            for fam, base in zip(families, bases)]
