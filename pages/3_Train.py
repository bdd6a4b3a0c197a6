"""Train: a student distilled live from the teacher, beside a baseline from the same initialisation."""

import time

import pandas as pd
import streamlit as st

import ui
from kdviz.data import datasets
from kdviz.lab import results as labres
from kdviz.maths.stats import plus_minus
from kdviz.serve import press as kpress
from kdviz.train import runs as kruns
from kdviz.train.loop import TrainConfig
from kdviz.viz import plots

res = ui.start_page("nav.train", data=datasets.offered())  # MNIST digits or Fashion-MNIST (fewer epochs by default)
st.title(ui.tr("train.title"))
ui.demo_step("train")
if res is None:
    st.stop()

state = st.session_state
state.setdefault("runs", [])  # finished runs of this session, oldest first (kdviz.train.runs.Run)
MAX_RUNS = 30  # oldest dropped beyond this, so a long class stays within memory
QUEUE_POLL_S = 2.5  # a waiting press polls its place this often; that poll is its heartbeat (the queue drops it after 10 s)
SIZES = {"784-32-10": (32,), "784-64-10": (64,), "784-128-10": (128,), "784-256-10": (256,),
         "784-512-10": (512,), "784-256-128-10": (256, 128), "784-800-800-10": (800, 800)}
HINTON = "784-800-800-10"  # the size of Hinton et al. (2015)
defaults = TrainConfig()
n_train = len(res.data.y_train)
default_epochs = datasets.student_epochs(res.dataset, n_train)  # 30 on 4,000 digits, 5 on 60,000 images
if state.get("_train_epochs_of") != res.dataset:  # a new session, or another data set: its default epochs
    state["_train_epochs"], state["_train_epochs_of"] = default_epochs, res.dataset


def lab_pointer() -> None:
    """One sentence on the larger effect, fewer labels, with its numbers from the shipped Lab result, and the link."""
    if res.dataset != datasets.DEFAULT:  # the Lab's shipped results are the MNIST digits': the link alone
        ui.page_link("pages/4_Lab.py", label=ui.tr("train.lab_link"), icon=":material/science:")
        return
    _, h = ui.shipped_value("fewer_labels", lambda result: labres.fewer_labels_headline(labres.fewer_labels_frames(result)))
    if h is not None:  # else (nothing shipped, stale or damaged): the link alone
        st.markdown(ui.tr("train.lab_pointer", pct=100 * h["fraction"], n=h["n_labelled"], distilled=100 * h["distilled"],
                          baseline=100 * h["baseline"], gain=100 * h["gain"], seeds=", ".join(map(str, h["seeds"]))))
    ui.page_link("pages/4_Lab.py", label=ui.tr("train.lab_link"), icon=":material/science:")


@st.fragment(run_every=QUEUE_POLL_S)
def waiting(job: kpress.Press) -> None:
    """The press's place in the training queue, its estimate and Cancel; polled, and the poll is the heartbeat
    (leave the page or close the tab, and the place is given up after a few seconds)."""
    job.heartbeat()
    place, wait = job.position(), job.estimate_s()
    if not place:  # its turn came (0), or it ended (None): the whole page follows
        st.rerun()
    with st.container(border=True, key="queue_box"):
        st.markdown(ui.tr("queue.place", place=place, n=job.queue.slots))
        st.caption(ui.tr("queue.estimate", seconds=wait) if wait is not None else ui.tr("queue.estimate_none"))
        if st.button(ui.tr("queue.cancel"), key="queue_cancel", icon=":material/close:"):
            job.cancel()
            st.rerun()


