"""Text from a link or a user echoed back: short, one line, and inert in Markdown (issue 28, item 8).

Here the text itself: every character Markdown gives a meaning to is escaped, the escapes undone give the value
back, no autolink pattern is left. What Streamlit's renderer makes of it, on every page, in chromium: tests/test_inert_browser.py.
"""

import re

import pytest

from kdviz.base.safetext import LIMIT, inert, markdown_literal, short
from kdviz.serve.urlstate import PARAMS, Problem, parse_query

HOSTILE = [
    "[Log in again](https://evil.example/login)",
    "![t](http://127.0.0.1:8709/pixel.png)",
    '<img src="http://127.0.0.1:8709/x.png" onerror="alert(1)">',
    "<script>alert(1)</script>",
    "<https://evil.example>",
    "https://evil.example/login",
    "www.evil.example",
    "mail me@evil.example",
    "**bold** _em_ `code` ~~gone~~",
    "$x^2$ :red[alarm] :material/warning: :smile:",
    "&lt;b&gt; &#60;i&#62;",
    "# heading",
    "a\nb\r\nc\u202ed\u200be\x00f",
    "\\[not a link\\](http://x)",
    "[a][1]\n\n[1]: http://evil.example",
    "中文 [链接](http://evil.example)",
]


def unescape(markdown: str) -> str:
    """What CommonMark shows for backslash escapes of ASCII punctuation, without the invisible word joiners."""
    return re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", markdown).replace("\u2060", "")


@pytest.mark.parametrize("value", HOSTILE)
def test_markdown_literal_shows_the_characters_and_escapes_every_special_one(value):
    text = short(value, 1000)  # one line: what a message echoes
    md = markdown_literal(text)
    assert unescape(md) == text
    bare = re.sub(r"\\[!-/:-@\[-`{-~]", "", md)  # every escaped pair removed: no special character is left
    assert not set(bare) & set("\\`*_{}[]()<>#+!|~$:&^="), bare


@pytest.mark.parametrize("value", HOSTILE)
def test_no_autolink_pattern_survives(value):
    """GFM finds links in plain text (``https://``, ``www.``, ``a@b``) even after escapes; the word joiner breaks them."""
    out = markdown_literal(short(value, 1000)).replace("\\", "")
    assert not re.search(r"https?://|www\.|\w@\w|:\w+:", out, re.I), out


def test_short_is_one_line_and_at_most_the_limit():
    assert short("abc") == "abc" and short("x" * LIMIT) == "x" * LIMIT
    long = short("x" * 100_000)
    assert len(long) == LIMIT and long == "x" * (LIMIT - 1) + "…"
    assert short("a\nb\tc\u202ed\u200b") == "a�b�c�d�"
    assert short(12345, 3) == "12…"
    assert len(inert("[" * 100_000)) <= 2 * LIMIT  # escaped: each kept character at most doubled


@pytest.mark.parametrize("name", list(PARAMS))
@pytest.mark.parametrize("value", HOSTILE + ["9" * 100_000, "[" * 100_068])
def test_every_parameter_echoes_its_value_short_and_inert(name, value):
    values, problems = parse_query({name: value})
    assert name not in values and len(problems) == 1
    problem = problems[0]
    assert isinstance(problem, Problem) and "\n" not in problem and "\r" not in problem
    echoed = problem.fields["value"]
    assert len(echoed) <= LIMIT + 2  # the value's 40 characters, and its quotes
    for lang in ("en", "zh"):
        md = problem.text(lang, markdown=True)
        assert len(md) < 250, md
        assert markdown_literal(echoed) in md  # the value, escaped
        assert md.replace(markdown_literal(echoed), "") == problem.text(lang).replace(echoed, "")  # the rest as it was


