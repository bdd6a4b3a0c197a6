"""What the subcommands of ``python -m kdviz`` share: the resources of ``--data``, a lab config, progress on stderr, strict JSON,
``--ship``, and a mean ± std for humans. Used by :mod:`kdviz.cli.main` and the modules of its subcommands
(:mod:`kdviz.cli.lab`, :mod:`kdviz.cli.features`, :mod:`kdviz.cli.capacity`); nothing here imports torch at import.
"""

from __future__ import annotations

import json
import math
import sys

__all__ = ["resources", "lab_config", "add_run_options", "with_progress", "check_ship", "ship", "pm", "strict_json", "dumps"]


def resources(args):
    """:func:`kdviz.train.resources.load_resources` of ``--data`` / ``--data-dir``, its log on stderr unless ``--json``."""
    from kdviz.train.resources import load_resources

    return load_resources(dataset=args.data, data_dir=args.data_dir,
                          log=None if getattr(args, "json", False) else lambda line: print(line, file=sys.stderr))


def lab_config(args):
    """The lab subcommands' TrainConfig (hidden, epochs, T, γ; γ = 1 where a command has no ``--gamma``); distinct ``--seeds``."""
    from kdviz.train.config import check_seeds
    from kdviz.train.loop import TrainConfig

    check_seeds(args.seeds)
    return TrainConfig(hidden=tuple(args.hidden), epochs=args.epochs, T=args.temperature, gamma=getattr(args, "gamma", 1.0))


def add_run_options(p, *, seed_type, epochs_type, jobs_type, seeds: str, epochs: str, quick: str) -> None:
    """--seeds, --epochs, --n-jobs and --quick of a Lab command whose --quick changes the defaults (None: from the
    command's FULL or QUICK); ``seeds``, ``epochs``: the defaults as the help says them; ``quick``: what --quick does."""
    p.add_argument("--seeds", type=seed_type, nargs="+", default=None, help=f"student seeds (default {seeds})")
    p.add_argument("--epochs", type=epochs_type, default=None, help=f"epochs of every student run (default {epochs})")
    p.add_argument("--n-jobs", type=jobs_type, default=2, help="worker processes (default 2)")
    p.add_argument("--quick", action="store_true", help=quick)


def with_progress(args, fn, *a, **kw):
    """``fn(*a, progress=..., **kw)``, its progress on stderr in English unless ``--json``."""
    if args.json:
        return fn(*a, **kw)
    from kdviz.base.i18n import render

    out = fn(*a, progress=lambda done, message: print(f"\r{done:4.0%} {render(message, 'en')[:60]:<60}", end="",
                                                      file=sys.stderr, flush=True), **kw)
    print(file=sys.stderr)
    return out


def check_ship() -> None:
    """Before the work of a ``--ship`` run: ``OSError`` of one line when ``kdviz/results/`` can't be written."""
    import os
    import tempfile

    from kdviz.lab import shipped

    folder = shipped.RESULTS
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(dir=folder, prefix=".ship-check", suffix=".tmp")
        os.close(fd)
        os.unlink(probe)
    except OSError as err:
        raise OSError(f"--ship: cannot write the results folder {folder} ({err.strerror or err}); "
                      "nothing was run") from None


def ship(args, name: str, res, out: dict) -> dict:
    """With ``--ship``: write ``out`` to ``kdviz/results/<name>.json`` (:func:`kdviz.lab.shipped.save`) with the command that made it.
    NaN and ±inf are written as null, as ``--json`` prints them (:func:`kdviz.cli.main.strict_json`)."""
    if args.ship:
        from kdviz.lab import shipped

        words = [a for a in args.argv if a not in ("--json", "--ship")]
        path = shipped.save(name, strict_json(out), command=" ".join(["python -m kdviz", *words]), data_fingerprint=res.data.fingerprint,
                            teacher_sha256=str(res.teacher_meta.get("sha256", "")), folder=shipped.RESULTS)
        print(f"wrote {path}", file=sys.stderr)
    return out


def pm(mean: float, std: float | None) -> str:
    """``0.9512 ± 0.0031``, or just the mean when there is no std (one seed)."""
    from kdviz.maths.stats import plus_minus

    return plus_minus(mean, std, digits=4)


def strict_json(value):
    """``value`` with every NaN and ±inf float replaced by None (JSON's null), in dicts, lists and tuples."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: strict_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [strict_json(v) for v in value]
    return value


def dumps(out: dict) -> str:
    """``out`` as strict JSON on one line: NaN and ±inf are null (:func:`strict_json`), never the invalid ``NaN``."""
    return json.dumps(strict_json(out), allow_nan=False)
