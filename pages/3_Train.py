"""Train: a student distilled live from the teacher, beside a baseline from the same initialisation."""

import time

import pandas as pd
import streamlit as st

import ui
from kdviz import plots, runs as kruns
from kdviz.train import TrainConfig, train_student

res = ui.start_page("Train")
st.title("Train a student against the teacher")
if res is None:
    st.stop()

state = st.session_state
state.setdefault("runs", [])  # finished runs of this session, oldest first (kdviz.runs.Run)
MAX_RUNS = 30  # oldest dropped beyond this, so a long class stays within memory
SIZES = {"784-32-10": (32,), "784-64-10": (64,), "784-128-10": (128,), "784-256-10": (256,),
         "784-512-10": (512,), "784-256-128-10": (256, 128), "784-800-800-10 (Hinton's)": (800, 800)}
defaults = TrainConfig()

controls, view = st.columns([1, 2.4], gap="large")
with controls:
    size = st.selectbox("Student size", list(SIZES), index=2, key="_train_size", help="MLP layer widths, input to output.")
    c1, c2 = st.columns(2)
    epochs = c1.number_input("Epochs", 1, 100, defaults.epochs, key="_train_epochs")
    lr = c2.select_slider("Learning rate", [1e-4, 3e-4, 1e-3, 3e-3, 1e-2], value=defaults.lr, key="_train_lr",
                          format_func=lambda v: f"{v:g}")
    T = ui.T_slider()
    gamma = ui.gamma_slider()
    seed = st.number_input("Seed", 0, 2**31 - 1, key="seed", help="Seeds the initialisation and the batch order.")
    with_baseline = st.toggle("Also train the baseline (γ = 0, same initialisation)", value=True, key="_train_baseline")
    go = st.button("Train", type="primary", width="stretch")
    st.markdown(
        "The **distilled** student learns from γ·soft + (1 − γ)·hard at temperature T; the **baseline** starts "
        "from the very same weights and sees only the labels. Adam, batch 64, one CPU thread; the teacher's "
        "logits are computed once, so a distilled epoch costs about the same as a plain one."
    )

config = defaults.replace(hidden=SIZES[size], epochs=int(epochs), lr=float(lr), T=float(T), gamma=float(gamma), seed=int(seed))

with view:
    if go:
        live = {}
        chart, bar = st.empty(), st.progress(0.0)
        steps = config.epochs * (2 if with_baseline else 1)

        def follow(name: str, offset: int):
            def callback(row: dict) -> None:
                live.setdefault(name, []).append(row)
                bar.progress((offset + row["epoch"]) / steps, text=f"{name}: epoch {row['epoch']}/{config.epochs}, "
                                                                   f"test accuracy {100 * row['test_acc']:.1f} %")
                now = time.perf_counter()
                if now - live.get("_drawn", 0.0) > 0.5 or row["epoch"] == config.epochs:  # redraw at most twice a second
                    live["_drawn"] = now
                    chart.plotly_chart(plots.training_figure({k: pd.DataFrame(v) for k, v in live.items() if k != "_drawn"},
                                                             epochs=config.epochs), key=f"live_{name}_{row['epoch']}")
            return callback

        try:
            with st.status("Training…", expanded=False) as status:
                distilled = train_student(res.data, res.logits, config, callback=follow("distilled", 0))
                baseline = None
                if with_baseline:
                    baseline = train_student(res.data, res.logits, config.replace(gamma=0.0),
                                             callback=follow("baseline", config.epochs))
                run_id = (state["runs"][-1].run_id + 1) if state["runs"] else 1
                state["runs"] = (state["runs"] + [kruns.make_run(run_id, distilled, baseline)])[-MAX_RUNS:]
                status.update(label=f"Run {run_id} finished in {distilled.seconds + (baseline.seconds if baseline else 0):.1f} s "
                                    "of training", state="complete")
        except ValueError as err:  # a bad setting: one line, the history is untouched
            st.error(ui.one_line(err))
        bar.empty()
        chart.empty()

    if not state["runs"]:
        st.info("Choose the settings and press **Train**. A default run (30 epochs, both students) takes a few seconds.")
    else:
        run = state["runs"][-1]
        histories = {"distilled": run.history} | ({"baseline": run.baseline_history} if run.baseline_history is not None else {})
        st.markdown(f"#### Run {run.run_id}: {'-'.join(['784', *map(str, run.config.hidden), '10'])}, "
                    f"T = {run.config.T:g}, γ = {run.config.gamma:g}, seed {run.config.seed}")
        st.plotly_chart(plots.training_figure(histories, epochs=run.config.epochs), key="curves")
        table = kruns.results_table(run, res)
        st.dataframe(table, hide_index=True, width="stretch", column_config={
            "test_acc": st.column_config.NumberColumn("test accuracy", format="percent"),
            "agreement": st.column_config.NumberColumn("agrees with teacher", format="percent"),
            "size_kB": st.column_config.NumberColumn("size (kB)", format="%.0f"),
            "seconds": st.column_config.NumberColumn("training (s)", format="%.2f")})

if state["runs"]:
    run = state["runs"][-1]
    left, right = st.columns(2, gap="large")
    left.plotly_chart(plots.confusion_figure(kruns.student_confusion(run, res), "Distilled student: confusion (test)"),
                      key="confusion")
    right.plotly_chart(plots.per_class_figure(kruns.per_class(run, res)), key="per_class")
    dis = kruns.disagreements(run, res, k=12)
    st.markdown(f"#### Where the student and the teacher disagree ({int(round((1 - run.agreement) * 1000))} "
                "of 1,000 test digits; the student's most confident first)")
    if len(dis):
        st.image([255 - res.data.images_test[i] for i in dis["index"]], width=100,  # ink dark on paper
                 caption=[f"label {y} · teacher {t} · student {s} ({100 * p:.0f} %)"
                          for i, y, t, s, p in dis.itertuples(index=False)])

    st.subheader("Run history", divider="gray")
    hist = kruns.history_table(state["runs"])
    st.dataframe(hist, hide_index=True, width="stretch", column_config={
        c: st.column_config.NumberColumn(c, format="percent") for c in ("distilled_acc", "baseline_acc", "gain", "agreement")})
    h1, h2 = st.columns([2, 1], gap="large")
    h1.plotly_chart(plots.runs_figure(hist), key="runs")
    with h2:
        st.download_button("Download the history (CSV)", hist.to_csv(index=False).encode(), "kdviz-runs.csv", "text/csv",
                           width="stretch")
        pick = st.selectbox("Weights of run", [r.run_id for r in state["runs"]][::-1], key="_weights_run")
        chosen = next(r for r in state["runs"] if r.run_id == pick)
        st.download_button(f"Download run {pick}'s student (safetensors)", chosen.weights,
                           f"kdviz-student-run{pick}.safetensors", "application/octet-stream", width="stretch")
        if st.button("Clear the history", width="stretch"):
            state["runs"] = []
            st.rerun()

ui.end_page()
