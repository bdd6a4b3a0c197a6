"""The lab's subcommands of ``python -m kdviz`` (fewer-labels, self-distill, merge, omit-class, hinton, dkd-compare,
sweep, compress): each runs its experiment and returns its JSON, and prints it for humans. The parsers and the
shared helpers (resources, progress, ``--ship``) are :mod:`kdviz.cli.main`'s; nothing here imports torch until a
command runs.
"""

from __future__ import annotations

__all__ = ["cmd_fewer_labels", "print_fewer_labels", "cmd_self_distill", "print_self_distill", "cmd_merge", "print_merge",
           "cmd_omit_class", "print_omit_class", "cmd_hinton", "print_hinton", "cmd_dkd_compare", "print_dkd_compare",
           "cmd_sweep", "print_sweep", "cmd_compress", "print_compress"]

import sys

from kdviz.cli.common import lab_config as _lab_config
from kdviz.cli.common import pm as _pm
from kdviz.cli.common import resources as _resources
from kdviz.cli.common import ship as _ship
from kdviz.cli.common import with_progress as _with_progress


def cmd_fewer_labels(args) -> dict:
    from kdviz.lab import fewer_labels
    from kdviz.lab.results import fewer_labels_json

    res, config = _resources(args), _lab_config(args)
    fractions = sorted(set(args.fractions))
    df = _with_progress(args, fewer_labels, res, fractions, args.seeds, config)
    return _ship(args, "fewer_labels", res, fewer_labels_json(df, config))


def print_fewer_labels(out: dict) -> None:
    labelled = {r["fraction"]: r["n_labelled"] for r in out["rows"]}
    for r in out["summary"]:
        print(f"{r['fraction']:>5.0%} labels ({labelled[r['fraction']]:>4}): distilled {_pm(r['distilled_acc_mean'], r['distilled_acc_std'])}"
              f"   labels only {_pm(r['baseline_acc_mean'], r['baseline_acc_std'])}   gain {_pm(r['gain_mean'], r['gain_std'])}")
    print(f"(seeds {out['seeds']})")


