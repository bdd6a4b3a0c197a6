"""AppTest of pages/4_Lab.py: opens with the shipped results and without training, runs quick experiments by
their buttons, says in one line when a shipped result is stale, shows one-line errors."""

import dataclasses
import json
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from kdviz import lab
from kdviz.lab import capacity as lab_capacity
from kdviz.lab import shipped
from kdviz.train.loop import TrainConfig

PAGE = str(Path(__file__).resolve().parents[1] / "pages" / "4_Lab.py")
CHARTS = {"fewer.chart", "self.ba", "self.sn", "merge.chart", "omit.per_class", "omit.curve", "sweep.chart", "dkd.chart",
          "features.chart", "features.maps", "capacity.heatmap", "capacity.assistant", "divergences.chart"}  # one tab's or another's
TABS = ["Fewer labels", "Self-distillation", "Two teachers, one student", "A digit never seen", "T × γ sweep", "KD vs DKD",
        "Beyond logits", "Capacity gap", "Which divergence"]
SHIPPED = ("fewer_labels", "self_distill", "merge", "omit_class", "sweep", "dkd", "features", "capacity", "divergences")  # each tab's shipped result


@pytest.fixture
def app(tmp_path, monkeypatch):
    monkeypatch.setenv("KDVIZ_CACHE_DIR", str(tmp_path))  # sweeps and teachers in a fresh cache
    at = AppTest.from_file(PAGE, default_timeout=60)
    at.run(timeout=60)
    assert not at.exception, at.exception
    return at


def texts(at) -> str:
    return "\n".join(m.value for m in at.markdown)


def charts(at) -> list[str]:
    """The keys of the charts on the page, one per chart."""
    return [c.proto.id.split("-")[-1] for c in at.get("plotly_chart")]


def open_tab(at, i: int, *, timeout: float = 60):
    """Choose tab ``i`` as a click does (the open tab is the session state "lab.tab"; a change reruns)."""
    at.session_state["lab.tab"] = TABS[i]
    at.run(timeout=timeout)
    assert not at.exception, at.exception
    return at


def test_opens_with_the_shipped_results_without_training(tmp_path, monkeypatch):
    """With an empty cache, every tab draws the full runs shipped in kdviz/results/, and nothing trains."""
    import kdviz.lab.capacity
    import kdviz.lab.dkd
    import kdviz.lab.features
    import kdviz.lab.labels
    import kdviz.lab.omitted
    import kdviz.lab.self_distill
    import kdviz.lab.teachers
    import kdviz.train.sweep

    def no_training(*a, **k):
        raise AssertionError("trained while opening the page")

    for module in (kdviz.lab.dkd, kdviz.lab.labels, kdviz.lab.omitted, kdviz.lab.self_distill, kdviz.lab.teachers, kdviz.train.sweep):
        monkeypatch.setattr(module, "train_student", no_training)
    monkeypatch.setattr(kdviz.lab.teachers, "train_teacher", no_training)
    monkeypatch.setattr(kdviz.lab.capacity, "train_teacher", no_training)
    monkeypatch.setattr(kdviz.lab.features, "train_features", no_training)
    monkeypatch.setenv("KDVIZ_CACHE_DIR", str(tmp_path))
    app = AppTest.from_file(PAGE, default_timeout=60)
    app.run(timeout=60)
    assert not app.exception, app.exception
    assert app.title[0].value == "Distillation lab"
    assert [t.label for t in app.tabs] == TABS
    for key in ("fewer.run", "self.run", "merge.run", "omit.run", "sweep.run", "dkd.run", "features.run", "capacity.run",
                "divergences.run"):
        assert app.button(key=key)  # every tab's widgets, open or not
    assert charts(app) == ["fewer.chart"]  # only the open tab builds its figures
    drawn = []
    for i, name in enumerate(SHIPPED):
        open_tab(app, i)
        drawn += charts(app)
        assert not list(tmp_path.rglob("*.json")) and not app.warning and not app.info
        source = [c.value for c in app.tabs[i].caption if c.value.startswith("Measured on")]
        prov = json.loads((shipped.RESULTS / f"{name}.json").read_text())["provenance"]
        assert len(source) == 1 and f"`{prov['command']}`" in source[0] and "(seeds 0, 1, 2)" in source[0], (name, source)
        assert prov["date"] in source[0] and prov["machine"] in source[0]
    assert sorted(drawn) == sorted(CHARTS)  # every tab's charts, one tab at a time, without pressing Run
    open_tab(app, TABS.index("T × γ sweep"))
    app.multiselect(key="sweep.T").set_value([2.0]).run(timeout=60)  # a grid nobody has run: no figure for it
    assert any("No finished sweep" in i.value for i in app.info) and "sweep.chart" not in charts(app)


