"""Data sets by name: the embedded 5,000 MNIST digits (the default), Fashion-MNIST, or a folder of MNIST-format files.

Every data set becomes one :class:`kdviz.data.mnist.MNISTSplit` (normalised with its own train statistics), so
training, the plots and the pages take any of them. :data:`DATASETS` is the literal list of the named ones:

========================  ==========================================  =====================================
key                       what                                        where
========================  ==========================================  =====================================
``mnist-5k``              5,000 real MNIST digits, split 4,000/1,000  ``kdviz/assets/mnist-5k.npz`` (shipped)
``fashion-mnist``         70,000 clothing images, 60,000/10,000       Debian's ``dataset-fashion-mnist``
========================  ==========================================  =====================================

A folder (``--data-dir PATH`` in the CLI, ``data_dir=`` here, ``KDVIZ_DATA_DIR`` for the app, where it is offered
as ``folder``; a link names it by that key, never by its path) holds the four standard MNIST-format files
(:mod:`kdviz.data.idx`): full MNIST, KMNIST, or Fashion-MNIST copied elsewhere. Its classes are named by their label, 0–9.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from kdviz.data import idx
from kdviz.data.mnist import MNISTSplit, load_mnist

__all__ = ["DataSet", "DATASETS", "DEFAULT", "KEYS", "FOLDER", "ENV", "dataset", "load_split", "split_from_idx",
           "class_names", "rebuild_command", "student_epochs", "folder_from_env", "offered", "is_digits"]

ASSETS = Path(__file__).resolve().parents[1] / "assets"
DIGITS = tuple(str(d) for d in range(10))


@dataclass(frozen=True)
class DataSet:
    """One data set kdviz knows by name.

    Attributes
    ----------
    key : str, its name in links (``?data=``), the CLI (``--data``) and the library
    classes : dict, language ("en", "zh") → the 10 class names, by label
    teacher : Path, its shipped teacher's weights (``.safetensors``, with a ``.json`` beside)
    digits : bool, the classes are the digits 0–9 (the *Your digit* page needs that)
    pair : (int, int), two classes a teacher confuses: the pages open on a test image of one that looks like the other
    epochs : int, a student's default epochs in the app (Train, the Losses page's reference student): a Train press of
        the default student and its baseline takes about 10 s on 2 cores (``BENCHMARKS.md``)
    """

    key: str
    classes: dict
    teacher: Path
    digits: bool
    pair: tuple[int, int]
    epochs: int


DATASETS = (
    DataSet("mnist-5k", {"en": DIGITS, "zh": DIGITS}, ASSETS / "teacher.safetensors", True, (4, 9), 30),
    DataSet("fashion-mnist", {"en": idx.FASHION_CLASSES, "zh": idx.FASHION_CLASSES_ZH},
            ASSETS / "teacher-fashion-mnist.safetensors", False, (6, 0), 5),  # a shirt that looks like a T-shirt; 60,000 images
)
DEFAULT = "mnist-5k"
KEYS = tuple(d.key for d in DATASETS)
FOLDER = "folder"  # the key of a folder data set (``data_dir``); its teacher is trained on first use and cached
ENV = "KDVIZ_DATA_DIR"  # the app's folder data set, set by whoever starts the server


def dataset(key: str) -> DataSet:
    """The named data set; a ``ValueError`` of one line for an unknown name."""
    for d in DATASETS:
        if d.key == key:
            return d
    raise ValueError(f"unknown data set {key!r}; known: {', '.join(KEYS)} (or a folder of MNIST-format files)")


def folder_from_env(environ: Mapping[str, str] | None = None) -> Path | None:
    """The folder named by ``KDVIZ_DATA_DIR`` (None when unset or empty). Not checked here: loading it says what is wrong."""
    raw = (os.environ if environ is None else environ).get(ENV, "").strip()
    return Path(raw).expanduser() if raw else None


def offered(environ: Mapping[str, str] | None = None) -> tuple[str, ...]:
    """The data sets the app offers: :data:`KEYS`, and :data:`FOLDER` when ``KDVIZ_DATA_DIR`` is set."""
    return KEYS + ((FOLDER,) if folder_from_env(environ) is not None else ())


def is_digits(key: str) -> bool:
    """Whether data set ``key``'s classes are the handwritten digits (a folder's may be anything: its labels)."""
    return key != FOLDER and dataset(key).digits


def student_epochs(key: str, n_train: int) -> int:
    """A student's default epochs in the app on data set ``key`` with ``n_train`` training images: the named data
    set's :attr:`DataSet.epochs`; a folder's keeps a press near the same number of examples as Fashion-MNIST's
    5 × 60,000 (1 to 30 epochs)."""
    if key != FOLDER:
        return dataset(key).epochs
    return max(1, min(30, round(300_000 / max(int(n_train), 1))))


def rebuild_command(key: str) -> str:
    """The command that rebuilds data set ``key``'s shipped teacher."""
    return "python -m kdviz train-teacher" + ("" if key == DEFAULT else f" --data {key}")


