"""Distillation lab: fewer labels, self-distillation, two teachers into one, a digit never seen, T × γ sweep, KD vs DKD,
beyond logits (feature distillation) and the capacity gap.

Read widgets → call kdviz.lab / kdviz.train.sweep → show. Nothing trains on open: each tab shows
the full runs shipped with kdviz (kdviz/results/, written by the CLI's ``--ship``) until its
Run button (quick defaults) computes a result of this session; the sweep tab also opens a
finished sweep of the chosen grid from the disk cache.
"""

import pandas as pd
import streamlit as st

import ui
from kdviz import lab
from kdviz.lab import capacity as lab_capacity
from kdviz.lab import dkd as lab_dkd
from kdviz.lab import features as lab_features
from kdviz.lab import results as labres
from kdviz.maths.stats import mean_std, plus_minus
from kdviz.train import sweep as sw
from kdviz.train.features import digit_maps
from kdviz.train.loop import TrainConfig
from kdviz.viz import plots_depth as pdp
from kdviz.viz import plots_lab as pl

res = ui.start_page("lab.page_title")

QUICK = {  # quick defaults of the interactive tabs: seconds, not minutes, on one core
    "fewer": dict(seeds=2, epochs=10),
    "self": dict(seeds=2, epochs=10, generations=2),
    "merge": dict(seeds=2, epochs=10),
    "omit": dict(seeds=3, epochs=30),
    "dkd": dict(seeds=2, epochs=10),
    "features": dict(seeds=1, epochs=3),  # six runs of the small CNN on 4,000 digits: ~25 s
    "capacity": dict(seeds=2, epochs=3),  # teachers cached: ~30 s; their first training ~1 min, once per machine
}
for key in ("fewer", "self", "merge", "omit", "sweep", "dkd", "features", "capacity"):
    if f"lab.{key}" not in st.session_state:
        st.session_state[f"lab.{key}"] = None


def seeds_epochs_ui(key: str, *, max_epochs: int = 60) -> tuple[list[int], int]:
    c1, c2 = st.columns(2)
    n = c1.number_input(ui.tr("common.seeds"), 1, 10, QUICK[key]["seeds"], key=f"{key}.seeds", help=ui.tr("lab.seeds_help"))
    epochs = c2.number_input(ui.tr("common.epochs"), 1, max_epochs, QUICK[key]["epochs"], key=f"{key}.epochs")
    return list(range(int(n))), int(epochs)


def pm(mean: float, std: float | None) -> str:
    """``95.2 ± 0.4 %`` (no ± with one seed)."""
    return plus_minus(mean, std, scale=100, unit=" %")


def shown(run, name: str, from_json, *, empty: str):
    """What a tab draws: this session's Run, else the full run ``name`` shipped with kdviz (see ``ui.shipped_result``)."""
    return run if run is not None else ui.shipped_result(name, from_json, empty=empty)


# ---------------------------------------------------------------- tab 1


def fewer_labels_tab(res, is_open: bool) -> None:
    left, right = st.columns([1, 2])
    with left:
        fractions = st.multiselect(ui.tr("lab.fractions"), [0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1.0],
                                   default=[0.01, 0.1, 1.0], format_func=lambda f: f"{f:.0%}", key="fewer.fractions")
        seeds, epochs = seeds_epochs_ui("fewer")
        run = st.button(ui.tr("common.run"), key="fewer.run", type="primary", disabled=not fractions)
    with right:
        st.markdown(ui.tr("lab.fewer_explain"))
    if run:
        df = ui.run_with_progress(ui.tr("lab.fewer_name"), lab.fewer_labels, res, sorted(fractions), seeds, TrainConfig(epochs=epochs))
        if df is not None:
            st.session_state["lab.fewer"] = df
    if not (is_open or run):  # figures only for the tab on screen (or the one just run)
        return
    df = shown(st.session_state["lab.fewer"], "fewer_labels", labres.fewer_labels_frames, empty=ui.tr("lab.fewer_empty"))
    if df is None:
        return
    summary = mean_std(df, "fraction", ["distilled_acc", "baseline_acc"])
    ui.cached_chart(pl.fewer_labels_figure, summary, teacher_acc=float(res.teacher_meta["test_acc"]), lang=ui.lang(), key="fewer.chart")
    for r in summary.itertuples():
        st.write(ui.tr("lab.fewer_result", fraction=r.fraction, distilled=pm(r.distilled_acc_mean, r.distilled_acc_std),
                       baseline=pm(r.baseline_acc_mean, r.baseline_acc_std), seeds=sorted(df["seed"].unique().tolist())))


