"""A classroom without browsers: learners that speak Streamlit's own browser protocol.

Used by ``benchmarks/bench_classroom.py`` and ``tests/test_classroom.py``. Each learner is one
:class:`Session`: its own cookie jar, its own websocket at ``/_stcore/stream``, so its own
Streamlit session. It does what the browser's frontend does, with the installed ``streamlit.proto``:

* HTTP: ``GET /<page>?<query>`` (the page), ``/_stcore/health`` and ``/_stcore/host-config``, then the
  websocket (subprotocol ``streamlit``, the cookies, ``Origin``); images under ``/media/`` are fetched as
  a browser would, which also proves they are served by the replica that made them.
* ``BackMsg.rerun_script`` (a ``ClientState``) for every action: the query string and page name on
  the first run (the page is not known by hash yet), then ``page_script_hash`` (from the ``navigation``
  ForwardMsg), the changed ``widget_states`` (widget ids from the deltas), ``fragment_id`` for a widget
  inside a fragment, ``cached_message_hashes`` (the ForwardMsgs it keeps, sent back as ``ref_hash``) and
  ``context_info`` (the page's URL, as ``st.context.url``). ``auto_rerun`` / ``stop_auto_rerun``
  (fragments with ``run_every``) are followed as the frontend follows them.
* ForwardMsgs read: ``new_session`` (a run starts; its ``metadata.run``), ``delta`` (``new_element`` by
  ``delta_path``, kept per run as the frontend keeps its element tree), ``navigation``,
  ``page_info_changed`` (the URL's query), ``script_finished`` (a run ends), ``session_event``
  (compile errors), ``ref_hash``.

An action is timed from the send to the ``script_finished`` that ends the run it caused.

A widget is found by its key: element ids end with ``-<key>`` (``$$ID-<hash>-T``). "Move T" sets
whichever the page has: the live view (a Components v2 ``bidi_component``; its ``release`` trigger is sent
as a browser's ``setTriggerValue`` sends it, on the component's trigger aggregator ``<id>__events``) or the
``st.slider`` with key ``_w_T`` (``double_array_value``).

:func:`run_classroom` plays N such learners at once against a server it starts (or ``deploy/start.sh``'s
replicas behind nginx, or a running URL) and returns a :class:`ClassReport`: latency per action kind,
Train waits, errors, isolation and stickiness failures, the servers' RSS and CPU, the generator's CPU.
"""

from __future__ import annotations

import asyncio
import http.cookiejar
import json
import os
import random
import re
import resource
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from streamlit.components.v2.bidi_component.main import _make_trigger_id
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

REPLICA_HEADER = "X-Kdviz-Replica"  # added by deploy/nginx.conf: the name (r1, r2, …) of the replica that answered
SUCCESS = (ForwardMsg.FINISHED_SUCCESSFULLY, ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY)
LIVE_COMPONENT = "kdviz_live"  # the live view's component name (ui/live_views.py)


SHARED_WIDGET = "_w_"  # ui.shared_widget: the key of a widget that sets a shared value (T, gamma) is this + its name


class ActionError(Exception):
    """The server did not finish the run an action caused: a closed socket or a timeout."""


def latency_stats(values, digits: int = 1) -> dict:
    """``{"count", "median", "p95", "max"}`` of ``values`` (p95: the nearest rank), rounded to ``digits``; ``{"count": 0}`` if empty."""
    s = sorted(values)
    if not s:
        return {"count": 0}
    p95 = s[min(len(s) - 1, int(round(0.95 * (len(s) - 1))))]
    return {"count": len(s), "median": round(statistics.median(s), digits), "p95": round(p95, digits), "max": round(s[-1], digits)}


@dataclass
class Element:
    kind: str  # the new_element's type: "slider", "markdown", "bidi_component", …
    proto: object  # that element's message
    fragment_id: str
    run: str  # script_run_id of the run that drew it


def element_text(el: Element) -> str:
    """The visible text of a text-like element ('' for others)."""
    p = el.proto
    if el.kind in ("markdown", "heading", "alert", "text"):
        return p.body
    if el.kind == "code":
        return p.code_text
    if el.kind == "progress":
        return p.text
    if el.kind == "metric":
        return f"{p.label} {p.body}"
    return ""


@dataclass
class Result:
    ms: float  # send → the script_finished of the run it caused
    runs: int  # script runs seen (a st.rerun() makes two)
    errors: list[str] = field(default_factory=list)  # exceptions, st.error lines, compile errors seen in those runs


