"""The message catalog: every piece of UI text, in English and 中文, loaded from ``kdviz/locales/``.

Each language is one flat JSON file, ``locales/<lang>.json``: key → text, in the format
translation tools read as "i18next JSON v4". A text may hold ``{fields}`` (Python format
syntax, with format specs such as ``{ratio:.1f}``). A message that depends on a count has
one key per plural form, ``<key>_one`` and ``<key>_other`` (English), ``<key>_other``
alone (Chinese has one form), and is called with the count as the field ``n``:
``tr("plots_lab.seeds", "en", n=1)`` → ``"1 seed"``.

Keys are namespaced by where they are shown: ``ui.`` / ``nav.`` / ``common.`` (shared
page helpers), ``home.``, ``temp.``, ``losses.``, ``train.``, ``lab.``, ``comp.``, ``mine.``
(the pages), ``plots.`` / ``plots_lab.`` / ``plots_compress.`` (chart titles, axes, legends,
hovers; for the compression lab also its method, family, note and progress labels),
``progress.`` (what a long run reports while it runs) and ``digits.`` / ``url.`` (the
one-line problems kdviz.data.digits and kdviz.serve.urlstate report). Plotly hover tokens such as
``%{x}`` are passed in as fields, never written in the catalog, because ``{`` starts a
field. Terms follow the Chinese study note on compression and distillation kdviz was built from: 知识蒸馏,
温度 T, 软目标, 软损失 / 硬损失, 教师模型 / 学生模型, 暗知识.
"""

from __future__ import annotations

import json
import string
from pathlib import Path

__all__ = ["LANGS", "PLURAL_FORMS", "MESSAGES", "Message", "tr", "render", "texts_of", "fields_of", "specs_of", "plural_form"]

LANGS = ("en", "zh")
PLURAL_FORMS = {"en": ("one", "other"), "zh": ("other",)}  # CLDR plural categories each language uses
LOCALES = Path(__file__).resolve().parents[1] / "locales"

Message = tuple[str, dict]  # (key, fields): a message a library function reports, shown in any language by render()


def _load(lang: str) -> dict[str, str | dict[str, str]]:
    """``locales/<lang>.json`` with the ``_one`` / ``_other`` keys grouped: key → text, or plural form → text."""
    flat = json.loads((LOCALES / f"{lang}.json").read_text(encoding="utf-8"))
    out: dict[str, str | dict[str, str]] = {}
    for key, text in flat.items():
        base, _, form = key.rpartition("_")
        if base and form in PLURAL_FORMS["en"]:
            out.setdefault(base, {})[form] = text
        else:
            out[key] = text
    return out


def _catalog() -> dict[str, dict[str, str | dict[str, str]]]:
    by_lang = {lang: _load(lang) for lang in LANGS}
    keys = dict.fromkeys(k for lang in LANGS for k in by_lang[lang])  # file order, English first
    return {k: {lang: by_lang[lang][k] for lang in LANGS if k in by_lang[lang]} for k in keys}


MESSAGES: dict[str, dict[str, str | dict[str, str]]] = _catalog()  # key → {lang: text, or {plural form: text}}


def plural_form(lang: str, n) -> str:
    """The CLDR plural category of the count ``n`` in ``lang``: English "one" for exactly 1, else "other"."""
    return "one" if lang == "en" and n == 1 else "other"


def texts_of(entry: str | dict[str, str]) -> list[str]:
    """Every text of one language's entry: the text itself, or each plural form's."""
    return list(entry.values()) if isinstance(entry, dict) else [entry]


def fields_of(text: str) -> set[str]:
    """The ``{field}`` names a message uses."""
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def specs_of(text: str) -> set[tuple[str, str]]:
    """The ``{field:spec}`` pairs a message uses (both languages must format numbers alike)."""
    return {(name, spec or "") for _, name, spec, _ in string.Formatter().parse(text) if name}


def tr(key: str, lang: str = "en", **fields) -> str:
    """The message ``key`` in ``lang`` (falls back to English), formatted with ``fields``.

    A plural message picks its form by the field ``n``. A field that is itself a message
    (``(key, fields)``, or ``[key, fields]`` as read back from JSON) is rendered in ``lang`` first.
    """
    entry = MESSAGES[key]
    text = entry.get(lang, entry["en"])
    if isinstance(text, dict):
        text = text.get(plural_form(lang, fields["n"]), text["other"])
    return text.format(**{k: render(v, lang) if _is_message(v) else v for k, v in fields.items()})


def _is_message(value) -> bool:
    return (isinstance(value, (tuple, list)) and len(value) == 2 and isinstance(value[0], str)
            and isinstance(value[1], dict) and value[0] in MESSAGES)


def render(message: Message, lang: str = "en") -> str:
    """A ``(key, fields)`` message of the library in ``lang``."""
    key, fields = message
    return tr(key, lang, **fields)
