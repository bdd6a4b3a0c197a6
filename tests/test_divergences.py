"""kdviz.maths.divergences against an independent oracle: the definitions written again in mpmath at 50 digits.

The oracle works in probability space at high precision, so it is exact where float64 softmax underflows; the
library works in log space in float32/float64. Values and gradients are compared, the endpoints (β = 0, 1; α = 0, 1)
are checked against the KLs, and every divergence stays finite at logits ±1e4 and T from 0.05 to 100.
"""

import itertools

import mpmath
import numpy as np
import pytest
import torch

from kdviz.maths import divergences as dv
from kdviz.maths.losses import distillation_loss

mpmath.mp.dps = 50


def oracle_probs(z, T, standardize=False):
    z = [v if isinstance(v, mpmath.mpf) else mpmath.mpf(float(v)) for v in z]  # keep an mpf exact (mpmath.diff)
    if standardize:  # Sun et al.: (z - mean) / (std + 1e-7), std with n - 1
        mean = sum(z) / len(z)
        std = mpmath.sqrt(sum((v - mean) ** 2 for v in z) / (len(z) - 1))
        z = [(v - mean) / (std + mpmath.mpf("1e-7")) for v in z]
    top = max(z)
    e = [mpmath.exp((v - top) / T) for v in z]
    total = sum(e)
    return [v / total for v in e]


def kl(a, b):
    return sum(x * mpmath.log(x / y) for x, y in zip(a, b) if x > 0)


def oracle(student, teacher, T, kind, beta=0.5, alpha=0.1, standardize=False):
    """One row's divergence from its definition (module docstring of kdviz.maths.divergences), no T²."""
    q, p = oracle_probs(student, T, standardize), oracle_probs(teacher, T, standardize)
    if kind == "fkl":
        return kl(p, q)
    if kind == "rkl":
        return kl(q, p)
    if kind == "jsd":
        if beta == 0:
            return kl(p, q)
        if beta == 1:
            return kl(q, p)
        m = [beta * a + (1 - beta) * b for a, b in zip(p, q)]
        return beta * kl(p, m) + (1 - beta) * kl(q, m)
    if kind == "skl":
        return kl(p, [alpha * a + (1 - alpha) * b for a, b in zip(p, q)])
    if kind == "srkl":
        return kl(q, [(1 - alpha) * a + alpha * b for a, b in zip(p, q)])
    return sum(abs(a - b) for a, b in zip(p, q)) / 2


RNG = np.random.default_rng(31)
ROWS = [(RNG.normal(0, 3, 10), RNG.normal(0, 3, 10)) for _ in range(3)]
SETTINGS = [("fkl", {}), ("rkl", {}), ("tvd", {}), ("jsd", {"beta": 0.5}), ("jsd", {"beta": 0.1}), ("jsd", {"beta": 0.9}),
            ("skl", {"alpha": 0.1}), ("skl", {"alpha": 0.5}), ("srkl", {"alpha": 0.1}), ("srkl", {"alpha": 0.7})]


@pytest.mark.parametrize("kind, kw", SETTINGS, ids=[f"{k}-{v}" for k, v in SETTINGS])
@pytest.mark.parametrize("standardize", [False, True])
@pytest.mark.parametrize("T", [0.5, 1.0, 4.0, 20.0])
def test_values_equal_the_definition(kind, kw, standardize, T):
    s = torch.tensor(np.stack([r[0] for r in ROWS]), dtype=torch.float64)
    t = torch.tensor(np.stack([r[1] for r in ROWS]), dtype=torch.float64)
    got = dv.divergence_rows(s, t, T, kind, standardize_logits=standardize, **kw)
    want = [float(oracle(a, b, T, kind, standardize=standardize, **kw)) for a, b in ROWS]
    np.testing.assert_allclose(got.numpy(), want, rtol=1e-9, atol=1e-13)
    assert float(dv.divergence(s, t, T, kind, standardize_logits=standardize, **kw)) == pytest.approx(T * T * np.mean(want), rel=1e-9)


@pytest.mark.parametrize("kind, kw", SETTINGS[:7], ids=[f"{k}-{v}" for k, v in SETTINGS[:7]])
@pytest.mark.parametrize("standardize", [False, True])
def test_gradients_equal_the_definitions_derivative(kind, kw, standardize):
    """d divergence / d student logit, autograd in float64 against mpmath's numerical derivative of the oracle."""
    student, teacher = ROWS[0]
    T = 2.0
    s = torch.tensor(student[None], dtype=torch.float64, requires_grad=True)
    dv.divergence_rows(s, torch.tensor(teacher[None], dtype=torch.float64), T, kind, standardize_logits=standardize, **kw).sum().backward()
    for i in range(len(student)):
        def f(x, i=i):
            z = list(student)
            z[i] = x
            return oracle(z, teacher, T, kind, standardize=standardize, **kw)
        want = float(mpmath.diff(f, mpmath.mpf(float(student[i]))))
        assert float(s.grad[0, i]) == pytest.approx(want, rel=1e-7, abs=1e-10), (i, kind)


def test_forward_kl_is_hintons_soft_term():
    s, t = torch.randn(16, 10, generator=torch.Generator().manual_seed(1)), torch.randn(16, 10, generator=torch.Generator().manual_seed(2))
    y = torch.zeros(16, dtype=torch.long)
    for T in (1.0, 4.0):
        assert float(dv.divergence(s, t, T)) == pytest.approx(float(distillation_loss(s, t, y, T, 1.0).soft), rel=1e-6)


