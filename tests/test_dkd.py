"""Decoupled KD (Zhao et al. 2022): decompose_kd and dkd_loss against independent float64 numpy oracles."""

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from kdviz import KDDecomposition, decompose_kd, distillation_loss, dkd_loss
from kdviz.maths.losses import check_weight

TS = [0.05, 1.0, 4.0, 100.0]


@pytest.fixture(autouse=True, scope="module")
def one_thread():
    """Tiny tensors: one intra-op thread is faster, and far faster on a busy machine."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def close(got, want, rtol=None, atol=None):
    """Like torch.testing.assert_close (same default tolerances), without its slow first import."""
    assert got.shape == want.shape and got.dtype == want.dtype, (got.shape, want.shape, got.dtype, want.dtype)
    r, a = (1.3e-6, 1e-5) if got.dtype == torch.float32 else (1e-7, 1e-7)
    np.testing.assert_allclose(got.detach().double().numpy(), want.detach().double().numpy(),
                               rtol=r if rtol is None else rtol, atol=a if atol is None else atol)


# --- oracles -------------------------------------------------------------------------------------

def np_softmax(z):
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def np_kl(p, q):
    """Σ_i p_i log(p_i / q_i), with 0 · log 0 = 0."""
    out = 0.0
    for pi, qi in zip(p, q):
        if pi > 0:
            out += pi * math.log(pi / qi)
    return out


def oracle_plain(s, t, y, T):
    """Straight from the definitions, in probability space (moderate logits only): kd, tckd, nckd, weight."""
    kd, tckd, nckd, weight = [], [], [], []
    for s_row, t_row, target in zip(s, t, y):
        p, q = np_softmax(t_row / T), np_softmax(s_row / T)
        rest = [i for i in range(len(p)) if i != target]
        b_p = [p[target], p[rest].sum()]
        b_q = [q[target], q[rest].sum()]
        p_hat = p[rest] / p[rest].sum()
        q_hat = q[rest] / q[rest].sum()
        kd.append(np_kl(p, q))
        tckd.append(np_kl(b_p, b_q))
        nckd.append(np_kl(p_hat, q_hat))
        weight.append(1.0 - p[target])
    return tuple(np.array(v) for v in (kd, tckd, nckd, weight))


def np_log_softmax(z):
    z = z - z.max()  # shift first, so the log of the sum is at most log C and loses nothing
    return z - math.log(np.exp(z).sum())


def np_kl_log(log_p, log_q):
    """Σ_i p_i (log p_i − log q_i) from log-probabilities; p_i that underflow to 0 add 0."""
    p = np.exp(log_p)
    return float(np.where(p > 0, p * (log_p - log_q), 0.0).sum())


def np_binary(z, target):
    """[log p_t, log(1 − p_t)] of softmax(z), as logs of sums of exponentials of shifted logits."""
    z = z - z.max()
    rest = np.delete(z, target)
    lse, lse_rest = math.log(np.exp(z).sum()), rest.max() + math.log(np.exp(rest - rest.max()).sum())
    return np.array([z[target] - lse, lse_rest - lse])


def oracle_log(s, t, y, T):
    """Careful float64 version for extreme logits: log space only, every softmax shifted by its max."""
    kd, tckd, nckd, weight = [], [], [], []
    for s_row, t_row, target in zip(s.astype(np.float64), t.astype(np.float64), y):
        zp, zq = t_row / T, s_row / T
        kd.append(np_kl_log(np_log_softmax(zp), np_log_softmax(zq)))
        b_p, b_q = np_binary(zp, target), np_binary(zq, target)
        tckd.append(np_kl_log(b_p, b_q))
        nckd.append(np_kl_log(np_log_softmax(np.delete(zp, target)), np_log_softmax(np.delete(zq, target))))
        weight.append(math.exp(b_p[1]))
    return tuple(np.array(v) for v in (kd, tckd, nckd, weight))


def published_dkd(s, t, y, T, alpha, beta):
    """The DKD loss as the authors' mdistiller code computes it (probabilities, log, −1000 mask); C >= 3."""
    gt = torch.zeros_like(s, dtype=torch.bool).scatter_(1, y[:, None], True)
    cat = lambda p: torch.stack([(p * gt).sum(1), (p * ~gt).sum(1)], 1)  # noqa: E731
    b_s, b_t = cat(F.softmax(s / T, 1)), cat(F.softmax(t / T, 1))
    tckd = F.kl_div(torch.log(b_s), b_t, reduction="sum") * T**2 / len(y)
    p2 = F.softmax(t / T - 1000.0 * gt, 1)
    log_q2 = F.log_softmax(s / T - 1000.0 * gt, 1)
    nckd = F.kl_div(log_q2, p2, reduction="sum") * T**2 / len(y)
    return alpha * tckd + beta * nckd


