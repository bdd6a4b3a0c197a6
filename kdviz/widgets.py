"""The explorer in Jupyter (JupyterLab, Notebook 7, VS Code): the pages' views, live, with ipywidgets.

    from kdviz.resources import load_resources
    from kdviz import widgets
    res = load_resources()                  # or load_resources(dataset="fashion-mnist")
    widgets.temperature_explorer(res)       # T and an image → softmax, entropy, dark-knowledge map
    widgets.loss_explorer(res)              # T and γ → soft / hard / total, γ × T, gradients, TCKD + NCKD
    widgets.train_live(res)                 # a button → a distilled student and its γ = 0 baseline, live

Each call returns one ipywidgets box to display. Its figures are plotly ``FigureWidget`` s built by
:mod:`kdviz.plots` (the pages' builders) from :mod:`kdviz.explore`'s numbers; a move of a control
refills their data in place, so nothing flickers. The controls and figures are attributes of the
box (``box.T``, ``box.softmax``, ...) and sit in its ``children`` tree, so code and tests can drive
a view and read what it shows.

Only this module imports ipywidgets (and, through plotly's ``FigureWidget``, anywidget); nothing in
kdviz imports it unless asked.
"""

from __future__ import annotations

import html
import re
import threading

import ipywidgets as W
import numpy as np
import pandas as pd
import plotly.graph_objects as go
import torch

from . import datasets, explore, plots, urlstate
from .darkknowledge import decomposition_curves
from .i18n import Message, render, tr
from .resources import Resources
from .train import TrainConfig, train_pair

__all__ = [
    "TemperatureExplorer",
    "LossExplorer",
    "TrainLive",
    "ProgressBar",
    "temperature_explorer",
    "loss_explorer",
    "train_live",
    "progress_bar",
]

T_MIN, T_MAX, T_DEFAULT = urlstate.PARAMS["T"][1:4]  # 0.5, 20, 4: the pages' range
GAMMA_DEFAULT = urlstate.PARAMS["gamma"][3]
STUDENTS = ("untrained", "partly trained", "trained")  # explore.student_states' names
STUDENT_KEYS = {"untrained": "losses.untrained", "partly trained": "losses.partly_trained", "trained": "losses.trained"}


def _wide() -> W.Layout:
    """A slider's row: the full cell on a phone, not wider than a chart."""
    return W.Layout(width="100%", max_width="900px")


def _narrow() -> W.Layout:
    """A box that shrinks on a phone (a wide one would widen the cell, and every chart with it)."""
    return W.Layout(width="auto", max_width="100%")


def _md(text: str) -> str:
    """The catalog's short markdown (``**bold**``, ``*italic*``, ```code```) as HTML, everything else escaped."""
    out = html.escape(text, quote=False)
    out = re.sub(r"\*\*(.+?)\*\*", r"<b>\1</b>", out)
    out = re.sub(r"(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])", r"<i>\1</i>", out)
    return re.sub(r"`(.+?)`", r"<code>\1</code>", out)


def _note(text: str) -> W.HTML:
    """A paragraph beside the controls: the explanation the page shows there."""
    return W.HTML(f"<div style='max-width:900px;line-height:1.45'>{_md(text)}</div>")


def _refill(widget: go.FigureWidget, fig: go.Figure) -> None:
    """Put a freshly built figure's data and title into ``widget``, in place and in one message.

    Same traces in the same order (the builders' structure does not depend on T or γ): only their
    values change, so the browser restyles the chart rather than drawing a new one.
    """
    if len(widget.data) != len(fig.data):  # not expected; still correct, with one redraw
        with widget.batch_update():
            widget.data = ()
            widget.add_traces(_widget(fig).data)
            widget.layout = fig.layout
        return
    with widget.batch_update():
        for mine, new in zip(widget.data, fig.data):
            values = new.to_plotly_json()
            mine.update(_no_nan({k: values[k] for k in ("x", "y", "z", "text", "customdata", "name") if k in values}))
        widget.layout.title.text = fig.layout.title.text
        widget.layout.yaxis.update(type=fig.layout.yaxis.type, range=fig.layout.yaxis.range)


