"""The Lab's tabs on what the student learns from: fewer labels (the teacher's soft targets on every image, the
labels on a fraction), and a digit never seen (removed from the transfer set, recovered by a bias)."""

from __future__ import annotations

import streamlit as st

import ui
from kdviz import lab
from kdviz.lab import results as labres
from kdviz.lab import verdicts as vd
from kdviz.maths.stats import mean_std
from kdviz.train.loop import TrainConfig
from kdviz.viz import plots_lab as pl
from ui.lab.common import drawn, seeds_epochs_ui


def fewer_labels_tab(res, is_open: bool) -> None:
    left, right = st.columns([1, 2])
    with left:
        fractions = st.multiselect(ui.tr("lab.fractions"), [0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1.0],
                                   default=[0.01, 0.1, 1.0], format_func=lambda f: f"{f:.0%}", key="fewer.fractions")
        seeds, epochs = seeds_epochs_ui("fewer")
        run = st.button(ui.tr("common.run"), key="fewer.run", type="primary", disabled=not fractions)
    with right:
        st.markdown(ui.tr("lab.fewer_explain"))
    ran = ui.run_with_progress(ui.tr("lab.fewer_name"), lab.fewer_labels, res, sorted(fractions), seeds,
                               TrainConfig(epochs=epochs)) if run else None
    df = drawn("fewer", ran, run, is_open, "fewer_labels", labres.fewer_labels_frames, empty=ui.tr("lab.fewer_empty"))
    if df is None:
        return
    summary = vd.fewer_labels_summary(df)
    ui.cached_chart(pl.fewer_labels_figure, summary, teacher_acc=float(res.teacher_meta["test_acc"]), lang=ui.lang(), key="fewer.chart")
    for fields in vd.fewer_labels_lines(summary, df):
        st.write(ui.tr("lab.fewer_result", **fields))


def omit_tab(res, is_open: bool) -> None:
    left, right = st.columns([1, 2])
    with left:
        digit = st.selectbox(ui.tr("lab.omit_digit"), list(range(10)), index=3, key="omit.digit")
        seeds, epochs = seeds_epochs_ui("omit")
        T = st.select_slider(ui.tr("common.temperature"), [2.0, 4.0, 8.0, 16.0, 20.0], value=8.0, key="omit.T")
        run = st.button(ui.tr("common.run"), key="omit.run", type="primary")
    with right:
        st.markdown(ui.tr("lab.omit_explain"))
    ran = None
    if run:
        cfg = lab.OMIT_CONFIG.replace(epochs=epochs, T=T)
        out = ui.run_with_progress(ui.tr("lab.omit_name"), lab.omit_class, res, int(digit), seeds, cfg)
        ran = (int(digit), *out) if out is not None else None
    out = drawn("omit", ran, run, is_open, "omit_class", labres.omit_class_frames, empty=ui.tr("lab.omit_empty"))
    if out is None:
        return
    d, runs, per_class, curves = out
    bias = st.slider(ui.tr("lab.bias", digit=d), 0.0, float(lab.DEFAULT_BIASES[-1]), 0.0, 0.25, key="omit.bias")
    c1, c2 = st.columns(2)
    ui.cached_chart(pl.omit_per_class_figure, vd.omit_at_bias(per_class, bias), d, bias=bias, lang=ui.lang(), key="omit.per_class",
                    where=c1)
    ui.cached_chart(pl.bias_figure, mean_std(curves, "bias", ["omitted_acc", "acc"]), d, bias=bias, best_bias=vd.omit_best_bias(runs),
                    lang=ui.lang(), key="omit.curve", where=c2)
    st.write(ui.tr("lab.omit_result", **vd.omit_fields(d, runs, curves, bias)))
