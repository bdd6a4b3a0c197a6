"""The Train page's words and numbers without Streamlit: its choices, and which message says what with which fields.

Every ``*_message`` function returns ``(key, fields)``: a key of the catalog (``kdviz/locales``) and the fields it is
formatted with (:func:`kdviz.base.i18n.tr`). Accuracies and gains come in as fractions and leave as percentages or
percentage points (× 100); epochs and test images are counts.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from kdviz.maths.stats import plus_minus
from kdviz.train.runs import PairedGain, Run, seed_summary

__all__ = [
    "SIZES", "HINTON", "LEARNING_RATES", "METHOD_NAMES", "LOSS_NAMES", "MODELS", "HISTORY_HEADERS", "HISTORY_FORMATS", "arch", "press_seeds",
    "next_run_id", "press_message", "progress_fields", "frame_epochs", "lab_pointer_fields", "headline_message",
    "noise_message", "run_header_fields", "lead_message", "disagreement_count",
]

SIZES = {"784-32-10": (32,), "784-64-10": (64,), "784-128-10": (128,), "784-256-10": (256,),
         "784-512-10": (512,), "784-256-128-10": (256, 128), "784-800-800-10": (800, 800)}  # option → hidden widths
HINTON = "784-800-800-10"  # the size of Hinton et al. (2015)
LEARNING_RATES = (1e-4, 3e-4, 1e-3, 3e-3, 1e-2)  # the learning rate's choices
METHOD_NAMES = {"kd": "train.method_kd", "dkd": "train.method_dkd"}  # kdviz.serve.urlstate.METHODS → message key
LOSS_NAMES = {"fkl": "train.loss_fkl", "rkl": "train.loss_rkl", "jsd": "train.loss_jsd", "skl": "train.loss_skl",
              "srkl": "train.loss_srkl", "tvd": "train.loss_tvd"}  # kdviz.maths.divergences.DIVERGENCES → message key
MODELS = {"teacher": "train.model_teacher", "distilled": "train.model_distilled",
          "baseline": "train.model_baseline"}  # kdviz.train.runs.MODELS → message key
HISTORY_HEADERS = {"run": "train.h_run", "hidden": "train.h_hidden", "epochs": "train.h_epochs", "lr": "train.h_lr",
                   "T": "train.h_T", "gamma": "train.h_gamma", "method": "train.h_method", "seed": "train.h_seed",
                   "distilled_acc": "train.h_distilled_acc", "baseline_acc": "train.h_baseline_acc", "gain": "train.h_gain",
                   "agreement": "train.h_agreement", "seconds": "train.h_seconds"}  # history_view's column → its header's key
HISTORY_FORMATS = {"lr": "%g", "T": "%g", "gamma": "%g", "distilled_acc": "%.1f", "baseline_acc": "%.1f", "gain": "%+.1f",
                   "agreement": "%.1f", "seconds": "%.1f"}  # history_view's numeric column → its printf format


def arch(hidden: Sequence[int]) -> str:
    """The student's layer widths, input to output: ``(128,)`` → ``"784-128-10"`` (28 × 28 pixels in, 10 classes out)."""
    return "-".join(["784", *map(str, hidden), "10"])


def press_seeds(seed: int, three: bool) -> list[int]:
    """The seeds a press trains: ``[seed]``, or ``[seed, seed + 1, seed + 2]`` with three seeds."""
    return [seed + k for k in range(3 if three else 1)]


def next_run_id(runs: Sequence[Run]) -> int:
    """The id of the session's next run: one more than its last run's (``runs`` oldest first), 1 for none."""
    return runs[-1].run_id + 1 if runs else 1


def press_message(baseline: bool, three: bool) -> str:
    """The key that says what a press trains: a distilled student (and its baseline), on one seed or three."""
    return {(True, False): "train.trains_pair", (False, False): "train.trains_solo", (True, True): "train.trains_pair3",
            (False, True): "train.trains_solo3"}[(baseline, three)]