def test_a_stale_shipped_result_is_said_in_one_line(res, monkeypatch):
    """Shipped results measured on another data split are not drawn as current: each tab says so in one line."""
    import kdviz.train.resources

    other = dataclasses.replace(res, data=dataclasses.replace(res.data, fingerprint="another-split"))
    monkeypatch.setattr(kdviz.train.resources, "load_resources", lambda *a, **k: other)
    st.cache_resource.clear()
    try:
        at = AppTest.from_file(PAGE, default_timeout=60)
        at.run(timeout=60)
        assert not at.exception, at.exception
        for i in range(len(TABS)):
            open_tab(at, i)
            assert charts(at) == []
            tab = at.tabs[i]
            assert len(tab.warning) == 1 and "\n" not in tab.warning[0].value, [w.value for w in tab.warning]
            assert "another data split" in tab.warning[0].value and not tab.info
        assert not any(c.value.startswith("Measured on") for c in at.caption)
    finally:
        st.cache_resource.clear()


def test_omit_tab_runs_and_bias_slider_moves(app, res):
    open_tab(app, 3)
    app.number_input(key="omit.seeds").set_value(1)
    app.number_input(key="omit.epochs").set_value(2)
    app.button(key="omit.run").click().run(timeout=60)
    assert not app.exception, app.exception
    assert sorted(charts(app)) == ["omit.curve", "omit.per_class"]  # the Run's charts replace the shipped ones
    assert not any(c.value.startswith("Measured on") for c in app.tabs[3].caption)  # this tab: the Run, not the shipped
    direct = lab.omit_class_run(res, 3, lab.OMIT_CONFIG.replace(epochs=2, seed=0))
    assert f"Without bias, digit 3: {100 * direct['omitted_class_acc']:.1f} %" in texts(app)
    assert f"with the bias chosen on held-out train digits (per seed: {direct['best_bias']:g})" in texts(app)
    curve = direct["test_curve"].set_index("bias")
    app.slider(key="omit.bias").set_value(3.0).run(timeout=60)
    assert not app.exception
    assert f"Bias 3: digit 3 **{100 * curve.loc[3.0, 'omitted_acc']:.1f} %**, all digits **{100 * curve.loc[3.0, 'acc']:.1f} %**" in texts(app)


def test_fewer_labels_tab_runs(app, res):
    app.multiselect(key="fewer.fractions").set_value([0.1])
    app.number_input(key="fewer.seeds").set_value(1)
    app.number_input(key="fewer.epochs").set_value(1)
    app.button(key="fewer.run").click().run(timeout=60)
    assert not app.exception, app.exception
    direct = lab.fewer_labels_run(res, 0.1, TrainConfig(epochs=1, seed=0))
    assert f"10% labels: distilled **{100 * direct['distilled_acc']:.1f} %**, labels only **{100 * direct['baseline_acc']:.1f} %**" in texts(app)


