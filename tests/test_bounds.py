"""Bounded resources (issue 28, item 12): a cache file or an IDX folder that declares more than expected is refused
from its headers before anything is decompressed or allocated (and the cache rebuilt); worker processes, threads
and training slots are capped at the cores, with a one-line note."""

import gzip
import os
import struct
import zipfile

import numpy as np
import pytest
from numpy.lib import format as npformat
from test_idx import TEST_IMAGES, TEST_LABELS, TRAIN_IMAGES, TRAIN_LABELS, make_set, write_set

from kdviz.base import diskcache
from kdviz.data import idx


def crafted_npz(path, *, declared=(10**9, 10), dtype="<f4"):
    """An .npz whose ``train`` member declares ``declared`` (40 GB by default) but holds a few bytes (deflated)."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as z:
        with z.open("train.npy", "w") as f:
            npformat.write_array_header_1_0(f, {"descr": dtype, "fortran_order": False, "shape": declared})
            f.write(bytes(4096))
        with z.open("test.npy", "w") as f:
            npformat.write_array(f, np.zeros((3, 10), np.float32))
        with z.open("checksum.npy", "w") as f:
            npformat.write_array(f, np.array("0" * 64))
    return path


@pytest.fixture()
def no_np_load(monkeypatch):
    """The test fails if np.load is called (a record, not a raise: the loader catches every exception)."""
    real, calls = np.load, []
    monkeypatch.setattr(np, "load", lambda *a, **k: calls.append(a) or real(*a, **k))
    yield
    assert calls == [], "np.load was called on a file whose headers declare something else"


@pytest.mark.parametrize("declared, dtype", [((10**9, 10), "<f4"), ((4, 10), "<f8"), ((5, 10), "<f4"), ((4,), "<f4")])
def test_a_cache_file_declaring_other_shapes_is_refused_from_its_headers(tmp_path, no_np_load, declared, dtype):
    path = crafted_npz(tmp_path / "bomb.npz", declared=declared, dtype=dtype)
    spec = {"train": ((4, 10), np.float32), "test": ((3, 10), np.float32)}
    assert diskcache.load_arrays(path, spec) is None


def test_the_zips_declared_size_is_bounded_too(tmp_path, no_np_load):
    """A member whose .npy header says (4, 10) float32 but whose zip entry declares 134 MB uncompressed."""
    path = tmp_path / "padded.npz"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as z:
        with z.open("train.npy", "w", force_zip64=True) as f:
            npformat.write_array(f, np.zeros((4, 10), np.float32))
            for _ in range(8):
                f.write(bytes(1 << 24))
    assert diskcache.load_arrays(path, {"train": ((4, 10), np.float32)}) is None


def test_a_good_cache_file_still_loads(tmp_path):
    train = np.arange(40, dtype=np.float32).reshape(4, 10)
    diskcache.save_arrays(tmp_path / "good.npz", train=train)
    got = diskcache.load_arrays(tmp_path / "good.npz", {"train": ((4, 10), np.float32)})
    assert got is not None and np.array_equal(got["train"], train)


def test_a_crafted_teacher_logits_file_is_rebuilt_without_loading_it(res, cache, monkeypatch):
    from kdviz.base.diskcache import cache_dir
    from kdviz.train.resources import cached_teacher_logits

    path = cache_dir() / f"teacher-logits-{str(res.teacher_meta['sha256'])[:16]}-{res.data.fingerprint}.npz"
    path.parent.mkdir(parents=True)
    crafted_npz(path)
    real_load, calls = np.load, []
    monkeypatch.setattr(np, "load", lambda *a, **k: calls.append(a) or real_load(*a, **k))
    logits = cached_teacher_logits(res.teacher, res.teacher_meta, res.data)
    assert calls == []  # refused from its headers: never handed to np.load
    assert np.array_equal(logits.train.numpy(), res.logits.train.numpy())
    again = diskcache.load_arrays(path, {"train": (tuple(res.logits.train.shape), np.float32),
                                         "test": (tuple(res.logits.test.shape), np.float32)})
    assert again is not None and np.array_equal(again["test"], res.logits.test.numpy())  # rebuilt and saved


def test_a_crafted_cache_file_stays_small_in_a_subprocess(tmp_path):
    """A crafted file as in the issue's measurement, 10 million rows of zeros declared and present (400 MB, 0.4 MB
    deflated): the loading process's peak memory grows by less than 50 MB (it grew by 400 MB before)."""
    import subprocess
    import sys

    path = tmp_path / "bomb.npz"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as z:
        with z.open("train.npy", "w", force_zip64=True) as f:
            npformat.write_array_header_1_0(f, {"descr": "<f4", "fortran_order": False, "shape": (10_000_000, 10)})
            for _ in range(25):
                f.write(bytes(16_000_000))
    code = ("import resource, numpy as np; from kdviz.base.diskcache import load_arrays; "
            "peak = lambda: resource.getrusage(resource.RUSAGE_SELF).ru_maxrss; before = peak(); "
            f"assert load_arrays({str(path)!r}, {{'train': ((4000, 10), np.float32)}}) is None; "
            "print(peak() - before)")
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    assert int(p.stdout) < 50_000  # kB more than after the imports; loading what it declares takes 400,000