class Session:
    """One learner's browser tab, without the browser.

    ``url``: the server or the proxy (``http://127.0.0.1:PORT``). ``timeout``: seconds an action may take.
    """

    def __init__(self, url: str, *, timeout: float = 120.0, name: str = "learner") -> None:
        self.url = url.rstrip("/")
        self.timeout = timeout
        self.name = name
        self.cookies = http.cookiejar.CookieJar()
        self._http = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies))
        self.replicas: list[tuple[str, str]] = []  # (what, X-Kdviz-Replica) of every response that had one
        self.media_errors: list[str] = []
        self.pages: dict[str, str] = {}  # page url path ("Temperature") → page_script_hash
        self.page_hash = ""
        self.page = ""
        self.query = ""  # the URL's query, as the browser's address bar holds it
        self.elements: dict[tuple[int, ...], Element] = {}
        self.messages = 0
        self.bytes = 0
        self._cache: dict[str, ForwardMsg] = {}  # hash → cacheable ForwardMsg (the frontend's message cache)
        self._fetched: set[str] = set()
        self._ws = None
        self._reader: asyncio.Task | None = None
        self._auto: dict[str, asyncio.Task] = {}  # fragment id → its auto-rerun timer
        self._auto_interval: dict[str, float] = {}
        self._run = ""  # script_run_id of the current run
        self._run_fragments: tuple[str, ...] = ()
        self._waiter: dict | None = None
        self._release_seq = 0  # the last live release's number, and its values not yet heard (views.js)
        self._unheard: dict[str, float] = {}
        self._release_version = 0
        self.closed: str | None = None  # why the socket closed, if it did
        self.stray_errors: list[str] = []  # errors seen outside an action (an auto-rerun's)

    # ------------------------------------------------------------------ HTTP, as the browser does it
    def _get(self, path: str, what: str) -> tuple[int, bytes]:
        req = urllib.request.Request(self.url + path, headers={"User-Agent": "kdviz-classroom"})
        try:
            with self._http.open(req, timeout=self.timeout) as r:
                body, status, replica = r.read(), r.status, r.headers.get(REPLICA_HEADER)
        except urllib.error.HTTPError as err:
            body, status, replica = b"", err.code, err.headers.get(REPLICA_HEADER)
        if replica:
            self.replicas.append((what, replica))
        return status, body

    def _cookie_header(self) -> str:
        return "; ".join(f"{c.name}={c.value}" for c in self.cookies)

    async def _fetch_media(self) -> None:
        urls = [img.url for el in self.elements.values() if el.kind == "imgs" for img in el.proto.imgs]
        for u in urls:
            if u.startswith("/media/") and u not in self._fetched:
                self._fetched.add(u)
                status, _ = await asyncio.to_thread(self._get, u, "media")
                if status != 200:
                    self.media_errors.append(f"{self.name}: GET {u} → {status}")

    # ------------------------------------------------------------------ the websocket
    async def open(self, page: str, query: str = "") -> Result:
        """Open ``/<page>?<query>`` as a link opens it: page, health, host config, websocket, first run."""
        from websockets.asyncio.client import connect

        self.page, self.query = page, query
        path = f"/{page}" + (f"?{query}" if query else "")
        status, _ = await asyncio.to_thread(self._get, path, "page")
        if status != 200:
            raise ActionError(f"GET {path} → {status}")
        for p in ("/_stcore/health", "/_stcore/host-config"):
            await asyncio.to_thread(self._get, p, p.rsplit("/", 1)[1])
        ws_url = "ws" + self.url[4:] + "/_stcore/stream"
        xsrf = next((c.value for c in self.cookies if c.name == "_streamlit_xsrf"), "")
        self._ws = await connect(ws_url, subprotocols=["streamlit", xsrf] if xsrf else ["streamlit"],
                                 additional_headers={"Cookie": self._cookie_header(), "Origin": self.url},
                                 max_size=None, open_timeout=self.timeout, ping_interval=None,
                                 user_agent_header="kdviz-classroom")
        replica = self._ws.response.headers.get(REPLICA_HEADER)
        if replica:
            self.replicas.append(("websocket", replica))
        self._reader = asyncio.create_task(self._read())
        return await self._rerun(BackMsg(), page_name=page)

    async def close(self) -> None:
        self._stop_auto()
        if self._ws is not None:
            await self._ws.close()
        if self._reader is not None:
            self._reader.cancel()
            try:
                await self._reader
            except (asyncio.CancelledError, Exception):
                pass

    async def _read(self) -> None:
        try:
            async for data in self._ws:
                self.messages += 1
                self.bytes += len(data)
                msg = ForwardMsg()
                msg.ParseFromString(data)
                try:
                    self._handle(msg)
                except Exception as err:  # a message this client does not understand: said, not fatal
                    self.stray_errors.append(f"{self.name}: the client could not read a {msg.WhichOneof('type')}: {err!r}")
        except Exception as err:  # the connection dropped
            self.closed = f"{type(err).__name__}: {err}"
        else:
            self.closed = self.closed or "closed by the server"
        if self._waiter and not self._waiter["done"].done():
            self._waiter["done"].set_exception(ActionError(f"socket closed: {self.closed}"))

    def _handle(self, msg: ForwardMsg) -> None:
        kind = msg.WhichOneof("type")
        if kind == "ref_hash":  # a message we hold: the server sent only its hash
            cached = self._cache.get(msg.ref_hash)
            if cached is None:
                self._note_error(f"ref_hash {msg.ref_hash} not in the client's cache")
                return
            full = ForwardMsg()
            full.CopyFrom(cached)
            full.metadata.CopyFrom(msg.metadata)
            msg, kind = full, full.WhichOneof("type")
        elif msg.metadata.cacheable and msg.hash:
            self._cache[msg.hash] = msg
        w = self._waiter
        if kind == "new_session":
            self._run = msg.metadata.run.script_run_id
            self._run_fragments = tuple(msg.metadata.run.fragment_ids)
            self.page_hash = msg.new_session.page_script_hash
            if not self._run_fragments:  # a full run: the frontend drops every auto-rerun timer; its fragments set them again
                self._stop_auto()
            # the run the action caused: a full run (which also follows a st.rerun()), or a run of its fragment
            if w is not None and (not self._run_fragments or (w["fragment"] and w["fragment"] in self._run_fragments)):
                w["runs"] += 1
                w["run"] = self._run
        elif kind == "navigation":
            self.pages = {(p.url_pathname or ""): p.page_script_hash for p in msg.navigation.app_pages}
            self.page_hash = msg.navigation.page_script_hash or self.page_hash
            self.page = next((name for name, h in self.pages.items() if h == self.page_hash), self.page)
        elif kind == "page_info_changed":
            self.query = msg.page_info_changed.query_string
        elif kind == "delta":
            d = msg.delta
            if d.WhichOneof("type") == "new_element":
                ek = d.new_element.WhichOneof("type")
                el = Element(ek, getattr(d.new_element, ek), d.fragment_id, self._run)
                self.elements[tuple(msg.metadata.delta_path)] = el
                if ek == "exception":
                    self._note_error(f"exception on {self.page}: {el.proto.type}: {el.proto.message[:200]}")
                elif ek == "alert" and el.proto.format == el.proto.ERROR:
                    self._note_error(f"st.error on {self.page}: {el.proto.body[:200]}")
                if w is not None and w.get("on_element"):
                    w["on_element"](el)
        elif kind == "session_event":
            if msg.session_event.WhichOneof("type") == "script_compilation_exception":
                self._note_error(f"compile error: {msg.session_event.script_compilation_exception.message[:200]}")
        elif kind == "auto_rerun":
            if self._auto_interval.get(msg.auto_rerun.fragment_id) != msg.auto_rerun.interval:
                self._start_auto(msg.auto_rerun.fragment_id, msg.auto_rerun.interval)
        elif kind == "stop_auto_rerun":
            self._stop_auto(msg.stop_auto_rerun.fragment_ids)
        elif kind == "script_finished":
            status = msg.script_finished
            fragments = tuple(msg.metadata.run.fragment_ids)
            run = msg.metadata.run.script_run_id or self._run
            if status in SUCCESS:  # drop what this run did not redraw, as the frontend does
                self.elements = {p: e for p, e in self.elements.items()
                                 if e.run == run or (fragments and e.fragment_id not in fragments)}
            if w is not None:
                w["finished"].append(ForwardMsg.ScriptFinishedStatus.Name(status))
            if w is not None and not w["done"].done() and w["runs"] > 0 and status in SUCCESS:
                if (w["until"] is None and run == w["run"]) or (w["until"] is not None and w["until"](self)):
                    w["done"].set_result(time.perf_counter())

    def _note_error(self, text: str) -> None:
        if self._waiter is not None:
            self._waiter["errors"].append(f"{self.name}: {text}")
        else:
            self.stray_errors.append(f"{self.name}: {text}")

    def _stop_auto(self, fragment_ids=None) -> None:
        for fid in list(self._auto) if fragment_ids is None else list(fragment_ids):
            t = self._auto.pop(fid, None)
            self._auto_interval.pop(fid, None)
            if t is not None:
                t.cancel()

    def _start_auto(self, fragment_id: str, interval: float) -> None:
        """Send an auto-rerun of ``fragment_id`` every ``interval`` s, as the frontend's setInterval does."""
        self._stop_auto([fragment_id])
        self._auto_interval[fragment_id] = interval

        async def tick() -> None:  # as the frontend's timer: whatever the learner is doing
            while not self.closed:
                await asyncio.sleep(interval)
                b = BackMsg()
                self._fill(b, fragment_id=fragment_id, auto=True)
                try:
                    await self._ws.send(b.SerializeToString())
                except Exception:
                    return

        self._auto[fragment_id] = asyncio.create_task(tick())

    def _fill(self, b: BackMsg, *, page_name: str = "", page_hash: str | None = None, fragment_id: str = "",
              auto: bool = False) -> None:
        cs = b.rerun_script
        cs.query_string = self.query
        if page_name:  # the first run: the page by its URL path, as the frontend does before it knows hashes
            cs.page_name = page_name
        else:
            cs.page_script_hash = page_hash or self.page_hash
        if fragment_id:
            cs.fragment_id = fragment_id
        cs.is_auto_rerun = auto
        cs.cached_message_hashes.extend(self._cache)
        cs.context_info.url = f"{self.url}/{self.page}" + (f"?{self.query}" if self.query else "")
        cs.context_info.timezone = "UTC"
        cs.context_info.locale = "en-US"

    async def _rerun(self, b: BackMsg, *, page_name: str = "", page_hash: str | None = None, fragment_id: str = "",
                     until=None, on_element=None) -> Result:
        if self.closed:
            raise ActionError(f"socket closed: {self.closed}")
        self._fill(b, page_name=page_name, page_hash=page_hash, fragment_id=fragment_id)
        loop = asyncio.get_running_loop()
        w = {"done": loop.create_future(), "runs": 0, "errors": [], "until": until, "on_element": on_element, "finished": [],
             "fragment": fragment_id, "run": None}
        self._waiter = w
        start = time.perf_counter()
        try:
            await self._ws.send(b.SerializeToString())
            end = await asyncio.wait_for(w["done"], self.timeout)
        except asyncio.TimeoutError:
            raise ActionError(f"no finished run within {self.timeout:.0f} s (runs started {w['runs']}, "
                              f"ended {w['finished']}; shown: {' | '.join(self.texts())[-300:]!r})") from None
        except Exception as err:
            if isinstance(err, ActionError):
                raise
            raise ActionError(f"{type(err).__name__}: {err}") from None
        finally:
            self._waiter = None
        await self._fetch_media()
        return Result(ms=1000 * (end - start), runs=w["runs"], errors=w["errors"])

    @property
    def run_fragments(self) -> tuple[str, ...]:
        """The fragment ids of the last run the server started (empty: a full run of the page)."""
        return self._run_fragments

    # ------------------------------------------------------------------ what a learner does
    def widget(self, key: str, kinds: tuple[str, ...] | None = None) -> Element | None:
        """The element of the widget with user key ``key`` on the page now (id ``…-<key>``), or None."""
        for el in self.elements.values():
            wid = getattr(el.proto, "id", "") if el.kind not in ("markdown", "heading", "code") else ""
            if wid and wid.endswith("-" + key) and (kinds is None or el.kind in kinds):
                return el
        return None

    @staticmethod
    def component_data(el: Element) -> dict:
        """The JSON data a Components v2 element was mounted with ({} if none)."""
        p = el.proto
        kind = p.WhichOneof("data")
        text = p.json if kind == "json" else p.mixed.json if kind == "mixed" else p.bytes.decode() if kind == "bytes" else ""
        try:
            data = json.loads(text) if text else {}
        except ValueError:
            return {}
        return data if isinstance(data, dict) else {}

    def live_view(self, name: str) -> Element | None:
        """The live view whose slider sets ``name`` ("T" or "gamma"): a Components v2 element named
        ``kdviz_live`` whose data lists ``name`` in its ``params`` (ui.live's sliders), or None."""
        for el in self.elements.values():
            if el.kind == "bidi_component" and LIVE_COMPONENT in el.proto.component_name:
                params = self.component_data(el).get("params") or []
                if any(isinstance(p, dict) and p.get("name") == name for p in params):
                    return el
        return None

    def has_control(self, name: str) -> bool:
        """True when the page has a control for ``name`` ("T" or "gamma")."""
        return self.live_view(name) is not None or self.widget(SHARED_WIDGET + name, ("slider",)) is not None

    def unheard(self) -> dict[str, float]:
        """The live releases the server has not run, as ``kdviz/viz/live/views.js`` keeps them: the slider's data
        says ``heard``, the seq of the last release the server ran, and ``version``, which counts the
        changes of the view by anything else (then the server's values win)."""
        slider = self.live_view("T")
        data = self.component_data(slider) if slider is not None else {}
        if data.get("version") != self._release_version or data.get("heard", 0) >= self._release_seq:
            self._unheard = {}
        self._release_version = data.get("version", self._release_version)
        return dict(self._unheard)

    def _release(self, name: str, value: float | None) -> tuple[BackMsg, str]:
        """The message a release of ``name`` at ``value`` sends, and the fragment it reruns. ``value`` None:
        the live view's releases not heard, sent again with their seq (as the browser does on a mount)."""
        b = BackMsg()
        live = self.live_view(name)
        slider = self.widget(SHARED_WIDGET + name, ("slider",))  # ui.shared_widget's key
        ws = b.rerun_script.widget_states.widgets.add()
        if live is not None:
            ws.id = _make_trigger_id(live.proto.id, "events")  # the component's trigger aggregator
            if value is not None:  # as kdviz/viz/live/views.js: one trigger with every value not yet heard
                self._unheard = self.unheard() | {name: value}
                self._release_seq += 1
            release = {"values": dict(self._unheard), "seq": self._release_seq}
            ws.json_trigger_value = json.dumps([{"event": "release", "value": release}])
            return b, live.fragment_id
        if slider is None:
            raise ActionError(f"no control for {name} on {self.page}")
        ws.id = slider.proto.id
        ws.double_array_value.data.append(value)
        return b, slider.fragment_id

    async def set_value(self, name: str, value: float) -> Result:
        """Release ``name`` ("T" or "gamma") at ``value``: through the live view when the page has one
        (its ``release`` trigger), else through the ``st.slider`` with key ``_w_<name>``."""
        b, fragment_id = self._release(name, value)
        return await self._rerun(b, fragment_id=fragment_id)

    async def send_again(self) -> Result:
        """Send the live releases not heard again, as the browser does when the slider mounts."""
        b, fragment_id = self._release("T", None)
        return await self._rerun(b, fragment_id=fragment_id)

    async def send_release(self, name: str, value: float) -> None:
        """Send a release as :meth:`set_value` does, without waiting for its run (as a quick learner does)."""
        b, fragment_id = self._release(name, value)
        self._fill(b, fragment_id=fragment_id)
        await self._ws.send(b.SerializeToString())

    async def go(self, page: str) -> Result:
        """Click the sidebar link to ``page`` (a URL path: "Temperature", "Losses", "Train", "" for Home);
        returns when a full run of that page has finished."""
        if page not in self.pages:
            raise ActionError(f"no page {page!r} in the navigation")
        target = self.pages[page]
        self.page, self.query = page, ""  # a page change keeps no query (the page writes its view back)
        self.elements = {}
        self._stop_auto()  # the old page's fragments poll no more
        return await self._rerun(BackMsg(), page_hash=target, until=lambda s: s.page_hash == target)

    async def press(self, key: str, *, set_numbers: dict[str, float] | None = None, until=None, on_element=None) -> Result:
        """Press the button with key ``key`` (after setting the number inputs ``set_numbers``: key → value)."""
        button = self.widget(key, ("button",))
        if button is None:
            raise ActionError(f"no button {key!r} on {self.page}")
        b = BackMsg()
        for k, v in (set_numbers or {}).items():
            el = self.widget(k, ("number_input",))
            if el is None:
                raise ActionError(f"no number input {k!r} on {self.page}")
            ws = b.rerun_script.widget_states.widgets.add()
            ws.id, ws.double_value = el.proto.id, float(v)
        ws = b.rerun_script.widget_states.widgets.add()
        ws.id, ws.trigger_value = button.proto.id, True
        return await self._rerun(b, fragment_id=button.fragment_id, until=until, on_element=on_element)

    def texts(self) -> list[str]:
        return [t for t in (element_text(el) for el in self.elements.values()) if t]

    def link_view(self) -> dict[str, str]:
        """The view in the link the sidebar shows (``ui.end_page``: a code block ``…?T=…&gamma=…``)."""
        for el in self.elements.values():
            if el.kind == "code" and "?" in el.proto.code_text and "T=" in el.proto.code_text:
                return dict(urllib.parse.parse_qsl(el.proto.code_text.split("?", 1)[1]))
        return {}

    def run_headers(self) -> list[re.Match]:
        """The Train page's "Run n: …, T = …, γ = …, seed …" headers shown now."""
        pat = re.compile(r"Run (\d+): \S+, T = ([\d.]+), γ = ([\d.]+), seed (\d+)")
        return [m for t in self.texts() for m in [pat.search(t)] if m]

