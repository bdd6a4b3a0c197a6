"""The Temperature and Losses pages open on views that show their lesson, and say only what their numbers show.

Every number is recomputed here with numpy from the logits (an independent formula), not read back
from :mod:`kdviz.explore`.
"""

from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from kdviz import explore, i18n

ROOT = Path(__file__).resolve().parents[1]


def np_softmax(z, T=1.0):
    a = np.asarray(z, dtype=np.float64) / T
    a = a - a.max(-1, keepdims=True)
    e = np.exp(a)
    return e / e.sum(-1, keepdims=True)


def open_page(name: str, query: dict | None = None) -> AppTest:
    at = AppTest.from_file(str(ROOT / name), default_timeout=120)
    for k, v in (query or {}).items():
        at.query_params[k] = v
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


@pytest.fixture(scope="module")
def students(res):
    return explore.student_states(res)  # the same seeded reference students the page shows (ui.reference_students)


def test_losses_default_shows_both_terms(res, students):
    at = open_page("pages/2_Losses.py")
    assert at.slider(key="T").value == 4.0 and at.slider(key="gamma").value == pytest.approx(0.9)
    assert at.radio(key="_loss_student").value == "partly trained" and at.radio(key="_loss_scope").value == "all"

    s, t, y = students.logits["partly trained"].numpy(), res.logits.test.numpy(), res.data.y_test.numpy()
    n, T, gamma = len(y), 4.0, 0.9
    q1 = np_softmax(s)  # (1000, 10) the student at T = 1
    pT, qT = np_softmax(t, T), np_softmax(s, T)
    hard = -np.mean(np.log(q1[np.arange(n), y]))
    soft = T * T * np.mean(np.sum(pT * (np.log(pT) - np.log(qT)), axis=1))
    shown = {m.label: float(m.value) for m in at.metric}
    assert shown["hard"] == pytest.approx(hard, abs=1e-3) and shown["hard"] > 0.05  # the student still errs
    assert shown["soft"] == pytest.approx(soft, abs=1e-3)
    assert shown["total"] == pytest.approx(gamma * soft + (1 - gamma) * hard, abs=1e-3)

    grad_soft = np.linalg.norm(T * (qT - pT) / n)  # ∂(T²·KL)/∂z, batch mean
    grad_hard = np.linalg.norm((q1 - np.eye(10)[y]) / n)  # ∂CE/∂z
    assert 0.1 < grad_soft / grad_hard < 10  # the T² factor keeps the two on one scale
    caption = next(c.value for c in at.caption if "‖∂soft/∂z‖" in c.value)
    assert caption == i18n.tr("losses.grad_caption", "en", T=T, T2=T * T, with_T2=grad_soft, plain=grad_soft / T**2,
                              hard=grad_hard, ratio=grad_soft / grad_hard)  # the "same order" sentence, with these numbers


def test_losses_caption_says_when_the_terms_are_apart(res):
    at = open_page("pages/2_Losses.py", {"digit": "0"})  # a clear 0, which the trained student gets right
    at.radio(key="_loss_student").set_value("trained")
    at.radio(key="_loss_scope").set_value("digit").run()
    assert not at.exception
    caption = next(c.value for c in at.caption if "‖∂soft/∂z‖" in c.value)
    assert "more than 10 × apart" in caption and "same order" not in caption


def test_temperature_opens_on_the_ambiguous_digit(res):
    at = open_page("pages/1_Temperature.py")
    z, y = res.logits.test.numpy(), res.data.y_test.numpy()
    p1 = np_softmax(z)  # (1000, 10) at T = 1
    other = np.where(y == 4, p1[:, 9], p1[:, 4])  # a 4's probability of a 9, a 9's of a 4
    other[~np.isin(y, (4, 9)) | (p1.argmax(axis=1) != y)] = -1
    want = int(np.argmax(other))
    assert at.session_state["digit"] == want and y[want] in (4, 9)

    T = at.slider(key="T").value
    p = np_softmax(z[want], T)
    runner_up = int(np.argsort(p)[-2])
    metric = next(m for m in at.metric if m.label == "Runner-up digit")
    assert metric.value == str(runner_up) and metric.delta == f"p = {p[runner_up]:.3f}"


@pytest.mark.parametrize("T", [4.0, 8.0])
def test_temperature_map_sentence_names_the_computed_pairs(res, T):
    at = open_page("pages/1_Temperature.py", {"T": f"{T:g}"})
    z, y = res.logits.test.numpy(), res.data.y_test.numpy()
    p = np_softmax(z, T)
    m = np.stack([p[y == c].mean(0) for c in range(10)])  # (10, 10) mean probability per true class
    np.fill_diagonal(m, -1)
    order = np.argsort(m, axis=None)[::-1][:3]
    text = next(md.value for md in at.markdown if "largest cells" in md.value)
    assert f"At T = {T:g}" in text
    for true, like in zip(*np.unravel_index(order, m.shape)):
        assert f"**{true} → {like}** ({m[true, like]:.3f})" in text
    assert text.count("→") == 3
