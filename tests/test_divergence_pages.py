"""The divergence on the Train page (issue 31, item 4): chosen beside the method, in the link like T and γ, trained."""

from test_data_pages import link
from test_lesson_pages import open_page

from kdviz.train.loop import TrainConfig, train_student


def test_train_with_jsd_on_standardized_logits_from_a_link(res):
    at = open_page("pages/3_Train.py", {"loss": "jsd", "jsdbeta": "0.3", "std": "1"})
    assert at.radio(key="_w_loss").value == "jsd" and at.slider(key="_w_jsdbeta").value == 0.3
    assert at.toggle(key="_w_std").value  # on (the link's 1)
    assert "loss=jsd" in link(at) and "jsdbeta=0.3" in link(at) and "std=1" in link(at) and "skew=" not in link(at)
    at.number_input(key="_train_epochs").set_value(2)
    at.selectbox(key="_train_size").set_value("784-32-10")
    at.button(key="train_button").click().run()
    assert not at.exception, [e.value for e in at.exception]
    (run,) = at.session_state["runs"]
    want = TrainConfig(hidden=(32,), epochs=2, divergence="jsd", jsd_beta=0.3, standardize=True)
    assert run.config == want
    assert run.history.equals(train_student(res.data, res.logits, want).history)  # trained exactly this (in the workers)
    assert at.dataframe[-1].value["method"].tolist() == ["KD jsd β=0.3 std"]
    # back to forward KL without standardizing: the divergence leaves the link, and its weight's slider the page
    at.radio(key="_w_loss").set_value("fkl").run()
    at.toggle(key="_w_std").set_value(False).run()
    assert "loss=" not in link(at) and "jsdbeta=" not in link(at) and "std=" not in link(at)
    assert not any(s.key == "_w_jsdbeta" for s in at.slider)


def test_the_skew_and_dkd_hide_what_does_not_apply():
    at = open_page("pages/3_Train.py", {"loss": "srkl", "skew": "0.25"})
    assert at.slider(key="_w_skew").value == 0.25 and "skew=0.25" in link(at)
    at = open_page("pages/3_Train.py", {"method": "dkd", "loss": "rkl"})  # DKD splits the forward KL: no divergence to pick
    assert not any(s.key == "_w_loss" for s in at.radio) and not at.exception


def test_a_bad_divergence_in_the_link_is_one_line():
    at = open_page("pages/3_Train.py", {"loss": "kl", "jsdbeta": "7"})
    warnings = [w.value for w in at.warning]
    assert any("loss='kl' is not one of fkl, rkl, jsd, skl, srkl, tvd" in w for w in warnings)
    assert any("beta=7 is outside [0, 1]" in w for w in warnings) and at.session_state["loss"] == "fkl" and not at.exception
