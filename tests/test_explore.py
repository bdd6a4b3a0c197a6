"""kdviz.maths.explore against independent numpy formulas and torch autograd."""

import numpy as np
import pytest
import torch

from kdviz.maths import explore
from kdviz.train import reference


def np_softmax(z, T):
    a = np.asarray(z, dtype=np.float64) / T
    a = a - a.max(-1, keepdims=True)
    e = np.exp(a)
    return e / e.sum(-1, keepdims=True)


@pytest.fixture(scope="module")
def batch():
    g = torch.Generator().manual_seed(0)
    s = torch.randn(16, 10, generator=g) * 3  # student logits
    t = torch.randn(16, 10, generator=g) * 5  # teacher logits
    y = torch.randint(0, 10, (16,), generator=g)
    return s, t, y


def test_entropy_curve_matches_numpy_and_rises_with_T(res):
    z = res.logits.test[7]
    temps = [0.5, 1.0, 2.0, 4.0, 8.0, 20.0]
    curve = explore.entropy_curve(z, temps)
    p = np_softmax(z.numpy(), np.array(temps)[:, None])  # (6, 10)
    expected = -(p * np.log2(np.clip(p, 1e-300, None))).sum(1)
    np.testing.assert_allclose(curve["entropy_bits"], expected, rtol=1e-4, atol=1e-5)
    assert np.all(np.diff(curve["entropy_bits"]) > 0)
    assert 0 <= curve["entropy_bits"].min() and curve["entropy_bits"].max() < np.log2(10)


