"""Train: a student distilled live from the teacher, beside a baseline from the same initialisation.

Read the widgets → press (kdviz.serve.press) → show: the press is followed by ui.train_press, its results and the
session's history drawn by ui.train_results; the sizes, choices and messages' fields are kdviz.train.summary's."""

import streamlit as st

import ui
from kdviz.data import datasets
from kdviz.serve import press as kpress
from kdviz.train import runs as kruns
from kdviz.train import summary as ks
from kdviz.train.loop import TrainConfig
from ui import train_press, train_results

res = ui.start_page("nav.train", data=datasets.offered())  # MNIST digits or Fashion-MNIST (fewer epochs by default)
st.title(ui.tr("train.title"))
ui.demo_step("train")
if res is None:
    st.stop()

state = st.session_state
state.setdefault("runs", [])  # finished runs of this session, oldest first (kdviz.train.runs.Run)
MAX_RUNS = 30  # oldest dropped beyond this, so a long class stays within memory
defaults = TrainConfig()
n_train = len(res.data.y_train)
default_epochs = datasets.student_epochs(res.dataset, n_train)  # 30 on 4,000 digits, 5 on 60,000 images
if state.get("_train_epochs_of") != res.dataset:  # a new session, or another data set: its default epochs
    state["_train_epochs"], state["_train_epochs_of"] = default_epochs, res.dataset

queue, pool = ui.train_queue()  # the first visit starts the training processes, ready before the press
off = ui.training_off() if queue is None else None  # why this server can't train (said above by train_queue)
controls, view = st.columns([1, 2.4], gap="large")
with controls:
    size = st.selectbox(ui.tr("train.size"), list(ks.SIZES), index=2, key="_train_size", help=ui.tr("train.size_help"),
                        format_func=lambda s: ui.tr("train.size_hinton", size=s) if s == ks.HINTON else s)
    c1, c2 = st.columns(2)
    epochs = c1.number_input(ui.tr("common.epochs"), 1, 100, key="_train_epochs")
    lr = c2.select_slider(ui.tr("train.lr"), list(ks.LEARNING_RATES), value=defaults.lr, key="_train_lr",
                          format_func=lambda v: f"{v:g}")
    T = ui.T_slider()
    gamma = ui.gamma_slider()
    methods = {m: ui.tr(k) for m, k in ks.METHOD_NAMES.items()}  # urlstate.METHODS → label
    method = ui.shared_widget(st.radio, "method", ui.tr("train.method"), list(methods), format_func=methods.get, horizontal=True,
                              help=ui.tr("train.method_help"))  # a radio wraps in the narrow column (a segmented control was cut off)
    alpha, beta, warmup = defaults.alpha, defaults.beta, defaults.warmup
    loss, jsd_beta, skew, std = defaults.divergence, defaults.jsd_beta, defaults.skew_alpha, 0
    if method == "kd":  # the divergence of the soft term (kdviz.maths.divergences), in the link too
        losses = {k: ui.tr(key) for k, key in ks.LOSS_NAMES.items()}  # kdviz.maths.divergences.DIVERGENCES → label
        loss = ui.shared_widget(st.radio, "loss", ui.tr("train.loss"), list(losses), format_func=losses.get,
                                help=ui.tr("train.loss_help"))
        if loss == "jsd":
            jsd_beta = ui.shared_widget(st.slider, "jsdbeta", ui.tr("train.jsd_beta"), 0.0, 1.0, step=0.05, help=ui.tr("train.jsd_beta_help"))
        if loss in ("skl", "srkl"):
            skew = ui.shared_widget(st.slider, "skew", ui.tr("train.skew"), 0.0, 1.0, step=0.05, help=ui.tr("train.skew_help"))
        std = int(ui.shared_widget(st.toggle, "std", ui.tr("train.std"), help=ui.tr("train.std_help")))
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

config = defaults.replace(hidden=ks.SIZES[size], epochs=int(epochs), lr=float(lr), T=float(T), gamma=float(gamma), seed=int(seed),
                          method=method, alpha=float(alpha), beta=float(beta), warmup=int(warmup),
                          divergence=loss, jsd_beta=float(jsd_beta), skew_alpha=float(skew), standardize=bool(std))

with view:
    job = state.get("train_press")  # this session's press (kdviz.serve.press.Press): waiting, training, or finished unseen
    if go and queue is not None and (job is None or job.view().phase == "finished"):
        # the same settings as a press in flight or just trained: follow that training; else join the queue (a slot per student)
        job = state["train_press"] = kpress.shared_trainings().press(
            res.data, res.logits, config, seeds=ks.press_seeds(config.seed, three),  # seed, seed + 1, seed + 2
            baseline=with_baseline, first_id=ks.next_run_id(state["runs"]),
            queue=queue, owner=ui.session_id(), on_run=ui.keep_runs(MAX_RUNS), pool=pool, dataset=res.dataset)
    if job is not None:
        train_press.follow(job)

    here = kruns.runs_on(state["runs"], res.dataset)  # one history per session; this page shows this data set's runs
    if not here:
        if queue is not None and (job is None or job.view().phase != "waiting"):  # queued: its place is shown (waiting)
            train_results.what_a_press_trains(config, baseline=with_baseline, three=three, default_epochs=default_epochs)
        train_results.lab_pointer(res)
    else:
        group = kruns.group_of(here, here[-1])  # the seeds trained by the last press
        train_results.gain(group, res)
        train_results.lab_pointer(res)
        train_results.last_run(here[-1], group, res)

if here:
    train_results.disagreements(here[-1], res)
    train_results.history(here)

ui.end_page()
