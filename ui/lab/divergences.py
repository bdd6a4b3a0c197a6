"""The Lab's "Which divergence" tab: forward KL against the other soft terms (kdviz.lab.divergences), on the page's
data set: this session's quick run, else the shipped full run."""

from __future__ import annotations

import streamlit as st

import ui
from kdviz.lab import divergences as ldv
from kdviz.maths.stats import plus_minus
from kdviz.viz import plots_lab as pl
from ui.lab.common import drawn, seeds_run_explained

VERDICTS = {"helps": "lab.div_v_helps", "hurts": "lab.div_v_hurts", "noise": "lab.div_v_noise"}


def divergence_tab(res, is_open: bool) -> None:
    seeds, epochs, run = seeds_run_explained("divergences", "lab.div_explain", max_epochs=30)
    ran = ui.run_with_progress(ui.tr("lab.tab_divergences"), ldv.divergence_compare, res, seeds=seeds,
                               epochs=epochs) if run else None
    df = drawn("divergences", None if ran is None else ldv.divergence_frame(ldv.divergence_json(ran, res)), run, is_open,
               ldv.shipped_name(res.dataset) or "divergences", ldv.divergence_frame, empty=ui.tr("lab.div_empty"))
    if df is None:
        return
    names = {key: ui.tr(label) for key, _, label in ldv.ARMS}
    ui.cached_chart(pl.divergence_figure, df, names, lang=ui.lang(), key="divergences.chart")
    others = df[df["arm"] != ldv.REFERENCE]
    beyond = [names[a] for a, v in zip(others["arm"], others["verdict"]) if v in ("helps", "hurts")]
    st.write(ui.tr("lab.div_summary", n=len(df["test_acc_per_seed"].iloc[0]), noise=len(others) - len(beyond), arms=len(others),
                   beyond=", ".join(beyond) if beyond else ui.tr("lab.div_none")))
    table = df.assign(
        name=[names[a] for a in df["arm"]],
        acc=[plus_minus(m, s, scale=100, digits=2, unit=" %") for m, s in zip(df["test_acc"], df["test_acc_std"])],
        points=["" if a == ldv.REFERENCE else plus_minus(g, s, scale=100, digits=2)
                for a, g, s in zip(df["arm"], df["gain"], df["gain_std"])],
        said=[ui.tr("lab.div_v_reference") if a == ldv.REFERENCE else ui.tr(VERDICTS[v]) for a, v in zip(df["arm"], df["verdict"])])
    st.dataframe(table, hide_index=True, width="stretch", column_order=["name", "acc", "points", "said"], column_config={
        "name": st.column_config.TextColumn(ui.tr("lab.div_col_arm")),
        "acc": st.column_config.TextColumn(ui.tr("lab.dkd_col_acc")),
        "points": st.column_config.TextColumn(ui.tr("lab.div_col_gain")),
        "said": st.column_config.TextColumn(ui.tr("lab.div_col_verdict"))})
