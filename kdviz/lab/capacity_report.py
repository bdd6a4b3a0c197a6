"""The capacity gap's runs summed up: the ``--json`` result, its frames back, the CLI's table and the Lab's headline.

The runs come from :func:`kdviz.lab.capacity.capacity_gap` (one row per teacher × student × seed, and per
assistant chain × seed); every "helps / hurts / within the noise" here is :func:`kdviz.maths.stats.verdict` on
gains paired seed by seed.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from kdviz.maths import stats
from kdviz.maths.stats import none_if_nan, plus_minus, sample_std

__all__ = ["capacity_json", "capacity_frames", "capacity_table", "capacity_headline"]


def _summary(g: pd.DataFrame, column: str) -> tuple[float, float | None, list[float]]:
    values = [float(v) for v in g[column]]
    return float(np.mean(values)), none_if_nan(sample_std(values)), values


def capacity_json(pairs: pd.DataFrame, chains: pd.DataFrame) -> dict:
    """What ``python -m kdviz capacity --json`` prints: the per-seed runs summed up over seeds.

    Parameters
    ----------
    pairs, chains : DataFrame
        :func:`capacity_gap`'s two frames, with their ``attrs``.

    Returns
    -------
    dict
        ``pairs``: one row per (teacher, student): teacher, teacher_acc, teacher_params, student_hidden,
        kd_acc, kd_std, labels_acc, labels_std, gain (mean over seeds of the paired kd − labels), gain_std
        (sample std of those differences; null for one seed), gain_per_seed. ``assistant``: one row per
        assistant: assistant (hidden), assistant_acc, student_hidden, chain_acc, chain_std, direct_acc,
        gain, gain_std, gain_per_seed. Accuracies and gains are fractions, not percent. Also seeds, epochs,
        T, gamma, teachers (key → test_acc, params, model, epochs_trained) and wall_seconds. JSON-able: no NaN.
    """
    rows = []
    for (t, h), g in pairs.groupby(["teacher", "student_hidden"], sort=False):
        kd, kd_std, _ = _summary(g, "kd_acc")
        lab, lab_std, _ = _summary(g, "labels_acc")
        gain, gain_std, per_seed = _summary(g, "gain")
        rows.append({"teacher": t, "teacher_acc": float(g["teacher_acc"].iloc[0]), "teacher_params": int(g["teacher_params"].iloc[0]),
                     "student_hidden": int(h), "kd_acc": kd, "kd_std": kd_std, "labels_acc": lab, "labels_std": lab_std,
                     "gain": gain, "gain_std": gain_std, "gain_per_seed": per_seed})
    assistant = []
    for a, g in chains.groupby("assistant", sort=False):
        chain, chain_std, _ = _summary(g, "chain_acc")
        gain, gain_std, per_seed = _summary(g, "gain")
        assistant.append({"assistant": int(a), "assistant_acc": float(g["assistant_acc"].mean()),
                          "student_hidden": int(g["student_hidden"].iloc[0]), "chain_acc": chain, "chain_std": chain_std,
                          "direct_acc": float(g["direct_acc"].mean()), "gain": gain, "gain_std": gain_std,
                          "gain_per_seed": per_seed})
    a = pairs.attrs
    return {"pairs": rows, "assistant": assistant, "seeds": a.get("seeds"), "epochs": a.get("epochs"), "T": a.get("T"),
            "gamma": a.get("gamma"), "teachers": a.get("teachers"),
            "wall_seconds": round(float(a.get("wall_seconds", float("nan"))), 1)}


def capacity_frames(result: dict) -> tuple[pd.DataFrame, pd.DataFrame]:
    """:func:`capacity_json`'s ``pairs`` and ``assistant`` rows as DataFrames (what the Lab draws from a shipped result)."""
    pairs = pd.DataFrame(result["pairs"])
    chains = pd.DataFrame(result["assistant"], columns=["assistant", "assistant_acc", "student_hidden", "chain_acc",
                                                        "chain_std", "direct_acc", "gain", "gain_std", "gain_per_seed"])
    for df in (pairs, chains):
        df.attrs.update(seeds=result.get("seeds"), epochs=result.get("epochs"), teachers=result.get("teachers"))
    return pairs, chains


def capacity_table(out: dict) -> str:
    """The result as text: the gain (percentage points) per teacher and student, then the assistant chains."""
    students = sorted({r["student_hidden"] for r in out["pairs"]})
    teachers = list(dict.fromkeys(r["teacher"] for r in out["pairs"]))
    cell = {(r["teacher"], r["student_hidden"]): r for r in out["pairs"]}
    lines = [f"KD gain over labels only, percentage points (T = {out['T']:g}, gamma = {out['gamma']:g}, "
             f"{out['epochs']} epochs, seeds {out['seeds']})",
             f"{'teacher':<12}{'acc %':>7}  " + "".join(f"{'h=' + str(h):>14}" for h in students)]
    for t in teachers:
        acc = cell[(t, students[0])]["teacher_acc"]
        parts = [plus_minus(cell[(t, h)]["gain"], cell[(t, h)]["gain_std"], scale=100, digits=2) for h in students]
        lines.append(f"{t:<12}{100 * acc:>7.1f}  " + "".join(f"{p:>14}" for p in parts))
    lab = {h: cell[(teachers[0], h)] for h in students}
    lines.append(f"{'labels only':<19}  " + "".join(
        f"{plus_minus(lab[h]['labels_acc'], lab[h]['labels_std'], scale=100, digits=2):>14}" for h in students))
    for r in out["assistant"]:
        lines.append(f"shipped -> MLP {r['assistant']} ({100 * r['assistant_acc']:.1f} %) -> MLP {r['student_hidden']}: "
                     f"{plus_minus(r['chain_acc'], r['chain_std'], scale=100, digits=2)} %, direct "
                     f"{100 * r['direct_acc']:.2f} %, gain {plus_minus(r['gain'], r['gain_std'], scale=100, digits=2)} pp")
    lines.append(f"{out['wall_seconds']:g} s")
    return "\n".join(lines)


