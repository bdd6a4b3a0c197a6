"""Feature distillation: a small CNN student learns from the teacher's hidden feature maps, not only its logits.

Each method adds one term to the student's hard loss (cross-entropy with the labels):

* ``"hint"`` (FitNets, Romero et al. 2015, as in the PyTorch "Knowledge Distillation Tutorial"): a 1×1
  ``Conv2d`` regressor, trained with the student and thrown away afterwards, maps the student's middle
  feature map to the teacher's; the term is their mean squared error (:func:`hint_loss`).
* ``"attention"`` (Zagoruyko & Komodakis, ICLR 2017): per layer, Q = mean over channels of A² (p = 2),
  flattened and L2-normalised per example (:func:`attention_map`); the term is
  β · Σ_layers mean over examples and positions of (Q_S − Q_T)², β = 1000 (:func:`attention_loss`).
* ``"cosine"`` (the tutorial's ``CosineEmbeddingLoss``, target +1): 1 − cos between the flattened last
  feature maps, the teacher's average-pooled to the student's width (:func:`cosine_loss`).

``"logits"`` is kdviz's KD loss (:func:`kdviz.maths.losses.distillation_loss`: γ·T²·KL + (1 − γ)·CE) and
``"logits+<feature>"`` adds a feature term to it. Where two maps differ in size they are matched by
adaptive average pooling of the larger one (:func:`match_size`, :func:`pool_width`).

The teacher's feature maps for the whole train split are computed once (:func:`teacher_feature_maps`),
cached on disk like its logits (keyed by the weights' sha256 and the split's fingerprint, atomic and
checksummed), and sliced per batch: the teacher never runs inside the training loop.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F
from torch import nn

from kdviz.base.diskcache import cache_dir, keyed_path, load_arrays, load_or_build, save_arrays
from kdviz.data.mnist import MNISTSplit
from kdviz.maths.feature_losses import attention_distance, attention_loss, attention_map, cosine_loss, hint_loss, match_size, pool_width
from kdviz.maths.losses import check_gamma, check_temperature, check_weight, loss_terms
from kdviz.train.config import to_plain
from kdviz.train.loop import INIT_LOCK, TeacherLogits, predict_logits, torch_threads
from kdviz.train.models import StudentCNN, TeacherCNN, count_params

__all__ = ["StudentCNN", "FeatureConfig", "TeacherFeatures", "FeatureTargets", "FeatureResult", "METHODS", "FEATURE_TERMS",
           "match_size", "pool_width", "hint_loss", "attention_map", "attention_loss", "cosine_loss",
           "teacher_feature_maps", "feature_targets", "block_maps", "digit_maps", "train_features", "train_subset"]

FEATURE_TERMS = ("hint", "attention", "cosine")  # the feature terms, each alone or after "logits+"
METHODS = ("labels", "logits", *FEATURE_TERMS, *(f"logits+{t}" for t in FEATURE_TERMS))

METHOD_NAMES = {"labels": "plots_depth.method_labels", "logits": "plots_depth.method_logits", "hint": "plots_depth.method_hint",
                "attention": "plots_depth.method_attention", "cosine": "plots_depth.method_cosine"}  # method part → key


# ---------------------------------------------------------------- the teacher's features, computed once


@dataclass(frozen=True)
class TeacherFeatures:
    """The teacher's two conv blocks' outputs for every train digit: ``maps[0]`` (n, 32, 14, 14), the middle map,
    and ``maps[1]`` (n, 64, 7, 7); ``passes``: forward passes over the split made to get them (1, or 0 from disk)."""

    maps: tuple[torch.Tensor, torch.Tensor]
    passes: int


def teacher_feature_maps(teacher: TeacherCNN, meta: dict, data: MNISTSplit, *, use_cache: bool = True,
                         batch_size: int = 1000) -> TeacherFeatures:
    """The teacher's block outputs on the whole train split, from the disk cache when this teacher and split made it.

    The file (``teacher-features-<digest>.npz`` in :func:`kdviz.base.diskcache.cache_dir`, keyed by the teacher's sha256
    and the split's fingerprint, ~150 MB for 4,000 digits) is checked (shapes, checksum) on every read and
    recomputed when it fails; a teacher without a sha256 is never cached. One pass of :func:`block_maps`,
    ``batch_size`` digits at a time.
    """
    x = data.x_train  # (n, 1, 28, 28)
    c1, c2 = teacher.channels
    sha = str(meta.get("sha256") or "")
    path = keyed_path(cache_dir(), "teacher-features", {"teacher": sha, "data": data.fingerprint}, suffix=".npz")
    spec = {"block1": ((len(x), c1, 14, 14), np.float32), "block2": ((len(x), c2, 7, 7), np.float32)}

    def build() -> dict[str, np.ndarray]:
        batches = [block_maps(teacher, x[i : i + batch_size]) for i in range(0, len(x), batch_size)]
        return {"block1": torch.cat([b[0] for b in batches]).numpy(),  # (n, c1, 14, 14)
                "block2": torch.cat([b[1] for b in batches]).numpy()}  # (n, c2, 7, 7)

    arrays, hit = load_or_build(lambda: load_arrays(path, spec), build, lambda a: save_arrays(path, **a),
                                use_cache=use_cache and bool(sha))
    return TeacherFeatures(maps=(torch.from_numpy(arrays["block1"]), torch.from_numpy(arrays["block2"])),
                           passes=0 if hit else 1)


@torch.no_grad()
def block_maps(model: TeacherCNN | StudentCNN, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """The two conv blocks' outputs of the teacher or a :class:`StudentCNN` for images ``x`` of shape (N, 1, 28, 28):
    (N, c1, 14, 14) and (N, c2, 7, 7), in eval mode, without gradients."""
    was_training = model.training
    model.eval()
    if isinstance(model, StudentCNN):
        _, maps = model.forward_features(x)
    else:
        first = model.features[:3](x)
        maps = (first, model.features[3:](first))
    model.train(was_training)
    return maps


def digit_maps(model: TeacherCNN | StudentCNN, x: torch.Tensor, *, channels: int = 4) -> dict[str, np.ndarray]:
    """What the Lab shows of one digit in one model: its most active channels and its attention maps.

    Parameters
    ----------
    model : TeacherCNN or StudentCNN
    x : Tensor of shape (1, 28, 28) or (1, 1, 28, 28)
        One normalised image.
    channels : int, keyword-only
        How many of the first block's channels to keep.

    Returns
    -------
    dict of ndarray
        ``channels`` (channels, 14, 14): the first block's most active channels, strongest first (by mean
        activation); ``channel_index`` (channels,): their numbers; ``attention1`` (14, 14) and
        ``attention2`` (7, 7): the unit-norm attention maps Q of each block (:func:`attention_map`, reshaped).
    """
    f1, f2 = block_maps(model, x.reshape(1, 1, 28, 28))
    order = f1[0].mean(dim=(1, 2)).argsort(descending=True)[:channels]  # (channels,)
    return {"channels": f1[0, order].numpy(), "channel_index": order.numpy(),
            "attention1": attention_map(f1)[0].reshape(f1.shape[-2:]).numpy(),
            "attention2": attention_map(f2)[0].reshape(f2.shape[-2:]).numpy()}


@dataclass(frozen=True)
class FeatureTargets:
    """What each feature term compares the student with, one row per train digit, made once per student shape.

    hint : (n, C_t1, h, w), the teacher's middle map at the student's middle size
    attention : tuple of (n, h·w) per block, the teacher's Q at the student's sizes
    attention_sizes : tuple of (h, w) per block, the sizes the student's maps are pooled to
    hidden : (n, D), the teacher's flattened last map pooled to the student's width D = c2·49
    """

    hint: torch.Tensor
    attention: tuple[torch.Tensor, ...]
    attention_sizes: tuple[tuple[int, int], ...]
    hidden: torch.Tensor


def feature_targets(features: TeacherFeatures, student: StudentCNN) -> FeatureTargets:
    """The per-digit targets of :class:`FeatureTargets` for a student of this shape (no teacher forward pass)."""
    with torch.no_grad():
        _, (s1, s2) = student.forward_features(torch.zeros(1, 1, 28, 28))  # the student's map shapes
        t1, t2 = features.maps
        sizes = tuple((min(s.shape[-2], t.shape[-2]), min(s.shape[-1], t.shape[-1])) for s, t in ((s1, t1), (s2, t2)))
        hint = t1 if tuple(t1.shape[-2:]) == tuple(s1.shape[-2:]) else F.adaptive_avg_pool2d(t1, s1.shape[-2:])
        attention = tuple(attention_map(t, size=size) for t, size in zip((t1, t2), sizes))
        hidden = pool_width(t2.flatten(1), s2[0].numel())  # (n, c2·49)
    return FeatureTargets(hint=hint, attention=attention, attention_sizes=sizes, hidden=hidden)


# ---------------------------------------------------------------- one student, one method, one seed


@dataclass(frozen=True)
class FeatureConfig:
    """Everything one feature-distillation run depends on. Same config, same numbers."""

    method: str = "labels"  # one of METHODS
    channels: tuple[int, int] = (8, 16)  # the student's conv widths: 9,098 parameters
    epochs: int = 10  # full passes over the train digits (kdviz.lab.features.FULL_EPOCHS)
    lr: float = 1e-3  # Adam
    batch_size: int = 64
    T: float = 4.0  # "logits": temperature of the soft term, as TrainConfig
    gamma: float = 0.9  # "logits": weight of the soft term, as TrainConfig
    hint_weight: float = 1 / 3  # the tutorial's 0.25 MSE + 0.75 CE, as CE + w·MSE (Adam ignores the overall scale)
    cosine_weight: float = 1 / 3  # the tutorial's 0.25 cosine + 0.75 CE, likewise
    beta: float = 1000.0  # attention transfer's β (Zagoruyko & Komodakis' code)
    seed: int = 0  # seeds the initialisation and the batch order
    num_threads: int = 1  # torch threads (see kdviz.train.loop)

    def __post_init__(self):
        if self.method not in METHODS:
            raise ValueError(f"method must be one of {', '.join(METHODS)}, got {self.method!r}")
        object.__setattr__(self, "channels", tuple(int(c) for c in self.channels))
        check_temperature(self.T)
        check_gamma(self.gamma)
        for name in ("hint_weight", "cosine_weight", "beta"):
            object.__setattr__(self, name, check_weight(name, getattr(self, name)))
        if int(self.epochs) < 1 or int(self.batch_size) < 1:
            raise ValueError(f"epochs and batch_size must be ≥ 1, got {self.epochs} and {self.batch_size}")
        if not (self.lr > 0 and np.isfinite(self.lr)):
            raise ValueError(f"learning rate must be a finite number > 0, got {self.lr}")

    def replace(self, **changes) -> "FeatureConfig":
        """A copy with some fields changed (validated again)."""
        return FeatureConfig(**{**asdict(self), **changes})

    def to_dict(self) -> dict:
        return to_plain(asdict(self))


@dataclass
class FeatureResult:
    """One run: the trained student (eval mode), ``history`` (one row per epoch: epoch, hard, term, total — mean
    train losses, the feature term before its weight, else 0 for "labels" and T²·KL for "logits" — and test_acc), the config,
    ``params`` (the student's; the hint regressor is discarded), ``seconds`` (the loop, evaluation included)."""

    model: StudentCNN
    history: pd.DataFrame
    config: FeatureConfig
    params: int
    seconds: float
    extra_params: int = 0  # trained alongside and thrown away: the hint regressor's
    epoch_seconds: list[float] = field(default_factory=list)

    @property
    def test_acc(self) -> float:
        return float(self.history["test_acc"].iloc[-1])


def init_student(config: FeatureConfig) -> StudentCNN:
    """The student of ``config.seed``: the same weights whatever the method (seeds torch's global generator)."""
    torch.manual_seed(config.seed)
    return StudentCNN(config.channels)


def train_subset(n_train: int, n: int, *, seed: int = 0) -> torch.Tensor:
    """``n`` train rows out of ``n_train`` (sorted, seeded, the same for every student seed); all when ``n >= n_train``."""
    if n >= n_train:
        return torch.arange(n_train)
    return torch.randperm(n_train, generator=torch.Generator().manual_seed(seed))[:n].sort().values


def train_features(data: MNISTSplit, logits: TeacherLogits, targets: FeatureTargets | None, config: FeatureConfig, *,
                   train_index: torch.Tensor | None = None, callback: Callable[[dict], object] | None = None) -> FeatureResult:
    """Train one student with ``config.method`` and return its test accuracy, history and cost.

    ``labels``: CE. ``logits``: γ·T²·KL + (1 − γ)·CE (:func:`kdviz.maths.losses.loss_terms`). A feature method:
    CE + w·term, w = ``hint_weight``, ``cosine_weight`` or 1 for attention (whose β is inside the term).
    ``logits+X``: the KD loss + w·term. The student starts from :func:`init_student` and sees the same
    seeded batches whatever the method; the hint regressor (1×1 conv c1 → teacher's c1) is made after the
    student, so it never changes the student's initialisation.

    Parameters
    ----------
    data : MNISTSplit
    logits : TeacherLogits
        The teacher's cached logits, ``train`` rows aligned with ``data.x_train``.
    targets : FeatureTargets or None
        :func:`feature_targets` of the teacher's cached maps; only the feature methods need it.
    config : FeatureConfig
    train_index : LongTensor, optional
        The train rows used (default: all).
    callback : callable, optional
        Called after every epoch with that epoch's history row plus ``"epochs"``.

    Returns
    -------
    FeatureResult
    """
    kd = config.method == "logits" or config.method.startswith("logits+")  # the KD loss is the base
    term_name = config.method.rpartition("+")[2] if config.method not in ("labels", "logits") else None
    if term_name is not None and targets is None:
        raise ValueError(f"method {config.method!r} needs the teacher's feature targets")
    idx = torch.arange(len(data.x_train)) if train_index is None else torch.as_tensor(train_index, dtype=torch.long)
    x_all, y_all = data.x_train[idx], data.y_train[idx]  # (n, 1, 28, 28), (n,)
    t_all = F.log_softmax(logits.train[idx] / config.T, dim=-1)  # (n, 10) teacher log-probabilities at T
    n = len(idx)
    weight = {"hint": config.hint_weight, "cosine": config.cosine_weight, "attention": 1.0}.get(term_name, 0.0)

    with torch_threads(config.num_threads):
        with INIT_LOCK:  # torch's global generator: runs started at once in threads each get their seed's weights
            model = init_student(config)
            regressor = nn.Conv2d(config.channels[0], targets.hint.shape[1], 1) if term_name == "hint" else None
        trained = list(model.parameters()) + ([] if regressor is None else list(regressor.parameters()))
        optimizer = torch.optim.Adam(trained, lr=config.lr)
        batch_order = torch.Generator().manual_seed(config.seed)
        rows, epoch_seconds = [], []
        start = time.perf_counter()
        for epoch in range(1, config.epochs + 1):
            model.train()
            perm = torch.randperm(n, generator=batch_order)  # the same batches for every method
            sums = [0.0, 0.0, 0.0]  # hard, term, total, summed over examples
            epoch_start = time.perf_counter()
            for i in range(0, n, config.batch_size):
                b = perm[i : i + config.batch_size]  # positions in the subset
                xb, yb = x_all[b], y_all[b]
                out, maps = model.forward_features(xb)  # (B, 10), ((B, c1, 14, 14), (B, c2, 7, 7))
                if kd:
                    loss = loss_terms(out, t_all[b], yb, config.T, config.gamma, all_labelled=True)
                    base, hard, term = loss.total, loss.hard, loss.soft
                else:
                    hard = F.cross_entropy(out, yb)
                    base, term = hard, hard.new_zeros(())
                if term_name is not None:
                    term = _feature_term(term_name, maps, targets, idx[b], regressor, config.beta)
                total = base + weight * term
                optimizer.zero_grad(set_to_none=True)
                total.backward()
                optimizer.step()
                for k, value in enumerate((hard, term, total)):
                    sums[k] += value.item() * len(b)
            epoch_seconds.append(time.perf_counter() - epoch_start)
            test_acc = float((predict_logits(model, data.x_test).argmax(1) == data.y_test).float().mean())
            row = {"epoch": epoch, "hard": sums[0] / n, "term": sums[1] / n, "total": sums[2] / n, "test_acc": test_acc}
            rows.append(row)
            if callback is not None:
                callback({**row, "epochs": config.epochs})
        seconds = time.perf_counter() - start
    model.eval()
    return FeatureResult(model=model, history=pd.DataFrame(rows), config=config, params=count_params(model),
                         seconds=seconds, extra_params=0 if regressor is None else count_params(regressor),
                         epoch_seconds=epoch_seconds)


def _feature_term(name: str, maps: tuple[torch.Tensor, torch.Tensor], targets: FeatureTargets, rows: torch.Tensor,
                  regressor: nn.Module | None, beta: float) -> torch.Tensor:
    """One batch's feature term before its weight; ``rows`` index the whole train split's targets."""
    f1, f2 = maps
    if name == "hint":
        return hint_loss(f1, targets.hint[rows], regressor)
    if name == "attention":
        q_s = [attention_map(f, size=size) for f, size in zip(maps, targets.attention_sizes)]  # (B, h·w) each
        return beta * sum(attention_distance(q, t[rows]) for q, t in zip(q_s, targets.attention))
    return cosine_loss(f2.flatten(1), targets.hidden[rows])  # (B, c2·49) against (B, c2·49)
