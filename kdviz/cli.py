"""``python -m kdviz``: the headless twin of the app.

    python -m kdviz distill --temperature 4 --gamma 0.9 --epochs 30 --hidden 128 --seed 0 [--baseline] [--json]
    python -m kdviz train-teacher

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

    sub.add_parser("train-teacher", help="rebuild the shipped teacher (kdviz/assets/teacher.*)")
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

    return distill(load_resources(), _config(args), baseline=args.baseline)


def print_distill(out: dict) -> None:
    c = out["config"]
    print(f"student MLP 784-{'-'.join(map(str, c['hidden']))}-10, T={c['T']}, gamma={c['gamma']}, {c['epochs']} epochs, seed {c['seed']}")
    print(f"teacher test acc   {out['teacher_test_acc']:.4f}")
    print(f"student test acc   {out['student_test_acc']:.4f}   ({out['seconds']:.1f} s)")
    if "baseline_test_acc" in out:
        print(f"baseline (gamma=0) {out['baseline_test_acc']:.4f}   ({out['baseline_seconds']:.1f} s)")


def cmd_train_teacher(args) -> dict:
    from .data import load_mnist
    from .teacher import TEACHER_PATH, save_model, train_teacher

    data = load_mnist()
    model, meta = train_teacher(data, log=lambda line: print(line, file=sys.stderr))
    save_model(model, TEACHER_PATH, meta)
    print(f"saved {TEACHER_PATH} (test acc {meta['test_acc']:.4f}, {meta['train_seconds']} s)", file=sys.stderr)
    return meta


COMMANDS = {  # subcommand → (run, print for humans)
    "distill": (cmd_distill, print_distill),
    "train-teacher": (cmd_train_teacher, None),
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
