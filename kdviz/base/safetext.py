"""Text from a link or a user, made safe to echo: short, on one line, and inert in Markdown.

A page that says what was wrong with a link (``?lang=[Log in](https://evil.example)``) echoes the value;
Streamlit's ``st.warning``/``st.info``/``st.error``/``st.caption``/``st.markdown`` render Markdown, so an echoed
value could otherwise become a live link, an image the browser fetches, or 100,000 characters of text.

- :func:`short`: one line of at most :data:`LIMIT` characters (a longer value ends in "…"); control and
  invisible format characters (newlines, bidi overrides, zero-width) become "�".
- :func:`markdown_literal`: Markdown that shows ``text`` as these characters: the characters Markdown (and
  Streamlit's extensions: ``:red[…]``, ``:material/…:``, ``$…$``) give a meaning to are backslash-escaped, raw
  HTML cannot start, and the GitHub autolinks (``https://…``, ``www.…``, ``a@b.c``) are broken by an
  invisible word joiner.
- :func:`inert`: both, for a value put into a message.
"""

from __future__ import annotations

import unicodedata

__all__ = ["LIMIT", "short", "markdown_literal", "inert"]

LIMIT = 40  # characters of a value echoed back, ellipsis included
ELLIPSIS = "…"
REPLACEMENT = "\ufffd"  # "�": where a control or invisible character was
WORD_JOINER = "\u2060"  # invisible; breaks "https://", "www." and "a@b" so that no autolink is found
MARKDOWN_SPECIAL = set("\\`*_{}[]()<>#+!|~$:&^=")  # escaped with a backslash (CommonMark: any ASCII punctuation may be)


def short(value: object, limit: int = LIMIT) -> str:
    """``str(value)`` on one line, at most ``limit`` characters: a longer one is cut to ``limit - 1`` and "…";
    control, format and line/paragraph separator characters (Unicode Cc, Cf, Zl, Zp) become "�"."""
    text = str(value)
    head = text[: limit + 1]  # only what can be shown is looked at (a value may be 100,000 characters)
    clean = "".join(REPLACEMENT if unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp") else c for c in head)
    return clean if len(text) <= limit else clean[: limit - 1] + ELLIPSIS


def markdown_literal(text: str) -> str:
    """Markdown (as Streamlit renders it) that displays exactly ``text``, with no link, image, HTML, emphasis,
    code, maths, colour or icon: ``"[a](http://x)"`` → ``"\\[a\\]\\(http\\:\u2060//x\\)"`` (⁠ = U+2060, invisible)."""
    out = []
    for i, c in enumerate(text):
        if c == "." and text[max(0, i - 3) : i].lower() == "www":
            out.append(WORD_JOINER)  # "www⁠." starts no autolink
        out.append("\\" + c if c in MARKDOWN_SPECIAL else c)
        if c in ":@":
            out.append(WORD_JOINER)  # "http\:⁠//", "a@⁠b" are no autolinks
    return "".join(out)


def inert(value: object, limit: int = LIMIT) -> str:
    """A value to put into a Markdown message: :func:`short`, then :func:`markdown_literal`."""
    return markdown_literal(short(value, limit))
