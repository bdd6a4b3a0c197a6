"""The comparison: every method of the plan for each seed, every model measured alike, the table cached.

:func:`compare` returns one row per method (:data:`ROW_KEYS`). A row names its method by
a catalog key with fields (``key``, ``fields``) and its one-line, measured account of what
it traded by another (``note_key``, ``note_fields``); ``method`` and ``note`` hold their
English text. The table is cached on disk as JSON (atomic, rebuilt when corrupt), keyed by
the settings, the data split, the teacher's sha256, torch and the quantized engine; the
baseline student of each seed is cached as safetensors. :func:`to_result` is the table as
the CLI prints it with ``--json`` (and ships it), :func:`from_result` the way back.
"""

from __future__ import annotations

import math
import time
from pathlib import Path

import pandas as pd
import torch
from torch import nn

from kdviz.base.diskcache import cache_dir, keyed_path, load_json, load_or_build, save_json
from kdviz.base.i18n import Message, render
from kdviz.base.progress import Progress, report
from kdviz.compress.config import CURVE_RANKS, DEFAULT, CompressConfig
from kdviz.compress.lowrank import rank_study
from kdviz.compress.measure import accuracy_on_test, latencies, measure
from kdviz.compress.methods import BASE_NAMES, Method, Source, fine_tune, plan
from kdviz.compress.prune import finish_pruning, rebuild_structured, weight_sparsity
from kdviz.maths.stats import sample_std, to_json_rows
from kdviz.train.config import to_plain
from kdviz.train.loop import TrainConfig, torch_threads, train_student
from kdviz.train.modelfile import ModelFileError, load_model, save_model
from kdviz.train.resources import Resources

__all__ = ["ROW_KEYS", "baseline_student", "cached_student", "note", "compare_key", "compare_cache_path",
           "load_cached_compare", "compare", "to_result", "from_result"]

_CACHE_VERSION = 2
ROW_KEYS = (
    "method", "family", "base", "params", "size_bytes", "sparse_bytes", "size_ratio", "latency_ms_1", "latency_ms_256",
    "test_acc", "test_acc_std", "n_seeds", "seconds", "sparsity", "rank", "finetune_epochs", "threads", "note",
    "key", "fields", "note_key", "note_fields",
)


def _folder(folder: Path | str | None) -> Path:
    return Path(folder) if folder is not None else cache_dir() / "compress"


# ---------------------------------------------------------------- the baseline student


def _student_path(res: Resources, c: CompressConfig, seed: int, folder: Path | str | None) -> Path:
    key = {"split": res.data.fingerprint, "hidden": list(c.student_hidden), "epochs": c.student_epochs, "seed": int(seed), "v": 1}
    return keyed_path(_folder(folder), "student", key, suffix=".safetensors", length=12)


def cached_student(res: Resources, config: CompressConfig = DEFAULT, *, seed: int | None = None,
                   folder: Path | str | None = None) -> tuple[nn.Module, dict] | None:
    """The baseline student of ``seed`` (default: the first seed) from the disk cache, as ``(model, meta)``, or None. Never trains."""
    seed = config.seeds[0] if seed is None else int(seed)
    try:
        return load_model(_student_path(res, config, seed, folder), what="student", fingerprint=res.data.fingerprint)
    except ModelFileError:
        return None


def baseline_student(res: Resources, config: CompressConfig = DEFAULT, *, seed: int, folder: Path | str | None = None,
                     use_cache: bool = True) -> tuple[nn.Module, float]:
    """The MLP student trained on the labels alone (γ = 0), cached as safetensors. Returns ``(model, training seconds)``."""
    path = _student_path(res, config, seed, folder)

    def load():
        hit = cached_student(res, config, seed=seed, folder=folder)
        return None if hit is None else (hit[0], float(hit[1].get("train_seconds", math.nan)))

    def build():
        cfg = TrainConfig(hidden=config.student_hidden, epochs=config.student_epochs, gamma=0.0, seed=seed,
                          num_threads=config.train_threads)
        run = train_student(res.data, res.logits, cfg)
        return run.model, run.seconds

    def save(built):
        model, seconds = built
        meta = {"architecture": {"kind": "mlp", "hidden": list(config.student_hidden)}, "split_fingerprint": res.data.fingerprint,
                "seed": int(seed), "test_acc": accuracy_on_test(model, res.data), "train_seconds": round(seconds, 3),
                "command": "kdviz.compress.baseline_student (cached; rebuilt automatically)"}
        try:
            save_model(model, path, meta)
        except OSError:
            pass  # an unwritable cache only costs the next run its training

    return load_or_build(load, build, save, use_cache=use_cache)[0]


