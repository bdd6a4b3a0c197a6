"""A learner's own digit beside the test set: both models' outputs, and where it sits among the test digits.

The image comes from :mod:`kdviz.data.digits` (a uint8 (28, 28) MNIST-style digit). The map is a
2-D PCA (scikit-learn) of the teacher's softened probabilities on the 1,000 test digits at
the chosen T; the learner's digit is projected into it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch
from torch import nn

from kdviz.data.mnist import MNISTSplit
from kdviz.maths.losses import soften
from kdviz.train.loop import predict_logits

__all__ = ["logits_for", "DigitMap", "digit_map", "nearest_test_digits"]


def logits_for(model: nn.Module, data: MNISTSplit, image: np.ndarray) -> torch.Tensor:
    """Logits of shape (10,) for one raw uint8 digit of shape (28, 28), normalised like the training data."""
    x = data.normalise(np.asarray(image).reshape(1, 28, 28))  # (1, 1, 28, 28)
    return predict_logits(model, x)[0]


@dataclass(frozen=True)
class DigitMap:
    """The test digits placed in 2-D: ``points`` (n_test, 2), ``labels`` (n_test,), and the fitted PCA."""

    T: float
    pca: "PCA"  # sklearn.decomposition.PCA, fitted
    points: np.ndarray
    labels: np.ndarray

    def place(self, logits: torch.Tensor) -> np.ndarray:
        """Coordinates (2,) of one row of 10 teacher logits in this map."""
        p = soften(logits.detach().reshape(1, -1).float(), self.T).numpy()
        return self.pca.transform(p)[0]


def digit_map(test_logits: torch.Tensor, labels: torch.Tensor, T: float) -> DigitMap:
    """Fit the 2-D PCA of ``softmax(test_logits / T)`` (n_test, 10); deterministic (full SVD)."""
    from sklearn.decomposition import PCA  # imported here: only this page needs scikit-learn at run time

    p = soften(test_logits.detach().float(), T).numpy()
    pca = PCA(n_components=2, svd_solver="full").fit(p)
    return DigitMap(T=float(T), pca=pca, points=pca.transform(p), labels=np.asarray(labels))


def nearest_test_digits(test_logits: torch.Tensor, logits: torch.Tensor, T: float, *, k: int = 6) -> pd.DataFrame:
    """The ``k`` test digits whose softened teacher outputs at T are closest (L2) to this digit's.

    Columns: ``index`` (into the test split), ``distance``.
    """
    p = soften(test_logits.detach().float(), T)  # (n_test, 10)
    q = soften(logits.detach().reshape(1, -1).float(), T)  # (1, 10)
    d = (p - q).norm(dim=1)
    order = torch.argsort(d)[:k]
    return pd.DataFrame({"index": order.tolist(), "distance": d[order].tolist()})
