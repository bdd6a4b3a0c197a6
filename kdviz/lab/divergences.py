"""Which divergence trains the better student? Hinton's forward KL against the other soft terms, seed by seed.

Every arm trains the default student (784-128-10, :class:`~kdviz.train.config.TrainConfig`: T = 4, γ = 0.9, 30
epochs) with one soft term of :mod:`kdviz.maths.divergences` (:data:`ARMS`): forward KL (the reference), reverse
KL, JSD(0.5), skew KL and skew reverse KL (α = 0.1), total variation, forward KL on standardized logits (Sun et al.
2024), and the student on labels only (γ = 0). For a given seed every arm starts from the same initialisation and
sees the same batches, so each arm's gain over forward KL is paired by seed and judged by
:func:`kdviz.maths.stats.paired` (its 95 % interval, Student's t with n − 1 degrees of freedom): "helps", "hurts"
or "noise" (within the noise).
"""

from __future__ import annotations

import time
from collections.abc import Sequence

import pandas as pd

from kdviz.base.progress import Progress, report
from kdviz.maths import stats
from kdviz.maths.stats import none_if_nan, plus_minus, sample_std
from kdviz.train.config import TrainConfig, check_seeds
from kdviz.train.resources import Resources
from kdviz.train.sweep import run_jobs, worker_arrays, worker_run

__all__ = ["ARMS", "ARM_KEYS", "REFERENCE", "FULL", "QUICK", "ROW_KEYS", "SHIPPED", "shipped_name", "divergence_compare",
           "divergence_json", "divergence_table", "divergence_frame", "divergence_markdown"]

ARMS = (  # key, the TrainConfig fields it changes, the catalog key of its name
    ("fkl", {}, "divergences.arm_fkl"),
    ("rkl", {"divergence": "rkl"}, "divergences.arm_rkl"),
    ("jsd", {"divergence": "jsd", "jsd_beta": 0.5}, "divergences.arm_jsd"),
    ("skl", {"divergence": "skl", "skew_alpha": 0.1}, "divergences.arm_skl"),
    ("srkl", {"divergence": "srkl", "skew_alpha": 0.1}, "divergences.arm_srkl"),
    ("tvd", {"divergence": "tvd"}, "divergences.arm_tvd"),
    ("fkl_std", {"standardize": True}, "divergences.arm_fkl_std"),
    ("labels", {"gamma": 0.0}, "divergences.arm_labels"),
)
ARM_KEYS = tuple(key for key, _, _ in ARMS)
REFERENCE = "fkl"  # every gain is over Hinton's forward KL
FULL = {"seeds": (0, 1, 2), "epochs": 30}
QUICK = {"seeds": (0, 1), "epochs": 3}
SHIPPED = {"mnist-5k": "divergences", "fashion-mnist": "divergences_fashion"}  # data set → its shipped result


def shipped_name(dataset: str) -> str | None:
    """The name of the shipped comparison on ``dataset`` (:mod:`kdviz.lab.shipped`), None for a folder of files."""
    return SHIPPED.get(dataset)


ROW_KEYS = ("arm", "divergence", "standardize", "gamma", "test_acc", "test_acc_std", "test_acc_per_seed",
            "gain", "gain_std", "gain_per_seed", "verdict", "seconds")


def divergence_compare(res: Resources, *, seeds: Sequence[int] = FULL["seeds"], epochs: int = FULL["epochs"],
                       T: float = 4.0, gamma: float = 0.9, arms: Sequence[str] = ARM_KEYS, n_jobs: int = 2,
                       progress: Progress = None) -> pd.DataFrame:
    """Each arm of :data:`ARMS` trained for each seed on ``res``; one row per arm.

    Parameters
    ----------
    res : Resources
        The data and the teacher's cached logits.
    seeds : sequence of int
        Distinct student seeds (initialisation and batch order), the same for every arm.
    epochs, T, gamma
        As :class:`~kdviz.train.config.TrainConfig` (``gamma`` of the distilled arms; "labels" has γ = 0).
    arms : sequence of str
        Keys of :data:`ARMS`; the reference "fkl" is always trained (the gains are over it).
    n_jobs : int
        Worker processes (joblib, one torch thread each; at most the cores).
    progress : callable, optional
        :mod:`kdviz.base.progress`: the fraction done and the run just finished.

    Returns
    -------
    DataFrame, one row per arm in :data:`ARMS`' order, columns :data:`ROW_KEYS`: test_acc and test_acc_std (mean
    and sample std over the seeds, fractions), test_acc_per_seed (seed order), gain, gain_std and gain_per_seed
    (the arm minus forward KL, paired by seed; 0 for "fkl"), verdict ("helps", "hurts", "noise"; None for the
    reference), seconds (training time summed over the seeds). ``df.attrs``: seeds, epochs, T, gamma, wall_seconds.
    """
    seeds = check_seeds(seeds)
    unknown = [a for a in arms if a not in ARM_KEYS]
    if unknown or not arms:
        raise ValueError(f"arms must be among {', '.join(ARM_KEYS)}, got {list(arms)}")
    chosen = [a for a in ARM_KEYS if a == REFERENCE or a in arms]
    base = TrainConfig(epochs=epochs, T=T, gamma=gamma)  # validates them
    changes = {key: fields for key, fields, _ in ARMS}
    configs = {a: base.replace(**changes[a]) for a in chosen}
    jobs = [(a, s) for s in seeds for a in chosen]
    arrays = worker_arrays(res)
    start = time.perf_counter()
    acc: dict[tuple[str, int], float] = {}
    seconds: dict[tuple[str, int], float] = {}
    calls = [(worker_run, (arrays, {**configs[a].to_dict(), "seed": s})) for a, s in jobs]
    for k, ((a, s), (test_acc, secs)) in enumerate(zip(jobs, run_jobs(calls, n_jobs)), start=1):
        acc[a, s], seconds[a, s] = float(test_acc), float(secs)
        report(progress, k / len(jobs), "progress.lab_divergence", arm=a, seed=s)
    rows = []
    reference = [acc[REFERENCE, s] for s in seeds]
    for a in chosen:
        mine = [acc[a, s] for s in seeds]
        gain, gain_std, verdict = stats.paired(mine, reference)
        c = configs[a]
        rows.append({"arm": a, "divergence": c.divergence, "standardize": c.standardize, "gamma": c.gamma,
                     "test_acc": sum(mine) / len(mine), "test_acc_std": sample_std(mine), "test_acc_per_seed": mine,
                     "gain": gain, "gain_std": gain_std, "gain_per_seed": [m - r for m, r in zip(mine, reference)],
                     "verdict": None if a == REFERENCE else verdict,
                     "seconds": round(sum(seconds[a, s] for s in seeds), 3)})
    df = pd.DataFrame(rows, columns=list(ROW_KEYS))
    df.attrs.update(seeds=seeds, epochs=int(epochs), T=float(T), gamma=float(gamma),
                    wall_seconds=time.perf_counter() - start)
    return df


