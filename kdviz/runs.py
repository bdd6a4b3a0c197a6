"""One run of the Train page (a distilled student and its γ = 0 baseline), and the session's run history.

A :class:`Run` holds only plain data (histories, test logits, weights as safetensors bytes),
so a session can keep many without holding models. Nothing here imports Streamlit.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import torch
from safetensors.torch import load as load_safetensors
from safetensors.torch import save as save_safetensors
from torch import nn

from .metrics import confusion, per_class_accuracy
from .models import architecture, build_model, count_params, size_bytes
from .resources import Resources
from .train import TrainConfig, TrainResult

__all__ = [
    "Run", "make_run", "model_bytes", "model_from_bytes", "history_table", "results_table", "per_class",
    "student_confusion", "disagreements", "MODELS",
]

MODELS = ("teacher", "distilled", "baseline")  # the rows of results_table


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
        "seed": r.config.seed,
        "distilled_acc": r.test_acc,
        "baseline_acc": r.baseline_acc,
        "gain": r.test_acc - r.baseline_acc,
        "agreement": r.agreement,
        "params": r.params,
        "seconds": round(r.seconds + (0.0 if np.isnan(r.baseline_seconds) else r.baseline_seconds), 2),
    } for r in runs], columns=["run", "hidden", "epochs", "lr", "T", "gamma", "seed", "distilled_acc", "baseline_acc",
                                 "gain", "agreement", "params", "seconds"])


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

