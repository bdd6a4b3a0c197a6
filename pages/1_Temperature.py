"""Temperature: how T softens the teacher's softmax, and the dark knowledge it exposes."""

import numpy as np
import streamlit as st

import ui
from kdviz import explore, plots

res = ui.start_page("Temperature")
st.title("Temperature: softening the teacher")
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
    st.markdown(
        "At **T = 1** almost all the mass sits on one digit. Raise T and the small probabilities grow: "
        "they say which *wrong* digits this image resembles. Hinton et al. call that **dark knowledge**; "
        "the student learns from it at the same T."
    )
    st.subheader("The digit", divider="gray")
    c1, c2 = st.columns(2)
    c1.selectbox("Class", range(10), key="_digit_class", on_change=on_class_change)
    c2.number_input("Test digit #", 0, len(data.y_test) - 1, key="digit", help="Index into the 1,000 test digits.")
    b1, b2 = st.columns(2)
    b1.button("Same class", icon=":material/casino:", on_click=pick, args=(state["_digit_class"],), width="stretch")
    b2.button("Any digit", icon=":material/casino:", on_click=pick, args=(None,), width="stretch")
    idx = int(state["digit"])
    label, z = int(data.y_test[idx]), teacher_logits[idx]  # z: (10,)
    st.plotly_chart(plots.digit_figure(data.images_test[idx], f"test digit #{idx}, label {label}"),
                    key="digit_image", config={"displayModeBar": False})
    st.markdown(
        "**What to look at.** Move T from 1 to 8: the grey bars (T = 1) stay put, the red ones spread out. "
        "The entropy curve climbs toward log₂10 = 3.32 bits (all digits equal). In the map below, "
        "the off-diagonal cells that light up first are the digits the teacher finds alike."
    )

with view:
    top_left, top_right = st.columns(2)
    top_left.plotly_chart(plots.logits_figure(z, f"Teacher logits z for digit #{idx}"), key="logits")
    log_y = top_right.toggle("Log scale", key="_softmax_log", help="Shows the tiny probabilities at T = 1 too.")
    top_right.plotly_chart(plots.softmax_figure(z, T, log_y=log_y), key="softmax")
    curve = explore.entropy_curve(z)
    current = float(explore.entropy_curve(z, [T])["entropy_bits"].iloc[0])
    e1, e2 = st.columns([2, 1])
    e1.plotly_chart(plots.entropy_figure(curve, T, current=current), key="entropy")
    probs = explore.soften_row(z, T)
    runner_up = int(np.argsort(probs)[-2])
    at_1 = float(explore.entropy_curve(z, [1.0])["entropy_bits"].iloc[0])
    e2.metric("Entropy at this T", f"{current:.2f} bits", f"{current - at_1:+.2f} bits vs T = 1", delta_color="off")
    e2.metric("Top probability", f"{probs.max():.3f}")
    e2.metric("Runner-up digit", f"{runner_up}  (p = {probs[runner_up]:.3f})")

st.subheader("Dark knowledge map", divider="gray")
matrix = explore.dark_knowledge_map(teacher_logits, data.y_test, T)  # (10, 10)
m1, m2 = st.columns([1, 2.2], gap="large")
with m1:
    st.markdown(
        "Each row is a true digit; each cell the teacher's **mean probability** for a column digit over the "
        "100 test images of that row, at the chosen T. The diagonal (the right answer) is hidden by default "
        "so the colour scale shows the rest. Raise T and pairs like **4–9**, **3–5**, **7–9** and **3–8** "
        "stand out: the similarity structure a student inherits from soft targets, and never from one-hot labels."
    )
    hide = st.toggle("Hide the diagonal", value=True, key="_map_hide_diag")
    pairs = explore.top_confusions(matrix, k=5)
    st.dataframe(pairs, hide_index=True, width="stretch",
                 column_config={"p": st.column_config.NumberColumn("mean p", format="%.4f")})
with m2:
    st.plotly_chart(plots.dark_knowledge_figure(matrix, T, hide_diagonal=hide), key="dark_map")

ui.end_page()
