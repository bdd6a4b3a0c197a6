"""A class presses Train with the same settings (issue 29 item 4): each learner's wait from its press to its result.

    python benchmarks/bench_train_class.py                                   # this checkout: 50 learners within 10 s
    python benchmarks/bench_train_class.py --before /tmp/kdviz-before        # that checkout first, then this one, one run
    python benchmarks/bench_train_class.py --quick                           # CI: 5 learners, 2-epoch presses
    python benchmarks/bench_train_class.py --json

For each checkout (``--before``'s, then ``--root``, default this one) a ``streamlit run app.py`` of it is
started (``tests/browser.py`` ``Server(root=...)``), and one warm-up session opens Train and presses it for
one epoch (the data, the teacher and the training processes load, as after a lecturer's trial press; other
settings than the class's, so nothing of it is shared). Then ``--learners`` learners
(``tests/classroom.py`` ``Session``: Streamlit's browser protocol, no browsers) open the Train page, and
each presses Train with the page's default settings at a moment drawn uniformly within ``--within`` s.
The default press on the MNIST digits (pages/3_Train.py: ``TrainConfig()`` with the data set's default
epochs): a 784-128-10 student, 30 epochs, lr 0.001, T = 4, γ = 0.9, seed 0, one seed, KD, with its γ = 0
baseline (2 slots of the training queue). ``--quick`` sets the epochs to 2 in the press, as a learner
typing 2 would.

Reports, per checkout: the learners' press → result seconds (the press's ``rerun_script`` to the end of the
script run that shows its "Run 1" header; median, p95, max), how many showed a place in the training queue
and how many said the result was trained once for several presses, errors, and the CPU seconds of the server
process and of its training processes over the class. Exits 1 on any error or a learner without its result.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from browser import Server  # noqa: E402
from classroom import ActionError, Session, catalog_patterns, element_text, latency_stats  # noqa: E402

WARM_UP_EPOCHS = 1  # the warm-up's press: each training process loads the data set once, as after a lecturer's trial press
DEFAULT_PRESS = "784-128-10, 30 epochs, lr 0.001, T = 4, γ = 0.9, seed 0, KD, one seed, with the baseline (MNIST digits)"


def _stats(values: list[float]) -> dict:
    return latency_stats(values, digits=2)


def _cpu_s(pid: int) -> tuple[float, float]:
    """CPU seconds (user + system) of the server process, and of its live training processes (``kdviz.serve.workers``)."""
    import psutil

    p = psutil.Process(pid)
    workers = 0.0
    for c in p.children(recursive=True):
        try:
            if "kdviz.serve.workers" in " ".join(c.cmdline()):
                workers += sum(c.cpu_times()[:2])
        except psutil.Error:
            pass
    return sum(p.cpu_times()[:2]), workers


async def _class(url: str, *, learners: int, within: float, epochs: int | None, seed: int, timeout: float) -> dict:
    rng = random.Random(seed)
    moments = sorted(rng.uniform(0.0, within) for _ in range(learners))
    queued_text = catalog_patterns(["queue.place"])
    given_up = catalog_patterns(["queue.dropped", "queue.cancelled"])
    shared_text = catalog_patterns(["train.shared"])
    headline = catalog_patterns(["train.headline"])  # the gain and both accuracies: equal for equal settings
    out = {"waits_s": [], "queued": 0, "shared_line": 0, "errors": [], "accuracies": set()}
    sessions = [Session(url, timeout=timeout, name=f"learner {i}") for i in range(learners)]
    for s in sessions:  # everyone in the room, on the Train page, before the first press
        r = await s.open("Train")
        out["errors"] += r.errors

    async def learner(s: Session, at: float, start: float) -> None:
        await asyncio.sleep(max(0.0, start + at - time.monotonic()))
        seen = {"queued": False}

        def watch(el, seen=seen) -> None:
            if any(p.search(element_text(el)) for p in queued_text):
                seen["queued"] = True

        def ended(ss) -> bool:
            return any(int(m.group(1)) == 1 for m in ss.run_headers()) or any(p.search(t) for t in ss.texts() for p in given_up)

        try:
            r = await s.press("train_button", set_numbers={"_train_epochs": epochs} if epochs else None, until=ended,
                              on_element=watch)
        except ActionError as err:
            out["errors"].append(f"{s.name}: {err}")
            return
        out["errors"] += r.errors
        texts = s.texts()
        if not any(int(m.group(1)) == 1 for m in s.run_headers()):
            out["errors"].append(f"{s.name}: no result: {' | '.join(texts)[-200:]}")
            return
        out["waits_s"].append(r.ms / 1000)
        out["queued"] += seen["queued"]
        out["shared_line"] += any(p.search(t) for t in texts for p in shared_text)
        out["accuracies"] |= {t for t in texts if any(p.search(t) for p in headline)}

    start = time.monotonic()
    await asyncio.gather(*(learner(s, at, start) for s, at in zip(sessions, moments)))
    out["class_s"] = time.monotonic() - start
    for s in sessions:
        out["errors"] += s.stray_errors
        await s.close()
    return out


def measure(root: Path, *, learners: int, within: float, epochs: int | None, seed: int, timeout: float,
            cache_dir: str | None) -> dict:
    """One checkout's server, a warm-up visit, then the class; the figures as plain data."""
    env = {"KDVIZ_CACHE_DIR": cache_dir} if cache_dir else {}
    server = Server(root=root, timeout=180, env=env)
    try:
        async def warm_up() -> None:  # the lecturer's own visit: the data, the teacher, the training processes
            w = Session(server.url, timeout=timeout, name="warm-up")
            await w.open("Train")
            await w.press("train_button", set_numbers={"_train_epochs": WARM_UP_EPOCHS},  # other settings: nothing to share
                          until=lambda ss: any(int(m.group(1)) == 1 for m in ss.run_headers()))
            await w.close()

        asyncio.run(warm_up())
        cpu0 = _cpu_s(server.proc.pid)
        load0 = Path("/proc/loadavg").read_text().split()[:3]
        res = asyncio.run(_class(server.url, learners=learners, within=within, epochs=epochs, seed=seed, timeout=timeout))
        cpu1 = _cpu_s(server.proc.pid)
        log = server.output()
    finally:
        server.stop()
    errors = res["errors"] + [f"server log: {m}" for m in ("Traceback", "Uncaught app exception") if m in log]
    if len(res["waits_s"]) < learners:
        errors.append(f"{learners - len(res['waits_s'])} learners without their result")
    return {"root": str(root), "learners": learners, "within_s": within, "press_to_result_s": _stats(res["waits_s"]),
            "under_6_s": sum(w < 6.0 for w in res["waits_s"]), "queued": res["queued"], "shared_line": res["shared_line"],
            "distinct_results": len(res["accuracies"]), "class_s": round(res["class_s"], 1),
            "cpu_s": {"server": round(cpu1[0] - cpu0[0], 1), "training processes": round(cpu1[1] - cpu0[1], 1)},
            "loadavg_before": " ".join(load0), "loadavg_after": " ".join(Path("/proc/loadavg").read_text().split()[:3]),
            "errors": len(errors), "error_lines": errors[:10]}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--root", default=str(ROOT), help="the checkout to measure (default: this one)")
    ap.add_argument("--before", default=None, help="another checkout, measured first in the same run (e.g. a worktree of main)")
    ap.add_argument("--learners", type=int, default=None, help="learners who press (default 50; quick 5)")
    ap.add_argument("--within", type=float, default=10.0, help="the presses fall within this many seconds (default 10)")
    ap.add_argument("--epochs", type=int, default=None, help="epochs typed in before the press (default: the page's, 30; quick 2)")
    ap.add_argument("--quick", action="store_true", help="CI: 5 learners, 2-epoch presses")
    ap.add_argument("--timeout", type=float, default=600.0, help="seconds a learner waits for its result at most")
    ap.add_argument("--cache-dir", default=None, help="the servers' KDVIZ_CACHE_DIR (default: the environment's)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--json", action="store_true", help="one strict JSON object on stdout")
    args = ap.parse_args(argv)
    learners = args.learners or (5 if args.quick else 50)
    epochs = args.epochs or (2 if args.quick else None)
    trees = {"before": Path(args.before)} if args.before else {}
    trees["after" if args.before else "this"] = Path(args.root)
    out = {"machine": f"{platform.machine()}, {os.cpu_count()} cores", "press": f"{epochs} epochs" if epochs else DEFAULT_PRESS,
           "learners": learners, "within_s": args.within, "results": {}}
    for name, root in trees.items():
        out["results"][name] = measure(root, learners=learners, within=args.within, epochs=epochs, seed=args.seed,
                                       timeout=args.timeout, cache_dir=args.cache_dir)
    failed = any(r["errors"] for r in out["results"].values())
    if args.json:
        print(json.dumps(out, allow_nan=False))
        return 1 if failed else 0
    print(f"machine: {out['machine']}; {learners} learners press Train within {args.within:g} s; press: {out['press']}")
    print(f"{'tree':<7} {'median s':>9} {'p95 s':>7} {'max s':>7} {'<6 s':>5} {'queued':>6} {'shared':>6} {'server CPU s':>12} "
          f"{'training CPU s':>14}  load avg (before → after)")
    for name, r in out["results"].items():
        w = r["press_to_result_s"]
        print(f"{name:<7} {w.get('median', '-'):>9} {w.get('p95', '-'):>7} {w.get('max', '-'):>7} {r['under_6_s']:>5} "
              f"{r['queued']:>6} {r['shared_line']:>6} {r['cpu_s']['server']:>12} {r['cpu_s']['training processes']:>14}  "
              f"{r['loadavg_before']} → {r['loadavg_after']}")
        for line in r["error_lines"]:
            print(f"  {name}: {line[:300]}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
