"""The notebooks run top to bottom headless (nbclient), and are stored small.

``notebooks/explore.ipynb`` is the live tour (kdviz.widgets); ``notebooks/lab.ipynb`` runs the lab's
experiments through the library with progress bars (``KDVIZ_NOTEBOOK_QUICK=1``: the smallest runs).
"""

import json
import re
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ("explore.ipynb", "lab.ipynb")
WIDGET = "application/vnd.jupyter.widget-view+json"
PLOTLY = "application/vnd.plotly.v1+json"


def run(name: str, monkeypatch) -> list:
    monkeypatch.setenv("KDVIZ_NOTEBOOK_QUICK", "1")
    nb = nbformat.read(ROOT / "notebooks" / name, as_version=4)
    NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(ROOT)}}).execute()
    return [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]


def text(outputs) -> str:
    return "".join("".join(o.get("text", "")) for o in outputs if o.output_type == "stream")


def no_errors(outputs) -> None:
    assert not [o for o in outputs if o.output_type == "error"]
    assert not [o for o in outputs if o.output_type == "stream" and o.name == "stderr"], text(
        [o for o in outputs if o.get("name") == "stderr"])  # e.g. a message that is not strict JSON (NaN)


def test_explore_notebook_runs_with_live_views(monkeypatch):
    outputs = run("explore.ipynb", monkeypatch)
    no_errors(outputs)
    assert len([o for o in outputs if WIDGET in o.get("data", {})]) == 3  # the three explorers
    peaks = [float(p) for p in re.findall(r"largest probability (\d\.\d+)", text(outputs))]
    assert len(peaks) == 4 and peaks == sorted(peaks, reverse=True)  # T = 1, 2, 4, 8 read from the live view


def test_lab_notebook_runs_the_experiments(monkeypatch):
    outputs = run("lab.ipynb", monkeypatch)
    no_errors(outputs)
    out = text(outputs)
    assert out.count("full run: python -m kdviz") == 6  # the shipped full runs, with their commands
    assert len([o for o in outputs if WIDGET in o.get("data", {})]) == 5  # a progress bar per live run
    assert len([o for o in outputs if PLOTLY in o.get("data", {})]) >= 13
    assert re.search(r"5% labelled: distilled \d+\.\d %, labels only \d+\.\d % \(seeds \[0\], 2 epochs\)", out)
    assert re.search(r"KD \d+\.\d %; DKD β = \d+ \d+\.\d %", out)
    assert re.search(r"logits \(KD\) \+ \w+ transfer|logits \(KD\) \+ (hint|cosine)", out)  # the quick run's logits+best row
    assert re.search(r"gain by student size with it: 16: [+-]\d+\.\d\d pp", out)  # the capacity reading


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_stored_notebooks_are_small_and_carry_no_widget_state(name):
    path = ROOT / "notebooks" / name
    nb = json.loads(path.read_text())
    assert path.stat().st_size < 20_000
    assert "widgets" not in nb["metadata"]  # no saved widget state: it is made when the notebook runs
    for cell in nb["cells"]:
        assert cell.get("outputs", []) == [] and cell.get("execution_count") is None
    nbformat.validate(nbformat.reads(path.read_text(), as_version=4))
