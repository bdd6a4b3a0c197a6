"""The Train page's press, followed to its end: its place in the training queue, its training streamed live, and how
it ended (shown once). The press itself is :class:`kdviz.serve.press.Press`; the words are :mod:`kdviz.train.summary`'s
fields in the catalog's messages."""

from __future__ import annotations

import time

import pandas as pd
import streamlit as st

from kdviz.serve import press as kpress
from kdviz.train import summary as ks
from kdviz.viz import plots
from ui.charts import cached_chart, chart
from ui.text import lang, tr
from ui.training import scroll_into_view

QUEUE_POLL_S = 2.5  # a waiting press polls its place this often; that poll is its heartbeat (the queue drops it after 10 s)


@st.fragment(run_every=QUEUE_POLL_S)
def waiting(job: kpress.Press) -> None:
    """The press's place in the training queue, its estimate and Cancel; polled, and the poll is the heartbeat
    (leave the page or close the tab, and the place is given up after a few seconds)."""
    job.heartbeat()
    place, wait = job.position(), job.estimate_s()
    if not place:  # its turn came (0), or it ended (None): the whole page follows
        st.rerun()
    with st.container(border=True, key="queue_box"):
        st.markdown(tr("queue.place", place=place, n=job.queue.slots))
        st.caption(tr("queue.estimate", seconds=wait) if wait is not None else tr("queue.estimate_none"))
        if st.button(tr("queue.cancel"), key="queue_cancel", icon=":material/close:"):
            job.cancel()
            st.rerun()


def live_training(job: kpress.Press):
    """Stream the press's training: its chart, progress and, when other presses follow the same training, how many;
    returns the placeholders and the status box, to be emptied."""
    state = st.session_state
    live = st.container(key="train_live")  # the live chart and its progress, scrolled into view once per press
    where, bar = live.empty(), live.progress(0.0)
    if state.get("_train_scrolled") is not job:
        with live:
            scroll_into_view("train_live")
        state["_train_scrolled"] = job
    shown = {"distilled": tr("train.distilled"), "baseline": tr("train.baseline")}
    shared, k = live.empty(), 1  # "one training for k presses", once a second press follows the same training
    with st.status(tr("train.training"), expanded=False) as status:
        ticked, drawn, frames, seen, drawn_n, drawn_seed = 0.0, 0.0, 0, 0, 0, None
        epochs = job.config.epochs
        cached_chart(plots.training_figure, {}, epochs=epochs, lang=lang(), key="live_0", where=where)  # axes at once
        fig = None  # a shared training's chart: every tenth of the epochs, built once per server
        while not job.wait(0.25):  # a new epoch row, or a quarter second
            if time.perf_counter() - ticked < 0.25:  # at most 4 looks a second, however many rows come
                continue
            ticked = time.perf_counter()
            v = job.view()
            if v.shared_with != k:
                k = v.shared_with
                shared.caption(tr("train.shared_live", k=k))
            if v.done == seen:
                continue
            seen = v.done
            bar.progress(v.done / v.total, text=tr("train.progress", name=shown[v.last["name"]], **ks.progress_fields(v.last, epochs)))
            if k > 1:  # the class's learners draw the same frames: each built once (ui.cached_chart), then only sent
                if v.seed != drawn_seed:  # the next seed's rows start again
                    drawn_n, drawn_seed = 0, v.seed
                n = ks.frame_epochs(v.rows, epochs)  # epochs every model has
                if n > drawn_n:
                    drawn_n, frames = n, frames + 1
                    cached_chart(plots.training_figure, {name: pd.DataFrame(r[:n]) for name, r in v.rows.items()},
                                 epochs=epochs, lang=lang(), key=f"live_{frames}", where=where)
            elif v.rows and time.perf_counter() - drawn > 0.5:  # redraw at most twice a second
                drawn, frames = time.perf_counter(), frames + 1
                rows = {name: pd.DataFrame(r) for name, r in v.rows.items()}
                again = fig is not None and plots.refill_training_figure(fig, rows)  # the same runs: new data only
                if not again:
                    fig = plots.training_figure(rows, epochs=epochs, lang=lang())
                chart(fig, key=f"live_{frames}", where=where, again=again)
    return where, bar, shared, status


def follow(job: kpress.Press) -> None:
    """This session's press: its place in the queue, or its training streamed live, then how it ended (once)."""
    if job.view().phase == "waiting":
        waiting(job)
        return
    if job.view().phase == "finished":  # a press that follows a training just ended: its result at once, no live chart
        with st.status(tr("train.training"), expanded=False) as status:
            pass
        where = bar = shared = st.empty()
    else:
        where, bar, shared, status = live_training(job)
    with status:
        v = job.view()
        if v.outcome == "done":
            status.update(label=tr("train.finished", run=v.runs[-1].run_id, wall=v.wall_s, queued=v.queued_s or 0.0),
                          state="complete")
        else:
            status.update(state="error" if v.outcome == "error" else "complete")
    bar.empty()
    where.empty()
    shared.empty()
    st.session_state.pop("train_press", None)  # shown: the runs are in state["runs"] (the press stored them)
    if v.outcome == "error":  # a bad setting: one line, the history is untouched
        st.error(v.error)
    elif v.outcome in ("cancelled", "dropped"):
        st.info(tr({"cancelled": "queue.cancelled", "dropped": "queue.dropped"}[v.outcome]))