def _no_nan(props: dict) -> dict:
    """A trace's properties with a heatmap's NaN cells (a hidden diagonal) as None: the kernel's messages are
    strict JSON, which has no NaN; plotly draws None as a gap, as it draws NaN."""
    z = props.get("z")
    if z is not None and np.issubdtype(np.asarray(z).dtype, np.floating) and np.isnan(z).any():
        z = np.asarray(z, dtype=float)
        props = {**props, "z": np.where(np.isnan(z), None, z.astype(object))}
    return props


def _widget(fig: go.Figure) -> go.FigureWidget:
    """A live copy of a figure built by :mod:`kdviz.plots`, as wide as its cell (a phone's too) unless it sets a width."""
    if fig.layout.width is None:
        fig.update_layout(autosize=True)  # plotly.js then sizes the chart to its container when it draws it
    for trace in fig.data:
        if getattr(trace, "z", None) is not None:
            trace.z = _no_nan({"z": trace.z})["z"]
    return go.FigureWidget(fig)


def _apply(widget: go.FigureWidget, update: plots.Update) -> None:
    """Apply a :data:`kdviz.plots.Update` (what a move of T or γ changes) to ``widget`` in place, in one message."""
    with widget.batch_update():
        for key, props in update.items():
            if key == "layout":
                widget.update_layout(props)
            else:
                widget.data[key].update(_no_nan(props))


def _name_classes(fig: go.Figure, names: tuple[str, ...] | None, lang: str, *, y: bool = False) -> go.Figure:
    """Label every one of a figure's 10 categories (plotly skips some on a narrow chart), on the x-axis and, with ``y``,
    the y-axis: with the data set's class names, or the digits for None."""
    ticks = dict(tickvals=plots.DIGITS, ticktext=list(names) if names is not None else plots.DIGITS)
    fig.update_xaxes(**ticks, **({} if names is None else {"title": tr("plots.digit_img", lang)}))
    if y:
        fig.update_yaxes(**ticks)
    return fig


def _T_slider(T: float, lang: str) -> W.FloatSlider:
    """The temperature, over the pages' range (0.5–20) and steps of 0.5; arrow keys move it one step."""
    if not T_MIN <= float(T) <= T_MAX:
        raise ValueError(f"T must be in [{T_MIN:g}, {T_MAX:g}], got {T!r}")
    return W.FloatSlider(value=float(T), min=T_MIN, max=T_MAX, step=0.5, description="T", readout_format=".1f",
                         continuous_update=True, tooltip=tr("ui.T_help", lang), layout=_wide(),
                         style={"description_width": "2.5em"})


def _check_digit(digit: int | None, res: Resources) -> int:
    """A test image's index, or the view's opening one (:func:`kdviz.explore.opening_digit`) for None."""
    n = len(res.data.y_test)
    if digit is None:
        return explore.opening_digit(res)
    if isinstance(digit, bool) or not isinstance(digit, (int, np.integer)) or not 0 <= int(digit) < n:
        raise ValueError(f"digit must be a test image index in [0, {n - 1}], got {digit!r}")
    return int(digit)


def _check_lang(lang: str) -> str:
    if lang not in ("en", "zh"):
        raise ValueError(f"lang must be 'en' or 'zh', got {lang!r}")
    return lang


def _class_names(res: Resources, lang: str) -> tuple[str, ...] | None:
    """The data set's 10 class names, or None for the digits (the figures' own labels)."""
    return None if datasets.is_digits(res.dataset) else datasets.class_names(res.dataset, lang)


