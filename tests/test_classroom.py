"""A classroom through Streamlit's own protocol (``tests/classroom.py``), short: one server, then two
replicas behind nginx; and two processes building one empty cache directory at the same moment.

The figures (10, 25, 50 learners) are ``benchmarks/bench_classroom.py``'s (BENCHMARKS.md); here a few
learners check what must hold at any size: no error, each learner sees only its own T, γ, seed and
runs, and through the proxy every request of a learner reaches one replica.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from classroom import REPLICA_HEADER, Servers, Session, run_classroom

ROOT = Path(__file__).resolve().parents[1]
NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
needs_nginx = pytest.mark.skipif(NGINX is None, reason="Debian's nginx is not installed (apt-get install -y nginx): "
                                                       "the replicas-behind-a-proxy test needs it")


def _assert_clean(report) -> dict:
    s = report.summary()
    assert report.errors == [], report.errors[:5]
    assert report.isolation == [], report.isolation[:5]
    assert s["actions_ms"]["open"]["count"] == report.learners, s
    assert s["actions_ms"].get("T", {}).get("count", 0) >= report.learners, s  # every learner moved T (its first action)
    assert s["actions_ms"].get("train", {}).get("count", 0) >= 1, s  # and someone trained (a busy machine is slow)
    return s


@pytest.mark.slow  # a long end-to-end run: CI runs it (python -m pytest -q -m slow)
def test_a_few_learners_on_one_server():
    report = run_classroom(learners=3, seconds=15, warmup=5, seed=1, trains=1, train_epochs=2, arrive_over=3, timeout=120)
    _assert_clean(report)


def test_releases_sent_with_a_page_change_are_heard_or_sent_again():
    """Two releases and a page change, sent back to back while the server still runs the first. Streamlit 1.67
    can drop a rerun request it has taken but not started when a newer one arrives (a release was lost in
    CI). The new page's slider then says which release it heard, and what the browser sends again (as
    ``kdviz/viz/live/views.js`` does on mount) lands: the page shows the last release. A release heard already
    (its seq) is not run twice."""
    servers = Servers()

    async def main() -> tuple[list, list, dict]:
        learner = Session(servers.url, timeout=120)
        try:
            await learner.open("Temperature", "T=4&gamma=0.9")
            shown, again = [], []
            for name, values, page in (("T", (4.5, 5.0), "Losses"), ("T", (6.0, 6.5), "Temperature"),
                                       (None, (), "Losses"), ("gamma", (0.85, 0.8), "Temperature")):
                for value in values:
                    await learner.send_release(name, value)
                await learner.go(page)
                again.append(learner.unheard())
                if again[-1]:
                    await learner.send_again()
                shown.append((learner.page, *map(dict(urllib.parse.parse_qsl(learner.query)).get, ("T", "gamma"))))
            heard = learner.component_data(learner.live_view("T"))["heard"]
            await learner.send_again()  # the last release again, with its seq: heard already, not run twice
            return shown, again, {"heard": heard, "after": learner.component_data(learner.live_view("T"))["heard"],
                                  "query": dict(urllib.parse.parse_qsl(learner.query))}
        finally:
            await learner.close()

    try:
        shown, again, last = asyncio.run(main())
    finally:
        servers.stop()
    print("sent again after each page change:", again)
    assert shown == [("Losses", "5", "0.9"), ("Temperature", "6.5", "0.9"), ("Losses", "6.5", "0.9"),
                     ("Temperature", "6.5", "0.8")], (shown, again)
    assert last["heard"] == last["after"] == 6 and (last["query"]["T"], last["query"]["gamma"]) == ("6.5", "0.8")


def test_a_release_reruns_only_the_slider_fragment(tmp_path):
    """Issue 13: a release (T on Temperature; T, then γ on Losses) is a run of the slider's fragment, not of the page:
    the run the server starts names that fragment, only the slider and the sidebar's link are drawn again, and the
    action ends on that run's script_finished (Session.set_value's timing; the timing log has the run). The URL
    and the link show the released value. "Reset view" is a full run."""
    timing = tmp_path / "timing.tsv"
    servers = Servers(env={"KDVIZ_TIMING_LOG": str(timing)})

    async def main() -> tuple[list, tuple]:
        s = Session(servers.url, timeout=120)
        out = []
        try:
            await s.open("Temperature", "T=4&gamma=0.9")
            for page, name, value in (("Temperature", "T", 5.0), ("Losses", "T", 6.5), ("Losses", "gamma", 0.5)):
                if s.page != page:
                    await s.go(page)
                fragment = s.live_view(name).fragment_id
                drawn = {path: el.run for path, el in s.elements.items()}
                r = await s.set_value(name, value)
                redrawn = [el for path, el in s.elements.items() if el.run != drawn.get(path)]
                kept = [el for el in s.elements.values() if el.kind == "bidi_component" and el not in redrawn]
                out.append({"fragment": fragment, "run": s.run_fragments, "errors": r.errors, "kinds": sorted(el.kind for el in redrawn),
                            "outside": [el.kind for el in redrawn if el.fragment_id != fragment], "kept views": len(kept),
                            "query": dict(urllib.parse.parse_qsl(s.query))[name],
                            "link": s.link_view().get(name), "links": sum(el.kind == "code" for el in s.elements.values())})
            await s.press("reset_view")
            return out, (s.run_fragments, s.link_view().get("T"))
        finally:
            await s.close()

    try:
        releases, reset = asyncio.run(main())
    finally:
        servers.stop()
    for (page, value), r in zip((("Temperature", "5"), ("Losses", "6.5"), ("Losses", "0.5")), releases):
        assert r["fragment"] and r["run"] == (r["fragment"],) and not r["errors"], (page, r)
        assert r["outside"] == [] and r["kinds"] == ["bidi_component", "code", "markdown"], (page, r)  # slider, link, its caption
        assert r["kept views"] >= 5 and r["query"] == r["link"] == value and r["links"] == 1, (page, r)
    assert reset == ((), "4")  # a full run
    runs = [line.split("\t")[0] for line in timing.read_text().splitlines()]
    assert runs.count("nav.temperature:release") == 1 and runs.count("nav.losses:release") == 2, runs


@pytest.mark.slow  # a long end-to-end run: CI runs it (python -m pytest -q -m slow)
@needs_nginx
def test_replicas_behind_nginx_keep_each_learner_on_one(tmp_path):
    # an empty cache directory: the two replicas build it at the same time, as on a first deployment
    report = run_classroom(learners=4, seconds=15, warmup=5, seed=2, trains=1, train_epochs=2, replicas=2, arrive_over=3,
                           timeout=150, cache_dir=str(tmp_path / "cache"))
    s = _assert_clean(report)
    assert report.sticky == [], report.sticky[:5]
    assert len(report.learner_replica) == report.learners, s  # every learner's responses named their replica
    assert all("+" not in r for r in report.learner_replica.values()), report.learner_replica


@needs_nginx
def test_nginx_splits_new_visitors_and_keeps_each_on_its_replica():
    servers = Servers(replicas=2)
    try:
        first = Counter()
        for _ in range(64):  # new visitors (no cookie): each routed by a fresh random key
            with urllib.request.urlopen(servers.url + "/_stcore/health", timeout=10) as r:
                first[r.headers[REPLICA_HEADER]] += 1
                cookie = next(c.split(";")[0] for c in r.headers.get_all("Set-Cookie") if c.startswith("kdviz_replica="))
        assert set(first) == set(servers.pids), first
        assert min(first.values()) >= 16, first  # roughly even: fails by chance with p ≈ 3e-5
        seen = set()
        for path in ("/", "/Temperature", "/_stcore/health", "/_stcore/host-config") * 5:  # one browser: its cookie
            req = urllib.request.Request(servers.url + path, headers={"Cookie": cookie})
            with urllib.request.urlopen(req, timeout=10) as r:
                seen.add(r.headers[REPLICA_HEADER])
                assert "kdviz_replica" not in (r.headers.get("Set-Cookie") or ""), "a browser with the cookie got a new one"
        assert len(seen) == 1, seen
    finally:
        servers.stop()
    assert servers.proc.returncode is not None


BUILD = """
import json, sys, time
from pathlib import Path
go = Path(sys.argv[1])
import torch
torch.set_num_threads(1)  # as the app's pages (ui/server.py)
from kdviz.train.resources import load_resources
from kdviz.base.diskcache import checksum
while not go.exists():  # both processes imported everything; now build at the same moment
    time.sleep(0.005)
