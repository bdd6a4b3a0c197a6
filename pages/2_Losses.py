"""Losses: the soft, hard and total loss as T and γ move, and why the soft term carries T²."""

import streamlit as st

import ui
from kdviz import explore, plots

res = ui.start_page("Losses")
st.title("Losses: soft, hard and total")
if res is None:
    st.stop()


states = ui.reference_students()
data, state = res.data, st.session_state
runs = state.get("runs", [])

controls, view = st.columns([1, 2.2], gap="large")
with controls:
    T = ui.T_slider()
    gamma = ui.gamma_slider()
    st.latex(r"\text{total} = \gamma\cdot\text{soft} + (1-\gamma)\cdot\text{hard}")
    options = list(states.logits) + (["latest run (Train page)"] if runs else [])
    which = st.radio("Student", options, index=min(2, len(options) - 1), key="_loss_student", horizontal=False,
                     help="The reference student (784-128-10, T = 4, γ = 0.9, seed 0) at 0, 1 and 30 epochs, "
                          "or your latest run from the Train page.")
    scope = st.radio("Loss on", ["the chosen digit", "all 1,000 test digits"], key="_loss_scope", horizontal=True)
    if which == "latest run (Train page)":
        student_logits, acc = runs[-1].test_logits, runs[-1].test_acc
    else:
        student_logits, acc = states.logits[which], states.test_acc[which]
    st.caption(f"This student's test accuracy: {100 * acc:.1f} %.")
    idx = int(state["digit"])
    if scope == "the chosen digit":
        s, t, y = student_logits[idx], res.logits.test[idx], data.y_test[idx]  # (10,), (10,), ()
        st.caption(f"Test digit #{idx} (label {int(y)}); change it on the Temperature page or in the link.")
    else:
        s, t, y = student_logits, res.logits.test, data.y_test  # (1000, 10), (1000, 10), (1000,)

curves = explore.loss_curves(s, t, y, gamma=gamma)
now = explore.loss_curves(s, t, y, gamma=gamma, temperatures=[T]).iloc[0]
with view:
    m = st.columns(3)
    m[0].metric("soft", f"{now['soft']:.3f}", help="T²·KL(teacher_T ‖ student_T), nats")
    m[1].metric("hard", f"{now['hard']:.3f}", help="cross-entropy with the label at T = 1, nats")
    m[2].metric("total", f"{now['total']:.3f}", help=f"{gamma:g}·soft + {1 - gamma:g}·hard")
    st.plotly_chart(plots.loss_curves_figure(curves, T, gamma), key="loss_curves")
    st.markdown(
        "The **hard** loss does not depend on T: it is the student's ordinary softmax against the label. "
        "The **soft** loss compares the two softened distributions; as T grows both flatten, their KL shrinks "
        "like 1/T², and the T² factor brings it back to the scale of the hard loss."
    )

left, right = st.columns(2, gap="large")
with left:
    grid = explore.loss_grid(s, t, y)
    st.plotly_chart(plots.loss_heatmap_figure(grid, explore.T_GRID, explore.GAMMA_GRID, T, gamma), key="loss_heatmap")
    st.caption("total is linear in γ: each column runs from the hard loss (γ = 0, bottom) to the soft loss (γ = 1, top).")
with right:
    grads = explore.soft_gradient_norms(s, t, y)
    st.plotly_chart(plots.gradient_figure(grads, T), key="gradients")
    g = explore.soft_gradient_norms(s, t, y, temperatures=[1.0, T]).set_index("T")
    st.caption(
        f"At T = {T:g}, ‖∂soft/∂z‖ is {g['grad_soft_T2'].iloc[-1]:.3g} with T² and {g['grad_soft_plain'].iloc[-1]:.3g} without "
        f"(hard: {g['grad_hard'].iloc[-1]:.3g}). ∂soft/∂zᵢ = T·(qᵢ − pᵢ) with the factor: without it the teacher's "
        "signal would fade like 1/T² as T rises (Hinton, Vinyals, Dean 2015, §2)."
    )

ui.end_page()
