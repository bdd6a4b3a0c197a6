"""Beyond logits: labels only, logit KD, three feature terms and logits + the best of them, seeds side by side.

:func:`features_compare` trains :class:`~kdviz.train.features.StudentCNN` once per method and seed
(:func:`kdviz.train.features.train_features`), every method from the same initialisation and on the same batches
for a seed. The teacher's feature maps are computed once for the call (or read from the disk cache), never
per batch. "logits+best" is resolved after the feature methods: the feature term with the highest mean
test accuracy over the seeds (ties: the first in :data:`~kdviz.train.features.FEATURE_TERMS`).

The reference is the PyTorch "Knowledge Distillation Tutorial" (one seed, CIFAR-10, a different pair of
CNNs): student 69.9 %, + KD 70.8 %, + cosine 71.5 %, + regressor (hint) 70.8 %.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from pathlib import Path

import pandas as pd

from kdviz.base.progress import Progress, report
from kdviz.lab.shipped import RESULTS
from kdviz.maths.stats import none_if_nan, plus_minus, sample_std
from kdviz.train.config import check_seeds
from kdviz.train.features import (
    FEATURE_TERMS,
    METHOD_NAMES,
    METHODS,
    FeatureConfig,
    feature_targets,
    init_student,
    teacher_feature_maps,
    train_features,
    train_subset,
)
from kdviz.train.modelfile import ModelFileError, load_model, save_model
from kdviz.train.models import StudentCNN, architecture
from kdviz.train.resources import Resources

__all__ = ["features_compare", "features_json", "features_table", "features_frame", "save_students", "load_students",
           "DEFAULT_METHODS", "FULL_EPOCHS", "QUICK", "TUTORIAL", "STUDENTS_DIR"]

DEFAULT_METHODS = ("labels", "logits", *FEATURE_TERMS, "logits+best")
FULL_EPOCHS = 10  # 18 runs of the 9,098-parameter student: ~5 min on 2 cores (one thread, one run at a time)
QUICK = {"seeds": (0,), "epochs": 2, "n_train": 1000}  # --quick: seconds, for a first look and CI
TUTORIAL = {"labels": 0.699, "logits": 0.708, "cosine": 0.715, "hint": 0.708}  # CIFAR-10, one seed (the tutorial's run)
STUDENTS_DIR = RESULTS / "features"  # the shipped full run's first-seed students, one safetensors file per method
COLUMNS = ("method", "seed", "test_acc", "params", "extra_params", "seconds", "epochs", "hard", "term")


def features_compare(res: Resources, *, seeds: Sequence[int] = (0, 1, 2), epochs: int = FULL_EPOCHS,
                     methods: Sequence[str] = DEFAULT_METHODS, n_train: int | None = None, use_cache: bool = True,
                     config: FeatureConfig = FeatureConfig(), progress: Progress = None) -> pd.DataFrame:
    """Every method for every seed, from the same initialisation per seed.

    Parameters
    ----------
    res : Resources
        The data, the teacher (a :class:`~kdviz.train.models.TeacherCNN`) and its cached logits.
    seeds : sequence of int
        Distinct student seeds (initialisation and batch order).
    epochs : int
        Passes over the (possibly subset) train split, every method alike.
    methods : sequence of str
        From :data:`~kdviz.train.features.METHODS`, plus ``"logits+best"`` (run last).
    n_train : int, optional
        Train on this many train digits (a seeded subset, the same for every seed); default all.
    use_cache : bool
        Read and write the teacher's feature maps on disk (:func:`~kdviz.train.features.teacher_feature_maps`).
    config : FeatureConfig
        The other settings (student channels, lr, T, γ, weights); ``method``, ``seed`` and ``epochs`` are set here.
    progress : callable, optional
        :mod:`kdviz.base.progress`: the fraction done and the run just finished.

    Returns
    -------
    DataFrame, one row per method and seed (in run order), columns ``method`` (``"logits+best"`` resolved,
    e.g. ``"logits+hint"``), seed, test_acc (fraction, last epoch), params (the deployed student's), extra_params
    (trained and discarded: the hint regressor), seconds (the run's loop), epochs, hard and term (last epoch's
    mean train losses). ``df.attrs``: ``best_feature``, ``teacher_passes`` (forward passes over the train split:
    1, or 0 when read from disk), ``n_train``, ``config`` (dict), ``seeds``, ``teacher_test_acc``, ``wall_seconds``,
    ``students`` (method → the first seed's trained :class:`~kdviz.train.models.StudentCNN`, eval mode).
    """
    seeds = check_seeds(seeds)
    methods = list(dict.fromkeys(methods))
    unknown = [m for m in methods if m not in METHODS and m != "logits+best"]
    if unknown or not methods:
        raise ValueError(f"methods must be among {', '.join((*METHODS, 'logits+best'))}, got {methods}")
    config = config.replace(epochs=epochs)  # validates it
    start = time.perf_counter()
    index = train_subset(len(res.data.x_train), len(res.data.x_train) if n_train is None else int(n_train))
    needs_features = any(m != "labels" and m != "logits" for m in methods)
    features = teacher_feature_maps(res.teacher, res.teacher_meta, res.data, use_cache=use_cache) if needs_features else None
    targets = None if features is None else feature_targets(features, init_student(config))  # once for the call

    first = [m for m in methods if m != "logits+best"]
    total_runs = len(seeds) * len(methods)
    rows: list[dict] = []

    students = {}  # method → the first seed's trained student

    def run(method: str) -> None:
        for seed in seeds:
            r = train_features(res.data, res.logits, targets, config.replace(method=method, seed=seed), train_index=index)
            students.setdefault(method, r.model)
            last = r.history.iloc[-1]
            rows.append({"method": method, "seed": seed, "test_acc": r.test_acc, "params": r.params,
                         "extra_params": r.extra_params, "seconds": round(r.seconds, 3), "epochs": config.epochs,
                         "hard": float(last["hard"]), "term": float(last["term"])})
            report(progress, len(rows) / total_runs, "progress.lab_features", method=_method_message(method), seed=seed)

    for method in first:
        run(method)
    df = pd.DataFrame(rows, columns=list(COLUMNS))
    tried = [t for t in FEATURE_TERMS if t in set(df["method"])]
    best = max(tried, key=lambda t: (df.loc[df["method"] == t, "test_acc"].mean(), -tried.index(t))) if tried else None
    if "logits+best" in methods:
        if best is None:
            raise ValueError("logits+best needs at least one feature method (hint, attention, cosine) in the same run")
        if f"logits+{best}" not in first:
            run(f"logits+{best}")
        df = pd.DataFrame(rows, columns=list(COLUMNS))
    df.attrs.update(best_feature=best, teacher_passes=0 if features is None else features.passes, n_train=len(index),
                    config={k: v for k, v in config.to_dict().items() if k not in ("method", "seed")}, seeds=seeds,
                    teacher_test_acc=float((res.logits.test.argmax(1) == res.data.y_test).float().mean()),
                    wall_seconds=time.perf_counter() - start, students=students)
    return df


def _method_message(method: str) -> tuple:
    """A method by its catalog names, as a message a progress line shows in either language:
    ``"logits+attention"`` → ("progress.methods_joined", {"first": logits' name, "second": attention's})."""
    parts = [(METHOD_NAMES[part], {}) for part in method.split("+")]
    return parts[0] if len(parts) == 1 else ("progress.methods_joined", {"first": parts[0], "second": parts[1]})


def features_json(df: pd.DataFrame) -> dict:
    """What ``python -m kdviz features --json`` prints: ``rows`` (one per method, in run order: ``method``,
    ``test_acc`` the mean over seeds, ``test_acc_std`` the sample std (null for one seed), ``test_acc_per_seed``,
    ``params``, ``extra_params``, ``seconds`` the mean run time per seed), and the settings from ``df.attrs``."""
    rows = []
    for method, g in df.groupby("method", sort=False):
        accs = [float(a) for a in g["test_acc"]]
        rows.append({"method": method, "test_acc": sum(accs) / len(accs), "test_acc_std": none_if_nan(sample_std(accs)),
                     "test_acc_per_seed": accs, "params": int(g["params"].iloc[0]),
                     "extra_params": int(g["extra_params"].iloc[0]), "seconds": round(float(g["seconds"].mean()), 3)})
    a = df.attrs
    return {
        "rows": rows, "seeds": a.get("seeds"), "config": a.get("config"), "best_feature": a.get("best_feature"),
        "n_train": a.get("n_train"), "teacher_passes": a.get("teacher_passes"),
        "teacher_test_acc": a.get("teacher_test_acc"), "student": "CNN conv{}-conv{}-10".format(*a["config"]["channels"]),
        "wall_seconds": round(float(a.get("wall_seconds", float("nan"))), 1), "tutorial_reference": TUTORIAL,
    }


def features_table(out: dict) -> str:
    """The comparison as text: one line per method, test accuracy mean ± std (%), parameters and seconds per run."""
    lines = [f"{'method':<18}{'test acc %':<16}{'params':>8}{'s/run':>8}"]
    for r in out["rows"]:
        acc = plus_minus(r["test_acc"], r["test_acc_std"], scale=100, digits=2)
        extra = f" (+{r['extra_params']} in training)" if r["extra_params"] else ""
        lines.append(f"{r['method']:<18}{acc:<16}{r['params']:>8}{r['seconds']:>8.1f}{extra}")
    c = out["config"]
    lines.append(f"{out['student']}, {c['epochs']} epoch(s) on {out['n_train']} train digits, seeds {out['seeds']}; "
                 f"best feature term: {out['best_feature']}; teacher {out['teacher_test_acc']:.4f}; "
                 f"teacher feature passes: {out['teacher_passes']}; {out['wall_seconds']:g} s")
    return "\n".join(lines)


def features_frame(result: dict) -> pd.DataFrame:
    """:func:`features_json`'s ``rows`` as a DataFrame (what the Lab draws from a shipped result), its settings in ``attrs``."""
    df = pd.DataFrame(result["rows"])
    df.attrs.update({k: result.get(k) for k in ("seeds", "config", "best_feature", "n_train", "teacher_test_acc", "student")})
    return df


def _student_path(folder: Path, method: str) -> Path:
    return folder / f"{method.replace('+', '_')}.safetensors"


def save_students(students: Mapping[str, StudentCNN], *, data_fingerprint: str, seed: int,
                  folder: Path | str = STUDENTS_DIR) -> list[Path]:
    """Write each method's student as ``<folder>/<method>.safetensors`` (``+`` as ``_``) with its JSON. Returns the paths."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for method, model in students.items():
        path = _student_path(folder, method)
        save_model(model, path, {"architecture": architecture(model), "split_fingerprint": data_fingerprint,
                                 "method": method, "seed": int(seed)})
        paths.append(path)
    return paths


def load_students(methods: Sequence[str], *, data_fingerprint: str, folder: Path | str = STUDENTS_DIR) -> dict[str, StudentCNN]:
    """The saved students of ``methods`` trained on this split; a missing, bad or other-split file is left out."""
    out = {}
    for method in methods:
        try:
            model, meta = load_model(_student_path(Path(folder), method), what="student", fingerprint=data_fingerprint)
        except ModelFileError:
            continue
        if isinstance(model, StudentCNN) and meta.get("method") == method:
            out[method] = model
    return out
