"""The view in the URL: parse and validate query parameters, and build shareable query strings.

A link such as ``?T=8&gamma=0.5&digit=123&seed=1&lang=zh`` opens the same view on any
page. Each bad value is dropped with a one-line message; the rest of the link still works.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from urllib.parse import urlencode

__all__ = ["PARAMS", "parse_query", "to_query"]

# name → (kind, low, high, default); the pages' widgets use the same ranges
PARAMS: dict[str, tuple[str, float | None, float | None, object]] = {
    "T": ("float", 0.5, 20.0, 4.0),  # temperature
    "gamma": ("float", 0.0, 1.0, 0.9),  # weight of the soft loss
    "digit": ("int", 0, 999, 0),  # index of a test digit
    "seed": ("int", 0, 2**31 - 1, 0),
    "lang": ("choice", None, None, "en"),
}
LANGS = ("en", "zh")


def _one(name: str, raw) -> tuple[object | None, str | None]:
    kind, low, high, _ = PARAMS[name]
    if isinstance(raw, (list, tuple)):
        raw = raw[-1] if raw else ""
    text = str(raw).strip()
    if kind == "choice":
        return (text, None) if text in LANGS else (None, f"lang={text!r} is not one of {', '.join(LANGS)}; using the default")
    try:
        value = float(text) if kind == "float" else int(text)
    except ValueError:
        what = "a number" if kind == "float" else "a whole number"
        return None, f"{name}={text!r} is not {what}; using the default"
    if kind == "float" and not math.isfinite(value):
        return None, f"{name}={text!r} is not a finite number; using the default"
    if not low <= value <= high:
        return None, f"{name}={text} is outside [{low:g}, {high:g}]; using the default"
    return value, None


def parse_query(params: Mapping[str, object]) -> tuple[dict[str, object], list[str]]:
    """Validate the known query parameters; unknown names are ignored.

    Returns
    -------
    values : dict of the valid known parameters (name → float, int or str)
    problems : list of one-line messages, one per rejected parameter
    """
    values, problems = {}, []
    for name in PARAMS:
        if name in params:
            value, problem = _one(name, params[name])
            if problem:
                problems.append(problem)
            else:
                values[name] = value
    return values, problems


def to_query(values: Mapping[str, object]) -> str:
    """``{"T": 8.0, "gamma": 0.5}`` → ``"T=8&gamma=0.5"`` (known names only, in PARAMS order)."""
    return urlencode({k: (f"{values[k]:g}" if isinstance(values[k], float) else values[k]) for k in PARAMS if k in values})
