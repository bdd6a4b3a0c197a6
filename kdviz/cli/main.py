"""``python -m kdviz``: the headless twin of the app.

    python -m kdviz distill --temperature 4 --gamma 0.9 --epochs 30 --hidden 128 --seed 0 [--baseline] [--json]
    python -m kdviz distill --method dkd --alpha 1 --beta 8 --warmup 5 ...    (decoupled KD, Zhao et al. 2022)
    python -m kdviz distill --loss rkl|jsd|skl|srkl|tvd [--beta 0.5] [--alpha 0.1] [--standardize] ...    (kdviz.maths.divergences)
    python -m kdviz train-teacher [--data fashion-mnist]
    python -m kdviz distill [--label-fraction 0.1] [--omit-class 3] ...    (the distillation lab, kdviz.lab)
    python -m kdviz fewer-labels --fractions 0.01 0.1 --seeds 0 1 2 [--json] [--ship]
    python -m kdviz self-distill --generations 3 --seeds 0 1 2 [--json] [--ship]
    python -m kdviz merge --seeds 0 1 2 [--json] [--ship]
    python -m kdviz omit-class --digit 3 --seeds 0 1 2 [--json] [--ship]
    python -m kdviz dkd-compare [--seeds 0 1 2] [--epochs 30] [--T 4] [--betas 1 2 4 8] [--json] [--ship]    (kdviz.lab.dkd)
    python -m kdviz hinton [--data fashion-mnist] [--seeds 0 1 2] [--epochs 20] [--json]    (kdviz.lab.hinton)
    python -m kdviz sweep [--temperatures ...] [--gammas ...] [--seeds ...] [--epochs 30] [--n-jobs 2] [--json] [--ship]
    python -m kdviz compress [--quick] [--seeds 0 1 2] [--threads 1] [--no-cache] [--json] [--ship]    (kdviz.compress)
    python -m kdviz features [--seeds 0 1 2] [--epochs 10] [--quick] [--json] [--ship]    (kdviz.cli.features, kdviz.lab.features)
    python -m kdviz capacity [--seeds 0 1 2] [--epochs 30] [--quick] [--json] [--ship]    (kdviz.cli.capacity, kdviz.lab.capacity)
    python -m kdviz divergences [--seeds 0 1 2] [--epochs 30] [--quick] [--json] [--ship]    (kdviz.lab.divergences)

Every command takes ``--data NAME`` (``mnist-5k``, the default, or ``fashion-mnist``: :mod:`kdviz.data.datasets`)
or ``--data-dir PATH``, a folder of the four MNIST-format files, whose teacher is trained on first use and cached.
``--ship`` also writes the result, with where it was measured, to ``kdviz/results/<name>.json``
(:mod:`kdviz.lab.shipped`): the Lab page opens with these. Progress goes to stderr in English
(:func:`kdviz.base.i18n.render`), except with ``--json``. A bad argument exits with status 2 and
one line on stderr; a library problem with status 1 and one line; never a traceback.

The parsers are here (their argument types in :mod:`kdviz.cli.argtypes`); ``distill`` runs in :mod:`kdviz.cli.distill`,
the lab's commands in :mod:`kdviz.cli.lab`; ``features``, ``capacity`` and ``divergences`` in :mod:`kdviz.cli.features`,
:mod:`kdviz.cli.capacity` and :mod:`kdviz.cli.divergences`, with the helpers they share in :mod:`kdviz.cli.common`.
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import time
import warnings
from pathlib import Path

from kdviz.cli import capacity as cli_capacity
from kdviz.cli import distill as cli_distill
from kdviz.cli import divergences as cli_divergences
from kdviz.cli import features as cli_features
from kdviz.cli import lab as cli_lab
from kdviz.cli.argtypes import (
    DIGIT,
    EPOCHS,
    GAMMA,
    LABEL_FRACTION,
    MAX_BATCH,
    MAX_EPOCHS,
    MAX_GENERATIONS,
    MAX_STUDENT_PARAMS,
    SEED,
    TEMPERATURE,
    int_at_least,
    int_in,
    positive_float,
    weight,
)
from kdviz.cli.common import dumps, strict_json  # noqa: F401 (strict_json: part of this module's API)
from kdviz.maths.divergences import DIVERGENCES
from kdviz.train import defaults

__all__ = ["main", "build_parser", "check_args", "dumps", "strict_json", "student_params", "MAX_STUDENT_PARAMS"]


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # one line, status 2 (argparse prints usage too)
        self.exit(2, f"{self.prog}: error: {message}\n")


def _add_dkd_options(p: argparse.ArgumentParser, *, warmup: int = 0, skew: bool = False) -> None:
    """--alpha and --warmup; ``skew``: --alpha is also the skew of --loss skl / srkl (its default then depends on which)."""
    if skew:
        p.add_argument("--alpha", type=weight("alpha"), default=None,
                       help=f"DKD: weight of TCKD, >= 0 (default {defaults.ALPHA:g}); --loss skl or srkl: the skew, "
                            f"in [0, 1] (default {defaults.SKEW_ALPHA:g})")
    else:
        p.add_argument("--alpha", type=weight("alpha (the weight of TCKD)"), default=defaults.ALPHA,
                       help=f"DKD: weight of TCKD, >= 0 (default {defaults.ALPHA:g})")
    p.add_argument("--warmup", type=int_in("warmup", 0, MAX_EPOCHS), default=warmup,
                   help=f"epochs over which the soft term ramps in, weight gamma*min(epoch/warmup, 1) (default {warmup})")


def _add_lab_options(p: argparse.ArgumentParser, *, T: float = 4.0, gamma: float | None = 0.9) -> None:
    """Options of the lab subcommands: several seeds, no --seed; ``gamma=None``: no --gamma (γ is fixed)."""
    p.add_argument("--temperature", "-T", type=TEMPERATURE, default=T, help=f"T > 0 (default {T:g})")
    if gamma is not None:
        p.add_argument("--gamma", type=GAMMA, default=gamma, help=f"weight of the soft loss, in [0, 1] (default {gamma:g})")
    p.add_argument("--epochs", type=EPOCHS, default=30, help="default 30")
    p.add_argument("--hidden", type=int_at_least("hidden size", 1), nargs="+", default=[128], help="student hidden sizes (default 128)")
    p.add_argument("--seeds", type=SEED, nargs="+", default=[0], help="student seeds (default 0); mean ± std over them")
    _add_output_options(p)


def _add_output_options(p: argparse.ArgumentParser, *, ship: bool = True) -> None:
    p.add_argument("--json", action="store_true", help="print one JSON object")
    if ship:
        p.add_argument("--ship", action="store_true", help="also write the result to kdviz/results/ (the Lab page opens with it)")


def _add_student_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--temperature", "-T", type=TEMPERATURE, default=defaults.T, help=f"T > 0 (default {defaults.T:g})")
    p.add_argument("--gamma", type=GAMMA, default=defaults.GAMMA, help=f"weight of the soft loss, in [0, 1] (default {defaults.GAMMA:g})")
    p.add_argument("--epochs", type=EPOCHS, default=defaults.EPOCHS, help=f"default {defaults.EPOCHS}")
    p.add_argument("--hidden", type=int_at_least("hidden size", 1), nargs="+", default=list(defaults.HIDDEN),
                   help="hidden sizes, e.g. --hidden 800 800 (default 128)")
    p.add_argument("--lr", type=positive_float("learning rate"), default=defaults.LR, help=f"Adam learning rate (default {defaults.LR:g})")
    p.add_argument("--batch-size", type=int_in("batch size", 1, MAX_BATCH), default=defaults.BATCH_SIZE, help=f"default {defaults.BATCH_SIZE}")
    p.add_argument("--seed", type=SEED, default=0, help="default 0")
    _add_output_options(p, ship=False)


def _add_data_options(p: argparse.ArgumentParser) -> None:
    from kdviz.data.datasets import DEFAULT, KEYS

    p.add_argument("--data", choices=KEYS, default=DEFAULT, help=f"the data set (default {DEFAULT})")
    p.add_argument("--data-dir", type=Path, default=None, metavar="PATH",
                   help="a folder of the four MNIST-format files (.gz or plain) instead of --data")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m kdviz", description="kdviz: knowledge distillation on the embedded MNIST digits.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    p = sub.add_parser("distill", help="train a student against the shipped teacher")
    _add_student_options(p)
    p.add_argument("--baseline", action="store_true", help="also train gamma = 0 from the same initialisation")
    p.add_argument("--label-fraction", type=LABEL_FRACTION, default=1.0, help="keep this stratified fraction of the train labels, in (0, 1] (default 1)")
    p.add_argument("--omit-class", type=DIGIT, default=None, help="remove this digit from the transfer set; report its accuracy and the bias fix")
    p.add_argument("--method", choices=defaults.METHODS, default=defaults.METHOD,
                   help="the soft term: kd (Hinton et al.) or dkd (decoupled KD, Zhao et al. 2022)")
    p.add_argument("--beta", type=weight("beta"), default=None,
                   help=f"DKD: weight of NCKD, >= 0 (default {defaults.BETA:g}); --loss jsd: JSD's weight, in [0, 1] "
                        f"(default {defaults.JSD_BETA:g}; 0 = forward KL, 1 = reverse KL)")
    p.add_argument("--loss", choices=DIVERGENCES, default=defaults.DIVERGENCE,
                   help="kd's soft term: fkl (Hinton's forward KL, the default), rkl (reverse KL), jsd (generalized JSD), "
                        "skl / srkl (skew KL / skew reverse KL), tvd (total variation)")
    p.add_argument("--standardize", action="store_true",
                   help="z-score the teacher's and the student's logits before T (logit standardization, Sun et al. 2024)")
    _add_dkd_options(p, skew=True)

    p = sub.add_parser("dkd-compare", help="KD against decoupled KD at several beta: the default student, same initialisation per seed")
    p.add_argument("--seeds", type=SEED, nargs="+", default=[0, 1, 2], help="default 0 1 2")
    p.add_argument("--epochs", type=EPOCHS, default=30, help="default 30")
    p.add_argument("--temperature", "-T", "--T", type=TEMPERATURE, default=4.0, help="T > 0 (default 4)")
    p.add_argument("--gamma", type=GAMMA, default=0.9, help="weight of the soft loss, in [0, 1] (default 0.9)")
    p.add_argument("--betas", type=weight("beta (the weight of NCKD)"), nargs="+", default=[1.0, 2.0, 4.0, 8.0], help="default 1 2 4 8")
    _add_dkd_options(p, warmup=5)
    _add_output_options(p)  # --ship: kdviz/results/dkd.json, which the Lab's KD vs DKD tab opens with

    sub.add_parser("train-teacher", help="rebuild a shipped teacher (kdviz/assets/teacher*.safetensors) for --data")

    p = sub.add_parser("fewer-labels", help="distilled vs labels-only students as the kept fraction of the labels shrinks")
    _add_lab_options(p)
    p.add_argument("--fractions", type=LABEL_FRACTION, nargs="+", default=[0.01, 0.05, 0.1, 0.25, 1.0],
                   help="label fractions, each in (0, 1] (default 0.01 0.05 0.1 0.25 1)")

    p = sub.add_parser("self-distill", help="born-again generations, and a snapshot of the student teaching its last epochs")
    _add_lab_options(p)
    p.add_argument("--generations", type=int_in("generations", 0, MAX_GENERATIONS), default=3, help="born-again generations after generation 0 (default 3)")
    p.add_argument("--switch-epoch", type=int_in("switch epoch", 1, MAX_EPOCHS - 1), default=None, help="snapshot taken after this epoch (default: 2/3 of --epochs)")

    p = sub.add_parser("merge", help="teachers on digits 0-4 and 5-9 distilled into one student without labels")
    _add_lab_options(p, gamma=None)
    p.add_argument("--teacher-epochs", type=int_in("teacher epochs", 1, MAX_EPOCHS), default=15, help="epochs of each teacher (default 15; cached on disk)")

    p = sub.add_parser("omit-class", help="a digit removed from the transfer set, and the logit bias that brings it back")
    _add_lab_options(p, T=8.0, gamma=1.0)
    p.add_argument("--digit", type=DIGIT, default=3, help="the digit never seen, 0-9 (default 3)")

    p = sub.add_parser("hinton", help="Hinton et al.'s MNIST table on the chosen data set: errors of the teacher, a "
                                      "784-800-800-10 student with and without distillation at T = 20, one class omitted")
    p.add_argument("--seeds", type=SEED, nargs="+", default=[0, 1, 2], help="default 0 1 2")
    p.add_argument("--epochs", type=EPOCHS, default=20, help="default 20")
    p.add_argument("--hidden", type=int_at_least("hidden size", 1), nargs="+", default=[800, 800], help="default 800 800")
    p.add_argument("--temperature", "-T", type=TEMPERATURE, default=20.0, help="T of the distilled students (default 20)")
    p.add_argument("--omit-class", type=DIGIT, default=3, help="the class left out of the transfer set, 0-9 (default 3)")
    p.add_argument("--json", action="store_true", help="print one JSON object")

    p = sub.add_parser("sweep", help="test accuracy over a T x gamma grid and several seeds, in parallel, cached")
    p.add_argument("--temperatures", type=TEMPERATURE, nargs="+", default=[1.0, 2.0, 4.0, 8.0, 16.0], help="default 1 2 4 8 16")
    p.add_argument("--gammas", type=GAMMA, nargs="+", default=[0.0, 0.25, 0.5, 0.75, 0.9, 1.0], help="default 0 0.25 0.5 0.75 0.9 1")
    p.add_argument("--seeds", type=SEED, nargs="+", default=[0, 1, 2], help="default 0 1 2")
    p.add_argument("--epochs", type=EPOCHS, default=30, help="default 30")
    p.add_argument("--hidden", type=int_at_least("hidden size", 1), nargs="+", default=[128], help="default 128")
    p.add_argument("--n-jobs", type=int_at_least("n-jobs", 1), default=2, help="joblib workers, 1 torch thread each (default 2)")
    p.add_argument("--no-cache", action="store_true", help="neither read nor write the on-disk result cache")
    _add_output_options(p)

    p = sub.add_parser("compress", help="pruning, int8 quantization, low-rank, compact filters and distillation: size, latency, accuracy")
    p.add_argument("--quick", action="store_true", help="every method once, tiny training, no fine-tuning (seconds; for a first look and CI)")
    p.add_argument("--seeds", type=SEED, nargs="+", default=None, help="training seeds (default 0 1 2; --quick: 0)")
    p.add_argument("--threads", type=int_at_least("threads", 1), default=1, help="torch threads for the latency measurement (default 1)")
    p.add_argument("--no-cache", action="store_true", help="neither read nor write the on-disk result cache")
    _add_output_options(p)  # --ship: kdviz/results/compress.json, which the Compression page opens with
    cli_features.add_parser(sub, seed_type=SEED, epochs_type=EPOCHS,
                            add_output=_add_output_options)
    cli_capacity.add_parser(sub, seed_type=SEED, epochs_type=EPOCHS,
                            jobs_type=int_at_least("n-jobs", 1), add_output=_add_output_options)
    cli_divergences.add_parser(sub, seed_type=SEED, epochs_type=EPOCHS,
                               jobs_type=int_at_least("n-jobs", 1), add_output=_add_output_options)
    for p in sub.choices.values():  # every command takes the data set
        _add_data_options(p)
    parser.commands = sub.choices  # name → its parser (check_args says a problem as the subcommand's argparse would)
    return parser


def cmd_train_teacher(args) -> dict:
    from kdviz.data import datasets
    from kdviz.train.teacher import save_model, train_teacher

    if args.data_dir is not None:
        raise ValueError("train-teacher rebuilds a shipped teacher (--data); a folder's teacher is trained on "
                         "first use and cached")
    spec = datasets.dataset(args.data)
    data = datasets.load_split(spec.key)
    model, meta = train_teacher(data, log=lambda line: print(line, file=sys.stderr),
                                command=datasets.rebuild_command(spec.key), dataset=spec.key)
    save_model(model, spec.teacher, meta)
    print(f"saved {spec.teacher} (test acc {meta['test_acc']:.4f}, {meta['train_seconds']} s)", file=sys.stderr)
    return meta


COMMANDS = {  # subcommand → (run, print for humans)
    "distill": (cli_distill.cmd_distill, cli_distill.print_distill),
    "train-teacher": (cmd_train_teacher, None),
    "fewer-labels": (cli_lab.cmd_fewer_labels, cli_lab.print_fewer_labels),
    "self-distill": (cli_lab.cmd_self_distill, cli_lab.print_self_distill),
    "merge": (cli_lab.cmd_merge, cli_lab.print_merge),
    "omit-class": (cli_lab.cmd_omit_class, cli_lab.print_omit_class),
    "hinton": (cli_lab.cmd_hinton, cli_lab.print_hinton),
    "dkd-compare": (cli_lab.cmd_dkd_compare, cli_lab.print_dkd_compare),
    "sweep": (cli_lab.cmd_sweep, cli_lab.print_sweep),
    "compress": (cli_lab.cmd_compress, cli_lab.print_compress),
    "features": (cli_features.cmd_features, cli_features.print_features),
    "capacity": (cli_capacity.cmd_capacity, cli_capacity.print_capacity),
    "divergences": (cli_divergences.cmd_divergences, cli_divergences.print_divergences),
}


def student_params(hidden) -> int:
    """Weights and biases of the MLP student 784-h1-…-hk-10."""
    sizes = [784, *hidden, 10]
    return sum(n_in * n_out + n_out for n_in, n_out in zip(sizes, sizes[1:]))


def check_args(parser: argparse.ArgumentParser, args) -> None:
    """What one option alone can't check, before any work starts: argparse's one-line error (status 2) when it fails.
    Requests for more workers or threads than the cores are capped (:mod:`kdviz.base.cores`) with a one-line note."""
    from kdviz.base.cores import capped

    parser = getattr(parser, "commands", {}).get(args.command, parser)
    hidden = getattr(args, "hidden", None)
    if hidden is not None and student_params(hidden) > MAX_STUDENT_PARAMS:
        parser.error(f"argument --hidden: a student 784-{'-'.join(map(str, hidden))}-10 has {student_params(hidden):,} "
                     f"parameters; the limit is {MAX_STUDENT_PARAMS:,} (~160 MB to train with Adam)")
    if args.command == "distill":
        cli_distill.check_loss_args(parser, args)
    switch = getattr(args, "switch_epoch", None)
    if switch is not None and switch >= args.epochs:
        parser.error(f"argument --switch-epoch: the snapshot is taken after an epoch before the last, "
                     f"1..{args.epochs - 1} with --epochs {args.epochs}, got {switch}" if args.epochs > 1 else
                     "argument --switch-epoch: with --epochs 1 there is no epoch before the last to take a snapshot after")
    note = lambda line: print(f"python -m kdviz: note: {line}", file=sys.stderr)  # noqa: E731
    for name in ("n_jobs", "threads"):
        if getattr(args, name, None) is not None:
            setattr(args, name, capped(getattr(args, name), "--" + name.replace("_", "-"), note=note))
    if getattr(args, "ship", False):
        from kdviz.cli.common import check_ship

        check_ship()


def _say(line: str) -> None:
    print(f"python -m kdviz: {line}", file=sys.stderr)


def _one_line(err: BaseException) -> str:
    lines = str(err).strip().splitlines()
    return lines[0][:300] if lines else type(err).__name__


def _quiet_stdout() -> None:
    """Point stdout at /dev/null after a failed write, so that the flush at exit can't fail (and print) again."""
    try:
        sys.stdout.flush()
    except (OSError, ValueError):
        pass
    try:
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, sys.stdout.fileno())
        os.close(null)
    except (AttributeError, OSError, ValueError, io.UnsupportedOperation):  # stdout without a file (a test's capture)
        pass


