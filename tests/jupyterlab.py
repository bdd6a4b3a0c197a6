"""A real ``jupyter lab`` on 127.0.0.1 for the browser tests and benchmarks: started, driven, stopped.

:func:`serve` starts one (a token, no browser, no news or update checks, its config, runtime, settings and
workspaces in a temporary folder) on a copy of ``notebooks/``, so the stored notebooks are never saved over;
:func:`run_all` opens a notebook and runs all its cells from the Run menu; :func:`kernel_log` records every
message the page sends on a kernel's websocket.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

from browser import free_port

ROOT = Path(__file__).resolve().parents[1]
JUPYTER = Path(sys.executable).with_name("jupyter")
TOKEN = "kdviz-test-token"
ALL_RUN = """() => {
    const prompts = [...document.querySelectorAll('.jp-Notebook .jp-CodeCell .jp-InputPrompt')];
    return prompts.length > 0 && prompts.every(p => /\\[\\d+\\]/.test(p.textContent));
}"""
ERRORS = """() => [...document.querySelectorAll('.jp-OutputArea-output')]
    .filter(o => ['application/vnd.jupyter.stderr', 'application/vnd.jupyter.error'].includes(o.dataset.mimeType)
                 || o.querySelector('.jp-RenderedText[data-mime-type="application/vnd.jupyter.stderr"]'))
    .map(o => o.textContent.slice(0, 300))"""


def missing() -> str | None:
    """Why JupyterLab can't run here, or None."""
    try:
        import jupyterlab  # noqa: F401
        import notebook  # noqa: F401
    except ImportError:
        return "JupyterLab or Notebook 7 is not installed (pip install -r requirements-dev.txt)"
    return None


class JupyterFailed(RuntimeError):
    """jupyter lab did not start; the message ends with its log's tail."""


@contextlib.contextmanager
def serve(timeout_s: float = 120) -> Iterator[str]:
    """``jupyter lab`` on a free 127.0.0.1 port serving a temporary copy of notebooks/ (as ``notebooks/``); its URL."""
    with tempfile.TemporaryDirectory(prefix="kdviz-jupyter-") as tmp:
        work = Path(tmp)
        shutil.copytree(ROOT / "notebooks", work / "notebooks")
        settings = work / "settings" / "@jupyterlab" / "apputils-extension"
        settings.mkdir(parents=True)
        (settings / "notification.jupyterlab-settings").write_text(json.dumps({"fetchNews": "false", "checkForUpdates": False}))
        port = free_port()
        env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
               "JUPYTER_CONFIG_DIR": str(work / "config"), "JUPYTER_RUNTIME_DIR": str(work / "runtime"),
               "JUPYTERLAB_SETTINGS_DIR": str(work / "settings"), "JUPYTERLAB_WORKSPACES_DIR": str(work / "workspaces")}
        with (work / "jupyter.log").open("w") as log:
            proc = subprocess.Popen(
                [str(JUPYTER), "lab", "--no-browser", "--ip=127.0.0.1", f"--port={port}", f"--IdentityProvider.token={TOKEN}",
                 f"--ServerApp.root_dir={work}", "--allow-root", "--LabApp.news_url=", "--LabApp.extension_manager=readonly",
                 "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"],
                stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env)
            url = f"http://127.0.0.1:{port}"
            try:
                _wait_until_up(url, proc, timeout_s, work / "jupyter.log")
                yield url
            finally:
                proc.terminate()
                try:
                    proc.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait(timeout=20)


def _wait_until_up(url: str, proc: subprocess.Popen, timeout_s: float, log: Path) -> None:
    deadline = time.time() + timeout_s
    while time.time() < deadline and proc.poll() is None:
        try:
            urllib.request.urlopen(f"{url}/api/status?token={TOKEN}", timeout=1)
            return
        except OSError:
            time.sleep(0.3)
    proc.kill()
    raise JupyterFailed(f"jupyter lab did not start: {log.read_text()[-2000:]}")


def wait_for_kernel(url: str, timeout_s: float = 120) -> None:
    """Until the server has one kernel and it is idle (started, its first messages answered)."""
    deadline, kernels = time.time() + timeout_s, None
    while time.time() < deadline:
        try:
            kernels = json.loads(urllib.request.urlopen(f"{url}/api/kernels?token={TOKEN}", timeout=5).read())
        except OSError:  # the server busy starting the kernel can answer 500: ask again
            kernels = None
        if kernels and all(k["execution_state"] == "idle" for k in kernels):
            return
        time.sleep(0.3)
    raise TimeoutError(f"no idle kernel within {timeout_s:g} s: {kernels}")


def run_all(page, url: str, path: str) -> float:
    """Open ``path`` and run all its cells from the Run menu; seconds from the click to the last cell done."""
    page.goto(f"{url}/{path}?token={TOKEN}", timeout=120_000)
    page.wait_for_selector(".jp-Notebook .jp-CodeCell", timeout=120_000)
    wait_for_kernel(url)
    page.get_by_role("menuitem", name="Run", exact=True).click()
    start = time.perf_counter()
    page.get_by_text("Run All Cells", exact=True).click()
    page.wait_for_function(ALL_RUN, timeout=300_000, polling=200)
    return time.perf_counter() - start


def kernel_log(page) -> list:
    """From now on, ``(perf_counter, msg_type, comm method, comm state)`` of every message the page sends on a kernel's
    websocket (JSON, or JupyterLab's binary v1 protocol: a count and offsets, then channel, header, parent, metadata,
    content)."""
    sent = []

    def parse(payload) -> tuple:
        if isinstance(payload, str):
            msg = json.loads(payload)
            header, content = msg.get("header", {}), msg.get("content", {})
        else:
            n = int.from_bytes(payload[:8], "little")
            offsets = [int.from_bytes(payload[8 * (i + 1):8 * (i + 2)], "little") for i in range(n)] + [len(payload)]
            header = json.loads(payload[offsets[1]:offsets[2]])
            content = json.loads(payload[offsets[4]:offsets[5]]) if n > 4 else {}
        data = content.get("data", {}) if isinstance(content, dict) else {}
        return header.get("msg_type"), data.get("method"), data.get("state", {})

    def on_ws(ws):
        if "/api/kernels/" in ws.url and "/channels" in ws.url:
            ws.on("framesent", lambda payload: sent.append((time.perf_counter(), *parse(payload))))

    page.on("websocket", on_ws)
    return sent
