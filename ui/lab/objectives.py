"""The Lab's tabs on what the student matches: the teacher's softened logits over a T × γ grid, KD against decoupled
KD (DKD), and the teacher's feature maps beyond its logits."""

from __future__ import annotations

import streamlit as st

import ui
from kdviz.lab import dkd as lab_dkd
from kdviz.lab import features as lab_features
from kdviz.lab import results as labres
from kdviz.lab import verdicts as vd
from kdviz.train import sweep as sw
from kdviz.train.features import digit_maps
from kdviz.train.loop import TrainConfig
from kdviz.viz import plots_depth as pdp
from kdviz.viz import plots_lab as pl
from ui.lab.common import drawn, seeds_epochs_ui, seeds_run_explained, shown


def sweep_tab(res, is_open: bool) -> None:
    left, right = st.columns([1, 2])
    with left:
        temps = st.multiselect(ui.tr("lab.temps"), [0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 20.0], default=list(sw.DEFAULT_TEMPERATURES),
                               key="sweep.T")
        gammas = st.multiselect("γ", [0.0, 0.1, 0.25, 0.5, 0.75, 0.9, 1.0], default=list(sw.DEFAULT_GAMMAS), key="sweep.gamma")
        c1, c2, c3 = st.columns(3)
        n_seeds = c1.number_input(ui.tr("common.seeds"), 1, 10, len(sw.DEFAULT_SEEDS), key="sweep.seeds")
        epochs = c2.number_input(ui.tr("common.epochs"), 1, 60, sw.DEFAULT_EPOCHS, key="sweep.epochs")
        n_jobs = c3.number_input(ui.tr("lab.workers"), 1, 8, 2, key="sweep.n_jobs", help=ui.tr("lab.workers_help"))
    grid_ok = bool(temps and gammas)
    seeds, cfg = list(range(int(n_seeds))), TrainConfig(epochs=int(epochs))
    key = sw.sweep_key(res, sorted(temps), sorted(gammas), seeds, cfg) if grid_ok else None
    cached = sw.load_cached_sweep(key) if grid_ok else None
    with right:
        st.markdown(ui.tr("lab.sweep_explain", n_runs=vd.sweep_runs(temps, gammas, len(seeds)), epochs=epochs, n_jobs=n_jobs))
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
    st.write(ui.tr("lab.best_cell", **vd.best_cell_fields(cells, df, epochs)))


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
    ran = ui.run_with_progress(ui.tr("lab.tab_dkd"), lab_dkd.dkd_compare, res, seeds=seeds, epochs=epochs, T=T,
                               betas=sorted(betas), warmup=max(1, epochs // 6)) if run else None
    df = drawn("dkd", ran, run, is_open, "dkd", lab_dkd.dkd_frame, empty=ui.tr("lab.dkd_empty"))
    if df is None:
        return
    ui.cached_chart(pl.dkd_figure, df, lang=ui.lang(), key="dkd.chart")
    h = lab_dkd.dkd_headline(df)
    st.write(ui.tr("lab.dkd_result", **vd.dkd_fields(h)))
    noise = vd.dkd_noise_key(h)
    if noise is None:
        st.caption(ui.tr("lab.dkd_one_seed"))
    else:
        st.write(ui.tr(noise, n=h["n"]))
    table = df.assign(label=[ui.tr(label, **fields) for label, fields in vd.dkd_labels(df)],
                      acc=vd.pm_column(df["test_acc"], df["test_acc_std"]))
    st.dataframe(table, hide_index=True, width="stretch", column_order=["label", "acc", "nckd", "tckd"], column_config={
        "label": st.column_config.TextColumn(ui.tr("lab.dkd_col_method")), "acc": st.column_config.TextColumn(ui.tr("lab.dkd_col_acc")),
        "nckd": st.column_config.NumberColumn(ui.tr("lab.dkd_col_nckd"), format="%.4f"),
        "tckd": st.column_config.NumberColumn(ui.tr("lab.dkd_col_tckd"), format="%.4f")})
    st.caption(ui.tr("lab.dkd_table_caption", T=h["T"], weight=float(df["weight"].iloc[0])))


@st.cache_resource(show_spinner=False)
def shipped_students(data_fingerprint: str) -> dict:
    """The shipped full run's first-seed students (kdviz/results/features/), loaded once per server, never trained."""
    return lab_features.load_students(lab_features.DEFAULT_METHODS[:-1] + tuple(f"logits+{t}" for t in ("hint", "attention", "cosine")),
                                      data_fingerprint=data_fingerprint)


def features_tab(res, is_open: bool) -> None:
    seeds, epochs, run = seeds_run_explained("features", "lab.features_explain", max_epochs=30)
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
    best = vd.features_best(out)
    st.write(ui.tr("lab.features_result", best=pdp.method_label(best, lang=ui.lang()), **vd.features_fields(out)))
    table = rows.assign(label=[pdp.method_label(m, lang=ui.lang()) for m in rows["method"]],
                        acc=vd.pm_column(rows["test_acc"], rows["test_acc_std"]))
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
    methods, index = vd.features_choices(out, students)
    method = c1.selectbox(ui.tr("lab.features_student"), methods, index=index,
                          format_func=lambda m: pdp.method_label(m, lang=ui.lang()), key="features.method")
    ui.shared_widget(c2.number_input, "digit", ui.tr(ui.words("temp.test_digit")), 0, len(res.data.y_test) - 1,
                     help=ui.tr(ui.words("temp.test_digit_help"), n=len(res.data.y_test)))
    digit = int(st.session_state["digit"])
    x = res.data.x_test[digit]
    panels = [(ui.tr("lab.features_teacher"), digit_maps(res.teacher, x, channels=3))]
    panels += [(pdp.method_label(m, lang=ui.lang()), digit_maps(students[m], x, channels=3)) for m in ("labels", method) if m in students]
    ui.chart(pdp.feature_maps_figure(panels, lang=ui.lang()), key="features.maps")
    st.caption(ui.tr("lab.features_maps_caption", digit=digit, label=ui.class_names()[int(res.data.y_test[digit])]))
