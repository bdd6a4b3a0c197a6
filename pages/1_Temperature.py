"""Temperature: how T softens the teacher's softmax, and the dark knowledge it exposes."""

import numpy as np
import pandas as pd
import streamlit as st

import ui
from kdviz import explore, plots

res = ui.start_page("nav.temperature")
st.title(ui.tr("temp.title"))
ui.demo_step("temperature")  # the guided demo's bar (ui.DEMO)
if res is None:
    st.stop()

data, teacher_logits = res.data, res.logits.test  # (1000, 10) teacher logits on the test digits
state = st.session_state


def pick(digit_class: int | None) -> None:
    """Set the shared digit to a random test digit (of ``digit_class`` if given), seeded by the session."""
    rng = state.setdefault("_digit_rng", np.random.default_rng(int(state["seed"])))
    pool = explore.digits_of_class(data.y_test, digit_class) if digit_class is not None else np.arange(len(data.y_test))
    state["digit"] = int(rng.choice(pool))


def on_class_change() -> None:
    state["digit"] = int(explore.digits_of_class(data.y_test, state["_digit_class"])[0])


state["_digit_class"] = int(data.y_test[int(state["digit"])])  # the class box follows the chosen digit
idx = int(state["digit"])  # the chooser below changes it through callbacks, which run before this script
label, z = int(data.y_test[idx]), teacher_logits[idx]  # z: (10,)

# First row: the slider and the chart it changes (on a phone the columns stack: slider, then chart).
slider_col, softmax_col = st.columns([1, 2.2], gap="large", vertical_alignment="center")
with slider_col:
    T = ui.T_slider()
    st.latex(r"p_i = e^{z_i/T} \,\big/\, \textstyle\sum_j e^{z_j/T}")  # one line, no fraction: fits a narrow column
with softmax_col:
    log_y = bool(state.get("_softmax_log", False))  # the toggle sits under the chart
    ui.chart(plots.softmax_figure(z, T, log_y=log_y, title=ui.tr("temp.softmax_title", idx=idx, T=T), lang=ui.lang()),
             key="softmax")
    st.toggle(ui.tr("temp.log_scale"), key="_softmax_log", help=ui.tr("temp.log_help"))

probs = explore.soften_row(z, T)  # (10,)
runner_up = int(np.argsort(probs)[-2])
curve = explore.entropy_curve(z)
current = float(explore.entropy_curve(z, [T])["entropy_bits"].iloc[0])
at_1 = float(explore.entropy_curve(z, [1.0])["entropy_bits"].iloc[0])
numbers, entropy_col = st.columns([1, 2.2], gap="large")
with numbers:
    st.metric(ui.tr("temp.top_p"), f"{probs.max():.3f}")
    st.metric(ui.tr("temp.runner_up"), str(runner_up), ui.tr("temp.runner_up_p", p=probs[runner_up]),
              delta_color="off", delta_arrow="off")
    st.metric(ui.tr("temp.entropy"), ui.tr("temp.entropy_value", bits=current),
              ui.tr("temp.entropy_delta", delta=current - at_1), delta_color="off", delta_arrow="off")
with entropy_col:
    ui.chart(plots.entropy_figure(curve, T, current=current, lang=ui.lang()), key="entropy")

st.subheader(ui.tr("temp.the_digit"), divider="gray")
chooser, digit_view = st.columns([1, 2.2], gap="large")
with chooser:
    c1, c2 = st.columns(2)
    c1.selectbox(ui.tr("temp.class"), range(10), key="_digit_class", on_change=on_class_change)
    c2.number_input(ui.tr("temp.test_digit"), 0, len(data.y_test) - 1, key="digit", help=ui.tr("temp.test_digit_help"))
    st.button(ui.tr("temp.same_class"), icon=":material/casino:", on_click=pick, args=(state["_digit_class"],),
              key="_pick_same_class", width="stretch")
    st.button(ui.tr("temp.any_digit"), icon=":material/casino:", on_click=pick, args=(None,), key="_pick_any",
              width="stretch")
    ui.chart(plots.digit_figure(data.images_test[idx], ui.tr("temp.digit_caption", idx=idx, label=label)), key="digit_image")
with digit_view:
    ui.chart(plots.logits_figure(z, ui.tr("temp.logits_title", idx=idx), lang=ui.lang()), key="logits")
    st.markdown(ui.tr("temp.explain"))
    st.markdown(ui.tr("temp.look"))

st.subheader(ui.tr("temp.map"), divider="gray")
matrix = explore.dark_knowledge_map(teacher_logits, data.y_test, T)  # (10, 10)
pairs = explore.top_confusions(matrix, k=5)  # the table, and the sentence's first three
m1, m2 = st.columns([1, 2.2], gap="large")
with m1:
    named = ui.tr("temp.map_pair_sep").join(ui.tr("temp.map_pair", true=int(r["true"]), like=int(r["looks like"]), p=r["p"])
                                            for _, r in pairs.head(3).iterrows())
    st.markdown(ui.tr("temp.map_explain", T=T, pairs=named))
    hide = st.toggle(ui.tr("temp.hide_diag"), value=True, key="_map_hide_diag")
    st.table(pd.DataFrame({ui.tr("temp.col_true"): pairs["true"].astype(int), ui.tr("temp.col_like"): pairs["looks like"].astype(int),
                           ui.tr("temp.col_p"): [f"{p:.4f}" for p in pairs["p"]]}).set_index(ui.tr("temp.col_true")))  # wraps, never scrolls
with m2:
    fig = plots.dark_knowledge_figure(matrix, T, hide_diagonal=hide, lang=ui.lang())
    fig.update_layout(title_text=ui.tr("temp.map_title", T=T))  # short: the subheader names the map
    ui.chart(fig, key="dark_map")

ui.end_page()
