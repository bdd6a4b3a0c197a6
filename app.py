"""kdviz home page: what distillation is, the teacher and the student side by side, and the way to the pages."""

from pathlib import Path

import pandas as pd
import streamlit as st

import ui
from kdviz.train import models
from kdviz.train.loop import TrainConfig

res = ui.start_page("home.page_title")  # its text and numbers are the digits' (another data set is said in one line)
st.title(ui.tr("home.title"))
ui.demo_step("home")

intro, formula = st.columns([1.2, 1], gap="large")
with intro:
    st.markdown(ui.tr("home.intro"))
    st.markdown(ui.tr("home.setup"))
with formula:
    total, soft, hard = (r"\text{%s}" % ui.tr(k) for k in ("losses.total", "losses.soft", "losses.hard"))  # catalog terms; total on 2 rows (zh is wider)
    st.latex(rf"\begin{{array}}{{rl}}{total} &{{}}= \gamma\cdot{soft}\\ &\quad{{}} + (1-\gamma)\cdot{hard}\\"  # array: KaTeX's
             rf"{soft} &{{}}= T^2\,\mathrm{{KL}}\big(\sigma(z_t/T)\,\|\,\sigma(z_s/T)\big)\\"  # "aligned" overflows its box by 2 px
             rf"{hard} &{{}}= \mathrm{{CE}}\big(\sigma(z_s),\,y\big)\end{{array}}")
    st.markdown(ui.tr("home.gamma_note"))

if res is None:
    st.stop()

st.subheader(ui.tr("home.models"), divider="gray")
student = models.StudentMLP(TrainConfig().hidden)
t_col, s_col = st.columns(2, gap="large")
t_col.markdown("#### " + ui.tr("home.teacher"))
t_col.code(models.describe(res.teacher), language=None)
s_col.markdown("#### " + ui.tr("home.student"))
s_col.code(models.describe(student), language=None)
ratio = models.count_params(res.teacher) / models.count_params(student)
facts = pd.DataFrame({  # a table, not metrics: it wraps instead of cutting numbers off on a narrow screen
    ui.tr("home.model"): [ui.tr("home.teacher_short"), ui.tr("home.student_short")],
    ui.tr("home.params"): [f"{models.count_params(res.teacher):,}", f"{models.count_params(student):,} ({ui.tr('home.fewer', ratio=ratio)})"],
    ui.tr("home.size"): [f"{models.size_bytes(res.teacher) / 1e6:.2f} MB", f"{models.size_bytes(student) / 1e6:.2f} MB"],
    ui.tr("home.test_acc"): [f"{100 * res.teacher_meta['test_acc']:.1f} %", ui.tr("home.train_it_help")],
})
st.table(facts.set_index(ui.tr("home.model")))

st.subheader(ui.tr("home.explore"), divider="gray")
cards = [(script, label, card) for script, _, label, card, _ in ui.PAGES if card and (Path(__file__).parent / script).exists()]
columns = st.columns(3) + st.columns(3)  # two rows of three: each page's name fits its card
for col, (page, label, what) in zip(columns, cards):
    with col.container(border=True):
        st.page_link(page, label=f"**{ui.tr(label)}**")
        st.caption(ui.tr(what))

ui.end_page()
