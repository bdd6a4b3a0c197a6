"""The Lab's "Which divergence" tab: it opens on the shipped full run of the page's data set and runs a quick one."""

import pandas as pd
from streamlit.testing.v1 import AppTest
from test_lab_page import PAGE, TABS, charts, open_tab, texts

from kdviz.lab import divergences as ldv
from kdviz.lab import shipped


def test_it_opens_on_the_shipped_run_and_says_the_verdicts(res):
    app = AppTest.from_file(PAGE, default_timeout=60)
    app.run(timeout=60)
    open_tab(app, TABS.index("Which divergence"))
    assert not app.exception, app.exception
    assert charts(app).count("divergences.chart") == 1
    out = shipped.load("divergences", data_fingerprint=res.data.fingerprint,
                       teacher_sha256=str(res.teacher_meta.get("sha256", ""))).result
    others = [r for r in out["rows"] if r["arm"] != "fkl"]
    beyond = [r for r in others if r["verdict"] in ("helps", "hurts")]
    said = texts(app)
    assert f"Over 3 seeds: {len(others) - len(beyond)} of the {len(others)} other arms are within the noise of forward KL" in said
    table = next(d.value for d in app.dataframe if "points" in d.value.columns)
    assert list(table["name"]) == ["forward KL (Hinton)", "reverse KL", "JSD (β = 0.5)", "skew KL (α = 0.1)",
                                   "skew reverse KL (α = 0.1)", "total variation", "forward KL, standardized logits",
                                   "labels only (γ = 0)"]
    assert list(table["acc"])[0] == f"{100 * out['rows'][0]['test_acc']:.2f} ± {100 * out['rows'][0]['test_acc_std']:.2f} %"


def test_a_quick_run_is_this_sessions(res):
    app = AppTest.from_file(PAGE, default_timeout=60)
    app.run(timeout=60)
    open_tab(app, TABS.index("Which divergence"))
    app.number_input(key="divergences.epochs").set_value(1)
    app.number_input(key="divergences.seeds").set_value(1)
    app.button(key="divergences.run").click().run(timeout=600)
    assert not app.exception, app.exception
    df = app.session_state["lab.divergences"]
    assert isinstance(df, pd.DataFrame) and list(df["arm"]) == list(ldv.ARM_KEYS)
    assert all(len(r) == 1 for r in df["test_acc_per_seed"])
    assert "Over 1 seeds" in texts(app) or "Over 1 seed" in texts(app)
