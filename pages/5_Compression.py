"""Compression lab: pruning, int8 quantization, low-rank, compact filters and distillation, measured alike.

Read widgets → call kdviz.compress → show. Nothing trains on open: a finished comparison
opens from the disk cache; Run computes it under a progress bar. The rank slider works on
the cached baseline student. Every text shown is in the chosen language (kdviz.i18n);
the table's methods, families and notes are the library's ids, shown through
kdviz.plots_compress's labels.
"""

import pandas as pd
import streamlit as st
import torch

import ui
from kdviz import compress as kc
from kdviz import plots_compress as pc

PRESETS = {  # option → (settings, label key); the full one is the README's table
    "quick": (kc.QUICK, "comp.preset_quick"),
    "full": (kc.DEFAULT, "comp.preset_full"),
}
X_AXES = {  # option (a column of the table) → label key
    "size_bytes": "comp.x_size", "sparse_bytes": "comp.x_sparse", "latency_ms_1": "comp.x_latency_1", "latency_ms_256": "comp.x_latency_256",
}
COLUMNS = {  # column shown → its label key
    "method": "comp.col_method", "family": "comp.col_family", "from": "comp.col_from", "parameters": "comp.col_params",
    "size": "comp.col_size", "csr": "comp.col_csr", "ms_1": "comp.col_ms_1", "ms_256": "comp.col_ms_256", "acc": "comp.col_acc",
    "seconds": "comp.col_seconds", "zero": "comp.col_zero", "note": "comp.col_note",
}
CURVE_RANKS = (1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64, 96, 128)

res = ui.start_page("comp.page_title")
st.title(ui.tr("comp.title"))
st.write(ui.tr("comp.intro"))
lang = ui.lang()
if res is None:
    st.stop()
st.session_state.setdefault("compress.result", None)  # (cache key, DataFrame) of this session's last run


def one_line_progress(label: str, fn, *args, **kwargs):
    """Call ``fn(..., progress=...)`` under a progress bar; on failure one st.error line, and None."""
    bar = st.progress(0.0, text=label)
    try:
        out = fn(*args, progress=lambda f, msg: bar.progress(f, text=ui.tr("comp.progress", label=label, message=pc.progress_label(msg, lang))),
                 **kwargs)
    except Exception as err:  # one line, never a traceback
        bar.empty()
        st.error(ui.tr("comp.failed", label=label, error=ui.one_line(err)))
        return None
    bar.empty()
    return out


@st.cache_data(show_spinner=False, max_entries=8)
def rank_curve(_student, student_key: str, ranks: tuple[int, ...]) -> pd.DataFrame:
    return kc.svd_rank_curve(_student, res.data, ranks)


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
        df = one_line_progress(ui.tr("comp.title"), kc.compare, res, config=config, use_cache=cached is None)
        if df is not None:
            st.session_state["compress.result"] = (key, df)
    last = st.session_state["compress.result"]
    if last is not None and last[0] == key:
        df = last[1]
    elif cached is not None:
        df = cached
    else:
        df = None
    if df is None:
        st.info(ui.tr("comp.empty"))
    else:
        if df.attrs.get("cached"):
            st.caption(ui.tr("comp.from_cache", seconds=df.attrs.get("wall_seconds", 0)))
        axes = {column: ui.tr(label) for column, label in X_AXES.items()}
        x = st.radio(ui.tr("comp.x_label"), list(axes), horizontal=True, key="compress.x", format_func=axes.get)
        st.plotly_chart(pc.pareto_figure(df, x=x, threads=config.threads, lang=lang), key="compress.pareto")

