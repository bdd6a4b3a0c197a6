"""What a page says when its data or teacher can't be loaded (issue 28, item 11): one line from the catalog in the
chosen language, a data problem said as one (not blamed on the teacher), and never a server path."""

import numpy as np
import pytest
import streamlit as st
from test_idx import make_set, write_set
from test_lesson_pages import open_page

from kdviz.base import i18n
from kdviz.data import datasets


def _secret(root):
    (root / "secret-place").mkdir()
    return root / "secret-place"


def _only_error(at) -> str:
    assert len(at.error) == 1 and not at.exception, [e.value for e in at.error]
    return at.error[0].value


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_an_all_black_folder_is_a_data_problem_without_its_path(tmp_path, cache, monkeypatch, lang):
    arrays = make_set()
    black = write_set(_secret(tmp_path) / "black",
                      {k: (np.zeros_like(v) if v.ndim == 3 else v) for k, v in arrays.items()})
    monkeypatch.setenv(datasets.ENV, str(black))
    text = _only_error(open_page("pages/1_Temperature.py", {"data": "folder", "lang": lang}))
    assert text == i18n.tr("error.data_blank", lang, data=i18n.tr("data.folder", lang))
    assert "secret-place" not in text and str(tmp_path) not in text


@pytest.mark.parametrize("make, key", [
    (lambda root: root / "secret-place" / "absent", "error.data_missing"),
    (lambda root: write_set(_secret(root) / "few", {k: v[:3] for k, v in make_set().items()}), "error.data_bad"),
])
def test_a_bad_folder_says_what_kind_of_problem_without_its_path(tmp_path, cache, monkeypatch, make, key):
    monkeypatch.setenv(datasets.ENV, str(make(tmp_path)))
    text = _only_error(open_page("pages/2_Losses.py", {"data": "folder"}))
    assert text == i18n.tr(key, "en", data=i18n.tr("data.folder", "en"))
    assert "secret-place" not in text and "teacher" not in text


def test_a_teacher_problem_names_no_server_path(monkeypatch):
    import kdviz.train.resources
    from kdviz.train.teacher import TeacherError

    def broken(*a, **k):
        raise TeacherError("teacher weights /srv/secret-place/teacher.safetensors are truncated")

    monkeypatch.setattr(kdviz.train.resources, "load_resources", broken)
    st.cache_resource.clear()
    try:
        text = _only_error(open_page("pages/1_Temperature.py", {"lang": "zh"}))
    finally:
        st.cache_resource.clear()
    assert text == i18n.tr("error.teacher", "zh", command="python -m kdviz train-teacher")
    assert "secret-place" not in text and "/srv" not in text
