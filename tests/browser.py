"""Shared by the browser test, the load test and the browser benchmarks: a real server, a real browser.

``Server`` runs ``streamlit run app.py`` on 127.0.0.1 (a free port) as a user starts it;
``launch`` starts Debian's chromium through Playwright with the flags this machine needs.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
]
IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'
CHART_SIGNATURE = """() => {
    const sig = [];
    for (const p of document.querySelectorAll('.js-plotly-plot'))
        for (const tr of (p.data || [])) sig.push(JSON.stringify(tr.y || tr.z || []));
    for (const v of document.querySelectorAll('[data-kdviz-view]'))  // the live views (kdviz/viz/live): drawn at T, γ
        sig.push(`${v.dataset.kdvizView}:${v.getAttribute('data-t')}:${v.getAttribute('data-gamma')}`);
    return sig.join('|');
}"""  # changes when any plotly chart on the page holds new data, or a live view is drawn at a new T or γ


def missing() -> str | None:
    """Why a browser can't run here, or None."""
    if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
        return "Debian's chromium is not installed (apt-get install -y chromium chromium-driver)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright Python package is not installed (pip install -r requirements-dev.txt)"
    return None


def needs_browser(what: str = "browser test"):
    """The ``pytestmark`` of a browser test module: skip with the reason when chromium or playwright is
    absent, or raise when ``$KDVIZ_REQUIRE_BROWSER=1`` (CI) asks for the test to run."""
    import pytest

    reason = missing()
    if reason and os.environ.get("KDVIZ_REQUIRE_BROWSER") == "1":
        raise RuntimeError(f"{what} required but {reason}")
    return pytest.mark.skipif(reason is not None, reason=reason or "")


def chromium_for_module(shots: Path):
    """A generator for a module-scoped ``browser`` fixture: Debian's chromium, screenshots into ``shots``."""
    from playwright.sync_api import sync_playwright

    shots.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        b = launch(p)
        yield b
        b.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def page_paths() -> list[str]:
    """URL paths of the app's pages: '' for app.py, then pages/N_Name.py → 'Name'."""
    names = sorted(p.stem for p in (ROOT / "pages").glob("*.py") if not p.name.startswith("_"))
    return [""] + [n.split("_", 1)[1] if n.split("_", 1)[0].isdigit() else n for n in names]


class Server:
    """``streamlit run app.py`` on 127.0.0.1; ``started`` is the wall time of the spawn.

    ``root`` is the checkout to serve (default: this one), e.g. a worktree of an older commit.
    """

    def __init__(self, *, timeout: float = 60.0, env: dict | None = None, root: Path | str | None = None):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = tempfile.NamedTemporaryFile("w+", prefix=f"kdviz-server-{self.port}-", suffix=".log", delete=False)
        self.started = time.perf_counter()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
             "--server.address", "127.0.0.1", "--server.port", str(self.port)],
            cwd=Path(root) if root else ROOT, stdout=self.log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            env={**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})},
        )
        deadline = time.time() + timeout
        while time.time() < deadline:
            try:
                urllib.request.urlopen(self.url + "/_stcore/health", timeout=1)
                return
            except OSError:
                if self.proc.poll() is not None:
                    break
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"streamlit did not start: {self.output()[-2000:]}")

    def rss_mb(self) -> float:
        import psutil

        return psutil.Process(self.proc.pid).memory_info().rss / 2**20

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()

    def output(self) -> str:
        self.log.flush()
        return Path(self.log.name).read_text()


def launch(playwright):
    return playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)


def wait_idle(page, timeout_ms: int = 60_000) -> None:
    """Wait until the script has run to the end (Streamlit marks the app root), then let it paint."""
    page.wait_for_selector(IDLE, timeout=timeout_ms)
    page.wait_for_timeout(300)


WATCH_CHANGES = """() => {
    window.__kdvizLastChange = performance.now();
    new MutationObserver(() => { window.__kdvizLastChange = performance.now(); })
        .observe(document, {subtree: true, childList: true, attributes: true, characterData: true});
}"""  # add with context.add_init_script(f"({WATCH_CHANGES})()"); wait_settled then reads it


def wait_settled(page, quiet_ms: int = 800, timeout_ms: int = 60_000) -> None:
    """``wait_idle``, then wait until the page has stopped changing: Streamlit draws some elements
    (metrics, page links, tables, charts) seconds after the script has ended, on a busy machine.

    Needs ``WATCH_CHANGES`` installed as an init script; waits also for the web fonts, for the lazily
    loaded elements (Streamlit shows a skeleton until their code has arrived) and for every plotly
    chart and dataframe to be drawn.
    """
    wait_idle(page, timeout_ms)
    page.wait_for_function(
        """(quiet) => window.__kdvizLastChange !== undefined
            && performance.now() - window.__kdvizLastChange > quiet
            && document.fonts.status === 'loaded'
            && !document.querySelector('[data-testid="stSkeleton"]')
            && document.querySelector('[data-testid="stApp"][data-test-script-state="notRunning"]')
            && [...document.querySelectorAll('.js-plotly-plot')].every(p => p._fullLayout && p.querySelector('svg.main-svg'))
            && [...document.querySelectorAll('[data-testid="stDataFrame"]')].every(f => f.querySelector('.dvn-scroller'))""",
        arg=quiet_ms, timeout=timeout_ms, polling=100,
    )


def view_attrs(page, view: str) -> dict:
    """The data attributes (``data-*``, without the prefix) of the live view ``view`` (kdviz/viz/live) on ``page``."""
    return page.evaluate("""(v) => { const e = document.querySelector(`[data-kdviz-view="${v}"]`); const o = {};
        if (e) for (const a of e.attributes) if (a.name.startsWith('data-')) o[a.name.slice(5)] = a.value; return o; }""", view)


def socket_log(page) -> dict:
    """Log ``page``'s Streamlit websocket (``/_stcore/stream``; a class's room socket is not Streamlit's) and page errors, from now on: ``sent``, ``(perf_counter, type)`` of each
    message to the server; ``finished``, the time of each script_finished; ``runs``, each run's fragment ids (none:
    a full run); ``errors``, the page's JavaScript errors."""
    log = {"sent": [], "finished": [], "errors": [], "runs": []}

    def on_ws(ws):
        if "/_stcore/stream" not in ws.url:
            return
        from streamlit.proto.BackMsg_pb2 import BackMsg
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        def sent(payload):
            msg = BackMsg()
            msg.ParseFromString(payload if isinstance(payload, bytes) else payload.encode())
            log["sent"].append((time.perf_counter(), msg.WhichOneof("type")))

        def received(payload):
            if isinstance(payload, bytes):
                msg = ForwardMsg()
                msg.ParseFromString(payload)
                if msg.WhichOneof("type") == "script_finished":
                    log["finished"].append(time.perf_counter())
                elif msg.WhichOneof("type") == "new_session":
                    log["runs"].append(tuple(msg.metadata.run.fragment_ids))

        ws.on("framesent", sent)
        ws.on("framereceived", received)

    page.on("websocket", on_ws)
    page.on("pageerror", lambda e: log["errors"].append(str(e)))
    return log
