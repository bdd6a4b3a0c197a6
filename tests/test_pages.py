"""AppTest of the home, Temperature, Losses and Train pages: no exception, and the numbers shown are the library's."""

import json
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from kdviz import explore, models

ROOT = Path(__file__).resolve().parents[1]


def app(name: str, *, query: dict | None = None, timeout: float = 60) -> AppTest:
    at = AppTest.from_file(str(ROOT / name), default_timeout=timeout)
    for k, v in (query or {}).items():
        at.query_params[k] = v
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def charts(at) -> dict[str, dict]:
    """Plotly figures shown, by widget key: the element's JSON spec (AppTest has no typed accessor)."""
    out = {}
    for el in at.get("plotly_chart"):
        spec = json.loads(el.proto.spec)
        out[el.proto.id.split("-")[-1] if el.proto.id else str(len(out))] = spec
    return out


def trace(specs, prefix: str):
    for spec in specs.values():
        for tr in spec["data"]:
            if tr.get("name", "").startswith(prefix):
                return tr
    raise AssertionError(f"no trace named {prefix!r}")


def test_home(res):
    at = app("app.py")
    assert "kdviz" in at.title[0].value
    params = [m.value for m in at.metric if m.label == "Parameters"]
    assert params == [f"{models.count_params(res.teacher):,}", f"{models.count_params(models.StudentMLP((128,))):,}"]
    assert f"{100 * res.teacher_meta['test_acc']:.1f} %" in [m.value for m in at.metric]
    assert "γ weights the soft loss" in " ".join(m.value for m in at.markdown)


def test_temperature_higher_T_lower_max_probability(res):
    at = app("pages/1_Temperature.py")
    maxima = []
    for T in (1.5, 4.0, 12.0):
        at.slider(key="T").set_value(T).run()
        assert not at.exception
        bars = trace(charts(at), f"T = {T:g}")
        maxima.append(max(bars["y"]))
        z = res.logits.test[int(at.session_state["digit"])]
        assert max(bars["y"]) == pytest.approx(float(explore.soften_row(z, T).max()), rel=1e-6)
    assert maxima[0] > maxima[1] > maxima[2]


def test_temperature_digit_controls(res):
    at = app("pages/1_Temperature.py", query={"digit": "123", "T": "8"})
    assert at.session_state["digit"] == 123 and at.slider(key="T").value == 8.0
    assert at.selectbox(key="_digit_class").value == int(res.data.y_test[123])
    at.selectbox(key="_digit_class").set_value(7).run()
    assert int(res.data.y_test[at.session_state["digit"]]) == 7
    at.button[1].click().run()  # any random digit
    assert not at.exception


def test_temperature_bad_link_gets_one_line_each():
    at = app("pages/1_Temperature.py", query={"T": "-1", "gamma": "abc"})
    warnings = [w.value for w in at.warning]
    assert len(warnings) == 2 and all("\n" not in w for w in warnings)
    assert at.slider(key="T").value == 4.0


def test_losses_page_shows_the_formula_values(res):
    at = app("pages/2_Losses.py")
    at.slider(key="T").set_value(2.0)
    at.slider(key="gamma").set_value(0.5).run()
    assert not at.exception
    states = explore.student_states(res)
    d = int(at.session_state["digit"])
    want = explore.loss_curves(states.logits["trained"][d], res.logits.test[d], res.data.y_test[d], gamma=0.5,
                               temperatures=[2.0]).iloc[0]
    shown = {m.label: float(m.value) for m in at.metric}
    assert shown["total"] == pytest.approx(want["total"], abs=1e-3)
    assert shown["soft"] == pytest.approx(want["soft"], abs=1e-3)
    at.radio(key="_loss_scope").set_value("all").run()
    assert not at.exception


def test_train_page_run_adds_to_history(res):
    at = app("pages/3_Train.py", timeout=120)
    assert at.info  # nothing trained on open
    at.number_input(key="_train_epochs").set_value(2)
    at.selectbox(key="_train_size").set_value("784-32-10")
    at.button[0].click().run()
    assert not at.exception, [e.value for e in at.exception]
    runs = at.session_state["runs"]
    assert len(runs) == 1 and runs[0].config.epochs == 2 and runs[0].config.hidden == (32,)
    assert len(runs[0].history) == 2 and len(runs[0].baseline_history) == 2
    table = at.dataframe[-1].value
    assert table["run"].tolist() == [1]
    at.button[0].click().run()
    assert [r.run_id for r in at.session_state["runs"]] == [1, 2]
    assert at.dataframe[-1].value["run"].tolist() == [1, 2]
    assert np.isfinite(at.dataframe[-1].value["distilled_acc"]).all()
