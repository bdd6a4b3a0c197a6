"""Hinton's MNIST table (kdviz.lab.hinton) and ``python -m kdviz hinton``: its rows against independent runs."""

import json

import numpy as np

from kdviz.cli.main import main
from kdviz.lab.hinton import HINTON_CONFIG, PAPER
from kdviz.lab.omitted import omit_class_run
from kdviz.train.loop import train_student

KEYS = ("teacher_errors", "student_errors", "distilled_errors", "omitted_class", "omitted_errors",
        "omitted_errors_after_bias", "best_bias")


def test_hinton_json_against_independent_runs(res, capsys):
    assert main(["hinton", "--seeds", "0", "1", "--epochs", "1", "--hidden", "32", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert all(k in out for k in KEYS) and all(f"{k}_std" in out for k in KEYS[1:] if k != "omitted_class")
    y = res.data.y_test.numpy()
    assert out["teacher_errors"] == int((res.logits.test.numpy().argmax(1) != y).sum()) and out["n_test"] == 1000
    config = HINTON_CONFIG.replace(hidden=(32,), epochs=1)
    for row, seed in zip(out["runs"], (0, 1)):
        plain = train_student(res.data, res.logits, config.replace(seed=seed, gamma=0.0))
        distilled = train_student(res.data, res.logits, config.replace(seed=seed))
        left_out = omit_class_run(res, 3, config.replace(seed=seed))
        assert row["student_errors"] == int((plain.test_logits.numpy().argmax(1) != y).sum())
        assert row["distilled_errors"] == int((distilled.test_logits.numpy().argmax(1) != y).sum())
        assert row["omitted_errors"] == round(1000 * (1 - left_out["test_acc"]))
        assert row["best_bias"] == left_out["best_bias"]
    errors = [r["student_errors"] for r in out["runs"]]
    assert out["student_errors"] == np.mean(errors) and out["student_errors_std"] == np.std(errors, ddof=1)
    assert out["dataset"] == "mnist-5k" and out["config"]["T"] == 20.0 and out["omitted_class"] == 3


def test_hinton_human_output_names_the_paper(capsys):
    assert main(["hinton", "--seeds", "0", "--epochs", "1", "--hidden", "16"]) == 0
    text = capsys.readouterr().out
    assert "errors out of 1,000 test images on mnist-5k" in text and f"(paper: {PAPER['distilled_errors']})" in text