if df is not None:
    n = int(df["n_seeds"].max())
    acc = [f"{100 * m:.1f}" + ("" if s != s else f" ± {100 * s:.1f}") for m, s in zip(df["test_acc"], df["test_acc_std"])]
    bases = {row["base"]: row for _, row in df[df["family"] == "baseline"].iterrows()}
    col = {name: ui.tr(k) for name, k in COLUMNS.items()}
    table = pd.DataFrame({
        col["method"]: [pc.method_label(m, lang) for m in df["method"]], col["family"]: [pc.family_label(f, lang) for f in df["family"]],
        col["from"]: [pc.base_label(b, lang) for b in df["base"]], col["parameters"]: df["params"],
        col["size"]: df["size_bytes"] / 1e3, col["csr"]: df["sparse_bytes"] / 1e3, col["ms_1"]: df["latency_ms_1"],
        col["ms_256"]: df["latency_ms_256"], col["acc"]: acc, col["seconds"]: df["seconds"], col["zero"]: df["sparsity"],
        col["note"]: df["note"] if lang == "en" else [pc.note_label(row, bases[row["base"]], lang) for _, row in df.iterrows()],
    })
    st.dataframe(table, hide_index=True, key="compress.table", height=35 * (len(table) + 1) + 3, column_config={
        col["parameters"]: st.column_config.NumberColumn(format="%d"),
        col["size"]: st.column_config.NumberColumn(format="%.1f"), col["csr"]: st.column_config.NumberColumn(format="%.1f"),
        col["ms_1"]: st.column_config.NumberColumn(format="%.3f"), col["ms_256"]: st.column_config.NumberColumn(format="%.2f"),
        col["seconds"]: st.column_config.NumberColumn(format="%.2f"), col["zero"]: st.column_config.NumberColumn(format="%.3f"),
    })
    st.caption(ui.tr(
        "comp.table_caption", seeds=ui.tr("plots_compress.seed" if n == 1 else "plots_compress.seeds", n=n), seed_list=list(config.seeds),
        repeats_1=config.repeats_1, repeats_256=config.repeats_256, warmup=config.warmup,
        threads=ui.tr("comp.torch_thread" if config.threads == 1 else "comp.torch_threads", n=config.threads),
        engine=df.attrs.get("engine", ""),
    ))
    st.subheader(ui.tr("comp.trades"))
    for fam in kc.FAMILIES:
        st.markdown(ui.tr("comp.family_line", family=pc.family_label(fam, lang), note=pc.family_note(fam, lang)))

st.subheader(ui.tr("comp.rank_header"))
hit = kc.cached_student(res, config)
if hit is None:
    st.info(ui.tr("comp.rank_empty"))
else:
    student, meta = hit
    rank = st.slider(ui.tr("comp.rank_slider"), 1, 128, 16, key="compress.rank")
    curve = rank_curve(student, meta["sha256"], tuple(sorted({*CURVE_RANKS, int(rank)})))
    here = curve.set_index("rank").loc[int(rank)]
    dense_acc = kc.accuracy_on_test(student, res.data)
    dense_params = kc.stored_params(student)
    first = next(m for m in student.modules() if isinstance(m, torch.nn.Linear))
    n_in, n_out = first.in_features, first.out_features
    break_even = n_in * n_out // (n_in + n_out)  # r·(in + out) ≥ in·out above this rank
    c1, c2 = st.columns([1, 2])
    with c1:
        st.metric(ui.tr("comp.test_acc"), f"{100 * here.test_acc:.1f} %", ui.tr("comp.points", delta=100 * (here.test_acc - dense_acc)))
        st.metric(ui.tr("comp.params"), f"{int(here.params):,}", f"{int(here.params) - dense_params:+,}", delta_color="inverse")
        st.write(ui.tr(
            "comp.rank_explain", rank=int(rank), n_in=n_in, n_out=n_out, mid=min(int(rank), n_out), error=here.rel_error,
            acc=100 * dense_acc, params=dense_params, seed=config.seeds[0], break_even=break_even,
        ))
    with c2:
        st.plotly_chart(pc.rank_curve_figure(curve, rank=int(rank), dense_acc=dense_acc, dense_params=dense_params, lang=lang),
                        key="compress.rank_curve")

ui.end_page()
