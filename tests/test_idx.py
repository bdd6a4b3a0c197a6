"""The safe IDX reader: a synthetic MNIST-format folder, its cache, and every corrupt-file case."""

import gzip
import os
import struct

import numpy as np
import pytest

from kdviz.data import idx

N_TRAIN, N_TEST = 50, 20
TRAIN_IMAGES, TRAIN_LABELS = "train-images-idx3-ubyte", "train-labels-idx1-ubyte"
TEST_IMAGES, TEST_LABELS = "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"

needs_fashion = pytest.mark.skipif(
    not idx.FASHION_MNIST_DIR.is_dir() and os.environ.get("KDVIZ_REQUIRE_DATASETS") != "1",  # CI requires it
    reason=f"Fashion-MNIST is not installed ({idx.FASHION_MNIST_DIR} is absent): "
           "apt-get install -y dataset-fashion-mnist",
)


def idx_bytes(values, *, magic=None, dims=None) -> bytes:
    """An IDX file of ``values`` (uint8); ``magic`` and ``dims`` override the header."""
    values = np.asarray(values, dtype=np.uint8)
    magic = 0x0800 | values.ndim if magic is None else magic
    dims = values.shape if dims is None else dims
    return struct.pack(">I", magic) + struct.pack(f">{len(dims)}I", *dims) + values.tobytes()


def put(folder, base, blob: bytes, *, gz=False):
    """Write ``blob`` as ``base`` (or ``base.gz``, compressed), removing the other variant."""
    (folder / (base if gz else base + ".gz")).unlink(missing_ok=True)
    (folder / (base + ".gz" if gz else base)).write_bytes(gzip.compress(blob, mtime=0) if gz else blob)


def make_set(seed=0):
    rng = np.random.default_rng(seed)
    y_train = rng.permutation(np.arange(N_TRAIN) % 10)  # every class 5 times
    y_test = rng.permutation(np.arange(N_TEST) % 10)
    images_train = rng.integers(0, 256, (N_TRAIN, 28, 28), dtype=np.uint8)
    images_test = rng.integers(0, 256, (N_TEST, 28, 28), dtype=np.uint8)
    return {TRAIN_IMAGES: images_train, TRAIN_LABELS: y_train, TEST_IMAGES: images_test, TEST_LABELS: y_test}


def write_set(folder, arrays, *, gz=False):
    folder.mkdir(exist_ok=True)
    for base, values in arrays.items():
        put(folder, base, idx_bytes(values), gz=gz)
    return folder


@pytest.fixture()
def arrays():
    return make_set()


@pytest.fixture()
def folder(tmp_path, arrays):
    return write_set(tmp_path / "mnist", arrays)


def assert_same(got: idx.IDXData, arrays):
    for role, base in idx.IDX_FILES.items():
        expected = arrays[base]
        value = getattr(got, role)
        assert value.dtype == (np.uint8 if role.startswith("images") else np.int64)
        np.testing.assert_array_equal(value, expected)


# ---------------------------------------------------------------- round trips


@pytest.mark.parametrize("gz", [False, True], ids=["plain", "gz"])
def test_round_trip(tmp_path, cache, arrays, gz):
    got = idx.load_idx_folder(write_set(tmp_path / "set", arrays, gz=gz))
    assert_same(got, arrays)
    assert got.images_train.shape == (N_TRAIN, 28, 28) and got.y_test.shape == (N_TEST,)
    assert len(got.fingerprint) == 16 and got.folder == tmp_path / "set"


def test_fingerprint_is_of_the_content(tmp_path, cache, arrays):
    plain = idx.load_idx_folder(write_set(tmp_path / "a", arrays), use_cache=False)
    packed = idx.load_idx_folder(write_set(tmp_path / "b", arrays, gz=True), use_cache=False)
    other = idx.load_idx_folder(write_set(tmp_path / "c", make_set(seed=1)), use_cache=False)
    assert plain.fingerprint == packed.fingerprint != other.fingerprint


