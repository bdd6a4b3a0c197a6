"""The Train page's results: what a press would train, the pointer to the Lab, the last press's gain and run, where its
student and the teacher disagree, and the session's history with its downloads. The numbers are
:mod:`kdviz.train.runs`'s and :mod:`kdviz.train.summary`'s; here they are drawn."""

from __future__ import annotations

import streamlit as st

from kdviz.data import datasets
from kdviz.lab import results as labres
from kdviz.serve import press as kpress
from kdviz.train import runs as kruns
from kdviz.train import summary as ks
from kdviz.viz import plots
from ui.charts import cached_chart
from ui.pages import page_link
from ui.resources import class_names, shipped_value
from ui.text import lang, tr, words


def what_a_press_trains(config, *, baseline: bool, three: bool, default_epochs: int) -> None:
    """The info box of an empty history: the settings a press would train now, and the data set's default epochs."""
    st.info(tr("train.empty", what=tr(ks.press_message(baseline, three)), arch=ks.arch(config.hidden),
               epochs=tr("train.n_epochs", n=config.epochs), default=default_epochs))


def lab_pointer(res) -> None:
    """One sentence on the larger effect, fewer labels, with its numbers from the shipped Lab result, and the link."""
    if res.dataset != datasets.DEFAULT:  # the Lab's shipped results are the MNIST digits': the link alone
        page_link("pages/4_Lab.py", label=tr("train.lab_link"), icon=":material/science:")
        return
    _, h = shipped_value("fewer_labels", lambda result: labres.fewer_labels_headline(labres.fewer_labels_frames(result)))
    if h is not None:  # else (nothing shipped, stale or damaged): the link alone
        st.markdown(tr("train.lab_pointer", **ks.lab_pointer_fields(h)))
    page_link("pages/4_Lab.py", label=tr("train.lab_link"), icon=":material/science:")


def gain(group, res) -> None:
    """The gain of the last press's students (``group``, one per seed) over their baselines, and whether it is within
    the noise; one line when they were trained without a baseline."""
    g = kruns.run_gain(group, res.data.y_test)
    if g is None:
        st.info(tr("train.no_baseline"))
        return
    key, fields = ks.headline_message(g, group)
    st.markdown(tr(words(key), **fields))
    key, fields = ks.noise_message(g)
    st.markdown(tr(words(key), **fields))
    st.caption(tr(words("train.se_caption"), n=g.n))


def last_run(run, group, res) -> None:
    """The last run: its settings, its press's timing and sharing, its curves, who led when, and its table."""
    histories = {"distilled": run.history} | ({"baseline": run.baseline_history} if run.baseline_history is not None else {})
    header, dkd = ks.run_header_fields(run)
    st.markdown("#### " + tr("train.run_header", **header | {"epochs": tr("train.n_epochs", n=header["epochs"])})
                + (tr("train.run_dkd", **dkd) if dkd is not None else ""))
    last = group[-1]  # the press's last run: its wait is the press's
    if "wall_s" in last.extra:
        st.caption(tr("train.timing", wall=last.extra["wall_s"], queued=last.extra["queued_s"]))
    if (presses := kpress.shared_trainings().shared_with(last)) > 1:  # counted now: later presses add to it
        st.caption(tr("train.shared", k=presses))
    cached_chart(plots.training_figure, histories, epochs=run.config.epochs, lang=lang(), key="curves")  # once per
    # server for a run that a class shares (equal histories), as the three below
    if run.baseline_history is not None:  # who led when: the curves cross, and the text says where
        key, fields = ks.lead_message(*kruns.lead(run.history, run.baseline_history), epochs=len(run.history))
        st.caption(tr(key, **fields))
    table = kruns.results_table(run, res)
    table["model"] = [tr(ks.MODELS[m]) for m in table["model"]]
    st.dataframe(table, hide_index=True, width="stretch", column_config={
        "model": st.column_config.TextColumn(tr("train.col_model"), pinned=True),
        "test_acc": st.column_config.NumberColumn(tr("train.col_test_acc"), format="percent"),
        "agreement": st.column_config.NumberColumn(tr("train.col_agreement"), format="percent",
                                                   help=tr(words("train.col_agreement_help"), n=len(res.data.y_test))),
        "params": st.column_config.NumberColumn(tr("train.col_params"), format="%d"),
        "seconds": st.column_config.NumberColumn(tr("train.col_seconds"), format="%.1f")},
        column_order=["model", "test_acc", "agreement", "params", "seconds"])  # size = 4 bytes × params: left off for width


def disagreements(run, res) -> None:
    """The student's confusion matrix and per-class accuracy side by side, and the test images on which it and the
    teacher disagree."""
    left, right = st.columns(2, gap="large")
    classes = None if datasets.is_digits(res.dataset) else class_names()  # the axes name clothes, not digits
    cached_chart(plots.confusion_figure, kruns.student_confusion(run, res), tr("train.confusion"), lang=lang(),
                 classes=classes, key="confusion", where=left)
    cached_chart(plots.per_class_figure, kruns.per_class(run, res), lang=lang(), classes=classes, key="per_class", where=right)
    dis = kruns.disagreements(run, res, k=12)
    n_test = len(res.data.y_test)
    st.markdown("#### " + tr(words("train.disagree"), n=ks.disagreement_count(run.agreement, n_test), total=n_test))
    if len(dis):
        name = class_names()
        st.image([255 - res.data.images_test[i] for i in dis["index"]], width=100,  # ink dark on paper
                 caption=[tr("train.disagree_caption", label=name[y], teacher=name[t], student=name[s], p=100 * p)
                          for i, y, t, s, p in dis.itertuples(index=False)])


def history(here) -> None:
    """The session's runs on this data set (``here``, oldest first): their table and chart, the CSV, a run's weights,
    and Clear (this data set's runs only; the page runs again)."""
    st.subheader(tr("train.history"), divider="gray")
    hist = kruns.history_table(here)
    view_ = kruns.history_view(hist)  # percentages, as shown and downloaded
    labels, formats = ks.HISTORY_HEADERS, ks.HISTORY_FORMATS
    st.dataframe(view_, hide_index=True, width="stretch", column_order=[c for c in labels if c != "seconds"], column_config={
        c: st.column_config.NumberColumn(tr(k), format=formats.get(c), pinned=c == "run") if c not in ("hidden", "method")
        else st.column_config.TextColumn(tr(k)) for c, k in labels.items()})  # training time: in the CSV (table width)
    h1, h2 = st.columns([2, 1], gap="large")
    cached_chart(plots.runs_figure, hist, lang=lang(), key="runs", where=h1)
    with h2:
        st.download_button(tr("train.download_history"),
                           view_.rename(columns={c: tr(k) for c, k in labels.items()}).to_csv(index=False).encode(),
                           "kdviz-runs.csv", "text/csv", width="stretch")
        pick = st.selectbox(tr("train.weights_of"), [r.run_id for r in here][::-1], key="_weights_run")
        chosen = next(r for r in here if r.run_id == pick)
        st.download_button(tr("train.download_weights", run=pick), chosen.weights,
                           f"kdviz-student-run{pick}.safetensors", "application/octet-stream", width="stretch",
                           help=tr("train.download_weights_help"))
        if st.button(tr("train.clear"), width="stretch"):
            state = st.session_state
            state["runs"] = [r for r in state["runs"] if r not in here]  # this data set's history; the other's is kept
            st.rerun()
