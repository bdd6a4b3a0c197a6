"""The Temperature and Losses pages open on views that show their lesson, and say only what their numbers show.

Every number is recomputed here with numpy from the logits (an independent formula), not read back
from :mod:`kdviz.maths.explore`. What depends on T and γ is drawn in the browser (the live view,
:mod:`kdviz.viz.live`): here the logits the page sends to it are checked, and the numbers computed from
them; ``tests/test_live.py`` checks in a real browser that the views show these numbers and sentences.
"""

import base64
import json
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from kdviz.base import i18n
from kdviz.train import reference

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


def live_data(at: AppTest, view: str) -> dict:
    """The data the page sent to its live view ``view`` (kdviz.viz.live), parsed."""
    sent = [json.loads(e.proto.bytes or e.proto.json) for e in at.get("bidi_component")]  # ui.live sends JSON bytes
    found = [d for d in sent if d["view"] == view]
    assert len(found) == 1, f"{len(found)} live views {view!r}"
    return found[0]


def f32(b64: str, *shape) -> np.ndarray:
    return np.frombuffer(base64.b64decode(b64), dtype="<f4").reshape(*shape)


def u8(b64: str) -> np.ndarray:
    return np.frombuffer(base64.b64decode(b64), dtype=np.uint8)


@pytest.fixture(scope="module")
def students(res):
    return reference.student_states(res)  # the same seeded reference students the page shows (ui.reference_students)


def test_losses_default_shows_both_terms(res, students):
    at = open_page("pages/2_Losses.py")
    assert at.session_state["T"] == 4.0 and at.session_state["gamma"] == pytest.approx(0.9)
    assert at.radio(key="_loss_student").value == "partly trained" and at.radio(key="_loss_scope").value == "all"

    s, t, y = students.logits["partly trained"].numpy(), res.logits.test.numpy(), res.data.y_test.numpy()
    slider = live_data(at, "slider")  # T and γ ride with the slider; the other views take them in the browser
    assert (slider["T"], slider["gamma"]) == (4.0, 0.9)
    for view in ("loss_curves", "loss_numbers", "loss_heat", "grads"):  # what the browser computes from
        d = live_data(at, view)
        assert "T" not in d and d["n"] == 1000
        assert np.array_equal(f32(d["student"], 1000, 10), s) and np.array_equal(f32(d["teacher"], 1000, 10), t)
        assert np.array_equal(u8(d["labels"]), y)
    n, T, gamma = len(y), 4.0, 0.9
    q1 = np_softmax(s)  # (1000, 10) the student at T = 1
    pT, qT = np_softmax(t, T), np_softmax(s, T)
    hard = -np.mean(np.log(q1[np.arange(n), y]))
    soft = T * T * np.mean(np.sum(pT * (np.log(pT) - np.log(qT)), axis=1))
    assert hard > 0.05 and soft > hard  # the student still errs, and the teacher still has much to say
    assert hard == pytest.approx(0.502, abs=1e-3) and gamma * soft + (1 - gamma) * hard == pytest.approx(3.905, abs=1e-3)

    grad_soft = np.linalg.norm(T * (qT - pT) / n)  # ∂(T²·KL)/∂z, batch mean
    grad_hard = np.linalg.norm((q1 - np.eye(10)[y]) / n)  # ∂CE/∂z
    assert 0.1 < grad_soft / grad_hard < 10  # the T² factor keeps the two on one scale
    texts = live_data(at, "grads")["text"]  # the browser picks the "same order" sentence by this ratio (test_live.py)
    assert texts["losses.grad_caption"] == i18n.MESSAGES["losses.grad_caption"]["en"]


def test_losses_caption_says_when_the_terms_are_apart(res):
    at = open_page("pages/2_Losses.py", {"digit": "0"})  # a clear 0, which the trained student gets right
    at.radio(key="_loss_student").set_value("trained")
    at.radio(key="_loss_scope").set_value("digit").run()
    assert not at.exception
    d = live_data(at, "grads")  # one digit: its logits and label
    s, t, y, T = f32(d["student"], 1, 10), f32(d["teacher"], 1, 10), int(u8(d["labels"])[0]), live_data(at, "slider")["T"]
    assert d["n"] == 1 and y == 0 and np.array_equal(t[0], res.logits.test[0].numpy())
    q, p = np_softmax(s, T), np_softmax(t, T)
    ratio = np.linalg.norm(T * (q - p)) / np.linalg.norm(np_softmax(s) - np.eye(10)[[y]])
    assert not 0.1 <= ratio <= 10  # the browser says "more than 10 × apart" (the apart sentence is sent)
    assert "more than 10 × apart" in d["text"]["losses.grad_caption_apart"]


def test_temperature_opens_on_the_ambiguous_digit(res):
    at = open_page("pages/1_Temperature.py")
    z, y = res.logits.test.numpy(), res.data.y_test.numpy()
    p1 = np_softmax(z)  # (1000, 10) at T = 1
    other = np.where(y == 4, p1[:, 9], p1[:, 4])  # a 4's probability of a 9, a 9's of a 4
    other[~np.isin(y, (4, 9)) | (p1.argmax(axis=1) != y)] = -1
    want = int(np.argmax(other))
    assert at.session_state["digit"] == want and y[want] in (4, 9)

    T = at.session_state["T"]
    for view in ("softmax", "temp_numbers", "entropy", "digit"):  # the live views draw this digit's logits
        d = live_data(at, view)
        assert np.array_equal(f32(d["z"], 10), z[want]) and "T" not in d  # T comes from the slider, in the browser
    assert live_data(at, "slider")["T"] == T
    p = np_softmax(z[want], T)
    assert int(np.argsort(p)[-2]) in (4, 9)  # its runner-up is the other digit of the pair (shown in the browser)


@pytest.mark.parametrize("T", [4.0, 8.0])
def test_temperature_map_sentence_names_the_computed_pairs(res, T):
    at = open_page("pages/1_Temperature.py", {"T": f"{T:g}"})
    z, y = res.logits.test.numpy(), res.data.y_test.numpy()
    p = np_softmax(z, T)
    m = np.stack([p[y == c].mean(0) for c in range(10)])  # (10, 10) mean probability per true class
    np.fill_diagonal(m, -1)
    order = np.argsort(m, axis=None)[::-1][:3]
    d = live_data(at, "map_text")  # the browser names the top cells of the map it computes from these logits
    assert live_data(at, "slider")["T"] == T and d["n"] == 1000
    assert np.array_equal(f32(d["logits"], 1000, 10), z) and np.array_equal(u8(d["labels"]), y)
    named = ", ".join(f"**{true} → {like}** ({m[true, like]:.3f})" for true, like in zip(*np.unravel_index(order, m.shape)))
    assert i18n.tr("temp.map_explain", "en", T=T, pairs=named).count("→") == 3
    assert d["text"]["temp.map_pair"] == "**{true} → {like}** ({p:.3f})"
