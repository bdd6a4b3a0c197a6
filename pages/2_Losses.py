"""Losses: the soft, hard and total loss as T and γ move, and why the soft term carries T²."""

import streamlit as st

import ui
from kdviz import explore, plots

res = ui.start_page("nav.losses")
st.title(ui.tr("losses.title"))
ui.demo_step("losses")  # the guided demo's bar (ui.DEMO)
if res is None:
    st.stop()


states = ui.reference_students()
data, state = res.data, st.session_state
runs = state.get("runs", [])
DEFAULT_STUDENT = "partly trained"  # a student still learning: both terms (and their gradients) are visible

# The student and the scope are chosen below the first row but read here (their values are in the session state).
names = {"untrained": ui.tr("losses.untrained"), "partly trained": ui.tr("losses.partly_trained"),
         "trained": ui.tr("losses.trained"), "latest": ui.tr("losses.latest")}
options = list(states.logits) + (["latest"] if runs else [])  # the reference's states, then the latest run
scopes = {"digit": ui.tr("losses.scope_digit"), "all": ui.tr("losses.scope_all")}
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
    s, t, y = student_logits, res.logits.test, data.y_test  # (1000, 10), (1000, 10), (1000,)

# First row: the sliders and the chart they change (on a phone the columns stack: sliders, then chart).
sliders, curves_col = st.columns([1, 2.2], gap="large", vertical_alignment="center")
with sliders:
    T = ui.T_slider()
    gamma = ui.gamma_slider()
    # two lines, to fit a narrow column (KaTeX's "aligned" overflows its box by 2 px; "array" does not)
    st.latex(r"\begin{array}{l}\text{total} = \gamma\cdot\text{soft}\\[4pt] \qquad {}+ (1-\gamma)\cdot\text{hard}\end{array}")
curves = explore.loss_curves(s, t, y, gamma=gamma)
now = explore.loss_curves(s, t, y, gamma=gamma, temperatures=[T]).iloc[0]
with curves_col:
    ui.chart(plots.loss_curves_figure(curves, T, gamma, lang=ui.lang()), key="loss_curves")

choice, numbers = st.columns([1, 2.2], gap="large")
with choice:
    epochs = ", ".join(str(e) for e in states.epochs.values())
    st.radio(ui.tr("losses.student"), options, key="_loss_student", format_func=lambda o: names.get(o, o),
             help=ui.tr("losses.student_help", epochs=epochs))
    st.radio(ui.tr("losses.scope"), list(scopes), key="_loss_scope", format_func=scopes.get)
    st.caption(ui.tr("losses.acc", acc=100 * acc))
    if scope == "digit":
        st.caption(ui.tr("losses.digit", idx=idx, label=int(y)))
with numbers:
    m = st.columns(3)
    m[0].metric(ui.tr("losses.soft"), f"{now['soft']:.3f}", help=ui.tr("losses.soft_help"))
    m[1].metric(ui.tr("losses.hard"), f"{now['hard']:.3f}", help=ui.tr("losses.hard_help"))
    m[2].metric(ui.tr("losses.total"), f"{now['total']:.3f}", help=ui.tr("losses.total_help", gamma=gamma, rest=1 - gamma))
    st.markdown(ui.tr("losses.explain"))

@st.cache_data(show_spinner=False, max_entries=64)
def reference_grid_and_gradients(student: str, scope: str, digit: int):
    """What does not depend on T or γ, for a reference student: shared by every session, not redone on a slider move."""
    z = states.logits[student] if scope == "all" else states.logits[student][digit]
    tz, yz = (res.logits.test, data.y_test) if scope == "all" else (res.logits.test[digit], data.y_test[digit])
    return explore.loss_grid(z, tz, yz), explore.soft_gradient_norms(z, tz, yz)


if which == "latest":  # this session's own run: computed here
    grid, grads = explore.loss_grid(s, t, y), explore.soft_gradient_norms(s, t, y)
else:
    grid, grads = reference_grid_and_gradients(which, scope, idx if scope == "digit" else -1)
left, right = st.columns(2, gap="large")
with left:
    ui.chart(plots.loss_heatmap_figure(grid, explore.T_GRID, explore.GAMMA_GRID, T, gamma, lang=ui.lang()), key="loss_heatmap")
    st.caption(ui.tr("losses.heat_caption"))
with right:
    ui.chart(plots.gradient_figure(grads, T, lang=ui.lang()), key="gradients")
    g = explore.soft_gradient_norms(s, t, y, temperatures=[T]).iloc[0]
    ratio = g["grad_soft_T2"] / g["grad_hard"] if g["grad_hard"] > 0 else float("inf")
    key = "losses.grad_caption" if 0.1 <= ratio <= 10 else "losses.grad_caption_apart"  # same order of magnitude or not
    st.caption(ui.tr(key, T=T, T2=T * T, with_T2=g["grad_soft_T2"], plain=g["grad_soft_plain"], hard=g["grad_hard"], ratio=ratio))

ui.end_page()