def progress_fields(last: Mapping, epochs: int) -> dict:
    """The fields of ``train.progress`` but the model's shown name, from a training's last epoch row (``name``, ``seed``,
    ``epoch``, ``test_acc`` as a fraction): ``seed``, ``epoch``, ``epochs``, ``acc`` (%)."""
    return {"seed": last["seed"], "epoch": last["epoch"], "epochs": epochs, "acc": 100 * last["test_acc"]}


def frame_epochs(rows: Mapping[str, Sequence], epochs: int) -> int:
    """The epochs a shared training's chart shows: the epochs every model in ``rows`` (model → its epoch rows so far)
    has, rounded down to a multiple of a tenth of ``epochs`` (at least 1), so that a class draws the same frames."""
    step = max(1, epochs // 10)
    return min((len(r) for r in rows.values()), default=0) // step * step


def lab_pointer_fields(h: Mapping) -> dict:
    """The fields of ``train.lab_pointer`` from :func:`kdviz.lab.results.fewer_labels_headline` (fractions): the label
    fraction, accuracies and gain in %, the labelled digits and the seeds as one string."""
    return {"pct": 100 * h["fraction"], "n": h["n_labelled"], "distilled": 100 * h["distilled"],
            "baseline": 100 * h["baseline"], "gain": 100 * h["gain"], "seeds": ", ".join(map(str, h["seeds"]))}


def headline_message(gain: PairedGain, group: Sequence[Run]) -> tuple[str, dict]:
    """The gain of a press's runs (``group``, one per seed, the last run last) over their baselines: with one seed, the
    paired gain ± its standard error (points) and both accuracies (%); with several, the mean ± sample std over the
    seeds of the gain (points) and of each accuracy (text, %). The key is the digits' (``ui.words`` names images)."""
    if len(group) == 1:
        run = group[-1]
        return "train.headline", {"gain": 100 * gain.gain, "se": 100 * gain.se, "distilled": 100 * run.test_acc,
                                  "baseline": 100 * run.baseline_acc, "n": gain.n}
    summary = seed_summary(group)  # mean, sample std over the seeds
    return "train.headline_seeds", {"n_seeds": len(group), "gain": 100 * summary["gain"][0],
                                    "gain_std": 100 * summary["gain"][1],
                                    "distilled": plus_minus(*summary["distilled"], scale=100),
                                    "baseline": plus_minus(*summary["baseline"], scale=100),
                                    "seeds": ", ".join(str(r.config.seed) for r in group)}


def noise_message(gain: PairedGain) -> tuple[str, dict]:
    """Whether the gain is within the noise (its 95 % interval holds 0) or a signal: the interval's ends in points,
    |z|, the test images and the discordant pairs (only one student right)."""
    lo, hi = (100 * end for end in gain.interval)
    return ("train.noise" if gain.within_noise else "train.signal"), {
        "lo": lo, "hi": hi, "z": abs(gain.z), "n": gain.n, "discordant": gain.only_distilled + gain.only_baseline,
        "only_d": gain.only_distilled, "only_b": gain.only_baseline}


def run_header_fields(run: Run) -> tuple[dict, dict | None]:
    """The fields of ``train.run_header`` but its epochs' words (``epochs``: the count, for ``train.n_epochs``), and
    those of ``train.run_dkd`` (α, β, warm-up epochs) for a DKD run, else None."""
    c = run.config
    header = {"run": run.run_id, "arch": arch(c.hidden), "T": c.T, "gamma": c.gamma, "seed": c.seed, "epochs": c.epochs}
    return header, ({"alpha": c.alpha, "beta": c.beta, "warmup": c.warmup} if c.method == "dkd" else None)


def lead_message(ahead: int, since: int | None, epochs: int) -> tuple[str, dict]:
    """Who led when (:func:`kdviz.train.runs.lead`): ``ahead`` epochs with the distilled student above its baseline,
    above from epoch ``since`` to the end (None: not above at the end), of ``epochs``."""
    return ("train.lead_since" if since is not None else "train.lead_not"), {"ahead": ahead, "epochs": epochs, "since": since}


def disagreement_count(agreement: float, n_test: int) -> int:
    """The test images on which student and teacher disagree, from their agreement (a fraction of ``n_test``)."""
    return int(round((1 - agreement) * n_test))
