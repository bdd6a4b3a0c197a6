"""The rules a room's parts follow (issue 29), shared by both stores (:mod:`kdviz.serve.rooms`,
:mod:`kdviz.serve.rooms_redis`): its bounds, :class:`RoomError`, the room code and the lecturer's token, the
lecturer's :class:`View`, and what a question may carry (:func:`public_question`, :func:`checked_json`).
Callers import these names from :mod:`kdviz.serve.rooms`, which re-exports them.
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import json
import math
import secrets
from collections.abc import Mapping
from dataclasses import dataclass

from kdviz.base.i18n import tr
from kdviz.data.datasets import DEFAULT as DEFAULT_DATA
from kdviz.data.datasets import FOLDER
from kdviz.data.datasets import KEYS as DATA_KEYS
from kdviz.serve.urlstate import PARAMS

__all__ = ["ALPHABET", "CODE_LENGTH", "MAX_ROOMS", "MAX_MEMBERS", "ROOM_TTL_S", "MAX_VIEW_BYTES", "MAX_QUESTION_BYTES",
           "TALLY_INTERVAL_S", "PAGE_KEYS", "TRUTH_FIELDS", "RoomError", "View", "new_code", "normalise_code", "format_code",
           "hash_token", "token_matches", "public_question", "checked_json", "question_tools"]

ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L: a code read off a projector is typed right
CODE_LENGTH = 6  # 31**6 ≈ 8.9e8 codes for at most MAX_ROOMS open rooms
MAX_ROOMS = 200  # open rooms per store
MAX_MEMBERS = 500  # members per room
ROOM_TTL_S = 4 * 3600  # a room expires this long after the lecturer's last action
MAX_VIEW_BYTES = 2048  # a view message, as JSON
MAX_QUESTION_BYTES = 4096  # a question (or a true value), as JSON
TALLY_INTERVAL_S = 0.1  # at most 10 tally messages per second per room; the last one always goes out
PAGE_KEYS = ("home", "temperature", "losses", "train", "lab", "compression", "your_digit")
TRUTH_FIELDS = ("truth", "truth_text_key", "truth_fields")  # never in a question before the reveal


class RoomError(ValueError):
    """One problem with a room: ``key`` (a catalog key, ``"room.not_found"``, ``"room.not_lecturer"``, …) and its
    ``fields``; ``str()`` is the English line, ``.text("zh")`` the Chinese one."""

    def __init__(self, key: str, **fields):
        super().__init__(tr(key, "en", **fields))
        self.key, self.fields = key, fields

    def text(self, lang: str = "en") -> str:
        return tr(self.key, lang, **self.fields)


def _number(value, name: str, *, whole: bool = False) -> float | int:
    """``value`` checked against the link's range of ``name`` (:data:`kdviz.serve.urlstate.PARAMS`)."""
    _, low, high, _ = PARAMS[name]
    if (isinstance(value, bool) or not isinstance(value, int if whole else (int, float)) or not math.isfinite(value)
            or not low <= value <= high):
        raise RoomError("room.bad_message")
    return value if whole else float(value)


@dataclass(frozen=True)
class View:
    """What the lecturer shows: a page key of :data:`PAGE_KEYS`, T and γ in the link's ranges
    (:data:`kdviz.serve.urlstate.PARAMS`), a test image index or None, a data set key. Checked when made:
    anything else is ``RoomError("room.bad_message")``."""

    page: str
    T: float
    gamma: float
    digit: int | None
    data: str

    def __post_init__(self):
        if self.page not in PAGE_KEYS or self.data not in (*DATA_KEYS, FOLDER):
            raise RoomError("room.bad_message")
        object.__setattr__(self, "T", _number(self.T, "T"))
        object.__setattr__(self, "gamma", _number(self.gamma, "gamma"))
        if self.digit is not None:
            _number(self.digit, "digit", whole=True)

    @classmethod
    def from_dict(cls, raw) -> "View":
        """A view from a message's ``"view"`` (exactly its five fields), or ``RoomError("room.bad_message")``."""
        if not isinstance(raw, Mapping) or set(raw) != {f.name for f in dataclasses.fields(cls)}:
            raise RoomError("room.bad_message")
        return cls(**raw)

    @classmethod
    def default(cls) -> "View":
        """Home at the link's default T and γ, on the default data set."""
        return cls("home", PARAMS["T"][3], PARAMS["gamma"][3], None, DEFAULT_DATA)

    def to_dict(self) -> dict:  # the message's "view"
        return dataclasses.asdict(self)

    def moved(self, T, gamma) -> "View":
        """The same view at another T and γ (a live slider's drag): checked like a new one."""
        return dataclasses.replace(self, T=T, gamma=gamma)


def new_code() -> str:
    """A fresh room code: :data:`CODE_LENGTH` characters of :data:`ALPHABET` (``secrets.choice``)."""
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def normalise_code(text) -> str | None:
    """A typed code as stored (``" abc-234 "`` → ``"ABC234"``): upper-cased, spaces and dashes removed;
    None unless it is then :data:`CODE_LENGTH` characters of :data:`ALPHABET`."""
    if not isinstance(text, str) or len(text) > 40:
        return None
    code = text.upper().replace(" ", "").replace("-", "")
    return code if len(code) == CODE_LENGTH and all(c in ALPHABET for c in code) else None


def format_code(code: str) -> str:
    """``"ABC234"`` → ``"ABC 234"`` (read aloud and typed in two halves)."""
    return f"{code[:3]} {code[3:]}"


def hash_token(token: str) -> str:
    """The sha256 (hex) the store keeps instead of the lecturer's token."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def token_matches(token, digest: str) -> bool:
    """Whether ``token`` (a str, else False) hashes to ``digest``, compared in constant time."""
    return isinstance(token, str) and len(token) <= 200 and hmac.compare_digest(hash_token(token), digest)


def public_question(question: Mapping) -> dict:
    """What students may see of a question (:func:`kdviz.serve.questions.public`): a copy without any true value, as
    JSON of at most :data:`MAX_QUESTION_BYTES`; ``RoomError("room.bad_message")`` if it is not such a mapping."""
    if not isinstance(question, Mapping) or not all(isinstance(k, str) for k in question):
        raise RoomError("room.bad_message")
    public = {k: v for k, v in question.items() if k not in TRUTH_FIELDS}
    if not isinstance(public.get("qid"), str) or not 0 < len(public["qid"]) <= 200:
        raise RoomError("room.bad_message")
    checked_json(public)
    return public


def checked_json(value, limit: int = MAX_QUESTION_BYTES) -> str:
    """``value`` as JSON text (no NaN/inf) of at most ``limit`` bytes (UTF-8); ``RoomError("room.bad_message")``
    if it is not JSON or is longer. Both stores check a question or a true value with it before keeping it."""
    try:
        text = json.dumps(value, allow_nan=False)
    except (TypeError, ValueError):
        raise RoomError("room.bad_message") from None
    if len(text.encode("utf-8")) > limit:
        raise RoomError("room.bad_message")
    return text


def question_tools():
    """The module :mod:`kdviz.serve.questions` (``check_answer``, ``histogram``), imported only when a room first
    needs it (it pulls in numpy and the Lab's results, which a room that never asks a question does not need)."""
    from kdviz.serve import questions  # kdviz.serve.questions (check_answer, histogram), imported when a room first needs it

    return questions