# ---------------------------------------------------------------- one method, one seed


def _build(method: Method, src: Source) -> tuple[nn.Module, float, float | None]:
    """Build ``method`` from ``src``: ``(model in eval mode, seconds of its own work, sparsity before a rebuild or None)``."""
    start = time.perf_counter()
    model, seconds = method.build(src, **method.args)
    if method.finetune:
        fine_tune(model, src.res.data, epochs=method.finetune, lr=src.config.finetune_lr, seed=src.seed,
                  threads=src.config.train_threads)
    if seconds is None or method.finetune:
        seconds = time.perf_counter() - start
    finish_pruning(model)
    sparsity = None
    if method.rebuild:
        sparsity = weight_sparsity(model)  # of the masked model, before it is rebuilt
        model = rebuild_structured(model)
    return model.eval(), float(seconds), sparsity


def note(method: Method, row: dict, base_row: dict) -> Message:
    """A one-line, measured account of what ``row`` traded against ``base_row`` (its base's baseline row)."""
    if method.family == "baseline":
        return "plots_compress.n_reference", {}
    traded = {"size": row["size_bytes"] / base_row["size_bytes"], "base": BASE_NAMES[method.base],
              "speed": base_row["latency_ms_256"] / row["latency_ms_256"], "delta": 100 * (row["test_acc"] - base_row["test_acc"])}
    if method.rebuild:
        return "plots_compress.n_traded_removed", {"removed": 1 - row["params"] / base_row["params"], **traded}
    if method.family == "pruning":
        return "plots_compress.n_traded_zeros", {"sparsity": row["sparsity"], "csr": row["sparse_bytes"] / base_row["size_bytes"], **traded}
    return "plots_compress.n_traded", traded


# ---------------------------------------------------------------- cache


def compare_key(res: Resources, config: CompressConfig = DEFAULT) -> dict:
    """What a comparison's numbers depend on: the config, the data split, the teacher, torch and the quantized engine."""
    return {
        "config": config.to_dict(),
        "split": res.data.fingerprint,
        "teacher": str(res.teacher_meta.get("sha256", "")),
        "torch": torch.__version__,
        "engine": torch.backends.quantized.engine,
        "version": _CACHE_VERSION,
    }


def compare_cache_path(key: dict, folder: Path | str | None = None) -> Path:
    """``<folder>/compare-<hash of key>.json``; default folder ``cache_dir()/compress``."""
    return keyed_path(_folder(folder), "compare", key)


def _identity(rows: list[dict]) -> list:
    return [[r["key"], r["fields"], r["family"], r["base"]] for r in rows]


def _frame(rows: list[dict], **attrs) -> pd.DataFrame:
    df = pd.DataFrame(rows, columns=list(ROW_KEYS)).astype({"rank": float, "test_acc_std": float, "sparsity": float})
    df.attrs.update(attrs)
    return df


def load_cached_compare(key: dict, folder: Path | str | None = None) -> pd.DataFrame | None:
    """The cached comparison for ``key``, or None when missing, corrupt, for another key or for another plan."""
    blob = load_json(compare_cache_path(key, folder))
    try:
        rows = blob["rows"]
        methods = plan(CompressConfig.from_dict(key["config"]))
        expected = _identity([{"key": m.key, "fields": to_plain(m.message[1]), "family": m.family, "base": m.base} for m in methods])
        if blob.get("key") != key or _identity(rows) != expected or not isinstance(blob.get("rank_study"), dict):
            return None
        if not all(0.0 <= float(r["test_acc"]) <= 1.0 and int(r["size_bytes"]) > 0 for r in rows):
            return None
        return _frame(rows, cached=True, wall_seconds=float(blob.get("meta", {}).get("wall_seconds", 0.0)),
                      per_seed=blob.get("per_seed", []), threads=int(key["config"]["threads"]), engine=key["engine"],
                      rank_study=blob["rank_study"])
    except (ValueError, KeyError, TypeError, AttributeError):  # None, or not the shape written below
        return None


