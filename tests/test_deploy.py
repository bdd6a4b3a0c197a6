"""The edges of a deployment (issue 28, item 9), checked for real: the README's ``streamlit run app.py`` listens
on 127.0.0.1 only, and deploy/'s nginx (``deploy/start.sh``, two replicas) refuses another Host, a websocket
from another origin and a body over 5 MB, limits connections and requests per client address (yet lets a
class of 50 behind one address in), sends the protective headers, and names replicas without addresses.

For rooms across replicas (issue 29, item 5): start.sh gives 2+ replicas a redis-server of its own (127.0.0.1, no
persistence, stopped with the rest, its loss stopping nothing), passes a managed KDVIZ_ROOMS as it is, starts none for
one replica, refuses 2+ replicas without Redis in one line, and nginx upgrades the room socket on every replica.

Requests are written on raw sockets where a test must choose the Host and Origin headers itself.
tests/test_classroom.py checks stickiness through the same proxy.
"""

from __future__ import annotations

import json
import os
import re
import shutil
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


# ---------------------------------------------------------------------- rooms across replicas (issue 29, item 5)
# start.sh's wiring of Redis is checked with stand-in replicas (FAKE_REPLICA: a tiny HTTP server that answers
# /_stcore/health and writes down the KDVIZ_ROOMS it was given), so each start takes a second, not a minute;
# the room socket through nginx is checked on the real replicas of the ``proxy`` fixture.

FAKE_REPLICA = r'''
import http.server, json, os, sys
port = int(sys.argv[sys.argv.index("--server.port") + 1])
with open(os.path.join(os.environ["FAKE_REPLICA_DIR"], f"replica-{port}.json"), "w") as f:
    json.dump({"KDVIZ_ROOMS": os.environ.get("KDVIZ_ROOMS")}, f)
class Health(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200); self.send_header("Content-Length", "2"); self.end_headers(); self.wfile.write(b"ok")
    def log_message(self, *args):
        pass
http.server.HTTPServer(("127.0.0.1", port), Health).serve_forever()
'''