def _declaring(folder, n_train, n_test, *, gz):
    """A folder of the four files whose headers declare n_train / n_test items; their bodies hold 50 / 20."""
    arrays = make_set()
    write_set(folder, arrays, gz=gz)
    for base, n in ((TRAIN_IMAGES, n_train), (TRAIN_LABELS, n_train), (TEST_IMAGES, n_test), (TEST_LABELS, n_test)):
        values = np.asarray(arrays[base], dtype=np.uint8)
        head = struct.pack(">I", 0x0800 | values.ndim) + struct.pack(f">{values.ndim}I", n, *values.shape[1:])
        blob = head + values.tobytes()
        (folder / (base + ".gz" if gz else base)).write_bytes(gzip.compress(blob) if gz else blob)
    return folder


@pytest.mark.parametrize("gz", [False, True])
def test_an_idx_folder_declaring_too_much_is_refused_before_reading(tmp_path, cache, monkeypatch, gz):
    def read(*a, **k):
        raise AssertionError("a file's values were read")

    monkeypatch.setattr(idx, "read_idx", read)
    folder = _declaring(tmp_path / "huge", 300_000, 100_000, gz=gz)  # each file under MAX_ITEMS; together 1.57 GB
    with pytest.raises(idx.IDXError) as err:
        idx.load_idx_folder(folder)
    assert err.value.reason == "too_large"
    assert str(err.value) == ("huge: the headers declare 400,000 images, 1.6 GB in memory (3,920 bytes each); "
                              "kdviz loads at most 1.5 GB (382,653 images)")
    assert idx.MAX_FOLDER_BYTES == 1_500_000_000 and idx.BYTES_PER_IMAGE == 28 * 28 * 5


def test_a_folder_within_the_limit_still_loads(tmp_path, cache):
    arrays = make_set()
    data = idx.load_idx_folder(write_set(tmp_path / "ok", arrays, gz=True))
    assert np.array_equal(data.images_train, arrays[TRAIN_IMAGES])


@pytest.fixture()
def two_cores(monkeypatch):
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1}, raising=False)
    monkeypatch.setattr(os, "cpu_count", lambda: 8)  # more than this process may use


def test_train_slots_are_capped_at_the_cores_with_a_note(two_cores):
    from kdviz.serve.trainqueue import ENV, slots_from_env

    notes = []
    assert slots_from_env({ENV: "6"}, note=notes.append) == 2
    assert notes == ["KDVIZ_TRAIN_SLOTS 6 capped at 2: this machine lets kdviz use 2 core(s), "
                     "and more at once would only add memory and slow every run down"]
    assert slots_from_env({ENV: "1"}, note=notes.append) == 1 and len(notes) == 1
    assert slots_from_env({}) == 2  # the default: the cores this process may use, not os.cpu_count()


@pytest.mark.parametrize("command, target, option", [
    (["sweep", "--temperatures", "1", "--gammas", "0", "--seeds", "0", "--epochs", "1", "--n-jobs", "6"],
     ("kdviz.train.sweep", "sweep"), "n_jobs"),
    (["capacity", "--quick", "--n-jobs", str(2**64)], ("kdviz.lab.capacity", "capacity_gap"), "n_jobs"),
    (["compress", "--quick", "--threads", "64"], ("kdviz.compress", "compare"), "config"),
])
def test_workers_and_threads_are_capped_at_the_cores_with_a_note(capsys, res, monkeypatch, two_cores, command, target,
                                                                  option):
    import importlib

    import kdviz.train.resources
    from kdviz.cli.main import main

    seen = {}

    def stop(*a, **k):
        seen.update(k)
        raise ValueError("stopped before the work")

    monkeypatch.setattr(kdviz.train.resources, "load_resources", lambda *a, **k: res)
    monkeypatch.setattr(importlib.import_module(target[0]), target[1], stop)
    assert main(command) == 1
    err = capsys.readouterr().err.splitlines()
    flag = "--threads" if option == "config" else "--n-jobs"
    assert err[0].startswith(f"python -m kdviz: note: {flag} ") and " capped at 2: " in err[0]
    assert err[-1] == "python -m kdviz: error: stopped before the work"
    assert (seen["config"].threads if option == "config" else seen["n_jobs"]) == 2


def test_the_librarys_workers_are_capped_on_this_machine_not_on_a_cluster(two_cores):
    """The Lab page's workers (up to 8) and notebooks go through kdviz.train.sweep: capped at the cores unless joblib's
    backend is elsewhere."""
    import joblib
    from joblib.parallel import ParallelBackendBase, register_parallel_backend

    from kdviz.train.sweep import local_jobs

    assert local_jobs(8) == 2 and local_jobs(2) == 2 and local_jobs(1) == 1

    class ClusterBackend(ParallelBackendBase):  # stands for dask's or ray's: workers on other machines
        def effective_n_jobs(self, n_jobs):
            return n_jobs

        def apply_async(self, func, callback=None):
            raise NotImplementedError

    register_parallel_backend("kdviz-test-cluster", ClusterBackend)
    with joblib.parallel_config(backend="kdviz-test-cluster"):
        assert local_jobs(8) == 8