# ---------------------------------------------------------------- tab 2


def self_distill_tab(res, is_open: bool) -> None:
    left, right = st.columns([1, 2])
    with left:
        seeds, epochs = seeds_epochs_ui("self")
        generations = st.number_input(ui.tr("lab.generations"), 1, 5, QUICK["self"]["generations"], key="self.generations")
        if epochs >= 3:
            if st.session_state.get("self.switch", 1) > epochs - 1:  # a kept switch past fewer epochs: the new default
                st.session_state["self.switch"] = max(1, (2 * epochs) // 3)
            switch = st.slider(ui.tr("lab.switch"), 1, epochs - 1, max(1, (2 * epochs) // 3), key="self.switch")
        else:
            switch = 1
            st.caption(ui.tr("lab.switch_fixed"))
        T = st.select_slider(ui.tr("common.temperature"), [1.0, 2.0, 4.0, 8.0], value=4.0, key="self.T")
        run = st.button(ui.tr("common.run"), key="self.run", type="primary", disabled=epochs < 2)
    with right:
        st.markdown(ui.tr("lab.self_explain"))
    if run:
        cfg = TrainConfig(epochs=epochs, T=T)
        ba = ui.run_with_progress(ui.tr("lab.born_again"), lab.born_again, res, int(generations), seeds, cfg)
        sn = ui.run_with_progress(ui.tr("lab.snapshot"), lab.snapshot_self_distill, res, int(switch), seeds, cfg) if ba is not None else None
        if sn is not None:
            st.session_state["lab.self"] = (ba, sn, int(switch), epochs)
    if not (is_open or run):  # figures only for the tab on screen (or the one just run)
        return
    out = shown(st.session_state["lab.self"], "self_distill", labres.self_distill_frames, empty=ui.tr("common.press_run"))
    if out is None:
        return
    ba, sn, switch, epochs = out
    c1, c2 = st.columns(2)
    ui.cached_chart(pl.born_again_figure, mean_std(ba, "generation", "test_acc"), lang=ui.lang(), key="self.ba", where=c1)
    ui.cached_chart(pl.snapshot_figure, mean_std(sn, ["arm", "epoch"], "test_acc"), switch, lang=ui.lang(), key="self.sn", where=c2)
    last = mean_std(sn[sn["epoch"] == epochs], "arm", "test_acc").set_index("arm")
    st.write(ui.tr("lab.self_result", epochs=epochs,
                   labels=pm(last.loc["labels_only", "test_acc_mean"], last.loc["labels_only", "test_acc_std"]),
                   self=pm(last.loc["self_distilled", "test_acc_mean"], last.loc["self_distilled", "test_acc_std"]),
                   seeds=sorted(ba["seed"].unique().tolist())))


# ---------------------------------------------------------------- tab 3


def merge_tab(res, is_open: bool) -> None:
    left, right = st.columns([1, 2])
    with left:
        seeds, epochs = seeds_epochs_ui("merge")
        T = st.select_slider(ui.tr("common.temperature"), [1.0, 2.0, 4.0, 8.0], value=4.0, key="merge.T")
        run = st.button(ui.tr("common.run"), key="merge.run", type="primary")
    with right:
        st.markdown(ui.tr("lab.merge_explain"))
    if run:
        out = ui.run_with_progress(ui.tr("lab.two_teachers"), lab.merge_teachers, res, seeds, TrainConfig(epochs=epochs, T=T, gamma=1.0))
        if out is not None:
            st.session_state["lab.merge"] = out
    if not (is_open or run):  # figures only for the tab on screen (or the one just run)
        return
    out = shown(st.session_state["lab.merge"], "merge", labres.merge_frames, empty=ui.tr("common.press_run"))
    if out is None:
        return
    per_class, s = out
    c = st.columns(4)
    c[0].metric(ui.tr("lab.teacher_a"), f"{100 * s['teacher_a_acc']:.1f} %")
    c[1].metric(ui.tr("lab.teacher_b"), f"{100 * s['teacher_b_acc']:.1f} %")
    c[2].metric(ui.tr("lab.merged"), pm(s["merged_student_acc"], s["merged_student_std"]))
    c[3].metric(ui.tr("lab.joint"), pm(s["joint_student_acc"], s["joint_student_std"]))
    ui.cached_chart(pl.merge_figure, mean_std(per_class, ["model", "digit"], "acc"), lang=ui.lang(), key="merge.chart")
    st.caption(ui.tr("lab.merge_caption", acc=100 * s["concat_teacher_acc"], seeds=s["seeds"]))


# ---------------------------------------------------------------- tab 4


def omit_tab(res, is_open: bool) -> None:
    left, right = st.columns([1, 2])
    with left:
        digit = st.selectbox(ui.tr("lab.omit_digit"), list(range(10)), index=3, key="omit.digit")
        seeds, epochs = seeds_epochs_ui("omit")
        T = st.select_slider(ui.tr("common.temperature"), [2.0, 4.0, 8.0, 16.0, 20.0], value=8.0, key="omit.T")
        run = st.button(ui.tr("common.run"), key="omit.run", type="primary")
    with right:
        st.markdown(ui.tr("lab.omit_explain"))
    if run:
        cfg = lab.OMIT_CONFIG.replace(epochs=epochs, T=T)
        out = ui.run_with_progress(ui.tr("lab.omit_name"), lab.omit_class, res, int(digit), seeds, cfg)
        if out is not None:
            st.session_state["lab.omit"] = (int(digit), *out)
    if not (is_open or run):  # figures only for the tab on screen (or the one just run)
        return
    out = shown(st.session_state["lab.omit"], "omit_class", labres.omit_class_frames, empty=ui.tr("lab.omit_empty"))
    if out is None:
        return
    d, runs, per_class, curves = out
    best = float(runs["best_bias"].mean())
    bias = st.slider(ui.tr("lab.bias", digit=d), 0.0, float(lab.DEFAULT_BIASES[-1]), 0.0, 0.25, key="omit.bias")
    at = per_class[per_class["bias"] == bias]
    c1, c2 = st.columns(2)
    ui.cached_chart(pl.omit_per_class_figure, mean_std(at, "digit", "acc"), d, bias=bias, lang=ui.lang(), key="omit.per_class", where=c1)
    ui.cached_chart(pl.bias_figure, mean_std(curves, "bias", ["omitted_acc", "acc"]), d, bias=bias, best_bias=best, lang=ui.lang(),
             key="omit.curve", where=c2)
    here = mean_std(curves[curves["bias"] == bias].assign(k=0), "k", ["omitted_acc", "acc"]).iloc[0]
    zero = mean_std(runs.assign(k=0), "k", ["omitted_class_acc", "best_bias", "omitted_class_acc_after_bias", "test_acc_after_bias"]).iloc[0]
    st.write(ui.tr(
        "lab.omit_result", bias=bias, digit=d, here=pm(here.omitted_acc_mean, here.omitted_acc_std),
        here_all=pm(here.acc_mean, here.acc_std), zero=pm(zero.omitted_class_acc_mean, zero.omitted_class_acc_std),
        best=", ".join(f"{b:g}" for b in runs["best_bias"]),
        after=pm(zero.omitted_class_acc_after_bias_mean, zero.omitted_class_acc_after_bias_std),
        after_all=pm(zero.test_acc_after_bias_mean, zero.test_acc_after_bias_std), seeds=runs["seed"].tolist(),
    ))


# ---------------------------------------------------------------- tab 5


def sweep_tab(res, is_open: bool) -> None:
    left, right = st.columns([1, 2])
    with left:
        temps = st.multiselect(ui.tr("lab.temps"), [0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 20.0], default=list(sw.DEFAULT_TEMPERATURES), key="sweep.T")
        gammas = st.multiselect("γ", [0.0, 0.1, 0.25, 0.5, 0.75, 0.9, 1.0], default=list(sw.DEFAULT_GAMMAS), key="sweep.gamma")
        c1, c2, c3 = st.columns(3)
        n_seeds = c1.number_input(ui.tr("common.seeds"), 1, 10, len(sw.DEFAULT_SEEDS), key="sweep.seeds")
        epochs = c2.number_input(ui.tr("common.epochs"), 1, 60, sw.DEFAULT_EPOCHS, key="sweep.epochs")
        n_jobs = c3.number_input(ui.tr("lab.workers"), 1, 8, 2, key="sweep.n_jobs", help=ui.tr("lab.workers_help"))
    grid_ok = bool(temps and gammas)
    seeds, cfg = list(range(int(n_seeds))), TrainConfig(epochs=int(epochs))
    key = sw.sweep_key(res, sorted(temps), sorted(gammas), seeds, cfg) if grid_ok else None
    cached = sw.load_cached_sweep(key) if grid_ok else None
    n_runs = len(temps) * len([g for g in gammas if g > 0]) * len(seeds) + len(seeds) * (0.0 in gammas)
    with right:
        st.markdown(ui.tr("lab.sweep_explain", n_runs=n_runs, epochs=epochs, n_jobs=n_jobs))
    with left:
        label = ui.tr("lab.run_again") if cached is not None else ui.tr("lab.run_sweep")
        run = st.button(label, key="sweep.run", type="primary", disabled=not grid_ok)
    if run:
        df = ui.run_with_progress(ui.tr("lab.sweep_name"), sw.sweep, res, sorted(temps), sorted(gammas), seeds, cfg,
                                  n_jobs=int(n_jobs), use_cache=cached is None)
        if df is not None:
            st.session_state["lab.sweep"] = (key, df)
    if not (is_open or run):  # figures only for the tab on screen (or the one just run)
        return
    session = st.session_state["lab.sweep"]
    if cached is not None and not run:
        df = cached
        st.caption(ui.tr("lab.from_cache"))
    elif not grid_ok:
        st.info(ui.tr("lab.sweep_choose"))
        return
    else:
        df = shown(session[1] if session is not None and session[0] == key else None, "sweep",
                   lambda result: labres.sweep_frame(result, key), empty=ui.tr("lab.sweep_empty"))
        if df is None:
            return
    cells = sw.summarise_sweep(df)
    ui.cached_chart(pl.sweep_heatmap, cells, lang=ui.lang(), key="sweep.chart")
    best = cells.loc[cells["test_acc_mean"].idxmax()]
    st.write(ui.tr("lab.best_cell", T=best["T"], gamma=best["gamma"], acc=pm(best["test_acc_mean"], best["test_acc_std"]),
                   seeds=sorted(df["seed"].unique().tolist()), epochs=epochs))


# ---------------------------------------------------------------- tab 6


def dkd_tab(res, is_open: bool) -> None:
    left, right = st.columns([1, 2])
    with left:
        seeds, epochs = seeds_epochs_ui("dkd")
        betas = st.multiselect(ui.tr("lab.dkd_betas"), [1.0, 2.0, 4.0, 8.0], default=[1.0, 2.0, 4.0, 8.0], key="dkd.betas",
                               format_func=lambda b: f"{b:g}")
        T = st.select_slider(ui.tr("common.temperature"), [1.0, 2.0, 4.0, 8.0], value=4.0, key="dkd.T")
        run = st.button(ui.tr("common.run"), key="dkd.run", type="primary", disabled=not betas)
    with right:
        st.markdown(ui.tr("lab.dkd_explain"))
    if run:
        df = ui.run_with_progress(ui.tr("lab.tab_dkd"), lab_dkd.dkd_compare, res, seeds=seeds, epochs=epochs, T=T,
                                  betas=sorted(betas), warmup=max(1, epochs // 6))
        if df is not None:
            st.session_state["lab.dkd"] = df
    if not (is_open or run):  # figures only for the tab on screen (or the one just run)
        return
    df = shown(st.session_state["lab.dkd"], "dkd", lab_dkd.dkd_frame, empty=ui.tr("lab.dkd_empty"))
    if df is None:
        return
    ui.cached_chart(pl.dkd_figure, df, lang=ui.lang(), key="dkd.chart")
    h = lab_dkd.dkd_headline(df)
    st.write(ui.tr("lab.dkd_result", n=h["n"], epochs=h["epochs"], T=h["T"], warmup=h["warmup"], kd=pm(*h["kd"]),
                   beta1=pm(*h["beta1"]) if h["beta1"] else "–", best_beta=h["best_beta"], best=pm(*h["best"]), gain=100 * h["gain"]))
    if h["within_noise"] is None:
        st.caption(ui.tr("lab.dkd_one_seed"))
    else:
        st.write(ui.tr("lab.dkd_noise" if h["within_noise"] else "lab.dkd_signal", n=h["n"]))
    table = df.assign(label=[ui.tr("plots_lab.dkd_kd") if m == "kd" else ui.tr("plots_lab.dkd_beta", beta=b)
                             for m, b in zip(df["method"], df["beta"])],
                      acc=[pm(a, sd if not pd.isna(sd) else None) for a, sd in zip(df["test_acc"], df["test_acc_std"])])
    st.dataframe(table, hide_index=True, width="stretch", column_order=["label", "acc", "nckd", "tckd"], column_config={
        "label": st.column_config.TextColumn(ui.tr("lab.dkd_col_method")), "acc": st.column_config.TextColumn(ui.tr("lab.dkd_col_acc")),
        "nckd": st.column_config.NumberColumn(ui.tr("lab.dkd_col_nckd"), format="%.4f"),
        "tckd": st.column_config.NumberColumn(ui.tr("lab.dkd_col_tckd"), format="%.4f")})
    st.caption(ui.tr("lab.dkd_table_caption", T=h["T"], weight=float(df["weight"].iloc[0])))


# ---------------------------------------------------------------- tab 7


@st.cache_resource(show_spinner=False)
def shipped_students(data_fingerprint: str) -> dict:
    """The shipped full run's first-seed students (kdviz/results/features/), loaded once per server, never trained."""
    return lab_features.load_students(lab_features.DEFAULT_METHODS[:-1] + tuple(f"logits+{t}" for t in ("hint", "attention", "cosine")),
                                      data_fingerprint=data_fingerprint)


def features_tab(res, is_open: bool) -> None:
    left, right = st.columns([1, 2])
    with left:
        seeds, epochs = seeds_epochs_ui("features", max_epochs=30)
        run = st.button(ui.tr("common.run"), key="features.run", type="primary")
    with right:
        st.markdown(ui.tr("lab.features_explain"))
    if run:
        df = ui.run_with_progress(ui.tr("lab.tab_features"), lab_features.features_compare, res, seeds=seeds, epochs=epochs)
        if df is not None:
            st.session_state["lab.features"] = (lab_features.features_json(df), df.attrs["students"])
    if not (is_open or run):  # figures only for the tab on screen (or the one just run)
        return
    session = st.session_state["lab.features"]
    out = session[0] if session is not None else shown(None, "features", lambda result: result, empty=ui.tr("lab.features_empty"))
    if out is None:
        return
    students = session[1] if session is not None else shipped_students(res.data.fingerprint)
    rows = lab_features.features_frame(out)
    ui.cached_chart(pdp.features_figure, rows, lang=ui.lang(), key="features.chart")
    by = {r["method"]: r for r in out["rows"]}
    best = max((m for m in by if m != "labels"), key=lambda m: by[m]["test_acc"])
    st.write(ui.tr("lab.features_result", labels=pm(by["labels"]["test_acc"], by["labels"]["test_acc_std"]),
                   best=pdp.method_label(best, lang=ui.lang()), acc=pm(by[best]["test_acc"], by[best]["test_acc_std"]),
                   n=len(out["seeds"]), epochs=out["config"]["epochs"], n_train=out["n_train"]))
    table = rows.assign(label=[pdp.method_label(m, lang=ui.lang()) for m in rows["method"]],
                        acc=[pm(a, sd) for a, sd in zip(rows["test_acc"], rows["test_acc_std"])])
    st.dataframe(table, hide_index=True, width="stretch", column_order=["label", "acc", "params", "extra_params", "seconds"],
                 column_config={"label": st.column_config.TextColumn(ui.tr("lab.features_col_method")),
                                "acc": st.column_config.TextColumn(ui.tr("lab.dkd_col_acc")),
                                "params": st.column_config.NumberColumn(ui.tr("lab.features_col_params")),
                                "extra_params": st.column_config.NumberColumn(ui.tr("lab.features_col_extra")),
                                "seconds": st.column_config.NumberColumn(ui.tr("lab.features_col_seconds"), format="%.1f")})
    st.subheader(ui.tr("lab.features_maps"), divider="gray")
    if not students:
        st.info(ui.tr("lab.features_no_students"))
        return
    c1, c2 = st.columns(2)
    methods = [m for m in by if m in students and m != "labels"]
    method = c1.selectbox(ui.tr("lab.features_student"), methods, index=methods.index(best) if best in methods else 0,
                          format_func=lambda m: pdp.method_label(m, lang=ui.lang()), key="features.method")
    ui.shared_widget(c2.number_input, "digit", ui.tr(ui.words("temp.test_digit")), 0, len(res.data.y_test) - 1,
                     help=ui.tr(ui.words("temp.test_digit_help"), n=len(res.data.y_test)))
    digit = int(st.session_state["digit"])
    x = res.data.x_test[digit]
    panels = [(ui.tr("lab.features_teacher"), digit_maps(res.teacher, x, channels=3))]
    panels += [(pdp.method_label(m, lang=ui.lang()), digit_maps(students[m], x, channels=3)) for m in ("labels", method) if m in students]
    ui.chart(pdp.feature_maps_figure(panels, lang=ui.lang()), key="features.maps")
    st.caption(ui.tr("lab.features_maps_caption", digit=digit, label=ui.class_names()[int(res.data.y_test[digit])]))


# ---------------------------------------------------------------- tab 8


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
    if run:
        assistants = [a for a in lab_capacity.ASSISTANTS if a > min(students)][-1:]  # the smallest assistant above the student
        out = ui.run_with_progress(ui.tr("lab.tab_capacity"), lab_capacity.capacity_gap, res, seeds=seeds, epochs=epochs,
                                   students=students, assistants=assistants)
        if out is not None:
            st.session_state["lab.capacity"] = lab_capacity.capacity_json(*out)
    if not (is_open or run):  # figures only for the tab on screen (or the one just run)
        return
    out = shown(st.session_state["lab.capacity"], "capacity", lambda result: result, empty=ui.tr("lab.capacity_empty"))
    if out is None:
        return
    pairs, chains = lab_capacity.capacity_frames(out)
    ui.cached_chart(pdp.capacity_heatmap, pairs, lang=ui.lang(), key="capacity.heatmap")
    h = lab_capacity.capacity_headline(out)
    name = lambda key: pdp.teacher_label(key, out["teachers"][key]["test_acc"], lang=ui.lang())  # noqa: E731
    if h["n_seeds"] < 2:
        st.info(ui.tr("lab.capacity_one_seed"))
    else:
        gap = "lab.capacity_gap_no" if h["best_teacher"] == h["top_teacher"] else \
            "lab.capacity_gap_yes" if h["gap_verdict"] == "helps" else "lab.capacity_gap_noise"
        st.write(ui.tr(gap, student=h["student"], best=name(h["best_teacher"]), best_gain=pp(h["best_gain"], h["best_std"]),
                       top=name(h["top_teacher"]), top_gain=pp(h["top_gain"], h["top_std"]), gap=100 * h["gap"],
                       n=h["n_seeds"], epochs=out["epochs"]))
        if h["shrinks"] is not None:
            st.write(ui.tr({"yes": "lab.capacity_shrinks_yes", "noise": "lab.capacity_shrinks_noise"}.get(h["shrinks"], "lab.capacity_shrinks_no"),
                           top=name(h["top_teacher"]), peak=h["peak_student"], peak_gain=pp(h["peak_gain"], h["peak_std"]),
                           by_student=", ".join(f"{hidden}: {pp(g, sd)}" for hidden, g, sd in h["by_student"])))
        if h["early"]:
            mean = lambda key: pp(h["early"][key][0], None) if key in h["early"] else "–"  # noqa: E731
            small = lambda key: pp(h["early_small"][key], None) if key in h["early_small"] else "–"  # noqa: E731
            verdict = {"helps": "lab.capacity_early_helps", "hurts": "lab.capacity_early_hurts"}.get(h["early_verdict"],
                                                                                                  "lab.capacity_early_noise")
            st.write(ui.tr(verdict, early1=mean("early_1"), early3=mean("early_3"),
                           finished=name(h["finished"]), finished_mean=pp(h["finished_mean"], None), student=h["student"],
                           early1_small=small("early_1"), early3_small=small("early_3"), finished_small=pp(h["finished_small"], None)))
    if len(chains):
        ui.cached_chart(pdp.assistant_figure, chains, lang=ui.lang(), key="capacity.assistant")
        if h["n_seeds"] >= 2:
            st.write(ui.tr({"helps": "lab.capacity_ta_helps", "hurts": "lab.capacity_ta_hurts"}.get(h["assistant_verdict"], "lab.capacity_ta_noise"),
                           hidden=h["assistant"], gain=pp(h["assistant_gain"], h["assistant_std"]), student=h["student"], n=h["n_seeds"]))


def pp(mean: float, std: float | None) -> str:
    """``+1.2 ± 0.4 pp`` from fractions (no ± with one seed)."""
    return ("+" if mean >= 0 else "") + plus_minus(mean, std, scale=100, unit=" pp")


# ---------------------------------------------------------------- page

TABS = {"lab.tab_fewer": fewer_labels_tab, "lab.tab_self": self_distill_tab, "lab.tab_merge": merge_tab, "lab.tab_omit": omit_tab,
        "lab.tab_sweep": sweep_tab, "lab.tab_dkd": dkd_tab, "lab.tab_features": features_tab, "lab.tab_capacity": capacity_tab}

st.title(ui.tr("lab.title"))
ui.demo_step("lab")
st.write(ui.tr("lab.intro", n=len(TABS)))  # the count of the tabs below, not a number written in the text
if res is None:
    st.stop()

# The open tab is session state ("lab.tab"): a tab change reruns the page, and only the open tab builds its
# figures (all seven took ~0.4 s of server CPU per rerun); every tab keeps its widgets, so none loses its settings.
tabs = st.tabs([ui.tr(label) for label in TABS], key="lab.tab", on_change="rerun")
for tab, draw in zip(tabs, TABS.values()):
    with tab:
        draw(res, tab.open)

ui.end_page()
