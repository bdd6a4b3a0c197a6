"""The Lab page's tabs (pages/4_Lab.py), the Streamlit side only: each reads its widgets, calls kdviz.lab (or
kdviz.train.sweep) on Run, and shows this session's result or the full run shipped with kdviz. What a result says is
decided in :mod:`kdviz.lab.verdicts`.

* :mod:`ui.lab.common`: the quick defaults ``QUICK``, ``init_state()`` (the page calls it once a run), the seeds and
  epochs boxes, ``shown`` and ``drawn`` (what a tab draws);
* :mod:`ui.lab.transfer`: what the student learns from: fewer labels, a digit never seen;
* :mod:`ui.lab.teachers`: who teaches: itself (self-distillation), two teachers into one, the capacity gap;
* :mod:`ui.lab.objectives`: what the student matches: the T × γ sweep, KD vs DKD, features beyond logits;
* :mod:`ui.lab.divergences`: which divergence the soft term is.

Each tab is a function ``(res, is_open) -> None``: its widgets always, its figures only when ``is_open`` (the open
tab) or just run.
"""

from ui.lab.common import QUICK, drawn, init_state, seeds_epochs_ui, shown
from ui.lab.divergences import divergence_tab
from ui.lab.objectives import dkd_tab, features_tab, sweep_tab
from ui.lab.teachers import capacity_tab, merge_tab, self_distill_tab
from ui.lab.transfer import fewer_labels_tab, omit_tab

__all__ = ["QUICK", "drawn", "init_state", "seeds_epochs_ui", "shown", "fewer_labels_tab", "omit_tab", "self_distill_tab", "merge_tab",
           "capacity_tab", "sweep_tab", "dkd_tab", "features_tab", "divergence_tab"]
