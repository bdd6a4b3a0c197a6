"""The Lab's tabs on who teaches: the student's own architecture (born-again generations, a snapshot of itself), two
teachers of five digits each merged into one student, and teachers of every size for students of every size (the
capacity gap, and a teacher assistant between them)."""

from __future__ import annotations

import streamlit as st

import ui
from kdviz import lab
from kdviz.lab import capacity as lab_capacity
from kdviz.lab import results as labres
from kdviz.lab import verdicts as vd
from kdviz.maths.stats import mean_std
from kdviz.train.loop import TrainConfig
from kdviz.viz import plots_depth as pdp
from kdviz.viz import plots_lab as pl
from ui.lab.common import QUICK, drawn, seeds_epochs_ui


def self_distill_tab(res, is_open: bool) -> None:
    left, right = st.columns([1, 2])
    with left:
        seeds, epochs = seeds_epochs_ui("self")
        generations = st.number_input(ui.tr("lab.generations"), 1, 5, QUICK["self"]["generations"], key="self.generations")
        if epochs >= 3:
            if st.session_state.get("self.switch", 1) > epochs - 1:  # a kept switch past fewer epochs: the new default
                st.session_state["self.switch"] = vd.default_switch(epochs)
            switch = st.slider(ui.tr("lab.switch"), 1, epochs - 1, vd.default_switch(epochs), key="self.switch")
        else:
            switch = 1
            st.caption(ui.tr("lab.switch_fixed"))
        T = st.select_slider(ui.tr("common.temperature"), [1.0, 2.0, 4.0, 8.0], value=4.0, key="self.T")
        run = st.button(ui.tr("common.run"), key="self.run", type="primary", disabled=epochs < 2)
    with right:
        st.markdown(ui.tr("lab.self_explain"))
    ran = None
    if run:
        cfg = TrainConfig(epochs=epochs, T=T)
        ba = ui.run_with_progress(ui.tr("lab.born_again"), lab.born_again, res, int(generations), seeds, cfg)
        sn = None if ba is None else ui.run_with_progress(ui.tr("lab.snapshot"), lab.snapshot_self_distill, res, int(switch), seeds, cfg)
        ran = (ba, sn, int(switch), epochs) if sn is not None else None
    out = drawn("self", ran, run, is_open, "self_distill", labres.self_distill_frames, empty=ui.tr("common.press_run"))
    if out is None:
        return
    ba, sn, switch, epochs = out
    c1, c2 = st.columns(2)
    ui.cached_chart(pl.born_again_figure, mean_std(ba, "generation", "test_acc"), lang=ui.lang(), key="self.ba", where=c1)
    ui.cached_chart(pl.snapshot_figure, mean_std(sn, ["arm", "epoch"], "test_acc"), switch, lang=ui.lang(), key="self.sn", where=c2)
    st.write(ui.tr("lab.self_result", **vd.self_distill_fields(ba, sn, epochs)))


def merge_tab(res, is_open: bool) -> None:
    left, right = st.columns([1, 2])
    with left:
        seeds, epochs = seeds_epochs_ui("merge")
        T = st.select_slider(ui.tr("common.temperature"), [1.0, 2.0, 4.0, 8.0], value=4.0, key="merge.T")
        run = st.button(ui.tr("common.run"), key="merge.run", type="primary")
    with right:
        st.markdown(ui.tr("lab.merge_explain"))
    ran = ui.run_with_progress(ui.tr("lab.two_teachers"), lab.merge_teachers, res, seeds,
                               TrainConfig(epochs=epochs, T=T, gamma=1.0)) if run else None
    out = drawn("merge", ran, run, is_open, "merge", labres.merge_frames, empty=ui.tr("common.press_run"))
    if out is None:
        return
    per_class, s = out
    for column, (label, value) in zip(st.columns(4), vd.merge_metrics(s)):
        column.metric(ui.tr(label), value)
    ui.cached_chart(pl.merge_figure, mean_std(per_class, ["model", "digit"], "acc"), lang=ui.lang(), key="merge.chart")
    st.caption(ui.tr("lab.merge_caption", acc=100 * s["concat_teacher_acc"], seeds=s["seeds"]))


def capacity_tab(res, is_open: bool) -> None:
    left, right = st.columns([1, 2])
    with left:
        seeds, epochs = seeds_epochs_ui("capacity")
        students = st.multiselect(ui.tr("lab.capacity_students"), list(lab_capacity.STUDENTS),
                                  default=list(lab_capacity.QUICK["students"]), key="capacity.students",
                                  format_func=lambda h: f"784-{h}-10")
        run = st.button(ui.tr("common.run"), key="capacity.run", type="primary", disabled=not students)
    with right:
        st.markdown(ui.tr("lab.capacity_explain"))
    ran = None
    if run:
        out = ui.run_with_progress(ui.tr("lab.tab_capacity"), lab_capacity.capacity_gap, res, seeds=seeds, epochs=epochs,
                                   students=students, assistants=vd.assistants_for(students, lab_capacity.ASSISTANTS))
        ran = lab_capacity.capacity_json(*out) if out is not None else None
    out = drawn("capacity", ran, run, is_open, "capacity", lambda result: result, empty=ui.tr("lab.capacity_empty"))
    if out is None:
        return
    pairs, chains = lab_capacity.capacity_frames(out)
    ui.cached_chart(pdp.capacity_heatmap, pairs, lang=ui.lang(), key="capacity.heatmap")
    h = lab_capacity.capacity_headline(out)

    def name(key: str) -> str:
        return pdp.teacher_label(key, out["teachers"][key]["test_acc"], lang=ui.lang())

    if h["n_seeds"] < 2:
        st.info(ui.tr("lab.capacity_one_seed"))
    else:
        for said in (vd.capacity_gap(h, out["epochs"], name), vd.capacity_shrinks(h, name), vd.capacity_early(h, name)):
            if said is not None:
                st.write(ui.tr(said[0], **said[1]))
    if len(chains):
        ui.cached_chart(pdp.assistant_figure, chains, lang=ui.lang(), key="capacity.assistant")
        said = vd.capacity_assistant(h)
        if said is not None:
            st.write(ui.tr(said[0], **said[1]))