def divergence_json(df: pd.DataFrame, res: Resources) -> dict:
    """What ``python -m kdviz divergences --json`` prints: ``rows`` (:data:`ROW_KEYS`; NaN as null), the settings,
    the data set and the wall time."""
    rows = [{k: v if isinstance(v, list) else none_if_nan(v) for k, v in r.items()} for r in df.to_dict("records")]
    a = df.attrs
    return {"rows": rows, "seeds": list(a["seeds"]), "epochs": a["epochs"], "T": a["T"], "gamma": a["gamma"],
            "student": "784-128-10", "reference": REFERENCE, "dataset": res.dataset,
            "data_fingerprint": res.data.fingerprint, "wall_seconds": round(float(a["wall_seconds"]), 1)}


def divergence_frame(out: dict) -> pd.DataFrame:
    """:func:`divergence_json`'s rows back as a DataFrame (a shipped result or this session's run)."""
    return pd.DataFrame(out["rows"], columns=list(ROW_KEYS))


def divergence_table(out: dict) -> str:
    """The comparison as text: one line per arm, test accuracy mean ± std and the paired gain over forward KL (%)."""
    lines = [f"{'arm':<9}{'test acc %':<18}{'gain over fkl, points':<24}verdict"]
    for r in out["rows"]:
        acc = plus_minus(r["test_acc"], r["test_acc_std"], scale=100, digits=2)
        gain = "" if r["arm"] == REFERENCE else plus_minus(r["gain"], r["gain_std"], scale=100, digits=2)
        lines.append(f"{r['arm']:<9}{acc:<18}{gain:<24}{r['verdict'] or 'reference'}")
    lines.append(f"T = {out['T']:g}, gamma = {out['gamma']:g} (labels: 0), {out['epochs']} epoch(s), seeds {out['seeds']}, "
                 f"{out['student']} on {out['dataset']}; gains paired by seed, 95 % t interval; {out['wall_seconds']:g} s")
    return "\n".join(lines)


def divergence_markdown(digits: dict, fashion: dict) -> str:
    """The table README.md and docs/lab.md print: one row per arm, each data set's test accuracy (mean ± std over the
    seeds, %) and the paired gain over forward KL (points) with its verdict, from two :func:`divergence_json` results."""
    from kdviz.base.i18n import tr

    names = {key: tr(name, "en") for key, _, name in ARMS}
    words = {"noise": "within the noise", "helps": "helps", "hurts": "hurts"}

    def gain(r: dict) -> str:
        if r["arm"] == REFERENCE:
            return "reference"
        return f"{plus_minus(r['gain'], r['gain_std'], scale=100, digits=2)} points, {words[r['verdict']]}"

    lines = ["| soft term | 5,000 digits: test acc | gain over forward KL | Fashion-MNIST: test acc | gain over forward KL |",
             "| --- | --- | --- | --- | --- |"]
    for a, b in zip(digits["rows"], fashion["rows"]):
        lines.append(f"| {names[a['arm']]} | {plus_minus(a['test_acc'], a['test_acc_std'], scale=100, digits=2)} % | {gain(a)} | "
                     f"{plus_minus(b['test_acc'], b['test_acc_std'], scale=100, digits=2)} % | {gain(b)} |")
    return "\n".join(lines)
