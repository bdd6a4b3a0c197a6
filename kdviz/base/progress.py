"""How a long computation reports how far it is: a fraction and a message key with its fields.

A library function takes ``progress: Progress`` (None: silent) and calls
:func:`report`; the page shows the message in the learner's language
(:func:`kdviz.base.i18n.render`), the CLI in English.
"""

from __future__ import annotations

from collections.abc import Callable

from kdviz.base.i18n import Message

__all__ = ["Progress", "report"]

Progress = Callable[[float, Message], object] | None  # (fraction done in [0, 1], (message key, fields))


def report(progress: Progress, done: float, key: str, **fields) -> None:
    """Tell ``progress`` (if any) that ``done`` of the work is done, clipped to [0, 1], and what is running."""
    if progress is not None:
        progress(min(max(float(done), 0.0), 1.0), (key, fields))
