"""The library's shape, read from its source with ``ast`` (nothing is imported).

* Layers: a kdviz module imports only from its own layer or lower ones
  (base < data < maths < train < lab = compress < viz < serve < cli < widgets).
* kdviz never imports streamlit; only kdviz.widgets imports ipywidgets or anywidget.
* No module over 400 lines.
* No private name crosses a module: no ``from kdviz.x import _y`` and no ``x._y`` on an
  imported kdviz module, outside the module that defines ``_y``.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "kdviz"
MAX_LINES = 400

# layer of each kdviz subpackage; equal numbers are one level
LAYERS = {"base": 0, "data": 1, "maths": 2, "train": 3, "lab": 4, "compress": 4, "viz": 5, "serve": 6, "cli": 7, "widgets": 8}
TOP = max(LAYERS.values()) + 1  # kdviz/__main__.py: the command line's door may import any layer


def module_name(path: Path) -> str:
    """``kdviz/train/loop.py`` → ``"kdviz.train.loop"``; a package's ``__init__.py`` → the package."""
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def layer_of(module: str) -> int:
    """The layer number of a dotted kdviz module name (``kdviz.__main__`` is the top; ``kdviz`` itself, see ROOT_LAYER)."""
    parts = module.split(".")
    if module == "kdviz":
        return ROOT_LAYER
    if len(parts) < 2 or parts[1] not in LAYERS:
        return TOP
    return LAYERS[parts[1]]


MODULES = sorted(PACKAGE.rglob("*.py"))
NAMES = {module_name(p) for p in MODULES}


def imported_modules(tree: ast.AST) -> list[tuple[int, str]]:
    """(line, module) for every absolute import in ``tree``; ``from kdviz.x import y`` names kdviz.x.y when y is a module."""
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out.extend((node.lineno, a.name) for a in node.names)
        elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
            subs = [f"{node.module}.{a.name}" for a in node.names if f"{node.module}.{a.name}" in NAMES]
            out.extend((node.lineno, m) for m in subs)
            if len(subs) < len(node.names):
                out.append((node.lineno, node.module))
    return out


# kdviz/__init__.py re-exports the common names (loss, data, student, teacher): it stands at the
# highest layer it imports from, so `from kdviz import __version__` is fine below the top
ROOT_LAYER = max(LAYERS[m.split(".")[1]] for _, m in imported_modules(ast.parse((PACKAGE / "__init__.py").read_text()))
                 if m.startswith("kdviz."))


def test_the_scan_sees_the_library():
    # the checks below mean nothing if the walk finds no modules or misreads their names
    assert "kdviz.train.loop" in NAMES and "kdviz.maths.losses" in NAMES and "kdviz.serve" in NAMES
    assert layer_of("kdviz.lab.dkd") == layer_of("kdviz.compress.measure") > layer_of("kdviz.train.loop")
    assert layer_of("kdviz.widgets.explorers") > layer_of("kdviz.cli.main") > layer_of("kdviz.serve.rooms")
    assert len(MODULES) > 40
    assert ROOT_LAYER == LAYERS["train"]  # today's kdviz/__init__.py: if it re-exports more, this says so


def _layer_violations(source: str, here: str) -> list[str]:
    tree = ast.parse(source)
    out = [f"{here}:{n.lineno} uses a relative import" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.level]
    for line, module in imported_modules(tree):
        top = module.split(".")[0]
        if top == "streamlit":
            out.append(f"{here}:{line} imports streamlit")
        if top in ("ipywidgets", "anywidget") and not here.startswith("kdviz.widgets"):
            out.append(f"{here}:{line} imports {top} (only kdviz.widgets may)")
        if top == "kdviz" and layer_of(module) > layer_of(here):
            out.append(f"{here}:{line} imports {module} from a higher layer")
    return out


def test_the_layer_check_can_fail():
    assert _layer_violations("from kdviz.viz.style import COLORS\n", "kdviz.lab.dkd")
    assert _layer_violations("import streamlit as st\n", "kdviz.viz.style")
    assert _layer_violations("import anywidget\n", "kdviz.viz.live")
    assert not _layer_violations("import anywidget\nfrom kdviz.cli.main import main\n", "kdviz.widgets.explorers")
    assert _layer_violations("from kdviz import compress\n", "kdviz.train.loop")
    assert _layer_violations("from .style import COLORS\n", "kdviz.viz.plots")
    assert not _layer_violations("from kdviz.compress.measure import x\nfrom kdviz import __version__\n", "kdviz.lab.dkd")
    assert not _layer_violations("from kdviz.maths.losses import soften\n", "kdviz.viz.live")


@pytest.mark.parametrize("path", MODULES, ids=lambda p: module_name(p))
def test_imports_go_down_the_layers(path):
    assert _layer_violations(path.read_text(encoding="utf-8"), module_name(path)) == []


# Not yet split (issue 30 is open on it): each may not grow past its size today; any other module over 400 fails.
NOT_YET_SPLIT: dict[str, int] = {}  # modules still over MAX_LINES, at their current length (none left)


@pytest.mark.parametrize("path", MODULES, ids=lambda p: module_name(p))
def test_no_module_over_400_lines(path):
    n = len(path.read_text(encoding="utf-8").splitlines())
    limit = NOT_YET_SPLIT.get(module_name(path), MAX_LINES)
    assert n <= limit, f"{path.relative_to(ROOT)} has {n} lines (at most {limit})"


def test_the_not_yet_split_list_is_current():
    """A module that shrank under 400 leaves the list: the list says what is left to do, no more."""
    sizes = {module_name(p): len(p.read_text(encoding="utf-8").splitlines()) for p in MODULES}
    assert {m: n for m, n in sizes.items() if n > MAX_LINES}.keys() == NOT_YET_SPLIT.keys()


def _private_uses(source: str, here: str) -> list[str]:
    """``from kdviz.x import _y`` and ``x._y`` (x an imported kdviz module) in ``source``, for x other than ``here``."""
    tree = ast.parse(source)
    out, aliases = [], {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                if a.name.startswith("kdviz"):
                    aliases[a.asname or a.name] = a.name
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("kdviz") and not node.level:
            for a in node.names:
                if f"{node.module}.{a.name}" in NAMES:  # a submodule imported by name
                    aliases[a.asname or a.name] = f"{node.module}.{a.name}"
                elif a.name.startswith("_") and not a.name.startswith("__") and node.module != here:
                    out.append(f"{here}:{node.lineno} imports {node.module}.{a.name}")
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr.startswith("_") and not node.attr.startswith("__"):
            dotted = ast.unparse(node.value)
            if dotted in aliases and aliases[dotted] != here:
                out.append(f"{here}:{node.lineno} uses {aliases[dotted]}.{node.attr}")
    return out


def test_the_private_check_can_fail():
    assert _private_uses("from kdviz.train.loop import _epoch\n", "kdviz.lab.dkd")
    assert _private_uses("from kdviz.train import loop\nloop._epoch()\n", "kdviz.lab.dkd")
    assert _private_uses("import kdviz.train.loop as L\nL._epoch()\n", "kdviz.lab.dkd")
    assert not _private_uses("from kdviz.train.loop import epoch\nfrom kdviz.train import loop\nloop.__name__\n", "kdviz.lab.dkd")


@pytest.mark.parametrize("path", MODULES, ids=lambda p: module_name(p))
def test_no_private_name_crosses_a_module(path):
    assert _private_uses(path.read_text(encoding="utf-8"), module_name(path)) == []
