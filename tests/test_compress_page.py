"""AppTest of pages/5_Compression.py: opens with the shipped results without computing, the table in column groups
(a phone shows it without scrolling sideways), the notes, the whole table as CSV, Run (quick) shows the table, the rank
slider, the cache."""

import io
from pathlib import Path

import pandas as pd
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from kdviz import compress as kc
from kdviz.base.i18n import tr
from kdviz.lab import shipped
from kdviz.train.models import count_params

PAGE = str(Path(__file__).resolve().parents[1] / "pages" / "5_Compression.py")


@pytest.fixture
def app(tmp_path, monkeypatch):
    monkeypatch.setenv("KDVIZ_CACHE_DIR", str(tmp_path))  # a fresh cache: nothing computed yet
    at = AppTest.from_file(PAGE, default_timeout=120)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_opens_with_the_shipped_results_without_computing(app, res, tmp_path):
    """An empty cache: the page shows the full comparison shipped in kdviz/results/compress.json, charts included."""
    ship = shipped.load("compress", data_fingerprint=res.data.fingerprint, teacher_sha256=res.teacher_meta["sha256"])
    assert app.title[0].value == "Compression lab"
    assert app.radio(key="compress.preset").value == "full"  # the full, shipped comparison opens first
    assert app.button(key="compress.run").label == "Run"
    assert len(app.get("plotly_chart")) == 2  # the Pareto chart and the rank curve
    rows = ship.result["rows"]
    assert app.segmented_control(key="compress.columns").value == "accuracy"  # the accuracy columns first
    assert len(app.dataframe) == 0 and len(app.table) == 2  # HTML tables: they wrap in a narrow column, never scroll
    table = app.table[0].value
    assert list(table.columns) == ["method", "test acc (%)", "family", "from"]
    assert list(table["method"]) == [m.name for m in kc.plan(kc.DEFAULT)] == [r["method"] for r in rows]
    assert list(table["test acc (%)"]) == [f"{100 * r['test_acc']:.1f} ± {100 * r['test_acc_std']:.1f}" for r in rows]
    assert list(table["family"]) == [r["family"] for r in rows] and list(table["from"]) == [r["base"] for r in rows]
    notes = app.table[1].value  # the notes in their own table, whole
    assert list(notes.columns) == ["method", "what it traded"]
    assert list(notes["method"]) == list(table["method"]) and list(notes["what it traded"]) == [r["note"] for r in rows]
    source = [c.value for c in app.caption if c.value.startswith("Measured on ")]
    assert source == [f"Measured on {ship.provenance['date']} on {ship.provenance['machine']} with `python -m kdviz compress` "
                      "(seeds 0, 1, 2). Press **Run** to compute them here."]
    # the rank slider works on the curve measured with the table
    slider = app.select_slider(key="compress.rank_measured")
    assert list(slider.options) == [str(r) for r in kc.CURVE_RANKS] and slider.value == 16
    here = next(r for r in ship.result["rank_study"]["rows"] if r["rank"] == 16)
    assert app.metric[0].value == f"{100 * here['test_acc']:.1f} %" and app.metric[1].value == f"{here['params']:,}"
    slider.set_value(8).run()
    here = next(r for r in ship.result["rank_study"]["rows"] if r["rank"] == 8)
    assert not app.exception and app.metric[0].value == f"{100 * here['test_acc']:.1f} %"
    assert len(app.warning) == 0 and len(app.error) == 0
    assert not (tmp_path / "compress").exists()  # nothing computed, nothing cached (the data and logits caches aside)


def test_column_groups_and_the_whole_table_as_csv(app, res, monkeypatch):
    """Each column group shows the shipped numbers as the table always formatted them; the CSV holds every column
    and row, unrounded, with the units in its headers."""
    ship = shipped.load("compress", data_fingerprint=res.data.fingerprint, teacher_sha256=res.teacher_meta["sha256"])
    rows = ship.result["rows"]
    columns = app.segmented_control(key="compress.columns")
    assert columns.label == "Columns" and columns.options == ["accuracy", "size", "speed"]
    columns.set_value("size").run()
    assert not app.exception
    table = app.table[0].value
    assert list(table.columns) == ["method", "parameters", "size (kB)", "CSR (kB)", "zero weights"]
    assert list(table["method"]) == [r["method"] for r in rows]
    assert list(table["parameters"]) == [str(r["params"]) for r in rows]
    assert list(table["size (kB)"]) == [f"{r['size_bytes'] / 1000:.1f}" for r in rows]
    assert list(table["CSR (kB)"]) == [f"{r['sparse_bytes'] / 1000:.1f}" for r in rows]
    assert list(table["zero weights"]) == [f"{r['sparsity']:.3f}" for r in rows]
    app.segmented_control(key="compress.columns").set_value("speed").run()
    table = app.table[0].value
    assert list(table.columns) == ["method", "ms, 1 image", "ms, 256 images", "seconds"]
    assert list(table["ms, 1 image"]) == [f"{r['latency_ms_1']:.3f}" for r in rows]
    assert list(table["ms, 256 images"]) == [f"{r['latency_ms_256']:.2f}" for r in rows]
    assert list(table["seconds"]) == [f"{r['seconds']:.2f}" for r in rows]
    assert list(app.table[1].value["what it traded"]) == [r["note"] for r in rows]  # the notes whatever the group
    # the download: what the button hands the browser
    offered, real = [], st.download_button

    def recording(label, data, *args, **kwargs):
        offered.append((label, data, args))
        return real(label, data, *args, **kwargs)

    monkeypatch.setattr(st, "download_button", recording)
    app.run()
    assert not app.exception and app.download_button(key="compress.download").label == "Download the whole table (CSV)"
    [(label, data, (file_name, mime))] = offered
    assert file_name == "kdviz-compression.csv" and mime == "text/csv" and data.startswith("\ufeff".encode())
    csv = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig")
    assert list(csv.columns) == ["method", "test acc (%)", "test acc sample std (%)", "family", "from", "parameters", "size (kB)",
                                 "CSR (kB)", "zero weights", "ms, 1 image", "ms, 256 images", "seconds", "what it traded"]
    assert list(csv["method"]) == [r["method"] for r in rows] and list(csv["what it traded"]) == [r["note"] for r in rows]
    assert list(csv["family"]) == [r["family"] for r in rows] and list(csv["from"]) == [r["base"] for r in rows]
    assert list(csv["parameters"]) == [r["params"] for r in rows]
    for column, (field, scale) in {"test acc (%)": ("test_acc", 100), "test acc sample std (%)": ("test_acc_std", 100),
                                   "size (kB)": ("size_bytes", 1e-3), "CSR (kB)": ("sparse_bytes", 1e-3),
                                   "zero weights": ("sparsity", 1), "ms, 1 image": ("latency_ms_1", 1),
                                   "ms, 256 images": ("latency_ms_256", 1), "seconds": ("seconds", 1)}.items():
        assert csv[column].tolist() == pytest.approx([scale * r[field] for r in rows], rel=1e-7), column


