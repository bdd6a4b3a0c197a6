"""Compression lab: pruning, int8 quantization, low-rank, compact filters and distillation, measured alike.

Read widgets → call kdviz.compress → show. Nothing trains on open: the page shows this
session's last run, else a finished comparison from the disk cache, else the results
shipped with kdviz (kdviz/results/compress.json) with where they were measured. Run
computes the comparison under a progress bar. Methods, notes and progress messages are
catalog keys with fields, shown in the chosen language.
"""

import pandas as pd
import streamlit as st

import ui
from kdviz import compress as kc
from kdviz.maths.stats import plus_minus
from kdviz.viz import plots_compress as pc

PRESETS = {  # option → (settings, label key); the full one (the README's table, shipped) opens first
    "full": (kc.DEFAULT, "comp.preset_full"),
    "quick": (kc.QUICK, "comp.preset_quick"),
}
X_AXES = {  # option (a column of the table) → label key
    "size_bytes": "comp.x_size", "sparse_bytes": "comp.x_sparse", "latency_ms_1": "comp.x_latency_1", "latency_ms_256": "comp.x_latency_256",
}
COLUMNS = {  # column → its label key, in the CSV's order (all of them, with the accuracy's std)
    "method": "comp.col_method", "acc": "comp.col_acc", "acc_std": "comp.col_acc_std", "family": "comp.col_family",
    "from": "comp.col_from", "parameters": "comp.col_params", "size": "comp.col_size", "csr": "comp.col_csr",
    "zero": "comp.col_zero", "ms_1": "comp.col_ms_1", "ms_256": "comp.col_ms_256", "seconds": "comp.col_seconds",
    "note": "comp.col_note",
}
GROUPS = {  # column group → (label key, its columns after the method): a few columns fit a phone without scrolling
    "accuracy": ("comp.group_accuracy", ["acc", "family", "from"]),
    "size": ("comp.group_size", ["parameters", "size", "csr", "zero"]),
    "speed": ("comp.group_speed", ["ms_1", "ms_256", "seconds"]),
}
FORMATS = {  # numeric column → how the table shows it (the CSV keeps every digit)
    "parameters": "{:.0f}", "size": "{:.1f}", "csr": "{:.1f}", "zero": "{:.3f}", "ms_1": "{:.3f}", "ms_256": "{:.2f}",
    "seconds": "{:.2f}",
}

res = ui.start_page("comp.page_title")
st.title(ui.tr("comp.title"))
st.write(ui.tr("comp.intro"))
lang = ui.lang()
if res is None:
    st.stop()
st.session_state.setdefault("compress.result", None)  # (cache key, DataFrame) of this session's last run


@st.cache_data(show_spinner=False, max_entries=8)
def rank_study(_student, student_key: str, ranks: tuple[int, ...]) -> dict:
    return kc.rank_study(_student, res.data, ranks)


left, right = st.columns([1, 2.4], gap="large")
with left:
    presets = {name: ui.tr(label) for name, (_, label) in PRESETS.items()}  # a dict's get, not a lambda: AppTest formats with it
    preset = st.radio(ui.tr("comp.settings"), list(presets), key="compress.preset", format_func=presets.get)
    threads = st.selectbox(ui.tr("comp.threads"), [1, 2], key="compress.threads", help=ui.tr("comp.threads_help"))
config = PRESETS[preset][0].replace(threads=int(threads))
key = kc.compare_key(res, config)
cached = kc.load_cached_compare(key)
with left:
    run = st.button(ui.tr("comp.run_again") if cached is not None else ui.tr("common.run"), key="compress.run", type="primary")
    st.caption(ui.tr("comp.plan", n=len(kc.plan(config)), seeds=list(config.seeds)))
with right:
    if run:
        df = ui.run_with_progress(ui.tr("comp.title"), kc.compare, res, config=config, use_cache=cached is None)
        if df is not None:
            st.session_state["compress.result"] = (key, df)
    last = st.session_state["compress.result"]
    df, shown = None, config  # the table shown and the settings it was computed with
    if last is not None and last[0] == key:  # this session's run
        df = last[1]
    elif cached is not None:  # computed on this machine before
        df = cached
        st.caption(ui.tr("comp.from_cache", seconds=df.attrs.get("wall_seconds", 0)))
    else:  # the results shipped with kdviz, unless they no longer match the data or the teacher
        df, shown = ui.shipped_result("compress", kc.from_result, empty=ui.tr("comp.empty")) or (None, config)
    weak = None  # per row: trained for fewer epochs than the full comparison (kdviz.compress.undertrained)
    if df is not None:
        extras, df = df.attrs, df.copy()  # the per-seed rows and the rank study ride in attrs: pandas would
        df.attrs = {}  # deep-copy them at every step below, ~50 ms a rerun; the page reads them from `extras`
        weak = kc.undertrained(df["family"], df["base"], shown)
        short = kc.short_training(shown)
        if any(weak):
            parts = {"student": "comp.short_student", "compact": "comp.short_compact"}
            st.warning(ui.tr("comp.undertrained", what=ui.tr("comp.short_sep").join(
                ui.tr(parts[k], n=n, full=full) for k, (n, full) in short.items())))
        axes = {column: ui.tr(label) for column, label in X_AXES.items()}
        x = st.radio(ui.tr("comp.x_label"), list(axes), horizontal=True, key="compress.x", format_func=axes.get)
        ui.cached_chart(pc.pareto_figure, df, x=x, threads=shown.threads, undertrained=weak, lang=lang, key="compress.pareto")

