"""``python -m kdviz``: the headless twin of the app.

    python -m kdviz distill --temperature 4 --gamma 0.9 --epochs 30 --hidden 128 --seed 0 [--baseline] [--json]
    python -m kdviz train-teacher
    python -m kdviz distill [--label-fraction 0.1] [--omit-class 3] ...    (the distillation lab, kdviz.lab)
    python -m kdviz self-distill --generations 3 --seeds 0 1 2 [--json]
    python -m kdviz merge --seeds 0 1 2 [--json]
    python -m kdviz sweep [--temperatures ...] [--gammas ...] [--seeds ...] [--epochs 30] [--n-jobs 2] [--json]
    python -m kdviz compress [--quick] [--seeds 0 1 2] [--threads 1] [--no-cache] [--json]    (kdviz.compress)

A bad argument exits with status 2 and one line on stderr; no traceback.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time

__all__ = ["main"]


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # one line, status 2 (argparse prints usage too)
        self.exit(2, f"{self.prog}: error: {message}\n")


def _positive_float(name: str):
    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{name} must be a number > 0, got {text!r}") from None
        if not math.isfinite(value) or value <= 0:
            raise argparse.ArgumentTypeError(f"{name} must be a finite number > 0, got {text!r}")
        return value

    return parse


def _unit_float(name: str):
    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{name} must be a number in [0, 1], got {text!r}") from None
        if not 0.0 <= value <= 1.0:
            raise argparse.ArgumentTypeError(f"{name} must be in [0, 1], got {text!r}")
        return value

    return parse


def _int_at_least(name: str, low: int):
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{name} must be a whole number ≥ {low}, got {text!r}") from None
        if value < low:
            raise argparse.ArgumentTypeError(f"{name} must be ≥ {low}, got {text!r}")
        return value

    return parse


def _label_fraction(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"label fraction must be a number in (0, 1], got {text!r}") from None
    if not 0.0 < value <= 1.0:  # also rejects NaN
        raise argparse.ArgumentTypeError(f"label fraction must be in (0, 1], got {text!r}")
    return value


def _digit(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"omit-class must be a digit 0..9, got {text!r}") from None
    if not 0 <= value <= 9:
        raise argparse.ArgumentTypeError(f"omit-class must be a digit 0..9, got {text!r}")
    return value


def _add_lab_options(p: argparse.ArgumentParser, *, gamma: bool = True) -> None:
    """Options of the lab subcommands (self-distill, merge): several seeds, no --seed."""
    p.add_argument("--temperature", "-T", type=_positive_float("temperature"), default=4.0, help="T > 0 (default 4)")
    if gamma:
        p.add_argument("--gamma", type=_unit_float("gamma"), default=0.9, help="weight of the soft loss, in [0, 1] (default 0.9)")
    p.add_argument("--epochs", type=_int_at_least("epochs", 1), default=30, help="default 30")
    p.add_argument("--hidden", type=_int_at_least("hidden size", 1), nargs="+", default=[128], help="student hidden sizes (default 128)")
    p.add_argument("--seeds", type=_int_at_least("seed", 0), nargs="+", default=[0], help="student seeds (default 0); mean ± std over them")
    p.add_argument("--json", action="store_true", help="print one JSON object")


def _add_student_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--temperature", "-T", type=_positive_float("temperature"), default=4.0, help="T > 0 (default 4)")
    p.add_argument("--gamma", type=_unit_float("gamma"), default=0.9, help="weight of the soft loss, in [0, 1] (default 0.9)")
    p.add_argument("--epochs", type=_int_at_least("epochs", 1), default=30, help="default 30")
    p.add_argument("--hidden", type=_int_at_least("hidden size", 1), nargs="+", default=[128], help="hidden sizes, e.g. --hidden 800 800 (default 128)")
    p.add_argument("--lr", type=_positive_float("learning rate"), default=1e-3, help="Adam learning rate (default 1e-3)")
    p.add_argument("--batch-size", type=_int_at_least("batch size", 1), default=64, help="default 64")
    p.add_argument("--seed", type=_int_at_least("seed", 0), default=0, help="default 0")
    p.add_argument("--json", action="store_true", help="print one JSON object")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m kdviz", description="kdviz: knowledge distillation on the embedded MNIST digits.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    p = sub.add_parser("distill", help="train a student against the shipped teacher")
    _add_student_options(p)
    p.add_argument("--baseline", action="store_true", help="also train gamma = 0 from the same initialisation")
    p.add_argument("--label-fraction", type=_label_fraction, default=1.0, help="keep this stratified fraction of the train labels, in (0, 1] (default 1)")
    p.add_argument("--omit-class", type=_digit, default=None, help="remove this digit from the transfer set; report its accuracy and the bias fix")

    sub.add_parser("train-teacher", help="rebuild the shipped teacher (kdviz/assets/teacher.*)")

    p = sub.add_parser("self-distill", help="born-again generations, and a snapshot of the student teaching its last epochs")
    _add_lab_options(p)
    p.add_argument("--generations", type=_int_at_least("generations", 0), default=3, help="born-again generations after generation 0 (default 3)")
    p.add_argument("--switch-epoch", type=_int_at_least("switch epoch", 1), default=None, help="snapshot taken after this epoch (default: 2/3 of --epochs)")

    p = sub.add_parser("merge", help="teachers on digits 0-4 and 5-9 distilled into one student without labels")
    _add_lab_options(p, gamma=False)
    p.add_argument("--teacher-epochs", type=_int_at_least("teacher epochs", 1), default=15, help="epochs of each teacher (default 15; cached on disk)")

    p = sub.add_parser("sweep", help="test accuracy over a T x gamma grid and several seeds, in parallel, cached")
    p.add_argument("--temperatures", type=_positive_float("temperature"), nargs="+", default=[1.0, 2.0, 4.0, 8.0, 16.0], help="default 1 2 4 8 16")
    p.add_argument("--gammas", type=_unit_float("gamma"), nargs="+", default=[0.0, 0.25, 0.5, 0.75, 0.9, 1.0], help="default 0 0.25 0.5 0.75 0.9 1")
    p.add_argument("--seeds", type=_int_at_least("seed", 0), nargs="+", default=[0, 1, 2], help="default 0 1 2")
    p.add_argument("--epochs", type=_int_at_least("epochs", 1), default=30, help="default 30")
    p.add_argument("--hidden", type=_int_at_least("hidden size", 1), nargs="+", default=[128], help="default 128")
    p.add_argument("--n-jobs", type=_int_at_least("n-jobs", 1), default=2, help="joblib workers, 1 torch thread each (default 2)")
    p.add_argument("--no-cache", action="store_true", help="neither read nor write the on-disk result cache")
    p.add_argument("--json", action="store_true", help="print one JSON object")

    p = sub.add_parser("compress", help="pruning, int8 quantization, low-rank, compact filters and distillation: size, latency, accuracy")
    p.add_argument("--quick", action="store_true", help="every method once, tiny training, no fine-tuning (seconds; for a first look and CI)")
    p.add_argument("--seeds", type=_int_at_least("seed", 0), nargs="+", default=None, help="training seeds (default 0 1 2; --quick: 0)")
    p.add_argument("--threads", type=_int_at_least("threads", 1), default=1, help="torch threads for the latency measurement (default 1)")
    p.add_argument("--no-cache", action="store_true", help="neither read nor write the on-disk result cache")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    return parser


def _config(args):
    from .train import TrainConfig

    return TrainConfig(
        hidden=tuple(args.hidden), epochs=args.epochs, lr=args.lr, batch_size=args.batch_size,
        T=args.temperature, gamma=args.gamma, seed=args.seed,
    )


def cmd_distill(args) -> dict:
    from .experiments import distill
    from .resources import load_resources

    if args.label_fraction < 1.0 or args.omit_class is not None:
        from .lab import lab_distill

        return lab_distill(load_resources(), _config(args), label_fraction=args.label_fraction, omit=args.omit_class, baseline=args.baseline)
    return distill(load_resources(), _config(args), baseline=args.baseline)


def print_distill(out: dict) -> None:
    c = out["config"]
    print(f"student MLP 784-{'-'.join(map(str, c['hidden']))}-10, T={c['T']}, gamma={c['gamma']}, {c['epochs']} epochs, seed {c['seed']}")
    print(f"teacher test acc   {out['teacher_test_acc']:.4f}")
    print(f"student test acc   {out['student_test_acc']:.4f}   ({out['seconds']:.1f} s)")
    if "baseline_test_acc" in out:
        print(f"baseline (gamma=0) {out['baseline_test_acc']:.4f}   ({out['baseline_seconds']:.1f} s)")
    if "n_labelled" in out:
        print(f"labels kept        {out['n_labelled']} ({out['label_fraction']:.0%} per class)")
    if "omitted_class" in out:
        d = out["omitted_class"]
        print(f"digit {d} omitted    its test acc {out['omitted_class_acc']:.4f}; with bias {out['best_bias']:g} "
              f"(chosen on held-out train digits) {out['omitted_class_acc_after_bias']:.4f}, all digits {out['test_acc_after_bias']:.4f}")


def cmd_train_teacher(args) -> dict:
    from .data import load_mnist
    from .teacher import TEACHER_PATH, save_model, train_teacher

    data = load_mnist()
    model, meta = train_teacher(data, log=lambda line: print(line, file=sys.stderr))
    save_model(model, TEACHER_PATH, meta)
    print(f"saved {TEACHER_PATH} (test acc {meta['test_acc']:.4f}, {meta['train_seconds']} s)", file=sys.stderr)
    return meta


def _pm(mean: float, sd: float | None) -> str:
    """``0.9512 ± 0.0031``, or just the mean when there is no std (one seed)."""
    return f"{mean:.4f}" + ("" if sd is None or sd != sd else f" ± {sd:.4f}")


def _lab_config(args):
    from .train import TrainConfig

    return TrainConfig(hidden=tuple(args.hidden), epochs=args.epochs, T=args.temperature, gamma=getattr(args, "gamma", 1.0))


def cmd_self_distill(args) -> dict:
    from .lab import self_distill_summary
    from .resources import load_resources

    return self_distill_summary(load_resources(), args.generations, args.seeds, _lab_config(args), switch_epoch=args.switch_epoch)


def print_self_distill(out: dict) -> None:
    for g, (m, sd) in enumerate(zip(out["generation_acc"], out["generation_std"])):
        print(f"generation {g}  test acc {_pm(m, sd)}" + ("   (labels only)" if g == 0 else f"   (taught by generation {g - 1})"))
    s = out["snapshot"]
    if s is not None:
        print(f"snapshot after epoch {s['switch_epoch']}: {_pm(s['phase1_acc'], s['phase1_std'])}; at epoch {out['config']['epochs']}: "
              f"labels only {_pm(s['labels_only_acc'], s['labels_only_std'])}, self-distilled {_pm(s['self_distilled_acc'], s['self_distilled_std'])}")
    print(f"(seeds {out['seeds']})")


def cmd_merge(args) -> dict:
    from .lab import merge_summary
    from .resources import load_resources
    from .teacher import TeacherConfig

    return merge_summary(load_resources(), args.seeds, _lab_config(args), teacher_config=TeacherConfig(epochs=args.teacher_epochs))


def print_merge(out: dict) -> None:
    print(f"teacher A (digits 0-4) on test 0-4: {out['teacher_a_acc']:.4f}   teacher B (5-9) on test 5-9: {out['teacher_b_acc']:.4f}")
    print(f"teachers concatenated, all test digits: {out['concat_teacher_acc']:.4f}")
    print(f"merged student (no labels): {_pm(out['merged_student_acc'], out['merged_student_std'])}   "
          f"joint student (all labels): {_pm(out['joint_student_acc'], out['joint_student_std'])}   (seeds {out['seeds']})")


def cmd_sweep(args) -> dict:
    from .resources import load_resources
    from .sweep import sweep, summarise_sweep
    from .train import TrainConfig

    df = sweep(
        load_resources(), args.temperatures, args.gammas, args.seeds, TrainConfig(hidden=tuple(args.hidden), epochs=args.epochs),
        n_jobs=args.n_jobs, use_cache=not args.no_cache,
        progress=None if args.json else lambda f, msg: print(f"\r{f:4.0%} {msg:<50}", end="", file=sys.stderr, flush=True),
    )
    if not args.json:
        print(file=sys.stderr)
    return {
        "rows": df.to_dict(orient="records"),
        "cells": [{k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in c.items()} for c in summarise_sweep(df).to_dict(orient="records")],
        "wall_seconds": round(df.attrs["wall_seconds"], 2),
        "cached": bool(df.attrs["cached"]),
        "n_jobs": args.n_jobs,
        "epochs": args.epochs,
    }


def print_sweep(out: dict) -> None:
    import pandas as pd

    cells = pd.DataFrame(out["cells"])
    table = cells.assign(acc=[f"{m:.3f}±{s:.3f}" for m, s in zip(cells["test_acc_mean"], cells["test_acc_std"].fillna(0))])
    print(table.pivot(index="gamma", columns="T", values="acc").to_string())
    print("(cached)" if out["cached"] else f"{len(out['rows'])} cells x seeds in {out['wall_seconds']:.1f} s with {out['n_jobs']} job(s)")


def cmd_compress(args) -> dict:
    import torch

    from . import compress
    from .resources import load_resources

    config = (compress.QUICK if args.quick else compress.DEFAULT).replace(threads=args.threads)
    if args.seeds is not None:
        if len(set(args.seeds)) != len(args.seeds):
            raise ValueError(f"seeds must be distinct, got {args.seeds}")
        config = config.replace(seeds=tuple(args.seeds))
    df = compress.compare(
        load_resources(), config=config, use_cache=not args.no_cache,
        progress=None if args.json else lambda f, msg: print(f"\r{f:4.0%} {msg[:60]:<60}", end="", file=sys.stderr, flush=True),
    )
    if not args.json:
        print(file=sys.stderr)
    return {
        "rows": compress.to_json_rows(df),
        "per_seed": df.attrs["per_seed"],
        "threads": config.threads,
        "seeds": list(config.seeds),
        "quantized_engine": df.attrs["engine"],
        "torch": torch.__version__,
        "config": {k: (list(v) if isinstance(v, tuple) else v) for k, v in config.__dict__.items()},
        "wall_seconds": round(df.attrs["wall_seconds"], 2),
        "cached": bool(df.attrs["cached"]),
        "command": "python -m kdviz compress" + (" --quick" if args.quick else ""),
    }


def print_compress(out: dict) -> None:
    import pandas as pd

    df = pd.DataFrame(out["rows"])
    table = pd.DataFrame({
        "method": df["method"], "family": df["family"], "params": df["params"],
        "kB": (df["size_bytes"] / 1e3).round(1), "CSR kB": (df["sparse_bytes"] / 1e3).round(1),
        "ms/1": df["latency_ms_1"].round(3), "ms/256": df["latency_ms_256"].round(2),
        "test acc %": [f"{100 * m:.1f}" + ("" if s is None or s != s else f" ± {100 * s:.1f}") for m, s in zip(df["test_acc"], df["test_acc_std"])],
        "s": df["seconds"].round(2), "sparsity": df["sparsity"].round(3),
    })
    print(table.to_string(index=False))
    print(f"latency: median, {out['threads']} torch thread(s), engine {out['quantized_engine']}; seeds {out['seeds']}"
          + (" (cached)" if out["cached"] else f"; {out['wall_seconds']:.0f} s"))


COMMANDS = {  # subcommand → (run, print for humans)
    "distill": (cmd_distill, print_distill),
    "train-teacher": (cmd_train_teacher, None),
    "self-distill": (cmd_self_distill, print_self_distill),
    "merge": (cmd_merge, print_merge),
    "sweep": (cmd_sweep, print_sweep),
    "compress": (cmd_compress, print_compress),
}


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    run, show = COMMANDS[args.command]
    from .teacher import TeacherError

    start = time.perf_counter()
    try:
        out = run(args)
    except (TeacherError, ValueError) as err:
        print(f"python -m kdviz: error: {err}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("python -m kdviz: interrupted", file=sys.stderr)
        return 130
    if getattr(args, "json", False):
        print(json.dumps(out))
    elif show is not None:
        show(out)
        print(f"({time.perf_counter() - start:.1f} s in all)")
    return 0