def _redis_cmd(port: int, *args: str) -> list:
    """One Redis command over RESP on a raw socket: the reply's strings (an array's items, or the one value)."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        s.sendall(f"*{len(args)}\r\n".encode() + b"".join(f"${len(a.encode())}\r\n{a}\r\n".encode() for a in args))
        data = b""
        while not data.endswith(b"\r\n") or (data.startswith(b"*") and data.count(b"\r\n") < 1 + 2 * int(data[1:data.index(b"\r\n")])):
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    lines = data.decode().split("\r\n")
    if lines[0].startswith("*"):
        return [lines[i] for i in range(2, len(lines), 2)][: int(lines[0][1:])]
    return [lines[0][1:]]


class FakeDeploy:
    """deploy/start.sh with stand-in replicas (``ports`` of them) and ``env``: its output, exit status, the
    KDVIZ_ROOMS each replica got, and its Redis (port and pid) if it started one."""

    def __init__(self, tmp: Path, replicas: int, env: dict | None = None, *, wait_ready: bool = True) -> None:
        self.dir = tmp
        (tmp / "python").write_text(f'#!/usr/bin/env bash\nif [ "$1 $2" = "-m streamlit" ]; then\n'
                                    f'  exec {sys.executable} {tmp / "fake_replica.py"} "$@"\nfi\nexec {sys.executable} "$@"\n')
        (tmp / "python").chmod(0o755)
        (tmp / "fake_replica.py").write_text(FAKE_REPLICA)
        self.ports = [free_port() for _ in range(replicas)]
        self.proxy_port = free_port()
        base = {k: v for k, v in os.environ.items() if k != "KDVIZ_ROOMS"}
        full = {**base, "PYTHON": str(tmp / "python"), "FAKE_REPLICA_DIR": str(tmp), "KDVIZ_PROXY_PORT": str(self.proxy_port),
                "KDVIZ_REPLICA_PORTS": " ".join(map(str, self.ports)), **(env or {})}
        self.log = tmp / "start.log"
        with open(self.log, "w") as out:
            self.proc = subprocess.Popen(["bash", str(ROOT / "deploy" / "start.sh")], cwd=ROOT, stdout=out, stderr=subprocess.STDOUT,
                                         stdin=subprocess.DEVNULL, env=full, start_new_session=True)
        deadline = time.time() + 30
        while wait_ready and "ready:" not in self.output():
            assert self.proc.poll() is None and time.time() < deadline, self.output()
            time.sleep(0.1)

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def rooms_given(self) -> dict[int, str | None]:
        return {p: json.loads((self.dir / f"replica-{p}.json").read_text())["KDVIZ_ROOMS"] for p in self.ports
                if (self.dir / f"replica-{p}.json").exists()}

    def redis(self) -> tuple[int, int] | None:
        m = re.search(r"^redis pid (\d+) 127\.0\.0\.1:(\d+)", self.output(), re.M)
        return (int(m.group(2)), int(m.group(1))) if m else None

    def stop(self) -> int:
        if self.proc.poll() is None:
            os.kill(self.proc.pid, 15)
        try:
            return self.proc.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, 9)
            return self.proc.wait()


def _alive(pid: int) -> bool:
    import psutil

    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def _health(port: int) -> int:
    return int(get(port, "/_stcore/health", f"127.0.0.1:{port}")[0].split()[1])


needs_redis = pytest.mark.skipif(shutil.which("redis-server") is None and not Path("/usr/bin/redis-server").exists(),
                                 reason="Debian's redis-server is not installed (apt-get install -y redis-server)")


@needs_nginx
@needs_redis
def test_two_replicas_share_rooms_in_a_redis_of_their_own(tmp_path):
    """Two replicas and no KDVIZ_ROOMS: start.sh starts redis-server on 127.0.0.1 without persistence, in its own
    directory under the run's folder, gives both replicas its URL, and stops it with the rest."""
    import psutil

    deploy = FakeDeploy(tmp_path, 2)
    try:
        port, pid = deploy.redis()
        assert deploy.rooms_given() == {p: f"redis://127.0.0.1:{port}/0" for p in deploy.ports}
        assert _redis_cmd(port, "PING") == ["PONG"]
        assert _redis_cmd(port, "CONFIG", "GET", "save") == ["save", ""]  # no snapshots
        assert _redis_cmd(port, "CONFIG", "GET", "appendonly") == ["appendonly", "no"]
        assert _redis_cmd(port, "CONFIG", "GET", "bind") == ["bind", "127.0.0.1"]
        run = nginx_dir(deploy)
        assert _redis_cmd(port, "CONFIG", "GET", "dir") == ["dir", str(run / "redis")]
        listening = {c.laddr.ip for c in psutil.Process(pid).net_connections("inet") if c.status == psutil.CONN_LISTEN}
        assert listening == {"127.0.0.1"}, listening
        assert f"rooms: redis 127.0.0.1:{port}" in deploy.output()
    finally:
        assert deploy.stop() == 130, deploy.output()  # start.sh's SIGTERM trap: exit 130 after stopping everything
    assert not _alive(pid)
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
    assert not run.exists()  # the run's folder, Redis's directory with it


@needs_nginx
@needs_redis
def test_redis_stopping_stops_no_replica(tmp_path):
    """Losing Redis loses rooms, never the deployment: nginx and the replicas keep serving; start.sh keeps running."""
    deploy = FakeDeploy(tmp_path, 2)
    try:
        port, pid = deploy.redis()
        os.kill(pid, 9)
        time.sleep(2)
        assert deploy.proc.poll() is None, deploy.output()
        assert _health(deploy.proxy_port) == 200
        assert all(_health(p) == 200 for p in deploy.ports)
    finally:
        deploy.stop()


