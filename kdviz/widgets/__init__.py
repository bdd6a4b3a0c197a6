"""The explorer in Jupyter (JupyterLab, Notebook 7, VS Code): the pages' views, live, with ipywidgets.

    from kdviz.train.resources import load_resources
    from kdviz import widgets
    res = load_resources()                  # or load_resources(dataset="fashion-mnist")
    widgets.temperature_explorer(res)       # T and an image → softmax, entropy, dark-knowledge map
    widgets.loss_explorer(res)              # T and γ → soft / hard / total, γ × T, gradients, TCKD + NCKD
    widgets.train_live(res)                 # a button → a distilled student and its γ = 0 baseline, live

Each call returns one ipywidgets box to display. Its figures are plotly ``FigureWidget`` s built by
:mod:`kdviz.viz.plots` (the pages' builders) from :mod:`kdviz.maths.explore`'s numbers; a move of a control
refills their data in place, so nothing flickers. The controls and figures are attributes of the
box (``box.T``, ``box.softmax``, ...) and sit in its ``children`` tree, so code and tests can drive
a view and read what it shows. The explorers are in :mod:`.explorers`, the training view and the
progress bar in :mod:`.training`, what they share in :mod:`._common`.

Only this package imports ipywidgets (and, through plotly's ``FigureWidget``, anywidget); nothing in
kdviz imports it unless asked.
"""

from kdviz.widgets.explorers import LossExplorer, TemperatureExplorer, loss_explorer, temperature_explorer
from kdviz.widgets.training import ProgressBar, TrainLive, progress_bar, train_live

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
