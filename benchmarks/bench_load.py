"""A classroom on one server (issue 6 §5): 20 concurrent real-browser sessions for a few minutes.

    python benchmarks/bench_load.py                 # 20 sessions, 240 s, warm-up 60 s
    python benchmarks/bench_load.py --quick         # CI: 3 sessions, 30 s
    python benchmarks/bench_load.py --json

Reports exceptions (target 0), isolation failures (target 0), the server's RSS at the start,
after warm-up and at the end (growth after warm-up ≤ 10 %), and the time from a T-slider move
to the updated chart under load (median, p95). The driver is ``tests/loadtest.py``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from loadtest import run_load  # noqa: E402


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--sessions", type=int, default=None)
    ap.add_argument("--seconds", type=float, default=None)
    args = ap.parse_args(argv)
    sessions = args.sessions or (3 if args.quick else 20)
    seconds = args.seconds or (30.0 if args.quick else 240.0)
    warmup = min(60.0, seconds / 4)
    think = (2.0, 5.0) if args.quick else (12.0, 30.0)
    report = run_load(sessions=sessions, seconds=seconds, warmup=warmup, think=think)
    out = report.summary()
    out["machine"] = f"{platform.machine()}, {os.cpu_count()} cores"
    if args.json:
        print(json.dumps(out))
    else:
        print(f"machine: {out['machine']}; {sessions} sessions for {out['seconds']} s (warm-up {warmup:.0f} s)")
        print(f"actions: {out['actions']}")
        print(f"exceptions: {out['exceptions']} (target 0); isolation failures: {out['isolation_failures']} (target 0)")
        print(f"driver timeouts (the simulated learners waited too long on this shared machine): {out['driver_timeouts']}")
        for line in (report.exceptions + report.isolation + report.driver)[:10]:
            print(f"  {line[:300]}")
        print(f"T slider → updated chart under load: median {out['slider_ms_median']} ms, p95 {out['slider_ms_p95']} ms "
              f"over {out['slider_moves_timed']} moves")
        for page, t in out["server_ms"].items():
            print(f"  server time per script run, {page}: median {t['median']} ms, p95 {t['p95']} ms over {t['runs']} runs")
        r = out["rss_mb"]
        print(f"server RSS: start {r.get('start')} MB, after warm-up {r.get('warm')} MB, end {r.get('end')} MB: "
              f"growth after warm-up {100 * out['rss_growth_after_warmup']:.1f} % (target ≤ 10 %)")
    return 0 if out["exceptions"] == 0 and out["isolation_failures"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
