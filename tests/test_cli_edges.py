"""The CLI at its edges (issue 28, item 11): every bad value gets one line on stderr and status 2 (an argument)
or 1 (a runtime problem), before any work starts; never a traceback; ``--json`` is strict JSON (NaN → null)."""

import errno
import json
import subprocess
import sys

import numpy as np
import pytest
from test_idx import make_set, write_set

from kdviz.cli.main import main

HUGE = str(2**64)


@pytest.fixture()
def no_work(monkeypatch):
    """Loading the data and the teacher (the start of every command's work) fails the test."""
    import kdviz.train.resources

    def started(*a, **k):
        raise AssertionError("the command started its work before its arguments were checked")

    monkeypatch.setattr(kdviz.train.resources, "load_resources", started)


@pytest.mark.parametrize("args, words", [
    (["distill", "--hidden", "100000000"], "784-100000000-10 has 79,500,000,010 parameters; the limit is 10,000,000"),
    (["hinton", "--hidden", "4000", "4000"], "784-4000-4000-10 has 19,184,010 parameters; the limit is 10,000,000"),
    (["sweep", "--hidden", "100000000"], "parameters; the limit is 10,000,000"),
    (["fewer-labels", "--hidden", "20000"], "parameters; the limit is 10,000,000"),
    (["distill", "--seed", HUGE], "seed must be a whole number in 0..4,294,967,295"),
    (["fewer-labels", "--seeds", "0", HUGE], "seed must be a whole number in 0..4,294,967,295"),
    (["hinton", "--seeds", HUGE], "seed"),
    (["dkd-compare", "--seeds", HUGE], "seed"),
    (["sweep", "--seeds", HUGE], "seed"),
    (["compress", "--quick", "--seeds", HUGE], "seed"),
    (["features", "--quick", "--seeds", HUGE], "seed"),
    (["capacity", "--quick", "--seeds", HUGE], "seed"),
    (["distill", "--epochs", "100000000000"], "epochs must be a whole number in 1..1,000"),
    (["features", "--quick", "--epochs", HUGE], "epochs must be a whole number in 1..1,000"),
    (["distill", "--batch-size", HUGE], "batch size must be a whole number in 1..1,000,000"),
    (["distill", "--method", "dkd", "--warmup", HUGE], "warmup must be a whole number in 0..1,000"),
    (["self-distill", "--generations", "100000"], "generations must be a whole number in 0..20"),
    (["merge", "--teacher-epochs", "100000000"], "teacher epochs must be a whole number in 1..1,000"),
    (["self-distill", "--epochs", "3", "--switch-epoch", "10"], "1..2 with --epochs 3, got 10"),
    (["self-distill", "--epochs", "1", "--switch-epoch", "1"], "with --epochs 1 there is no epoch before the last"),
])
def test_a_bad_value_is_refused_before_the_work(cli_error, no_work, args, words):
    status, line = cli_error(args)
    assert status == 2 and line.startswith(f"python -m kdviz {args[0]}: error: argument ") and words in line, line


def test_the_parameter_bound_is_the_students_weights_and_biases():
    from kdviz.cli.main import MAX_STUDENT_PARAMS, student_params

    assert student_params([128]) == 784 * 128 + 128 + 128 * 10 + 10
    assert student_params([800, 800]) == 784 * 800 + 800 + 800 * 800 + 800 + 800 * 10 + 10 < MAX_STUDENT_PARAMS


def test_ship_into_an_unwritable_folder_is_refused_before_the_work(cli_error, no_work, tmp_path, monkeypatch):
    from kdviz.lab import shipped

    (tmp_path / "a-file").write_text("not a folder")
    monkeypatch.setattr(shipped, "RESULTS", tmp_path / "a-file" / "results")
    status, line = cli_error(["omit-class", "--epochs", "1", "--seeds", "0", "--ship"])
    assert status == 1 and line.startswith("python -m kdviz: error: --ship: cannot write the results folder ")
    assert line.endswith("nothing was run")


def test_an_all_black_folder_is_one_line(cli_error, tmp_path, cache):
    arrays = make_set()
    black = write_set(tmp_path / "black", {k: (np.zeros_like(v) if v.ndim == 3 else v) for k, v in arrays.items()})
    status, line = cli_error(["distill", "--epochs", "1", "--data-dir", str(black)])
    assert status == 1 and line == ("python -m kdviz: error: black: every pixel of the 50 train images is 0; "
                                    "kdviz needs images that differ")


@pytest.mark.parametrize("error", [RuntimeError("DefaultCPUAllocator: can't allocate memory\nmore\nlines"), MemoryError()])
def test_a_runtime_failure_is_one_line(cli_error, monkeypatch, error):
    import kdviz.train.resources

    def fail(*a, **k):
        raise error

    monkeypatch.setattr(kdviz.train.resources, "load_resources", fail)
    status, line = cli_error(["distill", "--epochs", "1"])
    assert status == 1
    assert line == ("python -m kdviz: error: RuntimeError: DefaultCPUAllocator: can't allocate memory"
                    if isinstance(error, RuntimeError) else "python -m kdviz: error: out of memory")


class FullDisk:
    """A stdout like ``> /dev/full``: every write fails with ENOSPC."""

    def write(self, text):
        raise OSError(errno.ENOSPC, "No space left on device")

    def flush(self):
        pass


@pytest.mark.parametrize("json_flag", [["--json"], []])
def test_output_into_a_full_disk_is_one_line(cli_error, monkeypatch, json_flag):
    monkeypatch.setattr(sys, "stdout", FullDisk())
    status, line = cli_error(["distill", "--epochs", "1", *json_flag])
    assert status == 1 and line == "python -m kdviz: error: could not write the output: [Errno 28] No space left on device"


def test_json_into_dev_full_is_one_line_in_a_real_process():
    with open("/dev/full", "w") as full:
        p = subprocess.run([sys.executable, "-m", "kdviz", "distill", "--epochs", "1", "--json"], stdout=full,
                           stderr=subprocess.PIPE, text=True, timeout=300)
    assert p.returncode == 1 and p.stderr.splitlines() == [
        "python -m kdviz: error: could not write the output: [Errno 28] No space left on device"], p.stderr


def _strict(text: str):
    def refuse(constant):
        raise AssertionError(f"{constant} is not JSON")

    return json.loads(text, parse_constant=refuse)


@pytest.mark.parametrize("args", [["--lr", "1e30"], ["-T", "1e-300"]])
def test_json_is_strict_when_training_diverges(capsys, args):
    assert main(["distill", "--epochs", "1", "--json", *args]) == 0
    out = _strict(capsys.readouterr().out)
    losses = [row[k] for row in out["history"] for k in ("soft", "hard", "total")]
    assert None in losses  # the NaN losses of a diverged run are null
    assert all(v is None or np.isfinite(v) for v in losses)


def test_warnings_are_one_line_each(capsys, tmp_path, monkeypatch):
    (tmp_path / "a-file").write_text("not a folder")
    monkeypatch.setenv("KDVIZ_CACHE_DIR", str(tmp_path / "a-file" / "cache"))  # nothing can be cached
    assert main(["distill", "--epochs", "1", "--json"]) == 0
    captured = capsys.readouterr()
    _strict(captured.out)
    lines = captured.err.splitlines()
    assert lines and all(line.startswith("python -m kdviz: warning: kdviz: could not write ") for line in lines), lines
