"""The Train page's press in Jupyter, and a progress bar for the library's long computations.

The training chart stays a plotly ``FigureWidget`` (:func:`kdviz.viz.plots.training_figure`, the Train page's): its
points are made in the kernel, epoch by epoch, so there is nothing to draw in the browser between two messages; it is
not a T/γ view."""

from __future__ import annotations

import threading

import ipywidgets as W
import pandas as pd
import plotly.graph_objects as go

from kdviz.base.i18n import Message, render, tr
from kdviz.train.loop import TrainConfig, train_pair
from kdviz.train.resources import Resources
from kdviz.viz import plots
from kdviz.widgets.common import T_slider, check_lang, default_config, gamma_slider, md, note

__all__ = ["TrainLive", "ProgressBar", "train_live", "progress_bar"]


class TrainLive(W.VBox):
    """A button trains a distilled student and its γ = 0 baseline from the same initialisation, at the same time
    (:func:`kdviz.train.loop.train_pair`, one thread each), in the background: the accuracy and loss figure and the
    progress bar follow every epoch, and the notebook stays usable. A second press while one runs is refused
    in one line.

    Attributes: the controls ``T``, ``gamma``, ``epochs``, ``seed``, ``button``; ``progress``; ``figure``
    (:func:`kdviz.viz.plots.training_figure`); ``status``, one line; ``histories`` and ``results`` of the last run.
    """

    def __init__(self, res: Resources, *, config: TrainConfig | None = None, lang: str = "en"):
        self.res, self.lang = res, check_lang(lang)
        config = config or default_config(res)
        self.config = config
        self.T = T_slider(config.T, lang)
        self.gamma = gamma_slider(config.gamma, lang)
        self.epochs = W.BoundedIntText(value=config.epochs, min=1, max=100, description=tr("common.epochs", lang),
                                       style={"description_width": "initial"}, layout=W.Layout(width="12em"))
        self.seed = W.BoundedIntText(value=config.seed, min=0, max=2**31 - 1, description=tr("widgets.seed", lang),
                                     style={"description_width": "initial"}, layout=W.Layout(width="12em"))
        self.button = W.Button(description=tr("train.button", lang), button_style="primary", icon="play")
        self.progress = W.IntProgress(value=0, min=0, max=1, layout=W.Layout(width="100%", max_width="900px"))
        self.status = W.HTML()
        self.histories: dict[str, pd.DataFrame] = {}
        self.results: dict = {}
        self.figure = go.FigureWidget(plots.training_figure(self._empty(), epochs=config.epochs, lang=lang)
                                      .update_layout(autosize=True))  # as wide as its cell, a phone's too
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self.button.on_click(lambda _: self.start())
        super().__init__([
            note(tr("widgets.train_intro", lang)),
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
                self.status.value = md(tr("widgets.train_busy", self.lang))
                return False
            config = self.config.replace(T=float(self.T.value), gamma=float(self.gamma.value), epochs=int(self.epochs.value),
                                         seed=int(self.seed.value))
            self.histories, self._rows = self._empty(), {"distilled": [], "baseline": []}
            self.results = {}
            self.progress.value, self.progress.max = 0, 2 * config.epochs
            self.progress.bar_style = ""
            self.status.value = md(tr("widgets.train_running", self.lang, epochs=config.epochs, T=config.T, gamma=config.gamma,
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
            error = str(err).splitlines()[0] if str(err) else type(err).__name__
            self.status.value = md(tr("widgets.train_failed", self.lang, error=error))
            return
        self.results = {"distilled": distilled, "baseline": baseline}
        self.progress.bar_style = "success"
        self.status.value = md(tr("widgets.train_done", self.lang, distilled=100 * distilled.test_acc, baseline=100 * baseline.test_acc,
                                   gain=100 * (distilled.test_acc - baseline.test_acc), seed=config.seed, epochs=config.epochs,
                                   T=config.T, gamma=config.gamma))


class ProgressBar(W.HBox):
    """A progress bar for the library's long computations: pass it as ``progress=`` (a :data:`kdviz.base.progress.Progress`);
    it shows the fraction done and the running step in ``lang``."""

    def __init__(self, label: str, *, lang: str = "en"):
        self.lang = check_lang(lang)
        self.bar = W.FloatProgress(value=0.0, min=0.0, max=1.0, description=label, style={"description_width": "initial"})
        self.text = W.Label()
        super().__init__([self.bar, self.text])

    def __call__(self, done: float, message: Message) -> None:
        self.bar.value = float(done)
        self.text.value = render(message, self.lang)
        if done >= 1.0:
            self.bar.bar_style = "success"


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
    config = config or default_config(res)
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
