"""One visible training loop: a student learns from the teacher's cached logits.

The teacher's logits for the whole train set are computed once (:func:`teacher_logits`)
and sliced per batch, so a distilled epoch costs about what a plain epoch costs; the
per-batch teacher forward of the common tutorials is many times slower (see
``BENCHMARKS.md``).

Threads: the loop runs with ``config.num_threads`` torch threads (default 1). The
models are tiny (a 784-128-10 step is ~0.1 MFLOP per example), so thread start-up and
synchronisation cost more than they save; on these 2-core machines, with another
process busy, torch's default made small models 10–40× slower in a trial, and one
thread was fastest. One thread per run also lets two runs share two cores:
:func:`train_pair` trains the distilled student and its baseline at once, one thread (one
core) each, and the server's training queue (:mod:`kdviz.serve.trainqueue`) gives each run one slot.

Two soft terms (``TrainConfig.method``): ``"kd"``, Hinton et al.'s T²·KL, and ``"dkd"``, decoupled KD
(Zhao et al., CVPR 2022: :func:`kdviz.maths.losses.dkd_loss`). With ``"kd"``, ``TrainConfig.divergence`` picks the
divergence (forward KL by default; reverse KL, JSD(β), skew KLs, total variation: :mod:`kdviz.maths.divergences`),
and ``standardize`` z-scores both logits first (Sun et al. 2024). Either way every epoch's history row carries
the KL's two parts on the test digits, TCKD and NCKD, and the teacher's 1 − p_t that couples them
(:func:`kdviz.maths.losses.decompose_kd`).
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, fields

import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F
from torch import nn

from kdviz.data.mnist import MNISTSplit
from kdviz.maths.divergences import rows_from_log_probs, standardize
from kdviz.maths.losses import DistillationLoss, decompose_kd, dkd_loss, hard_loss, loss_terms
from kdviz.train.config import METHODS, TrainConfig  # re-exported: a run's config is part of the loop's API
from kdviz.train.models import StudentMLP

__all__ = [
    "TrainConfig",
    "TeacherLogits",
    "TrainResult",
    "teacher_logits",
    "predict_logits",
    "train_student",
    "train_pair",
    "pair_configs",
    "torch_threads",
    "METHODS",
    "INIT_LOCK",
]

INIT_LOCK = threading.Lock()  # torch's global generator seeds the initialisation: one thread at a time


@dataclass(frozen=True)
class TeacherLogits:
    """A teacher's outputs, computed once: ``train`` of shape (n_train, 10), ``test`` of shape (n_test, 10)."""

    train: torch.Tensor
    test: torch.Tensor


@dataclass
class TrainResult:
    """What one run returns.

    Attributes
    ----------
    model : the trained student (eval mode)
    history : DataFrame, one row per epoch: epoch, soft, hard, total (mean train losses; soft is the
        method's term before its weight, total = gamma·warm·soft + (1 − gamma)·hard), train_acc (fraction
        of the labelled train digits right at their step in that epoch, as the weights moved: a running
        accuracy, no extra pass), test_acc, agreement (fraction of test digits where student and teacher
        predict the same class), and tckd, nckd, weight: means over the TEST digits, at the end of the
        epoch, of :func:`kdviz.maths.losses.decompose_kd` of the student's test logits against the teacher's at
        T with the test labels (nats, no T²; weight = the teacher's 1 − p_t, the same every epoch)
    config : the TrainConfig used
    seconds : wall time of the training loop (excluding set-up), evaluation included
    test_logits : Tensor of shape (n_test, 10), the final student's logits on the test digits
    epoch_seconds : list of float, the optimisation steps of each epoch (no evaluation)
    """

    model: nn.Module
    history: pd.DataFrame
    config: TrainConfig
    seconds: float
    test_logits: torch.Tensor = field(repr=False, default=None)  # (n_test, 10) of the final model
    epoch_seconds: list[float] = field(default_factory=list)  # optimisation steps per epoch, no evaluation

    @property
    def test_acc(self) -> float:
        return float(self.history["test_acc"].iloc[-1])


@contextlib.contextmanager
def torch_threads(n: int) -> Iterator[None]:
    """Run the block with ``n`` torch intra-op threads, then restore the previous count."""
    previous = torch.get_num_threads()
    torch.set_num_threads(max(1, int(n)))
    try:
        yield
    finally:
        torch.set_num_threads(previous)