# ---------------------------------------------------------------- compare


def compare(
    res: Resources,
    *,
    config: CompressConfig = DEFAULT,
    use_cache: bool = True,
    folder: Path | str | None = None,
    progress: Progress = None,
) -> pd.DataFrame:
    """Run every method of :func:`~kdviz.compress.methods.plan` for each seed and measure every model.

    Test accuracy and seconds are means over ``config.seeds`` (``test_acc_std``: sample
    std, NaN for one seed; deterministic methods on the fixed teacher give 0). Size,
    parameters, sparsity and latency are those of the first seed's model (the same
    architecture for every seed), with ``config.threads`` torch threads.

    Returns
    -------
    DataFrame, one row per method (columns ``ROW_KEYS``): method, family (one of
    ``FAMILIES``), base ("teacher" or "student"), params, size_bytes, sparse_bytes,
    size_ratio (size_bytes / the base's), latency_ms_1, latency_ms_256, test_acc,
    test_acc_std, n_seeds, seconds, sparsity, rank, finetune_epochs, threads, note, and the
    identities: key and fields (the method's name), note_key and note_fields (its note).
    ``df.attrs``: cached, wall_seconds, per_seed (one dict per method and seed: method,
    seed, test_acc, seconds), threads, engine, rank_study (:func:`~kdviz.compress.lowrank.rank_study`
    of the first seed's baseline student at ``CURVE_RANKS``).
    """
    key = compare_key(res, config)

    def save(df: pd.DataFrame) -> None:
        blob = {"key": key, "meta": {"wall_seconds": round(df.attrs["wall_seconds"], 2)}, "rows": to_json_rows(df),
                "per_seed": df.attrs["per_seed"], "rank_study": df.attrs["rank_study"]}
        save_json(compare_cache_path(key, folder), blob, what="the compression cache")

    df, cached = load_or_build(lambda: load_cached_compare(key, folder),
                               lambda: _run(res, config, use_cache=use_cache, folder=folder, progress=progress), save,
                               use_cache=use_cache)
    report(progress, 1.0, "progress.compress_cached" if cached else "progress.compress_done")
    return df


