"""Distillation lab: fewer labels, self-distillation, two teachers into one, a digit never seen, T × γ sweep.

Read widgets → call kdviz.lab / kdviz.sweep → show. Nothing trains on open: each tab has
a Run button (quick defaults) and keeps its last result in the session; the sweep tab
opens a finished sweep from the disk cache.
"""

import streamlit as st

import ui
from kdviz import lab
from kdviz import plots_lab as pl
from kdviz import sweep as sw
from kdviz.train import TrainConfig

res = ui.start_page("distillation lab")

QUICK = {  # quick defaults of the interactive tabs: seconds, not minutes, on one core
    "fewer": dict(seeds=2, epochs=10),
    "self": dict(seeds=2, epochs=10, generations=2),
    "merge": dict(seeds=2, epochs=10),
    "omit": dict(seeds=3, epochs=30),
}
for key in ("fewer", "self", "merge", "omit", "sweep"):
    if f"lab.{key}" not in st.session_state:
        st.session_state[f"lab.{key}"] = None


one_line = ui.one_line


def run_with_progress(label: str, fn, *args, **kwargs):
    """Call ``fn(..., progress=...)`` under a progress bar; on failure show one st.error line and return None."""
    bar = st.progress(0.0, text=label)
    try:
        out = fn(*args, progress=lambda f, msg: bar.progress(f, text=f"{label}: {msg}"), **kwargs)
    except Exception as err:  # one line, never a traceback
        bar.empty()
        st.error(f"{label} failed: {one_line(err)}")
        return None
    bar.empty()
    return out


def seeds_epochs_ui(key: str, *, max_epochs: int = 60) -> tuple[list[int], int]:
    c1, c2 = st.columns(2)
    n = c1.number_input("Seeds", 1, 10, QUICK[key]["seeds"], key=f"{key}.seeds", help="Runs with seeds 0, 1, …; figures are mean ± std over them.")
    epochs = c2.number_input("Epochs", 1, max_epochs, QUICK[key]["epochs"], key=f"{key}.epochs")
    return list(range(int(n))), int(epochs)


def pm(mean: float, std: float) -> str:
    """``95.2 ± 0.4 %`` (no ± with one seed)."""
    return f"{100 * mean:.1f} %" if std != std else f"{100 * mean:.1f} ± {100 * std:.1f} %"


# ---------------------------------------------------------------- tab 1


def fewer_labels_tab(res) -> None:
    left, right = st.columns([1, 2])
    with left:
        fractions = st.multiselect("Labels kept (fraction of the train digits)", [0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1.0],
                                   default=[0.01, 0.1, 1.0], format_func=lambda f: f"{f:.0%}", key="fewer.fractions")
        seeds, epochs = seeds_epochs_ui("fewer")
        run = st.button("Run", key="fewer.run", type="primary", disabled=not fractions)
    with right:
        st.markdown(
            "**Semi-supervised distillation** (the source note's second kind, and its fourth use: *fewer labels*). Only a stratified, "
            "seeded fraction of the 4,000 train digits keep their label.\n\n"
            "* **distilled** student: hard loss on the labelled digits, the teacher's soft targets (T = 4, γ = 0.9) on *every* image;\n"
            "* **labels only**: γ = 0 on the labelled digits alone, with as many optimiser steps as the distilled student.\n\n"
            "The teacher (trained on all labels) stands in for a model trained elsewhere; the unlabelled images cost nothing to label."
        )
    if run:
        cfg = TrainConfig(epochs=epochs)
        df = run_with_progress("Fewer labels", lab.fewer_labels, res, sorted(fractions), seeds, cfg)
        if df is not None:
            st.session_state["lab.fewer"] = df
    df = st.session_state["lab.fewer"]
    if df is None:
        st.info("Press **Run** (≈ 1 s per run and seed at 10 epochs).")
        return
    summary = lab.mean_std(df, "fraction", ["distilled_acc", "baseline_acc"])
    st.plotly_chart(pl.fewer_labels_figure(summary, teacher_acc=float(res.teacher_meta["test_acc"])), key="fewer.chart")
    for r in summary.itertuples():
        st.write(f"{r.fraction:.0%} labels: distilled **{pm(r.distilled_acc_mean, r.distilled_acc_std)}**, "
                 f"labels only **{pm(r.baseline_acc_mean, r.baseline_acc_std)}** (seeds {sorted(df['seed'].unique().tolist())})")


