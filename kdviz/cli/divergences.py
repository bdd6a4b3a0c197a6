"""``python -m kdviz divergences``: which soft term trains the better student (:mod:`kdviz.lab.divergences`), registered
by :mod:`kdviz.cli.main`.

    python -m kdviz divergences [--data fashion-mnist] [--seeds 0 1 2] [--epochs 30] [--n-jobs 2] [--quick] [--json] [--ship]

``--quick``: seeds 0 and 1, 3 epochs, unless ``--seeds`` / ``--epochs`` say otherwise. ``--ship`` writes
``kdviz/results/divergences.json`` (``divergences_fashion.json`` with ``--data fashion-mnist``), which the Lab's
divergence tab opens with. Nothing here imports torch until the command runs.
"""

from __future__ import annotations

import argparse

from kdviz.cli.common import add_run_options

__all__ = ["add_parser", "cmd_divergences", "print_divergences"]


def add_parser(sub, *, seed_type, epochs_type, jobs_type, add_output) -> argparse.ArgumentParser:
    """Add the ``divergences`` subcommand to ``sub`` (argparse subparsers) with :mod:`kdviz.cli.main`'s argument types."""
    p = sub.add_parser("divergences", help="forward KL against reverse KL, JSD, skew KLs, total variation and standardized "
                                           "logits: the default student, the same initialisation per seed")
    add_run_options(p, seed_type=seed_type, epochs_type=epochs_type, jobs_type=jobs_type, seeds="0 1 2; --quick: 0 1",
                    epochs="30; --quick: 3", quick="seeds 0 1, 3 epochs: seconds on the digits")
    add_output(p)
    return p


def cmd_divergences(args) -> dict:
    from kdviz.cli.common import resources as _resources
    from kdviz.cli.common import ship as _ship
    from kdviz.cli.common import with_progress as _with_progress
    from kdviz.lab.divergences import FULL, QUICK, divergence_compare, divergence_json, shipped_name
    from kdviz.train.config import check_seeds

    seeds = check_seeds(args.seeds if args.seeds is not None else (QUICK["seeds"] if args.quick else FULL["seeds"]))
    epochs = args.epochs if args.epochs is not None else (QUICK["epochs"] if args.quick else FULL["epochs"])
    res = _resources(args)
    name = shipped_name(res.dataset)
    if args.ship and name is None:
        raise ValueError(f"--ship writes the result of a shipped data set ({', '.join(('mnist-5k', 'fashion-mnist'))}), "
                         f"not of {res.dataset}")
    df = _with_progress(args, divergence_compare, res, seeds=seeds, epochs=epochs, n_jobs=args.n_jobs)
    words = [a for a in args.argv if a not in ("--json", "--ship")]
    out = divergence_json(df, res) | {"quick": bool(args.quick), "command": " ".join(["python -m kdviz", *words])}
    return _ship(args, name, res, out) if args.ship else out


def print_divergences(out: dict) -> None:
    from kdviz.lab.divergences import divergence_table

    print(divergence_table(out))
