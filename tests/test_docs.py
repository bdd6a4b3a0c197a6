"""The README and docs/*.md point at things that exist (issue 30, item 5).

Three checks, all on the Markdown text, none importing kdviz: every relative link leads to a file or folder
(and, for ``page.md#anchor``, to a heading of that page, slugged as GitHub does); every repository path quoted
in backticks (``kdviz/train/loop.py``) exists; every dotted name (``kdviz.maths.losses.soften``) names a module
file and a name defined or imported in it.
"""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", ROOT / "BENCHMARKS.md", ROOT / "deploy" / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
TOP = ("kdviz/", "ui/", "pages/", "tests/", "benchmarks/", "deploy/", "notebooks/", "docs/", ".streamlit/", ".ci/")

LINK = re.compile(r"!?\[(?:[^\]\[]|\[[^\]]*\])*\]\(([^)\s]+)\)")  # [text](target), ![alt](target)
CODE = re.compile(r"`([^`\n]+)`")
DOTTED = re.compile(r"(?<![\w\"./-])kdviz(?:\.[A-Za-z_][A-Za-z0-9_]*)+")  # not "kdviz.example.org", a host


def prose(path: Path) -> str:
    """The page without its fenced code blocks (a command's paths are its own business)."""
    return re.sub(r"^```.*?^```", "", path.read_text(encoding="utf-8"), flags=re.S | re.M)


def slug(heading: str) -> str:
    """GitHub's anchor of a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"[`*_]", "", heading.strip().lower()).replace("_", "")
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def anchors(path: Path) -> set[str]:
    """Every heading's anchor in a Markdown file, a repeated one with GitHub's -1, -2, … suffix."""
    seen: dict[str, int] = {}
    for line in prose(path).splitlines():
        if m := re.match(r"#{1,6} (.+)", line):
            s = slug(m.group(1))
            n = seen.get(s, 0)
            seen[s] = n + 1
            if n:
                seen[f"{s}-{n}"] = 1
    return set(seen)


def links(path: Path) -> list[str]:
    return [t for t in LINK.findall(prose(path)) if not re.match(r"[a-z]+:", t)]  # http:, https:, mailto: are not ours


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_relative_link_resolves(page):
    broken = []
    for target in links(page):
        file, _, anchor = target.partition("#")
        dest = (page.parent / file).resolve() if file else page
        if not dest.exists():
            broken.append(f"{target}: no such file")
        elif anchor and dest.suffix == ".md" and anchor not in anchors(dest):
            broken.append(f"{target}: no heading #{anchor} in {dest.relative_to(ROOT)}")
    assert not broken, broken


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_quoted_path_exists(page):
    quoted = {c for c in CODE.findall(prose(page)) if c.startswith(TOP) and re.fullmatch(r"[\w./-]+", c)}
    missing = sorted(c for c in quoted if not (ROOT / c).exists())
    assert not missing, missing


def defines(source: str, name: str) -> bool:
    """Whether a module's text defines ``name`` (def, class, assignment) or imports it."""
    return bool(re.search(rf"^\s*(?:async\s+)?(?:def|class)\s+{name}\b|^{name}\s*[:=]|\bimport\b[^\n]*\b{name}\b", source, re.M))


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_dotted_name_is_defined(page):
    bad = []
    for code in CODE.findall(prose(page)):
        for dotted in DOTTED.findall(code):
            parts, module = dotted.split("."), None
            for i in range(len(parts), 0, -1):  # the longest prefix that is a module or a package
                stem = ROOT.joinpath(*parts[:i])
                for f in (stem.with_suffix(".py"), stem / "__init__.py"):
                    if f.exists():
                        module, rest = f, parts[i:]
                        break
                if module:
                    break
            if module is None:
                bad.append(f"{dotted}: no module")
            elif rest and not defines(module.read_text(encoding="utf-8"), rest[0]):
                bad.append(f"{dotted}: {rest[0]} is not in {module.relative_to(ROOT)}")
    assert not bad, bad


def test_the_checks_can_fail(tmp_path):
    """A broken link, a missing heading, a missing path and an unknown name are each found."""
    page = tmp_path / "page.md"
    page.write_text("# A title\n\n[ok](#a-title) [gone](nope.md) [no heading](#elsewhere)\n", encoding="utf-8")
    assert links(page) == ["#a-title", "nope.md", "#elsewhere"] and anchors(page) == {"a-title"}
    assert slug("Live in the browser, and a class of 50 (issue 13)") == "live-in-the-browser-and-a-class-of-50-issue-13"
    assert slug("Rooms across replicas: Redis") == "rooms-across-replicas-redis"
    assert not (ROOT / "kdviz/nope.py").exists() and "kdviz/nope.py".startswith(TOP)
    assert defines("def soften(x):\n", "soften") and not defines("def soften_all(x):\n", "soften")
    assert defines("from kdviz.lab.teachers import GROUP_A, concat_logits\n", "concat_logits")
