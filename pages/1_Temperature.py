"""Temperature: how T softens the teacher's softmax, and the dark knowledge it exposes."""

import numpy as np
import streamlit as st

import ui
from kdviz import explore, plots

res = ui.start_page("nav.temperature")
st.title(ui.tr("temp.title"))
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

controls, view = st.columns([1, 2.2], gap="large")
with controls:
    T = ui.T_slider()
    st.latex(r"p_i = \frac{e^{z_i/T}}{\sum_j e^{z_j/T}}")
    st.markdown(ui.tr("temp.explain"))
    st.subheader(ui.tr("temp.the_digit"), divider="gray")
    c1, c2 = st.columns(2)
    c1.selectbox(ui.tr("temp.class"), range(10), key="_digit_class", on_change=on_class_change)
    c2.number_input(ui.tr("temp.test_digit"), 0, len(data.y_test) - 1, key="digit", help=ui.tr("temp.test_digit_help"))
    b1, b2 = st.columns(2)
    b1.button(ui.tr("temp.same_class"), icon=":material/casino:", on_click=pick, args=(state["_digit_class"],), width="stretch")
    b2.button(ui.tr("temp.any_digit"), icon=":material/casino:", on_click=pick, args=(None,), width="stretch")
    idx = int(state["digit"])
    label, z = int(data.y_test[idx]), teacher_logits[idx]  # z: (10,)
    st.plotly_chart(plots.digit_figure(data.images_test[idx], ui.tr("temp.digit_caption", idx=idx, label=label)),
                    key="digit_image", config={"displayModeBar": False})
    st.markdown(ui.tr("temp.look"))

with view:
    top_left, top_right = st.columns(2)
    top_left.plotly_chart(plots.logits_figure(z, ui.tr("temp.logits_title", idx=idx), lang=ui.lang()), key="logits")
    log_y = top_right.toggle(ui.tr("temp.log_scale"), key="_softmax_log", help=ui.tr("temp.log_help"))
    top_right.plotly_chart(plots.softmax_figure(z, T, log_y=log_y, lang=ui.lang()), key="softmax")
    curve = explore.entropy_curve(z)
    current = float(explore.entropy_curve(z, [T])["entropy_bits"].iloc[0])
    e1, e2 = st.columns([2, 1])
    e1.plotly_chart(plots.entropy_figure(curve, T, current=current, lang=ui.lang()), key="entropy")
    probs = explore.soften_row(z, T)
    runner_up = int(np.argsort(probs)[-2])
    at_1 = float(explore.entropy_curve(z, [1.0])["entropy_bits"].iloc[0])
    e2.metric(ui.tr("temp.entropy"), ui.tr("temp.entropy_value", bits=current),
              ui.tr("temp.entropy_delta", delta=current - at_1), delta_color="off")
    e2.metric(ui.tr("temp.top_p"), f"{probs.max():.3f}")
    e2.metric(ui.tr("temp.runner_up"), f"{runner_up}  (p = {probs[runner_up]:.3f})")

st.subheader(ui.tr("temp.map"), divider="gray")
matrix = explore.dark_knowledge_map(teacher_logits, data.y_test, T)  # (10, 10)
m1, m2 = st.columns([1, 2.2], gap="large")
with m1:
    st.markdown(ui.tr("temp.map_explain"))
    hide = st.toggle(ui.tr("temp.hide_diag"), value=True, key="_map_hide_diag")
    pairs = explore.top_confusions(matrix, k=5)
    st.dataframe(pairs, hide_index=True, width="stretch",
                 column_config={"true": st.column_config.NumberColumn(ui.tr("temp.col_true")),
                                "looks like": st.column_config.NumberColumn(ui.tr("temp.col_like")),
                                "p": st.column_config.NumberColumn(ui.tr("temp.col_p"), format="%.4f")})
with m2:
    st.plotly_chart(plots.dark_knowledge_figure(matrix, T, hide_diagonal=hide, lang=ui.lang()), key="dark_map")

ui.end_page()
