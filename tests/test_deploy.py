"""The edges of a deployment (issue 28, item 9), checked for real: the README's ``streamlit run app.py`` listens
on 127.0.0.1 only, and deploy/'s nginx (``deploy/start.sh``, two replicas) refuses another Host, a websocket
from another origin and a body over 5 MB, limits connections and requests per client address (yet lets a
class of 50 behind one address in), sends the protective headers, and names replicas without addresses.

Requests are written on raw sockets where a test must choose the Host and Origin headers itself.
tests/test_classroom.py checks stickiness through the same proxy.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

import pytest

from browser import ROOT, free_port
from classroom import REPLICA_HEADER, Servers
from test_classroom import needs_nginx

KEY = "dGhlIHNhbXBsZSBub25jZQ=="  # a websocket key (RFC 6455's example)


def raw(port: int, request: str, body: bytes = b"", *, keep: bool = False):
    """Send ``request`` (the header block, CRLF lines) to 127.0.0.1:``port``; return (status line, headers, socket).
    The status line is "" when the server closed the connection without an answer. ``keep``: leave it open."""
    s = socket.create_connection(("127.0.0.1", port), timeout=20)
    s.sendall(request.encode() + body)
    data = b""
    try:
        while b"\r\n\r\n" not in data:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    except (ConnectionResetError, socket.timeout):
        pass
    head = data.split(b"\r\n\r\n")[0].decode("latin-1").split("\r\n")
    headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in head[1:])}
    if not keep:
        s.close()
    return head[0], headers, s


def get(port: int, path: str, host: str, *, origin: str | None = None, upgrade: bool = False, keep: bool = False):
    lines = [f"GET {path} HTTP/1.1", f"Host: {host}"]
    if origin is not None:
        lines.append(f"Origin: {origin}")
    if upgrade:
        lines += ["Connection: Upgrade", "Upgrade: websocket", "Sec-WebSocket-Version: 13", f"Sec-WebSocket-Key: {KEY}",
                  "Sec-WebSocket-Protocol: streamlit"]
    else:
        lines.append("Connection: close")
    return raw(port, "\r\n".join(lines) + "\r\n\r\n", keep=keep)


def port_of(servers: Servers) -> int:
    return int(servers.url.rsplit(":", 1)[1])


def nginx_dir(servers: Servers) -> Path:
    """The run's nginx prefix (its generated nginx.conf and error.log), from start.sh's output."""
    return Path(re.search(r"\(config (\S+)/nginx\.conf\)", servers.output()).group(1))


@pytest.fixture(scope="module")
def proxy():
    """deploy/start.sh as a lecturer runs it: two replicas, the default limits."""
    servers = Servers(replicas=2)
    yield servers
    servers.stop()


@pytest.fixture(scope="module")
def tight():
    """deploy/start.sh with one replica and small limits: 5 connections, 30 requests a minute in bursts of 20."""
    servers = _proxy_with({"KDVIZ_LIMIT_CONN": "5", "KDVIZ_LIMIT_RATE": "30r/m", "KDVIZ_LIMIT_BURST": "20"})
    yield servers
    servers.stop()
    servers.log.unlink(missing_ok=True)


def _proxy_with(env: dict) -> Servers:
    """deploy/start.sh with one replica (``Servers`` starts it for two or more) and ``env``; ``stop`` as Servers'."""
    proxy_port, replica_port = free_port(), free_port()
    servers = Servers.__new__(Servers)
    servers.proc, servers.pids = None, {}
    servers.log = Path(tempfile.mkstemp(prefix="kdviz-deploy-test-", suffix=".log")[1])
    servers.url = f"http://127.0.0.1:{proxy_port}"
    full = {**os.environ, "PYTHONUNBUFFERED": "1", "PYTHON": sys.executable, "KDVIZ_PROXY_PORT": str(proxy_port),
            "KDVIZ_REPLICA_PORTS": str(replica_port), **env}
    with open(servers.log, "w") as out:
        servers.proc = subprocess.Popen(["bash", str(ROOT / "deploy" / "start.sh")], cwd=ROOT, stdout=out,
                                        stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=full, start_new_session=True)
    deadline = time.time() + 180
    while "ready:" not in servers.output():
        if servers.proc.poll() is not None or time.time() > deadline:
            servers.stop()
            raise RuntimeError(f"deploy/start.sh did not start: {servers.output()[-2000:]}")
        time.sleep(0.3)
    return servers


def test_readme_command_listens_on_loopback_only():
    """``streamlit run app.py`` with no --server.address (the README's command; .streamlit/config.toml decides)."""
    import psutil

    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
                             "--server.port", str(port)], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
                            stdin=subprocess.DEVNULL)
    try:
        deadline = time.time() + 120
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=1)
                break
            except OSError:
                assert proc.poll() is None and time.time() < deadline, "streamlit did not start"
                time.sleep(0.2)
        listening = {c.laddr.ip for c in psutil.Process(proc.pid).net_connections("inet")
                     if c.status == psutil.CONN_LISTEN and c.laddr.port == port}
        assert listening == {"127.0.0.1"}, listening  # not 0.0.0.0 or :: (every interface)
        others = [a.address for addrs in psutil.net_if_addrs().values() for a in addrs
                  if a.family == socket.AF_INET and not a.address.startswith("127.")]
        for address in others:  # this machine's other addresses: nothing answers there
            with pytest.raises(OSError):
                socket.create_connection((address, port), timeout=2).close()
    finally:
        proc.terminate()
        proc.wait(20)


