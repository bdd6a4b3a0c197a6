"""``python -m kdviz features``: feature distillation against logit KD (:mod:`kdviz.lab.features`), registered by
:mod:`kdviz.cli.main`.

    python -m kdviz features [--seeds 0 1 2] [--epochs 10] [--methods ...] [--quick] [--no-cache] [--json] [--ship]

``--quick``: seed 0, 2 epochs, 1,000 of the 4,000 train digits (the JSON says ``n_train`` and ``quick``), unless
``--seeds`` / ``--epochs`` say otherwise. Nothing here imports torch until the command runs.
"""

from __future__ import annotations

import argparse

__all__ = ["add_parser", "cmd_features", "print_features", "METHOD_CHOICES"]

# kdviz.train.features.METHODS and "logits+best", written out so that building the parser does not import torch
METHOD_CHOICES = ("labels", "logits", "hint", "attention", "cosine", "logits+hint", "logits+attention", "logits+cosine",
                  "logits+best")


def add_parser(sub, *, seed_type, epochs_type, add_output) -> argparse.ArgumentParser:
    """Add the ``features`` subcommand to ``sub`` (argparse subparsers) with :mod:`kdviz.cli.main`'s argument types."""
    p = sub.add_parser("features", help="beyond logits: hint (FitNets), attention transfer and cosine feature terms "
                                        "against logit KD, a small CNN student, same initialisation per seed")
    p.add_argument("--seeds", type=seed_type, nargs="+", default=None, help="student seeds (default 0 1 2; --quick: 0)")
    p.add_argument("--epochs", type=epochs_type, default=None, help="epochs of every run (default 10; --quick: 2)")
    p.add_argument("--methods", choices=METHOD_CHOICES, nargs="+", default=None,
                   help="default: labels logits hint attention cosine logits+best")
    p.add_argument("--quick", action="store_true", help="seed 0, 2 epochs, 1,000 train digits: seconds, for a first look and CI")
    p.add_argument("--no-cache", action="store_true", help="neither read nor write the teacher's feature maps on disk")
    add_output(p)  # --ship: kdviz/results/features.json and the first seed's students (kdviz/results/features/)
    return p


def cmd_features(args) -> dict:
    from kdviz.cli.common import resources as _resources
    from kdviz.cli.common import ship as _ship
    from kdviz.cli.common import with_progress as _with_progress
    from kdviz.lab.features import DEFAULT_METHODS, FULL_EPOCHS, QUICK, features_compare, features_json, save_students
    from kdviz.train.config import check_seeds

    seeds = args.seeds if args.seeds is not None else (QUICK["seeds"] if args.quick else (0, 1, 2))
    epochs = args.epochs if args.epochs is not None else (QUICK["epochs"] if args.quick else FULL_EPOCHS)
    seeds = check_seeds(seeds)
    res = _resources(args)
    df = _with_progress(args, features_compare, res, seeds=seeds, epochs=epochs, methods=args.methods or DEFAULT_METHODS,
                        n_train=QUICK["n_train"] if args.quick else None, use_cache=not args.no_cache)
    words = [a for a in args.argv if a not in ("--json", "--ship")]
    out = features_json(df) | {"quick": bool(args.quick), "dataset": res.dataset, "data_fingerprint": res.data.fingerprint,
                               "command": " ".join(["python -m kdviz", *words])}
    if args.ship:
        save_students(df.attrs["students"], data_fingerprint=res.data.fingerprint, seed=seeds[0])
    return _ship(args, "features", res, out)


def print_features(out: dict) -> None:
    from kdviz.lab.features import features_table

    print(features_table(out))
