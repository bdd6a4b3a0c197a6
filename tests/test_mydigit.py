"""kdviz.lab.mydigit: a digit's logits, its place in the PCA map, and its nearest test digits."""

import numpy as np
import torch

from kdviz.lab import mydigit
from kdviz.maths.losses import soften


def test_logits_for_a_test_digit_are_the_cached_logits(res):
    z = mydigit.logits_for(res.teacher, res.data, res.data.images_test[5])
    torch.testing.assert_close(z, res.logits.test[5], rtol=1e-4, atol=1e-4)


def test_map_is_pca_of_softened_outputs(res):
    m = mydigit.digit_map(res.logits.test, res.data.y_test, 4.0)
    p = soften(res.logits.test, 4.0).double().numpy()
    centred = p - p.mean(0)
    _, _, vt = np.linalg.svd(centred, full_matrices=False)
    expected = centred @ vt[:2].T  # (1000, 2), up to the sign of each axis
    for k in range(2):
        assert abs(abs(np.corrcoef(m.points[:, k], expected[:, k])[0, 1]) - 1) < 1e-6
    np.testing.assert_allclose(m.place(res.logits.test[17]), m.points[17], rtol=1e-4, atol=1e-6)
    assert m.points.shape == (1000, 2) and (m.labels == res.data.y_test.numpy()).all()


def test_nearest_test_digit_of_a_test_digit_is_itself(res):
    near = mydigit.nearest_test_digits(res.logits.test, res.logits.test[42], 4.0, k=5)
    assert near["index"].iloc[0] == 42 and near["distance"].iloc[0] < 1e-6
    assert near["distance"].is_monotonic_increasing
    same = (res.data.y_test[near["index"].tolist()] == res.data.y_test[42]).float().mean()
    assert same >= 0.8
