"""What the subcommands of ``python -m kdviz`` share: the resources of ``--data``, a lab config, progress on stderr,
``--ship``, and a mean ± std for humans. Used by :mod:`kdviz.cli` and the modules of its subcommands
(:mod:`kdviz.cli_lab`, :mod:`kdviz.cli_features`, :mod:`kdviz.cli_capacity`); nothing here imports torch at import.
"""

from __future__ import annotations

import sys

__all__ = ["resources", "lab_config", "with_progress", "ship", "pm"]


def resources(args):
    """:func:`kdviz.resources.load_resources` of ``--data`` / ``--data-dir``, its log on stderr unless ``--json``."""
    from .resources import load_resources

    return load_resources(dataset=args.data, data_dir=args.data_dir,
                          log=None if getattr(args, "json", False) else lambda line: print(line, file=sys.stderr))


def lab_config(args):
    """The lab subcommands' TrainConfig (hidden, epochs, T, γ; γ = 1 where a command has no ``--gamma``); distinct ``--seeds``."""
    from .train import TrainConfig

    if len(set(args.seeds)) != len(args.seeds):
        raise ValueError(f"seeds must be distinct, got {args.seeds}")
    return TrainConfig(hidden=tuple(args.hidden), epochs=args.epochs, T=args.temperature, gamma=getattr(args, "gamma", 1.0))


def with_progress(args, fn, *a, **kw):
    """``fn(*a, progress=..., **kw)``, its progress on stderr in English unless ``--json``."""
    if args.json:
        return fn(*a, **kw)
    from .i18n import render

    out = fn(*a, progress=lambda done, message: print(f"\r{done:4.0%} {render(message, 'en')[:60]:<60}", end="",
                                                      file=sys.stderr, flush=True), **kw)
    print(file=sys.stderr)
    return out


def ship(args, name: str, res, out: dict) -> dict:
    """With ``--ship``: write ``out`` to ``kdviz/results/<name>.json`` (:func:`kdviz.shipped.save`) with the command that made it."""
    if args.ship:
        from . import shipped

        words = [a for a in args.argv if a not in ("--json", "--ship")]
        path = shipped.save(name, out, command=" ".join(["python -m kdviz", *words]), data_fingerprint=res.data.fingerprint,
                            teacher_sha256=str(res.teacher_meta.get("sha256", "")), folder=shipped.RESULTS)
        print(f"wrote {path}", file=sys.stderr)
    return out


def pm(mean: float, std: float | None) -> str:
    """``0.9512 ± 0.0031``, or just the mean when there is no std (one seed)."""
    from .stats import plus_minus

    return plus_minus(mean, std, digits=4)
