"""The T × γ sweep: one student per (T, γ, seed), run in parallel with joblib, cached on disk.

Each run is :func:`kdviz.train.loop.train_student` with one torch thread. The runs go through
``joblib.Parallel`` (loky processes by default, ``n_jobs`` of them); the arrays a run needs
are passed as numpy arrays, which loky memory-maps instead of copying per task.

The same code runs on a cluster through joblib's backends::

    # Dask (pip install "dask[distributed]")
    from distributed import Client
    import joblib
    client = Client("tcp://scheduler:8786")          # or Client() for a local cluster
    with joblib.parallel_config(backend="dask"):
        df = sweep(res, n_jobs=-1)

    # Ray (pip install "ray[default]")
    import joblib, ray
    from ray.util.joblib import register_ray
    ray.init(address="auto")
    register_ray()
    with joblib.parallel_config(backend="ray"):
        df = sweep(res, n_jobs=-1)

The workers need kdviz importable; they receive the data with each task.

At γ = 0 the soft term has weight 0, so T changes nothing: one run per seed is trained
at γ = 0 and its accuracy is reported for every T (``shared_gamma0`` is True on those rows).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from kdviz.base.cores import capped
from kdviz.base.diskcache import cache_dir, keyed_path, load_json, load_or_build, save_json
from kdviz.base.progress import Progress, report
from kdviz.data.mnist import MNISTSplit
from kdviz.train.loop import TeacherLogits, TrainConfig, predict_logits, train_student
from kdviz.train.resources import Resources

__all__ = [
    "DEFAULT_TEMPERATURES",
    "DEFAULT_GAMMAS",
    "DEFAULT_SEEDS",
    "DEFAULT_EPOCHS",
    "sweep",
    "sweep_key",
    "sweep_cache_path",
    "load_cached_sweep",
    "summarise_sweep",
    "run_jobs",
    "local_jobs",
]

DEFAULT_TEMPERATURES = (1.0, 2.0, 4.0, 8.0, 16.0)
DEFAULT_GAMMAS = (0.0, 0.25, 0.5, 0.75, 0.9, 1.0)
DEFAULT_SEEDS = (0, 1, 2)  # 3 seeds: enough for a std, and 78 runs of ~1.8 s (≈ 2.5 min on one core)
DEFAULT_EPOCHS = 30  # as the default student

ROW_KEYS = ("T", "gamma", "seed", "test_acc", "seconds", "shared_gamma0")


def sweep_key(res: Resources, temperatures, gammas, seeds, config: TrainConfig) -> dict:
    """What a sweep's numbers depend on: the grid, the seeds, the student config, the data and the teacher."""
    return {
        "temperatures": [float(t) for t in temperatures],
        "gammas": [float(g) for g in gammas],
        "seeds": [int(s) for s in seeds],
        "epochs": int(config.epochs),
        "hidden": list(config.hidden),
        "lr": float(config.lr),
        "batch_size": int(config.batch_size),
        "split": res.data.fingerprint,
        "teacher": str(res.teacher_meta.get("sha256", "")),
        "version": 1,
    }


def sweep_cache_path(key: dict, folder: Path | str | None = None) -> Path:
    """``<folder>/sweep-<hash of key>.json``; default folder ``cache_dir()/sweeps``."""
    return keyed_path(folder if folder is not None else cache_dir() / "sweeps", "sweep", key)


def _valid_rows(rows, key: dict) -> bool:
    expected = {(float(t), float(g), int(s)) for t in key["temperatures"] for g in key["gammas"] for s in key["seeds"]}
    try:
        got = {(float(r["T"]), float(r["gamma"]), int(r["seed"])) for r in rows}
        ok = all(0.0 <= float(r["test_acc"]) <= 1.0 for r in rows)
    except (KeyError, TypeError, ValueError):
        return False
    return ok and got == expected and len(rows) == len(expected)


def load_cached_sweep(key: dict, folder: Path | str | None = None) -> pd.DataFrame | None:
    """The cached sweep for ``key``, or None when it is missing, corrupt or for another key."""
    blob = load_json(sweep_cache_path(key, folder))
    if blob is None or blob.get("key") != key or not _valid_rows(blob.get("rows"), key):
        return None
    return pd.DataFrame(blob["rows"], columns=list(ROW_KEYS))


