"""Train: a student distilled live from the teacher, beside a baseline from the same initialisation."""

import time

import pandas as pd
import streamlit as st

import ui
from kdviz import plots, runs as kruns
from kdviz.train import TrainConfig, train_student

res = ui.start_page("nav.train")
st.title(ui.tr("train.title"))
if res is None:
    st.stop()

state = st.session_state
state.setdefault("runs", [])  # finished runs of this session, oldest first (kdviz.runs.Run)
MAX_RUNS = 30  # oldest dropped beyond this, so a long class stays within memory
SIZES = {"784-32-10": (32,), "784-64-10": (64,), "784-128-10": (128,), "784-256-10": (256,),
         "784-512-10": (512,), "784-256-128-10": (256, 128), "784-800-800-10": (800, 800)}
HINTON = "784-800-800-10"  # the size of Hinton et al. (2015)
defaults = TrainConfig()

controls, view = st.columns([1, 2.4], gap="large")
with controls:
    size = st.selectbox(ui.tr("train.size"), list(SIZES), index=2, key="_train_size", help=ui.tr("train.size_help"),
                        format_func=lambda s: ui.tr("train.size_hinton", size=s) if s == HINTON else s)
    c1, c2 = st.columns(2)
    epochs = c1.number_input(ui.tr("common.epochs"), 1, 100, defaults.epochs, key="_train_epochs")
    lr = c2.select_slider(ui.tr("train.lr"), [1e-4, 3e-4, 1e-3, 3e-3, 1e-2], value=defaults.lr, key="_train_lr",
                          format_func=lambda v: f"{v:g}")
    T = ui.T_slider()
    gamma = ui.gamma_slider()
    seed = st.number_input(ui.tr("train.seed"), 0, 2**31 - 1, key="seed", help=ui.tr("train.seed_help"))
    with_baseline = st.toggle(ui.tr("train.with_baseline"), value=True, key="_train_baseline")
    go = st.button(ui.tr("train.button"), type="primary", width="stretch")
    st.markdown(ui.tr("train.explain"))

config = defaults.replace(hidden=SIZES[size], epochs=int(epochs), lr=float(lr), T=float(T), gamma=float(gamma), seed=int(seed))

with view:
    if go:
        live = {}
        chart, bar = st.empty(), st.progress(0.0)
        steps = config.epochs * (2 if with_baseline else 1)
        shown = {"distilled": ui.tr("train.distilled"), "baseline": ui.tr("train.baseline")}

        def follow(name: str, offset: int):
            def callback(row: dict) -> None:
                live.setdefault(name, []).append(row)
                bar.progress((offset + row["epoch"]) / steps, text=ui.tr("train.progress", name=shown[name], epoch=row["epoch"],
                                                                         epochs=config.epochs, acc=100 * row["test_acc"]))
                now = time.perf_counter()
                if now - live.get("_drawn", 0.0) > 0.5 or row["epoch"] == config.epochs:  # redraw at most twice a second
                    live["_drawn"] = now
                    chart.plotly_chart(plots.training_figure({k: pd.DataFrame(v) for k, v in live.items() if k != "_drawn"},
                                                             epochs=config.epochs, lang=ui.lang()),
                                       key=f"live_{name}_{row['epoch']}")
            return callback

        try:
            with st.status(ui.tr("train.training"), expanded=False) as status:
                distilled = train_student(res.data, res.logits, config, callback=follow("distilled", 0))
                baseline = None
                if with_baseline:
                    baseline = train_student(res.data, res.logits, config.replace(gamma=0.0),
                                             callback=follow("baseline", config.epochs))
                run_id = (state["runs"][-1].run_id + 1) if state["runs"] else 1
                state["runs"] = (state["runs"] + [kruns.make_run(run_id, distilled, baseline)])[-MAX_RUNS:]
                status.update(label=ui.tr("train.finished", run=run_id,
                                          seconds=distilled.seconds + (baseline.seconds if baseline else 0)), state="complete")
        except ValueError as err:  # a bad setting: one line, the history is untouched
            st.error(ui.one_line(err))
        bar.empty()
        chart.empty()

    if not state["runs"]:
        st.info(ui.tr("train.empty"))
    else:
        run = state["runs"][-1]
        histories = {"distilled": run.history} | ({"baseline": run.baseline_history} if run.baseline_history is not None else {})
        st.markdown("#### " + ui.tr("train.run_header", run=run.run_id, arch="-".join(["784", *map(str, run.config.hidden), "10"]),
                                    T=run.config.T, gamma=run.config.gamma, seed=run.config.seed))
        st.plotly_chart(plots.training_figure(histories, epochs=run.config.epochs, lang=ui.lang()), key="curves")
        table = kruns.results_table(run, res)
        model_names = {"teacher": "train.model_teacher", "distilled": "train.model_distilled",
                       "baseline": "train.model_baseline"}  # kdviz.runs.MODELS → message key
        table["model"] = [ui.tr(model_names[m]) for m in table["model"]]
        st.dataframe(table, hide_index=True, width="stretch", column_config={
            "model": st.column_config.TextColumn(ui.tr("train.col_model")),
            "test_acc": st.column_config.NumberColumn(ui.tr("train.col_test_acc"), format="percent"),
            "agreement": st.column_config.NumberColumn(ui.tr("train.col_agreement"), format="percent"),
            "params": st.column_config.NumberColumn(ui.tr("train.col_params")),
            "size_kB": st.column_config.NumberColumn(ui.tr("train.col_size"), format="%.0f"),
            "seconds": st.column_config.NumberColumn(ui.tr("train.col_seconds"), format="%.2f")})

