"""AppTest of the home, Temperature, Losses and Train pages: no exception, and the numbers shown are the library's."""

import base64
import json
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from kdviz.maths import explore
from kdviz.train import models, reference

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


def live_data(at, view: str) -> dict:
    """The data the page sent to its live view ``view`` (kdviz.viz.live), parsed."""
    sent = [json.loads(e.proto.bytes or e.proto.json) for e in at.get("bidi_component")]  # ui.live sends JSON bytes
    found = [d for d in sent if d["view"] == view]
    assert len(found) == 1, f"{len(found)} live views {view!r}"
    return found[0]


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
    for T in (1.5, 4.0, 12.0):  # the shared T (set by the live slider's release, the link or another page)
        at.session_state["T"] = T
        at.run()
        assert not at.exception
        d = live_data(at, "softmax")  # the browser draws softmax(z / T) of these logits (tests/test_live.py)
        z = res.logits.test[int(at.session_state["digit"])]
        assert live_data(at, "slider")["T"] == T and np.array_equal(np.frombuffer(base64.b64decode(d["z"]), "<f4"), z.numpy())
        maxima.append(float(explore.soften_row(z, T).max()))
    assert maxima[0] > maxima[1] > maxima[2]


def test_temperature_digit_controls(res):
    at = app("pages/1_Temperature.py", query={"digit": "123", "T": "8"})
    assert at.session_state["digit"] == 123 and at.session_state["T"] == 8.0 and live_data(at, "slider")["T"] == 8.0
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
    assert at.session_state["T"] == 4.0 and live_data(at, "slider")["T"] == 4.0


def test_losses_page_shows_the_formula_values(res):
    at = app("pages/2_Losses.py")
    at.radio(key="_loss_student").set_value("trained")
    at.radio(key="_loss_scope").set_value("digit")
    at.session_state["T"] = 2.0
    at.session_state["gamma"] = 0.5
    at.run()
    assert not at.exception
    states = reference.student_states(res)
    d = int(at.session_state["digit"])
    sent = live_data(at, "loss_numbers")  # the browser computes the losses from these (tests/test_live.py)
    f32 = lambda b64: np.frombuffer(base64.b64decode(b64), "<f4")  # noqa: E731
    assert (live_data(at, "slider")["T"], live_data(at, "slider")["gamma"], sent["n"]) == (2.0, 0.5, 1)
    assert np.array_equal(f32(sent["student"]), states.logits["trained"][d].numpy())
    assert np.array_equal(f32(sent["teacher"]), res.logits.test[d].numpy())
    assert base64.b64decode(sent["labels"]) == bytes([int(res.data.y_test[d])])
    at.radio(key="_loss_scope").set_value("all").run()
    assert not at.exception and live_data(at, "loss_numbers")["n"] == 1000


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
    """The headline's gain and ± are the paired standard error of kdviz.train.runs; 3 seeds give mean ± sample std."""
    from kdviz.lab import results as labres
    from kdviz.lab import shipped
    from kdviz.train import runs as kruns

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


