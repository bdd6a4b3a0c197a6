"""A classroom on the server, measured (issue 13 §5): N learners speaking Streamlit's browser protocol, no browsers.

    python benchmarks/bench_classroom.py --learners 10 --seconds 60        # one server (started here)
    python benchmarks/bench_classroom.py --learners 50 --seconds 300
    python benchmarks/bench_classroom.py --learners 50 --seconds 300 --replicas 2   # deploy/start.sh: nginx + 2 replicas
    python benchmarks/bench_classroom.py --url http://127.0.0.1:8650 --server-pid 123 --server-pid 456
    python benchmarks/bench_classroom.py --quick                           # CI: 3 learners, ~30 s
    python benchmarks/bench_classroom.py --json

Each learner (``tests/classroom.py``) is its own session: it opens Temperature or Losses by a link
with its own T, γ and seed, releases a new T (or γ on Losses and Train) every 2–5 s, changes page
now and then, and presses Train (``--trains`` times, the default press: 30 epochs with the baseline;
``--train-epochs`` for a lighter one; quick mode: 2 epochs). Every action is timed from its
``rerun_script`` to the ``script_finished`` of the run it caused.

Reports, per action kind, count, median, p95 and max; the Train press's wait for its first epoch
(and how many presses showed a place in the training queue); errors (exceptions, ``st.error``
lines, closed sockets, timeouts, tracebacks in the server log) and isolation failures (a learner
whose link, T, γ, seed or run is not its own); through the proxy, the replica of every request
(nginx's ``X-Kdviz-Replica`` header) and learners per replica; the server's RSS at the start (all
learners in), after the warm-up and at the end; the CPU seconds of the server process(es) and of
this generator. Exits 1 on any error, isolation or stickiness failure.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from classroom import run_classroom  # noqa: E402


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--learners", type=int, default=None, help="learners at once (default 10; quick 3)")
    ap.add_argument("--seconds", type=float, default=None, help="seconds after the last learner arrived (default 120; quick 20)")
    ap.add_argument("--quick", action="store_true", help="CI: 3 learners, 2-epoch presses, about 30 s")
    ap.add_argument("--url", default=None, help="a server or proxy already running (default: start one here)")
    ap.add_argument("--server-pid", type=int, action="append", default=[], help="with --url: a server process to measure")
    ap.add_argument("--replicas", type=int, default=1, help="≥ 2: start deploy/start.sh (nginx and this many replicas)")
    ap.add_argument("--trains", type=int, default=1, help="Train presses per learner (default 1)")
    ap.add_argument("--train-epochs", type=int, default=None, help="epochs per press (default: the default press, 30)")
    ap.add_argument("--warmup", type=float, default=None,
                    help="seconds from all learners in to the 'warm' RSS sample (default: half of --seconds, at most 150)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    learners = args.learners or (3 if args.quick else 10)
    seconds = args.seconds or (20.0 if args.quick else 120.0)
    epochs = args.train_epochs or (2 if args.quick else None)
    warmup = args.warmup if args.warmup is not None else min(150.0, seconds / 2)  # after the first presses (first 40 %)
    report = run_classroom(learners=learners, seconds=seconds, warmup=warmup, seed=args.seed, trains=args.trains,
                           train_epochs=epochs, replicas=args.replicas, url=args.url, pids=args.server_pid,
                           arrive_over=5.0 if args.quick else None)
    out = report.summary()
    out["machine"] = f"{platform.machine()}, {os.cpu_count()} cores"
    out["train_press"] = f"{epochs} epochs" if epochs else "default (30 epochs, 784-128-10, with the baseline)"
    failed = out["errors"] or out["isolation_failures"] or out["sticky_failures"]
    if args.json:
        out["error_lines"] = (report.errors + report.isolation + report.sticky)[:20]
        print(json.dumps(out))
        return 1 if failed else 0
    print(f"machine: {out['machine']}; {learners} learners for {out['seconds']} s against {out['url']} "
          f"({args.replicas} replica{'s' if args.replicas > 1 else ''}); Train press: {out['train_press']}")
    print(f"{'action':<8} {'count':>6} {'median ms':>10} {'p95 ms':>9} {'max ms':>9}")
    for kind, s in out["actions_ms"].items():
        print(f"{kind:<8} {s['count']:>6} {s.get('median', '-'):>10} {s.get('p95', '-'):>9} {s.get('max', '-'):>9}")
    w = out["train_wait_ms"]
    print(f"Train press → first epoch shown (queue wait included): median {w.get('median', '-')} ms, p95 {w.get('p95', '-')} ms, "
          f"max {w.get('max', '-')} ms over {w['count']} presses; {out['train_queued']} showed a place in the queue")
    print(f"errors: {out['errors']}; isolation failures: {out['isolation_failures']}; "
          f"stickiness failures: {out['sticky_failures']} (targets 0)")
    for line in (report.errors + report.isolation + report.sticky)[:10]:
        print(f"  {line[:300]}")
    if out["learners_per_replica"]:
        print(f"learners per replica: {out['learners_per_replica']}")
    r = out["rss_mb"]
    growth = out["rss_growth_after_warmup"]
    print(f"server RSS (MB, all servers): ready {r.get('server ready')}, start {r.get('start')}, after warm-up {r.get('warm')}, "
          f"end {r.get('end')}: growth after warm-up {'-' if growth is None else f'{100 * growth:.1f} %'} (target ≤ 10 %)")
    for srv, d in out["rss_by_server"].items():
        print(f"  {srv}: {d}")
    w = out["workers_rss_mb"]
    print(f"training processes' RSS (MB, summed): start {w.get('start')}, after warm-up {w.get('warm')}, end {w.get('end')}")
    print(f"CPU seconds: servers {out['cpu_s'].get('servers', '-')} {out['cpu_by_server'] or ''}, "
          f"training processes {out['cpu_s'].get('training processes')}, generator {out['cpu_s'].get('generator')}")
    for page, t in out["server_script_ms"].items():
        print(f"  server script time, {page}: median {t['median']} ms, p95 {t['p95']} ms over {t['count']} runs")
    print(f"messages received: {out['messages']} ({out['mbytes_received']} MB)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