def class_names(key: str, lang: str = "en") -> tuple[str, ...]:
    """The 10 class names of data set ``key`` in ``lang`` ("en" or "zh"); a folder's are its labels 0–9."""
    if key == FOLDER:
        return DIGITS
    names = dataset(key).classes
    return names.get(lang, names["en"])


def _float_pixels(images: np.ndarray) -> torch.Tensor:
    """uint8 (n, 28, 28) → float32 Tensor (n, 1, 28, 28) of the same 0–255 values (the one float copy)."""
    return torch.from_numpy(np.ascontiguousarray(images)).to(torch.float32).reshape(-1, 1, 28, 28)


def split_from_idx(data: idx.IDXData) -> MNISTSplit:
    """An :class:`kdviz.data.idx.IDXData` as an :class:`MNISTSplit`: its own train/test split, normalised with the
    train statistics (``(pixel/255 − mean) / std``, in place). ``train_index`` / ``test_index`` are ``arange``;
    the fingerprint is the files'. :class:`kdviz.data.idx.IDXError` (reason ``"blank"``) when the train images
    are all one value (std 0)."""
    x_train, x_test = _float_pixels(data.images_train), _float_pixels(data.images_test)
    var, mean = torch.var_mean(x_train, correction=0)  # of the 0–255 values
    mean, std = float(mean) / 255.0, float(var.sqrt()) / 255.0
    if not std > 0:  # every train pixel the same (an all-black folder): nothing to learn, nothing to divide by
        raise idx.IDXError(f"{data.folder.name}: every pixel of the {len(data.y_train):,} train images is "
                           f"{int(data.images_train.flat[0])}; kdviz needs images that differ", "blank")
    for x in (x_train, x_test):
        x.mul_(1.0 / (255.0 * std)).sub_(mean / std)
    return MNISTSplit(
        x_train=x_train,
        y_train=torch.from_numpy(np.asarray(data.y_train, dtype=np.int64)),
        x_test=x_test,
        y_test=torch.from_numpy(np.asarray(data.y_test, dtype=np.int64)),
        images_train=data.images_train,
        images_test=data.images_test,
        train_index=np.arange(len(data.y_train), dtype=np.int64),
        test_index=np.arange(len(data.y_test), dtype=np.int64),
        mean=mean,
        std=std,
        fingerprint=data.fingerprint,
    )


def load_split(key: str = DEFAULT, *, data_dir: Path | str | None = None, use_cache: bool = True) -> MNISTSplit:
    """Load a data set by name, or the folder ``data_dir`` (then ``key`` is ignored).

    Raises
    ------
    ValueError
        One line: an unknown name, a data set that is not installed (and how to get it), or a folder
        whose files are missing, corrupt, too large, blank or not a 10-class set of 28 × 28 images
        (:class:`kdviz.data.idx.IDXError`, whose ``reason`` says which, for a page that must not show server paths).
    """
    if data_dir is not None:
        return split_from_idx(idx.load_idx_folder(data_dir, use_cache=use_cache))
    dataset(key)  # an unknown name: one line
    if key == "mnist-5k":
        return load_mnist(use_cache=use_cache)
    return split_from_idx(idx.load_fashion_mnist(use_cache=use_cache))