if state["runs"]:
    run = state["runs"][-1]
    left, right = st.columns(2, gap="large")
    left.plotly_chart(plots.confusion_figure(kruns.student_confusion(run, res), ui.tr("train.confusion"), lang=ui.lang()),
                      key="confusion")
    right.plotly_chart(plots.per_class_figure(kruns.per_class(run, res), lang=ui.lang()), key="per_class")
    dis = kruns.disagreements(run, res, k=12)
    st.markdown("#### " + ui.tr("train.disagree", n=int(round((1 - run.agreement) * 1000))))
    if len(dis):
        st.image([255 - res.data.images_test[i] for i in dis["index"]], width=100,  # ink dark on paper
                 caption=[ui.tr("train.disagree_caption", label=y, teacher=t, student=s, p=100 * p)
                          for i, y, t, s, p in dis.itertuples(index=False)])

    st.subheader(ui.tr("train.history"), divider="gray")
    hist = kruns.history_table(state["runs"])
    percent = ("distilled_acc", "baseline_acc", "gain", "agreement")
    labels = {"run": ui.tr("train.h_run"), "hidden": ui.tr("train.h_hidden"), "epochs": ui.tr("train.h_epochs"),
              "lr": ui.tr("train.h_lr"), "gamma": ui.tr("train.h_gamma"), "seed": ui.tr("train.h_seed"),
              "distilled_acc": ui.tr("train.h_distilled_acc"), "baseline_acc": ui.tr("train.h_baseline_acc"),
              "gain": ui.tr("train.h_gain"), "agreement": ui.tr("train.h_agreement"), "params": ui.tr("train.h_params"),
              "seconds": ui.tr("train.h_seconds")}  # column of kdviz.runs.history_table → label shown
    st.dataframe(hist, hide_index=True, width="stretch", column_config={
        c: st.column_config.NumberColumn(label, format="percent") if c in percent else st.column_config.Column(label)
        for c, label in labels.items()})
    h1, h2 = st.columns([2, 1], gap="large")
    h1.plotly_chart(plots.runs_figure(hist, lang=ui.lang()), key="runs")
    with h2:
        st.download_button(ui.tr("train.download_history"), hist.to_csv(index=False).encode(), "kdviz-runs.csv", "text/csv",
                           width="stretch")
        pick = st.selectbox(ui.tr("train.weights_of"), [r.run_id for r in state["runs"]][::-1], key="_weights_run")
        chosen = next(r for r in state["runs"] if r.run_id == pick)
        st.download_button(ui.tr("train.download_weights", run=pick), chosen.weights,
                           f"kdviz-student-run{pick}.safetensors", "application/octet-stream", width="stretch")
        if st.button(ui.tr("train.clear"), width="stretch"):
            state["runs"] = []
            st.rerun()

ui.end_page()