def _run(res: Resources, config: CompressConfig, *, use_cache: bool, folder: Path | str | None, progress: Progress) -> pd.DataFrame:
    """:func:`compare` without its cache."""
    methods = plan(config)
    n_steps = len(config.seeds) * len(methods) + len(methods)  # builds, then the timing
    start = time.perf_counter()
    per_seed: list[dict] = []
    accs: list[list[float]] = [[] for _ in methods]
    secs: list[list[float | None]] = [[] for _ in methods]
    first: list[tuple[nn.Module, float | None]] = []  # the first seed's models, with their sparsity before a rebuild
    study: dict = {}
    teacher_seconds = float(res.teacher_meta.get("train_seconds", math.nan))
    for n, seed in enumerate(config.seeds):
        with torch_threads(config.train_threads):  # building and evaluating; timing uses config.threads
            report(progress, n * len(methods) / n_steps, "progress.compress_student", seed=seed)
            student, student_seconds = baseline_student(res, config, seed=seed, folder=folder, use_cache=use_cache)
            bases = {"teacher": (res.teacher, teacher_seconds), "student": (student, student_seconds)}
            for i, method in enumerate(methods):
                report(progress, (n * len(methods) + i) / n_steps, "progress.compress_method", seed=seed, method=method.message)
                model, seconds, sparsity = _build(method, Source(*bases[method.base], res=res, config=config, seed=seed))
                acc = accuracy_on_test(model, res.data)
                accs[i].append(acc)
                secs[i].append(round(seconds, 3) if math.isfinite(seconds) else None)
                per_seed.append({"method": method.name, "seed": seed, "test_acc": acc, "seconds": secs[i][-1]})
                if n == 0:
                    first.append((model, sparsity))
            if n == 0:
                study = rank_study(student, res.data, CURVE_RANKS)
    done = len(config.seeds) * len(methods)
    report(progress, done / n_steps, "progress.compress_timing_1")
    models = {i: model for i, (model, _) in enumerate(first)}
    lat1 = latencies(models, res.data.x_test[:1], repeats=config.repeats_1, warmup=config.warmup, threads=config.threads)
    report(progress, (done + len(methods) // 2) / n_steps, "progress.compress_timing_256")
    lat256 = latencies(models, res.data.x_test[:256], repeats=config.repeats_256, warmup=config.warmup, threads=config.threads)
    rows = []
    for i, (method, (model, sparsity)) in enumerate(zip(methods, first)):
        row = {"method": method.name, "family": method.family, "base": method.base, **measure(model),
               "latency_ms_1": lat1[i], "latency_ms_256": lat256[i], "test_acc": sum(accs[i]) / len(accs[i]),
               "test_acc_std": sample_std(accs[i]), "n_seeds": len(accs[i]),
               "seconds": float(pd.Series(secs[i], dtype=float).mean()),  # NaN-skipping mean
               "rank": float(method.args.get("rank", math.nan)), "finetune_epochs": method.finetune, "threads": int(config.threads),
               "key": method.key, "fields": to_plain(method.message[1])}
        if sparsity is not None:
            row["sparsity"] = sparsity
        rows.append(row)
    base_rows = {m.base: r for m, r in zip(methods, rows) if m.family == "baseline"}
    for method, row in zip(methods, rows):
        base_row = base_rows[method.base]
        row["size_ratio"] = row["size_bytes"] / base_row["size_bytes"]
        message = note(method, row, base_row)
        row.update(note=render(message, "en"), note_key=message[0], note_fields=to_plain(message[1]))
    for row in rows:
        for k in ("latency_ms_1", "latency_ms_256", "seconds"):
            row[k] = round(row[k], 4)
    return _frame(rows, cached=False, wall_seconds=time.perf_counter() - start, per_seed=per_seed,
                  threads=int(config.threads), engine=torch.backends.quantized.engine, rank_study=study)


# ---------------------------------------------------------------- the result as JSON


def to_result(df: pd.DataFrame, *, config: CompressConfig, command: str) -> dict:
    """The comparison as ``python -m kdviz compress --json`` prints it (and ``--ship`` ships it)."""
    return {
        "rows": to_json_rows(df),
        "per_seed": df.attrs["per_seed"],
        "threads": config.threads,
        "seeds": list(config.seeds),
        "quantized_engine": df.attrs["engine"],
        "torch": torch.__version__,
        "config": config.to_dict(),
        "wall_seconds": round(df.attrs["wall_seconds"], 2),
        "cached": bool(df.attrs["cached"]),
        "command": command,
        "rank_study": df.attrs["rank_study"],
    }


def from_result(result: dict) -> tuple[pd.DataFrame, CompressConfig]:
    """The table and the config of a :func:`to_result` dict (a shipped result), with the attrs of :func:`compare`.

    Raises ``ValueError`` (one line) when ``result`` is not such a dict.
    """
    try:
        config = CompressConfig.from_dict(result["config"])
        df = _frame(result["rows"], cached=bool(result.get("cached")), wall_seconds=float(result.get("wall_seconds", 0.0)),
                    per_seed=result.get("per_seed", []), threads=int(result["threads"]), engine=result.get("quantized_engine", ""),
                    rank_study=result.get("rank_study"))
        missing = {"key", "fields", "note_key", "note_fields", "test_acc"} - set(df.columns[df.notna().all()])
    except (KeyError, TypeError, ValueError, AttributeError) as err:
        raise ValueError(f"not a compression result ({type(err).__name__}: {err})") from None
    if missing or df.empty:
        raise ValueError(f"not a compression result (rows without {', '.join(sorted(missing)) or 'anything'})")
    return df, config