class TemperatureExplorer(W.VBox):
    """T and a test image drive the teacher's softmax at T = 1 and at T, the entropy curve with T
    marked, and the dark-knowledge map (the Temperature page's views).

    Attributes: the controls ``T`` (slider), ``image_class`` and ``digit``, ``log_scale``; the figures
    ``image``, ``softmax``, ``entropy``, ``dark_map``; ``alike``, the map's five most alike pairs.
    """

    def __init__(self, res: Resources, *, T: float = T_DEFAULT, digit: int | None = None, lang: str = "en"):
        self.res, self.lang = res, _check_lang(lang)
        self.names = _class_names(res, lang)
        labels = [str(c) for c in range(10)] if self.names is None else list(self.names)
        img = "" if self.names is None else "_img"
        start = _check_digit(digit, res)
        self.T = _T_slider(T, lang)
        self.image_class = W.Dropdown(options=[(name, c) for c, name in enumerate(labels)], value=int(res.data.y_test[start]),
                                      description=tr("temp.class", lang), layout=_narrow())
        self.digit = W.BoundedIntText(value=start, min=0, max=len(res.data.y_test) - 1, description=tr("temp.test_digit" + img, lang),
                                      style={"description_width": "initial"}, layout=_narrow())
        self.log_scale = W.Checkbox(value=False, description=tr("temp.log_scale", lang), indent=False)
        self.image = _widget(self._image_figure())
        self.softmax = _widget(self._softmax_figure())
        self.entropy = _widget(self._entropy_figure())
        self.dark_map = _widget(self._map_figure())
        self.alike = W.HTML(self._alike_text())
        self.T.observe(self._on_T, names="value")
        self.digit.observe(self._on_digit, names="value")
        self.image_class.observe(self._on_class, names="value")
        self.log_scale.observe(lambda _: _refill(self.softmax, self._softmax_figure()), names="value")
        super().__init__([
            _note(tr("temp.explain" + img, lang)),
            self.T,
            W.HBox([W.Box([self.image], layout=W.Layout(width="130px")), W.VBox([self.image_class, self.digit, self.log_scale])],
                   layout=W.Layout(align_items="center")),  # the image beside its chooser; the charts take the full width
            self.softmax,
            self.entropy, self.alike, self.dark_map,
        ])

    @property
    def z(self) -> torch.Tensor:
        """(10,) the teacher's logits for the chosen test image."""
        return self.res.logits.test[int(self.digit.value)]

    def _image_figure(self) -> go.Figure:
        fig = plots.digit_figure(self.res.data.images_test[int(self.digit.value)])
        return fig.update_layout(width=120, height=120, title_text="")

    def _softmax_figure(self) -> go.Figure:
        fig = plots.softmax_figure(self.z, float(self.T.value), log_y=bool(self.log_scale.value), lang=self.lang)
        return _name_classes(fig, self.names, self.lang)

    def _entropy_figure(self) -> go.Figure:
        T = float(self.T.value)
        curve = _memo(self, ("entropy", int(self.digit.value)), lambda: explore.entropy_curve(self.z))
        return plots.entropy_figure(curve, T, current=_entropy_at(self.z, T), lang=self.lang)

    def _map_figure(self) -> go.Figure:
        fig = plots.dark_knowledge_figure(self._map(), float(self.T.value), lang=self.lang)
        return _name_classes(fig, self.names, self.lang, y=True)

    def _map(self) -> np.ndarray:
        """(10, 10) the teacher's mean softened probabilities by true class at the chosen T."""
        T = float(self.T.value)
        return _memo(self, ("map", T), lambda: explore.dark_knowledge_map(self.res.logits.test, self.res.data.y_test, T))

    def _alike_text(self) -> str:
        top = explore.top_confusions(self._map(), k=5)
        label = (lambda c: str(c)) if self.names is None else (lambda c: self.names[int(c)])
        pairs = ", ".join(f"{label(true)} → {label(like)} {p:.3f}" for true, like, p in top.itertuples(index=False))
        return _md(tr("widgets.alike", self.lang, T=float(self.T.value), pairs=pairs))

    def _on_T(self, _change) -> None:
        T = float(self.T.value)
        _apply(self.softmax, plots.softmax_update(self.z, T, lang=self.lang))
        _apply(self.entropy, plots.entropy_update(T, _entropy_at(self.z, T)))
        _apply(self.dark_map, plots.dark_knowledge_update(self._map(), T, lang=self.lang))
        self.alike.value = self._alike_text()

    def _on_digit(self, _change) -> None:
        label = int(self.res.data.y_test[int(self.digit.value)])
        if self.image_class.value != label:
            self.image_class.unobserve(self._on_class, names="value")
            self.image_class.value = label
            self.image_class.observe(self._on_class, names="value")
        _refill(self.image, self._image_figure())
        _refill(self.softmax, self._softmax_figure())
        _refill(self.entropy, self._entropy_figure())

    def _on_class(self, change) -> None:
        self.digit.value = int(explore.digits_of_class(self.res.data.y_test, int(change["new"]))[0])