def _gain_verdict(per_seed: Sequence[float]) -> str:
    """:func:`kdviz.maths.stats.verdict` of a gain measured once per seed (its per-seed values: paired by seed)."""
    return stats.paired(per_seed, np.zeros(len(per_seed)))[2]


def capacity_headline(out: dict) -> dict:
    """The reading the Lab and the README state, computed from :func:`capacity_json`'s output.

    Every comparison is paired, seed by seed (each row's ``gain_per_seed``), and judged by the one rule,
    :func:`kdviz.maths.stats.paired`: "helps" or "hurts" when the 95 % t interval of the mean per-seed difference
    excludes 0, else "noise" (always "noise" with one seed). Gains are fractions (0.01 = 1 pp).

    Parameters
    ----------
    out : dict
        :func:`capacity_json`'s output (``pairs``, ``assistant``, ``seeds``).

    Returns
    -------
    dict with

    * the teacher side, for the smallest student: ``student`` (its hidden size); ``top_teacher``, ``top_gain``,
      ``top_std`` (the most accurate teacher); ``best_teacher``, ``best_gain``, ``best_std`` (the teacher whose
      KD helps it most; a tie goes to the more accurate teacher); ``gap`` (best − top, ≥ 0) and ``gap_verdict``
      (the verdict of the per-seed best − top); ``verdicts`` (teacher → its gain's verdict);
    * the student side, with the most accurate teacher: ``by_student`` (list of (hidden, gain, std), by size);
      ``peak_student``, ``peak_gain``, ``peak_std``; ``shrinks``: None with one student, else "yes" (the smallest
      student gains least, and less than the peak beyond the noise), "noise" (least, within it) or "no";
    * the weaker teachers, against ``finished`` (``"shipped"``, their own run finished, else the most accurate):
      ``early`` (key → (mean over the students of the gain, mean over seeds of the difference to ``finished``,
      its std, its verdict)), ``finished_mean`` (the finished teacher's mean over the students), and ``early_small``
      (key → the smallest student's gain), ``finished_small``; ``early_verdict``: "helps" when a checkpoint beats
      the finished teacher beyond the noise, "hurts" when every one loses beyond it, else "noise" (None without
      checkpoints);
    * the chains: ``assistant`` (the best assistant's hidden size, or None), ``assistant_gain``, ``assistant_std``,
      ``assistant_verdict``;
    * ``n_seeds``.
    """
    pairs = out["pairs"]
    cell = {(r["teacher"], r["student_hidden"]): r for r in pairs}
    students = sorted({r["student_hidden"] for r in pairs})
    student = students[0]
    at = [r for r in pairs if r["student_hidden"] == student]
    top = max(at, key=lambda r: r["teacher_acc"])
    best = max(at, key=lambda r: (r["gain"], r["teacher_acc"]))  # a tie goes to the more accurate teacher
    _, _, gap_verdict = stats.paired(best["gain_per_seed"], top["gain_per_seed"])
    by_student = [(h, cell[(top["teacher"], h)]["gain"], cell[(top["teacher"], h)]["gain_std"]) for h in students]
    peak = max(by_student, key=lambda x: x[1])
    shrinks = None
    if len(students) > 1:
        least = min(by_student, key=lambda x: x[1])[0] == student
        _, _, v = stats.paired(cell[(top["teacher"], peak[0])]["gain_per_seed"], cell[(top["teacher"], student)]["gain_per_seed"])
        shrinks = "no" if not least else "yes" if v == "helps" else "noise"

    def per_seed_mean(key: str) -> list[float]:  # the teacher's gain per seed, averaged over the students
        return list(np.mean([cell[(key, h)]["gain_per_seed"] for h in students], axis=0))

    teachers = list(dict.fromkeys(r["teacher"] for r in pairs))
    finished = "shipped" if "shipped" in teachers else top["teacher"]
    early = {}
    for key in ("early_1", "early_3"):
        if key in teachers:
            diff, std, v = stats.paired(per_seed_mean(key), per_seed_mean(finished))
            early[key] = (float(np.mean(per_seed_mean(key))), diff, std, v)
    verdicts = [e[3] for e in early.values()]
    h = {"student": student, "best_teacher": best["teacher"], "best_gain": best["gain"], "best_std": best["gain_std"],
         "top_teacher": top["teacher"], "top_gain": top["gain"], "top_std": top["gain_std"], "gap": best["gain"] - top["gain"],
         "gap_verdict": gap_verdict, "verdicts": {r["teacher"]: _gain_verdict(r["gain_per_seed"]) for r in at},
         "by_student": by_student, "shrinks": shrinks, "peak_student": peak[0], "peak_gain": peak[1], "peak_std": peak[2],
         "finished": finished, "early": early, "finished_mean": float(np.mean(per_seed_mean(finished))),
         "early_small": {key: cell[(key, student)]["gain"] for key in early}, "finished_small": cell[(finished, student)]["gain"],
         "early_verdict": None if not early else "helps" if "helps" in verdicts else "hurts" if set(verdicts) == {"hurts"} else "noise",
         "assistant": None, "assistant_gain": None, "assistant_std": None, "assistant_verdict": None,
         "n_seeds": len(best["gain_per_seed"])}
    if out["assistant"]:
        a = max(out["assistant"], key=lambda r: r["gain"])
        h.update(assistant=a["assistant"], assistant_gain=a["gain"], assistant_std=a["gain_std"],
                 assistant_verdict=_gain_verdict(a["gain_per_seed"]))
    return h