# ---------------------------------------------------------------- tab 2


def self_distill_tab(res) -> None:
    left, right = st.columns([1, 2])
    with left:
        seeds, epochs = seeds_epochs_ui("self")
        generations = st.number_input("Born-again generations", 1, 5, QUICK["self"]["generations"], key="self.generations")
        if epochs >= 3:
            switch = st.slider("Snapshot after epoch", 1, epochs - 1, max(1, (2 * epochs) // 3), key="self.switch")
        else:
            switch = 1
            st.caption("The snapshot is taken after epoch 1 (2 epochs or more needed).")
        T = st.select_slider("Temperature T", [1.0, 2.0, 4.0, 8.0], value=4.0, key="self.T")
        run = st.button("Run", key="self.run", type="primary", disabled=epochs < 2)
    with right:
        st.markdown(
            "**Self-distillation** (the source note's third kind): no separate, bigger teacher.\n\n"
            "* **Born-again**: generation 0 learns from the labels; generation k, a fresh student of the *same* "
            "architecture, learns from the labels and generation k − 1's soft targets (γ = 0.9).\n"
            "* **Snapshot** (the source note's variant): train on the labels, take a frozen copy after some epoch, "
            "and let it supervise the last epochs. The control continues on the labels alone from the same weights."
        )
    if run:
        cfg = TrainConfig(epochs=epochs, T=T)
        ba = run_with_progress("Born-again", lab.born_again, res, int(generations), seeds, cfg)
        sn = run_with_progress("Snapshot", lab.snapshot_self_distill, res, int(switch), seeds, cfg) if ba is not None else None
        if sn is not None:
            st.session_state["lab.self"] = (ba, sn, int(switch), epochs)
    if st.session_state["lab.self"] is None:
        st.info("Press **Run**.")
        return
    ba, sn, switch, epochs = st.session_state["lab.self"]
    c1, c2 = st.columns(2)
    c1.plotly_chart(pl.born_again_figure(lab.mean_std(ba, "generation", "test_acc")), key="self.ba")
    c2.plotly_chart(pl.snapshot_figure(lab.mean_std(sn, ["arm", "epoch"], "test_acc"), switch), key="self.sn")
    last = lab.mean_std(sn[sn["epoch"] == epochs], "arm", "test_acc").set_index("arm")
    st.write(f"At epoch {epochs}: labels only **{pm(last.loc['labels only', 'test_acc_mean'], last.loc['labels only', 'test_acc_std'])}**, "
             f"self-distilled **{pm(last.loc['self-distilled', 'test_acc_mean'], last.loc['self-distilled', 'test_acc_std'])}** "
             f"(seeds {sorted(ba['seed'].unique().tolist())})")


# ---------------------------------------------------------------- tab 3


def merge_tab(res) -> None:
    left, right = st.columns([1, 2])
    with left:
        seeds, epochs = seeds_epochs_ui("merge")
        T = st.select_slider("Temperature T", [1.0, 2.0, 4.0, 8.0], value=4.0, key="merge.T")
        run = st.button("Run", key="merge.run", type="primary")
    with right:
        st.markdown(
            "**Two teachers, one student** (the source note's third use, *domain transfer* between label sets). Teacher A (the CNN) is trained "
            "only on digits 0–4, teacher B only on 5–9. One 10-class MLP learns from both **without any label**, by a "
            "written-down rule: its target logits are A's five logits for 0–4 next to B's five for 5–9 (soft loss only, γ = 1). "
            "The reference is the same MLP trained on all labels.\n\n"
            "⚠️ **Hinton et al. (2015) did not demonstrate this**, and the source note gives no results: what you see is what "
            "this rule measures here. The first run trains the two teachers (≈ 15 s) and caches them on disk."
        )
    if run:
        out = run_with_progress("Two teachers", lab.merge_teachers, res, seeds, TrainConfig(epochs=epochs, T=T, gamma=1.0))
        if out is not None:
            st.session_state["lab.merge"] = out
    if st.session_state["lab.merge"] is None:
        st.info("Press **Run**.")
        return
    per_class, s = st.session_state["lab.merge"]
    c = st.columns(4)
    c[0].metric("Teacher A on test 0–4", f"{100 * s['teacher_a_acc']:.1f} %")
    c[1].metric("Teacher B on test 5–9", f"{100 * s['teacher_b_acc']:.1f} %")
    c[2].metric("Merged student (no labels)", pm(s["merged_student_acc"], s["merged_student_std"]))
    c[3].metric("Joint student (all labels)", pm(s["joint_student_acc"], s["joint_student_std"]))
    st.plotly_chart(pl.merge_figure(lab.mean_std(per_class, ["model", "digit"], "acc")), key="merge.chart")
    st.caption(f"Teachers concatenated, all test digits: {100 * s['concat_teacher_acc']:.1f} %. Student seeds {s['seeds']}; teachers seed 0.")


# ---------------------------------------------------------------- tab 4


def omit_tab(res) -> None:
    left, right = st.columns([1, 2])
    with left:
        digit = st.selectbox("Digit never seen", list(range(10)), index=3, key="omit.digit")
        seeds, epochs = seeds_epochs_ui("omit")
        T = st.select_slider("Temperature T", [2.0, 4.0, 8.0, 16.0, 20.0], value=8.0, key="omit.T")
        run = st.button("Run", key="omit.run", type="primary")
    with right:
        st.markdown(
            "**A digit never seen** (Hinton et al. 2015, §3). Every example of one digit is removed from the transfer set; "
            "the student learns from the teacher's soft targets alone (γ = 1) at a high T. The teacher's small probabilities "
            "for that digit on *other* images still carry something about it.\n\n"
            "Its logit comes out too low, so a **bias** is added to it. The bias is chosen on a held-out part of the **train** "
            "split (all its train examples and 10 % of every other digit, none of them in the transfer set), by balanced accuracy; "
            "the test set only reports. Hinton et al., full MNIST without 3s: 133 of 1,010 test 3s wrong; with a bias of 3.5, 14."
        )
    if run:
        cfg = lab.OMIT_CONFIG.replace(epochs=epochs, T=T)
        out = run_with_progress("Digit never seen", lab.omit_class, res, int(digit), seeds, cfg)
        if out is not None:
            st.session_state["lab.omit"] = (int(digit), *out)
    if st.session_state["lab.omit"] is None:
        st.info("Press **Run** (≈ 2 s per seed).")
        return
    d, runs, per_class, curves = st.session_state["lab.omit"]
    best = float(runs["best_bias"].mean())
    bias = st.slider(f"Bias added to digit {d}'s logit", 0.0, float(lab.DEFAULT_BIASES[-1]), 0.0, 0.25, key="omit.bias")
    at = per_class[per_class["bias"] == bias]
    c1, c2 = st.columns(2)
    c1.plotly_chart(pl.omit_per_class_figure(lab.mean_std(at, "digit", "acc"), d, bias=bias), key="omit.per_class")
    c2.plotly_chart(pl.bias_figure(lab.mean_std(curves, "bias", ["omitted_acc", "acc"]), d, bias=bias, best_bias=best), key="omit.curve")
    here = lab.mean_std(curves[curves["bias"] == bias].assign(k=0), "k", ["omitted_acc", "acc"]).iloc[0]
    zero = lab.mean_std(runs.assign(k=0), "k", ["omitted_class_acc", "best_bias", "omitted_class_acc_after_bias", "test_acc_after_bias"]).iloc[0]
    st.write(
        f"Bias {bias:g}: digit {d} **{pm(here.omitted_acc_mean, here.omitted_acc_std)}**, all digits **{pm(here.acc_mean, here.acc_std)}**. "
        f"Without bias, digit {d}: {pm(zero.omitted_class_acc_mean, zero.omitted_class_acc_std)}; with the bias chosen on held-out "
        f"train digits (per seed: {', '.join(f'{b:g}' for b in runs['best_bias'])}), {pm(zero.omitted_class_acc_after_bias_mean, zero.omitted_class_acc_after_bias_std)} "
        f"and all digits {pm(zero.test_acc_after_bias_mean, zero.test_acc_after_bias_std)} (seeds {runs['seed'].tolist()})."
    )


# ---------------------------------------------------------------- tab 5


def sweep_tab(res) -> None:
    left, right = st.columns([1, 2])
    with left:
        temps = st.multiselect("Temperatures T", [0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 20.0], default=list(sw.DEFAULT_TEMPERATURES), key="sweep.T")
        gammas = st.multiselect("γ", [0.0, 0.1, 0.25, 0.5, 0.75, 0.9, 1.0], default=list(sw.DEFAULT_GAMMAS), key="sweep.gamma")
        c1, c2, c3 = st.columns(3)
        n_seeds = c1.number_input("Seeds", 1, 10, len(sw.DEFAULT_SEEDS), key="sweep.seeds")
        epochs = c2.number_input("Epochs", 1, 60, sw.DEFAULT_EPOCHS, key="sweep.epochs")
        n_jobs = c3.number_input("Workers", 1, 8, 2, key="sweep.n_jobs", help="joblib (loky) processes, one torch thread each")
    grid_ok = bool(temps and gammas)
    seeds, cfg = list(range(int(n_seeds))), TrainConfig(epochs=int(epochs))
    key = sw.sweep_key(res, sorted(temps), sorted(gammas), seeds, cfg) if grid_ok else None
    cached = sw.load_cached_sweep(key) if grid_ok else None
    n_runs = len(temps) * len([g for g in gammas if g > 0]) * len(seeds) + len(seeds) * (0.0 in gammas)
    with right:
        st.markdown(
            "**T × γ sweep.** One student (784-128-10) per cell and seed; the heatmap shows the mean test accuracy, the "
            "std over seeds on hover. At γ = 0, T plays no part, so one run per seed serves every T.\n\n"
            f"This grid: **{n_runs} runs** of {epochs} epochs, in parallel over {n_jobs} worker(s). "
            "Results are cached on disk, keyed by the grid, epochs and seeds: a finished sweep opens at once. "
            "The same code runs on a Dask or Ray cluster through joblib (see the README)."
        )
    with left:
        label = "Run again" if cached is not None else "Run sweep"
        run = st.button(label, key="sweep.run", type="primary", disabled=not grid_ok)
    if run:
        df = run_with_progress("Sweep", sw.sweep, res, sorted(temps), sorted(gammas), seeds, cfg, n_jobs=int(n_jobs), use_cache=cached is None)
        if df is not None:
            st.session_state["lab.sweep"] = (key, df)
    if cached is not None and not run:
        df = cached
        st.caption("Opened from the disk cache.")
    elif st.session_state["lab.sweep"] is not None and st.session_state["lab.sweep"][0] == key:
        df = st.session_state["lab.sweep"][1]
    else:
        st.info("No finished sweep for this grid yet: press **Run sweep**." if grid_ok else "Choose at least one T and one γ.")
        return
    cells = sw.summarise_sweep(df)
    st.plotly_chart(pl.sweep_heatmap(cells), key="sweep.chart")
    best = cells.loc[cells["test_acc_mean"].idxmax()]
    st.write(f"Best cell: T = {best['T']:g}, γ = {best['gamma']:g}: **{pm(best['test_acc_mean'], best['test_acc_std'])}** (seeds {seeds}, {epochs} epochs).")


# ---------------------------------------------------------------- page

st.title("Distillation lab")
st.write("Five experiments on the kinds and uses of distillation named in the source note and in Hinton et al. (2015). "
         "Every figure is a mean ± std over the seeds chosen, computed when you press Run.")
if res is None:
    st.stop()

tabs = st.tabs(["Fewer labels", "Self-distillation", "Two teachers, one student", "A digit never seen", "T × γ sweep"])
for tab, draw in zip(tabs, (fewer_labels_tab, self_distill_tab, merge_tab, omit_tab, sweep_tab)):
    with tab:
        draw(res)

ui.end_page()