def test_opens_without_computing_when_nothing_is_shipped(tmp_path, monkeypatch):
    monkeypatch.setenv("KDVIZ_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(shipped, "load", lambda *a, **k: None)
    app = AppTest.from_file(PAGE, default_timeout=120)
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    assert app.button(key="compress.run").label == "Run"
    assert len(app.get("plotly_chart")) == 0 and len(app.table) == 0 and len(app.download_button) == 0
    assert any("No comparison for these settings yet" in i.value for i in app.info)
    assert any("rank slider works on it afterwards" in i.value for i in app.info)
    assert len(app.warning) == 0 and len(app.error) == 0


def test_stale_shipped_results_are_one_line(res, tmp_path, monkeypatch):
    monkeypatch.setenv("KDVIZ_CACHE_DIR", str(tmp_path))
    real = shipped.load
    monkeypatch.setattr(shipped, "load", lambda name, **k: real(name, **{**k, "teacher_sha256": "another teacher"}))
    app = AppTest.from_file(PAGE, default_timeout=120)
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    date = real("compress", data_fingerprint=res.data.fingerprint, teacher_sha256=res.teacher_meta["sha256"]).provenance["date"]
    assert [w.value for w in app.warning] == [tr("shipped.stale_teacher", "en", date=date)]
    assert len(app.get("plotly_chart")) == 0 and len(app.table) == 0


def test_run_quick_shows_table_chart_and_rank_slider(app, res, tmp_path):
    assert app.radio(key="compress.preset").options[1].startswith("Quick rerun: every method once")
    app.radio(key="compress.preset").set_value("quick").run()
    app.button(key="compress.run").click().run()
    assert not app.exception, [e.value for e in app.exception]
    assert len(app.error) == 0
    # quick students are undertrained: said in one warning, in the table and on the chart
    assert [w.value.startswith("**Quick run: some models are undertrained.**") for w in app.warning] == [True]
    assert f"trained for {kc.QUICK.student_epochs} of {kc.DEFAULT.student_epochs} epochs" in app.warning[0].value
    table = app.table[0].value
    weak = kc.undertrained([m.family for m in kc.plan(kc.QUICK)], [m.base for m in kc.plan(kc.QUICK)], kc.QUICK)
    assert list(table["method"]) == [f"{m.name} (undertrained)" if w else m.name for m, w in zip(kc.plan(kc.QUICK), weak)]
    assert list(table.columns[:2]) == ["method", "test acc (%)"]  # the accuracy next to the method, never scrolled off
    assert set(table["family"]) == set(kc.FAMILIES)
    df = kc.load_cached_compare(kc.compare_key(res, kc.QUICK))
    assert list(app.table[1].value["what it traded"]) == list(df["note"])  # the library's notes, through the catalog
    teacher = table[table["method"] == "teacher (CNN, fp32)"].iloc[0]
    assert teacher["test acc (%)"] == f"{100 * kc.accuracy_on_test(res.teacher, res.data):.1f}"  # one seed: no ±
    app.segmented_control(key="compress.columns").set_value("size").run()
    sizes = app.table[0].value
    assert sizes[sizes["method"] == "teacher (CNN, fp32)"].iloc[0]["parameters"] == str(count_params(res.teacher))
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
    fresh.radio(key="compress.preset").set_value("quick").run()
    assert not fresh.exception
    assert any("Opened from the disk cache" in c.value for c in fresh.caption)
    assert fresh.button(key="compress.run").label == "Run again"
    assert list(fresh.table[0].value["method"]) == list(table["method"])


def test_teacher_error_is_one_line(monkeypatch):
    import kdviz.train.resources
    from kdviz.train.teacher import TeacherError

    def broken(*a, **k):
        raise TeacherError("teacher weights /x/teacher.safetensors not found; rebuild it with: python -m kdviz train-teacher")

    monkeypatch.setattr(kdviz.train.resources, "load_resources", broken)
    st.cache_resource.clear()
    try:
        at = AppTest.from_file(PAGE, default_timeout=60)
        at.run()
        assert not at.exception
        assert len(at.error) == 1 and "\n" not in at.error[0].value and "python -m kdviz train-teacher" in at.error[0].value
        assert len(at.table) == 0 and len(at.get("plotly_chart")) == 0
    finally:
        st.cache_resource.clear()
