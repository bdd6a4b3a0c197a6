"""Data sets by name and by folder (kdviz.data.datasets), their teachers (kdviz.train.resources), and the CLI's --data/--data-dir."""

import json

import numpy as np
import pytest
import torch
from test_idx import CORRUPT, make_set, needs_fashion, write_set

from kdviz.cli.main import main
from kdviz.data import datasets, idx
from kdviz.train import resources


@pytest.fixture()
def folder(tmp_path):
    return write_set(tmp_path / "mnist", make_set(), gz=True)


def test_split_from_a_folder_is_normalised_with_its_train_statistics(folder, cache):
    arrays = make_set()
    split = datasets.load_split(data_dir=folder)
    train = arrays["train-images-idx3-ubyte"].astype(np.float64) / 255.0  # (50, 28, 28)
    mean, std = train.mean(), train.std()  # numpy, float64: independent of the code under test
    assert split.mean == pytest.approx(mean, rel=1e-6) and split.std == pytest.approx(std, rel=1e-6)
    for x, images in ((split.x_train, train), (split.x_test, arrays["t10k-images-idx3-ubyte"] / 255.0)):
        assert x.dtype == torch.float32 and x.shape == (len(images), 1, 28, 28)
        np.testing.assert_allclose(x.numpy()[:, 0], (images - mean) / std, rtol=0, atol=1e-5)
    np.testing.assert_array_equal(split.y_train.numpy(), arrays["train-labels-idx1-ubyte"])
    np.testing.assert_array_equal(split.images_test, arrays["t10k-images-idx3-ubyte"])
    assert split.train_index.tolist() == list(range(50)) and split.test_index.tolist() == list(range(20))
    assert split.fingerprint == idx.load_idx_folder(folder).fingerprint


def test_names_and_classes():
    assert datasets.KEYS == ("mnist-5k", "fashion-mnist") and datasets.DEFAULT == "mnist-5k"
    assert datasets.class_names("mnist-5k") == tuple("0123456789") == datasets.class_names(datasets.FOLDER, "zh")
    assert datasets.class_names("fashion-mnist")[0] == "T-shirt/top" and datasets.class_names("fashion-mnist", "zh")[6] == "衬衫"
    assert datasets.dataset("mnist-5k").digits and not datasets.dataset("fashion-mnist").digits
    with pytest.raises(ValueError, match=r"^unknown data set 'mnist-full'; known: mnist-5k, fashion-mnist"):
        datasets.load_split("mnist-full")


def test_the_default_is_the_embedded_split(res):
    split = datasets.load_split()
    assert split.fingerprint == res.data.fingerprint and len(split.y_train) == 4000 and len(split.y_test) == 1000
    assert res.dataset == "mnist-5k"


def test_a_folder_teacher_is_trained_once_then_cached(folder, cache, monkeypatch):
    lines = []
    first = resources.load_resources(data_dir=folder, log=lines.append)
    assert first.dataset == datasets.FOLDER and first.teacher_meta["dataset"] == datasets.FOLDER
    assert len(lines) == first.teacher_meta["config"]["epochs"] and lines[0].startswith("epoch  1/")  # a line per epoch
    assert first.logits.train.shape == (50, 10) and first.logits.test.shape == (20, 10)
    assert resources.folder_teacher_path(first.data).exists()

    def no_training(*args, **kwargs):
        raise AssertionError("the cached teacher was trained again")

    monkeypatch.setattr(resources, "train_teacher", no_training)
    again = resources.load_resources(data_dir=folder)
    assert again.teacher_meta["sha256"] == first.teacher_meta["sha256"]
    torch.testing.assert_close(again.logits.test, first.logits.test)


def test_a_damaged_folder_teacher_is_trained_again(folder, cache):
    first = resources.load_resources(data_dir=folder)
    path = resources.folder_teacher_path(first.data)
    path.write_bytes(path.read_bytes()[:100])  # truncated
    again = resources.load_resources(data_dir=folder)
    assert again.teacher_meta["sha256"] == first.teacher_meta["sha256"]  # same seed, same data: the same weights


def test_cli_on_a_folder(folder, cache, capsys):
    assert main(["distill", "--data-dir", str(folder), "--epochs", "1", "--baseline", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert len(out["per_class_acc"]) == 10 and 0 <= out["student_test_acc"] <= 1 and "baseline_test_acc" in out


@pytest.mark.parametrize("mutate, name, match", [c[1:] for c in CORRUPT[:12]], ids=[c[0] for c in CORRUPT[:12]])
def test_cli_says_a_bad_folder_in_one_line(tmp_path, cache, capsys, mutate, name, match):
    bad = write_set(tmp_path / "bad", make_set())
    mutate(bad)
    assert main(["distill", "--data-dir", str(bad), "--epochs", "1"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("python -m kdviz: error: ") and name in err[0], err


def test_cli_bad_data_arguments(cli_error):
    for args, words in ((["distill", "--data", "mnist-full"], "invalid choice: 'mnist-full'"),
                        (["train-teacher", "--data-dir", "/nowhere"], "a folder's teacher is trained on first use")):
        status, line = cli_error(args)  # in this process: one line on stderr, no exception
        assert status in (1, 2) and words in line, line


@needs_fashion
def test_fashion_mnist_split(cache):
    split = datasets.load_split("fashion-mnist")
    assert split.x_train.shape == (60000, 1, 28, 28) and split.x_test.shape == (10000, 1, 28, 28)
    assert float(split.x_train.mean()) == pytest.approx(0.0, abs=1e-4) and float(split.x_train.std()) == pytest.approx(1.0, abs=1e-4)
    assert split.fingerprint == "ece172613115fb18"  # Debian's dataset-fashion-mnist files
