"""kdviz home page: what distillation is, the teacher and the student side by side, and the way to the pages."""

from pathlib import Path

import streamlit as st

import ui
from kdviz import models
from kdviz.train import TrainConfig

res = ui.start_page("knowledge distillation explorer")
st.title("kdviz: knowledge distillation, live")

intro, formula = st.columns([1.3, 1], gap="large")
with intro:
    st.markdown(
        "A big **teacher** network is accurate but costly. **Knowledge distillation** trains a small **student** "
        "to copy it. The teacher's softmax at a *temperature* T > 1 gives **soft targets**, which say not only "
        "*this is a 4* but also *it looks a bit like a 9*. The student's softmax at the same T is matched to them "
        "(the **soft** loss); its ordinary prediction is matched to the true label (the **hard** loss)."
    )
    st.markdown(
        "Here the teacher is a small CNN and the student an MLP, both on 5,000 real MNIST digits "
        "(4,000 to train, 1,000 to test). Everything you see is computed live on this machine."
    )
with formula:
    st.latex(r"\text{total} = \gamma\cdot\underbrace{T^2\,\mathrm{KL}\big(\sigma(z_t/T)\,\|\,\sigma(z_s/T)\big)}_{\text{soft}}"
             r" + (1-\gamma)\cdot\underbrace{\mathrm{CE}\big(\sigma(z_s),\,y\big)}_{\text{hard}}")
    st.markdown("**γ weights the soft loss**: γ = 0 is ordinary training on labels, γ = 1 learns from the teacher alone. "
                "σ is the softmax, z_t and z_s the teacher's and the student's logits, y the label.")

if res is None:
    st.stop()

st.subheader("Teacher and student", divider="gray")
student = models.StudentMLP(TrainConfig().hidden)
t_col, s_col = st.columns(2, gap="large")
with t_col:
    st.markdown("#### Teacher: a CNN (shipped pretrained)")
    st.code(models.describe(res.teacher), language=None)
    a, b, c = st.columns(3)
    a.metric("Parameters", f"{models.count_params(res.teacher):,}")
    b.metric("Size", f"{models.size_bytes(res.teacher) / 1e6:.2f} MB")
    c.metric("Test accuracy", f"{100 * res.teacher_meta['test_acc']:.1f} %")
with s_col:
    st.markdown("#### Student: an MLP (trained here, in seconds)")
    st.code(models.describe(student), language=None)
    a, b, c = st.columns(3)
    ratio = models.count_params(res.teacher) / models.count_params(student)
    a.metric("Parameters", f"{models.count_params(student):,}", f"{ratio:.1f}× fewer", delta_color="off")
    b.metric("Size", f"{models.size_bytes(student) / 1e6:.2f} MB")
    c.metric("Test accuracy", "train it →", help="Train one on the Train page: about 95 % distilled, 94 % without the teacher.")

st.subheader("Explore", divider="gray")
PAGES = [
    ("pages/1_Temperature.py", "Temperature", "How T softens the teacher's softmax, and the dark-knowledge map."),
    ("pages/2_Losses.py", "Losses", "Soft, hard and total loss over T and γ, and why the T² factor."),
    ("pages/3_Train.py", "Train", "Train a student live against the teacher and a baseline; keep every run."),
    ("pages/4_Lab.py", "Lab", "Fewer labels, self-distillation, two teachers, a digit never seen, sweeps."),
    ("pages/5_Compression.py", "Compression", "Pruning, int8, low rank, compact filters and distillation side by side."),
    ("pages/6_Your_digit.py", "Your digit", "Draw or upload a digit; see what the teacher and a student make of it."),
]
PAGES = [p for p in PAGES if (Path(__file__).parent / p[0]).exists()]
for col, (page, label, what) in zip(st.columns(len(PAGES)), PAGES):
    with col.container(border=True):
        st.page_link(page, label=f"**{label}**")
        st.caption(what)

ui.end_page()
