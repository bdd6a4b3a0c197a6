"""The explorer in Jupyter (JupyterLab, Notebook 7, VS Code): the pages' live views, with anywidget and ipywidgets.

    from kdviz.train.resources import load_resources
    from kdviz import widgets
    res = load_resources()                  # or load_resources(dataset="fashion-mnist")
    widgets.temperature_explorer(res)       # T and an image → softmax, entropy, dark-knowledge map
    widgets.loss_explorer(res)              # T and γ → soft / hard / total, γ × T, gradients, TCKD + NCKD
    widgets.train_live(res)                 # a button → a distilled student and its γ = 0 baseline, live

Each call returns one ipywidgets box to display. The explorers' views are the Streamlit pages' own live views
(:mod:`kdviz.viz.live`, the same bundled ES module, no CDN) in one anywidget each (:class:`kdviz.widgets.live.LiveView`):
a drag of T or γ is computed and drawn in the browser, at the screen's frame rate, and the kernel hears the value
once, on release (``box.T``, ``box.gamma``; set them from code and the views redraw). The kernel's own controls
(the image, the student, the scope) send the views new data. The training view keeps the Train page's plotly
chart (its points come from the kernel, epoch by epoch). The explorers are in :mod:`.explorers` (the live widget in
:mod:`.live`), the training view and the progress bar in :mod:`.training`, what they share in :mod:`.common`.

Only this package imports ipywidgets and anywidget; nothing in kdviz imports it unless asked.
"""

from kdviz.widgets.explorers import LossExplorer, TemperatureExplorer, loss_explorer, temperature_explorer
from kdviz.widgets.live import LiveView
from kdviz.widgets.training import ProgressBar, TrainLive, progress_bar, train_live

__all__ = [
    "TemperatureExplorer",
    "LiveView",
    "LossExplorer",
    "TrainLive",
    "ProgressBar",
    "temperature_explorer",
    "loss_explorer",
    "train_live",
    "progress_bar",
]