def worker_arrays(res: Resources) -> dict[str, np.ndarray]:
    """What one worker run needs, as numpy arrays (loky memory-maps arrays over 1 MB): the split and the teacher's logits."""
    d = res.data
    return {
        "x_train": d.x_train.numpy(), "y_train": d.y_train.numpy(),
        "x_test": d.x_test.numpy(), "y_test": d.y_test.numpy(),
        "t_train": res.logits.train.numpy(), "t_test": res.logits.test.numpy(),
    }


def _worker_train(arrays: dict[str, np.ndarray], config: dict):
    """``(train_student's result, the split)`` for arrays of :func:`worker_arrays` and a TrainConfig dict."""
    t = {k: torch.from_numpy(np.array(v)) for k, v in arrays.items()}  # np.array: writable copy of a memmap
    empty = np.zeros((0, 28, 28), np.uint8)
    data = MNISTSplit(
        x_train=t["x_train"], y_train=t["y_train"], x_test=t["x_test"], y_test=t["y_test"],
        images_train=empty, images_test=empty, train_index=np.zeros(0, np.int64), test_index=np.zeros(0, np.int64),
        mean=0.0, std=1.0, fingerprint="sweep-worker",
    )
    cfg = TrainConfig(**{**config, "hidden": tuple(config["hidden"])})
    return train_student(data, TeacherLogits(train=t["t_train"], test=t["t_test"]), cfg), data


def worker_run(arrays: dict[str, np.ndarray], config: dict) -> tuple[float, float]:
    """One student run, in a worker process or here: ``(test_acc, seconds)``. Uses ``config['num_threads']`` torch threads."""
    result, _ = _worker_train(arrays, config)
    return result.test_acc, result.seconds


def worker_run_logits(arrays: dict[str, np.ndarray], config: dict) -> tuple[float, float, TeacherLogits]:
    """As :func:`worker_run`, plus the trained student's logits on the train (n_train, 10) and test (n_test, 10)
    digits: a student that teaches next (the capacity lab's teacher assistant)."""
    result, data = _worker_train(arrays, config)
    return result.test_acc, result.seconds, TeacherLogits(train=predict_logits(result.model, data.x_train),
                                                          test=result.test_logits)


_LOCAL_BACKENDS = ("LokyBackend", "MultiprocessingBackend", "ThreadingBackend", "SequentialBackend")


def local_jobs(n_jobs: int) -> int:
    """``n_jobs``, capped at the cores (:func:`kdviz.base.cores.usable_cores`) when joblib's active backend runs on this
    machine (loky by default): more workers than cores only add memory (~0.4 GB each) and slow every run down.
    A cluster's backend (``joblib.parallel_config(backend="dask")``) keeps the request."""
    from joblib.parallel import get_active_backend

    n_jobs = int(n_jobs)
    if n_jobs > 1 and type(get_active_backend()[0]).__name__ in _LOCAL_BACKENDS:
        return capped(n_jobs, "n_jobs")
    return n_jobs


def run_jobs(calls: Sequence[tuple[Callable, tuple]], n_jobs: int) -> Iterator:
    """``func(*args)`` for each ``(func, args)`` of ``calls``, yielded in order as each finishes.

    In this process when ``n_jobs`` is 1 or there is one call; else in ``n_jobs`` joblib workers (loky
    processes unless a ``joblib.parallel_config`` names another backend; at most the cores on this machine,
    :func:`local_jobs`). The sweep's and the Labs' runs go through here.
    """
    import joblib

    n_jobs = local_jobs(n_jobs)
    if int(n_jobs) == 1 or len(calls) <= 1:
        return (func(*args) for func, args in calls)
    return joblib.Parallel(n_jobs=int(n_jobs), return_as="generator")(joblib.delayed(func)(*args) for func, args in calls)