def test_the_endpoints_are_the_two_kls():
    s, t = (torch.tensor(np.stack([r[i] for r in ROWS]), dtype=torch.float64) for i in (0, 1))
    fkl, rkl = dv.divergence_rows(s, t, 2.0, "fkl"), dv.divergence_rows(s, t, 2.0, "rkl")
    assert torch.equal(dv.divergence_rows(s, t, 2.0, "jsd", beta=0.0), fkl)
    assert torch.equal(dv.divergence_rows(s, t, 2.0, "jsd", beta=1.0), rkl)
    assert torch.equal(dv.divergence_rows(s, t, 2.0, "skl", alpha=0.0), fkl)
    assert torch.equal(dv.divergence_rows(s, t, 2.0, "srkl", alpha=0.0), rkl)
    assert dv.divergence_rows(s, t, 2.0, "skl", alpha=1.0).abs().max() == 0
    assert dv.divergence_rows(s, t, 2.0, "srkl", alpha=1.0).abs().max() == 0
    # and the endpoints are the limits, up to the documented scale: JSD(β)/β → KL(p‖q), JSD(β)/(1 − β) → KL(q‖p)
    eps = 1e-6
    np.testing.assert_allclose(dv.divergence_rows(s, t, 2.0, "jsd", beta=eps) / eps, fkl, rtol=1e-4)
    np.testing.assert_allclose(dv.divergence_rows(s, t, 2.0, "jsd", beta=1 - eps) / eps, rkl, rtol=1e-4)
    # and the skews are continuous at α = 0
    np.testing.assert_allclose(dv.divergence_rows(s, t, 2.0, "skl", alpha=eps), fkl, rtol=1e-4)
    np.testing.assert_allclose(dv.divergence_rows(s, t, 2.0, "srkl", alpha=eps), rkl, rtol=1e-4)


@pytest.mark.parametrize("kind, kw", SETTINGS, ids=[f"{k}-{v}" for k, v in SETTINGS])
def test_finite_values_and_gradients_at_the_limits(kind, kw):
    g = torch.Generator().manual_seed(7)
    big = torch.cat([torch.randn(4, 10, generator=g) * 1e4, torch.full((1, 10), 1e4), torch.zeros(1, 10)])  # and equal rows
    big[4, 3] = -1e4
    for T, standardize, dtype in itertools.product((0.05, 1.0, 100.0), (False, True), (torch.float32, torch.float64)):
        s = big.flip(0).to(dtype).requires_grad_(True)
        value = dv.divergence(s, big.to(dtype), T, kind, standardize_logits=standardize, **kw)
        value.backward()
        assert torch.isfinite(value) and value >= -1e-6 * T * T and torch.isfinite(s.grad).all(), (kind, T, standardize, dtype)
    # exact where float64 probabilities underflow: the oracle at 50 digits
    s, t = [3e3, -2e3, 0, 10, 5], [-1e3, 4e3, 2, 0, 1]
    got = float(dv.divergence_rows(torch.tensor([s], dtype=torch.float64), torch.tensor([t], dtype=torch.float64), 0.05, kind, **kw))
    assert got == pytest.approx(float(oracle(s, t, 0.05, kind, **kw)), rel=1e-9, abs=1e-12)


def test_sun_et_al_example_ranks_the_students_both_ways():
    """Sun et al. (CVPR 2024), Fig. 1: S1 ranks the classes wrongly, S2 rightly at a tenth of the teacher's scale."""
    teacher, s1, s2 = (torch.tensor([v], dtype=torch.float64) for v in ([1, 4, 3, 1], [2, 2.8, 3, 1], [0.1, 0.4, 0.3, 0.1]))
    assert int(s1.argmax()) != int(teacher.argmax()) and torch.equal(s2.argsort(), teacher.argsort())
    for kind, T in itertools.product(dv.DIVERGENCES, (0.5, 1.0, 2.0, 4.0, 8.0)):
        plain = [float(dv.divergence_rows(s, teacher, T, kind)) for s in (s1, s2)]
        standard = [float(dv.divergence_rows(s, teacher, T, kind, standardize_logits=True)) for s in (s1, s2)]
        assert plain[0] < plain[1], (kind, T)  # the plain divergence prefers the wrongly ranked S1
        assert standard[1] < standard[0] and abs(standard[1]) < 1e-6, (kind, T)  # standardized: S2 matches (to the 1e-7 floor)


def test_standardize_rows():
    z = torch.tensor([[1.0, 4.0, 3.0, 1.0], [2.0, 2.0, 2.0, 2.0]], dtype=torch.float64)
    out = dv.standardize(z)
    a = np.array([1.0, 4.0, 3.0, 1.0])
    np.testing.assert_allclose(out[0].numpy(), (a - a.mean()) / (a.std(ddof=1) + 1e-7))
    assert torch.equal(out[1], torch.zeros(4, dtype=torch.float64))  # equal logits: a uniform softmax, not NaN


@pytest.mark.parametrize("call, words", [
    (lambda s: dv.divergence(s, s, 1.0, "kl"), "must be one of fkl, rkl, jsd, skl, srkl, tvd"),
    (lambda s: dv.divergence(s, s, 1.0, "jsd", beta=1.5), "beta (the weight of JSD) must be in [0, 1]"),
    (lambda s: dv.divergence(s, s, 1.0, "skl", alpha=float("nan")), "alpha (the skew) must be in [0, 1]"),
    (lambda s: dv.divergence(s, s, 0.0), "temperature T must be a finite number > 0"),
    (lambda s: dv.divergence(s, s[:, :3], 1.0), "must both have shape (N, C)"),
])
def test_bad_arguments_are_one_line(call, words):
    with pytest.raises(ValueError) as err:
        call(torch.zeros(2, 4))
    assert words in str(err.value) and "\n" not in str(err.value)
