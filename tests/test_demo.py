"""The guided demo, "Reset view" and presenter mode (``?present=1``), under AppTest."""

import json
from pathlib import Path
from types import SimpleNamespace

import pytest
from streamlit.testing.v1 import AppTest

import ui
from kdviz.maths import explore
from kdviz.serve import urlstate

ROOT = Path(__file__).resolve().parents[1]


def run(script: str, *, query: dict | None = None, state: dict | None = None) -> AppTest:
    at = AppTest.from_file(str(ROOT / script), default_timeout=120)
    for k, v in (query or {}).items():
        at.query_params[k] = v
    for k, v in (state or {}).items():
        at.session_state[k] = v
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def demo_text(at) -> str:
    return next(m.value for m in at.markdown if m.value.startswith(("**Step ", "**第 ")))


@pytest.mark.parametrize("n, step, script, key", [(n, *d) for n, d in enumerate(ui.DEMO, start=1)])
def test_each_demo_page_says_its_step_and_links_on(n, step, script, key):
    at = run(script)
    text = demo_text(at)
    assert text.startswith(f"**Step {n} of {len(ui.DEMO)}.**")
    if step != "temperature":  # its sentence is filled from the image shown (test_demo_words)
        assert text.endswith(ui.i18n.tr(key, "en"))
    labels = [b.label for b in at.button]
    if n < len(ui.DEMO):
        nxt = next(label for s, _, label, _, _ in ui.PAGES if s == ui.DEMO[n][1])
        assert f"Next: {ui.i18n.tr(nxt, 'en')}" in labels
    if n > 1:
        back = next(label for s, _, label, _, _ in ui.PAGES if s == ui.DEMO[n - 2][1])
        assert f"Back: {ui.i18n.tr(back, 'en')}" in labels


def test_demo_in_chinese():
    at = run("pages/2_Losses.py", query={"lang": "zh"})
    assert demo_text(at).startswith("**第 3 步，共 5 步。**")
    assert "下一步：训练" in [b.label for b in at.button]


def test_next_on_train_opens_the_labs_fewer_labels_tab():
    at = run("pages/3_Train.py", state={"lab.tab": "Self-distillation"})
    at.button(key="demo_next_train").click().run()
    assert at.session_state["lab.tab"] == ui.i18n.tr("lab.tab_fewer", "en")


def test_default_digit_is_the_computed_ambiguous_one(res):
    at = run("pages/1_Temperature.py")
    expected = explore.ambiguous_digit(res.logits.test, res.data.y_test, classes=(4, 9), within=True)
    assert at.session_state["digit"] == expected and int(res.data.y_test[expected]) in (4, 9)
    assert at.query_params["digit"] == str(expected)
    assert run("pages/1_Temperature.py", query={"digit": "17"}).session_state["digit"] == 17  # a link's digit wins


def test_reset_view_restores_the_defaults_and_the_link(res):
    at = run("pages/2_Losses.py", query={"T": "11", "gamma": "0.3", "digit": "5", "seed": "9", "lang": "zh"})
    at.radio(key="_loss_scope").set_value("digit").run()
    kept = SimpleNamespace(extra={"data": "fashion-mnist"})  # a learner's work survives a reset (a run of another data set)
    at.session_state["runs"] = [kept]
    [reset] = [b for b in at.sidebar.button if b.key == "reset_view"]
    assert reset.label == "重置视图"
    reset.click().run()
    assert not at.exception
    defaults = ui.default_view(res)
    for name, value in defaults.items():
        assert at.session_state[name] == value, name
    assert at.session_state["lang"] == "zh" and at.session_state["runs"] == [kept]
    assert at.radio(key="_loss_scope").value != "digit" or at.radio(key="_loss_scope").index == 0
    assert dict(at.query_params) == {"T": "4", "gamma": "0.9", "digit": str(defaults["digit"]), "seed": "0", "lang": "zh"}


def figure_fonts(at) -> list[tuple[float, float]]:
    """(base font px, height px) of every plotly figure on the page."""
    out = []
    for el in at.get("plotly_chart"):
        layout = json.loads(el.proto.spec)["layout"]
        out.append((layout["template"]["layout"]["font"]["size"], layout["height"]))
    return out


def test_present_mode_enlarges_text_and_charts_and_stays_in_the_link():
    plain, shown = run("pages/2_Losses.py"), run("pages/2_Losses.py", query={"present": "1"})
    assert shown.session_state["present"] is True and shown.query_params["present"] == "1"
    assert "present" not in plain.query_params
    assert any("font-size: 20px" in h.proto.body for h in shown.get("html"))
    assert not any("font-size" in h.proto.body for h in plain.get("html"))
    for (f0, h0), (f1, h1) in zip(figure_fonts(plain), figure_fonts(shown)):
        assert f1 >= 1.25 * f0 and h1 >= 1.25 * h0
    assert "present=1" in shown.sidebar.code[0].value


@pytest.mark.parametrize("value", ["7", "yes", "-1"])
def test_bad_present_value_is_one_line(value):
    at = run("app.py", query={"present": value})
    assert at.session_state["present"] is False
    [warning] = at.warning
    assert warning.value.startswith("Ignored in the link: present=") and "\n" not in warning.value


def test_present_is_a_link_parameter():
    values, problems = urlstate.parse_query({"present": "1", "T": "2"})
    assert values == {"present": 1, "T": 2.0} and problems == []
    assert urlstate.to_query({"T": 2.0, "present": 1}) == "T=2&present=1"