t0 = time.time()
res = load_resources()
t1 = time.time()
print(json.dumps({"t0": t0, "t1": t1, "pixels": checksum(res.data.x_train.numpy(), res.data.x_test.numpy()),
                  "fingerprint": res.data.fingerprint, "logits": checksum(res.logits.train.numpy(), res.logits.test.numpy())}))
"""


def test_two_processes_build_one_empty_cache_at_once(tmp_path):
    from kdviz.base.diskcache import load_arrays

    cache, go = tmp_path / "cache", tmp_path / "go"
    env = {**os.environ, "KDVIZ_CACHE_DIR": str(cache), "PYTHONPATH": str(ROOT)}
    procs = [subprocess.Popen([sys.executable, "-c", BUILD, str(go)], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for _ in range(2)]
    time.sleep(8)  # imports (torch, numpy) done in both; the go file starts the builds together
    go.touch()
    outs = [p.communicate(timeout=240) for p in procs]
    for p, (out, err) in zip(procs, outs):
        assert p.returncode == 0, err[-2000:]
    results = [json.loads(out.strip().splitlines()[-1]) for out, _ in outs]
    spans = [(r.pop("t0"), r.pop("t1")) for r in results]
    assert spans[0][0] < spans[1][1] and spans[1][0] < spans[0][1], spans  # the two builds overlapped in time
    assert results[0] == results[1]  # both built the same data, split and teacher logits
    files = sorted(f.name for f in cache.iterdir())
    assert not [f for f in files if f.endswith(".tmp")], files  # no temporary file left behind
    assert not [f for f in files if f.startswith(("mnist5k", "split-"))], files  # the digits and split are shipped (kdviz/assets/mnist-5k.npz)
    logits = [f for f in files if f.startswith("teacher-logits-")]
    assert len(logits) == 1, files
    z = load_arrays(cache / logits[0], {"train": ((4000, 10), np.float32), "test": ((1000, 10), np.float32)})
    assert z is not None
    from kdviz.base.diskcache import checksum

    assert checksum(z["train"], z["test"]) == results[0]["logits"]  # the cache holds what both processes use
    # and a third start reads that cache as valid, building nothing
    out = subprocess.run([sys.executable, "-c", BUILD, str(go)], cwd=ROOT, env=env, capture_output=True, text=True, timeout=240)
    assert out.returncode == 0, out.stderr[-2000:]
    third = json.loads(out.stdout.strip().splitlines()[-1])
    assert {k: third[k] for k in results[0]} == results[0]