@torch.no_grad()
def predict_logits(model: nn.Module, x: torch.Tensor, *, batch_size: int = 1000) -> torch.Tensor:
    """Logits of shape (N, 10) for images of shape (N, 1, 28, 28), in eval mode."""
    was_training = model.training
    model.eval()
    out = torch.cat([model(x[i : i + batch_size]) for i in range(0, len(x), batch_size)])
    model.train(was_training)
    return out


def teacher_logits(teacher: nn.Module, data: MNISTSplit) -> TeacherLogits:
    """The teacher's logits for every train and test digit, computed once."""
    return TeacherLogits(train=predict_logits(teacher, data.x_train), test=predict_logits(teacher, data.x_test))


def train_student(
    data: MNISTSplit,
    teacher: TeacherLogits,
    config: TrainConfig = TrainConfig(),
    *,
    targets: torch.Tensor | None = None,
    train_index: np.ndarray | torch.Tensor | None = None,
    model: nn.Module | None = None,
    callback: Callable[[dict], object] | None = None,
) -> TrainResult:
    """Train a student against cached teacher logits with ``gamma·warm·soft + (1−gamma)·hard``.

    ``gamma = 0`` with the same seed is the plain baseline from the same initialisation.

    The soft term is ``config.method``'s: ``"kd"``, T²·KL(teacher_T ‖ student_T); ``"dkd"``, decoupled KD,
    T²·mean(alpha·TCKD + beta·NCKD) (:func:`kdviz.maths.losses.dkd_loss`). ``warm = min(epoch / warmup, 1)``
    with epochs counted from 1 (1 when ``warmup = 0``), per epoch as in the paper's code: the soft term
    ramps in, for either method, and the hard term keeps its weight. Zhao et al. (2022) train with
    CE + warm·T²·(α·TCKD + β·NCKD); kdviz's (1 − γ)·CE + γ·warm·T²·(α·TCKD + β·NCKD) is (1 − γ) times
    that loss with α and β multiplied by γ / (1 − γ). So γ = 0.5 is the paper's mix, and γ = 0.9,
    α = 1, β = 8 is the paper's α = 9, β = 72 (the overall factor barely matters to Adam). With
    ``"kd"`` and no warm-up a step is exactly the ordinary KD step; alpha and beta are ignored.

    DKD splits each example on its true class, so with ``"dkd"`` every transfer digit needs a label:
    a negative target (unlabelled, as in the Lab's fewer labels) raises ``ValueError``.

    Each epoch's row also has the mean TCKD, NCKD and teacher weight 1 − p_t of
    :func:`kdviz.maths.losses.decompose_kd` at T, measured on the TEST split (the student's test logits,
    already computed for test_acc, against the teacher's, with the test labels): 0.8 ms an epoch on
    1,000 test digits (5.5 ms on 10,000), against ~100 ms of steps, whatever the method.

    Parameters
    ----------
    data : MNISTSplit
    teacher : TeacherLogits
        ``train`` rows align with ``data.x_train``; ``test`` rows with ``data.x_test``.
    config : TrainConfig
    targets : LongTensor of shape (n_train,), optional
        Labels for the hard term; -1 marks an unlabelled digit (soft term only; not with ``"dkd"``).
        Default: ``data.y_train``, all labelled.
    train_index : int array, optional
        The train rows that form the transfer set (default: all 4,000).
    model : nn.Module, optional
        A student to train (it is modified). Default: ``StudentMLP(config.hidden)``
        initialised from ``config.seed``.
    callback : callable, optional
        Called after every epoch with that epoch's history row (a dict, plus
        ``"epochs"``); a page can stream progress through it.

    Returns
    -------
    TrainResult

    Raises
    ------
    ValueError
        Rows that do not align, an empty transfer set, or an unlabelled digit with ``"dkd"``.
    """
    x_all = data.x_train  # (n_train, 1, 28, 28)
    y_all = data.y_train if targets is None else torch.as_tensor(targets, dtype=torch.long)
    t_all = teacher.train  # (n_train, 10)
    if len(y_all) != len(x_all) or len(t_all) != len(x_all):
        raise ValueError("targets and teacher.train must have one row per train digit")
    if train_index is not None:
        idx = torch.as_tensor(np.asarray(train_index), dtype=torch.long)
        x_all, y_all, t_all = x_all[idx], y_all[idx], t_all[idx]
    n = len(x_all)
    if n == 0:
        raise ValueError("the transfer set is empty")
    teacher_test_pred = teacher.test.argmax(1)  # (n_test,)
    n_labelled = int((y_all >= 0).sum())
    all_labelled = n_labelled == n  # then no label mask per batch
    dkd = config.method == "dkd"
    if dkd and not all_labelled:
        raise ValueError(f"method 'dkd' needs a label for every transfer digit (it splits on the true class), "
                         f"got {n - n_labelled} unlabelled of {n}; use method 'kd'")
    if not dkd:  # kd: the teacher's log-probabilities at T, fixed for the run; dkd_loss takes the logits
        t_all = F.log_softmax((standardize(t_all) if config.standardize else t_all) / config.T, dim=-1)  # (n, 10)
    hinton = config.divergence == "fkl" and not config.standardize  # the soft term of loss_terms

    with torch_threads(config.num_threads):
        with INIT_LOCK:  # two runs started at once (train_pair, two learners) each get their own seed's weights
            torch.manual_seed(config.seed)
            if model is None:
                model = StudentMLP(config.hidden)
        optimizer = torch.optim.Adam(model.parameters(), lr=config.lr, fused=True)  # fused: ~20% less per step on CPU
        batch_order = torch.Generator().manual_seed(config.seed)
        rows: list[dict] = []
        epoch_seconds: list[float] = []  # optimisation steps only, per epoch
        start = time.perf_counter()
        for epoch in range(1, config.epochs + 1):
            model.train()
            warm = min(epoch / config.warmup, 1.0) if config.warmup else 1.0  # the soft term's ramp
            plain = not dkd and hinton and warm == 1.0  # the ordinary KD step, as fast as ever
            perm = torch.randperm(n, generator=batch_order)
            xs, ys, ts = x_all[perm], y_all[perm], t_all[perm]  # shuffled copies, contiguous batches
            sums = [0.0, 0.0, 0.0]  # soft, hard, total, summed over examples
            step_logits = []  # (B, 10) per step, for the running train accuracy
            epoch_start = time.perf_counter()
            for i in range(0, n, config.batch_size):
                xb, yb, tb = xs[i : i + config.batch_size], ys[i : i + config.batch_size], ts[i : i + config.batch_size]
                logits = model(xb)  # (B, 10)
                if plain:
                    loss = loss_terms(logits, tb, yb, config.T, config.gamma, all_labelled=all_labelled)
                else:
                    loss = _ramped_step(logits, tb, yb, config, warm, all_labelled)
                model.zero_grad(set_to_none=True)  # as optimizer.zero_grad, without its profiler hook (~5 % of a step)
                loss.total.backward()
                optimizer.step()
                step_logits.append(logits.detach())
                for k, term in enumerate((loss.soft, loss.hard, loss.total)):
                    sums[k] += term.item() * len(xb)
            epoch_seconds.append(time.perf_counter() - epoch_start)
            # evaluate: test accuracy, agreement with the teacher on test
            test_logits = predict_logits(model, data.x_test)
            test_pred = test_logits.argmax(1)
            soft, hard, total = (v / n for v in sums)
            hits = int((torch.cat(step_logits).argmax(1) == ys).sum())  # an unlabelled row (-1) never counts
            parts = decompose_kd(test_logits, teacher.test, data.y_test, config.T)  # (n_test,) each, on test
            row = {
                "epoch": epoch,
                "soft": soft,
                "hard": hard,
                "total": total,
                "train_acc": hits / n_labelled if n_labelled else float("nan"),
                "test_acc": float((test_pred == data.y_test).float().mean()),
                "agreement": float((test_pred == teacher_test_pred).float().mean()),
                "tckd": float(parts.tckd.mean()),
                "nckd": float(parts.nckd.mean()),
                "weight": float(parts.weight.mean()),  # the teacher's 1 − p_t: the same every epoch
            }
            rows.append(row)
            if callback is not None:
                callback({**row, "epochs": config.epochs})
        seconds = time.perf_counter() - start
    model.eval()
    return TrainResult(
        model=model, history=pd.DataFrame(rows), config=config, seconds=seconds,
        test_logits=test_logits, epoch_seconds=epoch_seconds,
    )


