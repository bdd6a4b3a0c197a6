"""The distillation loss against an independent numpy formula and against torch's own losses."""


import numpy as np
import pytest
import torch
import torch.nn.functional as F

from kdviz import distillation_loss, soften
from kdviz.maths.losses import loss_terms


def np_log_softmax(z):
    z = z - z.max(axis=-1, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=-1, keepdims=True))


def np_reference(s, t, y, T, gamma):
    """float64 numpy: T² · mean KL(p_T ‖ q_T), CE at T = 1, and their gamma mix."""
    log_p, log_q = np_log_softmax(t / T), np_log_softmax(s / T)
    soft = T * T * (np.exp(log_p) * (log_p - log_q)).sum(-1).mean()
    hard = -np_log_softmax(s)[np.arange(len(y)), y].mean()
    return gamma * soft + (1 - gamma) * hard, soft, hard


def batch(seed=0, n=16, c=10, scale=3.0):
    g = torch.Generator().manual_seed(seed)
    s = torch.randn(n, c, generator=g, dtype=torch.float64) * scale
    t = torch.randn(n, c, generator=g, dtype=torch.float64) * scale
    y = torch.randint(0, c, (n,), generator=g)
    return s, t, y


@pytest.mark.parametrize("T", [0.05, 0.5, 1.0, 4.0, 20.0, 100.0])
@pytest.mark.parametrize("gamma", [0.0, 0.3, 0.9, 1.0])
def test_matches_numpy_formula(T, gamma):
    s, t, y = batch()
    out = distillation_loss(s, t, y, T, gamma)
    total, soft, hard = np_reference(s.numpy(), t.numpy(), y.numpy(), T, gamma)
    assert out.soft.item() == pytest.approx(soft, rel=1e-9, abs=1e-12)
    assert out.hard.item() == pytest.approx(hard, rel=1e-9)
    assert out.total.item() == pytest.approx(total, rel=1e-9, abs=1e-12)


@pytest.mark.parametrize("T", [1.0, 2.0, 8.0])
def test_matches_torch_losses(T):
    s, t, y = batch(1)
    out = distillation_loss(s, t, y, T, 0.7)
    kl = F.kl_div(F.log_softmax(s / T, -1), F.softmax(t / T, -1), reduction="batchmean") * T * T
    ce = F.cross_entropy(s, y)
    torch.testing.assert_close(out.soft, kl)
    torch.testing.assert_close(out.hard, ce)
    torch.testing.assert_close(out.total, 0.7 * kl + 0.3 * ce)


def test_gamma_endpoints_select_one_term():
    s, t, y = batch(2)
    assert distillation_loss(s, t, y, 3.0, 0.0).total.item() == pytest.approx(F.cross_entropy(s, y).item())
    one = distillation_loss(s, t, y, 3.0, 1.0)
    assert one.total.item() == pytest.approx(one.soft.item())


def test_t_squared_factor():
    s, t, y = batch(3)
    for T in (2.0, 5.0):
        kl = F.kl_div(F.log_softmax(s / T, -1), F.log_softmax(t / T, -1), reduction="batchmean", log_target=True)
        assert distillation_loss(s, t, y, T, 1.0).soft.item() == pytest.approx(T * T * kl.item(), rel=1e-10)


def test_soft_zero_when_student_equals_teacher():
    s, _, y = batch(4)
    assert distillation_loss(s, s.clone(), y, 4.0, 1.0).soft.item() == pytest.approx(0.0, abs=1e-12)


def test_gradients_match_torch_oracle():
    s, t, y = batch(5)
    T, gamma = 4.0, 0.6
    a = s.clone().requires_grad_(True)
    distillation_loss(a, t, y, T, gamma).total.backward()
    b = s.clone().requires_grad_(True)
    ref = gamma * T * T * F.kl_div(F.log_softmax(b / T, -1), F.softmax(t / T, -1), reduction="batchmean") + (1 - gamma) * F.cross_entropy(b, y)
    ref.backward()
    torch.testing.assert_close(a.grad, b.grad)
    # analytic gradient of the soft term: T²/N · (q_T − p_T) / T = T (q_T − p_T) / N
    c = s.clone().requires_grad_(True)
    distillation_loss(c, t, y, T, 1.0).soft.backward()
    analytic = T * (torch.softmax(s / T, -1) - torch.softmax(t / T, -1)) / len(s)
    torch.testing.assert_close(c.grad, analytic)


