"""Decoupled knowledge distillation (Zhao et al., CVPR 2022) against plain KD, as ways to train a student.

Per example, KD's loss is TCKD + (1 − p_t)·NCKD (:func:`kdviz.maths.losses.decompose_kd`): the non-target
part, how the teacher ranks the wrong classes, is scaled down exactly where the teacher is sure of
the right one. DKD trains with α·TCKD + β·NCKD instead (:func:`kdviz.maths.losses.dkd_loss`).
:func:`dkd_compare` trains the default student (784-128-10, :class:`~kdviz.train.loop.TrainConfig`) with KD
and with DKD at each β, and gives the test accuracy as mean ± sample std over the seeds. Every method
starts from the same initialisation and sees the same batches for a given seed, and all get the same
warm-up, so DKD at α = β = 1 differs from KD only in the coupling weight 1 − p_t.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence

import pandas as pd

from kdviz.base.progress import Progress, report
from kdviz.maths import stats
from kdviz.maths.stats import none_if_nan, plus_minus, sample_std
from kdviz.train.config import check_seeds
from kdviz.train.loop import TrainConfig, train_student
from kdviz.train.resources import Resources

__all__ = ["dkd_compare", "dkd_compare_json", "dkd_table", "dkd_frame", "dkd_headline", "ROW_KEYS", "DEFAULT_WARMUP"]

DEFAULT_WARMUP = 5  # epochs of linear warm-up of the soft term, every method: 1/6 of 30 epochs (the paper: 20 of 240)
ROW_KEYS = ("method", "alpha", "beta", "T", "test_acc", "test_acc_std", "seeds", "test_acc_per_seed",
            "tckd", "nckd", "weight", "gamma", "warmup", "epochs", "seconds")


def dkd_compare(
    res: Resources,
    *,
    seeds: Sequence[int] = (0, 1, 2),
    epochs: int = 30,
    T: float = 4.0,
    betas: Sequence[float] = (1, 2, 4, 8),
    alpha: float = 1.0,
    gamma: float = 0.9,
    warmup: int = DEFAULT_WARMUP,
    callback: Callable[[dict], object] | None = None,
    progress: Progress = None,
) -> pd.DataFrame:
    """KD and DKD at each β, trained on ``res`` from the same initialisation per seed.

    Every run is :func:`kdviz.train.loop.train_student` with ``TrainConfig(epochs=epochs, T=T,
    gamma=gamma, warmup=warmup, seed=seed)``: method ``"kd"``, then ``"dkd"`` with ``alpha`` and
    each of ``betas``. The loss is (1 − γ)·CE + γ·warm·soft, warm = min(epoch / warmup, 1).

    Parameters
    ----------
    res : Resources
        The data and the teacher's cached logits.
    seeds : sequence of int
        Distinct student seeds (initialisation and batch order).
    epochs, T, gamma, warmup
        As :class:`~kdviz.train.loop.TrainConfig`.
    betas : sequence of float
        NCKD weights of the DKD rows, each finite and >= 0.
    alpha : float
        TCKD weight of the DKD rows.
    callback : callable, optional
        Called after every run with its row (method, alpha, beta, seed, test_acc, seconds), plus
        ``"done"`` and ``"runs"`` (counts).
    progress : callable, optional
        :mod:`kdviz.base.progress`: the fraction done and the run just finished (the Lab page's bar).

    Returns
    -------
    DataFrame, one row per method (KD first, then DKD in the order of ``betas``), columns
    :data:`ROW_KEYS`: method (``"kd"`` or ``"dkd"``, as :attr:`TrainConfig.method`), alpha, beta (NaN for KD, whose NCKD weight is 1 − p_t
    per example), T, test_acc and test_acc_std (mean and sample std over the seeds; NaN std for one
    seed), seeds and test_acc_per_seed (lists, aligned), tckd, nckd and weight (means over the seeds
    of the last epoch's test-split means, nats: see :func:`~kdviz.train.loop.train_student`), gamma,
    warmup, epochs, seconds (training time, summed over the seeds). ``df.attrs["wall_seconds"]``:
    the whole comparison.
    """
    seeds = check_seeds(seeds)
    base = TrainConfig(epochs=epochs, T=T, gamma=gamma, warmup=warmup)  # validates them
    arms = [("kd", base)] + [("dkd", base.replace(method="dkd", alpha=alpha, beta=b)) for b in betas]
    start = time.perf_counter()
    runs: list[dict] = []
    for seed in seeds:  # every arm from this seed's initialisation and batch order
        for name, config in arms:
            run = train_student(res.data, res.logits, config.replace(seed=seed))
            last = run.history.iloc[-1]
            runs.append({"method": name, "alpha": config.alpha, "beta": config.beta if name == "dkd" else float("nan"),
                         "seed": seed, "test_acc": run.test_acc, "tckd": float(last["tckd"]), "nckd": float(last["nckd"]),
                         "weight": float(last["weight"]), "seconds": run.seconds})
            if callback is not None:
                callback({**runs[-1], "done": len(runs), "runs": len(seeds) * len(arms)})
            report(progress, len(runs) / (len(seeds) * len(arms)), "progress.lab_dkd", method=name.upper(),
                   beta="" if name == "kd" else f" β = {config.beta:g}", seed=seed)
    rows = []
    for i, (name, config) in enumerate(arms):
        mine = runs[i :: len(arms)]  # this arm's run for each seed, in seed order
        accs = [r["test_acc"] for r in mine]
        rows.append({
            "method": name, "alpha": config.alpha, "beta": mine[0]["beta"], "T": config.T,
            "test_acc": sum(accs) / len(accs), "test_acc_std": sample_std(accs),
            "seeds": seeds, "test_acc_per_seed": accs,
            **{k: sum(r[k] for r in mine) / len(mine) for k in ("tckd", "nckd", "weight")},
            "gamma": config.gamma, "warmup": config.warmup, "epochs": config.epochs,
            "seconds": round(sum(r["seconds"] for r in mine), 3),
        })
    df = pd.DataFrame(rows, columns=list(ROW_KEYS))
    df.attrs["wall_seconds"] = time.perf_counter() - start
    return df


def dkd_compare_json(df: pd.DataFrame, res: Resources) -> dict:
    """What ``python -m kdviz dkd-compare --json`` prints: ``rows`` (:data:`ROW_KEYS`; NaN as null), the
    settings, the data set and the wall time."""
    rows = [{k: none_if_nan(v) if not isinstance(v, list) else v for k, v in r.items()} for r in df.to_dict("records")]
    first = rows[0]
    return {
        "rows": rows,
        "seeds": first["seeds"], "epochs": first["epochs"], "T": first["T"], "gamma": first["gamma"],
        "warmup": first["warmup"], "student": "784-128-10",
        "dataset": res.dataset, "data_fingerprint": res.data.fingerprint,
        "wall_seconds": round(float(df.attrs.get("wall_seconds", float("nan"))), 1),
    }


def dkd_table(out: dict) -> str:
    """The comparison as text: one line per method, test accuracy mean ± std (%), and the settings."""
    lines = [f"{'method':<7}{'alpha':>6}{'beta':>8}   {'test acc %':<16}{'NCKD':>8}{'TCKD':>8}"]
    for r in out["rows"]:
        beta = "1-p_t" if r["beta"] is None else f"{r['beta']:g}"
        acc = plus_minus(r["test_acc"], r["test_acc_std"], scale=100, digits=2)
        lines.append(f"{r['method'].upper():<7}{r['alpha']:>6g}{beta:>8}   {acc:<16}{r['nckd']:>8.4f}{r['tckd']:>8.4f}")
    lines.append(f"T = {out['T']:g}, gamma = {out['gamma']:g}, warm-up {out['warmup']} epoch(s), {out['epochs']} epoch(s), "
                 f"seeds {out['seeds']}, {out['student']} on {out['dataset']}; teacher's mean 1 - p_t at T: "
                 f"{out['rows'][0]['weight']:.4f}; NCKD, TCKD: the final students on the test digits, nats; "
                 f"{out['wall_seconds']:g} s")
    return "\n".join(lines)


def dkd_frame(result: dict) -> pd.DataFrame | None:
    """The rows of a :func:`dkd_compare_json` result (shipped, or this session's) as :func:`dkd_compare` returns
    them (null as NaN); None when it has none."""
    rows = result.get("rows") if isinstance(result, dict) else None
    if not rows:
        return None
    df = pd.DataFrame(rows, columns=list(ROW_KEYS))
    for col in ("alpha", "beta", "T", "test_acc", "test_acc_std", "tckd", "nckd", "weight"):
        df[col] = pd.to_numeric(df[col], errors="coerce")
    return df


def dkd_headline(df: pd.DataFrame) -> dict:
    """What the Lab says of a comparison: KD's accuracy, DKD at β = 1 (the coupling alone) and the best DKD row,
    each as (mean, sample std) fractions, and whether the best DKD row's difference from KD is within the noise.

    The noise, by the one rule (:func:`kdviz.maths.stats.within_noise`): the difference's 95 % t interval, with
    the standard error of the difference of two means over the same ``n`` seeds, √((s_KD² + s_DKD²) / n), and
    2(n − 1) degrees of freedom (seeds unpaired, a conservative choice); with one seed there is no std, and
    ``within_noise`` is None.

    Returns
    -------
    dict with ``kd``, ``beta1`` (None without a β = 1 row), ``best`` (mean, std), ``best_beta``, ``gain``
    (best − KD, a fraction), ``within_noise`` (bool or None), ``n`` (seeds), ``epochs``, ``warmup``, ``T``.
    """
    kd = df[df["method"] == "kd"].iloc[0]
    dkd = df[df["method"] == "dkd"]
    best = dkd.loc[dkd["test_acc"].idxmax()]
    one = dkd[dkd["beta"] == 1.0]
    n = len(kd["seeds"])

    def pair(row) -> tuple[float, float | None]:
        std = row["test_acc_std"]
        return float(row["test_acc"]), None if pd.isna(std) else float(std)

    within = None
    if n > 1 and not (pd.isna(kd["test_acc_std"]) or pd.isna(best["test_acc_std"])):
        se = math.sqrt((kd["test_acc_std"] ** 2 + best["test_acc_std"] ** 2) / n)
        within = stats.within_noise(float(best["test_acc"] - kd["test_acc"]), se, df=2 * (n - 1))
    return {"kd": pair(kd), "beta1": pair(one.iloc[0]) if len(one) else None, "best": pair(best),
            "best_beta": float(best["beta"]), "gain": float(best["test_acc"] - kd["test_acc"]), "within_noise": within,
            "n": n, "epochs": int(kd["epochs"]), "warmup": int(kd["warmup"]), "T": float(kd["T"])}
