"""The capacity gap: which teacher helps which student, and whether a teacher assistant bridges a gap.

Mirzadeh et al. (AAAI 2020) and Cho & Hariharan (ICCV 2019) found that a much larger or more accurate
teacher can help a small student less than a medium one, and that distilling through an intermediate
"teacher assistant" can recover the loss. Here, on the data the app runs on:

* a ladder of teachers (:data:`TEACHERS`), all trained by the shipped teacher's recipe
  (:func:`kdviz.train.teacher.train_teacher`: seed 0, random shifts, Adam, cosine schedule) and cached as
  safetensors: the shipped CNN itself, a medium and a small CNN, a wide MLP, and two early checkpoints
  of the shipped teacher's own run (after 1 and 3 of its 15 epochs), the weaker teachers;
* a ladder of MLP students (:data:`STUDENTS`, hidden sizes);
* for every (teacher, student) pair, the KD student (T = 4, γ = 0.9) against the same student on labels
  only, from the same initialisation per seed: the gain is paired, seed by seed;
* the teacher assistant: shipped teacher → MLP assistant (the pair run itself) → the smallest student,
  against shipped teacher → smallest student directly, for each assistant in :data:`ASSISTANTS`.

Student runs go to ``n_jobs`` worker processes (joblib, one torch thread each), as the sweep's do.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from kdviz.base.diskcache import cache_dir, keyed_path
from kdviz.base.progress import Progress, report
from kdviz.lab.capacity_report import capacity_frames, capacity_headline, capacity_json, capacity_table
from kdviz.train.config import check_seeds
from kdviz.train.loop import TeacherLogits, TrainConfig, teacher_logits
from kdviz.train.modelfile import cached_model
from kdviz.train.models import count_params, describe
from kdviz.train.resources import Resources
from kdviz.train.sweep import run_jobs, worker_arrays, worker_run, worker_run_logits
from kdviz.train.teacher import TeacherConfig, train_teacher

__all__ = ["TEACHERS", "TEACHER_KEYS", "STUDENTS", "ASSISTANTS", "FULL", "QUICK", "ladder_teacher", "capacity_gap",
           "capacity_json", "capacity_table", "capacity_frames", "capacity_headline"]  # the last four: capacity_report

SHIPPED_ARCH = {"kind": "cnn", "channels": [32, 64], "hidden": 128, "dropout": 0.3}
TEACHERS = (  # the ladder, strongest recipe first: key, architecture (None: the loaded teacher), epochs of 15 trained
    {"key": "shipped", "arch": None, "stop_after": None},
    {"key": "medium_cnn", "arch": {"kind": "cnn", "channels": [16, 32], "hidden": 64, "dropout": 0.3}, "stop_after": None},
    {"key": "small_cnn", "arch": {"kind": "cnn", "channels": [4, 8], "hidden": 32, "dropout": 0.3}, "stop_after": None},
    {"key": "wide_mlp", "arch": {"kind": "mlp", "hidden": [1200, 1200]}, "stop_after": None},
    {"key": "early_3", "arch": SHIPPED_ARCH, "stop_after": 3},
    {"key": "early_1", "arch": SHIPPED_ARCH, "stop_after": 1},
)
TEACHER_KEYS = tuple(t["key"] for t in TEACHERS)
STUDENTS = (16, 32, 64, 128, 512)  # MLP students' hidden sizes: 784-h-10
ASSISTANTS = (512, 128, 64, 32)  # MLP assistants between the shipped teacher and the smallest student
FULL = {"seeds": (0, 1, 2), "epochs": 30}  # 3–9 min on 2 cores, two worker processes (README)
QUICK = {"seeds": (0,), "epochs": 3, "students": (16, 128), "assistants": (128,)}  # seconds once the teachers are cached
KD = {"T": 4.0, "gamma": 0.9}  # every distilled run

TEACHER_NAMES = {"shipped": "plots_depth.teacher_shipped", "medium_cnn": "plots_depth.teacher_medium_cnn",
                 "small_cnn": "plots_depth.teacher_small_cnn", "wide_mlp": "plots_depth.teacher_wide_mlp",
                 "early_3": "plots_depth.teacher_early_3", "early_1": "plots_depth.teacher_early_1"}  # ladder key → key


def ladder_teacher(key: str, res: Resources, *, config: TeacherConfig = TeacherConfig(), folder: Path | str | None = None,
                   log=lambda line: None) -> tuple[torch.nn.Module, dict]:
    """One teacher of the ladder, trained on first use and cached.

    ``"shipped"`` is the loaded teacher. The others are trained by :func:`~kdviz.train.teacher.train_teacher`
    with ``config`` (the shipped recipe) and their own architecture, and cached as
    ``<folder>/ladder-<key>-<hash>.safetensors``; the hash covers the split, the architecture, the config
    and the stopping epoch. The file is checked when read and rebuilt when bad
    (:func:`kdviz.train.modelfile.cached_model`).

    Parameters
    ----------
    key : str
        One of :data:`TEACHER_KEYS`.
    res : Resources
        The split (its fingerprint keys the cache) and the shipped teacher.
    config : TeacherConfig, keyword-only
        The training recipe (default: the shipped teacher's).
    folder : path, optional, keyword-only
        The cache folder (default ``cache_dir()/teachers``).
    log : callable, keyword-only
        Given one line per teacher epoch while it trains.

    Returns
    -------
    model : nn.Module
        Frozen: eval mode, no gradients. Maps images (N, 1, 28, 28) to logits (N, 10).
    meta : dict
        Its metadata: ``test_acc`` (a fraction, on the test digits), ``epochs_trained``, ``sha256``, ...

    Raises
    ------
    ValueError
        An unknown ``key``.
    """
    spec = next((t for t in TEACHERS if t["key"] == key), None)
    if spec is None:
        raise ValueError(f"teacher must be one of {', '.join(TEACHER_KEYS)}, got {key!r}")
    if spec["arch"] is None:
        return res.teacher, res.teacher_meta
    data = res.data
    folder = Path(folder) if folder is not None else cache_dir() / "teachers"
    cache_key = {"split": data.fingerprint, "arch": spec["arch"], "config": config.to_dict(), "stop_after": spec["stop_after"]}
    path = keyed_path(folder, f"ladder-{key}", cache_key, suffix=".safetensors", length=12)

    def build():
        model, meta = train_teacher(data, config, log=log, arch=spec["arch"], stop_after=spec["stop_after"],
                                    command=f"kdviz.lab.capacity.ladder_teacher({key!r}) (cached; rebuilt automatically)")
        return model, meta

    return cached_model(path, build, what="teacher", fingerprint=data.fingerprint)


def _worker_arrays(base: dict, logits: TeacherLogits) -> dict[str, np.ndarray]:
    """The sweep worker's arrays with this teacher's logits."""
    return {**base, "t_train": logits.train.numpy(), "t_test": logits.test.numpy()}


def _run_jobs(calls: list[tuple], n_jobs: int, done, progress: Progress, start_at: float, share: float) -> list:
    """The results of :func:`kdviz.train.sweep.run_jobs`, in order; ``done(i)`` gives the progress message after job i."""
    results = []
    for i, out in enumerate(run_jobs(calls, n_jobs), start=1):
        results.append(out)
        key, fields = done(i - 1)
        report(progress, start_at + share * i / len(calls), key, **fields)
    return results


def capacity_gap(res: Resources, *, seeds: Sequence[int] = FULL["seeds"], epochs: int = FULL["epochs"],
                 teachers: Sequence[str] = TEACHER_KEYS, students: Sequence[int] = STUDENTS,
                 assistants: Sequence[int] = ASSISTANTS, n_jobs: int = 2, folder: Path | str | None = None,
                 progress: Progress = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Every (teacher, student) pair, KD against labels only, and the teacher-assistant chains, per seed.

    Parameters
    ----------
    res : Resources
        The data and the shipped teacher.
    seeds : sequence of int
        Distinct student seeds; a seed's KD and labels-only runs share the initialisation and batches.
    epochs : int
        Epochs of every student run (the default student's 30).
    teachers : sequence of str
        From :data:`TEACHER_KEYS`.
    students : sequence of int
        MLP hidden sizes (784-h-10).
    assistants : sequence of int
        MLP hidden sizes of the assistants; the chain's last student is ``min(students)``. Empty: no chains.
        An assistant's run is the pair (shipped, assistant), so "shipped" must be among the teachers.
    n_jobs : int
        Worker processes (1: in this process).
    folder : path, optional
        Where the ladder's teachers are cached (:func:`ladder_teacher`).

    Returns
    -------
    pairs : DataFrame, one row per (teacher, student, seed): teacher (key), teacher_acc (fraction), teacher_params,
        student_hidden, seed, kd_acc, labels_acc, gain = kd_acc − labels_acc, seconds (the KD run).
    chains : DataFrame, one row per (assistant, seed): assistant (hidden), assistant_acc (its test accuracy,
        distilled from the shipped teacher), student_hidden, seed, chain_acc (the student distilled from the
        assistant), direct_acc (the same student distilled from the shipped teacher), gain = chain − direct.
    Both carry ``attrs``: seeds, epochs, T, gamma, teachers (key → acc, params, architecture, epochs trained),
    wall_seconds.
    """
    seeds = check_seeds(seeds)
    students = sorted({int(h) for h in students})
    assistants = list(dict.fromkeys(int(a) for a in assistants))
    teachers = list(dict.fromkeys(teachers))
    bad = [t for t in teachers if t not in TEACHER_KEYS]
    if bad or not teachers or not students:
        raise ValueError(f"teachers must be among {', '.join(TEACHER_KEYS)} and students non-empty, got {teachers}, {students}")
    if any(h < 1 for h in (*students, *assistants)):
        raise ValueError("hidden sizes must be ≥ 1")
    if assistants and "shipped" not in teachers:
        raise ValueError("the teacher-assistant chain starts from the shipped teacher: add 'shipped' to the teachers")
    if any(a <= min(students) for a in assistants):
        raise ValueError(f"an assistant must be larger than the smallest student ({min(students)}), got {assistants}")
    config = TrainConfig(epochs=int(epochs), num_threads=1, **KD)
    start = time.perf_counter()

    info, logits = {}, {}
    for i, key in enumerate(teachers):  # train (or load) the ladder
        report(progress, 0.15 * i / len(teachers), "progress.capacity_teacher", teacher=(TEACHER_NAMES[key], {}))
        model, meta = ladder_teacher(key, res, folder=folder)
        logits[key] = res.logits if key == "shipped" else teacher_logits(model, res.data)
        acc = float((logits[key].test.argmax(1) == res.data.y_test).float().mean())
        info[key] = {"test_acc": acc, "params": count_params(model), "model": describe(model),
                     "epochs_trained": int(meta.get("epochs_trained", meta.get("config", {}).get("epochs", 0)))}

    base = worker_arrays(res)
    arrays = {key: _worker_arrays(base, logits[key]) for key in teachers}
    plain = config.replace(gamma=0.0).to_dict()
    # labels only; every (teacher, student) pair; then the assistants that are not among the students.
    # An assistant is the pair (shipped, assistant): its run also returns its logits, the chain's teacher.
    names = [("labels", h, s) for h in students for s in seeds] + [(t, h, s) for t in teachers for h in students for s in seeds]
    names += [("assistant", a, s) for a in assistants if a not in students for s in seeds]
    teaching = {(a, s) for a in assistants for s in seeds}  # runs whose logits teach the chain's student
    calls = []
    for t, h, s in names:
        if t == "labels":
            calls.append((worker_run, (arrays[teachers[0]], {**plain, "hidden": [h], "seed": s})))
        else:
            run = worker_run_logits if t in ("shipped", "assistant") and (h, s) in teaching else worker_run
            calls.append((run, (arrays["shipped" if t == "assistant" else t], {**config.to_dict(), "hidden": [h], "seed": s})))
    def said(i: int):  # job i's progress message; a teacher by its name in the catalog
        t, h, s = names[i]
        if t in ("labels", "assistant"):
            return {"labels": "progress.capacity_labels", "assistant": "progress.capacity_assistant"}[t], {"hidden": h, "seed": s}
        return "progress.capacity_pair", {"teacher": (TEACHER_NAMES[t], {}), "hidden": h, "seed": s}

    out = _run_jobs(calls, n_jobs, said, progress, 0.15, 0.7)
    acc = {name: r for name, r in zip(names, out)}
    rows = [{"teacher": t, "teacher_acc": info[t]["test_acc"], "teacher_params": info[t]["params"], "student_hidden": h,
             "seed": s, "kd_acc": acc[(t, h, s)][0], "labels_acc": acc[("labels", h, s)][0],
             "gain": acc[(t, h, s)][0] - acc[("labels", h, s)][0], "seconds": round(acc[(t, h, s)][1], 3)}
            for t in teachers for h in students for s in seeds]
    pairs = pd.DataFrame(rows)

    smallest, chain_rows = min(students), []
    if assistants:
        assistant = {(a, s): acc[("shipped" if a in students else "assistant", a, s)] for a in assistants for s in seeds}
        keys = list(assistant)
        calls = [(worker_run, (_worker_arrays(base, assistant[k][2]), {**config.to_dict(), "hidden": [smallest], "seed": k[1]}))
                 for k in keys]
        out = _run_jobs(calls, n_jobs, lambda i: ("progress.capacity_chain", {"hidden": keys[i][0], "seed": keys[i][1]}),
                        progress, 0.85, 0.15)
        direct = {s: next(r for r in rows if r["teacher"] == "shipped" and r["student_hidden"] == smallest and r["seed"] == s)
                  for s in seeds}
        chain_rows = [{"assistant": a, "assistant_acc": assistant[(a, s)][0], "student_hidden": smallest, "seed": s,
                       "chain_acc": r[0], "direct_acc": direct[s]["kd_acc"], "gain": r[0] - direct[s]["kd_acc"]}
                      for (a, s), r in zip(keys, out)]
    chains = pd.DataFrame(chain_rows, columns=["assistant", "assistant_acc", "student_hidden", "seed", "chain_acc",
                                               "direct_acc", "gain"])
    report(progress, 1.0, "progress.lab_done")
    attrs = {"seeds": seeds, "epochs": int(epochs), "T": KD["T"], "gamma": KD["gamma"], "teachers": info,
             "wall_seconds": time.perf_counter() - start}
    pairs.attrs.update(attrs)
    chains.attrs.update(attrs)
    return pairs, chains
