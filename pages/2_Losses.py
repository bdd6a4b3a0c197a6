"""Losses: the soft, hard and total loss as T and γ move, and why the soft term carries T²."""

import streamlit as st

import ui
from kdviz import explore, plots

res = ui.start_page("nav.losses")
st.title(ui.tr("losses.title"))
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
    names = {"untrained": ui.tr("losses.untrained"), "partly trained": ui.tr("losses.partly_trained"),
             "trained": ui.tr("losses.trained"), "latest": ui.tr("losses.latest")}
    options = list(states.logits) + (["latest"] if runs else [])  # the reference's states, then the latest run
    which = st.radio(ui.tr("losses.student"), options, index=min(2, len(options) - 1), key="_loss_student", horizontal=False,
                     format_func=lambda o: names.get(o, o), help=ui.tr("losses.student_help"))
    scopes = {"digit": ui.tr("losses.scope_digit"), "all": ui.tr("losses.scope_all")}
    scope = st.radio(ui.tr("losses.scope"), list(scopes), key="_loss_scope", horizontal=True, format_func=scopes.get)
    if which == "latest":
        student_logits, acc = runs[-1].test_logits, runs[-1].test_acc
    else:
        student_logits, acc = states.logits[which], states.test_acc[which]
    st.caption(ui.tr("losses.acc", acc=100 * acc))
    idx = int(state["digit"])
    if scope == "digit":
        s, t, y = student_logits[idx], res.logits.test[idx], data.y_test[idx]  # (10,), (10,), ()
        st.caption(ui.tr("losses.digit", idx=idx, label=int(y)))
    else:
        s, t, y = student_logits, res.logits.test, data.y_test  # (1000, 10), (1000, 10), (1000,)

curves = explore.loss_curves(s, t, y, gamma=gamma)
now = explore.loss_curves(s, t, y, gamma=gamma, temperatures=[T]).iloc[0]
with view:
    m = st.columns(3)
    m[0].metric(ui.tr("losses.soft"), f"{now['soft']:.3f}", help=ui.tr("losses.soft_help"))
    m[1].metric(ui.tr("losses.hard"), f"{now['hard']:.3f}", help=ui.tr("losses.hard_help"))
    m[2].metric(ui.tr("losses.total"), f"{now['total']:.3f}", help=ui.tr("losses.total_help", gamma=gamma, rest=1 - gamma))
    st.plotly_chart(plots.loss_curves_figure(curves, T, gamma, lang=ui.lang()), key="loss_curves")
    st.markdown(ui.tr("losses.explain"))

left, right = st.columns(2, gap="large")
with left:
    grid = explore.loss_grid(s, t, y)
    st.plotly_chart(plots.loss_heatmap_figure(grid, explore.T_GRID, explore.GAMMA_GRID, T, gamma, lang=ui.lang()),
                    key="loss_heatmap")
    st.caption(ui.tr("losses.heat_caption"))
with right:
    grads = explore.soft_gradient_norms(s, t, y)
    st.plotly_chart(plots.gradient_figure(grads, T, lang=ui.lang()), key="gradients")
    g = explore.soft_gradient_norms(s, t, y, temperatures=[1.0, T]).set_index("T")
    st.caption(ui.tr("losses.grad_caption", T=T, with_T2=g["grad_soft_T2"].iloc[-1], plain=g["grad_soft_plain"].iloc[-1],
                     hard=g["grad_hard"].iloc[-1]))

ui.end_page()