def batch(seed=0, n=12, c=10, scale=3.0, dtype=torch.float64):
    g = torch.Generator().manual_seed(seed)
    s = torch.randn(n, c, generator=g, dtype=dtype) * scale
    t = torch.randn(n, c, generator=g, dtype=dtype) * scale
    y = torch.randint(0, c, (n,), generator=g)
    return s, t, y


def as_np(parts):
    return tuple(getattr(parts, k).detach().double().numpy() for k in ("kd", "tckd", "nckd", "weight"))


def extreme_cases(dtype=torch.float32):
    """Logits up to 1e4 in magnitude: the teacher certain of the label (p_t rounds to 1), sure of
    another class, student opposite, random ±1e4; C = 2, 3 and 10."""
    g = torch.Generator().manual_seed(7)
    out = []
    for c in (2, 3, 10):
        n = 8
        y = torch.randint(0, c, (n,), generator=g)
        onehot = F.one_hot(y, c).to(dtype)
        wrong = F.one_hot((y + 1) % c, c).to(dtype)
        random = (torch.rand(n, c, generator=g, dtype=dtype) * 2 - 1) * 1e4
        signs = torch.randint(0, 2, (n, c), generator=g).to(dtype) * 2e4 - 1e4  # exactly ±1e4
        out += [
            ("teacher certain", torch.randn(n, c, generator=g, dtype=dtype) * 3, 1e4 * onehot, y),
            ("student certain, wrong", 1e4 * wrong - 1e4 * onehot, 1e4 * onehot - 1e4 * wrong, y),
            ("random ±1e4", random, (torch.rand(n, c, generator=g, dtype=dtype) * 2 - 1) * 1e4, y),
            ("signs ±1e4", signs, -signs.flip(0), y),
            ("teacher certain, student random", random, 1e4 * onehot - 1e4 * wrong, y),
        ]
    return out


# --- values --------------------------------------------------------------------------------------

@pytest.mark.parametrize("seed, n, c", [(0, 1, 2), (1, 7, 2), (2, 5, 3), (3, 9, 3), (4, 16, 10), (5, 4, 10)])
@pytest.mark.parametrize("T", [0.5, 1.0, 4.0, 20.0])
def test_matches_numpy_definitions(seed, n, c, T):
    s, t, y = batch(seed, n, c)
    parts = decompose_kd(s, t, y, T)
    assert isinstance(parts, KDDecomposition)
    assert all(v.shape == (n,) for v in (parts.kd, parts.tckd, parts.nckd, parts.weight))
    for got, want in zip(as_np(parts), oracle_plain(s.numpy(), t.numpy(), y.numpy(), T)):
        np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-12)


def test_two_oracles_agree():
    s, t, y = batch(3, 20, 6)
    args = s.numpy(), t.numpy(), y.numpy(), 2.0
    for a, b in zip(oracle_plain(*args), oracle_log(*args)):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-13)


def test_two_classes_have_no_nckd():
    s, t, y = batch(4, 9, 2)
    parts = decompose_kd(s, t, y, 2.0)
    assert torch.equal(parts.nckd, torch.zeros_like(parts.nckd))
    close(parts.tckd, parts.kd)  # with C = 2 the binary split is the whole distribution


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("T", [0.5, 1.0, 4.0])
def test_identity_and_torch_kl(dtype, T):
    s, t, y = batch(5, 32, 10, dtype=dtype)
    parts = decompose_kd(s, t, y, T)
    close(parts.kd, parts.tckd + parts.weight * parts.nckd)
    kl = F.kl_div(F.log_softmax(s / T, -1), F.softmax(t / T, -1), reduction="none").sum(-1)
    close(parts.kd, kl)
    close(parts.weight, 1 - F.softmax(t / T, -1).gather(1, y[:, None])[:, 0])
    soft = distillation_loss(s, t, y, T, 1.0).soft
    close(soft / T**2, parts.kd.mean())
    # KD is DKD with alpha = 1 and a per-row beta = 1 − p_t; a constant beta = 1 is not KD
    close(T**2 * (parts.tckd + parts.weight * parts.nckd).mean(), soft)
    assert abs(dkd_loss(s, t, y, T, 1.0, 1.0).item() - soft.item()) > 1e-3 * soft.item()


