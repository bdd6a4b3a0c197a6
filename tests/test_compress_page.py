"""AppTest of pages/5_Compression.py: opens without computing, Run (quick) shows the table, the rank slider, the cache."""

from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from kdviz import compress as kc
from kdviz.models import count_params

PAGE = str(Path(__file__).resolve().parents[1] / "pages" / "5_Compression.py")


@pytest.fixture
def app(tmp_path, monkeypatch):
    monkeypatch.setenv("KDVIZ_CACHE_DIR", str(tmp_path))  # a fresh cache: nothing computed yet
    at = AppTest.from_file(PAGE, default_timeout=120)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_opens_without_computing(app):
    assert app.title[0].value == "Compression lab"
    assert app.button(key="compress.run").label == "Run"
    assert len(app.get("plotly_chart")) == 0 and len(app.dataframe) == 0
    assert any("No comparison for these settings yet" in i.value for i in app.info)
    assert any("rank slider works on it afterwards" in i.value for i in app.info)
    assert len(app.warning) == 0 and len(app.error) == 0


def test_run_quick_shows_table_chart_and_rank_slider(app, res, tmp_path):
    assert app.radio(key="compress.preset").value == "quick"
    assert app.radio(key="compress.preset").options[0].startswith("Quick: every method once")
    app.button(key="compress.run").click().run()
    assert not app.exception, [e.value for e in app.exception]
    assert len(app.error) == 0 and len(app.warning) == 0
    table = app.dataframe[0].value
    assert list(table["method"]) == [m for m, _, _ in kc.plan(kc.QUICK)]
    assert set(table["family"]) == set(kc.FAMILIES)
    df = kc.load_cached_compare(kc.compare_key(res, kc.QUICK))
    assert list(table["what it traded"]) == list(df["note"])  # the library's notes, shown through the catalog
    teacher = table[table["method"] == "teacher (CNN, fp32)"].iloc[0]
    assert teacher["parameters"] == count_params(res.teacher)
    assert teacher["test acc (%)"] == f"{100 * kc.accuracy_on_test(res.teacher, res.data):.1f}"
    assert len(app.get("plotly_chart")) == 2  # the Pareto chart and the rank curve
    assert list(tmp_path.glob("compress/compare-*.json"))
    # the rank slider: its numbers are the library's on the cached student
    app.slider(key="compress.rank").set_value(8).run()
    assert not app.exception
    student, _ = kc.cached_student(res, kc.QUICK)
    low = kc.svd_linear(student, 8, only_if_smaller=False)
    assert app.metric[0].value == f"{100 * kc.accuracy_on_test(low, res.data):.1f} %"
    assert app.metric[1].value == f"{count_params(low):,}"
    # the x axis switch redraws from the same table
    assert "latency, 256 images" in app.radio(key="compress.x").options
    app.radio(key="compress.x").set_value("latency_ms_256").run()
    assert not app.exception and len(app.get("plotly_chart")) == 2
    # a new session with the same settings opens the table from the disk cache
    fresh = AppTest.from_file(PAGE, default_timeout=120)
    fresh.run()
    assert not fresh.exception
    assert any("Opened from the disk cache" in c.value for c in fresh.caption)
    assert fresh.button(key="compress.run").label == "Run again"
    assert list(fresh.dataframe[0].value["method"]) == list(table["method"])


def test_teacher_error_is_one_line(monkeypatch):
    import kdviz.resources
    from kdviz.teacher import TeacherError

    def broken(*a, **k):
        raise TeacherError("teacher weights /x/teacher.safetensors not found; rebuild it with: python -m kdviz train-teacher")

    monkeypatch.setattr(kdviz.resources, "load_resources", broken)
    st.cache_resource.clear()
    try:
        at = AppTest.from_file(PAGE, default_timeout=60)
        at.run()
        assert not at.exception
        assert len(at.error) == 1 and "\n" not in at.error[0].value and "python -m kdviz train-teacher" in at.error[0].value
        assert len(at.dataframe) == 0 and len(at.get("plotly_chart")) == 0
    finally:
        st.cache_resource.clear()