def test_sweep_runs_then_opens_from_cache(app, tmp_path):
    open_tab(app, 4)
    app.multiselect(key="sweep.T").set_value([2.0])
    app.multiselect(key="sweep.gamma").set_value([0.5])
    app.number_input(key="sweep.seeds").set_value(2)
    app.number_input(key="sweep.epochs").set_value(1)
    app.number_input(key="sweep.n_jobs").set_value(2)  # loky workers
    app.run(timeout=60)
    app.button(key="sweep.run").click().run(timeout=60)
    assert not app.exception, app.exception
    assert charts(app).count("sweep.chart") == 1
    assert list((tmp_path / "sweeps").glob("sweep-*.json"))
    fresh = AppTest.from_file(PAGE, default_timeout=60)  # a new session, same grid: opens at once
    fresh.run(timeout=60)
    open_tab(fresh, 4)
    fresh.multiselect(key="sweep.T").set_value([2.0])
    fresh.multiselect(key="sweep.gamma").set_value([0.5])
    fresh.number_input(key="sweep.seeds").set_value(2)
    fresh.number_input(key="sweep.epochs").set_value(1)
    fresh.run(timeout=60)
    assert not fresh.exception
    assert any("Opened from the disk cache" in c.value for c in fresh.caption)
    assert charts(fresh).count("sweep.chart") == 1


def test_teacher_error_is_one_line(monkeypatch):
    import kdviz.train.resources
    from kdviz.train.teacher import TeacherError

    def broken(*a, **k):
        raise TeacherError("teacher weights /x/teacher.safetensors not found; rebuild it with: python -m kdviz train-teacher")

    monkeypatch.setattr(kdviz.train.resources, "load_resources", broken)
    st.cache_resource.clear()
    try:
        at = AppTest.from_file(PAGE, default_timeout=60)
        at.run(timeout=60)
        assert not at.exception
        assert len(at.error) == 1 and "\n" not in at.error[0].value and "python -m kdviz train-teacher" in at.error[0].value
        assert len(at.tabs) == 0
    finally:
        st.cache_resource.clear()


def plotly_values(y) -> list:
    """A trace's y as a list: plotly sends numpy arrays base64-encoded ({"dtype", "bdata"})."""
    if isinstance(y, dict) and "bdata" in y:
        import base64

        import numpy as np

        return np.frombuffer(base64.b64decode(y["bdata"]), dtype=y["dtype"]).tolist()
    return list(y or [])


def test_self_distillation_tab_runs(app, res):
    open_tab(app, 1)
    app.number_input(key="self.seeds").set_value(1)
    app.number_input(key="self.epochs").set_value(3)
    app.number_input(key="self.generations").set_value(1)
    app.run(timeout=60)
    app.button(key="self.run").click().run(timeout=120)
    assert not app.exception, app.exception
    assert {c.proto.id.split("-")[-1] for c in app.get("plotly_chart")} >= {"self.ba", "self.sn"}
    ba = lab.born_again(res, 1, [0], TrainConfig(epochs=3))
    shown = json.loads(next(c for c in app.get("plotly_chart") if c.proto.id.endswith("self.ba")).proto.spec)
    ys = [float(y) for tr in shown["data"] for y in plotly_values(tr.get("y"))]
    for acc in ba["test_acc"]:  # the generations' accuracies, as percentages on the chart
        assert any(abs(y - 100 * acc) < 1e-6 or abs(y - acc) < 1e-9 for y in ys), (ys, list(ba["test_acc"]))


def test_merge_tab_runs(app):
    open_tab(app, 2)
    app.number_input(key="merge.seeds").set_value(1)
    app.number_input(key="merge.epochs").set_value(1)
    app.button(key="merge.run").click().run(timeout=180)  # trains the two half teachers once (cached)
    assert not app.exception, app.exception
    labels = [m.label for m in app.metric]
    assert len(app.metric) == 4 and all(m.value.endswith("%") for m in app.metric), labels
    assert charts(app).count("merge.chart") == 1
    assert not any(c.value.startswith("Measured on") for c in app.tabs[2].caption)  # the Run's result, not the shipped one
    assert app.metric[2].value == f"{100 * app.session_state['lab.merge'][1]['merged_student_acc']:.1f} %"  # one seed: no ±