# --- extreme logits ------------------------------------------------------------------------------

@pytest.mark.parametrize("T", TS)
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_extreme_logits_finite_and_match_oracle(T, dtype):
    for name, s, t, y in extreme_cases(dtype):
        s = s.clone().requires_grad_(True)
        parts = decompose_kd(s, t, y, T)
        scale = 1 + max(s.abs().max().item(), t.abs().max().item()) / T  # size of the logits seen by softmax
        eps = torch.finfo(dtype).eps
        for key in ("kd", "tckd", "nckd", "weight"):
            value = getattr(parts, key)
            assert torch.isfinite(value).all(), (name, key)
            assert (value >= -8 * eps * scale).all(), (name, key, value.min().item())
        assert ((parts.weight >= 0) & (parts.weight <= 1)).all(), name
        # one backward pass: a NaN or inf in any term's gradient would make the sum non-finite
        total = parts.kd.sum() + parts.tckd.sum() + parts.nckd.sum() + dkd_loss(s, t, y, T, 1.0, 8.0)
        (grad,) = torch.autograd.grad(total, s)
        assert torch.isfinite(grad).all(), name

        want = oracle_log(s.detach().double().numpy(), t.double().numpy(), y.numpy(), T)
        tol = 8 * eps * scale  # float rounding of log-probabilities of this size
        for key, got, ref in zip(("kd", "tckd", "nckd", "weight"), as_np(parts), want):
            np.testing.assert_allclose(got, ref, rtol=1e-5 if dtype == torch.float32 else 1e-12,
                                       atol=tol, err_msg=f"{name}: {key}")
        kd, tckd, nckd, weight = (getattr(parts, k).double() for k in ("kd", "tckd", "nckd", "weight"))
        close(kd, tckd + weight * nckd, rtol=1e-5, atol=tol)


def test_teacher_certain_in_float32():
    """p_t == 1 exactly in float32, yet 1 − p_t and NCKD come out right from log space."""
    t = torch.tensor([[30.0, 0.0, -5.0], [1e4, 0.0, 0.0]])
    s = torch.tensor([[0.0, 1.0, 2.0], [0.0, 3.0, -3.0]], requires_grad=True)
    y = torch.tensor([0, 0])
    assert (F.softmax(t, -1)[:, 0] == 1.0).all()
    parts = decompose_kd(s, t, y, 1.0)
    np.testing.assert_allclose(parts.weight[0].item(), math.exp(-30) + math.exp(-35), rtol=1e-5)
    assert parts.weight[1].item() == 0.0  # e^-1e4 underflows even in float64
    want = oracle_log(s.detach().double().numpy(), t.double().numpy(), y.numpy(), 1.0)
    np.testing.assert_allclose(parts.nckd.detach().numpy(), want[2], rtol=1e-5)
    assert parts.nckd[0].item() > 0.1  # the non-target structure is still there, weight or not
    dkd_loss(s, t, y, 1.0, 1.0, 8.0).backward()
    assert torch.isfinite(s.grad).all() and s.grad.abs().sum() > 0


# --- dkd_loss ------------------------------------------------------------------------------------

@pytest.mark.parametrize("c", [2, 3, 10])
@pytest.mark.parametrize("T", [1.0, 4.0])
def test_dkd_loss_matches_oracle(c, T):
    s, t, y = batch(6, 10, c)
    _, tckd, nckd, _ = oracle_plain(s.numpy(), t.numpy(), y.numpy(), T)
    for alpha, beta in [(1.0, 8.0), (1.0, 1.0), (0.0, 1.0), (2.0, 0.0), (0.5, 3)]:
        loss = dkd_loss(s, t, y, T, alpha, beta)
        assert loss.shape == ()
        want = T * T * np.mean(alpha * tckd + beta * nckd)
        assert loss.item() == pytest.approx(want, rel=1e-9, abs=1e-12), (alpha, beta)


@pytest.mark.parametrize("c", [3, 10])
@pytest.mark.parametrize("T", [1.0, 4.0])
def test_dkd_loss_matches_published_code(c, T):
    s, t, y = batch(8, 16, c)
    close(dkd_loss(s, t, y, T, 1.0, 8.0), published_dkd(s, t, y, T, 1.0, 8.0))


