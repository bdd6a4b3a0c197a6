"""``python -m kdviz capacity``: the capacity gap and the teacher assistant (:mod:`kdviz.lab.capacity`), registered
by :mod:`kdviz.cli.main`.

    python -m kdviz capacity [--seeds 0 1 2] [--epochs 30] [--n-jobs 2] [--quick] [--json] [--ship]

``--quick``: seed 0, 3 epochs, students 16 and 128, one assistant (128), unless ``--seeds`` / ``--epochs`` say
otherwise. The ladder's teachers are trained on first use (about a minute in all) and cached. Nothing here
imports torch until the command runs.
"""

from __future__ import annotations

import argparse

from kdviz.cli.common import add_run_options

__all__ = ["add_parser", "cmd_capacity", "print_capacity"]


def add_parser(sub, *, seed_type, epochs_type, jobs_type, add_output) -> argparse.ArgumentParser:
    """Add the ``capacity`` subcommand to ``sub`` (argparse subparsers) with :mod:`kdviz.cli.main`'s argument types."""
    p = sub.add_parser("capacity", help="the capacity gap: KD gain for a ladder of teachers and MLP students, and "
                                        "teacher -> assistant -> smallest student against the direct route")
    add_run_options(p, seed_type=seed_type, epochs_type=epochs_type, jobs_type=jobs_type, seeds="0 1 2; --quick: 0",
                    epochs="30; --quick: 3", quick="seed 0, 3 epochs, students 16 and 128, assistant 128: seconds once "
                                                   "the teachers are cached")
    add_output(p)  # --ship: kdviz/results/capacity.json, which the Lab's capacity tab opens with
    return p


def cmd_capacity(args) -> dict:
    from kdviz.cli.common import resources as _resources
    from kdviz.cli.common import ship as _ship
    from kdviz.cli.common import with_progress as _with_progress
    from kdviz.lab.capacity import ASSISTANTS, FULL, QUICK, STUDENTS, capacity_gap, capacity_json
    from kdviz.train.config import check_seeds

    seeds = args.seeds if args.seeds is not None else (QUICK["seeds"] if args.quick else FULL["seeds"])
    epochs = args.epochs if args.epochs is not None else (QUICK["epochs"] if args.quick else FULL["epochs"])
    seeds = check_seeds(seeds)
    res = _resources(args)
    pairs, chains = _with_progress(args, capacity_gap, res, seeds=seeds, epochs=epochs, n_jobs=args.n_jobs,
                                   students=QUICK["students"] if args.quick else STUDENTS,
                                   assistants=QUICK["assistants"] if args.quick else ASSISTANTS)
    words = [a for a in args.argv if a not in ("--json", "--ship")]
    out = capacity_json(pairs, chains) | {"quick": bool(args.quick), "dataset": res.dataset,
                                          "data_fingerprint": res.data.fingerprint,
                                          "command": " ".join(["python -m kdviz", *words])}
    return _ship(args, "capacity", res, out)


def print_capacity(out: dict) -> None:
    from kdviz.lab.capacity import capacity_table

    print(capacity_table(out))
