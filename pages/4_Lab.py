"""Distillation lab: fewer labels, self-distillation, two teachers into one, a digit never seen, T × γ sweep, KD vs DKD,
beyond logits (feature distillation), the capacity gap and which divergence.

Read widgets → call kdviz.lab / kdviz.train.sweep → show. Nothing trains on open: each tab shows
the full runs shipped with kdviz (kdviz/results/, written by the CLI's ``--ship``) until its
Run button (quick defaults) computes a result of this session; the sweep tab also opens a
finished sweep of the chosen grid from the disk cache. The tabs are in ui/lab/, what their results say in
kdviz/lab/verdicts.py.
"""

import streamlit as st

import ui
from ui import lab as lab_ui

res = ui.start_page("lab.page_title")
lab_ui.init_state()

TABS = {"lab.tab_fewer": lab_ui.fewer_labels_tab, "lab.tab_self": lab_ui.self_distill_tab, "lab.tab_merge": lab_ui.merge_tab,
        "lab.tab_omit": lab_ui.omit_tab, "lab.tab_sweep": lab_ui.sweep_tab, "lab.tab_dkd": lab_ui.dkd_tab,
        "lab.tab_features": lab_ui.features_tab, "lab.tab_capacity": lab_ui.capacity_tab,
        "lab.tab_divergences": lab_ui.divergence_tab}

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
