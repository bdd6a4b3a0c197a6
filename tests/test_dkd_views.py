"""Where the dark knowledge sits in the soft loss (issue 15): kdviz.maths.darkknowledge and the pages' TCKD / NCKD views.

* :mod:`kdviz.maths.darkknowledge` against :func:`kdviz.maths.losses.decompose_kd` and independent numpy formulas (float64,
  log space), on the shipped teacher's test logits and the reference students';
* the Temperature page mounts its four new live views with the data they compute from (the chosen image's
  logits and label, all the test logits and labels, the partly trained reference student's logits), and on
  those logits the mean 1 − p_t at T = 1 is below its value at T = 8; on Fashion-MNIST they name the classes
  and say "images";
* the Losses page mounts the stacked decomposition with the logits of its student and scope.

What the browser draws from this data is checked in ``tests/test_live.py`` (real chromium) and
``tests/test_live_math.py`` (kdmath.js against these functions to 1e-6).
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from test_data_pages import needs_fashion
from test_lesson_pages import f32, live_data, open_page, u8

from kdviz.base import i18n
from kdviz.data import idx
from kdviz.maths import darkknowledge, explore
from kdviz.maths.losses import decompose_kd
from kdviz.train import reference

TS = [0.5, 1.0, 2.0, 4.0, 8.0, 20.0]
DK_VIEWS = ("dk_target", "dk_nontarget", "dk_weights", "dk_share")


# --- numpy float64, log space: independent of kdviz -------------------------------------------------------

def np_log_softmax(z, T):
    x = np.asarray(z, dtype=np.float64) / T
    x = x - x.max(-1, keepdims=True)
    return x - np.log(np.exp(x).sum(-1, keepdims=True))


def np_parts(s, t, y, T):
    """Per row: kd, tckd, nckd, weight = 1 − p_t (TCKD = KL(b ‖ b^S), NCKD = KL(p̂ ‖ q̂)), in log space."""
    s, t, y = np.atleast_2d(s), np.atleast_2d(t), np.atleast_1d(y)
    lp, lq = np_log_softmax(t, T), np_log_softmax(s, T)
    rows, rest = np.arange(len(y)), np.ones_like(lp, dtype=bool)
    rest[rows, y] = False

    def lse(x):
        m = x.max(-1, keepdims=True)
        return (m + np.log(np.exp(x - m).sum(-1, keepdims=True)))[:, 0]

    def kl(lp_, lq_):  # Σ p (log p − log q), a term with p = 0 adding 0
        p = np.exp(lp_)
        with np.errstate(invalid="ignore"):
            return np.where(p > 0, p * (lp_ - lq_), 0.0).sum(-1)

    lrp, lrq = lse(np.where(rest, lp, -np.inf)), lse(np.where(rest, lq, -np.inf))
    tckd = kl(np.stack([lp[rows, y], lrp], 1), np.stack([lq[rows, y], lrq], 1))
    nckd = kl(np.where(rest, lp - lrp[:, None], -np.inf), np.where(rest, lq - lrq[:, None], 0.0))
    return kl(lp, lq), tckd, nckd, np.exp(lrp)


@pytest.fixture(scope="module")
def students(res):
    return reference.student_states(res)  # the seeded reference students (ui.reference_students on the digits)


@pytest.fixture(scope="module")
def picks(res):
    """(name, row) of an ambiguous test digit and of the most confident one."""
    z = res.logits.test.numpy()
    return {"ambiguous": explore.ambiguous_digit(res.logits.test, res.data.y_test),
            "confident": int(np.argmax(z.max(1) - z.min(1)))}


# --- kdviz.maths.darkknowledge ----------------------------------------------------------------------------------

def test_target_curve(res, picks):
    for row in picks.values():
        z, y = res.logits.test[row], int(res.data.y_test[row])
        curve = darkknowledge.target_curve(z, y)
        assert list(curve.columns) == ["T", "p_t", "weight"] and np.array_equal(curve["T"], explore.T_GRID)
        for T, p_t, w in curve.itertuples(index=False):
            lp = np_log_softmax(z.numpy(), T)
            assert p_t == pytest.approx(np.exp(lp[y]), rel=1e-12, abs=1e-15)
            assert w == pytest.approx(np_parts(z.numpy(), z.numpy(), y, T)[3][0], rel=1e-12)
            assert w == pytest.approx(float(decompose_kd(z[None].double(), z[None].double(), torch.tensor([y]), T).weight[0]),
                                      rel=1e-12)
            assert p_t + w == pytest.approx(1.0, abs=1e-12)
        assert (np.diff(curve["weight"]) > 0).all()  # the teacher is right on both: 1 − p_t grows with T
    confident = darkknowledge.target_curve(res.logits.test[picks["confident"]], int(res.data.y_test[picks["confident"]]), [0.5])
    assert 0 < confident["weight"][0] < 1e-15  # exact in log space where p_t rounds to 1 (not 1 − 1 = 0)


def test_non_target(res, picks):
    for row in picks.values():
        z, y = res.logits.test[row], int(res.data.y_test[row])
        for T in TS:
            nt = darkknowledge.non_target(z, y, T)
            p = np.exp(np_log_softmax(z.numpy(), T))
            hat = np.where(np.arange(10) == y, 0.0, p)
            assert list(nt.columns) == ["class", "p", "p_hat"] and nt["class"].tolist() == list(range(10))
            np.testing.assert_allclose(nt["p"], p, rtol=1e-12, atol=1e-300)
            np.testing.assert_allclose(nt["p_hat"], hat / hat.sum(), rtol=1e-10, atol=1e-300)
            assert nt["p_hat"][y] == 0 and nt["p_hat"].sum() == pytest.approx(1.0, abs=1e-12)
    with pytest.raises(ValueError, match="label"):
        darkknowledge.non_target(res.logits.test[0], 10, 1.0)


def test_weight_summary(res):
    z, y = res.logits.test, res.data.y_test
    for T in TS:
        s = darkknowledge.weight_summary(z, y, T)
        w = np_parts(z.numpy(), z.numpy(), y.numpy(), T)[3]
        assert s.T == T and s.mean == pytest.approx(w.mean(), rel=1e-12) and s.median == pytest.approx(np.median(w), rel=1e-12)
        assert s.small == pytest.approx((w < darkknowledge.SMALL_WEIGHT).mean())
        assert s.hist["count"].tolist() == np.histogram(w, bins=darkknowledge.WEIGHT_BINS)[0].tolist()
        assert s.hist["count"].sum() == len(y) and s.hist["share"].sum() == pytest.approx(1.0)
        assert s.hist["lo"].tolist() == list(darkknowledge.WEIGHT_BINS[:-1]) and s.hist["hi"].tolist() == list(darkknowledge.WEIGHT_BINS[1:])
    one, eight = darkknowledge.weight_summary(z, y, 1.0), darkknowledge.weight_summary(z, y, 8.0)
    assert one.mean < eight.mean and one.median < 1e-3 < 0.1 < eight.median  # confident at T = 1, not at T = 8
    assert one.hist["share"][:4].sum() > 0.5 and eight.hist["share"][:4].sum() == 0  # the mass near 0 moves right


def test_decomposition_curves(res, students):
    t, y = res.logits.test, res.data.y_test
    for name, s in students.logits.items():
        curves = darkknowledge.decomposition_curves(s, t, y, TS)
        assert list(curves.columns) == ["T", "tckd", "weighted_nckd", "nckd", "kd", "nckd_share"]
        for row in curves.itertuples(index=False):
            kd, tckd, nckd, w = np_parts(s.numpy(), t.numpy(), y.numpy(), row.T)
            d = decompose_kd(s.double(), t.double(), y, row.T)
            want = [tckd.mean(), (w * nckd).mean(), nckd.mean(), kd.mean()]
            np.testing.assert_allclose([row.tckd, row.weighted_nckd, row.nckd, row.kd], want, rtol=1e-9)
            np.testing.assert_allclose([row.tckd, row.kd], [float(d.tckd.mean()), float(d.kd.mean())], rtol=1e-12)
            assert row.tckd + row.weighted_nckd == pytest.approx(row.kd, rel=1e-9)  # KL = TCKD + (1 − p_t)·NCKD
            assert row.nckd_share == pytest.approx(row.weighted_nckd / row.kd)
        scaled = darkknowledge.decomposition_curves(s, t, y, TS, t2=True)
        soft = explore.loss_curves(s.double(), t.double(), y, gamma=1.0, temperatures=TS)["soft"]  # the Losses page's soft loss
        np.testing.assert_allclose(scaled["kd"], soft, rtol=1e-9)
        np.testing.assert_allclose(scaled["tckd"], curves["tckd"] * np.square(TS), rtol=1e-12)
        np.testing.assert_allclose(scaled["nckd_share"], curves["nckd_share"], rtol=1e-12)
    partly = darkknowledge.decomposition_curves(students.logits["partly trained"], t, y, [1.0, 8.0])
    assert partly["nckd_share"][0] < partly["nckd_share"][1]  # raising T makes more of the soft loss dark knowledge
    one = darkknowledge.decomposition_curves(s[3], t[3], y[3], [2.0])  # one row, a scalar label
    kd, tckd, nckd, w = np_parts(s[3].numpy(), t[3].numpy(), int(y[3]), 2.0)
    np.testing.assert_allclose(one[["tckd", "weighted_nckd", "kd"]].iloc[0], [tckd[0], w[0] * nckd[0], kd[0]], rtol=1e-9)
    same = darkknowledge.decomposition_curves(t, t, y, [4.0])  # the teacher as its own student: no loss, no share
    assert same["kd"][0] == 0 and np.isnan(same["nckd_share"][0])


def test_extreme_logits_are_finite():
    s = torch.tensor([[1e4, -1e4, 0.0, 0.0], [-1e4, 1e4, -1e4, -1e4]], dtype=torch.float64)
    t = torch.tensor([[-1e4, 1e4, 0.0, -1e4], [1e4, -1e4, 1e4, -1e4]], dtype=torch.float64)
    y = torch.tensor([1, 0])
    curves = darkknowledge.decomposition_curves(s, t, y, [0.5, 1.0, 20.0])
    assert np.isfinite(curves.drop(columns="T").to_numpy()).all() and (curves["kd"] > 1e2).all()
    for T in (0.5, 1.0, 20.0):
        kd, tckd, nckd, w = np_parts(s.numpy(), t.numpy(), y.numpy(), T)
        row = curves[curves["T"] == T].iloc[0]
        np.testing.assert_allclose([row.tckd, row.weighted_nckd, row.kd], [tckd.mean(), (w * nckd).mean(), kd.mean()], rtol=1e-9)
    assert np.isfinite(darkknowledge.target_curve(t[0], 1, [0.5])[["p_t", "weight"]].to_numpy()).all()


# --- the pages (AppTest) ------------------------------------------------------------------------------------

def test_temperature_mounts_the_dark_knowledge_views(res, students):
    at = open_page("pages/1_Temperature.py", {"T": "4"})
    z, y = res.logits.test.numpy(), res.data.y_test.numpy()
    digit = at.session_state["digit"]
    assert "Where the dark knowledge is in the loss" in [s.value for s in at.subheader]
    for view in ("dk_target", "dk_nontarget"):  # the chosen image: its logits and label
        d = live_data(at, view)
        assert "T" not in d and np.array_equal(f32(d["z"], 10), z[digit]) and d["label"] == int(y[digit]) and "classes" not in d
    weights = live_data(at, "dk_weights")  # all the test images
    assert weights["n"] == 1000 and np.array_equal(f32(weights["logits"], 1000, 10), z) and np.array_equal(u8(weights["labels"]), y)
    assert weights["edges"] == list(darkknowledge.WEIGHT_BINS) and weights["small"] == darkknowledge.SMALL_WEIGHT
    share = live_data(at, "dk_share")  # the Losses page's partly trained reference student
    assert np.array_equal(f32(share["student"], 1000, 10), students.logits["partly trained"].numpy())
    assert np.array_equal(f32(share["teacher"], 1000, 10), z) and np.array_equal(u8(share["labels"]), y)
    assert all("T" not in live_data(at, v) for v in DK_VIEWS)  # T comes from the slider in the browser
    text = {**live_data(at, "dk_target")["text"], **weights["text"], **share["text"]}
    assert text["temp.dk_mean"] == i18n.MESSAGES["temp.dk_mean"]["en"] and text["plots.tckd"] == "TCKD"
    assert text["plots.nckd"] == "NCKD" and "dark knowledge" in text["temp.dk_target_caption"]

    # the mean 1 − p_t the browser computes from these logits: below at T = 1 what it is at T = 8
    logits, labels = f32(weights["logits"], 1000, 10), u8(weights["labels"]).astype(np.int64)
    mean = {T: darkknowledge.weight_summary(logits, labels, T).mean for T in (1.0, 4.0, 8.0)}
    w = {T: np_parts(logits, logits, labels, T)[3].mean() for T in (1.0, 8.0)}
    assert mean[1.0] == pytest.approx(w[1.0], rel=1e-9) and mean[8.0] == pytest.approx(w[8.0], rel=1e-9)
    assert mean[1.0] < mean[4.0] < mean[8.0] and mean[1.0] < 0.05 < 0.5 < mean[8.0]
    assert 0.02 < mean[1.0] < 0.03 and 0.24 < mean[4.0] < 0.25 and 0.57 < mean[8.0] < 0.58  # the shipped teacher


def test_temperature_dark_knowledge_in_chinese():
    at = open_page("pages/1_Temperature.py", {"lang": "zh"})
    assert i18n.tr("temp.dk_section", "zh") in [s.value for s in at.subheader]
    text = live_data(at, "dk_share")["text"]
    assert text["temp.dk_share_label"] == i18n.MESSAGES["temp.dk_share_label"]["zh"] and text["plots.nckd"] == "NCKD"


def test_the_dark_knowledge_log_toggle():
    at = open_page("pages/1_Temperature.py")
    assert live_data(at, "dk_target")["log_y"] is False
    at.toggle(key="_dk_log").set_value(True).run()
    assert not at.exception and live_data(at, "dk_target")["log_y"] is True


@needs_fashion
def test_temperature_dark_knowledge_on_fashion_mnist():
    at = open_page("pages/1_Temperature.py", {"data": "fashion-mnist"})
    for view in ("dk_target", "dk_nontarget"):
        assert live_data(at, view)["classes"] == list(idx.FASHION_CLASSES), view
    weights, share = live_data(at, "dk_weights"), live_data(at, "dk_share")
    assert weights["n"] == share["n"] == 10000
    assert weights["text"]["temp.dk_mean"] == i18n.MESSAGES["temp.dk_mean_img"]["en"]  # images, not digits
    assert "test images" in weights["text"]["temp.dk_hist_caption"] and "test images" in share["text"]["temp.dk_share_caption"]
    assert live_data(at, "dk_nontarget")["text"]["plots.digit"] == "class"
    logits, labels = f32(weights["logits"], 10000, 10), u8(weights["labels"]).astype(np.int64)
    means = [darkknowledge.weight_summary(logits, labels, T).mean for T in (1.0, 8.0)]
    assert means[0] < means[1]


def test_losses_mounts_the_stacked_decomposition(res, students):
    at = open_page("pages/2_Losses.py")
    d, curves = live_data(at, "dk_stack"), live_data(at, "loss_curves")
    assert "T" not in d and d["n"] == 1000
    for k in ("student", "teacher", "labels", "n"):  # the same student and scope as the page's other views
        assert d[k] == curves[k], k
    s = f32(d["student"], 1000, 10)
    assert np.array_equal(s, students.logits["partly trained"].numpy())
    assert d["text"]["plots.tckd"] == "TCKD" and d["text"]["plots.nckd"] == "NCKD"
    assert i18n.tr("losses.dk_section", "en") in [h.value for h in at.subheader]
    parts = darkknowledge.decomposition_curves(s, f32(d["teacher"], 1000, 10), u8(d["labels"]).astype(np.int64), [4.0], t2=True)
    assert parts["kd"][0] == pytest.approx(4.283, abs=1e-3) and parts["nckd_share"][0] == pytest.approx(0.387, abs=1e-3)

    at.radio(key="_loss_scope").set_value("digit").run()  # one image: its logits and label
    d = live_data(at, "dk_stack")
    digit = at.session_state["digit"]
    assert not at.exception and d["n"] == 1 and u8(d["labels"]).tolist() == [int(res.data.y_test[digit])]
    assert np.array_equal(f32(d["teacher"], 10), res.logits.test[digit].numpy())