if df is not None:
    col = {name: ui.tr(k) for name, k in COLUMNS.items()}
    names = [ui.tr("comp.undertrained_method", method=m) if w else m for m, w in zip(pc.method_names(df, lang), weak)]
    values = {  # sizes in kB, accuracies in %
        "method": names, "acc": 100 * df["test_acc"], "acc_std": 100 * df["test_acc_std"],
        "family": [pc.family_label(f, lang) for f in df["family"]], "from": [pc.base_label(b, lang) for b in df["base"]],
        "parameters": df["params"], "size": df["size_bytes"] / 1e3, "csr": df["sparse_bytes"] / 1e3, "zero": df["sparsity"],
        "ms_1": df["latency_ms_1"], "ms_256": df["latency_ms_256"], "seconds": df["seconds"], "note": pc.note_texts(df, lang),
    }
    shown_values = {**{name: [fmt.format(v) for v in values[name]] for name, fmt in FORMATS.items()},
                    "acc": [plus_minus(m, s, scale=100) for m, s in zip(df["test_acc"], df["test_acc_std"])]}
    groups = {name: ui.tr(label) for name, (label, _) in GROUPS.items()}
    group = st.segmented_control(ui.tr("comp.columns"), list(groups), default="accuracy", required=True,
                                 key="compress.columns", format_func=groups.get)
    st.table(pd.DataFrame({col[name]: shown_values.get(name, values[name]) for name in ["method", *GROUPS[group][1]]}),
             hide_index=True)
    st.caption(ui.tr(
        "comp.table_caption", seed_list=list(shown.seeds), spread=ui.tr("comp.spread_single") if int(df["n_seeds"].max()) == 1
        else ui.tr("comp.spread", seeds=ui.tr("plots_compress.seeds", n=int(df["n_seeds"].max()))),
        repeats_1=shown.repeats_1, repeats_256=shown.repeats_256, warmup=shown.warmup,
        threads=ui.tr("comp.torch_threads", n=shown.threads), engine=extras.get("engine", ""),
    ))
    st.download_button(ui.tr("comp.download"), pd.DataFrame({col[name]: values[name] for name in COLUMNS}).to_csv(
        index=False, float_format="%.8g").encode("utf-8-sig"), "kdviz-compression.csv", "text/csv", key="compress.download",
        help=ui.tr("comp.download_help"))  # utf-8 with a BOM: spreadsheets read the Chinese headers right
    st.subheader(ui.tr("comp.notes_header"))
    st.table(pd.DataFrame({col["method"]: names, col["note"]: values["note"]}), hide_index=True)
    st.subheader(ui.tr("comp.trades"))
    for fam in kc.FAMILIES:
        st.markdown(ui.tr("comp.family_line", family=pc.family_label(fam, lang), note=pc.family_note(fam, lang)))

st.subheader(ui.tr("comp.rank_header"))
hit = kc.cached_student(res, shown)
study = None
if hit is not None:  # the baseline student is on disk: any rank
    student, meta = hit
    rank = st.slider(ui.tr("comp.rank_slider"), 1, 128, 16, key="compress.rank")
    study = rank_study(student, meta["sha256"], tuple(sorted({*kc.CURVE_RANKS, int(rank)})))
elif df is not None and extras.get("rank_study"):  # measured with the table: its ranks only
    study = extras["rank_study"]
    ranks = [int(r["rank"]) for r in study["rows"]]
    rank = st.select_slider(ui.tr("comp.rank_slider"), ranks, 16 if 16 in ranks else ranks[0], key="compress.rank_measured")
    st.caption(ui.tr("comp.rank_shipped"))
else:
    st.info(ui.tr("comp.rank_empty"))
if study is not None:
    curve = pd.DataFrame(study["rows"])
    here = curve.set_index("rank").loc[int(rank)]
    dense_acc, dense_params = study["dense_acc"], study["dense_params"]
    c1, c2 = st.columns([1, 2])
    with c1:
        st.metric(ui.tr("comp.test_acc"), f"{100 * here.test_acc:.1f} %", ui.tr("comp.points", delta=100 * (here.test_acc - dense_acc)))
        st.metric(ui.tr("comp.params"), f"{int(here.params):,}", f"{int(here.params) - dense_params:+,}", delta_color="inverse")
        st.write(ui.tr(
            "comp.rank_explain", rank=int(rank), n_in=study["n_in"], n_out=study["n_out"], mid=min(int(rank), study["n_out"]),
            error=here.rel_error, acc=100 * dense_acc, params=dense_params, seed=shown.seeds[0], break_even=study["break_even"],
        ))
    with c2:
        ui.cached_chart(pc.rank_curve_figure, curve, rank=int(rank), dense_acc=dense_acc, dense_params=dense_params, lang=lang,
                 key="compress.rank_curve")

ui.end_page()
