"""Losses: the soft, hard and total loss as T and γ move, and why the soft term carries T²."""

import streamlit as st

import ui
from kdviz.data import datasets
from kdviz.maths import explore
from kdviz.train.runs import runs_on
from kdviz.viz import live, plots

res = ui.start_page("nav.losses", data=datasets.offered())  # MNIST digits or Fashion-MNIST (?data=, the sidebar)
st.title(ui.tr("losses.title"))
ui.demo_step("losses")  # the guided demo's bar (ui.DEMO)
if res is None:
    st.stop()


states = ui.reference_students()
data, state = res.data, st.session_state
runs = runs_on(state.get("runs", []), res.dataset)  # this data set's runs (a session's history holds both)
DEFAULT_STUDENT = "partly trained"  # a student still learning: both terms (and their gradients) are visible

# The student and the scope are chosen below the first row but read here (their values are in the session state).
names = {"untrained": ui.tr("losses.untrained"), "partly trained": ui.tr("losses.partly_trained"),
         "trained": ui.tr("losses.trained"), "latest": ui.tr("losses.latest")}
options = list(states.logits) + (["latest"] if runs else [])  # the reference's states, then the latest run
scopes = {"digit": ui.tr(ui.words("losses.scope_digit")), "all": ui.tr(ui.words("losses.scope_all"), n=len(data.y_test))}
if state.get("_loss_student") not in options:
    state["_loss_student"] = DEFAULT_STUDENT
if state.get("_loss_scope") not in scopes:
    state["_loss_scope"] = "all"
which, scope = state["_loss_student"], state["_loss_scope"]
if which == "latest":
    student_logits, acc = runs[-1].test_logits, runs[-1].test_acc
else:
    student_logits, acc = states.logits[which], states.test_acc[which]
idx = int(state["digit"])
if scope == "digit":
    s, t, y = student_logits[idx], res.logits.test[idx], data.y_test[idx]  # (10,), (10,), ()
else:
    s, t, y = student_logits, res.logits.test, data.y_test  # (n_test, 10), (n_test, 10), (n_test,)

# Every view that depends on T or γ is a live view (kdviz.viz.live): computed and drawn in the browser while T or γ is
# dragged; the server hears them once, on release (ui.live stores them in the shared state). Here only the student's
# and the teacher's logits are sent, once per student and scope (encoded once per reference student and digit).
@st.cache_resource(show_spinner=False, max_entries=64)
def reference_logits(dataset: str, student: str, scope: str, digit: int) -> dict:
    """A reference student's logits (and the teacher's, the labels) on data set ``dataset``, as the live views take
    them: one dict shared by every session (read only: unpacked into ui.live)."""
    if scope == "all":
        return {"student": live.b64f32(states.logits[student]), **teacher_all()}
    return {"student": live.b64f32(states.logits[student][digit]), "teacher": live.b64f32(res.logits.test[digit]),
            "labels": live.b64u8(data.y_test[digit].reshape(1)), "n": 1}


@st.cache_data(show_spinner=False, max_entries=64)
def soft_facts(dataset: str, student: str, scope: str, digit: int, run_id: int | None) -> dict:
    """The figures the text quotes from the soft curve the chart draws (kdviz.viz.plots.soft_curve_facts), for the
    student and scope on screen; ``run_id``: this session's latest run when ``student`` is "latest"."""
    return plots.soft_curve_facts(explore.loss_curves(s, t, y, gamma=1.0))  # the soft curve does not depend on γ


def teacher_all() -> dict:
    t = ui.live_teacher()  # encoded once per server
    return {"teacher": t["logits"], "labels": t["labels"], "n": t["n"]}


if which == "latest":  # this session's own run
    logits = {"student": live.b64f32(s), "teacher": live.b64f32(t), "labels": live.b64u8(y.reshape(-1)), "n": int(y.numel())}
else:
    logits = reference_logits(res.dataset, which, scope, idx if scope == "digit" else -1)
AXES = ("plots.T_log_axis", "plots.loss_axis", "plots.loss_title", "plots.soft_formula", "plots.hard_formula", "plots.total_formula",
        "plots.gamma_axis", "plots.heatmap_title", "plots.total", "plots.hard", "plots.grad_title", "plots.grad_axis",
        "plots.grad_soft_T2", "plots.grad_soft_plain")

# First row: the sliders and the chart they change (on a phone the columns stack: sliders, then chart).
sliders, curves_col = st.columns([1, 2.2], gap="large", vertical_alignment="center")
with sliders:
    ui.live_slider(key="_live_T_gamma", params=("T", "gamma"))  # a release reruns only it and the link
    # two lines, to fit a narrow column (KaTeX's "aligned" overflows its box by 2 px; "array" does not)
    total, soft, hard = (r"\text{%s}" % ui.tr(k) for k in ("losses.total", "losses.soft", "losses.hard"))  # the catalog's terms
    st.latex(rf"\begin{{array}}{{l}}{total} = \gamma\cdot{soft}\\[4pt] \qquad {{}}+ (1-\gamma)\cdot{hard}\end{{array}}")
with curves_col:
    ui.live("loss_curves", key="_live_loss_curves", keys=AXES, **logits)

choice, numbers = st.columns([1, 2.2], gap="large")
with choice:
    epochs = ", ".join(str(e) for e in states.epochs.values())
    st.radio(ui.tr("losses.student"), options, key="_loss_student", format_func=lambda o: names.get(o, o),
             help=ui.tr("losses.student_help", epochs=epochs))
    st.radio(ui.tr("losses.scope"), list(scopes), key="_loss_scope", format_func=scopes.get)
    st.caption(ui.tr("losses.acc", acc=100 * acc))
    if scope == "digit":
        st.caption(ui.tr(ui.words("losses.digit"), idx=idx, label=ui.class_names()[int(y)]))
with numbers:
    ui.live("loss_numbers", key="_live_loss_numbers", keys=("losses.soft", "losses.hard", "losses.total", "losses.soft_help",
                                                          "losses.hard_help", "losses.total_help"), **logits)
    facts = soft_facts(res.dataset, which, scope, idx if scope == "digit" else -1, runs[-1].run_id if which == "latest" else None)
    st.markdown(plots.soft_curve_explain(facts, ui.lang()))

left, right = st.columns(2, gap="large")
with left:
    ui.live("loss_heat", key="_live_loss_heat", keys=(*AXES, "losses.heat_caption"), **logits)
with right:
    ui.live("grads", key="_live_grads", keys=(*AXES, "losses.grad_caption", "losses.grad_caption_apart"), **logits)

# Inside the soft loss (issue 15): T²·KL = T²·TCKD + T²·(1 − p_t)·NCKD, for the chosen student and scope (drawn live).
st.subheader(ui.tr("losses.dk_section"), divider="gray")
dk_text, dk_chart = st.columns([1, 2.2], gap="large")
with dk_text:
    st.markdown(ui.tr("losses.dk_explain"))
with dk_chart:
    ui.live("dk_stack", key="_live_dk_stack", keys=("plots.T_log_axis", "plots.loss_axis", "losses.dk_title", "losses.dk_caption",
                                                   "plots.tckd", "plots.nckd"), **logits)

ui.end_page(link=False)  # ui.live_slider showed the link
