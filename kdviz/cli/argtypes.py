"""The command line's argument types: each turns a bad value into argparse's one-line error (status 2).

The library's own checks (``T``, ``γ``, a label fraction, a digit, a DKD weight) are imported only when an argument
is parsed (torch loads slowly); the bounds below keep a command from asking for more than a machine can give.
"""

from __future__ import annotations

import argparse
import importlib

__all__ = ["MAX_SEED", "MAX_EPOCHS", "MAX_GENERATIONS", "MAX_BATCH", "MAX_STUDENT_PARAMS", "SEED", "EPOCHS", "TEMPERATURE",
           "GAMMA", "LABEL_FRACTION", "DIGIT", "argtype", "library_check", "int_at_least", "int_in", "positive_float", "weight"]


def argtype(check):
    """An argparse type from ``check(text) -> value``: its one-line ``ValueError`` becomes argparse's error."""
    def parse(text: str):
        try:
            return check(text)
        except ValueError as err:
            raise argparse.ArgumentTypeError(str(err)) from None

    return parse


def library_check(module: str, name: str):
    """The argparse type of the library's check ``kdviz.<module>.<name>``, imported only when used (torch loads slowly)."""
    return argtype(lambda text: getattr(importlib.import_module(f"kdviz.{module}"), name)(text))


MAX_SEED = 2**32 - 1  # numpy's and torch's seeds alike
MAX_EPOCHS = 1000  # of a student or a teacher: 30 is the default, Hinton et al.'s students took 3,000 on 60,000 digits
MAX_GENERATIONS = 20  # born-again generations
MAX_BATCH = 1_000_000  # a batch larger than the train set is the whole set (kdviz.data.idx.MAX_ITEMS)
MAX_STUDENT_PARAMS = 10_000_000  # 40 MB of float32 weights, ~160 MB with gradients and Adam's two moments


def int_at_least(name: str, low: int):
    """An int ≥ ``low`` of any size (``--n-jobs``, ``--threads``: capped at the cores once parsed)."""
    def check(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise ValueError(f"{name} must be a whole number ≥ {low}, got {text!r}") from None
        if value < low:
            raise ValueError(f"{name} must be ≥ {low}, got {text!r}")
        return value

    return argtype(check)


def int_in(name: str, low: int, high: int):
    """An int in ``low..high``, said as such when it is not."""
    def check(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = None
        if value is None or not low <= value <= high:
            raise ValueError(f"{name} must be a whole number in {low}..{high:,}, got {text[:30]!r}")
        return value

    return argtype(check)


SEED = int_in("seed", 0, MAX_SEED)
EPOCHS = int_in("epochs", 1, MAX_EPOCHS)


def positive_float(name: str):
    def check(text: str) -> float:
        value = float("nan")
        try:
            value = float(text)
        except ValueError:
            pass
        if not value > 0 or value == float("inf"):  # NaN fails the first test
            raise ValueError(f"{name} must be a finite number > 0, got {text!r}")
        return value

    return argtype(check)


TEMPERATURE = library_check("maths.losses", "check_temperature")
GAMMA = library_check("maths.losses", "check_gamma")
LABEL_FRACTION = library_check("lab.labels", "check_label_fraction")
DIGIT = library_check("lab.omitted", "check_digit")


def weight(name: str):
    """The argparse type of a DKD weight (:func:`kdviz.maths.losses.check_weight`), e.g. ``--beta``."""
    return argtype(lambda text: importlib.import_module("kdviz.maths.losses").check_weight(name, text))