def _ramped_step(logits: torch.Tensor, teacher_batch: torch.Tensor, targets: torch.Tensor, config: TrainConfig,
                 warm: float, all_labelled: bool) -> DistillationLoss:
    """A step's loss when the soft term is DKD or still ramping in: ``gamma·warm·soft + (1 − gamma)·hard``.

    ``teacher_batch`` is (B, C): the teacher's logits for ``"dkd"``, its log-probabilities at T for ``"kd"`` (of its
    standardized logits with ``config.standardize``); ``config.divergence`` chooses kd's soft term.
    """
    if config.method == "dkd":
        soft = dkd_loss(logits, teacher_batch, targets, config.T, config.alpha, config.beta)
        hard = F.cross_entropy(logits, targets)  # every row labelled (checked once)
    elif config.divergence == "fkl" and not config.standardize:  # Hinton's term, ramping in
        kd = loss_terms(logits, teacher_batch, targets, config.T, config.gamma, all_labelled=all_labelled)
        soft, hard = kd.soft, kd.hard
    else:  # another soft term (kdviz.maths.divergences)
        log_q = F.log_softmax((standardize(logits) if config.standardize else logits) / config.T, dim=-1)  # (B, C)
        rows = rows_from_log_probs(log_q, teacher_batch, config.divergence, beta=config.jsd_beta, alpha=config.skew_alpha)
        soft = (config.T * config.T) * rows.mean()
        hard = hard_loss(logits, targets, all_labelled=all_labelled)
    total = (config.gamma * warm) * soft + (1.0 - config.gamma) * hard
    return DistillationLoss(total=total, soft=soft, hard=hard)