def live_training(job: kpress.Press):
    """Stream the press's training: its chart, progress and, when other presses follow the same training, how many;
    returns the placeholders and the status box, to be emptied."""
    live = st.container(key="train_live")  # the live chart and its progress, scrolled into view once per press
    chart, bar = live.empty(), live.progress(0.0)
    if state.get("_train_scrolled") is not job:
        with live:
            ui.scroll_into_view("train_live")
        state["_train_scrolled"] = job
    shown = {"distilled": ui.tr("train.distilled"), "baseline": ui.tr("train.baseline")}
    shared, k = live.empty(), 1  # "one training for k presses", once a second press follows the same training
    with st.status(ui.tr("train.training"), expanded=False) as status:
        ticked, drawn, frames, seen, drawn_n, drawn_seed = 0.0, 0.0, 0, 0, 0, None
        epochs = job.config.epochs
        ui.cached_chart(plots.training_figure, {}, epochs=epochs, lang=ui.lang(), key="live_0", where=chart)  # axes at once
        fig, step = None, max(1, epochs // 10)  # a shared training's chart: every step epochs, built once per server
        while not job.wait(0.25):  # a new epoch row, or a quarter second
            if time.perf_counter() - ticked < 0.25:  # at most 4 looks a second, however many rows come
                continue
            ticked = time.perf_counter()
            v = job.view()
            if v.shared_with != k:
                k = v.shared_with
                shared.caption(ui.tr("train.shared_live", k=k))
            if v.done == seen:
                continue
            seen = v.done
            bar.progress(v.done / v.total, text=ui.tr("train.progress", name=shown[v.last["name"]], seed=v.last["seed"],
                                                      epoch=v.last["epoch"], epochs=epochs, acc=100 * v.last["test_acc"]))
            if k > 1:  # the class's learners draw the same frames: each built once (ui.cached_chart), then only sent
                if v.seed != drawn_seed:  # the next seed's rows start again
                    drawn_n, drawn_seed = 0, v.seed
                n = min((len(r) for r in v.rows.values()), default=0) // step * step  # epochs every model has
                if n > drawn_n:
                    drawn_n, frames = n, frames + 1
                    ui.cached_chart(plots.training_figure, {name: pd.DataFrame(r[:n]) for name, r in v.rows.items()},
                                    epochs=epochs, lang=ui.lang(), key=f"live_{frames}", where=chart)
            elif v.rows and time.perf_counter() - drawn > 0.5:  # redraw at most twice a second
                drawn, frames = time.perf_counter(), frames + 1
                rows = {name: pd.DataFrame(r) for name, r in v.rows.items()}
                again = fig is not None and plots.refill_training_figure(fig, rows)  # the same runs: new data only
                if not again:
                    fig = plots.training_figure(rows, epochs=epochs, lang=ui.lang())
                ui.chart(fig, key=f"live_{frames}", where=chart, again=again)
    return chart, bar, shared, status


def follow(job: kpress.Press) -> None:
    """This session's press: its place in the queue, or its training streamed live, then how it ended (once)."""
    if job.view().phase == "waiting":
        waiting(job)
        return
    if job.view().phase == "finished":  # a press that follows a training just ended: its result at once, no live chart
        with st.status(ui.tr("train.training"), expanded=False) as status:
            pass
        chart = bar = shared = st.empty()
    else:
        chart, bar, shared, status = live_training(job)
    with status:
        v = job.view()
        if v.outcome == "done":
            status.update(label=ui.tr("train.finished", run=v.runs[-1].run_id, wall=v.wall_s, queued=v.queued_s or 0.0),
                          state="complete")
        else:
            status.update(state="error" if v.outcome == "error" else "complete")
    bar.empty()
    chart.empty()
    shared.empty()
    state.pop("train_press", None)  # shown: the runs are in state["runs"] (the press stored them)
    if v.outcome == "error":  # a bad setting: one line, the history is untouched
        st.error(v.error)
    elif v.outcome in ("cancelled", "dropped"):
        st.info(ui.tr({"cancelled": "queue.cancelled", "dropped": "queue.dropped"}[v.outcome]))


queue, pool = ui.train_queue()  # the first visit starts the training processes, ready before the press
off = ui.training_off() if queue is None else None  # why this server can't train (said above by train_queue)
controls, view = st.columns([1, 2.4], gap="large")
with controls:
    size = st.selectbox(ui.tr("train.size"), list(SIZES), index=2, key="_train_size", help=ui.tr("train.size_help"),
                        format_func=lambda s: ui.tr("train.size_hinton", size=s) if s == HINTON else s)
    c1, c2 = st.columns(2)
    epochs = c1.number_input(ui.tr("common.epochs"), 1, 100, key="_train_epochs")
    lr = c2.select_slider(ui.tr("train.lr"), [1e-4, 3e-4, 1e-3, 3e-3, 1e-2], value=defaults.lr, key="_train_lr",
                          format_func=lambda v: f"{v:g}")
    T = ui.T_slider()
    gamma = ui.gamma_slider()
    methods = {"kd": ui.tr("train.method_kd"), "dkd": ui.tr("train.method_dkd")}  # urlstate.METHODS → label
    method = ui.shared_widget(st.radio, "method", ui.tr("train.method"), list(methods), format_func=methods.get, horizontal=True,
                              help=ui.tr("train.method_help"))  # a radio wraps in the narrow column (a segmented control was cut off)
    alpha, beta, warmup = defaults.alpha, defaults.beta, defaults.warmup
    if method == "dkd":  # α, β (in the link, like T and γ) and the warm-up, one under the other (the column is narrow)
        alpha = ui.shared_widget(st.number_input, "alpha", ui.tr("train.alpha"), 0.0, 10.0, step=0.5, help=ui.tr("train.alpha_help"))
        beta = ui.shared_widget(st.number_input, "beta", ui.tr("train.beta"), 0.0, 20.0, step=1.0, help=ui.tr("train.beta_help"))
        warmup = st.number_input(ui.tr("train.warmup"), 0, 100, 0, key="_train_warmup", help=ui.tr("train.warmup_help"))
    seed = ui.shared_widget(st.number_input, "seed", ui.tr("train.seed"), 0, 2**31 - 1, help=ui.tr("train.seed_help"))
    with_baseline = st.toggle(ui.tr("train.with_baseline"), value=True, key="_train_baseline", help=ui.tr("train.with_baseline_help"))
    three = st.toggle(ui.tr("train.three_seeds"), value=False, key="_train_three", help=ui.tr("train.three_seeds_help"))
    waits = "train_press" in state and state["train_press"].view().phase == "waiting"  # one press at a time per learner
    go = st.button(ui.tr("train.button"), type="primary", width="stretch", key="train_button", disabled=waits or queue is None,
                   help=ui.tr("train.off", error=off) if queue is None else None)
    if queue is None:  # the help is a hover; a phone has none
        st.caption(ui.tr("train.off", error=off))
    st.markdown(ui.tr("train.explain"))
    if default_epochs != defaults.epochs:
        st.caption(ui.tr("train.epochs_full", n=n_train, epochs=default_epochs))

config = defaults.replace(hidden=SIZES[size], epochs=int(epochs), lr=float(lr), T=float(T), gamma=float(gamma), seed=int(seed),
                          method=method, alpha=float(alpha), beta=float(beta), warmup=int(warmup))

with view:
    job = state.get("train_press")  # this session's press (kdviz.serve.press.Press): waiting, training, or finished unseen
    if go and queue is not None and (job is None or job.view().phase == "finished"):
        # the same settings as a press in flight or just trained: follow that training; else join the queue (a slot per student)
        job = state["train_press"] = kpress.shared_trainings().press(
            res.data, res.logits, config, seeds=[config.seed + k for k in range(3 if three else 1)],  # seed, seed + 1, seed + 2
            baseline=with_baseline, first_id=(state["runs"][-1].run_id + 1) if state["runs"] else 1,
            queue=queue, owner=ui.session_id(), on_run=ui.keep_runs(MAX_RUNS), pool=pool, dataset=res.dataset)
    if job is not None:
        follow(job)

    here = kruns.runs_on(state["runs"], res.dataset)  # one history per session; this page shows this data set's runs
    if not here:
        if queue is not None and (job is None or job.view().phase != "waiting"):  # queued: its place is shown (waiting)
            what = {(True, False): "train.trains_pair", (False, False): "train.trains_solo", (True, True): "train.trains_pair3",
                    (False, True): "train.trains_solo3"}[(with_baseline, three)]  # what a press trains now
            st.info(ui.tr("train.empty", what=ui.tr(what), arch="-".join(["784", *map(str, config.hidden), "10"]),
                          epochs=ui.tr("train.n_epochs", n=config.epochs), default=default_epochs))
        lab_pointer()
    else:
        run = here[-1]
        group = kruns.group_of(here, run)  # the seeds trained by the last press
        gain = kruns.run_gain(group, res.data.y_test)
        if gain is None:
            st.info(ui.tr("train.no_baseline"))
        else:
            lo, hi = (100 * end for end in gain.interval)
            if len(group) == 1:
                st.markdown(ui.tr(ui.words("train.headline"), gain=100 * gain.gain, se=100 * gain.se, distilled=100 * run.test_acc,
                                  baseline=100 * run.baseline_acc, n=gain.n))
            else:
                summary = kruns.seed_summary(group)  # mean, sample std over the seeds
                st.markdown(ui.tr("train.headline_seeds", n_seeds=len(group), gain=100 * summary["gain"][0], gain_std=100 * summary["gain"][1],
                                  distilled=plus_minus(*summary["distilled"], scale=100),
                                  baseline=plus_minus(*summary["baseline"], scale=100),
                                  seeds=", ".join(str(r.config.seed) for r in group)))
            st.markdown(ui.tr(ui.words("train.noise") if gain.within_noise else "train.signal", lo=lo, hi=hi, z=abs(gain.z), n=gain.n,
                              discordant=gain.only_distilled + gain.only_baseline, only_d=gain.only_distilled,
                              only_b=gain.only_baseline))
            st.caption(ui.tr(ui.words("train.se_caption"), n=gain.n))
        lab_pointer()
        histories = {"distilled": run.history} | ({"baseline": run.baseline_history} if run.baseline_history is not None else {})
        dkd = ui.tr("train.run_dkd", alpha=run.config.alpha, beta=run.config.beta, warmup=run.config.warmup) \
            if run.config.method == "dkd" else ""
        st.markdown("#### " + ui.tr("train.run_header", run=run.run_id, arch="-".join(["784", *map(str, run.config.hidden), "10"]),
                                    T=run.config.T, gamma=run.config.gamma, seed=run.config.seed,
                                    epochs=ui.tr("train.n_epochs", n=run.config.epochs)) + dkd)
        last = group[-1]  # the press's last run: its wait is the press's
        if "wall_s" in last.extra:
            st.caption(ui.tr("train.timing", wall=last.extra["wall_s"], queued=last.extra["queued_s"]))
        if (presses := kpress.shared_trainings().shared_with(last)) > 1:  # counted now: later presses add to it
            st.caption(ui.tr("train.shared", k=presses))
        ui.cached_chart(plots.training_figure, histories, epochs=run.config.epochs, lang=ui.lang(), key="curves")  # once per
        # server for a run that a class shares (equal histories), as the three below
        if run.baseline_history is not None:  # who led when: the curves cross, and the text says where
            ahead, since = kruns.lead(run.history, run.baseline_history)
            st.caption(ui.tr("train.lead_since" if since is not None else "train.lead_not", ahead=ahead, epochs=len(run.history),
                             since=since))
        table = kruns.results_table(run, res)
        model_names = {"teacher": "train.model_teacher", "distilled": "train.model_distilled",
                       "baseline": "train.model_baseline"}  # kdviz.train.runs.MODELS → message key
        table["model"] = [ui.tr(model_names[m]) for m in table["model"]]
        st.dataframe(table, hide_index=True, width="stretch", column_config={
            "model": st.column_config.TextColumn(ui.tr("train.col_model"), pinned=True),
            "test_acc": st.column_config.NumberColumn(ui.tr("train.col_test_acc"), format="percent"),
            "agreement": st.column_config.NumberColumn(ui.tr("train.col_agreement"), format="percent", help=ui.tr(ui.words("train.col_agreement_help"), n=len(res.data.y_test))),
            "params": st.column_config.NumberColumn(ui.tr("train.col_params"), format="%d"),
            "seconds": st.column_config.NumberColumn(ui.tr("train.col_seconds"), format="%.1f")},
            column_order=["model", "test_acc", "agreement", "params", "seconds"])  # size = 4 bytes × params: left off for width

if here:
    run = here[-1]
    left, right = st.columns(2, gap="large")
    classes = None if datasets.is_digits(res.dataset) else ui.class_names()  # the axes name clothes, not digits
    ui.cached_chart(plots.confusion_figure, kruns.student_confusion(run, res), ui.tr("train.confusion"), lang=ui.lang(),
                    classes=classes, key="confusion", where=left)
    ui.cached_chart(plots.per_class_figure, kruns.per_class(run, res), lang=ui.lang(), classes=classes, key="per_class", where=right)
    dis = kruns.disagreements(run, res, k=12)
    n_test = len(res.data.y_test)
    st.markdown("#### " + ui.tr(ui.words("train.disagree"), n=int(round((1 - run.agreement) * n_test)), total=n_test))
    if len(dis):
        name = ui.class_names()
        st.image([255 - res.data.images_test[i] for i in dis["index"]], width=100,  # ink dark on paper
                 caption=[ui.tr("train.disagree_caption", label=name[y], teacher=name[t], student=name[s], p=100 * p)
                          for i, y, t, s, p in dis.itertuples(index=False)])

    st.subheader(ui.tr("train.history"), divider="gray")
    hist = kruns.history_table(here)
    view_ = kruns.history_view(hist)  # percentages, as shown and downloaded
    labels = {"run": "train.h_run", "hidden": "train.h_hidden", "epochs": "train.h_epochs", "lr": "train.h_lr", "T": "train.h_T",
              "gamma": "train.h_gamma", "method": "train.h_method", "seed": "train.h_seed", "distilled_acc": "train.h_distilled_acc",
              "baseline_acc": "train.h_baseline_acc", "gain": "train.h_gain", "agreement": "train.h_agreement",
              "seconds": "train.h_seconds"}  # column of kdviz.train.runs.history_view → message key of its header
    formats = {"lr": "%g", "T": "%g", "gamma": "%g", "distilled_acc": "%.1f", "baseline_acc": "%.1f", "gain": "%+.1f",
               "agreement": "%.1f", "seconds": "%.1f"}
    st.dataframe(view_, hide_index=True, width="stretch", column_order=[c for c in labels if c != "seconds"], column_config={
        c: st.column_config.NumberColumn(ui.tr(k), format=formats.get(c), pinned=c == "run") if c not in ("hidden", "method")
        else st.column_config.TextColumn(ui.tr(k)) for c, k in labels.items()})  # training time: in the CSV (table width)
    h1, h2 = st.columns([2, 1], gap="large")
    ui.cached_chart(plots.runs_figure, hist, lang=ui.lang(), key="runs", where=h1)
    with h2:
        st.download_button(ui.tr("train.download_history"),
                           view_.rename(columns={c: ui.tr(k) for c, k in labels.items()}).to_csv(index=False).encode(), "kdviz-runs.csv", "text/csv",
                           width="stretch")
        pick = st.selectbox(ui.tr("train.weights_of"), [r.run_id for r in here][::-1], key="_weights_run")
        chosen = next(r for r in here if r.run_id == pick)
        st.download_button(ui.tr("train.download_weights", run=pick), chosen.weights,
                           f"kdviz-student-run{pick}.safetensors", "application/octet-stream", width="stretch",
                           help=ui.tr("train.download_weights_help"))
        if st.button(ui.tr("train.clear"), width="stretch"):
            state["runs"] = [r for r in state["runs"] if r not in here]  # this data set's history; the other's is kept
            st.rerun()

ui.end_page()