def test_dark_knowledge_map_is_mean_softmax_per_class(res):
    z, y = res.logits.test, res.data.y_test
    m = explore.dark_knowledge_map(z, y, 4.0)
    p = np_softmax(z.numpy(), 4.0)
    for c in (0, 4, 9):
        np.testing.assert_allclose(m[c], p[y.numpy() == c].mean(0), rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(m.sum(1), 1.0, rtol=1e-5)
    # higher T moves mass off the diagonal
    assert np.trace(explore.dark_knowledge_map(z, y, 8.0)) < np.trace(explore.dark_knowledge_map(z, y, 1.0))
    with pytest.raises(ValueError):
        explore.dark_knowledge_map(z, y, 0.0)


def test_top_confusions_picks_largest_off_diagonal():
    m = np.eye(3) * 0.9 + 0.01
    m[2, 0], m[1, 2] = 0.5, 0.3
    top = explore.top_confusions(m, k=2)
    assert top[["true", "looks like"]].values.tolist() == [[2, 0], [1, 2]]
    assert top["p"].tolist() == pytest.approx([0.5, 0.3])


def test_loss_curves_match_numpy_formula(batch):
    s, t, y = batch
    temps, gamma = [0.5, 1.0, 3.0, 10.0], 0.7
    curves = explore.loss_curves(s, t, y, gamma=gamma, temperatures=temps)
    for row, T in zip(curves.itertuples(), temps):
        p, q = np_softmax(t.numpy(), T), np_softmax(s.numpy(), T)
        soft = T * T * np.mean(np.sum(p * (np.log(p) - np.log(q)), 1))
        hard = -np.mean(np.log(np_softmax(s.numpy(), 1.0)[np.arange(16), y.numpy()]))
        assert row.soft == pytest.approx(soft, rel=1e-4)
        assert row.hard == pytest.approx(hard, rel=1e-5)
        assert row.total == pytest.approx(gamma * soft + (1 - gamma) * hard, rel=1e-4)


def test_loss_curves_single_digit(batch):
    s, t, y = batch
    one = explore.loss_curves(s[3], t[3], y[3], gamma=0.5, temperatures=[2.0])
    many = explore.loss_curves(s[3:4], t[3:4], y[3:4], gamma=0.5, temperatures=[2.0])
    assert one.equals(many)


def test_loss_grid_is_the_loss_at_each_cell(batch):
    from kdviz.maths.losses import distillation_loss

    s, t, y = batch
    temps, gammas = [1.0, 4.0, 16.0], [0.0, 0.25, 1.0]
    grid = explore.loss_grid(s, t, y, temperatures=temps, gammas=gammas)
    assert grid.shape == (3, 3)
    for i, g in enumerate(gammas):
        for j, T in enumerate(temps):
            assert grid[i, j] == pytest.approx(float(distillation_loss(s, t, y, T, g).total), rel=1e-5)


def test_gradient_norms_match_closed_form_and_T2_balance(batch):
    s, t, y = batch
    temps = [1.0, 2.0, 8.0, 16.0]
    g = explore.soft_gradient_norms(s, t, y, temperatures=temps)
    n = len(s)
    for row, T in zip(g.itertuples(), temps):
        p, q = np_softmax(t.numpy(), T), np_softmax(s.numpy(), T)
        closed = np.linalg.norm(T * (q - p) / n)  # ∂(T²·KL)/∂z = T (q − p) / N
        assert row.grad_soft_T2 == pytest.approx(closed, rel=1e-4)
        assert row.grad_soft_plain == pytest.approx(closed / T**2, rel=1e-4)
        onehot = np.eye(10)[y.numpy()]
        assert row.grad_hard == pytest.approx(np.linalg.norm((np_softmax(s.numpy(), 1.0) - onehot) / n), rel=1e-4)
    # with T² the soft gradient levels off at high T; without it, it falls like 1/T²
    hi = g.set_index("T")
    assert hi.loc[16.0, "grad_soft_T2"] / hi.loc[8.0, "grad_soft_T2"] == pytest.approx(1.0, abs=0.1)
    assert hi.loc[16.0, "grad_soft_plain"] / hi.loc[8.0, "grad_soft_plain"] == pytest.approx(0.25, abs=0.03)


def test_student_states_improve_with_training(res):
    states = reference.student_states(res, partial_epochs=1, full_epochs=3)
    assert list(states.logits) == ["untrained", "partly trained", "trained"]
    assert all(v.shape == (1000, 10) for v in states.logits.values())
    acc = states.test_acc
    assert acc["untrained"] < 0.3 < acc["partly trained"] <= acc["trained"] + 0.02
    again = reference.student_states(res, partial_epochs=1, full_epochs=3, use_cache=False)
    assert torch.equal(again.logits["trained"], states.logits["trained"])  # seeded


def test_student_states_are_cached_on_disk_and_rebuilt_when_bad(res, cache):
    """The reference student (the Losses page's) is trained once per teacher, data and epochs, then read from disk:
    the same logits and weights as a fresh run; a damaged file is rebuilt, never trusted."""
    fresh = reference.student_states(res, partial_epochs=1, full_epochs=2, use_cache=False)
    assert not list(cache.glob("reference-student-*.npz"))  # use_cache=False writes nothing
    first = reference.student_states(res, partial_epochs=1, full_epochs=2)
    (path,) = cache.glob("reference-student-*.npz")
    stamp = path.stat().st_mtime_ns
    second = reference.student_states(res, partial_epochs=1, full_epochs=2)
    assert path.stat().st_mtime_ns == stamp  # read, not written again
    x = res.data.x_test[:50].reshape(50, -1)
    for states in (first, second):
        assert all(torch.equal(states.logits[k], fresh.logits[k]) for k in fresh.logits)
        assert states.test_acc == fresh.test_acc
        assert torch.equal(states.model(x), fresh.model(x))  # the weights too (the Your digit page uses them)
    assert len({p.name for p in cache.glob("reference-student-*.npz")}) == 1
    reference.student_states(res, partial_epochs=1, full_epochs=3)  # other epochs: another file
    assert len(list(cache.glob("reference-student-*.npz"))) == 2
    path.write_bytes(path.read_bytes()[:200])  # truncated
    rebuilt = reference.student_states(res, partial_epochs=1, full_epochs=2)
    assert torch.equal(rebuilt.logits["trained"], fresh.logits["trained"]) and path.stat().st_size > 200


def test_ambiguous_digit_matches_numpy(res):
    z, y = res.logits.test, res.data.y_test
    for classes, T in (((4, 9), 1.0), ((3, 5, 8), 2.0)):
        idx = explore.ambiguous_digit(z, y, classes=classes, T=T)
        second = np.sort(np_softmax(z.numpy(), T), axis=1)[:, -2]  # (1000,)
        second[~np.isin(y.numpy(), classes)] = -1.0
        assert idx == int(np.argmax(second)) and int(y[idx]) in classes


def test_ambiguous_digit_within_the_pair_matches_numpy(res):
    """``within``: among the 4s and 9s the teacher gets right, the largest probability on the other digit of the pair."""
    z, y = res.logits.test.numpy(), res.data.y_test.numpy()
    p = np_softmax(z, 1.0)  # (1000, 10)
    other = np.where(y == 4, p[:, 9], p[:, 4])  # (1000,)
    other[~np.isin(y, (4, 9)) | (p.argmax(axis=1) != y)] = -1.0
    idx = explore.ambiguous_digit(res.logits.test, res.data.y_test, classes=(4, 9), within=True)
    assert idx == int(np.argmax(other)) and p[idx].argmax() == y[idx] and 0.1 < other[idx] < 0.5
    z3 = torch.tensor([[0.0, 3.0, 2.9], [2.0, 0.0, 1.0], [0.0, 0.0, 5.0]])  # row 0: a 1 like a 2; row 1: a 0 like a 2
    y3 = torch.tensor([1, 0, 2])
    assert explore.ambiguous_digit(z3, y3, classes=(0, 1), within=True) == 1  # row 0's rival 2 is not in the pair
    assert explore.ambiguous_digit(z3, y3, classes=(0, 1)) == 0


def test_ambiguous_digit_small_example():
    z = torch.tensor([[5.0, 0.0, 0.0],   # label 0: clear
                      [2.0, 2.0, 0.0],   # label 1: a tie between 0 and 1, runner-up p ≈ 0.47, but class 1 is not asked
                      [0.0, 1.0, 3.0],   # label 2: runner-up p = e/(1+e+e³) ≈ 0.11
                      [1.0, 0.0, 2.0],   # label 2: runner-up p = e/(1+e+e²) ≈ 0.24
                      [0.0, 1.0, 2.0]])  # label 2: the same runner-up p as row 3: the tie goes to row 3
    y = torch.tensor([0, 1, 2, 2, 2])
    assert explore.ambiguous_digit(z, y, classes=(0, 2)) == 3
    assert explore.ambiguous_digit(z, y, classes=(0, 1, 2)) == 1
    # T = 1000 flattens every row: row 0's runner-up 1/(e^0.005 + 2) ≈ 0.3328 < row 3's ≈ 0.3333
    assert explore.ambiguous_digit(z, y, classes=(0,)) == 0 and explore.ambiguous_digit(z, y, classes=(0, 2), T=1000.0) == 3
    with pytest.raises(ValueError):
        explore.ambiguous_digit(z, y, classes=(7,))
    with pytest.raises(ValueError):
        explore.ambiguous_digit(z, y, T=0.0)
