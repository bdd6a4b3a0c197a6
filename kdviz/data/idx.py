"""A safe reader for MNIST-format (IDX) files, and folders of them such as Fashion-MNIST.

An IDX file is a 4-byte magic number ``0x0000TTDD`` (type code ``TT``, ``DD`` dimensions),
one big-endian uint32 per dimension, then the values. kdviz reads only unsigned bytes:
images (magic 0x00000803, n × 28 × 28) and labels (magic 0x00000801, n). Every check that
fails raises :class:`IDXError`, one line naming the file; the bytes are only ever read with
``numpy.frombuffer``, so nothing is unpickled. A ``.gz`` file is decompressed in chunks
and read up to its declared size + 1 byte, so a gzip bomb can't fill the memory.

A folder holds the four standard files, each plain or ``.gz``; when both exist the plain
file wins (it is what ``gunzip -k`` leaves, and reads faster). The parsed arrays are
cached under :func:`kdviz.base.diskcache.cache_dir` (atomic, checksummed, rebuilt when bad), keyed
by the files' resolved paths, sizes and modification times.
"""

from __future__ import annotations

import gzip
import struct
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from kdviz.base.diskcache import cache_dir, checksum, keyed_path, load_arrays, load_or_build, save_arrays

__all__ = ["IDXError", "IDXData", "read_idx", "load_idx_folder", "load_fashion_mnist", "IDX_FILES",
           "FASHION_MNIST_DIR", "FASHION_CLASSES", "FASHION_CLASSES_ZH", "MAX_ITEMS", "MAX_FOLDER_BYTES", "BYTES_PER_IMAGE"]

IMAGES_MAGIC, LABELS_MAGIC = 0x00000803, 0x00000801  # unsigned byte, 3 dims / 1 dim
MAX_ITEMS = 1_000_000  # images or labels per file (784 MB of pixels): a bound on what one header may ask for
BYTES_PER_IMAGE = 28 * 28 * (1 + 4)  # what kdviz holds of an image: its uint8 pixels and their float32 copy
MAX_FOLDER_BYTES = 1_500_000_000  # a folder's images in memory (~380,000 of them): refused from the headers, before reading
N_CLASSES = 10
_CHUNK = 1 << 22  # bytes decompressed per read
_CACHE_VERSION = 1
_TYPES = {0x08: "unsigned byte", 0x09: "signed byte", 0x0B: "int16", 0x0C: "int32", 0x0D: "float32", 0x0E: "float64"}

# role → standard base name; the file may also end in .gz
IDX_FILES = {
    "images_train": "train-images-idx3-ubyte",
    "y_train": "train-labels-idx1-ubyte",
    "images_test": "t10k-images-idx3-ubyte",
    "y_test": "t10k-labels-idx1-ubyte",
}
_EXPECTED = ", ".join(IDX_FILES.values()) + " (each plain or .gz)"

FASHION_MNIST_DIR = Path("/usr/share/datasets/fashion-mnist")  # Debian's dataset-fashion-mnist
FASHION_CLASSES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag",
                   "Ankle boot")
FASHION_CLASSES_ZH = ("T恤/上衣", "裤子", "套头衫", "连衣裙", "外套", "凉鞋", "衬衫", "运动鞋", "包", "短靴")
_NOT_INSTALLED = ("Fashion-MNIST is not installed: apt-get install -y dataset-fashion-mnist "
                  "(puts its files in /usr/share/datasets/fashion-mnist/)")


class IDXError(ValueError):
    """A missing, truncated, corrupt or mismatched IDX file or folder; the message is one line naming it.

    ``reason`` says what kind of problem, for a page that must not show the message (it names server paths):
    ``"missing"`` (no such folder or file, unreadable), ``"too_large"`` (the headers declare more than
    :data:`MAX_ITEMS` or :data:`MAX_FOLDER_BYTES`), ``"not_installed"`` (Fashion-MNIST), ``"bad"`` (anything else).
    """

    def __init__(self, message: str, reason: str = "bad"):
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class IDXData:
    """One MNIST-format data set, as stored. Arrays are read-only by convention: never modify them in place.

    Attributes
    ----------
    images_train : uint8 array of shape (n_train, 28, 28), raw pixels 0–255
    y_train : int64 array of shape (n_train,), labels 0–9, every class present
    images_test : uint8 array of shape (n_test, 28, 28)
    y_test : int64 array of shape (n_test,), labels 0–9
    fingerprint : str, the first 16 hex digits of the sha256 of the four arrays (same for .gz and plain)
    folder : Path, the folder read
    """

    images_train: np.ndarray
    y_train: np.ndarray
    images_test: np.ndarray
    y_test: np.ndarray
    fingerprint: str
    folder: Path