@pytest.mark.parametrize("gz", [False, True], ids=["plain", "gz"])
def test_read_idx_one_file(tmp_path, arrays, gz):
    put(tmp_path, TRAIN_IMAGES, idx_bytes(arrays[TRAIN_IMAGES]), gz=gz)
    put(tmp_path, TRAIN_LABELS, idx_bytes(arrays[TRAIN_LABELS]), gz=gz)
    suffix = ".gz" if gz else ""
    images = idx.read_idx(tmp_path / (TRAIN_IMAGES + suffix), kind="images")
    labels = idx.read_idx(str(tmp_path / (TRAIN_LABELS + suffix)), kind="labels")
    assert images.dtype == np.uint8 and labels.dtype == np.int64
    np.testing.assert_array_equal(images, arrays[TRAIN_IMAGES])
    np.testing.assert_array_equal(labels, arrays[TRAIN_LABELS])
    with pytest.raises(ValueError, match="kind"):
        idx.read_idx(tmp_path / (TRAIN_LABELS + suffix), kind="pixels")


def test_plain_file_wins_over_its_gz(folder, cache, arrays):
    (folder / (TRAIN_IMAGES + ".gz")).write_bytes(b"not gzip at all")  # ignored: the plain file is read
    assert_same(idx.load_idx_folder(folder), arrays)


# ---------------------------------------------------------------- the cache


def test_second_load_reads_the_cache(folder, cache, arrays, monkeypatch):
    first = idx.load_idx_folder(folder)
    (path,) = cache.glob("idx-*.npz")
    assert not list(cache.glob("*.tmp"))  # atomic write leaves no temporary file

    def no_parse(*args, **kwargs):
        raise AssertionError("the cache should have been read")

    monkeypatch.setattr(idx, "read_idx", no_parse)
    second = idx.load_idx_folder(folder)
    assert_same(second, arrays)
    assert second.fingerprint == first.fingerprint


@pytest.mark.parametrize("damage", ["garbage", "truncated", "empty", "altered"])
def test_a_bad_cache_is_rebuilt(folder, cache, arrays, monkeypatch, damage):
    good = idx.load_idx_folder(folder)
    (path,) = cache.glob("idx-*.npz")
    blob = path.read_bytes()
    if damage == "garbage":
        path.write_bytes(b"\x00not a zip" * 100)
    elif damage == "truncated":
        path.write_bytes(blob[: len(blob) // 2])
    elif damage == "empty":
        path.write_bytes(b"")
    else:  # right names and shapes, wrong values: the checksum catches it
        bad = {role: getattr(good, role).copy() for role in idx.IDX_FILES}
        bad["y_train"][0] = (bad["y_train"][0] + 1) % 10
        np.savez(path, **bad, fingerprint=np.array(good.fingerprint), checksum=np.array("0" * 64))
    rebuilt = idx.load_idx_folder(folder)
    assert_same(rebuilt, arrays)
    assert rebuilt.fingerprint == good.fingerprint
    monkeypatch.setattr(idx, "read_idx", lambda *a, **k: pytest.fail("the rebuilt cache should have been read"))
    assert_same(idx.load_idx_folder(folder), arrays)


def test_a_changed_file_is_parsed_again(folder, cache, arrays):
    idx.load_idx_folder(folder)
    new = arrays[TEST_LABELS].copy()
    new[0] = (new[0] + 1) % 10
    put(folder, TEST_LABELS, idx_bytes(new))  # same size: the modification time tells
    path, stat = folder / TEST_LABELS, (folder / TEST_LABELS).stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))  # a later tick, however coarse the clock
    np.testing.assert_array_equal(idx.load_idx_folder(folder).y_test, new)


def test_use_cache_false_writes_nothing(folder, cache, arrays):
    assert_same(idx.load_idx_folder(folder, use_cache=False), arrays)
    assert not cache.exists() or not list(cache.iterdir())


# ---------------------------------------------------------------- corrupt and mismatched files


def _flip_middle(folder, base):
    blob = bytearray(gzip.compress(idx_bytes(make_set()[base]), mtime=0))
    middle = len(blob) // 2
    blob[middle: middle + 8] = bytes(b ^ 0xFF for b in blob[middle: middle + 8])
    (folder / base).unlink()
    (folder / (base + ".gz")).write_bytes(bytes(blob))


def _bad_crc(folder, base):
    blob = bytearray(gzip.compress(idx_bytes(make_set()[base]), mtime=0))
    blob[-8] ^= 0xFF  # the gzip trailer: CRC-32, then the length
    (folder / base).unlink()
    (folder / (base + ".gz")).write_bytes(bytes(blob))


