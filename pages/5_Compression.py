"""Compression lab: pruning, int8 quantization, low-rank, compact filters and distillation, measured alike.

Read widgets → call kdviz.compress → show. Nothing trains on open: the page shows this
session's last run, else a finished comparison from the disk cache, else the results
shipped with kdviz (kdviz/results/compress.json) with where they were measured. Run
computes the comparison under a progress bar. Methods, notes and progress messages are
catalog keys with fields, shown in the chosen language. The presets, columns and units are
kdviz.compress.table's; the chart, the table and the rank study are drawn by ui.compression_page.
"""

import streamlit as st

import ui
from kdviz import compress as kc
from kdviz.compress import table as ctable
from ui import compression_page

res = ui.start_page("comp.page_title")
st.title(ui.tr("comp.title"))
st.write(ui.tr("comp.intro"))
if res is None:
    st.stop()
st.session_state.setdefault("compress.result", None)  # (cache key, DataFrame) of this session's last run

left, right = st.columns([1, 2.4], gap="large")
with left:
    presets = {name: ui.tr(label) for name, (_, label) in ctable.PRESETS.items()}  # a dict's get, not a lambda: AppTest formats with it
    preset = st.radio(ui.tr("comp.settings"), list(presets), key="compress.preset", format_func=presets.get)
    threads = st.selectbox(ui.tr("comp.threads"), [1, 2], key="compress.threads", help=ui.tr("comp.threads_help"))
config = ctable.PRESETS[preset][0].replace(threads=int(threads))
key = kc.compare_key(res, config)
cached = kc.load_cached_compare(key)
with left:
    run = st.button(ui.tr("comp.run_again") if cached is not None else ui.tr("common.run"), key="compress.run", type="primary")
    st.caption(ui.tr("comp.plan", n=len(kc.plan(config)), seeds=list(config.seeds)))
with right:
    df, shown = compression_page.comparison(res, config, key, cached, run=run)  # the table shown, the settings it was computed with
    df, extras, weak = compression_page.pareto(df, shown)  # weak, per row: trained for fewer epochs than the full comparison

if df is not None:
    compression_page.table(df, weak, shown, extras)
compression_page.rank_section(res, shown, df, extras)

ui.end_page()