def test_features_tab_shows_the_shipped_students_maps_then_runs(app, res):
    """Opens with the shipped table, plot and maps (teacher, labels-only student, the chosen student); Run replaces them."""
    open_tab(app, TABS.index("Beyond logits"))
    assert charts(app).count("features.chart") == 1 and charts(app).count("features.maps") == 1
    out = json.loads((shipped.RESULTS / "features.json").read_text())["result"]
    assert app.selectbox(key="features.method").value == f"logits+{out['best_feature']}"  # the best, as the text says
    maps = json.loads(next(c for c in app.get("plotly_chart") if c.proto.id.endswith("features.maps")).proto.spec)
    assert len(maps["data"]) == 3 * 5  # teacher and two students, 3 channels and 2 attention maps each
    table = app.dataframe[0].value
    assert len(table) == len(out["rows"]) and set(table["params"]) == {9098}
    app.selectbox(key="features.method").set_value("hint").run(timeout=60)
    assert not app.exception, app.exception
    app.number_input(key="features.epochs").set_value(1)
    app.button(key="features.run").click().run(timeout=300)
    assert not app.exception, app.exception
    run, students = app.session_state["lab.features"]
    assert run["config"]["epochs"] == 1 and run["seeds"] == [0] and set(students) >= {"labels", "logits", "hint"}
    assert not any(c.value.startswith("Measured on") for c in app.tabs[TABS.index("Beyond logits")].caption)
    assert charts(app).count("features.maps") == 1


def test_capacity_tab_opens_with_the_full_run_and_reads_it(app):
    open_tab(app, TABS.index("Capacity gap"))
    assert charts(app).count("capacity.heatmap") == 1 and charts(app).count("capacity.assistant") == 1
    out = json.loads((shipped.RESULTS / "capacity.json").read_text())["result"]
    heat = json.loads(next(c for c in app.get("plotly_chart") if c.proto.id.endswith("capacity.heatmap")).proto.spec)["data"][0]
    cells = sorted(round(100 * r["gain"], 6) for r in out["pairs"])
    assert sorted(round(v, 6) for v in plotly_values(heat["z"])) == cells  # every pair's mean gain, in pp
    h = lab_capacity.capacity_headline(out)
    said = texts(app)
    gap = "No weaker teacher does better" if h["best_teacher"] == h["top_teacher"] else \
        "A gap appears" if h["gap_verdict"] == "helps" else "No clear gap"
    assert f"784-{h['student']}-10" in said and gap in said  # the reading the numbers give, not a fixed text
    shrinks = {"yes": "The gain shrinks as the gap", "noise": "but its difference to the", "no": "does not gain least"}[h["shrinks"]]
    early = {"helps": "Stopping the teacher early helped", "hurts": "Stopping the teacher early did not help",
             "noise": "Stopping the teacher early made no clear difference"}[h["early_verdict"]]
    assistant = {"helps": "The assistant helps", "hurts": "The assistant hurts"}.get(h["assistant_verdict"],
                                                                                    "The assistant makes no clear difference")
    assert shrinks in said and early in said and assistant in said


def test_capacity_tab_runs():
    """A Run with one seed, one epoch and one student: the page draws this session's result. The ladder's teachers come
    from the user's cache (KDVIZ_CACHE_DIR), trained there once as the CLI's quick run does."""
    app = AppTest.from_file(PAGE, default_timeout=60)
    app.run(timeout=60)
    open_tab(app, TABS.index("Capacity gap"))
    app.number_input(key="capacity.epochs").set_value(1)
    app.multiselect(key="capacity.students").set_value([16])
    app.button(key="capacity.run").click().run(timeout=600)
    assert not app.exception, app.exception
    out = app.session_state["lab.capacity"]
    assert {r["student_hidden"] for r in out["pairs"]} == {16} and out["epochs"] == 1 and out["assistant"][0]["assistant"] == 32
    assert out["seeds"] == [0, 1]  # the tab's quick default: two seeds, so that a reading can be drawn
    assert charts(app).count("capacity.heatmap") == 1
    said = texts(app)
    assert "by student size" not in said  # one student: no reading of the student side
    assert "784-16-10" in said
