"""A bounded classroom: 20 concurrent real-browser sessions on one server for two minutes.

Every session moves sliders, changes pages and trains; none may see an exception or another
session's T or runs, and the server's memory may grow at most 10 % after warm-up. The longer
run and its latency figures are ``benchmarks/bench_load.py`` (BENCHMARKS.md).
"""

import os

import pytest

from browser import missing
from loadtest import run_load

reason = missing()
if reason and os.environ.get("KDVIZ_REQUIRE_BROWSER") == "1":
    raise RuntimeError(f"load test required but {reason}")
pytestmark = pytest.mark.skipif(reason is not None, reason=reason or "")


def test_twenty_sessions_at_once():
    report = run_load(sessions=20, seconds=150, warmup=45, seed=1)
    s = report.summary()
    assert report.exceptions == [], report.exceptions[:5]
    assert report.isolation == [], report.isolation[:5]
    assert s["actions"]["slider"] >= 20 and s["actions"]["page"] >= 5, s
    assert s["driver_timeouts"] <= 0.1 * sum(s["actions"].values()), report.driver[:5]
    assert {"start", "warm", "end"} <= set(report.rss_mb), f"the sessions did not all open in time: {s}"
    assert s["rss_growth_after_warmup"] <= 0.10, s
