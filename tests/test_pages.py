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
    facts = at.table[0].value  # rows: teacher, student
    teacher_params, student_params = models.count_params(res.teacher), models.count_params(models.StudentMLP((128,)))
    assert facts["Parameters"].tolist() == [f"{teacher_params:,}", f"{student_params:,} ({teacher_params / student_params:.1f}× fewer)"]
    assert facts["Test accuracy"].iloc[0] == f"{100 * res.teacher_meta['test_acc']:.1f} %"
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
    at.button(key="_pick_same_class").click().run()
    assert not at.exception and int(res.data.y_test[at.session_state["digit"]]) == 7
    at.button(key="_pick_any").click().run()  # any random digit
    assert not at.exception


def test_temperature_bad_link_gets_one_line_each():
    at = app("pages/1_Temperature.py", query={"T": "-1", "gamma": "abc"})
    warnings = [w.value for w in at.warning]
    assert len(warnings) == 2 and all("\n" not in w for w in warnings)
    assert at.slider(key="T").value == 4.0


def test_losses_page_shows_the_formula_values(res):
    at = app("pages/2_Losses.py")
    at.radio(key="_loss_student").set_value("trained")
    at.radio(key="_loss_scope").set_value("digit")
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
    assert any("The larger effect is with fewer labels" in m.value for m in at.markdown)  # pointer to the Lab, before any run
    at.number_input(key="_train_epochs").set_value(2)
    at.selectbox(key="_train_size").set_value("784-32-10")
    at.button(key="train_button").click().run()
    assert not at.exception, [e.value for e in at.exception]
    runs = at.session_state["runs"]
    assert len(runs) == 1 and runs[0].config.epochs == 2 and runs[0].config.hidden == (32,)
    assert len(runs[0].history) == 2 and len(runs[0].baseline_history) == 2
    table = at.dataframe[-1].value
    assert table["run"].tolist() == [1]
    at.button(key="train_button").click().run()
    assert [r.run_id for r in at.session_state["runs"]] == [1, 2]
    assert at.dataframe[-1].value["run"].tolist() == [1, 2]
    assert np.isfinite(at.dataframe[-1].value["distilled_acc"]).all()


def test_train_headline_gain_has_its_paired_standard_error(res):
    """The headline's gain and ± are the paired standard error of kdviz.runs; 3 seeds give mean ± sample std."""
    from kdviz import runs as kruns
    from kdviz.lab import results as labres
    from kdviz import shipped

    at = app("pages/3_Train.py", timeout=180)
    ship = shipped.load("fewer_labels", data_fingerprint=res.data.fingerprint, teacher_sha256=res.teacher_meta["sha256"])
    h = labres.fewer_labels_headline(labres.fewer_labels_frames(ship.result))
    pointer = next(m.value for m in at.markdown if "The larger effect" in m.value)
    assert f"{100 * h['distilled']:.1f} % against {100 * h['baseline']:.1f} %" in pointer  # the shipped numbers, not typed in
    at.number_input(key="_train_epochs").set_value(2)
    at.selectbox(key="_train_size").set_value("784-32-10")
    at.button(key="train_button").click().run()
    run = at.session_state["runs"][-1]
    y = res.data.y_test.numpy()
    g = kruns.paired_gain(run.test_logits.argmax(1).numpy() == y, run.baseline_test_logits.argmax(1).numpy() == y)
    head = next(m.value for m in at.markdown if m.value.startswith("Gain of distillation"))
    assert f"**{100 * g.gain:+.1f} ± {100 * g.se:.1f} points**" in head
    verdict = "Within the noise" if abs(g.gain) <= 1.96 * g.se else "Larger than the noise"
    assert any(m.value.startswith(f"**{verdict}.**") for m in at.markdown)
    # three seeds: seed, seed + 1, seed + 2, one group, mean ± sample std
    at.toggle(key="_train_three").set_value(True)
    at.button(key="train_button").click().run()
    assert not at.exception, [e.value for e in at.exception]
    group = at.session_state["runs"][-3:]
    assert [r.config.seed for r in group] == [0, 1, 2] and len({r.extra["group"] for r in group}) == 1
    gains = [r.test_acc - r.baseline_acc for r in group]
    head = next(m.value for m in at.markdown if m.value.startswith("Gain of distillation over 3 seeds"))
    assert f"**{100 * np.mean(gains):+.1f} ± {100 * np.std(gains, ddof=1):.1f} points**" in head
    hist = at.dataframe[-1].value
    assert hist["run"].tolist() == [1, 2, 3, 4] and "params" not in hist