def test_teacher_gets_no_gradient():
    s, t, y = batch(6)
    t = t.clone().requires_grad_(True)
    distillation_loss(s.requires_grad_(True), t, y, 2.0, 0.5).total.backward()
    assert t.grad is None


@pytest.mark.parametrize("T", [0.05, 1.0, 100.0])
def test_stable_for_huge_logits(T):
    g = torch.Generator().manual_seed(7)
    s = (torch.rand(32, 10, generator=g) * 2 - 1) * 1e4
    t = (torch.rand(32, 10, generator=g) * 2 - 1) * 1e4
    y = torch.randint(0, 10, (32,), generator=g)
    s.requires_grad_(True)
    out = distillation_loss(s, t, y, T, 0.5)
    out.total.backward()
    for v in (out.total, out.soft, out.hard):
        assert torch.isfinite(v)
    assert torch.isfinite(s.grad).all()
    total, soft, hard = np_reference(s.detach().double().numpy(), t.double().numpy(), y.numpy(), T, 0.5)
    assert out.soft.item() == pytest.approx(soft, rel=1e-3)
    assert out.hard.item() == pytest.approx(hard, rel=1e-4)


def test_unlabelled_rows_count_for_soft_only():
    s, t, y = batch(8)
    y_partial = y.clone()
    y_partial[::2] = -1
    out = distillation_loss(s, t, y_partial, 2.0, 0.5)
    assert out.hard.item() == pytest.approx(F.cross_entropy(s[1::2], y[1::2]).item())
    assert out.soft.item() == pytest.approx(distillation_loss(s, t, y, 2.0, 0.5).soft.item())
    none = distillation_loss(s, t, torch.full_like(y, -1), 2.0, 0.5)
    assert none.hard.item() == 0.0


def test_soften_matches_numpy():
    s, _, _ = batch(9)
    for T in (0.5, 1.0, 7.0):
        expected = np.exp(np_log_softmax(s.numpy() / T))
        np.testing.assert_allclose(soften(s, T).numpy(), expected, rtol=1e-12)
    # higher temperature, flatter distribution
    assert soften(s, 10.0).max(-1).values.mean() < soften(s, 1.0).max(-1).values.mean()


@pytest.mark.parametrize("T", [0, -1, float("nan"), float("inf"), "abc", None, True])
def test_bad_temperature(T):
    s, t, y = batch()
    with pytest.raises(ValueError, match="temperature"):
        soften(s, T)
    with pytest.raises(ValueError, match="temperature"):
        distillation_loss(s, t, y, T, 0.5)


@pytest.mark.parametrize("gamma", [-0.01, 1.01, float("nan"), "x", None])
def test_bad_gamma(gamma):
    s, t, y = batch()
    with pytest.raises(ValueError, match="gamma"):
        distillation_loss(s, t, y, 2.0, gamma)


def test_bad_shapes():
    s, t, y = batch()
    with pytest.raises(ValueError, match="shape"):
        distillation_loss(s, t[:, :5], y, 2.0, 0.5)
    with pytest.raises(ValueError, match="targets"):
        distillation_loss(s, t, y[:3], 2.0, 0.5)


@pytest.mark.parametrize("unlabelled", [0, 5, 16], ids=["all labelled", "some unlabelled", "none labelled"])
def test_loss_terms_from_teacher_log_probs_are_distillation_loss(unlabelled):
    """The training loop's form (the teacher's log-probabilities at T computed once) gives the same numbers."""
    g = torch.Generator().manual_seed(7)
    s, t = torch.randn(16, 10, generator=g) * 3, torch.randn(16, 10, generator=g) * 5
    y = torch.randint(0, 10, (16,), generator=g)
    y[:unlabelled] = -1
    T, gamma = 3.5, 0.7
    want = distillation_loss(s, t, y, T, gamma)
    log_p = torch.log_softmax(t / T, dim=-1)
    for got in [loss_terms(s, log_p, y, T, gamma)] + ([loss_terms(s, log_p, y, T, gamma, all_labelled=True)] if not unlabelled else []):
        for name in ("soft", "hard", "total"):
            assert torch.equal(getattr(got, name), getattr(want, name)), name
    # the teacher's log-probabilities of a whole set, sliced, are those of each batch
    assert torch.equal(torch.log_softmax(t / T, dim=-1)[4:9], torch.log_softmax(t[4:9] / T, dim=-1))
