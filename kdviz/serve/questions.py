"""The guided demo's questions: predict, then reveal (issue 29). Up to two per demo step, truth computed.

Each :class:`Question` is asked about one view (page, T, γ, digit, data set). Its true answer is computed here by
kdviz from the data behind the page for that view (the teacher's logits, the reference student, the shipped
results): never typed in. No question's truth is on the screen it is asked on (tests/test_questions.py reads every
step's page, both languages, both data sets): Temperature asks at the slider's end, T = 20 (the demo's sentence stops
at T = 8), and for the least likely class; Train asks the Lab's fewer-labels gain at 10 % of the labels (its page
quotes the 1 % one) before the Lab shows every fraction; Home and the Lab show their figures, so they ask nothing.

A question's texts are catalog keys (``q.*``) with their fields; :func:`public` is what a student may see before the
reveal (no truth), :func:`check_answer` validates one answer and :func:`histogram` counts a class's answers.

Answer kinds:

==========  ==========================================  ==========================================
kind        an answer                                   normalised to
==========  ==========================================  ==========================================
``number``  a finite number in [lo, hi]                 float
``class``   a class index 0–9, or its key "0"–"9"       int (the class index)
``choice``  one of ``choices`` (catalog keys), or its   str (the choice's key)
            index
==========  ==========================================  ==========================================

Class names depend on the language and the data set: ``fields`` carry them in the ``lang`` asked for, and each
class also by index (a field ``<name>_class``), so :func:`prompt_text`, :func:`truth_text` and :func:`choice_labels`
give any other language.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np

from kdviz.base.i18n import tr
from kdviz.data import datasets
from kdviz.lab import results as labres
from kdviz.lab import shipped
from kdviz.maths import explore
from kdviz.serve import urlstate
from kdviz.train import reference
from kdviz.train.loop import TrainConfig
from kdviz.train.resources import Resources

__all__ = ["Question", "STEPS", "KINDS", "MAX_BINS", "MAX_TEXT", "DECIMALS", "T_ASKED", "T_TOP", "FEWER_ASKED", "GRAD_BAND",
           "questions_for", "public", "revealed", "check_answer", "histogram", "prompt_text", "truth_text", "choice_labels"]

STEPS = ("home", "temperature", "losses", "train", "lab")  # the guided demo's steps (ui.demo.DEMO), in order
KINDS = ("number", "class", "choice")
MAX_BINS = 20  # a number's histogram: at most this many equal bins over [lo, hi]
DECIMALS = 9  # a number's bin edges and answers are compared rounded to this many decimals (float round-off)
MAX_TEXT = 40  # an answer sent as text (a key, a number typed): at most this many characters
T_ASKED = 8.0  # the least likely class, and Losses' gradient: at T = 8 (the demo's drag goes from 1 to 8)
T_TOP = float(urlstate.PARAMS["T"][2])  # the top probability: at the T slider's end, 20, which the demo's sentence never reaches
FEWER_ASKED = 0.1  # Train: the Lab's fewer-labels gain at 10 % of the labels (the Train page quotes the smallest fraction's)
GRAD_BAND = 0.10  # Losses: a gradient that changes by at most ±10 % "stays"
NO_GRADIENT = 1e-5  # Losses: a soft gradient below this × the hard gradient is none (the student matches the teacher)
GRAD_CHOICES = ("q.grad_grow", "q.grad_shrink", "q.grad_same")
GRAD_TRUTHS = {"q.grad_grow": "q.grad_grow_truth", "q.grad_shrink": "q.grad_shrink_truth", "q.grad_same": "q.grad_same_truth"}
IMAGE_WORDS = {"q.top_p": "q.top_p_img", "q.least": "q.least_img"}  # a text about digits → about images and classes
LOSSES_STUDENT = "partly trained"  # the Losses page's default student (on all test images, its default scope)


@dataclass(frozen=True)
class Question:
    """One question about one view, with its true answer.

    ``qid`` is stable and unique per (step, question, view), e.g. ``"temperature.top_p@T20#941/mnist-5k"``.
    ``text_key`` / ``fields``: the prompt (catalog key and its fields); ``truth_text_key`` / ``truth_fields``: the
    reveal sentence. For a number: ``lo``, ``hi`` and ``step_size`` (the slider's), ``unit`` a catalog key or "";
    for a class or a choice: ``choices``, their keys (class indices "0"–"9", or catalog keys), and no range.
    ``truth``: a float (number), an int (class index) or a str (the choice's key).
    """

    qid: str
    step: str
    kind: str
    text_key: str
    fields: dict
    lo: float | None
    hi: float | None
    step_size: float | None
    choices: tuple[str, ...]
    unit: str
    truth: float | int | str
    truth_text_key: str
    truth_fields: dict = field(default_factory=dict)


def _view(res: Resources, view: dict) -> tuple[float, float, int | None]:
    """``(T, gamma, digit)`` of ``view`` for ``res``'s data set, checked (digit None: the page's opening image)."""
    data = view.get("data") or res.dataset
    if data != res.dataset:
        raise ValueError(f"the view is on data set {data!r} but the resources are {res.dataset!r}")
    T, gamma = float(view.get("T", 4.0)), float(view.get("gamma", 0.9))
    if not (math.isfinite(T) and T > 0 and 0.0 <= gamma <= 1.0):
        raise ValueError(f"a view needs T > 0 and γ in [0, 1], got T={T!r}, gamma={gamma!r}")
    digit = view.get("digit")
    if digit is None:
        return T, gamma, None
    digit = int(digit)
    if not 0 <= digit < len(res.data.y_test):
        raise ValueError(f"digit must be a test image index in 0..{len(res.data.y_test) - 1}, got {digit}")
    return T, gamma, digit


def _img(res: Resources, key: str) -> str:
    """``key``, or its :data:`IMAGE_WORDS` variant (images and classes, not digits) for a data set that is not digits."""
    return key if datasets.is_digits(res.dataset) else IMAGE_WORDS[key]


def _temperature(res: Resources, digit: int, names) -> list[Question]:
    """The view's image: the teacher's top probability at T = 20 (the slider's end), and its least likely class at
    T = 8. The demo's sentence gives the top and the runner-up from T = 1 to 8, so neither is on the page."""
    z = res.logits.test[digit]  # (10,) the teacher's logits, as the page's live views get them
    p_top, p1, p8 = (explore.soften_row(z, T) for T in (T_TOP, 1.0, T_ASKED))  # (10,) each
    top, least, label = int(np.argmax(p1)), int(np.argmin(p8)), int(res.data.y_test[digit])  # softening keeps the order
    where = {"idx": digit, "label": names[label], "label_class": label, "data": res.dataset}
    tag = f"#{digit}/{res.dataset}"
    return [
        Question(qid=f"temperature.top_p@T{T_TOP:g}{tag}", step="temperature", kind="number", text_key=_img(res, "q.top_p"),
                 fields={"T": T_TOP, **where}, lo=0.0, hi=1.0, step_size=0.01, choices=(), unit="", truth=float(p_top[top]),
                 truth_text_key="q.top_p_truth",
                 truth_fields={"T": T_TOP, "p": float(p_top[top]), "p1": float(p1[top]), "top": names[top], "top_class": top,
                               "data": res.dataset}),
        Question(qid=f"temperature.least@T{T_ASKED:g}{tag}", step="temperature", kind="class", text_key=_img(res, "q.least"),
                 fields={"T": T_ASKED, **where}, lo=None, hi=None, step_size=None,
                 choices=tuple(str(c) for c in range(len(names))), unit="", truth=least, truth_text_key="q.least_truth",
                 truth_fields={"T": T_ASKED, "p": float(p8[least]), "least": names[least], "least_class": least,
                               "p_top": float(p8[top]), "top": names[top], "top_class": top, "data": res.dataset}),
    ]


def _losses(res: Resources, T: float, gamma: float, students) -> list[Question]:
    """The Losses page's default student on all test images: the soft gradient (with T²) from T = 1 to 8, and the
    soft term's share of the total loss at the view's T and γ."""
    if students is None:
        students = reference.student_states(res, full_epochs=datasets.student_epochs(res.dataset, len(res.data.y_train)))
    s, t, y = students.logits[LOSSES_STUDENT], res.logits.test, res.data.y_test  # (n, 10), (n, 10), (n,)
    n = int(len(y))
    norms = explore.soft_gradient_norms(s, t, y, temperatures=(1.0, T_ASKED))  # 2 rows, as the page's chart draws them
    grads, hard = norms["grad_soft_T2"].to_numpy(), float(norms["grad_hard"].iloc[0])  # (2,), a float
    # a student equal to the teacher has no soft gradient at any T: float32 round-off (~1e-9) is not a change
    ratio = float(grads[1] / grads[0]) if grads.max() > NO_GRADIENT * hard else 1.0
    verdict = "q.grad_grow" if ratio > 1 + GRAD_BAND else "q.grad_shrink" if ratio < 1 - GRAD_BAND else "q.grad_same"
    curves = explore.loss_curves(s, t, y, gamma=gamma, temperatures=(T,))  # one row: soft, hard, total at the view
    soft, total = float(curves["soft"].iloc[0]), float(curves["total"].iloc[0])
    share = gamma * soft / total if total > 0 else 0.0
    data = res.dataset
    return [
        Question(qid=f"losses.grad@T1-{T_ASKED:g}/{data}", step="losses", kind="choice", text_key="q.grad",
                 fields={"T_from": 1.0, "T_to": T_ASKED, "n": n}, lo=None, hi=None, step_size=None, choices=GRAD_CHOICES,
                 unit="", truth=verdict, truth_text_key=GRAD_TRUTHS[verdict],
                 truth_fields={"T_from": 1.0, "T_to": T_ASKED, "g_from": float(grads[0]), "g_to": float(grads[1]),
                               "ratio": ratio}),
        Question(qid=f"losses.soft_share@T{T:g}g{gamma:g}/{data}", step="losses", kind="number", text_key="q.soft_share",
                 fields={"T": T, "gamma": gamma, "n": n}, lo=0.0, hi=1.0, step_size=0.01, choices=(), unit="",
                 truth=share, truth_text_key="q.soft_share_truth",
                 truth_fields={"T": T, "gamma": gamma, "soft": soft, "weighted": gamma * soft, "total": total,
                               "share": share}),
    ]


def _fewer_labels(res: Resources) -> dict | None:
    """The shipped fewer-labels result (``kdviz/results/fewer_labels.json``) if it is current for ``res``, else None."""
    found = shipped.load("fewer_labels", data_fingerprint=res.data.fingerprint,
                         teacher_sha256=str(res.teacher_meta.get("sha256", "")))
    return None if found is None or found.stale is not None else found.result


def _train(res: Resources) -> list[Question]:
    """The Train step's questions, both from the shipped fewer-labels run: distilled against its γ = 0 baseline at the
    default settings (the run with every label: the Train page's default student, same initialisation per seed), and
    the Lab's gain at :data:`FEWER_ASKED` of the labels (asked before the Lab shows it). Means over the run's seeds."""
    result = _fewer_labels(res)
    if result is None:
        return []  # nothing current is shipped for this data set: no question
    cfg, defaults = result.get("config", {}), TrainConfig(epochs=datasets.student_epochs(res.dataset, len(res.data.y_train)))
    if any(cfg.get(k) != v for k, v in (("hidden", list(defaults.hidden)), ("epochs", defaults.epochs), ("T", defaults.T),
                                        ("gamma", defaults.gamma))):
        return []  # not the default settings
    df = labres.fewer_labels_frames(result)
    return [q for q in (_train_gain(res, df, defaults), _fewer_gain(res, df)) if q is not None]


def _mean_gain(rows) -> tuple[float, float, str]:
    """(distilled %, baseline %, seeds "0, 1, 2") of fewer-labels ``rows``, means over their seeds."""
    d, b = 100 * rows["distilled_acc"].to_numpy(), 100 * rows["baseline_acc"].to_numpy()  # (seeds,), percent
    return float(np.mean(d)), float(np.mean(b)), ", ".join(str(int(s)) for s in sorted(rows["seed"]))


def _train_gain(res: Resources, df, defaults: TrainConfig) -> Question | None:
    every = df[df["fraction"] == 1.0]
    if every.empty:
        return None
    distilled, baseline, seeds = _mean_gain(every)
    where = {"T": defaults.T, "gamma": defaults.gamma, "epochs": defaults.epochs,
             "student": "-".join(str(h) for h in (784, *defaults.hidden, 10))}
    return Question(qid=f"train.gain@default/{res.dataset}", step="train", kind="number", text_key="q.train_gain",
                    fields=where, lo=-5.0, hi=5.0, step_size=0.1, choices=(), unit="q.unit_points", truth=distilled - baseline,
                    truth_text_key="q.train_gain_truth",
                    truth_fields={**where, "distilled": distilled, "baseline": baseline, "gain": distilled - baseline,
                                  "seeds": seeds})


def _fewer_gain(res: Resources, df) -> Question | None:
    rows = df[np.isclose(df["fraction"], FEWER_ASKED)]
    if rows.empty:
        return None
    distilled, baseline, seeds = _mean_gain(rows)
    where = {"pct": 100 * FEWER_ASKED, "n": int(rows["n_labelled"].iloc[0]), "n_train": int(len(res.data.y_train))}
    return Question(qid=f"train.fewer_gain@{FEWER_ASKED:g}/{res.dataset}", step="train", kind="number", text_key="q.lab_gain",
                    fields=where, lo=-10.0, hi=50.0, step_size=0.5, choices=(), unit="q.unit_points",
                    truth=distilled - baseline, truth_text_key="q.lab_gain_truth",
                    truth_fields={**where, "distilled": distilled, "baseline": baseline, "gain": distilled - baseline,
                                  "seeds": seeds})


def questions_for(step: str, res: Resources, view: dict, *, lang: str = "en", students=None) -> list[Question]:
    """The demo step's questions for ``view``, each with its truth computed from the numbers the page shows.

    Parameters
    ----------
    step : str, a step of :data:`STEPS` ("home", "temperature", "losses", "train", "lab")
    res : the loaded data set and teacher of the view (``view["data"]`` must be ``res.dataset``)
    view : dict with ``T``, ``gamma``, ``digit`` (a test image index, or None for the page's opening image), ``data``
    lang : the language of the class names in the fields ("en" or "zh")
    students : :class:`kdviz.train.reference.StudentStates`, the reference students (Losses); default: read from the disk
        cache (trained there first if missing, ~2 s on the MNIST digits)

    Returns
    -------
    list of :class:`Question`, empty for a step with nothing to ask: Home and the Lab (their pages show their
    figures), and Train on a data set without a current shipped fewer-labels run (it is the MNIST digits').
    """
    if step not in STEPS:
        raise ValueError(f"step must be one of {', '.join(STEPS)}, got {step!r}")
    T, gamma, digit = _view(res, view)
    if step == "temperature":
        digit = reference.opening_digit(res) if digit is None else digit  # the page opens on it (~20 ms)
        return _temperature(res, digit, datasets.class_names(res.dataset, lang))
    if step == "losses":
        return _losses(res, T, gamma, students)
    if step == "train":
        return _train(res)
    return []  # home, lab: every figure they could ask about is on their page


def public(q: Question) -> dict:
    """What students may see before the reveal (JSON-ready, no truth): qid, step, kind, text_key, fields, lo, hi,
    step_size, choices (a list), unit."""
    return {"qid": q.qid, "step": q.step, "kind": q.kind, "text_key": q.text_key, "fields": dict(q.fields), "lo": q.lo,
            "hi": q.hi, "step_size": q.step_size, "choices": list(q.choices), "unit": q.unit}


def revealed(q: Question) -> dict:
    """What the reveal shows (JSON-ready): ``value`` (the truth), ``text_key`` and ``fields`` of its sentence."""
    return {"qid": q.qid, "value": q.truth, "text_key": q.truth_text_key, "fields": dict(q.truth_fields)}


def _bad() -> ValueError:
    return ValueError("room.bad_answer")


def check_answer(q_public: dict, value) -> float | int | str:
    """One answer to ``q_public`` (:func:`public`) normalised: a float in [lo, hi] rounded to :data:`DECIMALS` decimals
    (a number; a short numeric string is read), an int class index (a class: its index or its key), a choice's key (a choice: its key or its index).

    Raises ``ValueError("room.bad_answer")`` (the catalog key) for anything else: a bool, NaN or ±inf, a number out of
    [lo, hi] (never clamped), a class or choice not offered, a string longer than :data:`MAX_TEXT`, another type.
    """
    kind, choices = q_public.get("kind"), list(q_public.get("choices") or ())
    if isinstance(value, bool) or (isinstance(value, str) and len(value) > MAX_TEXT):
        raise _bad()
    if kind == "number":
        if isinstance(value, str):
            try:
                value = float(value.strip())
            except ValueError:
                raise _bad() from None
        if not isinstance(value, numbers.Real):
            raise _bad()
        try:
            x = float(value)
        except OverflowError:  # an int beyond a float's range
            raise _bad() from None
        if not math.isfinite(x):
            raise _bad()
        x = round(x, DECIMALS)  # a slider's 100 steps of 0.01 add up to 1.0000000000000007: that is 1, not out of range
        if not float(q_public["lo"]) <= x <= float(q_public["hi"]):
            raise _bad()
        return x
    if kind in ("class", "choice"):
        if isinstance(value, numbers.Integral):
            i = int(value)
        elif isinstance(value, str) and value in choices:
            i = choices.index(value)
        else:
            raise _bad()
        if not 0 <= i < len(choices):
            raise _bad()
        return i if kind == "class" else choices[i]
    raise _bad()


def _edges(q_public: dict) -> np.ndarray:
    """A number's bin edges: ``k + 1`` equal steps over [lo, hi], ``k`` ≤ :data:`MAX_BINS` (fewer when the slider has
    fewer steps)."""
    lo, hi, step = float(q_public["lo"]), float(q_public["hi"]), q_public.get("step_size")
    k = MAX_BINS if not step else max(1, min(MAX_BINS, int(round((hi - lo) / float(step)))))
    return np.round(np.linspace(lo, hi, k + 1), DECIMALS)  # 0.3, not 0.30000000000000004: an answer of 0.3 is in [0.3, 0.35)


def histogram(q_public: dict, values: Iterable) -> dict:
    """The class's answers counted: ``{"n", "bins", "counts"}``.

    A number: ``bins`` are the edges (k + 1 floats from lo to hi, k ≤ :data:`MAX_BINS`) and ``counts`` the answers per
    bin (k ints; a bin holds [edge, next edge), the last one also hi). A class or a choice: ``bins`` are the choices'
    keys and ``counts`` one per option, in order. Values that :func:`check_answer` refuses are not counted; ``n`` is
    the number counted, ``sum(counts) == n``.
    """
    kind = q_public.get("kind")
    answers = []
    for v in values:
        try:
            answers.append(check_answer(q_public, v))
        except ValueError:
            continue
    if kind == "number":
        edges = _edges(q_public)
        k = len(edges) - 1
        x = np.asarray(answers, dtype=float)  # (n,) rounded to DECIMALS by check_answer: a slider's 0.1 + 0.2 is 0.3
        where = np.minimum(np.searchsorted(edges, x, side="right") - 1, k - 1)  # (n,) bin of each answer
        counts = np.bincount(where, minlength=k)
        return {"n": len(answers), "bins": [float(e) for e in edges], "counts": [int(c) for c in counts]}
    choices = list(q_public.get("choices") or ())
    counts = [0] * len(choices)
    for a in answers:
        counts[a if kind == "class" else choices.index(a)] += 1
    return {"n": len(answers), "bins": choices, "counts": counts}


def _in_lang(fields: dict, lang: str) -> dict:
    """``fields`` with every class name (a field ``<name>`` beside ``<name>_class``) in ``lang``."""
    if "data" not in fields:
        return dict(fields)
    names = datasets.class_names(fields["data"], lang)
    out = dict(fields)
    for k, v in fields.items():
        if k.endswith("_class"):
            out[k[: -len("_class")]] = names[int(v)]
    return out


def prompt_text(q_public: dict, lang: str = "en") -> str:
    """The question's prompt in ``lang`` (class names in ``lang``)."""
    return tr(q_public["text_key"], lang, **_in_lang(q_public["fields"], lang))


def truth_text(q: Question | dict, lang: str = "en") -> str:
    """The reveal sentence in ``lang``, from a :class:`Question` or a :func:`revealed` dict."""
    key, fields = (q.truth_text_key, q.truth_fields) if isinstance(q, Question) else (q["text_key"], q["fields"])
    return tr(key, lang, **_in_lang(fields, lang))


def choice_labels(q_public: dict, lang: str = "en") -> list[str]:
    """What each choice says in ``lang``: a class's name (its data set's), or a choice key's text."""
    if q_public["kind"] == "class":
        names = datasets.class_names(q_public["fields"].get("data", datasets.DEFAULT), lang)
        return [names[int(c)] for c in q_public["choices"]]
    return [tr(c, lang) for c in q_public["choices"]]