def _train_grid(res: Resources, temperatures: list[float], gammas: list[float], seeds: list[int], config: TrainConfig,
                n_jobs: int, progress: Progress) -> pd.DataFrame:
    """Train every distinct run of the grid (:func:`run_jobs`) and return one row per (T, γ, seed)."""
    # the distinct runs: at γ = 0, T does not matter, so one run per seed (at the first T)
    jobs = sorted({(temperatures[0] if g == 0 else t, g, s) for t in temperatures for g in gammas for s in seeds})
    base = config.to_dict()
    arrays = worker_arrays(res)
    start = time.perf_counter()
    outputs = zip(jobs, run_jobs([(worker_run, (arrays, {**base, "T": t, "gamma": g, "seed": s})) for t, g, s in jobs],
                                 n_jobs))
    results: dict[tuple, tuple[float, float]] = {}
    for i, (job, out) in enumerate(outputs, start=1):
        results[job] = out
        report(progress, i / len(jobs), "progress.sweep_run", i=i, n=len(jobs), T=job[0], gamma=job[1], seed=job[2])
    wall = time.perf_counter() - start

    rows = []
    for t in temperatures:
        for g in gammas:
            for s in seeds:
                acc, secs = results[(temperatures[0] if g == 0 else t, g, s)]
                rows.append({"T": t, "gamma": g, "seed": s, "test_acc": acc, "seconds": round(secs, 3),
                             "shared_gamma0": g == 0 and t != temperatures[0]})
    df = pd.DataFrame(rows, columns=list(ROW_KEYS))
    df.attrs.update(wall_seconds=wall, cached=False, n_jobs=int(n_jobs), runs=len(jobs))
    return df


def sweep(
    res: Resources,
    temperatures: Sequence[float] = DEFAULT_TEMPERATURES,
    gammas: Sequence[float] = DEFAULT_GAMMAS,
    seeds: Sequence[int] = DEFAULT_SEEDS,
    config: TrainConfig = TrainConfig(epochs=DEFAULT_EPOCHS),
    *,
    n_jobs: int = 2,
    use_cache: bool = True,
    folder: Path | str | None = None,
    progress: Progress = None,
) -> pd.DataFrame:
    """Train one student per (T, γ, seed) and return one row per run.

    Parameters
    ----------
    temperatures, gammas, seeds : the grid (T > 0, γ in [0, 1])
    config : the student config; its T, γ and seed are replaced per run, ``num_threads`` is 1
    n_jobs : joblib workers (loky processes unless a ``joblib.parallel_config`` says
        otherwise; at most the cores on this machine, :func:`local_jobs`); 1 runs in this process, serially
    use_cache : read and write the result under :func:`sweep_cache_path` (checked when read,
        written atomically; a bad file is rebuilt)
    progress : told (fraction done, message) after each run (:mod:`kdviz.base.progress`)

    Returns
    -------
    DataFrame with columns T, gamma, seed, test_acc, seconds (training time of that run),
    shared_gamma0 (True where the γ = 0 run of that seed was reused for this T). It
    carries ``df.attrs["wall_seconds"]`` (0 when read from the cache), ``df.attrs["cached"]``
    and ``df.attrs["key"]`` (:func:`sweep_key`).
    """
    temperatures = [float(t) for t in temperatures]
    gammas = [float(g) for g in gammas]
    seeds = [int(s) for s in seeds]
    if not temperatures or not gammas or not seeds:
        raise ValueError("the sweep needs at least one temperature, one gamma and one seed")
    for t in temperatures:
        config.replace(T=t)  # validates
    for g in gammas:
        config.replace(gamma=g)
    config = config.replace(num_threads=1)
    n_jobs = local_jobs(n_jobs)  # what df.attrs["n_jobs"] says is what ran
    key = sweep_key(res, temperatures, gammas, seeds, config)

    def save(df: pd.DataFrame) -> None:
        meta = {"wall_seconds": round(df.attrs["wall_seconds"], 2), "n_jobs": df.attrs["n_jobs"], "runs": df.attrs["runs"]}
        save_json(sweep_cache_path(key, folder), {"key": key, "meta": meta, "rows": df.to_dict(orient="records")},
                  what="the sweep cache")

    df, cached = load_or_build(lambda: load_cached_sweep(key, folder),
                               lambda: _train_grid(res, temperatures, gammas, seeds, config, n_jobs, progress), save,
                               use_cache=use_cache)
    if cached:
        df.attrs.update(wall_seconds=0.0, cached=True)
        report(progress, 1.0, "progress.sweep_cached")
    df.attrs["key"] = key
    return df


def summarise_sweep(df: pd.DataFrame) -> pd.DataFrame:
    """Mean and sample std of test accuracy per (T, γ): columns T, gamma, test_acc_mean, test_acc_std, n."""
    g = df.groupby(["T", "gamma"], sort=True)["test_acc"]
    out = pd.DataFrame({"test_acc_mean": g.mean(), "test_acc_std": g.std(ddof=1), "n": g.size()}).reset_index()
    return out