def _entropy_at(z: torch.Tensor, T: float) -> float:
    return float(explore.entropy_curve(z, [T])["entropy_bits"].iloc[0])


class LossExplorer(W.VBox):
    """T and γ drive the soft, hard and total losses of a student against the teacher (the Losses page):
    the curves over T, the total on the γ × T grid, the gradients' sizes with and without T², and the
    soft loss split into TCKD + (1 − p_t)·NCKD.

    Attributes: the controls ``T``, ``gamma``, ``student``, ``scope``; the figures ``curves``, ``grid``,
    ``gradients``, ``decomposition``; ``numbers``, the losses at the chosen T and γ.
    """

    def __init__(self, res: Resources, *, T: float = T_DEFAULT, gamma: float = GAMMA_DEFAULT, student: str = "partly trained",
                 scope: str = "all", digit: int | None = None, lang: str = "en", states: explore.StudentStates | None = None):
        self.res, self.lang = res, _check_lang(lang)
        if student not in STUDENTS:
            raise ValueError(f"student must be one of {', '.join(STUDENTS)}, got {student!r}")
        if scope not in ("all", "digit"):
            raise ValueError(f"scope must be 'all' or 'digit', got {scope!r}")
        if not 0.0 <= float(gamma) <= 1.0:
            raise ValueError(f"gamma must be in [0, 1], got {gamma!r}")
        self.digit_index = _check_digit(digit, res)
        # one 784-128-10 student at 0, 1 and all epochs (disk-cached: about 2 s the first time on the digits)
        self.states = states or explore.student_states(res, full_epochs=datasets.student_epochs(res.dataset, len(res.data.y_train)))
        img = "" if datasets.is_digits(res.dataset) else "_img"
        self.T = _T_slider(T, lang)
        self.gamma = W.FloatSlider(value=float(gamma), min=0.0, max=1.0, step=0.05, description="γ", readout_format=".2f",
                                   continuous_update=True, tooltip=tr("ui.gamma_help", lang), layout=_wide(),
                                   style={"description_width": "2.5em"})
        self.student = W.Dropdown(options=[(tr(STUDENT_KEYS[s], lang), s) for s in STUDENTS], value=student,
                                  description=tr("losses.student", lang), style={"description_width": "initial"}, layout=_narrow())
        self.scope = W.Dropdown(options=[(tr("losses.scope_all" + img, lang, n=len(res.data.y_test)), "all"),
                                         (tr("losses.scope_digit" + img, lang) + f" #{self.digit_index}", "digit")],
                                value=scope, description=tr("losses.scope", lang), style={"description_width": "initial"},
                                layout=_narrow())
        self.numbers = W.HTML()
        self.curves = _widget(self._curves_figure())
        self.grid = _widget(self._grid_figure())
        self.gradients = _widget(self._gradient_figure())
        self.decomposition = _widget(self._decomposition_figure())
        self._show_numbers()
        self.T.observe(self._on_move, names="value")
        self.gamma.observe(self._on_move, names="value")
        self.student.observe(self._on_change, names="value")
        self.scope.observe(self._on_change, names="value")
        super().__init__([
            _note(tr("losses.explain", lang)),
            self.T, self.gamma, W.HBox([self.student, self.scope], layout=W.Layout(flex_flow="row wrap")),
            self.numbers, self.curves, self.grid, self.gradients,
            _note(tr("losses.dk_explain", lang)), self.decomposition,
        ])

    def _logits(self) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """(student (N, 10), teacher (N, 10), labels (N,)) for the scope: all test images, or the chosen one (N = 1)."""
        s, t, y = self.states.logits[self.student.value], self.res.logits.test, self.res.data.y_test
        if self.scope.value == "digit":
            i = self.digit_index
            return s[i:i + 1], t[i:i + 1], y[i:i + 1]
        return s, t, y

    def _cached(self, what: str, compute):
        """``compute()`` once per student and scope: what depends on neither T nor γ."""
        return _memo(self, (what, self.student.value, self.scope.value), compute)

    def _curves_figure(self) -> go.Figure:
        gamma = float(self.gamma.value)
        return plots.loss_curves_figure(self._curves(), float(self.T.value), gamma, lang=self.lang)

    def _curves(self) -> pd.DataFrame:
        """(K, 4) soft, hard, total over T at the chosen γ (soft and hard computed once per student and scope)."""
        return explore.with_gamma(self._cached("curves", lambda: explore.loss_curves(*self._logits(), gamma=1.0)),
                                  float(self.gamma.value))

    def _grid_figure(self) -> go.Figure:
        grid = self._cached("grid", lambda: explore.loss_grid(*self._logits()))
        return plots.loss_heatmap_figure(grid, explore.T_GRID, explore.GAMMA_GRID, float(self.T.value), float(self.gamma.value),
                                         lang=self.lang)

    def _gradient_figure(self) -> go.Figure:
        grads = self._cached("grads", lambda: explore.soft_gradient_norms(*self._logits()))
        return plots.gradient_figure(grads, float(self.T.value), lang=self.lang)

    def _decomposition_figure(self) -> go.Figure:
        curves = self._cached("decomposition", lambda: decomposition_curves(*self._logits(), t2=True))
        return plots.decomposition_figure(curves, float(self.T.value), lang=self.lang)

    def _show_numbers(self) -> None:
        T, gamma = float(self.T.value), float(self.gamma.value)
        at = explore.loss_curves(*self._logits(), gamma=gamma, temperatures=[T]).iloc[0]
        split = decomposition_curves(*self._logits(), [T], t2=True).iloc[0]
        losses = tr("widgets.losses_at", self.lang, T=T, gamma=gamma, soft=at.soft, hard=at.hard, total=at.total)
        caption = tr("losses.dk_caption", self.lang, T=T, soft=split.kd, tckd=split.tckd, nckd=split.weighted_nckd,
                     pct=100 * split.nckd_share if np.isfinite(split.nckd_share) else 0.0)
        self.numbers.value = f"<div style='max-width:900px'>{_md(losses)}<br>{_md(caption)}</div>"

    def _on_move(self, _change) -> None:
        """T or γ moved: markers and the total curve move; nothing else is drawn again."""
        T, gamma = float(self.T.value), float(self.gamma.value)
        _apply(self.curves, plots.loss_curves_update(self._curves(), T, gamma, lang=self.lang))
        _apply(self.grid, plots.loss_heatmap_update(T, gamma))
        _apply(self.gradients, plots.T_mark_update(T))
        _apply(self.decomposition, plots.T_mark_update(T))
        self._show_numbers()

    def _on_change(self, _change) -> None:
        """Another student or scope: every figure is built again (the curves change)."""
        _refill(self.curves, self._curves_figure())
        _refill(self.grid, self._grid_figure())
        _refill(self.gradients, self._gradient_figure())
        _refill(self.decomposition, self._decomposition_figure())
        self._show_numbers()


