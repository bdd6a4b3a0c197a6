"""Fashion-MNIST opens on its lesson image (issue 28, item 3): when the data set is switched mid-session (the
sidebar), reached from the demo, or back again, the shared image is the data set's own, and its first load reads
the shipped teacher logits instead of computing them."""

from pathlib import Path

import numpy as np
import pytest
import torch
from streamlit.testing.v1 import AppTest

from kdviz.base.diskcache import load_arrays
from kdviz.data import datasets, idx
from kdviz.train import reference

ROOT = Path(__file__).resolve().parents[1]
FASHION = datasets.dataset("fashion-mnist")
pytestmark = pytest.mark.skipif(not (idx.FASHION_MNIST_DIR.is_dir() and FASHION.teacher.exists()),
                                reason="Fashion-MNIST (apt-get install -y dataset-fashion-mnist) is not installed")


@pytest.fixture(scope="module")
def both():
    from kdviz.train.resources import load_resources

    return {key: load_resources(dataset=key) for key in ("mnist-5k", "fashion-mnist")}


def lesson(res) -> int:
    """The data set's lesson image, computed here: the correctly read image of its pair most like the other class."""
    z, y = res.logits.test.double(), res.data.y_test.numpy()
    p = torch.softmax(z, 1).numpy()
    a, b = datasets.dataset(res.dataset).pair
    ok = np.isin(y, (a, b)) & (p.argmax(1) == y)
    other = np.where(y == a, p[:, b], p[:, a])
    return int(np.flatnonzero(ok)[np.argmax(other[ok])])


def open_page(script: str, query: dict | None = None) -> AppTest:
    at = AppTest.from_file(str(ROOT / script), default_timeout=180)
    for k, v in (query or {}).items():
        at.query_params[k] = v
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def switch(at: AppTest, key: str) -> AppTest:
    at.selectbox(key="_w_data").set_value(key).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_switching_to_fashion_mnist_opens_its_lesson_image_and_back_again(both):
    mnist, fashion = lesson(both["mnist-5k"]), lesson(both["fashion-mnist"])
    assert mnist == reference.opening_digit(both["mnist-5k"]) and fashion == reference.opening_digit(both["fashion-mnist"])
    at = open_page("pages/1_Temperature.py")
    assert at.session_state["digit"] == mnist
    switch(at, "fashion-mnist")
    assert at.session_state["digit"] == fashion != mnist
    assert int(both["fashion-mnist"].data.y_test[fashion]) in FASHION.pair  # a shirt like a T-shirt, not a Trouser
    assert at.query_params["digit"] == str(fashion) and at.query_params["data"] == "fashion-mnist"
    switch(at, "mnist-5k")
    assert at.session_state["digit"] == mnist


def test_a_chosen_image_is_kept_for_its_own_data_set(both):
    at = open_page("pages/1_Temperature.py", {"digit": "17"})
    switch(at, "fashion-mnist")
    assert at.session_state["digit"] == lesson(both["fashion-mnist"])  # MNIST's #17 is an unrelated image here
    at.number_input(key="_w_digit").set_value(123).run()
    switch(at, "mnist-5k")
    assert at.session_state["digit"] == 17  # the learner's digit, where they left it
    switch(at, "fashion-mnist")
    assert at.session_state["digit"] == 123


def test_the_demo_from_home_reaches_fashion_mnists_lesson(both):
    at = open_page("app.py", {"data": "fashion-mnist"})  # the home page shows the digits: MNIST's lesson digit
    assert at.session_state["digit"] == lesson(both["mnist-5k"])
    at.switch_page("pages/1_Temperature.py").run()
    assert not at.exception
    assert at.session_state["digit"] == lesson(both["fashion-mnist"])


def test_a_link_to_a_fashion_image_keeps_it(both):
    at = open_page("pages/1_Temperature.py", {"data": "fashion-mnist", "digit": "42"})
    assert at.session_state["digit"] == 42


def test_reset_view_on_fashion_mnist_opens_its_lesson(both):
    at = open_page("pages/1_Temperature.py", {"data": "fashion-mnist", "digit": "42"})
    [reset] = [b for b in at.sidebar.button if b.key == "reset_view"]
    reset.click().run()
    assert at.session_state["digit"] == lesson(both["fashion-mnist"])


def test_the_shipped_logits_are_the_teachers(both):
    from kdviz.train.resources import SHIPPED_LOGITS

    res = both["fashion-mnist"]
    name = f"teacher-logits-{res.teacher_meta['sha256'][:16]}-{res.data.fingerprint}.npz"
    spec = {"train": ((60000, 10), np.float32), "test": ((10000, 10), np.float32)}
    shipped = load_arrays(SHIPPED_LOGITS / name, spec)
    assert shipped is not None  # found, of those shapes, its checksum right
    rows = np.random.default_rng(0).choice(60000, 300, replace=False)
    with torch.no_grad():
        train = res.teacher(res.data.x_train[rows]).numpy()
        test = res.teacher(res.data.x_test[:300]).numpy()
    assert np.allclose(shipped["train"][rows], train, atol=1e-4) and np.allclose(shipped["test"][:300], test, atol=1e-4)


def test_a_fresh_cache_reads_the_shipped_logits(cache, monkeypatch):
    from kdviz.train import resources

    def no_forward(*args, **kwargs):
        raise AssertionError("the teacher's logits were computed")

    monkeypatch.setattr(resources, "teacher_logits", no_forward)
    res = resources.load_resources(dataset="fashion-mnist")
    assert res.logits.test.shape == (10000, 10) and res.logits.train.shape == (60000, 10)


def test_a_fresh_cache_reads_the_shipped_reference_student(cache, monkeypatch, both):

    def no_training(*args, **kwargs):
        raise AssertionError("the reference student was trained")

    monkeypatch.setattr(reference, "train_student", no_training)
    res = both["fashion-mnist"]
    states = reference.student_states(res, full_epochs=datasets.student_epochs(res.dataset, len(res.data.y_train)))
    with torch.no_grad():  # its weights are the ones that gave its logits, and it learnt the task
        assert torch.allclose(states.model(res.data.x_test[:500]), states.logits["trained"][:500], atol=1e-4)
    assert states.test_acc["untrained"] < 0.2 < 0.7 < states.test_acc["partly trained"] <= states.test_acc["trained"] + 0.02
