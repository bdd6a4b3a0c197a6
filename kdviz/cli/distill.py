"""``python -m kdviz distill``: one student (and its baseline) against the shipped teacher, with any soft term.

The parser is :func:`kdviz.cli.main.build_parser`'s; here are the config it makes, the checks of the options that
only make sense together (``--method``, ``--loss``, ``--standardize``, ``--alpha``, ``--beta``), the run and its
printout.
"""

from __future__ import annotations

import argparse

from kdviz.cli.common import resources as _resources
from kdviz.train import defaults
from kdviz.train.config import TrainConfig

__all__ = ["check_loss_args", "cmd_distill", "print_distill"]


def _config(args):
    dkd, kind = args.method == "dkd", args.loss
    return TrainConfig(
        hidden=tuple(args.hidden), epochs=args.epochs, lr=args.lr, batch_size=args.batch_size,
        T=args.temperature, gamma=args.gamma, seed=args.seed, method=args.method, warmup=args.warmup,
        alpha=args.alpha if dkd and args.alpha is not None else defaults.ALPHA,
        beta=args.beta if dkd and args.beta is not None else defaults.BETA,
        divergence=kind, standardize=args.standardize,
        jsd_beta=args.beta if kind == "jsd" and args.beta is not None else defaults.JSD_BETA,
        skew_alpha=args.alpha if kind in ("skl", "srkl") and args.alpha is not None else defaults.SKEW_ALPHA,
    )


def check_loss_args(parser: argparse.ArgumentParser, args) -> None:
    """distill's --method, --loss, --standardize, --alpha and --beta together: one line for what does not fit."""
    if args.method == "dkd":
        if args.loss != "fkl" or args.standardize:
            parser.error("argument --loss/--standardize: --method dkd splits the forward KL; use --loss fkl without "
                         "--standardize, or --method kd")
        return
    for flag, value, kinds, what in (("--beta", args.beta, ("jsd",), "JSD's weight"),
                                     ("--alpha", args.alpha, ("skl", "srkl"), "the skew")):
        if value is None:
            continue
        if args.loss not in kinds:
            parser.error(f"argument {flag}: applies to --method dkd or --loss {' / '.join(kinds)}, not --loss {args.loss}")
        if not 0.0 <= value <= 1.0:
            parser.error(f"argument {flag}: with --loss {args.loss}, {what} must be in [0, 1], got {value:g}")


def cmd_distill(args) -> dict:
    config = _config(args)
    if args.label_fraction < 1.0 or args.omit_class is not None:
        from kdviz.lab.results import distill_json

        out = distill_json(_resources(args), config, label_fraction=args.label_fraction, omit=args.omit_class,
                           baseline=args.baseline)
    else:
        from kdviz.train.experiments import distill

        out = distill(_resources(args), config, baseline=args.baseline)
    return out | {"method": config.method, "alpha": config.alpha, "beta": config.beta, "warmup": config.warmup,
                  "loss": config.divergence, "jsd_beta": config.jsd_beta, "skew_alpha": config.skew_alpha,
                  "standardize": config.standardize}


def print_distill(out: dict) -> None:
    from kdviz.train.models import describe

    c = out["config"]
    print(f"student {describe({'kind': 'mlp', 'hidden': c['hidden']})}, T={c['T']}, gamma={c['gamma']}, {c['epochs']} epochs, seed {c['seed']}")
    if out.get("method") == "dkd":
        print(f"decoupled KD       alpha={out['alpha']:g}, beta={out['beta']:g}, warm-up {out['warmup']} epochs")
    elif out.get("loss", "fkl") != "fkl" or out.get("standardize"):
        weight = {"jsd": f", beta={out['jsd_beta']:g}", "skl": f", alpha={out['skew_alpha']:g}", "srkl": f", alpha={out['skew_alpha']:g}"}
        print(f"soft term          {out['loss']}{weight.get(out['loss'], '')}{', standardized logits' if out['standardize'] else ''}")
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