@needs_nginx
def test_a_managed_redis_or_one_replica_starts_no_redis(tmp_path):
    (tmp_path / "managed").mkdir()
    managed = FakeDeploy(tmp_path / "managed", 2, {"KDVIZ_ROOMS": "redis://10.0.0.5:6380/2"})
    try:
        assert managed.redis() is None
        assert set(managed.rooms_given().values()) == {"redis://10.0.0.5:6380/2"}  # passed as it was set
        assert "10.0.0.5" not in managed.output()  # the URL (maybe with a password) is not printed
    finally:
        managed.stop()
    (tmp_path / "one").mkdir()
    one = FakeDeploy(tmp_path / "one", 1)
    try:
        assert one.redis() is None
        assert one.rooms_given() == {one.ports[0]: None}  # the replica's own memory (kdviz.serve.rooms' default)
    finally:
        one.stop()


@needs_nginx
def test_two_replicas_without_redis_refuse_to_start(tmp_path):
    """Rooms must be shared by 2+ replicas: no redis-server (and no KDVIZ_ROOMS), or KDVIZ_ROOMS=memory, is one line
    saying what to do, and nothing starts."""
    for env, says in (({"REDIS_SERVER": str(tmp_path / "no-redis-server")}, "apt-get install -y redis-server"),
                      ({"KDVIZ_ROOMS": "memory"}, "redis://")):
        deploy = FakeDeploy(tmp_path, 2, env, wait_ready=False)
        assert deploy.proc.wait(20) == 1
        lines = deploy.output().strip().splitlines()
        assert len(lines) == 1 and says in lines[0], lines
        assert deploy.rooms_given() == {}  # no replica started


@needs_nginx
def test_the_room_socket_is_upgraded_through_nginx_on_every_replica(proxy):
    """``/_kdviz/room`` is proxied with the websocket upgrade: on each replica (a lecturer starts a class there, with the
    cookie nginx routes by), the room socket finds the room started on the other replica (both were given the deploy's
    Redis), answers a wrong code with one error, and another origin's room socket is refused (403)."""
    import asyncio

    import psutil
    from classroom import Session
    from roomclass import RoomSocket, room_data

    port = port_of(proxy)
    ours = f"127.0.0.1:{port}"
    redis_at = re.search(r"^redis pid \d+ (127\.0\.0\.1:\d+)", proxy.output(), re.M).group(1)
    for pid in proxy.pids.values():
        assert psutil.Process(pid).environ().get("KDVIZ_ROOMS") == f"redis://{redis_at}/0"
    for origin in ("http://evil.example", f"http://localhost:{port}"):
        assert get(port, "/_kdviz/room", ours, origin=origin, upgrade=True)[0].split()[1] == "403", origin

    async def main() -> dict:
        lecturers: dict = {}  # replica → (session, its room)
        for _ in range(12):  # fresh visitors: nginx spreads them; one lecturer on each replica
            s = Session(proxy.url, timeout=120, name="lecturer")
            await s.open("Temperature")
            replica = s.replicas[-1][1]
            if replica in lecturers:
                await s.close()
                continue
            await s.press("room_start")
            lecturers[replica] = (s, room_data(s))
            if len(lecturers) == 2:
                break
        found = {}
        for replica, (s, room) in lecturers.items():
            other = next(r for k, (_, r) in lecturers.items() if k != replica)
            sock = RoomSocket(proxy.url, cookie=s._cookie_header(), name=f"socket on {replica}")
            await sock.connect()
            welcome = await sock.hello(other["code"], "member-" + replica)
            bad = RoomSocket(proxy.url, cookie=s._cookie_header(), name="wrong code")
            await bad.connect()
            found[replica] = (sock.replica, welcome["role"], welcome["room"]["code"] == other["code"], await bad.hello("ZZZZZZ", "m" * 16))
            for x in (sock, bad, s):
                await x.close()
        return found

    found = asyncio.run(main())
    assert set(found) == {"r1", "r2"}, found
    for replica, (socket_on, role, same_room, wrong) in found.items():
        assert socket_on == replica and role == "student" and same_room, found  # the other replica's room, from Redis
        assert wrong == {"op": "error", "key": "room.not_found"}, wrong
    conf = (nginx_dir(proxy) / "nginx.conf").read_text()
    room = conf[conf.index("location = /_kdviz/room"):]
    assert "proxy_read_timeout 10m;" in room[: room.index("}")]