def test_train_press_waits_in_the_queue_and_cancel_frees_its_place(res, monkeypatch):
    """Every slot of the server's training queue held: a press waits, shows its place, Cancel frees it; when the
    slots free up, the waiting press trains and its run is kept."""
    from kdviz.serve import trainqueue

    q = trainqueue.shared()
    monkeypatch.setattr(q, "stale_s", 60.0)  # a slow machine's AppTest runs must not drop the place between polls
    holder = q.join("another learner", width=q.slots)
    assert q.acquire(holder, timeout=60)  # trains on every slot
    at = None
    try:
        at = app("pages/3_Train.py", timeout=120)
        at.number_input(key="_train_epochs").set_value(1)
        at.selectbox(key="_train_size").set_value("784-32-10")
        at.button(key="train_button").click().run()
        assert not at.exception, [e.value for e in at.exception]
        ticket = at.session_state["train_press"].ticket
        assert q.snapshot()["waiting"] == [ticket.id]
        place = next(m.value for m in at.markdown if "in the training queue" in m.value)
        assert place.startswith("**Place 1 in the training queue.**") and f"trains {q.slots} student" in place
        assert any(c.value == "An estimate comes once a training on this server has finished."
                   or c.value.startswith("Your turn in about") for c in at.caption)
        at.run()  # the page's next poll
        assert at.button(key="train_button").disabled  # one press at a time
        assert q.snapshot()["waiting"] == [ticket.id]
        at.button(key="queue_cancel").click().run()
        assert not at.exception, [e.value for e in at.exception]
        assert q.snapshot()["waiting"] == [] and ticket.state == "cancelled"
        assert any(i.value.startswith("Cancelled: your place") for i in at.info)
        assert at.session_state["runs"] == [] and not any("in the training queue" in m.value for m in at.markdown)

        at.button(key="train_button").click().run()  # waits again ...
        assert any(m.value.startswith("**Place 1 in the training queue.**") for m in at.markdown)
        q.release(holder)  # ... until the other learner's training ends
        at.run()  # the next poll: its turn, it trains, streaming
        assert not at.exception, [e.value for e in at.exception]
        runs = at.session_state["runs"]
        assert len(runs) == 1 and runs[0].config.epochs == 1 and len(runs[0].baseline_history) == 1
        assert q.snapshot()["running"] == [] and q.snapshot()["waiting"] == []
        assert "train_press" not in at.session_state
    finally:
        press = at.session_state["train_press"] if at is not None and "train_press" in at.session_state else None
        if press is not None:  # a failed assertion: no training left running at exit
            press.cancel()
            for _ in range(120):
                if press.wait(1.0):
                    break
        q.release(holder)


@pytest.mark.parametrize("setting, value, message", [
    ("KDVIZ_TRAIN_SLOTS", "lots", "KDVIZ_TRAIN_SLOTS must be a whole number ≥ 1 (trainings at once), got 'lots'"),
    ("KDVIZ_TRAIN_WORKERS", "gpu", "KDVIZ_TRAIN_WORKERS must be one of processes, threads, got 'gpu'"),
], ids=["slots", "workers"])
def test_train_bad_setting_is_one_line(monkeypatch, setting, value, message):
    from kdviz.serve import trainqueue

    monkeypatch.setattr(trainqueue, "_shared", None)  # read the setting again
    monkeypatch.setenv(setting, value)
    at = app("pages/3_Train.py", timeout=120)
    button, why = at.button(key="train_button"), f"Train is disabled: training is off on this server ({message})."
    assert button.disabled and button.help == why  # a disabled button that says why, also without a hover (a phone)
    assert why in [c.value for c in at.caption]
    assert not at.exception, [e.value for e in at.exception]
    assert [e.value for e in at.error] == [f"Training is off on this server: {message}"]
    assert at.session_state["runs"] == []


def test_train_presses_train_in_the_worker_processes(res):
    """A press on the page trains in the server's worker processes, not in the page's process."""
    import psutil
    import torch

    from kdviz.serve import trainqueue, workers
    from kdviz.train.loop import train_student

    at = app("pages/3_Train.py", timeout=120)
    pool = workers.shared(trainqueue.shared().slots)
    pool.wait_ready()
    cpu0 = {pid: sum(psutil.Process(pid).cpu_times()[:2]) for pid in pool.pids()}
    at.number_input(key="_train_epochs").set_value(3)
    at.selectbox(key="_train_size").set_value("784-64-10")
    at.button(key="train_button").click().run()
    assert not at.exception, [e.value for e in at.exception]
    run = at.session_state["runs"][-1]
    want = train_student(res.data, res.logits, run.config)  # the same numbers in this process
    assert run.history.equals(want.history) and torch.equal(run.test_logits, want.test_logits)
    used = {pid: sum(psutil.Process(pid).cpu_times()[:2]) - c for pid, c in cpu0.items() if pid in pool.pids()}
    assert len(used) == 2 and all(v > 0.05 for v in used.values()), used  # both workers trained (distilled, baseline)