# ---------------------------------------------------------------------- the class: N learners and a report

ROOT = Path(__file__).resolve().parents[1]
T_RANGE, T_STEP = (0.5, 20.0), 0.5  # the T slider's range and step (kdviz.serve.urlstate, ui.T_slider)
GAMMA_STEP = 0.05
LESSON_PAGES = ("Temperature", "Losses", "Train")


def catalog_patterns(keys) -> list[re.Pattern]:
    """Regexes of the English messages ``keys`` (catalog keys, or prefixes ending in "."), fields as wildcards."""
    try:
        catalog = json.loads((ROOT / "kdviz" / "locales" / "en.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    out = []
    for key, text in catalog.items():
        if any(key == k or key.split("_")[0] == k or (k.endswith(".") and key.startswith(k) and "{" in text) for k in keys):
            parts = re.split(r"\{[^}]*\}", text)
            out.append(re.compile(".+?".join(re.escape(p) for p in parts)))
    return out


@dataclass
class ClassReport:
    learners: int
    seconds: float
    url: str = ""
    replicas: int = 1
    ms: dict[str, list[float]] = field(default_factory=dict)  # action kind → latencies (send → script_finished)
    train_wait_ms: list[float] = field(default_factory=list)  # Train press → its first epoch shown (queue wait included)
    queued: int = 0  # presses that showed a place in the training queue
    errors: list[str] = field(default_factory=list)  # exceptions, st.error, compile errors, closed sockets, timeouts
    isolation: list[str] = field(default_factory=list)  # a learner saw a T, γ, seed or run that was not its own
    sticky: list[str] = field(default_factory=list)  # a learner's requests reached more than one replica
    learner_replica: dict[str, str] = field(default_factory=dict)
    rss_mb: dict[str, float] = field(default_factory=dict)  # start, warm, end (summed over the servers)
    rss_by_server: dict[str, dict[str, float]] = field(default_factory=dict)
    workers_rss_mb: dict[str, float] = field(default_factory=dict)  # start, warm, end: the training processes, summed
    cpu_s: dict[str, float] = field(default_factory=dict)  # server(s), generator
    cpu_by_server: dict[str, float] = field(default_factory=dict)
    server_ms: dict[str, list[float]] = field(default_factory=dict)  # script time per run, by page (ui's timing log)
    messages: int = 0
    mbytes: float = 0.0

    def summary(self) -> dict:
        stats = latency_stats

        per_replica: dict[str, int] = {}
        for r in self.learner_replica.values():
            per_replica[r] = per_replica.get(r, 0) + 1
        warm, end = self.rss_mb.get("warm"), self.rss_mb.get("end")
        return {
            "learners": self.learners, "seconds": round(self.seconds, 1), "url": self.url, "replicas": self.replicas,
            "actions_ms": {k: stats(v) for k, v in sorted(self.ms.items())},
            "train_wait_ms": stats(self.train_wait_ms), "train_queued": self.queued,
            "errors": len(self.errors), "isolation_failures": len(self.isolation), "sticky_failures": len(self.sticky),
            "learners_per_replica": dict(sorted(per_replica.items())),
            "rss_mb": {k: round(v, 1) for k, v in self.rss_mb.items()},
            "rss_by_server": {s: {k: round(v, 1) for k, v in d.items()} for s, d in self.rss_by_server.items()},
            "rss_growth_after_warmup": round((end - warm) / warm, 4) if warm and end else None,
            "workers_rss_mb": {k: round(v, 1) for k, v in self.workers_rss_mb.items()},
            "cpu_s": {k: round(v, 1) for k, v in self.cpu_s.items()},
            "cpu_by_server": {k: round(v, 1) for k, v in self.cpu_by_server.items()},
            "server_script_ms": {p: stats(v) for p, v in sorted(self.server_ms.items())},
            "messages": self.messages, "mbytes_received": round(self.mbytes, 1),
        }


def _ok_view(view: dict, T: float, gamma: float, seed: int) -> bool:
    try:
        return abs(float(view["T"]) - T) < 1e-9 and abs(float(view["gamma"]) - gamma) < 1e-9 and int(view["seed"]) == seed
    except (KeyError, ValueError):
        return False


async def _learner(i: int, url: str, deadline: float, rng: random.Random, report: ClassReport, *, think: tuple[float, float],
                   trains: int, train_epochs: int | None, timeout: float, arrive: float, opened: list[int]) -> None:
    who = f"learner {i}"
    await asyncio.sleep(arrive)
    s = Session(url, timeout=timeout, name=who)
    seed = 1000 + i  # each learner its own seed, T and γ: what it sees must be its own
    T = T_RANGE[0] + T_STEP * rng.randrange(int((T_RANGE[1] - T_RANGE[0]) / T_STEP) + 1)
    gamma = round(GAMMA_STEP * rng.randrange(0, 21), 2)
    runs, trains_left = 0, trains
    moves: list[str] = []  # this learner's moves, in order
    queue_text = catalog_patterns(["queue.place"])  # "Place n in the training queue": a queued press
    given_up = catalog_patterns(["queue.dropped", "queue.cancelled"])  # the queue gave the press up
    # when the learner goes to train: spread over the first 40 % of its time, so that the first presses (and the
    # runs they keep in the session) come before the "warm" memory sample (bench_classroom: half-way)
    start = time.monotonic()
    train_at = sorted(rng.uniform(start, start + 0.4 * max(0.0, deadline - start)) for _ in range(trains))

    def record(kind: str, r: Result) -> None:
        report.ms.setdefault(kind, []).append(r.ms)
        report.errors.extend(r.errors)

    def check(after: str) -> None:
        view = s.link_view()
        if not _ok_view(view, T, gamma, seed):
            report.isolation.append(f"{who} after {after} on {s.page}: the link shows {view}, "
                                    f"its own is T={T:g}, γ={gamma:g}, seed={seed}")
        live = s.live_view("T")  # the live view's own T (its data), where the page has one
        if live is not None and "T" in s.component_data(live):
            shown = s.component_data(live)["T"]
            if not isinstance(shown, (int, float)) or abs(shown - T) > 1e-9:
                report.isolation.append(f"{who} after {after} on {s.page}: the live view shows T={shown}, its own is {T:g}")
        if s.page == "Train" and runs:
            heads = s.run_headers()
            last = max((int(m.group(1)) for m in heads), default=0)
            if last != runs:
                report.isolation.append(f"{who}: the Train page shows run {last}, its own last is {runs}")

    try:
        page = rng.choice(("Temperature", "Temperature", "Losses"))
        record("open", await s.open(page, f"T={T:g}&gamma={gamma:g}&seed={seed}"))
        check("open")
        opened[0] += 1
        while time.monotonic() < deadline:
            await asyncio.sleep(rng.uniform(*think))  # a learner looks before the next move
            if time.monotonic() >= deadline:
                break
            roll, first = rng.random(), not moves
            if first:  # a learner who opened a link moves T first
                roll = 1.0
            if trains_left and not first and time.monotonic() >= train_at[trains - trains_left] and s.page != "Train":
                record("page", await s.go("Train"))  # time to train: the learner goes to the Train page
                check("page")
            elif s.page == "Train" and trains_left and not first and time.monotonic() >= train_at[trains - trains_left]:
                press: dict = {"start": time.perf_counter(), "first": None, "queued": False}

                def watch(el: Element, press=press) -> None:
                    text = element_text(el)
                    if queue_text and any(p.search(text) for p in queue_text):
                        press["queued"] = True
                    if press["first"] is None and el.kind == "progress" and el.proto.value > 0:
                        press["first"] = time.perf_counter()

                want = runs + 1

                def ended(ss, want=want) -> bool:  # its run is shown, or the queue gave the press up
                    return any(int(m.group(1)) == want for m in ss.run_headers()) or \
                        any(p.search(t) for t in ss.texts() for p in given_up)

                r = await s.press("train_button", set_numbers={"_train_epochs": train_epochs} if train_epochs else None,
                                  until=ended, on_element=watch)
                lost = [t for t in s.texts() if any(p.search(t) for p in given_up)]
                if lost:
                    report.errors.append(f"{who}: its Train press was given up by the queue, though it stayed on the page "
                                         f"and polled: {lost[0][:160]}")
                    trains_left = 0
                    continue
                record("train", r)
                if press["first"] is not None:
                    report.train_wait_ms.append(1000 * (press["first"] - press["start"]))
                report.queued += press["queued"]
                runs, trains_left = runs + 1, trains_left - 1
                heads = [m for m in s.run_headers() if int(m.group(1)) == runs]
                if not heads or abs(float(heads[0].group(2)) - T) > 1e-9 or abs(float(heads[0].group(3)) - gamma) > 1e-9 \
                        or int(heads[0].group(4)) != seed:
                    report.isolation.append(f"{who}: run {runs} shows {[m.group(0) for m in heads]}, "
                                            f"pressed at T={T:g}, γ={gamma:g}, seed {seed}")
                check("train")
            elif not first and (roll < 0.15 or (s.page == "Train" and not trains_left)):
                choices = [p for p in LESSON_PAGES if p != s.page and p != "Train"] + (["Train"] if s.page != "Train" else [])
                record("page", await s.go(rng.choice(choices)))
                check("page")
            else:
                gamma_too = not first and s.page in ("Losses", "Train") and s.has_control("gamma")
                name = "gamma" if gamma_too and rng.random() < 0.5 else "T"
                moves.append(name)
                if name == "T":
                    step = T_STEP * rng.choice((-2, -1, 1, 2))
                    T = min(T_RANGE[1], max(T_RANGE[0], T + step if T_RANGE[0] <= T + step <= T_RANGE[1] else T - step))
                    record("T", await s.set_value("T", T))
                else:
                    g = gamma + GAMMA_STEP * rng.choice((-2, -1, 1, 2))
                    gamma = round(g if 0 <= g <= 1 else gamma - (g - gamma), 2)
                    record("gamma", await s.set_value("gamma", gamma))
                check(f"moving {name}")
    except ActionError as err:
        report.errors.append(f"{who} on {s.page or '?'}: {err}")
    finally:
        report.errors.extend(s.stray_errors + s.media_errors)
        report.messages += s.messages
        report.mbytes += s.bytes / 1e6
        seen = sorted({r for _, r in s.replicas})
        if seen:
            report.learner_replica[who] = seen[0] if len(seen) == 1 else "+".join(seen)
            if len(seen) > 1:
                report.sticky.append(f"{who}: {s.replicas}")
        await s.close()


def _free_port(lo: int = 8640, hi: int = 8680) -> int:
    for port in range(lo, hi):
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_health(url: str, timeout: float, proc: subprocess.Popen | None = None) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            urllib.request.urlopen(url + "/_stcore/health", timeout=2)
            return
        except OSError:
            if proc is not None and proc.poll() is not None:
                break
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer /_stcore/health")


class Servers:
    """What the class runs against: one ``streamlit run app.py`` (replicas=1), or ``deploy/start.sh``'s
    replicas behind nginx (replicas ≥ 2), or ``url`` (already running; ``pids`` measured if given)."""

    def __init__(self, *, replicas: int = 1, url: str | None = None, pids: list[int] | None = None,
                 env: dict | None = None, log_dir: Path | None = None) -> None:
        self.proc: subprocess.Popen | None = None
        self.pids: dict[str, int] = {}  # label → server process id (measured: RSS, CPU)
        self.log = Path(tempfile.mkstemp(prefix="kdviz-classroom-", suffix=".log")[1])
        env = {**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})}
        if url:
            self.url = url.rstrip("/")
            self.pids = {f"pid {p}": p for p in (pids or [])}
            return
        with open(self.log, "w") as out:
            if replicas <= 1:
                port = _free_port()
                self.url = f"http://127.0.0.1:{port}"
                self.proc = subprocess.Popen(
                    [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
                     "--server.address", "127.0.0.1", "--server.port", str(port)],
                    cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env, start_new_session=True)
                self.pids = {f"127.0.0.1:{port}": self.proc.pid}
                _wait_health(self.url, 120, self.proc)
                return
            ports = []
            while len(ports) < replicas + 1:
                p = _free_port(ports[-1] + 1 if ports else 8640)
                ports.append(p)
            env |= {"KDVIZ_PROXY_PORT": str(ports[0]), "KDVIZ_REPLICA_PORTS": " ".join(map(str, ports[1:])),
                    "PYTHON": sys.executable}
            self.url = f"http://127.0.0.1:{ports[0]}"
            self.proc = subprocess.Popen(["bash", str(ROOT / "deploy" / "start.sh")], cwd=ROOT, stdout=out,
                                         stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env, start_new_session=True)
        deadline = time.time() + 180
        while time.time() < deadline and "ready:" not in self.output():
            if self.proc.poll() is not None:
                raise RuntimeError(f"deploy/start.sh stopped: {self.output()[-2000:]}")
            time.sleep(0.3)
        for m in re.finditer(r"replica (\S+) \S+ pid (\d+)", self.output()):  # "replica r1 127.0.0.1:8651 pid N": by name
            self.pids[m.group(1)] = int(m.group(2))
        _wait_health(self.url, 30, self.proc)

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)  # start.sh's trap stops nginx and the replicas
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()

    def _procs(self):
        import psutil

        out = {}
        for label, pid in self.pids.items():
            try:
                out[label] = psutil.Process(pid)
            except psutil.NoSuchProcess:
                pass
        return out

    def rss_mb(self) -> dict[str, float]:
        return {label: p.memory_info().rss / 2**20 for label, p in self._procs().items()}

    def _workers(self) -> list:
        """The servers' training processes (``python -m kdviz.serve.workers``), alive now."""
        import psutil

        out = []
        for p in self._procs().values():
            try:
                out += [c for c in p.children(recursive=True) if "kdviz.serve.workers" in " ".join(c.cmdline())]
            except psutil.Error:
                pass
        return out

    def workers_rss_mb(self) -> float:
        return sum(w.memory_info().rss for w in self._workers()) / 2**20

    def workers_cpu_s(self) -> dict[int, float]:
        """CPU seconds (user + system) of each live worker, by process id."""
        return {w.pid: sum(w.cpu_times()[:2]) for w in self._workers()}

    def cpu_s(self) -> dict[str, float]:
        out = {}
        for label, p in self._procs().items():
            t = p.cpu_times()
            out[label] = t.user + t.system + t.children_user + t.children_system
        return out