def _memo(view: W.Widget, key: tuple, compute):
    """``compute()`` once per view and ``key`` (a view's few T values, images, students are a few kB each)."""
    cache = view.__dict__.setdefault("_memo", {})
    if key not in cache:
        cache[key] = compute()
    return cache[key]


class TrainLive(W.VBox):
    """A button trains a distilled student and its γ = 0 baseline from the same initialisation, at the same time
    (:func:`kdviz.train.train_pair`, one thread each), in the background: the accuracy and loss figure and the
    progress bar follow every epoch, and the notebook stays usable. A second press while one runs is refused
    in one line.

    Attributes: the controls ``T``, ``gamma``, ``epochs``, ``seed``, ``button``; ``progress``; ``figure``
    (:func:`kdviz.plots.training_figure`); ``status``, one line; ``histories`` and ``results`` of the last run.
    """

    def __init__(self, res: Resources, *, config: TrainConfig | None = None, lang: str = "en"):
        self.res, self.lang = res, _check_lang(lang)
        config = config or TrainConfig(epochs=datasets.student_epochs(res.dataset, len(res.data.y_train)))
        self.config = config
        self.T = _T_slider(config.T, lang)
        self.gamma = W.FloatSlider(value=config.gamma, min=0.0, max=1.0, step=0.05, description="γ", readout_format=".2f",
                                   layout=_wide(), style={"description_width": "2.5em"})
        self.epochs = W.BoundedIntText(value=config.epochs, min=1, max=100, description=tr("common.epochs", lang),
                                       style={"description_width": "initial"}, layout=W.Layout(width="12em"))
        self.seed = W.BoundedIntText(value=config.seed, min=0, max=2**31 - 1, description=tr("widgets.seed", lang),
                                     style={"description_width": "initial"}, layout=W.Layout(width="12em"))
        self.button = W.Button(description=tr("train.button", lang), button_style="primary", icon="play")
        self.progress = W.IntProgress(value=0, min=0, max=1, layout=W.Layout(width="100%", max_width="900px"))
        self.status = W.HTML()
        self.histories: dict[str, pd.DataFrame] = {}
        self.results: dict = {}
        self.figure = _widget(plots.training_figure(self._empty(), epochs=config.epochs, lang=lang))
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self.button.on_click(lambda _: self.start())
        super().__init__([
            _note(tr("widgets.train_intro", lang)),
            self.T, self.gamma, W.HBox([self.epochs, self.seed, self.button], layout=W.Layout(flex_flow="row wrap")),
            self.progress, self.status, self.figure,
        ])

    @staticmethod
    def _empty() -> dict[str, pd.DataFrame]:
        empty = pd.DataFrame({c: pd.Series(dtype=float) for c in ("epoch", "test_acc", "total", "soft", "hard")})
        return {"distilled": empty, "baseline": empty}

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> bool:
        """Start a run with the controls' settings; False (and one line in ``status``) if one is running."""
        with self._lock:
            if self.running:
                self.status.value = _md(tr("widgets.train_busy", self.lang))
                return False
            config = self.config.replace(T=float(self.T.value), gamma=float(self.gamma.value), epochs=int(self.epochs.value),
                                         seed=int(self.seed.value))
            self.histories, self._rows = self._empty(), {"distilled": [], "baseline": []}
            self.results = {}
            self.progress.value, self.progress.max = 0, 2 * config.epochs
            self.progress.bar_style = ""
            self.status.value = _md(tr("widgets.train_running", self.lang, epochs=config.epochs, T=config.T, gamma=config.gamma,
                                       seed=config.seed))
            with self.figure.batch_update():
                plots.refill_training_figure(self.figure, self.histories)
                self.figure.layout.xaxis.range = self.figure.layout.xaxis2.range = [0.5, config.epochs + 0.5]
            self._thread = threading.Thread(target=self._run, args=(config,), name="kdviz-train-live", daemon=True)
            self._thread.start()
            return True

    def join(self, timeout: float | None = None) -> bool:
        """Wait for the run (at most ``timeout`` s); True when none is running."""
        if self._thread is not None:
            self._thread.join(timeout)
        return not self.running

    def _on_epoch(self, name: str, row: dict) -> None:  # from the run's own thread
        with self._lock:
            self._rows[name].append(row)
            self.histories[name] = pd.DataFrame(self._rows[name])
            plots.refill_training_figure(self.figure, self.histories)
            self.progress.value += 1

    def _run(self, config: TrainConfig) -> None:
        try:
            distilled, baseline = train_pair(self.res.data, self.res.logits, config, callback=self._on_epoch)
        except Exception as err:  # one line, never a traceback
            self.progress.bar_style = "danger"
            self.status.value = _md(tr("widgets.train_failed", self.lang, error=str(err).splitlines()[0] if str(err) else type(err).__name__))
            return
        self.results = {"distilled": distilled, "baseline": baseline}
        self.progress.bar_style = "success"
        self.status.value = _md(tr("widgets.train_done", self.lang, distilled=100 * distilled.test_acc, baseline=100 * baseline.test_acc,
                                   gain=100 * (distilled.test_acc - baseline.test_acc), seed=config.seed, epochs=config.epochs,
                                   T=config.T, gamma=config.gamma))


