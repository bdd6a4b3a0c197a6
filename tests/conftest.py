import os
import sys
from pathlib import Path

import pytest

os.environ.setdefault("KDVIZ_TEST", "1")
ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # pages import the top-level ``ui`` module, as under ``streamlit run``
    sys.path.insert(0, str(ROOT))


@pytest.fixture(scope="session", autouse=True)
def _temporary_cache(tmp_path_factory):
    """The session's kdviz cache (``KDVIZ_CACHE_DIR``): a temporary folder unless the caller set one, so no test reads
    or writes ``~/.cache/kdviz``; what a test builds there (reference students, parsed data sets, ladder teachers) is
    built once per session. Servers and CLI processes the tests start inherit it."""
    if os.environ.get("KDVIZ_CACHE_DIR"):
        yield Path(os.environ["KDVIZ_CACHE_DIR"])
        return
    folder = tmp_path_factory.mktemp("kdviz-cache")
    os.environ["KDVIZ_CACHE_DIR"] = str(folder)
    try:
        yield folder
    finally:
        os.environ.pop("KDVIZ_CACHE_DIR", None)


@pytest.fixture(autouse=True)
def _own_trainings(monkeypatch):
    """Each test has its own registry of shared trainings (kdviz.serve.press): a press is never served another test's result."""
    import kdviz.serve.press

    monkeypatch.setattr(kdviz.serve.press, "_shared", None)


@pytest.fixture()
def cache(tmp_path, monkeypatch):
    """An empty cache folder for this test (``KDVIZ_CACHE_DIR``)."""
    folder = tmp_path / "cache"
    monkeypatch.setenv("KDVIZ_CACHE_DIR", str(folder))
    return folder


@pytest.fixture()
def cli_error(capsys):
    """``cli_error(args)`` runs ``python -m kdviz ARGS`` in this process and expects what a user must see of a bad
    argument: nothing on stdout, one line on stderr. Returns ``(exit status, that line)``."""
    from kdviz.cli.main import main

    def run(args: list[str]) -> tuple[int, str]:
        try:
            status = main(args)  # a library problem: status 1
        except SystemExit as stop:  # argparse: status 2
            status = stop.code
        out, err = capsys.readouterr()
        lines = err.strip().splitlines()
        assert out == "" and len(lines) == 1, err
        return status, lines[0]

    return run


@pytest.fixture(scope="session")
def res():
    """The real embedded data and shipped teacher, loaded once for the test session."""
    from kdviz.train.resources import load_resources

    return load_resources()


@pytest.fixture(scope="session")
def data(res):
    return res.data


@pytest.fixture(scope="module")
def browser(request):
    """Debian's chromium through Playwright, one per browser-test module; screenshots go to the module's ``SHOTS``."""
    from browser import chromium_for_module

    yield from chromium_for_module(request.module.SHOTS)


@pytest.fixture(scope="module")
def server(request):
    """``streamlit run app.py`` on 127.0.0.1, one per module; serves the module's ``SERVED`` checkout if it names one."""
    from browser import Server

    s = Server(root=getattr(request.module, "SERVED", None))
    yield s
    s.stop()
