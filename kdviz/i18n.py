"""One message catalog for every piece of UI text, in English and 中文.

``MESSAGES`` is a literal dict: key → {"en": ..., "zh": ...}. ``tr(key, lang, **fields)``
formats one message; a test checks that every key has both languages with the same
``{fields}``.
"""

from __future__ import annotations

import string

__all__ = ["LANGS", "MESSAGES", "tr", "fields_of"]

LANGS = ("en", "zh")

MESSAGES: dict[str, dict[str, str]] = {
    "lang.label": {"en": "Language", "zh": "语言"},
    "link.copy": {"en": "Link to this view", "zh": "本视图的链接"},
    "link.help": {
        "en": "Copy this link to open the same view (T, γ, digit, seed, language) on any page.",
        "zh": "复制此链接,即可在任意页面打开相同的视图(T、γ、数字、随机种子、语言)。",
    },
    "url.bad": {"en": "Ignored in the link: {problem}", "zh": "链接中的参数已忽略:{problem}"},
    "error.teacher": {"en": "The teacher could not be loaded: {error}", "zh": "无法加载教师模型:{error}"},
}


def fields_of(text: str) -> set[str]:
    """The ``{field}`` names a message uses."""
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def tr(key: str, lang: str = "en", **fields) -> str:
    """The message ``key`` in ``lang`` (falls back to English), formatted with ``fields``."""
    entry = MESSAGES[key]
    return entry.get(lang, entry["en"]).format(**fields)