def _read(path: Path, kind: str, *, body: bool) -> tuple[tuple[int, ...], bytearray | None]:
    """The checked header dimensions of ``path`` and, with ``body``, its value bytes (exactly as declared)."""
    if kind not in ("images", "labels"):
        raise ValueError(f"kind must be 'images' or 'labels', got {kind!r}")
    path, name = Path(path), Path(path).name
    gz = name.endswith(".gz")
    try:
        with gzip.open(path, "rb") if gz else open(path, "rb") as f:
            dims = _header(f, name, kind)
            if not body:
                return dims, None
            size = int(np.prod(dims))
            data = bytearray()
            while len(data) <= size:  # at most size + 1 bytes: one more than declared is enough to refuse
                chunk = f.read(min(_CHUNK, size + 1 - len(data)))
                if not chunk:
                    break
                data += chunk
    except (FileNotFoundError, IsADirectoryError, PermissionError) as err:
        raise IDXError(f"{name}: cannot be read ({err.strerror or err})", "missing") from None
    except (OSError, EOFError, zlib.error) as err:  # BadGzipFile is an OSError; a cut stream is an EOFError
        what = "corrupt or truncated gzip data" if gz else "read error"
        raise IDXError(f"{name}: {what} ({str(err).splitlines()[0] if str(err) else type(err).__name__})") from None
    if len(data) < size:
        raise IDXError(f"{name}: truncated: the header declares {dims[0]:,} {kind} ({size:,} bytes) "
                       f"but only {len(data):,} bytes follow")
    if len(data) > size:
        raise IDXError(f"{name}: extra bytes after the {dims[0]:,} {kind} ({size:,} bytes) the header declares")
    return dims, data


def _header(f, name: str, kind: str) -> tuple[int, ...]:
    """Read and check the magic number and dimensions from the open file ``f``."""
    head = f.read(4)
    if not head:
        raise IDXError(f"{name}: empty file (expected an IDX header)")
    if len(head) < 4:
        raise IDXError(f"{name}: truncated header ({len(head)} bytes; an IDX file starts with a 4-byte magic number)")
    want = IMAGES_MAGIC if kind == "images" else LABELS_MAGIC
    (magic,) = struct.unpack(">I", head)
    if head[:2] != b"\0\0":
        hint = "; it looks gzip-compressed: name it .gz" if head[:2] == b"\x1f\x8b" else ""
        raise IDXError(f"{name}: not an IDX file (magic number 0x{magic:08X}, expected 0x{want:08X}){hint}")
    if head[2] != 0x08:
        kind_name = _TYPES.get(head[2], "unknown")
        raise IDXError(f"{name}: IDX type code 0x{head[2]:02X} ({kind_name}) is not supported; "
                       f"kdviz reads 0x08 (unsigned byte) {kind}")
    ndim = 3 if kind == "images" else 1
    if head[3] != ndim:
        shape = "(n, 28, 28)" if kind == "images" else "(n,)"
        raise IDXError(f"{name}: {head[3]} dimensions; {kind} need {ndim} {shape} (magic 0x{want:08X})")
    raw = f.read(4 * ndim)
    if len(raw) < 4 * ndim:
        raise IDXError(f"{name}: truncated header ({4 + len(raw)} of {4 + 4 * ndim} bytes)")
    dims = struct.unpack(f">{ndim}I", raw)
    if kind == "images" and dims[1:] != (28, 28):
        raise IDXError(f"{name}: images are {dims[1]} × {dims[2]} pixels; kdviz needs 28 × 28")
    if dims[0] == 0:
        raise IDXError(f"{name}: the header declares no {kind}")
    if dims[0] > MAX_ITEMS:
        raise IDXError(f"{name}: the header declares {dims[0]:,} {kind}; kdviz reads at most {MAX_ITEMS:,} per file",
                       "too_large")
    return dims


def read_idx(path: Path | str, *, kind: str) -> np.ndarray:
    """Read one IDX file of unsigned bytes, ``.gz`` or plain, checking everything.

    Parameters
    ----------
    path : path of the file; a name ending in ``.gz`` is decompressed
    kind : ``"images"`` (magic 0x00000803, n × 28 × 28) or ``"labels"`` (magic 0x00000801, n)

    Returns
    -------
    uint8 array of shape (n, 28, 28) for images, int64 array of shape (n,) for labels.

    Raises
    ------
    IDXError
        One line naming the file: unreadable, empty, bad magic or type code, wrong number of
        dimensions, images not 28 × 28, truncated, extra bytes, corrupt gzip.
    """
    dims, data = _read(Path(path), kind, body=True)
    values = np.frombuffer(data, dtype=np.uint8).reshape(dims)
    return values if kind == "images" else values.astype(np.int64)


def _find(folder: Path) -> dict[str, Path]:
    """role → the file to read in ``folder`` (plain before ``.gz``), or IDXError naming what is missing."""
    if not folder.is_dir():
        what = "is not a folder" if folder.exists() else "no such folder"
        raise IDXError(f"{folder}: {what}; expected an MNIST-format folder holding {_EXPECTED}", "missing")
    found = {}
    for role, base in IDX_FILES.items():
        for candidate in (folder / base, folder / f"{base}.gz"):
            if candidate.is_file():
                found[role] = candidate
                break
        else:
            raise IDXError(f"{base}: missing from {folder} (neither {base} nor {base}.gz); expected {_EXPECTED}",
                           "missing")
    return found


