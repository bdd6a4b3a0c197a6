"""One run of the Train page (a distilled student and its γ = 0 baseline), and the session's run history.

A :class:`Run` holds only plain data (histories, test logits, weights as safetensors bytes),
so a session can keep many without holding models. Nothing here imports Streamlit.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import torch
from safetensors.torch import load as load_safetensors
from safetensors.torch import save as save_safetensors
from torch import nn

from kdviz.data.datasets import DEFAULT as DEFAULT_DATA
from kdviz.maths import stats
from kdviz.maths.metrics import confusion, per_class_accuracy
from kdviz.maths.stats import sample_std
from kdviz.train.loop import TrainConfig, TrainResult
from kdviz.train.models import architecture, build_model, count_params, size_bytes
from kdviz.train.resources import Resources

__all__ = [
    "Run", "make_run", "model_bytes", "model_from_bytes", "history_table", "results_table", "per_class",
    "student_confusion", "disagreements", "MODELS", "PairedGain", "paired_gain", "run_gain", "group_of", "seed_summary",
    "HISTORY_PERCENT", "history_view", "lead", "runs_on",
    "method_label",
]

MODELS = ("teacher", "distilled", "baseline")  # the rows of results_table
HISTORY_PERCENT = ("distilled_acc", "baseline_acc", "gain", "agreement")  # history_table's fractions (gain: a difference)


def model_bytes(model: nn.Module, meta: dict | None = None) -> bytes:
    """The model's weights as a safetensors file (bytes); its architecture and ``meta`` go in the header."""
    header = {"architecture": json.dumps(architecture(model)), **{k: json.dumps(v) for k, v in (meta or {}).items()}}
    return save_safetensors({k: v.detach().contiguous() for k, v in model.state_dict().items()}, metadata=header)


def model_from_bytes(blob: bytes) -> nn.Module:
    """Rebuild a model saved by :func:`model_bytes` (no pickle: safetensors tensors + a JSON header)."""
    n = int.from_bytes(blob[:8], "little")  # safetensors layout: 8-byte header length, JSON header, tensors
    header = json.loads(blob[8 : 8 + n])
    arch = json.loads(header["__metadata__"]["architecture"])
    model = build_model(arch)
    model.load_state_dict(load_safetensors(blob))
    return model.eval()


@dataclass
class Run:
    """A finished run: the distilled student and, when trained, its γ = 0 baseline from the same initialisation.

    Accuracies are fractions; ``*_test_logits`` have shape (n_test, 10).
    """

    run_id: int
    config: TrainConfig
    history: pd.DataFrame  # per-epoch rows of the distilled student
    test_logits: torch.Tensor
    seconds: float
    params: int
    size_bytes: int
    weights: bytes  # safetensors
    baseline_history: pd.DataFrame | None = None
    baseline_test_logits: torch.Tensor | None = None
    baseline_seconds: float = float("nan")
    extra: dict = field(default_factory=dict)

    @property
    def test_acc(self) -> float:
        return float(self.history["test_acc"].iloc[-1])

    @property
    def baseline_acc(self) -> float:
        return float(self.baseline_history["test_acc"].iloc[-1]) if self.baseline_history is not None else float("nan")

    @property
    def agreement(self) -> float:
        return float(self.history["agreement"].iloc[-1])


def runs_on(runs: Sequence[Run], dataset: str) -> list[Run]:
    """The runs trained on data set ``dataset`` (their ``extra["data"]``; a run without one is the default's), in order.
    A session keeps one history across data sets; a page shows the runs of the data set it shows."""
    return [r for r in runs if r.extra.get("data", DEFAULT_DATA) == dataset]


def make_run(run_id: int, distilled: TrainResult, baseline: TrainResult | None = None) -> Run:
    """Pack finished results into a :class:`Run` (the weights are serialised here)."""
    c = distilled.config
    return Run(
        run_id=run_id, config=c, history=distilled.history.copy(), test_logits=distilled.test_logits.clone(),
        seconds=distilled.seconds, params=count_params(distilled.model), size_bytes=size_bytes(distilled.model),
        weights=model_bytes(distilled.model, {"config": c.to_dict()}),
        baseline_history=None if baseline is None else baseline.history.copy(),
        baseline_test_logits=None if baseline is None else baseline.test_logits.clone(),
        baseline_seconds=float("nan") if baseline is None else baseline.seconds,
    )