_PLAIN = {f.name: f.default for f in fields(TrainConfig)
          if f.name in ("method", "alpha", "beta", "warmup", "divergence", "jsd_beta", "skew_alpha", "standardize")}


def pair_configs(config: TrainConfig, *, baseline: bool = True) -> dict[str, TrainConfig]:
    """``{"distilled": config, "baseline": config at γ = 0}`` (the baseline only when asked): a press's runs.

    The baseline is a plain γ = 0 run (method "kd", the DKD fields at their defaults): it sees only the
    labels, and is the same run whatever the distilled student's method.
    """
    return {"distilled": config} | ({"baseline": config.replace(gamma=0.0, **_PLAIN)} if baseline else {})


def train_pair(
    data: MNISTSplit,
    teacher: TeacherLogits,
    config: TrainConfig = TrainConfig(),
    *,
    baseline: bool = True,
    parallel: bool = True,
    callback: Callable[[str, dict], object] | None = None,
) -> tuple[TrainResult, TrainResult | None]:
    """The distilled student and its γ = 0 baseline from the same initialisation, trained at the same time.

    Each is :func:`train_student` in its own thread with ``config.num_threads`` torch threads
    (default 1): on two idle cores the pair takes about as long as one run. Torch releases the
    GIL inside its kernels; the Python between them is what the two threads take turns on
    (``BENCHMARKS.md`` gives the measured gain). Each run's numbers are those of
    :func:`train_student` run alone with the same config (same code, same seed, same batches).

    Parameters
    ----------
    data, teacher, config
        As :func:`train_student`; the baseline is :func:`pair_configs`'s, a plain γ = 0 run.
    baseline : bool
        Train the baseline too (else the distilled student alone, in the calling thread).
    parallel : bool
        False: one after the other in the calling thread (e.g. a one-slot training queue).
    callback : callable, optional
        ``callback(name, row)`` after every epoch of each run, ``name`` being ``"distilled"`` or
        ``"baseline"``; with ``parallel``, from that run's thread (the caller makes it thread-safe).

    Returns
    -------
    (distilled, baseline) : TrainResult, and TrainResult or None

    Raises
    ------
    The first run's error (after both threads ended), e.g. ValueError for a bad config.
    """
    configs = pair_configs(config, baseline=baseline)
    results: dict[str, TrainResult] = {}
    errors: dict[str, BaseException] = {}

    def run(name: str) -> None:
        try:
            results[name] = train_student(data, teacher, configs[name],
                                          callback=None if callback is None else lambda row: callback(name, row))
        except BaseException as err:  # re-raised in the calling thread
            errors[name] = err

    with torch_threads(config.num_threads):  # the threads' own torch_threads restore this, not each other's
        if parallel and len(configs) > 1:
            threads = [threading.Thread(target=run, args=(name,), name=f"kdviz-train-{name}") for name in configs]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
        else:
            for name in configs:
                run(name)
                if errors:
                    break
    for name in configs:
        if name in errors:
            raise errors[name]
    return results["distilled"], results.get("baseline")