def run_classroom(*, learners: int = 10, seconds: float = 60.0, warmup: float = 20.0, seed: int = 0,
                  think: tuple[float, float] = (2.0, 5.0), trains: int = 1, train_epochs: int | None = None,
                  replicas: int = 1, url: str | None = None, pids: list[int] | None = None, arrive_over: float | None = None,
                  timeout: float = 180.0, cache_dir: str | None = None) -> ClassReport:
    """Play ``learners`` learners for ``seconds`` (after they arrive, over ``arrive_over`` s) and report.

    Each learner opens Temperature or Losses by a link with its own T, γ and seed, then every
    ``think`` s (uniform) moves T (or γ on Losses and Train), changes page now and then, and presses
    Train ``trains`` times (``train_epochs`` epochs: None is the default press, 30 epochs with the
    baseline). ``replicas`` ≥ 2 runs the class through ``deploy/start.sh`` (nginx and the replicas);
    ``url`` runs it against a server already running (``pids``: its processes, for RSS and CPU).
    Memory: ``start`` when every learner has opened its page, ``warm`` ``warmup`` s later, ``end`` at the end.
    ``cache_dir``: the servers' ``KDVIZ_CACHE_DIR`` (default: the environment's).
    """
    timing = tempfile.NamedTemporaryFile(prefix="kdviz-timing-", suffix=".tsv", delete=False).name
    env = {"KDVIZ_TIMING_LOG": timing} | ({"KDVIZ_CACHE_DIR": cache_dir} if cache_dir else {})
    servers = Servers(replicas=replicas, url=url, pids=pids, env=env)
    report = ClassReport(learners=learners, seconds=seconds, url=servers.url, replicas=replicas)
    try:
        # the teacher, data and reference student load once per server, before the class arrives
        async def warm_up() -> None:
            for _ in range(max(1, replicas) * 4):  # through a proxy: enough fresh sessions to reach every replica
                w = Session(servers.url, timeout=timeout, name="warm-up")
                await w.open("Losses")
                await w.go("Train")  # starts the training processes, as the teacher's own visit would
                await w.go("Temperature")
                await w.close()

        asyncio.run(warm_up())
        report.rss_mb["server ready"] = sum(servers.rss_mb().values())
        report.rss_by_server = {k: {"server ready": v} for k, v in servers.rss_mb().items()}
        cpu0, gen0, wcpu0 = servers.cpu_s(), resource.getrusage(resource.RUSAGE_SELF), servers.workers_cpu_s()
        arrive_over = min(20.0, seconds / 4) if arrive_over is None else arrive_over

        async def main() -> None:
            start = time.monotonic()
            deadline = start + arrive_over + seconds
            opened = [0]
            tasks = [asyncio.create_task(_learner(i, servers.url, deadline, random.Random(seed * 7919 + i), report, think=think,
                                                  trains=trains, train_epochs=train_epochs, timeout=timeout,
                                                  arrive=arrive_over * i / max(1, learners), opened=opened))
                     for i in range(learners)]

            def sample(name: str) -> None:
                rss = servers.rss_mb()
                report.rss_mb[name] = sum(rss.values())
                report.workers_rss_mb[name] = servers.workers_rss_mb()
                for k, v in rss.items():
                    report.rss_by_server.setdefault(k, {})[name] = v

            async def sampler() -> None:
                while opened[0] < learners and time.monotonic() < deadline - 10:
                    await asyncio.sleep(0.5)
                sample("start")
                await asyncio.sleep(max(0.0, min(warmup, deadline - 5 - time.monotonic())))
                sample("warm")

            samp = asyncio.create_task(sampler())
            results = await asyncio.gather(*tasks, return_exceptions=True)
            samp.cancel()
            sample("end")
            for i, r in enumerate(results):
                if isinstance(r, BaseException):
                    report.errors.append(f"learner {i}: the generator stopped: {type(r).__name__}: {r}")
            report.seconds = time.monotonic() - start

        asyncio.run(main())
        cpu1, gen1 = servers.cpu_s(), resource.getrusage(resource.RUSAGE_SELF)
        report.cpu_by_server = {k: cpu1[k] - cpu0.get(k, 0.0) for k in cpu1}
        if cpu1:
            report.cpu_s["servers"] = sum(report.cpu_by_server.values())
        report.cpu_s["generator"] = (gen1.ru_utime + gen1.ru_stime) - (gen0.ru_utime + gen0.ru_stime)
        wcpu1 = servers.workers_cpu_s()
        report.cpu_s["training processes"] = sum(v - wcpu0.get(pid, 0.0) for pid, v in wcpu1.items())
    finally:
        servers.stop()
    if os.path.exists(timing):
        with open(timing) as f:
            for line in f:
                parts = line.rstrip("\n").split("\t")
                if len(parts) == 2:
                    report.server_ms.setdefault(parts[0], []).append(float(parts[1]))
        os.unlink(timing)
    if servers.proc is not None:
        log = servers.output()
        for marker in ("Traceback", "Uncaught app exception"):
            if marker in log:
                report.errors.append(f"server log: {marker}: {log[log.index(marker):][:300]!r}")
    return report