def _cut_gz(folder, base, keep):
    (folder / base).unlink()
    (folder / (base + ".gz")).write_bytes(gzip.compress(idx_bytes(make_set()[base]), mtime=0)[:keep])


def _relabel(base, change):
    def mutate(folder):
        labels = make_set()[base].copy()
        change(labels)
        put(folder, base, idx_bytes(labels))
    return mutate


def _images(**header):
    return lambda folder: put(folder, TRAIN_IMAGES, idx_bytes(make_set()[TRAIN_IMAGES], **header))


def _cut(base, keep):
    return lambda folder: put(folder, base, idx_bytes(make_set()[base])[:keep])


CORRUPT = [
    # id, mutation of a good plain folder, the file the message must name, a regex it must match
    ("bad-magic", _images(magic=0x12340803), TRAIN_IMAGES, r"not an IDX file \(magic number 0x12340803"),
    ("gzip-without-gz-name", lambda f: put(f, TRAIN_IMAGES, gzip.compress(idx_bytes(make_set()[TRAIN_IMAGES])),
                                           gz=False), TRAIN_IMAGES, "looks gzip-compressed"),
    ("float-type-code", _images(magic=0x00000D03), TRAIN_IMAGES, r"type code 0x0D \(float32\)"),
    ("images-with-2-dims", _images(magic=0x00000802, dims=(N_TRAIN, 784)), TRAIN_IMAGES, "2 dimensions"),
    ("labels-with-3-dims", lambda f: put(f, TEST_LABELS, idx_bytes(np.zeros((N_TEST, 28, 28)), magic=0x803)),
     TEST_LABELS, "3 dimensions"),
    ("images-27x28", lambda f: put(f, TRAIN_IMAGES, idx_bytes(np.zeros((N_TRAIN, 27, 28)))), TRAIN_IMAGES,
     "27 × 28"),
    ("truncated-body", _cut(TRAIN_IMAGES, -100), TRAIN_IMAGES, "truncated: the header declares 50 images"),
    ("truncated-header", _cut(TRAIN_IMAGES, 10), TRAIN_IMAGES, r"truncated header \(10 of 16 bytes\)"),
    ("truncated-magic", _cut(TEST_LABELS, 3), TEST_LABELS, "truncated header"),
    ("empty-file", _cut(TRAIN_LABELS, 0), TRAIN_LABELS, "empty file"),
    ("trailing-bytes", lambda f: put(f, TEST_IMAGES, idx_bytes(make_set()[TEST_IMAGES]) + b"\0"), TEST_IMAGES,
     "extra bytes"),
    ("count-mismatch", lambda f: put(f, TEST_LABELS, idx_bytes(make_set()[TEST_LABELS][:-1])), TEST_IMAGES,
     "holds 20 images but t10k-labels-idx1-ubyte holds 19 labels"),
    ("label-10", _relabel(TRAIN_LABELS, lambda y: y.__setitem__(3, 10)), TRAIN_LABELS, "label 10 at index 3"),
    ("label-255-in-test", _relabel(TEST_LABELS, lambda y: y.__setitem__(0, 255)), TEST_LABELS, "label 255"),
    ("class-missing-from-train", _relabel(TRAIN_LABELS, lambda y: y.__setitem__(y == 7, 8)), TRAIN_LABELS,
     "class 7 never occurs"),
    ("no-images", lambda f: (put(f, TEST_IMAGES, idx_bytes(np.zeros((0, 28, 28)))),
                             put(f, TEST_LABELS, idx_bytes(np.zeros(0)))), TEST_IMAGES, "declares no images"),
    ("absurd-count", _images(dims=(2**32 - 1, 28, 28)), TRAIN_IMAGES, "at most 1,000,000"),
    ("corrupt-gzip", lambda f: _flip_middle(f, TRAIN_IMAGES), TRAIN_IMAGES + ".gz", None),
    ("bad-crc", lambda f: _bad_crc(f, TRAIN_LABELS), TRAIN_LABELS + ".gz", "corrupt or truncated gzip data"),
    ("truncated-gzip", lambda f: _cut_gz(f, TEST_IMAGES, 3000), TEST_IMAGES + ".gz", "corrupt or truncated gzip data"),
    ("gz-name-but-not-gzip", lambda f: ((f / TRAIN_LABELS).rename(f / (TRAIN_LABELS + ".gz"))), TRAIN_LABELS + ".gz",
     "corrupt or truncated gzip data"),
    ("gzip-bomb", lambda f: put(f, TEST_LABELS, idx_bytes(make_set()[TEST_LABELS]) + bytes(20_000_000), gz=True),
     TEST_LABELS + ".gz", "extra bytes"),
    ("missing-file", lambda f: (f / TEST_LABELS).unlink(), TEST_LABELS, "missing from .*expected train-images"),
]


