"""kdviz home page: what distillation is, and the teacher and student side by side."""

import streamlit as st

st.set_page_config(page_title="kdviz: knowledge distillation explorer", page_icon="🔥", layout="wide")
st.title("kdviz: knowledge distillation explorer")
st.latex(r"\text{total} = \gamma\cdot\text{soft} + (1-\gamma)\cdot\text{hard}")
st.write("γ weights the **soft** loss (matching the teacher's softened outputs); 1 − γ weights the hard loss (the true labels).")
