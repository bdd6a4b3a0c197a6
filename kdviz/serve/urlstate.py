"""The view in the URL: parse and validate query parameters, and build shareable query strings.

A link such as ``?T=8&gamma=0.5&digit=123&seed=1&lang=zh`` opens the same view on any
page; ``&present=1`` opens it in presenter mode, ``&data=fashion-mnist`` on Fashion-MNIST, ``&method=dkd&alpha=1&beta=8``
the Train page on decoupled KD, ``&loss=jsd&jsdbeta=0.3&std=1`` on another soft term (:mod:`kdviz.maths.divergences`;
``skew`` for skl / srkl). Each bad value is dropped with a one-line message; the rest of the link still works.
The message is a :class:`Problem`: an English ``str`` that also carries its key in
:mod:`kdviz.base.i18n` (``url.``) and fields, so ``problem.text("zh")`` gives it in Chinese. A value is echoed
short (at most :data:`kdviz.base.safetext.LIMIT` characters) and one line; ``problem.text(lang, markdown=True)`` is
the line for a Markdown element (``st.warning``), with the echoed values inert (:func:`kdviz.base.safetext.markdown_literal`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from urllib.parse import urlencode

from kdviz.base.i18n import tr
from kdviz.base.safetext import markdown_literal, short
from kdviz.data.datasets import DEFAULT as DEFAULT_DATA
from kdviz.data.datasets import KEYS as DATA_KEYS
from kdviz.maths.divergences import DIVERGENCES
from kdviz.train import defaults

__all__ = ["PARAMS", "METHODS", "Problem", "parse_query", "to_query"]

# name → (kind, low, high, default); the pages' widgets use the same ranges, a run's from kdviz.train.defaults
PARAMS: dict[str, tuple[str, float | None, float | None, object]] = {
    "T": ("float", *defaults.T_RANGE, defaults.T),  # temperature
    "gamma": ("float", *defaults.GAMMA_RANGE, defaults.GAMMA),  # weight of the soft loss
    "digit": ("int", 0, 9999, None),  # index of a test image (< the data set's test size); None: the page's default
    "data": ("choice", None, None, DEFAULT_DATA),  # a data set of kdviz.data.datasets
    "seed": ("int", 0, 2**31 - 1, 0),
    "lang": ("choice", None, None, "en"),
    "present": ("int", 0, 1, 0),  # 1: presenter mode (sidebar collapsed, larger text and charts)
    "method": ("choice", None, None, defaults.METHOD),  # the Train page's soft loss: kd (Hinton) or dkd (decoupled, Zhao et al.)
    "alpha": ("float", *defaults.ALPHA_RANGE, defaults.ALPHA),  # DKD's weight of TCKD
    "beta": ("float", *defaults.BETA_RANGE, defaults.BETA),  # DKD's weight of NCKD (the paper's CIFAR-100 default: 8)
    "loss": ("choice", None, None, defaults.DIVERGENCE),  # kd's soft term: a divergence of kdviz.maths.divergences
    "jsdbeta": ("float", 0.0, 1.0, defaults.JSD_BETA),  # loss=jsd: its weight β (0 = forward KL, 1 = reverse KL)
    "skew": ("float", 0.0, 1.0, defaults.SKEW_ALPHA),  # loss=skl or srkl: the skew α
    "std": ("int", 0, 1, 0),  # 1: standardized logits (Sun et al. 2024)
}
LANGS = ("en", "zh")
METHODS = defaults.METHODS
CHOICES = {"lang": LANGS, "data": DATA_KEYS, "method": METHODS, "loss": DIVERGENCES}


class Problem(str):
    """One bad link parameter: the English one-line message, with its catalog key and fields.

    ``Problem("url.not_number", name="T", value="'abc'")`` equals (and is) the string
    ``"T='abc' is not a number; using the default"``; ``.text("zh")`` is the Chinese line.
    """

    key: str
    fields: dict

    def __new__(cls, key: str, **fields) -> "Problem":
        self = super().__new__(cls, tr(key, "en", **fields))
        self.key, self.fields = key, fields
        return self

    def __getnewargs_ex__(self):  # copy and pickle rebuild it from the key
        return (self.key,), dict(self.fields)

    def text(self, lang: str = "en", *, markdown: bool = False) -> str:
        """The one-line message in ``lang`` ("en" or "zh"); ``markdown``: for a Markdown element, every text field
        shown literally (no link, image or HTML can come from the link)."""
        fields = {k: markdown_literal(v) if markdown and isinstance(v, str) else v for k, v in self.fields.items()}
        return tr(self.key, lang, **fields)


def _one(name: str, raw, choices: Mapping[str, tuple[str, ...]] = CHOICES) -> tuple[object | None, Problem | None]:
    kind, low, high, _ = PARAMS[name]
    if isinstance(raw, (list, tuple)):
        raw = raw[-1] if raw else ""
    text = str(raw).strip()
    echo = repr(short(text))  # what the message shows of the value: short, one line, quoted
    if kind == "choice":
        options = choices[name]
        return (text, None) if text in options else (None, Problem("url.not_choice", name=name, value=echo, choices=", ".join(options)))
    try:
        value = float(text) if kind == "float" else int(text)
    except ValueError:
        return None, Problem("url.not_number" if kind == "float" else "url.not_whole", name=name, value=echo)
    if kind == "float" and not math.isfinite(value):
        return None, Problem("url.not_finite", name=name, value=echo)
    if not low <= value <= high:
        return None, Problem("url.outside", name=name, value=short(text), low=low, high=high)
    return value, None


def parse_query(params: Mapping[str, object], *, data: tuple[str, ...] = DATA_KEYS) -> tuple[dict[str, object], list[Problem]]:
    """Validate the known query parameters; unknown names are ignored. ``data``: the data sets this server offers
    (:func:`kdviz.data.datasets.offered`; ``folder`` only when it has one).

    Returns
    -------
    values : dict of the valid known parameters (name → float, int or str)
    problems : list of one-line messages (:class:`Problem`, a ``str`` in English), one per rejected parameter
    """
    values, problems = {}, []
    for name in PARAMS:
        if name in params:
            value, problem = _one(name, params[name], {**CHOICES, "data": data})
            if problem:
                problems.append(problem)
            else:
                values[name] = value
    return values, problems


def to_query(values: Mapping[str, object]) -> str:
    """``{"T": 8.0, "gamma": 0.5}`` → ``"T=8&gamma=0.5"`` (known names only, in PARAMS order)."""
    return urlencode({k: (f"{values[k]:g}" if isinstance(values[k], float) else values[k]) for k in PARAMS if k in values})
