"""The Compression page's Streamlit side: which comparison it shows, its Pareto chart, its table and the rank study.

The numbers are :mod:`kdviz.compress.table`'s; here they are drawn, with the page's widgets that only exist once a
table is there (the x axis, the column group, the rank).
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from kdviz import compress as kc
from kdviz.compress import table as ctable
from kdviz.viz import plots_compress as pc
from ui.charts import cached_chart
from ui.resources import run_with_progress, shipped_result
from ui.text import lang, tr


@st.cache_data(show_spinner=False, max_entries=8)
def rank_study(_student, _data, student_key: str, ranks: tuple[int, ...]) -> dict:
    """:func:`kdviz.compress.rank_study` of the baseline student on ``_data``, once per student (``student_key``, its
    weights' sha256) and ranks."""
    return kc.rank_study(_student, _data, ranks)


def comparison(res, config, key: str, cached, *, run: bool):
    """``(df, shown)``: the comparison to show and the settings it was computed with. A press on Run computes it under a
    progress bar (kept in the session); else this session's last run with these settings, else the one cached on this
    machine (said so), else the one shipped with kdviz (said where it was measured), else ``(None, config)``."""
    if run:
        df = run_with_progress(tr("comp.title"), kc.compare, res, config=config, use_cache=cached is None)
        if df is not None:
            st.session_state["compress.result"] = (key, df)
    last = st.session_state["compress.result"]
    if last is not None and last[0] == key:  # this session's run
        return last[1], config
    if cached is not None:  # computed on this machine before
        st.caption(tr("comp.from_cache", seconds=cached.attrs.get("wall_seconds", 0)))
        return cached, config
    # the results shipped with kdviz, unless they no longer match the data or the teacher
    return shipped_result("compress", kc.from_result, empty=tr("comp.empty")) or (None, config)


def pareto(df, shown):
    """The warning for rows trained shorter than the full comparison, the x axis's choice and the Pareto chart.
    Returns ``(df, extras, weak)``: ``df`` without its attrs (``extras``: the per-seed rows, the rank study, the engine)
    and, per row, whether it was undertrained (:func:`kdviz.compress.undertrained`); ``(None, {}, None)`` for none."""
    if df is None:
        return None, {}, None
    extras, df = df.attrs, df.copy()  # the per-seed rows and the rank study ride in attrs: pandas would
    df.attrs = {}  # deep-copy them at every step below, ~50 ms a rerun; the page reads them from `extras`
    weak = kc.undertrained(df["family"], df["base"], shown)
    short = kc.short_training(shown)
    if any(weak):
        parts = {"student": "comp.short_student", "compact": "comp.short_compact"}
        st.warning(tr("comp.undertrained", what=tr("comp.short_sep").join(
            tr(parts[k], n=n, full=full) for k, (n, full) in short.items())))
    axes = {column: tr(label) for column, label in ctable.X_AXES.items()}
    x = st.radio(tr("comp.x_label"), list(axes), horizontal=True, key="compress.x", format_func=axes.get)
    cached_chart(pc.pareto_figure, df, x=x, threads=shown.threads, undertrained=weak, lang=lang(), key="compress.pareto")
    return df, extras, weak


def table(df, weak, shown, extras) -> None:
    """The table in column groups (the group's choice above it), its caption, the CSV, the notes and the families."""
    col = {name: tr(k) for name, k in ctable.COLUMNS.items()}
    names = [tr("comp.undertrained_method", method=m) if w else m for m, w in zip(pc.method_names(df, lang()), weak)]
    values = {"method": names, "family": [pc.family_label(f, lang()) for f in df["family"]],
              "from": [pc.base_label(b, lang()) for b in df["base"]], **ctable.numbers(df), "note": pc.note_texts(df, lang())}
    shown_values = ctable.shown_numbers(values, df)
    groups = {name: tr(label) for name, (label, _) in ctable.GROUPS.items()}
    group = st.segmented_control(tr("comp.columns"), list(groups), default="accuracy", required=True,
                                 key="compress.columns", format_func=groups.get)
    st.table(pd.DataFrame({col[name]: shown_values.get(name, values[name]) for name in ["method", *ctable.GROUPS[group][1]]}),
             hide_index=True)
    n_seeds = ctable.max_seeds(df)
    st.caption(tr(
        "comp.table_caption", seed_list=list(shown.seeds), spread=tr("comp.spread_single") if n_seeds == 1
        else tr("comp.spread", seeds=tr("plots_compress.seeds", n=n_seeds)),
        repeats_1=shown.repeats_1, repeats_256=shown.repeats_256, warmup=shown.warmup,
        threads=tr("comp.torch_threads", n=shown.threads), engine=extras.get("engine", ""),
    ))
    st.download_button(tr("comp.download"), pd.DataFrame({col[name]: values[name] for name in ctable.COLUMNS}).to_csv(
        index=False, float_format="%.8g").encode("utf-8-sig"), "kdviz-compression.csv", "text/csv", key="compress.download",
        help=tr("comp.download_help"))  # utf-8 with a BOM: spreadsheets read the Chinese headers right
    st.subheader(tr("comp.notes_header"))
    st.table(pd.DataFrame({col["method"]: names, col["note"]: values["note"]}), hide_index=True)
    st.subheader(tr("comp.trades"))
    for fam in kc.FAMILIES:
        st.markdown(tr("comp.family_line", family=pc.family_label(fam, lang()), note=pc.family_note(fam, lang())))


def rank_section(res, shown, df, extras) -> None:
    """The student's accuracy against the rank of its first layer: any rank when the baseline student is on disk, the
    measured ranks of the table's study else, or one line."""
    st.subheader(tr("comp.rank_header"))
    hit = kc.cached_student(res, shown)
    study = None
    if hit is not None:  # the baseline student is on disk: any rank
        student, meta = hit
        rank = st.slider(tr("comp.rank_slider"), 1, 128, 16, key="compress.rank")
        study = rank_study(student, res.data, meta["sha256"], tuple(sorted({*kc.CURVE_RANKS, int(rank)})))
    elif df is not None and extras.get("rank_study"):  # measured with the table: its ranks only
        study = extras["rank_study"]
        ranks = [int(r["rank"]) for r in study["rows"]]
        rank = st.select_slider(tr("comp.rank_slider"), ranks, 16 if 16 in ranks else ranks[0], key="compress.rank_measured")
        st.caption(tr("comp.rank_shipped"))
    else:
        st.info(tr("comp.rank_empty"))
    if study is None:
        return
    point = ctable.rank_point(study, rank)
    dense_acc, dense_params = study["dense_acc"], study["dense_params"]
    c1, c2 = st.columns([1, 2])
    with c1:
        st.metric(tr("comp.test_acc"), point["acc"], tr("comp.points", delta=point["points"]))
        st.metric(tr("comp.params"), point["params"], point["params_delta"], delta_color="inverse")
        st.write(tr(
            "comp.rank_explain", rank=int(rank), n_in=study["n_in"], n_out=study["n_out"], mid=point["mid"],
            error=point["error"], acc=100 * dense_acc, params=dense_params, seed=shown.seeds[0], break_even=study["break_even"],
        ))
    with c2:
        cached_chart(pc.rank_curve_figure, pd.DataFrame(study["rows"]), rank=int(rank), dense_acc=dense_acc,
                     dense_params=dense_params, lang=lang(), key="compress.rank_curve")