def history_table(runs: list[Run]) -> pd.DataFrame:
    """One row per run: its settings and results (accuracies as fractions, seconds of training)."""
    return pd.DataFrame([{
        "run": r.run_id,
        "hidden": "-".join(map(str, r.config.hidden)),
        "epochs": r.config.epochs,
        "lr": r.config.lr,
        "T": r.config.T,
        "gamma": r.config.gamma,
        "method": method_label(r.config),
        "seed": r.config.seed,
        "distilled_acc": r.test_acc,
        "baseline_acc": r.baseline_acc,
        "gain": r.test_acc - r.baseline_acc,
        "agreement": r.agreement,
        "params": r.params,
        "seconds": round(r.seconds + (0.0 if np.isnan(r.baseline_seconds) else r.baseline_seconds), 2),
    } for r in runs], columns=["run", "hidden", "epochs", "lr", "T", "gamma", "method", "seed", "distilled_acc",
                                 "baseline_acc", "gain", "agreement", "params", "seconds"])


def method_label(config: TrainConfig) -> str:
    """The soft loss of a run, as the history shows it: ``KD``, ``KD jsd β=0.5 std`` (another divergence, standardized
    logits), or ``DKD α=1 β=8`` (with its warm-up epochs, if any)."""
    if config.method != "dkd":
        weight = {"jsd": f" β={config.jsd_beta:g}", "skl": f" α={config.skew_alpha:g}", "srkl": f" α={config.skew_alpha:g}"}
        term = "" if config.divergence == "fkl" else f" {config.divergence}{weight.get(config.divergence, '')}"
        return f"KD{term}{' std' if config.standardize else ''}"
    warm = f" w={config.warmup}" if config.warmup else ""
    return f"DKD α={config.alpha:g} β={config.beta:g}{warm}"


def history_view(hist: pd.DataFrame) -> pd.DataFrame:
    """:func:`history_table` as shown and downloaded: the :data:`HISTORY_PERCENT` columns in percent
    (the gain in percentage points), rounded to 0.1, and ``params`` left off (the hidden sizes give it)."""
    out = hist.drop(columns=["params"]).copy()
    for col in HISTORY_PERCENT:
        out[col] = (100 * out[col]).round(1)
    return out


@dataclass(frozen=True)
class PairedGain:
    """Distilled − baseline test accuracy on the same test digits, with its paired standard error.

    ``gain`` and ``se`` are fractions (× 100 for percentage points). ``n`` test digits;
    ``only_distilled`` / ``only_baseline``: digit-seed pairs that only one student got right
    (the discordant pairs; the others don't move the gain).
    """

    gain: float
    se: float
    n: int
    seeds: int
    only_distilled: int
    only_baseline: int

    @property
    def interval(self) -> tuple[float, float]:
        """The gain's 95 % interval, ``gain ± 1.96·se`` (normal: thousands of paired test images), fractions."""
        return stats.interval95(self.gain, self.se)

    @property
    def within_noise(self) -> bool:
        """True when :attr:`interval` contains 0 (another test set could reverse the sign): the one rule,
        :func:`kdviz.maths.stats.within_noise`."""
        return stats.within_noise(self.gain, self.se)

    @property
    def z(self) -> float:
        """gain / se (inf when the students never disagree but the gain is not 0; 0 for no gain)."""
        return self.gain / self.se if self.se > 0 else (0.0 if self.gain == 0 else float("inf") * np.sign(self.gain))


def paired_gain(correct_distilled, correct_baseline) -> PairedGain:
    """The gain in test accuracy of one student over another, and its standard error, paired by test digit.

    Parameters
    ----------
    correct_distilled, correct_baseline : array-like of bool, shape (n,) or (seeds, n)
        Whether each student got each test digit right; with several seeds, one row per seed
        (row s of both from the same seed).

    The two students answer the *same* digits, so their errors are correlated: the paired
    difference d_i = c_distilled,i − c_baseline,i (averaged over the seeds first) carries
    all the sampling error of the gain. gain = mean(d), se = std(d, ddof=1) / √n: the
    standard error over test digits, i.e. how much the gain would move on another n
    digits from the same distribution.
    """
    a = np.atleast_2d(np.asarray(correct_distilled, dtype=float))
    b = np.atleast_2d(np.asarray(correct_baseline, dtype=float))
    if a.shape != b.shape or a.shape[1] < 2:
        raise ValueError(f"correctness arrays must have the same shape (seeds, n ≥ 2), got {a.shape} and {b.shape}")
    d = (a - b).mean(axis=0)  # (n,): per-digit difference, averaged over seeds
    n = d.size
    return PairedGain(gain=float(d.mean()), se=float(d.std(ddof=1) / np.sqrt(n)), n=n, seeds=a.shape[0],
                      only_distilled=int(((a == 1) & (b == 0)).sum()), only_baseline=int(((a == 0) & (b == 1)).sum()))


def run_gain(runs: list[Run], y_test: torch.Tensor) -> PairedGain | None:
    """:func:`paired_gain` of the distilled students over their baselines in ``runs`` (one per seed);
    None when a run has no baseline. ``y_test``: (n,) labels."""
    if not runs or any(r.baseline_test_logits is None for r in runs):
        return None
    y = y_test.numpy()
    return paired_gain([r.test_logits.argmax(1).numpy() == y for r in runs],
                       [r.baseline_test_logits.argmax(1).numpy() == y for r in runs])