class ProgressBar(W.HBox):
    """A progress bar for the library's long computations: pass it as ``progress=`` (a :data:`kdviz.progress.Progress`);
    it shows the fraction done and the running step in ``lang``."""

    def __init__(self, label: str, *, lang: str = "en"):
        self.lang = _check_lang(lang)
        self.bar = W.FloatProgress(value=0.0, min=0.0, max=1.0, description=label, style={"description_width": "initial"})
        self.text = W.Label()
        super().__init__([self.bar, self.text])

    def __call__(self, done: float, message: Message) -> None:
        self.bar.value = float(done)
        self.text.value = render(message, self.lang)
        if done >= 1.0:
            self.bar.bar_style = "success"


def temperature_explorer(res: Resources, *, T: float = T_DEFAULT, digit: int | None = None, lang: str = "en") -> TemperatureExplorer:
    """The Temperature page's views, live: see :class:`TemperatureExplorer`.

    Parameters
    ----------
    res : Resources
        :func:`kdviz.resources.load_resources` of a data set (its teacher, test images, class names).
    T : float in [0.5, 20]
        The temperature the view opens at.
    digit : int, optional
        A test image's index; default the data set's most ambiguous image (:func:`kdviz.explore.opening_digit`).
    lang : "en" or "zh"
    """
    return TemperatureExplorer(res, T=T, digit=digit, lang=lang)


