"""Experiments built on :func:`kdviz.train.loop.train_student`; each returns plain data (dicts or DataFrames)."""

from __future__ import annotations

from kdviz.maths.metrics import per_class_accuracy
from kdviz.train.loop import TrainConfig, TrainResult, pair_configs, train_student
from kdviz.train.resources import Resources

__all__ = ["distill", "summarise", "distill_report"]


def summarise(result: TrainResult, res: Resources) -> dict:
    """JSON-able summary of one run: test accuracy, per-class accuracy, agreement, seconds, config."""
    pred = result.test_logits.argmax(1)
    last = result.history.iloc[-1]
    return {
        "test_acc": float(last["test_acc"]),
        "per_class_acc": per_class_accuracy(pred, res.data.y_test),
        "agreement": float(last["agreement"]),
        "seconds": round(result.seconds, 3),
    }


def distill_report(res: Resources, student: TrainResult, baseline: TrainResult | None = None) -> dict:
    """What ``python -m kdviz distill --json`` prints, from finished runs.

    Returns
    -------
    dict with ``teacher_test_acc``, ``student_test_acc``, ``per_class_acc`` (10 floats),
    ``agreement``, ``seconds`` (training wall time), ``config`` (the student's),
    ``history`` (per-epoch rows) and, given ``baseline``, ``baseline_test_acc``,
    ``baseline_per_class_acc``, ``baseline_seconds``.
    """
    s = summarise(student, res)
    out = {
        "teacher_test_acc": float(res.teacher_meta["test_acc"]),
        "student_test_acc": s["test_acc"],
        "per_class_acc": s["per_class_acc"],
        "agreement": s["agreement"],
        "seconds": s["seconds"],
        "config": student.config.to_dict(),
        "history": student.history.to_dict(orient="records"),
    }
    if baseline is not None:
        b = summarise(baseline, res)
        out.update(baseline_test_acc=b["test_acc"], baseline_per_class_acc=b["per_class_acc"], baseline_seconds=b["seconds"])
    return out


def distill(res: Resources, config: TrainConfig = TrainConfig(), *, baseline: bool = False) -> dict:
    """Distil a student from the shipped teacher; with ``baseline`` also train gamma = 0 from the same initialisation.

    Returns :func:`distill_report` of the run(s).
    """
    student = train_student(res.data, res.logits, config)
    base = train_student(res.data, res.logits, pair_configs(config)["baseline"]) if baseline else None  # plain γ = 0
    return distill_report(res, student, base)