def cmd_self_distill(args) -> dict:
    from kdviz.lab import born_again, snapshot_self_distill
    from kdviz.lab.results import self_distill_json

    res, config = _resources(args), _lab_config(args)
    born = _with_progress(args, born_again, res, args.generations, args.seeds, config)
    switch, snapshot = None, None
    if config.epochs >= 2:
        switch = min(args.switch_epoch if args.switch_epoch is not None else max(1, (2 * config.epochs) // 3), config.epochs - 1)
        snapshot = _with_progress(args, snapshot_self_distill, res, switch, args.seeds, config)
    return _ship(args, "self_distill", res, self_distill_json(born, snapshot, config, switch))


def print_self_distill(out: dict) -> None:
    for g, (m, sd) in enumerate(zip(out["generation_acc"], out["generation_std"])):
        print(f"generation {g}  test acc {_pm(m, sd)}" + ("   (labels only)" if g == 0 else f"   (taught by generation {g - 1})"))
    s = out["snapshot"]
    if s is not None:
        print(f"snapshot after epoch {s['switch_epoch']}: {_pm(s['phase1_acc'], s['phase1_std'])}; at epoch {out['config']['epochs']}: "
              f"labels only {_pm(s['labels_only_acc'], s['labels_only_std'])}, self-distilled {_pm(s['self_distilled_acc'], s['self_distilled_std'])}")
    print(f"(seeds {out['seeds']})")


def cmd_merge(args) -> dict:
    from kdviz.lab import merge_teachers
    from kdviz.lab.results import merge_json
    from kdviz.train.teacher import TeacherConfig

    res, config = _resources(args), _lab_config(args)
    per_class, summary = _with_progress(args, merge_teachers, res, args.seeds, config,
                                        teacher_config=TeacherConfig(epochs=args.teacher_epochs))
    return _ship(args, "merge", res, merge_json(per_class, summary, config))


def print_merge(out: dict) -> None:
    print(f"teacher A (digits 0-4) on test 0-4: {out['teacher_a_acc']:.4f}   teacher B (5-9) on test 5-9: {out['teacher_b_acc']:.4f}")
    print(f"teachers concatenated, all test digits: {out['concat_teacher_acc']:.4f}")
    print(f"merged student (no labels): {_pm(out['merged_student_acc'], out['merged_student_std'])}   "
          f"joint student (all labels): {_pm(out['joint_student_acc'], out['joint_student_std'])}   (seeds {out['seeds']})")


def cmd_omit_class(args) -> dict:
    from kdviz.lab import omit_class
    from kdviz.lab.results import omit_class_json

    res, config = _resources(args), _lab_config(args)
    runs, per_class, curves = _with_progress(args, omit_class, res, args.digit, args.seeds, config)
    return _ship(args, "omit_class", res, omit_class_json(args.digit, runs, per_class, curves, config))


def print_omit_class(out: dict) -> None:
    d, c = out["omitted_class"], out["config"]
    print(f"digit {d} never in the transfer set ({out['n_transfer']} digits); T={c['T']}, gamma={c['gamma']}, {c['epochs']} epochs")
    print(f"test {d}s right: {_pm(out['omitted_class_acc'], out['omitted_class_acc_std'])} with no bias, "
          f"{_pm(out['omitted_class_acc_after_bias'], out['omitted_class_acc_after_bias_std'])} with the bias chosen on held-out "
          f"train digits ({', '.join(f'{b:g}' for b in out['best_bias'])} by seed)")
    print(f"all test digits: {_pm(out['test_acc'], out['test_acc_std'])} -> {_pm(out['test_acc_after_bias'], out['test_acc_after_bias_std'])}"
          f"   (seeds {out['seeds']})")


def cmd_hinton(args) -> dict:
    from kdviz.lab.hinton import HINTON_CONFIG, hinton_table
    from kdviz.train.config import check_seeds

    check_seeds(args.seeds)
    res = _resources(args)
    config = HINTON_CONFIG.replace(hidden=tuple(args.hidden), epochs=args.epochs, T=args.temperature)
    out = _with_progress(args, hinton_table, res, args.seeds, config, omitted=args.omit_class)
    return out | {"dataset": res.dataset, "data_fingerprint": res.data.fingerprint}


def print_hinton(out: dict) -> None:
    from kdviz.lab.hinton import PAPER

    n, c = out["n_test"], out["config"]
    print(f"errors out of {n:,} test images on {out['dataset']} (784-{'-'.join(map(str, c['hidden']))}-10, "
          f"T = {c['T']:g}, {c['epochs']} epochs, seeds {out['seeds']}); Hinton et al. on full MNIST for comparison")
    rows = [("teacher", out["teacher_errors"], None, PAPER["teacher_errors"]),
            ("student, labels only", out["student_errors"], out["student_errors_std"], PAPER["student_errors"]),
            ("student, distilled", out["distilled_errors"], out["distilled_errors_std"], PAPER["distilled_errors"]),
            (f"class {out['omitted_class']} omitted", out["omitted_errors"], out["omitted_errors_std"], PAPER["omitted_errors"]),
            ("  after the bias fix", out["omitted_errors_after_bias"], out["omitted_errors_after_bias_std"],
             PAPER["omitted_errors_after_bias"])]
    for name, mean, std, paper in rows:
        print(f"{name:<24} {_pm_count(mean, std):>14}   (paper: {paper})")
    print(f"bias chosen on held-out train images: {_pm_count(out['best_bias'], out['best_bias_std'])} (paper: {PAPER['best_bias']})")


def _pm_count(mean: float, std: float | None) -> str:
    """``146.3 ± 4.2`` (a mean over seeds), or ``67`` (a count)."""
    return f"{mean}" if isinstance(mean, int) else f"{mean:.1f}" + (f" ± {std:.1f}" if std is not None else "")


def cmd_dkd_compare(args) -> dict:
    from kdviz.lab.dkd import dkd_compare, dkd_compare_json

    def show(row: dict) -> None:
        beta = "" if row["method"] == "kd" else f" beta={row['beta']:g}"
        print(f"\r{row['done']}/{row['runs']} {row['method'].upper()}{beta}, seed {row['seed']}: test acc {row['test_acc']:.4f}   ",
              end="\n" if row["done"] == row["runs"] else "", file=sys.stderr, flush=True)

    res = _resources(args)
    df = dkd_compare(res, seeds=args.seeds, epochs=args.epochs, T=args.temperature, betas=args.betas, alpha=args.alpha,
                     gamma=args.gamma, warmup=args.warmup, callback=None if args.json else show)
    return _ship(args, "dkd", res, dkd_compare_json(df, res))


def print_dkd_compare(out: dict) -> None:
    from kdviz.lab.dkd import dkd_table

    print(dkd_table(out))


def cmd_sweep(args) -> dict:
    from kdviz.lab.results import sweep_json
    from kdviz.train.loop import TrainConfig
    from kdviz.train.sweep import sweep

    res = _resources(args)
    df = _with_progress(args, sweep, res, args.temperatures, args.gammas, args.seeds,
                        TrainConfig(hidden=tuple(args.hidden), epochs=args.epochs), n_jobs=args.n_jobs, use_cache=not args.no_cache)
    return _ship(args, "sweep", res, sweep_json(df, n_jobs=args.n_jobs))


def print_sweep(out: dict) -> None:
    import pandas as pd

    cells = pd.DataFrame(out["cells"])
    table = cells.assign(acc=[f"{m:.3f}±{s:.3f}" for m, s in zip(cells["test_acc_mean"], cells["test_acc_std"].fillna(0))])
    print(table.pivot(index="gamma", columns="T", values="acc").to_string())
    print("(cached)" if out["cached"] else f"{len(out['rows'])} cells x seeds in {out['wall_seconds']:.1f} s with {out['n_jobs']} job(s)")


def cmd_compress(args) -> dict:
    from kdviz import compress

    config = (compress.QUICK if args.quick else compress.DEFAULT).replace(threads=args.threads)
    if args.seeds is not None:
        config = config.replace(seeds=tuple(args.seeds))
    res = _resources(args)
    df = _with_progress(args, compress.compare, res, config=config, use_cache=not args.no_cache)
    out = compress.to_result(df, config=config, command="python -m kdviz compress" + (" --quick" if args.quick else ""))
    return _ship(args, "compress", res, out)


def print_compress(out: dict) -> None:
    import pandas as pd

    from kdviz.maths.stats import plus_minus

    df = pd.DataFrame(out["rows"])
    table = pd.DataFrame({
        "method": df["method"], "family": df["family"], "params": df["params"],
        "kB": (df["size_bytes"] / 1e3).round(1), "CSR kB": (df["sparse_bytes"] / 1e3).round(1),
        "ms/1": df["latency_ms_1"].round(3), "ms/256": df["latency_ms_256"].round(2),
        "test acc %": [plus_minus(m, s, scale=100) for m, s in zip(df["test_acc"], df["test_acc_std"])],
        "s": df["seconds"].round(2), "sparsity": df["sparsity"].round(3),
    })
    print(table.to_string(index=False))
    print(f"latency: median, {out['threads']} torch thread(s), engine {out['quantized_engine']}; seeds {out['seeds']}"
          + (" (cached)" if out["cached"] else f"; {out['wall_seconds']:.0f} s"))
