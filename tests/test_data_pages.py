"""The data set in the app (issue 14): ``?data=`` and the sidebar choice; the Temperature page on Fashion-MNIST
names the classes; the other pages say in one line that they show the MNIST digits."""

import os

import pytest
from streamlit.testing.v1 import AppTest

from kdviz import datasets, idx
from test_lesson_pages import live_data, open_page

FASHION = datasets.dataset("fashion-mnist")
needs_fashion = pytest.mark.skipif(
    not (idx.FASHION_MNIST_DIR.is_dir() and FASHION.teacher.exists()) and os.environ.get("KDVIZ_REQUIRE_DATASETS") != "1",
    reason="Fashion-MNIST (apt-get install -y dataset-fashion-mnist) or its shipped teacher is absent",
)


def link(at: AppTest) -> str:
    return next(c.value for c in at.sidebar.code if "T=" in c.value)


def test_a_bad_data_name_in_the_link_is_one_line():
    at = open_page("pages/1_Temperature.py", {"data": "mnist-full"})
    warnings = [w.value for w in at.warning]
    assert warnings == ["Ignored in the link: data='mnist-full' is not one of mnist-5k, fashion-mnist; using the default"]
    assert at.session_state["data"] == "mnist-5k" and "data=" not in link(at)  # the default is not named


def test_a_digit_beyond_the_test_set_is_one_line():
    at = open_page("pages/1_Temperature.py", {"digit": "5000"})
    assert [w.value for w in at.warning] == [
        "Ignored in the link: digit=5000 is beyond this data set's 1,000 test images; using the default"]
    assert at.session_state["digit"] < 1000


@needs_fashion
def test_temperature_on_fashion_mnist_names_the_classes():
    at = open_page("pages/1_Temperature.py", {"data": "fashion-mnist", "T": "4"})
    res = datasets.load_split("fashion-mnist")
    names = list(idx.FASHION_CLASSES)
    for view in ("softmax", "temp_numbers", "digit", "map", "map_text"):
        assert live_data(at, view)["classes"] == names, view
    m = live_data(at, "map")
    assert m["n"] == 10000 and m["text"]["plots.true_digit"] == "true class" and m["text"]["plots.dk_x"] == "probability given to class"
    digit = at.session_state["digit"]
    assert int(res.y_test[digit]) in FASHION.pair  # opens on a shirt that looks like a T-shirt, or the reverse
    assert at.selectbox(key="_digit_class").value == int(res.y_test[digit])
    assert "data=fashion-mnist" in link(at) and not at.info
    assert at.subheader[0].value == "The image"


@needs_fashion
def test_temperature_on_fashion_mnist_in_chinese():
    at = open_page("pages/1_Temperature.py", {"data": "fashion-mnist", "lang": "zh"})
    assert live_data(at, "map")["classes"] == list(idx.FASHION_CLASSES_ZH)
    assert live_data(at, "map")["text"]["plots.true_digit"] == "真实类别"


@pytest.mark.parametrize("page, note", [("app.py", "This page shows MNIST digits (5,000) for now"),
                                        ("pages/2_Losses.py", "This page shows MNIST digits (5,000) for now"),
                                        ("pages/6_Your_digit.py", "This page is about handwritten digits")])
def test_other_pages_say_they_show_the_digits(page, note):
    at = open_page(page, {"data": "fashion-mnist"})
    assert len(at.info) >= 1 and at.info[0].value.startswith(note), [i.value for i in at.info]
    assert "data=fashion-mnist" in link(at)  # the choice is kept for the pages that take it