def test_gradcheck_and_teacher_gets_no_gradient():
    for c in (2, 3, 5):
        s, t, y = batch(9, 3, c)
        s.requires_grad_(True)
        assert torch.autograd.gradcheck(lambda x: dkd_loss(x, t, y, 2.0, 1.0, 8.0), (s,))
    # each term on its own (rows of the Jacobian of a vector output)
    s, t, y = batch(12, 3, 4)
    s.requires_grad_(True)
    assert torch.autograd.gradcheck(
        lambda x: tuple(getattr(decompose_kd(x, t, y, 0.7), k) for k in ("kd", "tckd", "nckd")), (s,))
    s, t, y = batch(10, 6, 10)
    s.requires_grad_(True)
    t.requires_grad_(True)
    parts = decompose_kd(s, t, y, 3.0)
    assert not parts.weight.requires_grad
    (parts.kd.sum() + dkd_loss(s, t, y, 3.0, 1.0, 8.0)).backward()
    assert t.grad is None
    assert s.grad is not None and s.grad.abs().sum() > 0


def test_kd_gradient_equals_distillation_loss_gradient():
    s, t, y = batch(11, 8, 10)
    a = s.clone().requires_grad_(True)
    b = s.clone().requires_grad_(True)
    (16.0 * decompose_kd(a, t, y, 4.0).kd.mean()).backward()
    distillation_loss(b, t, y, 4.0, 1.0).soft.backward()
    close(a.grad, b.grad)


# --- validation ----------------------------------------------------------------------------------

@pytest.mark.parametrize("T", [0, -1, float("nan"), float("inf"), True, "4", None])
def test_bad_temperature(T):
    s, t, y = batch()
    if T == "4":  # a numeric string is a number to check_temperature, as for distillation_loss
        assert torch.isfinite(dkd_loss(s, t, y, T, 1.0, 8.0))
        return
    with pytest.raises(ValueError, match="temperature"):
        decompose_kd(s, t, y, T)
    with pytest.raises(ValueError, match="temperature"):
        dkd_loss(s, t, y, T, 1.0, 8.0)


@pytest.mark.parametrize("alpha, beta, name", [
    (-1, 8, "alpha"), (1, float("nan"), "beta"), (float("inf"), 1, "alpha"), (True, 1, "alpha"),
    (1, -1e-9, "beta"), (1, None, "beta"), (1, "x", "beta"),
])
def test_bad_weights(alpha, beta, name):
    s, t, y = batch()
    with pytest.raises(ValueError, match=name):
        dkd_loss(s, t, y, 4.0, alpha, beta)


def test_check_weight():
    assert check_weight("beta", 0) == 0.0
    assert check_weight("beta", np.float32(8)) == 8.0
    with pytest.raises(ValueError, match="^beta must be a finite number >= 0, got -1$"):
        check_weight("beta", -1)


@pytest.mark.parametrize("targets, match", [
    (torch.tensor([0, 1, 10]), r"\[0, 10\)"),
    (torch.tensor([0, -1, 2]), r"\[0, 10\)"),
    (torch.tensor([0, 1]), r"shape \(N,\)"),
    (torch.tensor([[0, 1, 2]]), r"shape \(N,\)"),
    (torch.tensor([0.0, 1.0, 2.0]), "integer"),
    ([0, 1, 2], "tensor"),
])
def test_bad_targets(targets, match):
    s, t, _ = batch(n=3)
    with pytest.raises(ValueError, match=match):
        decompose_kd(s, t, targets, 4.0)
    with pytest.raises(ValueError, match=match):
        dkd_loss(s, t, targets, 4.0, 1.0, 8.0)


@pytest.mark.parametrize("s_shape, t_shape, match", [
    ((3, 10), (3, 9), r"shape \(N, C\)"),
    ((3, 10), (4, 10), r"shape \(N, C\)"),
    ((10,), (10,), r"shape \(N, C\)"),
    ((3, 1), (3, 1), "C >= 2"),
    ((0, 10), (0, 10), "N >= 1"),
])
def test_bad_shapes(s_shape, t_shape, match):
    y = torch.zeros(s_shape[0] if len(s_shape) == 2 else 3, dtype=torch.long)
    with pytest.raises(ValueError, match=match):
        decompose_kd(torch.zeros(s_shape), torch.zeros(t_shape), y, 4.0)
    with pytest.raises(ValueError, match=match):
        dkd_loss(torch.zeros(s_shape), torch.zeros(t_shape), y, 4.0, 1.0, 8.0)