def loss_explorer(res: Resources, *, T: float = T_DEFAULT, gamma: float = GAMMA_DEFAULT, student: str = "partly trained",
                  scope: str = "all", digit: int | None = None, lang: str = "en") -> LossExplorer:
    """The Losses page's views, live: see :class:`LossExplorer`.

    Parameters
    ----------
    res : Resources
    T : float in [0.5, 20]; gamma : float in [0, 1]
    student : "untrained", "partly trained" (1 epoch) or "trained"
        The reference 784-128-10 student (T = 4, γ = 0.9, seed 0) at that stage.
    scope : "all" (every test image) or "digit" (the test image ``digit``, default the opening one)
    lang : "en" or "zh"
    """
    return LossExplorer(res, T=T, gamma=gamma, student=student, scope=scope, digit=digit, lang=lang)


def train_live(res: Resources, *, config: TrainConfig | None = None, epochs: int | None = None, lang: str = "en") -> TrainLive:
    """The Train page's press, live: see :class:`TrainLive`.

    Parameters
    ----------
    res : Resources
    config : TrainConfig, optional
        The run's settings (default: the Train page's: 784-128-10, T = 4, γ = 0.9, seed 0, the data set's epochs).
    epochs : int, optional
        Overrides ``config.epochs``.
    lang : "en" or "zh"
    """
    if config is None:
        config = TrainConfig(epochs=datasets.student_epochs(res.dataset, len(res.data.y_train)))
    if epochs is not None:
        if isinstance(epochs, bool) or not isinstance(epochs, int) or epochs < 1:
            raise ValueError(f"epochs must be a positive int, got {epochs!r}")
        config = config.replace(epochs=epochs)
    return TrainLive(res, config=config, lang=lang)


def progress_bar(label: str, *, lang: str = "en") -> ProgressBar:
    """A :class:`ProgressBar`, shown at once in the running cell: ``lab.fewer_labels(..., progress=progress_bar("…"))``."""
    from IPython.display import display  # IPython comes with ipywidgets

    bar = ProgressBar(label, lang=lang)
    display(bar)
    return bar
