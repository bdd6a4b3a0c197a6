"""The data set in the app (issue 14): ``?data=`` and the sidebar choice; the Temperature, Losses and Train pages
on Fashion-MNIST name the classes and count its 10,000 test images; the other pages say in one line that they show
the MNIST digits."""

import os

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest
from test_lesson_pages import f32, live_data, open_page
from test_pages import charts

from kdviz.data import datasets, idx

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
                                        ("pages/4_Lab.py", "This page shows MNIST digits (5,000) for now"),
                                        ("pages/6_Your_digit.py", "This page is about handwritten digits")])
def test_other_pages_say_they_show_the_digits(page, note):
    at = open_page(page, {"data": "fashion-mnist"})
    assert len(at.info) >= 1 and at.info[0].value.startswith(note), [i.value for i in at.info]
    assert "data=fashion-mnist" in link(at)  # the choice is kept for the pages that take it


@pytest.fixture(scope="module")
def fashion():
    from kdviz.train.resources import load_resources

    return load_resources(dataset="fashion-mnist")


@needs_fashion
def test_train_on_fashion_mnist_trains_fewer_epochs_and_names_the_classes(fashion):
    """A default press on 60,000 images trains 5 epochs (said on the page); a run's confusion table, per-class bars
    and disagreements name the clothes and count 10,000 test images; the MNIST history is kept apart."""
    at = open_page("pages/3_Train.py", {"data": "fashion-mnist"})
    assert at.number_input(key="_train_epochs").value == datasets.student_epochs("fashion-mnist", 60000) == 5
    assert any(c.value.startswith("60,000 training images: a default press trains **5 epochs**") for c in at.caption)
    assert [i.value for i in at.info] == ["Choose the settings and press **Train**. These settings train a distilled student "
                                          "and its baseline, 784-128-10, for **5 epochs**; a default run (5 epochs, both "
                                          "students) takes a few seconds."]
    at.number_input(key="_train_epochs").set_value(1)
    at.selectbox(key="_train_size").set_value("784-32-10")
    at.button(key="train_button").click().run()
    assert not at.exception, [e.value for e in at.exception]
    (run,) = at.session_state["runs"]
    assert run.extra["data"] == "fashion-mnist" and run.test_logits.shape == (10000, 10) and len(run.history) == 1
    names = list(idx.FASHION_CLASSES)
    figs = charts(at)
    assert figs["confusion"]["data"][0]["x"] == names and figs["confusion"]["data"][0]["y"] == names
    assert figs["per_class"]["data"][0]["x"] == names and figs["per_class"]["layout"]["xaxis"]["title"]["text"] == "class"
    n = int(round((1 - run.agreement) * 10000))
    head = next(m.value for m in at.markdown if m.value.startswith("#### Where the student and the teacher disagree"))
    assert f"({n:,} of 10,000 test images;" in head
    assert any(m.value.endswith("over the 10,000 test images)") for m in at.markdown)
    captions = list(at.get("image")[-1].captions)  # "label Shirt · teacher Shirt · student Coat (87 %)"
    assert len(captions) == 12
    for c in captions:
        label, teacher, student = (part.split(" ", 1)[1] for part in c.rsplit(" (", 1)[0].split(" · "))
        assert {label, teacher, student} <= set(names) and teacher != student, c
    # the MNIST digits: their own default epochs, and an empty history (the Fashion-MNIST run is not theirs)
    at.sidebar.selectbox(key="_w_data").set_value("mnist-5k").run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.number_input(key="_train_epochs").value == 30 and at.info
    assert not any(m.value.startswith("#### Where") for m in at.markdown)
    at.sidebar.selectbox(key="_w_data").set_value("fashion-mnist").run()
    assert any(f"({n:,} of 10,000 test images;" in m.value for m in at.markdown)  # back: its run again