@needs_nginx
def test_only_the_allowed_host_is_served(proxy):
    port = port_of(proxy)
    for host in (f"127.0.0.1:{port}", f"localhost:{port}"):
        status, headers, _ = get(port, "/_stcore/health", host)
        assert status.endswith("200 OK"), (host, status)
    for host in ("evil.example", f"evil.example:{port}", "192.0.2.1"):  # another name: no answer (444)
        assert get(port, "/", host)[0] == "", host
    assert get(port, "/", "127.0.0.1:9999")[0].split()[1] == "421"  # an allowed name, another port


@needs_nginx
def test_websocket_from_another_host_or_origin_is_not_upgraded(proxy):
    port = port_of(proxy)
    ours = f"127.0.0.1:{port}"
    status, headers, sock = get(port, "/_stcore/stream", ours, origin=f"http://{ours}", upgrade=True, keep=True)
    sock.close()
    assert status.split()[1] == "101" and re.fullmatch(r"r\d+", headers["x-kdviz-replica"]), (status, headers)
    assert get(port, "/_stcore/stream", "evil.example", origin="http://evil.example", upgrade=True)[0] == ""
    for origin in ("http://evil.example", f"http://evil.example:{port}", "null", f"http://localhost:{port}"):
        status = get(port, "/_stcore/stream", ours, origin=origin, upgrade=True)[0]
        assert status.split()[1] == "403", (origin, status)


@needs_nginx
def test_a_body_over_five_mb_is_refused(proxy):
    port = port_of(proxy)
    for size, refused in ((5 * 2**20 + 1, True), (6_000_000, True), (4 * 2**20, False)):
        head = (f"PUT /_stcore/upload_file/session/file HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
                f"Content-Type: application/octet-stream\r\nContent-Length: {size}\r\nConnection: close\r\n\r\n")
        status = raw(port, head, b"\0" * size)[0]
        assert (status.split()[1] == "413") == refused, (size, status)


@needs_nginx
def test_headers_protect_and_name_replicas_without_addresses(proxy):
    port = port_of(proxy)
    for path in ("/", "/Temperature", "/_stcore/health", "/no-such-file.js"):
        _, headers, _ = get(port, path, f"127.0.0.1:{port}")
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["x-frame-options"] == "SAMEORIGIN"
        assert "frame-ancestors 'self'" in headers["content-security-policy"]
        assert re.fullmatch(r"nginx", headers["server"])  # no version
        replica = headers[REPLICA_HEADER.lower()]
        assert re.fullmatch(r"r[12]", replica) and "127.0.0.1" not in replica and not re.search(r"\d{4}", replica)
    conf = (nginx_dir(proxy) / "nginx.conf").read_text()
    assert "proxy_read_timeout 10m;" in conf and "1d;" not in conf  # the websocket: minutes, not a day


@needs_nginx
def test_a_class_of_fifty_behind_one_address_gets_in(proxy):
    """50 learners from one address (a NAT) open the app at once: 50 websockets held open, and each learner's
    115 requests of a first visit (chromium, any page), 50 at a time."""
    port = port_of(proxy)
    ours = f"127.0.0.1:{port}"
    sockets, statuses, lock = [], [], threading.Lock()

    def learner():
        status, _, sock = get(port, "/_stcore/stream", ours, origin=f"http://{ours}", upgrade=True, keep=True)
        got = [status] + [get(port, "/_stcore/health", ours)[0] for _ in range(115)]
        with lock:
            sockets.append(sock)
            statuses.extend(got)

    threads = [threading.Thread(target=learner) for _ in range(50)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    for s in sockets:
        s.close()
    codes = [s.split()[1] if s else "closed" for s in statuses]
    assert len(codes) == 50 * 116 and set(codes) <= {"101", "200"}, {c: codes.count(c) for c in set(codes)}


@needs_nginx
def test_connections_per_address_are_limited(tight):
    """KDVIZ_LIMIT_CONN=5: five websockets stay open, the sixth gets 429 (nginx logs the connection limit)."""
    port = port_of(tight)
    ours = f"127.0.0.1:{port}"
    held = [get(port, "/_stcore/stream", ours, origin=f"http://{ours}", upgrade=True, keep=True) for _ in range(5)]
    try:
        assert [h[0].split()[1] for h in held] == ["101"] * 5
        assert get(port, "/_stcore/stream", ours, origin=f"http://{ours}", upgrade=True)[0].split()[1] == "429"
    finally:
        for _, _, s in held:
            s.close()
    assert 'limiting connections by zone "kdviz_conn"' in (nginx_dir(tight) / "error.log").read_text()


@needs_nginx
def test_requests_per_address_are_limited(tight):
    """KDVIZ_LIMIT_RATE=30r/m, burst 20: of 40 quick requests, those past the burst get 429."""
    port = port_of(tight)
    codes = [get(port, "/_stcore/health", f"127.0.0.1:{port}")[0].split()[1] for _ in range(40)]
    assert "429" in codes and codes.count("200") >= 5, codes
    assert 'limiting requests, excess' in (nginx_dir(tight) / "error.log").read_text()