def main(argv: list[str] | None = None) -> int:
    """Run ``python -m kdviz ARGV``: 0, 1 (one line on stderr: a runtime problem) or 2 (argparse: a bad argument)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except OSError as err:  # --help into a full disk
        _quiet_stdout()
        _say(f"error: could not write the output: {_one_line(err)}")
        return 1
    args.argv = argv  # what --ship records as the command
    run, show = COMMANDS[args.command]
    from kdviz.train.modelfile import ModelFileError

    start = time.perf_counter()
    with warnings.catch_warnings():  # a warning is one line too (a cache that can't be written, …)
        warnings.showwarning = lambda message, *a, **k: _say(f"warning: {_one_line(message)}")
        try:
            check_args(parser, args)
            out = run(args)
        except (ModelFileError, ValueError, OSError) as err:
            _say(f"error: {_one_line(err)}")
            return 1
        except MemoryError:
            _say("error: out of memory")
            return 1
        except KeyboardInterrupt:
            _say("interrupted")
            return 130
        except Exception as err:  # torch's RuntimeErrors and anything else: one line, never a traceback
            _say(f"error: {type(err).__name__}: {_one_line(err)}")
            return 1
    try:
        if getattr(args, "json", False):
            print(dumps(out))
        elif show is not None:
            show(out)
            print(f"({time.perf_counter() - start:.1f} s in all)")
        sys.stdout.flush()
    except OSError as err:  # > /dev/full, a closed pipe
        _quiet_stdout()
        _say(f"error: could not write the output: {_one_line(err)}")
        return 1
    return 0
