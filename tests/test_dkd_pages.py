"""Decoupled KD on the pages (issue 15): the Train page trains with DKD, its settings in the link like T and γ;
the Lab's "KD vs DKD" tab runs the comparison and says what it measured, noise included."""

import numpy as np
import pytest
from test_data_pages import link
from test_lesson_pages import open_page

from kdviz.lab import dkd as lab_dkd
from kdviz.train.loop import TrainConfig, train_student


def test_train_with_dkd_from_a_link(res):
    at = open_page("pages/3_Train.py", {"method": "dkd", "alpha": "1", "beta": "4"})
    assert at.session_state["method"] == "dkd" and at.session_state["beta"] == 4.0
    assert at.number_input(key="_w_alpha").value == 1.0 and at.number_input(key="_w_beta").value == 4.0
    assert "method=dkd&alpha=1&beta=4" in link(at)
    at.number_input(key="_train_epochs").set_value(2)
    at.number_input(key="_train_warmup").set_value(1)
    at.selectbox(key="_train_size").set_value("784-32-10")
    at.button(key="train_button").click().run()
    assert not at.exception, [e.value for e in at.exception]
    (run,) = at.session_state["runs"]
    config = run.config
    assert (config.method, config.alpha, config.beta, config.warmup, config.epochs) == ("dkd", 1.0, 4.0, 1, 2)
    want = train_student(res.data, res.logits, TrainConfig(hidden=(32,), epochs=2, method="dkd", alpha=1.0, beta=4.0, warmup=1))
    assert run.history.equals(want.history)  # the page trained exactly this config (in the worker processes)
    assert {"tckd", "nckd", "weight"} <= set(run.history.columns)
    assert any(m.value.startswith("#### Run 1:") and "DKD, α = 1, β = 4, warm-up 1 epochs" in m.value for m in at.markdown)
    assert at.dataframe[-1].value["method"].tolist() == ["DKD α=1 β=4 w=1"]
    assert run.baseline_history is not None  # the baseline: plain γ = 0 from the same weights
    base = train_student(res.data, res.logits, TrainConfig(hidden=(32,), epochs=2, gamma=0.0))
    assert run.baseline_history.equals(base.history)
    # back to KD: DKD's settings leave the link
    at.session_state["method"] = "kd"
    at.run()
    assert "method=" not in link(at) and "beta=" not in link(at)
    assert not any(w.key == "_w_beta" for w in at.number_input)


def test_a_bad_method_in_the_link_is_one_line():
    at = open_page("pages/3_Train.py", {"method": "fitnets", "beta": "-2"})
    warnings = [w.value for w in at.warning]
    assert warnings == ["Ignored in the link: method='fitnets' is not one of kd, dkd; using the default",
                        "Ignored in the link: beta=-2 is outside [0, 20]; using the default"]
    assert at.session_state["method"] == "kd" and at.session_state["beta"] == 8.0


@pytest.fixture
def lab(tmp_path, monkeypatch):
    monkeypatch.setenv("KDVIZ_CACHE_DIR", str(tmp_path))
    at = open_page("pages/4_Lab.py")
    at.session_state["lab.tab"] = "KD vs DKD"
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_the_lab_opens_on_the_shipped_kd_vs_dkd_and_says_what_it_measured(lab, res):
    from kdviz.lab import shipped

    found = shipped.load("dkd", data_fingerprint=res.data.fingerprint, teacher_sha256=res.teacher_meta["sha256"])
    assert found is not None and found.stale is None, "kdviz/results/dkd.json is shipped, for this data and teacher"
    df = lab_dkd.dkd_frame(found.result)
    h = lab_dkd.dkd_headline(df)
    tab = lab.tabs[5]
    text = "\n".join(m.value for m in tab.markdown)
    assert f"**KD {100 * h['kd'][0]:.1f} ± {100 * h['kd'][1]:.1f} %**" in text
    assert f"β = {h['best_beta']:g}" in text and f"{100 * h['gain']:+.2f} points" in text
    assert ("within the noise" in text) == bool(h["within_noise"])
    table = tab.dataframe[0].value
    assert len(table) == len(df) == 5 and list(df["method"]) == ["kd", "dkd", "dkd", "dkd", "dkd"]
    assert any(c.value.startswith("Measured on") and "dkd-compare" in c.value for c in tab.caption)


def test_the_lab_runs_kd_vs_dkd(lab, res):
    lab.number_input(key="dkd.seeds").set_value(2)
    lab.number_input(key="dkd.epochs").set_value(2)
    lab.multiselect(key="dkd.betas").set_value([1.0, 8.0])
    lab.button(key="dkd.run").click().run(timeout=240)
    assert not lab.exception, [e.value for e in lab.exception]
    df = lab.session_state["lab.dkd"]
    assert df["method"].tolist() == ["kd", "dkd", "dkd"] and df["beta"].tolist()[1:] == [1.0, 8.0]
    one = train_student(res.data, res.logits, TrainConfig(epochs=2, method="dkd", beta=8.0, warmup=1, seed=1))  # warm-up: epochs // 6, ≥ 1
    assert df["test_acc_per_seed"].iloc[2][1] == pytest.approx(one.test_acc)
    assert np.isclose(df["test_acc"].iloc[0], np.mean(df["test_acc_per_seed"].iloc[0]))
    text = "\n".join(m.value for m in lab.tabs[5].markdown)
    assert "Over 2 seeds of 2 epochs" in text and not any(c.value.startswith("Measured on") for c in lab.tabs[5].caption)