def group_of(runs: list[Run], run: Run) -> list[Run]:
    """The runs trained together with ``run`` by one press (several seeds share ``extra["group"]``), oldest first."""
    g = run.extra.get("group")
    return [r for r in runs if g is not None and r.extra.get("group") == g] or [run]


def seed_summary(runs: list[Run]) -> dict[str, tuple[float, float]]:
    """Mean and sample std (ddof = 1; NaN for one run) over ``runs`` of ``distilled``, ``baseline`` and ``gain``
    test accuracy (fractions): ``{"distilled": (mean, std), ...}``."""
    values = {"distilled": [r.test_acc for r in runs], "baseline": [r.baseline_acc for r in runs]}
    values["gain"] = [d - b for d, b in zip(values["distilled"], values["baseline"])]
    return {k: (float(np.mean(v)), sample_std(v)) for k, v in values.items()}


def lead(history: pd.DataFrame, baseline_history: pd.DataFrame) -> tuple[int, int | None]:
    """Epochs at which the distilled student's test accuracy is above the baseline's, and the first
    epoch from which it stays above to the end (None if it is not above at the last epoch).

    ``history`` and ``baseline_history``: per-epoch rows with ``epoch`` and ``test_acc``, as
    :func:`kdviz.train.loop.train_student` returns them, over the same epochs.
    """
    ahead = (history["test_acc"].to_numpy() > baseline_history["test_acc"].to_numpy())  # (epochs,) bool
    epochs = history["epoch"].to_numpy()
    if not ahead[-1]:
        return int(ahead.sum()), None
    behind = np.flatnonzero(~ahead)  # indices where the baseline was level or ahead
    return int(ahead.sum()), int(epochs[behind[-1] + 1] if behind.size else epochs[0])


def results_table(run: Run, res: Resources) -> pd.DataFrame:
    """Teacher, distilled student and baseline side by side: test accuracy, agreement, parameters, size.

    One row per model, ``model`` being one of :data:`MODELS` (``teacher``, ``distilled``,
    ``baseline``; the baseline only when it was trained).
    """
    y, t_pred = res.data.y_test, res.logits.test.argmax(1)
    rows = [{"model": "teacher", "test_acc": float(res.teacher_meta["test_acc"]), "agreement": 1.0,
             "params": count_params(res.teacher), "size_kB": size_bytes(res.teacher) / 1000, "seconds": float(res.teacher_meta.get("train_seconds", "nan"))}]
    for name, logits, secs in (("distilled", run.test_logits, run.seconds), ("baseline", run.baseline_test_logits, run.baseline_seconds)):
        if logits is None:
            continue
        pred = logits.argmax(1)
        rows.append({"model": name, "test_acc": float((pred == y).float().mean()),
                     "agreement": float((pred == t_pred).float().mean()), "params": run.params,
                     "size_kB": run.size_bytes / 1000, "seconds": secs})
    return pd.DataFrame(rows)


def per_class(run: Run, res: Resources) -> dict[str, list[float]]:
    """Per-class test accuracy of the teacher, the distilled student and the baseline (10 fractions each)."""
    y = res.data.y_test
    out = {"teacher": per_class_accuracy(res.logits.test.argmax(1), y), "distilled": per_class_accuracy(run.test_logits.argmax(1), y)}
    if run.baseline_test_logits is not None:
        out["baseline"] = per_class_accuracy(run.baseline_test_logits.argmax(1), y)
    return out


def student_confusion(run: Run, res: Resources) -> np.ndarray:
    """(10, 10) confusion counts of the distilled student on test."""
    return confusion(run.test_logits.argmax(1), res.data.y_test)


def disagreements(run: Run, res: Resources, *, k: int = 12) -> pd.DataFrame:
    """Up to ``k`` test digits where the student and the teacher predict differently, most confident student first.

    Columns: ``index`` (into the test split), ``label``, ``teacher``, ``student``, ``student_p`` (its probability).
    """
    s_prob = torch.softmax(run.test_logits, 1)
    s_pred, t_pred = s_prob.argmax(1), res.logits.test.argmax(1)
    idx = torch.nonzero(s_pred != t_pred).flatten()
    conf = s_prob[idx, s_pred[idx]]
    order = idx[torch.argsort(conf, descending=True)][:k]
    return pd.DataFrame({"index": order.tolist(), "label": res.data.y_test[order].tolist(), "teacher": t_pred[order].tolist(),
                         "student": s_pred[order].tolist(), "student_p": s_prob[order, s_pred[order]].tolist()})
