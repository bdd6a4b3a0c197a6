"""The CLI contract: JSON keys, bad arguments (exit 2, one line, no traceback)."""

import json
import subprocess
import sys

import pytest

from kdviz.cli.main import main


def run(*args):
    return subprocess.run([sys.executable, "-m", "kdviz", *args], capture_output=True, text=True, timeout=300)


def test_distill_json_contract():
    p = run("distill", "--temperature", "4", "--gamma", "0.9", "--epochs", "2", "--hidden", "64", "32", "--seed", "0", "--baseline", "--json")
    assert p.returncode == 0, p.stderr
    out = json.loads(p.stdout)
    for key in ("teacher_test_acc", "student_test_acc", "per_class_acc", "seconds", "baseline_test_acc"):
        assert key in out
    assert len(out["per_class_acc"]) == 10 and out["config"]["hidden"] == [64, 32]
    assert 0.5 < out["student_test_acc"] <= 1 and out["teacher_test_acc"] >= 0.975
    assert out["seconds"] > 0


def test_same_seed_same_json(capsys):
    args = ["distill", "--epochs", "1", "--seed", "3", "--json"]
    assert main(args) == 0
    a = json.loads(capsys.readouterr().out)
    assert main(args) == 0
    b = json.loads(capsys.readouterr().out)
    assert a["student_test_acc"] == b["student_test_acc"] and a["history"] == b["history"]


def test_human_output(capsys):
    assert main(["distill", "--epochs", "1"]) == 0
    assert "student test acc" in capsys.readouterr().out


@pytest.mark.parametrize(
    "args, words",
    [
        (["distill", "--temperature", "0"], "temperature"),
        (["distill", "--temperature", "-1"], "temperature"),
        (["distill", "--temperature", "abc"], "temperature"),
        (["distill", "--temperature", "nan"], "temperature"),
        (["distill", "--gamma", "1.5"], "gamma"),
        (["distill", "--gamma", "-0.1"], "gamma"),
        (["distill", "--epochs", "0"], "epochs"),
        (["distill", "--hidden", "0"], "hidden"),
        (["distill", "--bogus"], "unrecognized"),
        (["distill", "--method", "bogus"], "invalid choice"),
        (["distill", "--alpha", "inf"], "alpha"),
        (["distill", "--warmup", "-1"], "warmup"),
        (["dkd-compare", "--betas", "1", "nan"], "beta"),
        (["nope"], "invalid choice"),
        ([], "required"),
    ],
)
def test_bad_arguments(cli_error, args, words):
    status, line = cli_error(args)  # in this process: nothing on stdout, one line on stderr, no exception
    assert status == 2 and words in line, line


def test_a_bad_argument_in_a_real_process():
    """``python -m kdviz`` as a user runs it: exit status 2, one line on stderr, no traceback."""
    p = run("distill", "--temperature", "0")
    assert p.returncode == 2 and p.stdout == ""
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1 and "temperature" in lines[0] and "Traceback" not in p.stderr, p.stderr
