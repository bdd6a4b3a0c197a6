"""What one student run depends on: :class:`TrainConfig`, checked when made, its defaults from :mod:`kdviz.train.defaults`.

Same config, same numbers: the training loop (:mod:`kdviz.train.loop`), the server's queue and the disk cache key
a run by its config.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from kdviz.maths.divergences import check_divergence
from kdviz.maths.losses import check_gamma, check_temperature, check_unit, check_weight
from kdviz.train import defaults

__all__ = ["TrainConfig", "METHODS", "LATER_FIELDS", "check_seeds", "to_plain", "whole_number"]

METHODS = defaults.METHODS


@dataclass(frozen=True)
class TrainConfig:
    """Everything one student run depends on. Same config, same numbers."""

    hidden: tuple[int, ...] = defaults.HIDDEN  # student MLP hidden sizes: 784-128-10 by default
    epochs: int = defaults.EPOCHS  # full passes over the 4,000 train digits
    lr: float = defaults.LR  # Adam learning rate
    batch_size: int = defaults.BATCH_SIZE  # 63 steps per epoch on 4,000 digits
    T: float = defaults.T  # temperature of the soft term; Hinton et al. used 1–20
    gamma: float = defaults.GAMMA  # weight of the soft term; 0 = plain training, 1 = pure distillation
    seed: int = defaults.SEED  # seeds the initialisation and the batch order
    num_threads: int = defaults.NUM_THREADS  # torch threads while training (see kdviz.train.loop)
    method: str = defaults.METHOD  # the soft term: "kd" = T²·KL (Hinton et al.), "dkd" = T²·(alpha·TCKD + beta·NCKD)
    alpha: float = defaults.ALPHA  # dkd: weight of TCKD (target vs the rest); ignored by "kd"
    beta: float = defaults.BETA  # dkd: weight of NCKD (among the non-targets); ignored by "kd"
    warmup: int = 0  # epochs over which the soft term ramps in: its weight is gamma·min(epoch / warmup, 1); 0 = none
    divergence: str = defaults.DIVERGENCE  # kd's soft term: one of kdviz.maths.divergences.DIVERGENCES ("fkl": Hinton's)
    jsd_beta: float = defaults.JSD_BETA  # "jsd": its weight β in [0, 1] (0 = forward KL, 1 = reverse KL)
    skew_alpha: float = defaults.SKEW_ALPHA  # "skl", "srkl": the skew α in [0, 1]
    standardize: bool = False  # z-score the teacher's and the student's logits before T (Sun et al. 2024)

    def __post_init__(self):
        object.__setattr__(self, "hidden", tuple(int(h) for h in self.hidden))
        check_temperature(self.T)
        check_gamma(self.gamma)
        if self.method not in METHODS:
            raise ValueError(f"method must be one of {', '.join(METHODS)}, got {self.method!r}")
        object.__setattr__(self, "alpha", check_weight("alpha (the weight of TCKD)", self.alpha))
        object.__setattr__(self, "beta", check_weight("beta (the weight of NCKD)", self.beta))
        object.__setattr__(self, "divergence", check_divergence(self.divergence))
        object.__setattr__(self, "jsd_beta", check_unit("beta (the weight of JSD)", self.jsd_beta))
        object.__setattr__(self, "skew_alpha", check_unit("alpha (the skew)", self.skew_alpha))
        if not isinstance(self.standardize, bool):
            raise ValueError(f"standardize must be True or False, got {self.standardize!r}")
        if self.method == "dkd" and (self.divergence != "fkl" or self.standardize):
            raise ValueError("method 'dkd' splits the forward KL: use divergence 'fkl' without standardize, or method 'kd'")
        warmup = whole_number(self.warmup)
        if warmup is None or warmup < 0:
            raise ValueError(f"warmup must be a whole number of epochs ≥ 0, got {self.warmup!r}")
        object.__setattr__(self, "warmup", warmup)
        if int(self.epochs) < 1:
            raise ValueError(f"epochs must be ≥ 1, got {self.epochs}")
        if not (self.lr > 0 and np.isfinite(self.lr)):
            raise ValueError(f"learning rate must be a finite number > 0, got {self.lr}")
        if int(self.batch_size) < 1:
            raise ValueError(f"batch_size must be ≥ 1, got {self.batch_size}")
        if any(h < 1 for h in self.hidden):
            raise ValueError(f"hidden sizes must be ≥ 1, got {list(self.hidden)}")

    def replace(self, **changes) -> "TrainConfig":
        """A copy with some fields changed (validated again)."""
        return TrainConfig(**{**asdict(self), **changes})

    def to_dict(self) -> dict:
        """The fields as JSON-able values (tuples as lists): ``TrainConfig(**c.to_dict()) == c``.

        The fields added with the divergences (:data:`LATER_FIELDS`) are written only when they differ from their
        defaults, so every earlier run keeps its dict, and with it its cache key and its shipped files."""
        out = to_plain(asdict(self))
        return {k: v for k, v in out.items() if k not in LATER_FIELDS or v != LATER_FIELDS[k]}


LATER_FIELDS = {"divergence": defaults.DIVERGENCE, "jsd_beta": defaults.JSD_BETA, "skew_alpha": defaults.SKEW_ALPHA,
                "standardize": False}  # field → default: left out of to_dict() at that value


def check_seeds(seeds) -> list[int]:
    """``seeds`` as a list of ints, checked: at least one, each a whole number ≥ 0, no two the same (a repeated seed
    is the same run counted twice, which would shrink every ± it feeds). Raises ValueError with one line."""
    seeds = list(seeds)
    numbers = [whole_number(s) for s in seeds]
    if not seeds or any(n is None or n < 0 for n in numbers) or len(set(numbers)) != len(numbers):
        raise ValueError(f"seeds must be distinct whole numbers ≥ 0, at least one, got {seeds}")
    return numbers


def whole_number(value) -> int | None:
    """``value`` as an int when it is a whole number (3, 3.0, numpy ints; not True, 2.5, NaN or "3"), else None."""
    if isinstance(value, (bool, str)):
        return None
    try:
        number = int(value)
    except (TypeError, ValueError, OverflowError):
        return None
    return number if number == value else None


def to_plain(value):
    """Tuples (nested too) as lists, for JSON."""
    if isinstance(value, dict):
        return {k: to_plain(v) for k, v in value.items()}
    if isinstance(value, (tuple, list)):
        return [to_plain(v) for v in value]
    return value