@pytest.mark.parametrize("mutate, name, match", [c[1:] for c in CORRUPT], ids=[c[0] for c in CORRUPT])
def test_corrupt_or_mismatched_file_is_one_line(folder, cache, mutate, name, match):
    mutate(folder)
    with pytest.raises(idx.IDXError, match=match) as err:
        idx.load_idx_folder(folder)
    message = str(err.value)
    assert "\n" not in message and name in message, message
    assert err.value.__cause__ is None and err.value.__suppress_context__ or err.value.__context__ is None
    assert not cache.exists() or not list(cache.glob("*.npz"))  # nothing bad is cached


def test_corrupt_file_through_read_idx(tmp_path):
    path = tmp_path / "whatever-idx3-ubyte"
    path.write_bytes(idx_bytes(np.zeros((4, 28, 28)))[:-1])
    with pytest.raises(idx.IDXError, match=r"^whatever-idx3-ubyte: truncated"):
        idx.read_idx(path, kind="images")
    with pytest.raises(idx.IDXError, match=r"^absent-idx1-ubyte: cannot be read \(No such file"):
        idx.read_idx(tmp_path / "absent-idx1-ubyte", kind="labels")


@pytest.mark.parametrize("where", ["absent", "a-file"])
def test_missing_folder_is_one_line(tmp_path, where):
    target = tmp_path / where
    if where == "a-file":
        target.write_text("x")
    with pytest.raises(idx.IDXError) as err:
        idx.load_idx_folder(target)
    message = str(err.value)
    assert "\n" not in message and str(target) in message and TRAIN_IMAGES in message
    assert ("no such folder" if where == "absent" else "is not a folder") in message


# ---------------------------------------------------------------- Fashion-MNIST


def test_fashion_mnist_not_installed(tmp_path, monkeypatch):
    monkeypatch.setattr(idx, "FASHION_MNIST_DIR", tmp_path / "absent")
    with pytest.raises(idx.IDXError) as err:
        idx.load_fashion_mnist()
    assert str(err.value) == ("Fashion-MNIST is not installed: apt-get install -y dataset-fashion-mnist "
                              "(puts its files in /usr/share/datasets/fashion-mnist/)")


def test_fashion_class_names():
    assert len(idx.FASHION_CLASSES) == len(idx.FASHION_CLASSES_ZH) == 10
    assert idx.FASHION_CLASSES[0] == "T-shirt/top" and idx.FASHION_CLASSES[9] == "Ankle boot"
    assert idx.FASHION_CLASSES_ZH[6] == "衬衫"


@needs_fashion
def test_fashion_mnist_full_size(cache):
    first = idx.load_fashion_mnist()
    assert first.images_train.shape == (60000, 28, 28) and first.images_test.shape == (10000, 28, 28)
    assert first.images_train.dtype == np.uint8 and first.y_train.dtype == np.int64
    assert np.bincount(first.y_train).tolist() == [6000] * 10
    assert np.bincount(first.y_test).tolist() == [1000] * 10
    parsed = []
    real_read = idx.read_idx
    with pytest.MonkeyPatch.context() as patch:  # the second load reads the cache, parses nothing (its time is in BENCHMARKS.md)
        patch.setattr(idx, "read_idx", lambda *a, **k: parsed.append(a) or real_read(*a, **k))
        second = idx.load_fashion_mnist()
    assert parsed == []
    assert second.fingerprint == first.fingerprint
    np.testing.assert_array_equal(second.images_test, first.images_test)