def _kind(role: str) -> str:
    return "images" if role.startswith("images") else "labels"


def _check_labels(labels: np.ndarray, path: Path, *, every_class: bool) -> None:
    bad = np.flatnonzero(labels >= N_CLASSES)  # uint8 values, never negative
    if len(bad):
        raise IDXError(f"{path.name}: label {labels[bad[0]]} at index {bad[0]:,} is outside 0–9; "
                       "kdviz needs a 10-class set (labels 0–9) like MNIST, Fashion-MNIST or KMNIST")
    missing = np.flatnonzero(np.bincount(labels, minlength=N_CLASSES) == 0)
    if every_class and len(missing):
        raise IDXError(f"{path.name}: class {missing[0]} never occurs; kdviz needs all 10 classes (0–9) in train")


def load_idx_folder(folder: Path | str, *, use_cache: bool = True) -> IDXData:
    """Load a folder of the four standard MNIST-format files, checked and cached.

    Besides :func:`read_idx`'s checks: image and label counts match, the images the headers
    declare fit in :data:`MAX_FOLDER_BYTES` (checked before any values are read, ``.gz`` or plain),
    labels lie in 0–9, and all 10 classes occur in train. The first call parses the files (0.6–0.8 s for
    Fashion-MNIST's 70,000 gzipped images here); later calls read the ``.npz`` cache (~0.13 s).

    Parameters
    ----------
    folder : the folder holding train-images-idx3-ubyte, train-labels-idx1-ubyte,
        t10k-images-idx3-ubyte and t10k-labels-idx1-ubyte, each plain or ``.gz``
    use_cache : read and write the on-disk cache (False: always parse, write nothing)

    Returns
    -------
    IDXData

    Raises
    ------
    IDXError
        One line naming the missing, bad or mismatched file.
    """
    folder = Path(folder).expanduser()
    files = _find(folder)
    counts = {role: _read(path, _kind(role), body=False)[0][0] for role, path in files.items()}
    for split in ("train", "test"):
        img, lab = files[f"images_{split}"], files[f"y_{split}"]
        if counts[f"images_{split}"] != counts[f"y_{split}"]:
            raise IDXError(f"{img.name} holds {counts[f'images_{split}']:,} images but {lab.name} holds "
                           f"{counts[f'y_{split}']:,} labels; they must match")
    n_images = counts["images_train"] + counts["images_test"]
    if n_images * BYTES_PER_IMAGE > MAX_FOLDER_BYTES:  # from the headers alone: nothing is read yet
        raise IDXError(f"{folder.name}: the headers declare {n_images:,} images, {n_images * BYTES_PER_IMAGE / 1e9:.1f} GB "
                       f"in memory ({BYTES_PER_IMAGE:,} bytes each); kdviz loads at most {MAX_FOLDER_BYTES / 1e9:.1f} GB "
                       f"({MAX_FOLDER_BYTES // BYTES_PER_IMAGE:,} images)", "too_large")
    spec = {role: (((n, 28, 28), np.uint8) if role.startswith("images") else ((n,), np.int64))
            for role, n in counts.items()}
    spec["fingerprint"] = ((), np.dtype("<U16"))
    stats = [(str(p.resolve()), p.stat().st_size, p.stat().st_mtime_ns) for p in files.values()]
    path = keyed_path(cache_dir(), "idx", {"version": _CACHE_VERSION, "files": stats}, suffix=".npz")

    def build() -> dict[str, np.ndarray]:
        arrays = {}
        for role, p in files.items():
            arrays[role] = read_idx(p, kind=_kind(role))
            if role.startswith("y_"):
                _check_labels(arrays[role], p, every_class=role == "y_train")
        arrays["fingerprint"] = np.array(checksum(*arrays.values())[:16], dtype="<U16")
        return arrays

    arrays, _ = load_or_build(lambda: load_arrays(path, spec), build, lambda a: save_arrays(path, **a),
                              use_cache=use_cache)
    return IDXData(**{role: arrays[role] for role in IDX_FILES}, fingerprint=str(arrays["fingerprint"]),
                   folder=folder)


def load_fashion_mnist(*, use_cache: bool = True) -> IDXData:
    """Fashion-MNIST (60,000 train / 10,000 test, the official split) from Debian's ``dataset-fashion-mnist``.

    Class names: :data:`FASHION_CLASSES` (English) and :data:`FASHION_CLASSES_ZH` (中文), by label.

    Raises
    ------
    IDXError
        "Fashion-MNIST is not installed: …" with the apt command when its folder is absent,
        else any :func:`load_idx_folder` refusal.
    """
    if not FASHION_MNIST_DIR.is_dir():
        raise IDXError(_NOT_INSTALLED, "not_installed")
    return load_idx_folder(FASHION_MNIST_DIR, use_cache=use_cache)