@needs_fashion
def test_losses_on_fashion_mnist_uses_its_reference_student_and_10000_images(fashion):
    from kdviz.train import reference

    at = open_page("pages/2_Losses.py", {"data": "fashion-mnist"})
    numbers = live_data(at, "loss_numbers")
    assert numbers["n"] == 10000 and not at.info
    states = reference.student_states(fashion, full_epochs=5)  # the page's reference student (cached on disk by the page)
    np.testing.assert_array_equal(f32(numbers["student"], 10000, 10), states.logits["partly trained"].numpy())
    np.testing.assert_array_equal(f32(numbers["teacher"], 10000, 10), fashion.logits.test.numpy())
    assert at.radio(key="_loss_scope").format_func("all") == "all 10,000 test images"
    assert any(f"{100 * states.test_acc['partly trained']:.1f} %" in c.value for c in at.caption)
    at.radio(key="_loss_scope").set_value("digit").run()
    digit = at.session_state["digit"]
    label = idx.FASHION_CLASSES[int(fashion.data.y_test[digit])]
    assert any(c.value.startswith(f"Test image #{digit} ({label});") for c in at.caption)
    assert live_data(at, "loss_numbers")["n"] == 1


def test_a_folder_is_offered_only_when_the_server_has_one(monkeypatch):
    monkeypatch.delenv(datasets.ENV, raising=False)
    at = open_page("pages/1_Temperature.py", {"data": "folder"})
    assert [w.value for w in at.warning] == [
        "Ignored in the link: data='folder' is not one of mnist-5k, fashion-mnist; using the default"]
    assert at.sidebar.selectbox(key="_w_data").options == ["MNIST digits (5,000)", "Fashion-MNIST (70,000)"]


def test_the_servers_folder_trains_its_teacher_once_under_a_progress_bar(tmp_path, cache, monkeypatch):
    """KDVIZ_DATA_DIR: the sidebar offers "the server's folder"; ?data=folder opens it (the link names the key, never
    the path); its teacher is trained on first use with a progress bar, cached, and read by the next session."""
    from test_idx import make_set, write_set

    from kdviz.train import resources

    folder = write_set(tmp_path / "kmnist", make_set(seed=3), gz=True)
    monkeypatch.setenv(datasets.ENV, str(folder))
    bars = []
    real = resources.folder_teacher

    def watched(data, *, log=None, progress=None):
        def spy(done, total):
            bars.append((done, total))
            progress(done, total)
        return real(data, log=log, progress=spy)

    monkeypatch.setattr(resources, "folder_teacher", watched)
    at = open_page("pages/1_Temperature.py", {"data": "folder"})
    assert not at.warning and not at.error, [e.value for e in at.error]
    split = datasets.load_split(data_dir=folder)
    assert resources.folder_teacher_path(split).exists()
    assert bars and bars[-1][0] == bars[-1][1] and len(bars) == bars[-1][1]  # every step reported, to the end
    assert at.session_state["data"] == "folder" and "The server's folder (KDVIZ_DATA_DIR)" in at.sidebar.selectbox(key="_w_data").options
    assert "data=folder" in link(at) and str(folder) not in link(at) and "kmnist" not in link(at)
    m = live_data(at, "map")
    assert m["classes"] == [str(d) for d in range(10)] and m["n"] == len(split.y_test)
    assert m["text"]["plots.true_digit"] == "true class"  # not digits: the images' wording
    bars.clear()
    again = open_page("pages/2_Losses.py", {"data": "folder"})  # another session: the teacher is read, not trained
    assert not bars and not again.error and live_data(again, "loss_numbers")["n"] == len(split.y_test)


def test_a_bad_server_folder_is_one_line(tmp_path, cache, monkeypatch):
    empty = tmp_path / "empty"
    empty.mkdir()
    monkeypatch.setenv(datasets.ENV, str(empty))
    at = open_page("pages/1_Temperature.py", {"data": "folder"})
    assert len(at.error) == 1 and "\n" not in at.error[0].value and not at.exception
