"""Server CPU per rerun (issue 13 §2): what one released move of T or γ costs the server, all included.

    python benchmarks/bench_rerun.py                          # this checkout: 200 moves per page
    python benchmarks/bench_rerun.py --before ../kdviz-405ff9c  # and an older checkout, in the same run
    python benchmarks/bench_rerun.py --quick                  # CI: proves it runs (20 moves)

One learner (``tests/classroom.py``'s :class:`Session`: Streamlit's own websocket protocol, no
browser) opens a page and releases T (and γ on Losses) ``--moves`` times, one after the other.
The server's CPU time (user + system, every thread: the script, figure building, JSON, protobuf,
the websocket) is read from the OS before and after; divided by the moves, it is the CPU a move
costs, whatever part of the server spends it. Opening each page (a full run) is measured the same way.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

import psutil  # noqa: E402
from browser import Server  # noqa: E402
from classroom import Session  # noqa: E402

T_VALUES = [2.0, 3.0, 4.0, 5.5, 8.0, 6.0, 2.5, 1.5]  # released values, visited in turn
GAMMA_VALUES = [0.9, 0.5, 0.7, 0.3]


def cpu_s(proc: psutil.Process) -> float:
    t = proc.cpu_times()
    return t.user + t.system


async def measure(url: str, proc: psutil.Process, moves: int) -> dict:
    """CPU ms per rerun (mean over ``moves``) and the latency of each move (send → script_finished)."""
    out = {}
    warm = Session(url, name="warm-up")  # loads the teacher, the data, the reference student
    await warm.open("Losses")
    await warm.go("Temperature")
    await warm.close()
    for page, names in (("Temperature", ("T",)), ("Losses", ("T", "gamma"))):
        s = Session(url, name="bench")
        before = cpu_s(proc)
        opened = await s.open(page, "T=4&gamma=0.9")
        open_cpu = 1000 * (cpu_s(proc) - before)
        for i in range(3):  # the first moves fill per-session caches
            await s.set_value("T", T_VALUES[i])
        for name in names:
            values = T_VALUES if name == "T" else GAMMA_VALUES
            lat = []
            before = cpu_s(proc)
            for i in range(moves):
                r = await s.set_value(name, values[i % len(values)])
                if r.errors:
                    raise RuntimeError(f"{page}: {r.errors[0]}")
                lat.append(r.ms)
            cpu = 1000 * (cpu_s(proc) - before) / moves
            out[f"{page} {name}"] = {"cpu_ms": round(cpu, 1), "median_ms": round(statistics.median(lat), 1),
                                     "p95_ms": round(sorted(lat)[int(0.95 * (len(lat) - 1))], 1),
                                     "open_cpu_ms": round(open_cpu), "open_ms": round(opened.ms)}
        await s.close()
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--moves", type=int, default=None)
    ap.add_argument("--before", type=Path, default=None, help="another checkout of kdviz, measured first in the same run")
    args = ap.parse_args(argv)
    moves = args.moves or (20 if args.quick else 200)
    roots = ([("before", args.before.resolve())] if args.before else []) + [("this checkout", ROOT)]
    cache_dir = os.environ.get("KDVIZ_CACHE_DIR") or tempfile.mkdtemp(prefix="kdviz-bench-rerun-")
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores; {moves} released moves per page and slider")
    for label, root in roots:
        server = Server(root=root, timeout=120, env={"KDVIZ_CACHE_DIR": cache_dir, "PYTHONPATH": str(root)})
        try:
            result = asyncio.run(measure(server.url, psutil.Process(server.proc.pid), moves))
        except Exception as err:
            print(f"{label} ({root}): {err}\n--- server log ---\n{server.output()[-3000:]}")
            return 1
        finally:
            server.stop()
        for what, r in result.items():
            print(f"{label} ({root.name}): {what}: server CPU {r['cpu_ms']} ms per rerun; move → finished run "
                  f"median {r['median_ms']} ms, p95 {r['p95_ms']} ms; opening the page: CPU {r['open_cpu_ms']} ms, "
                  f"{r['open_ms']} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
