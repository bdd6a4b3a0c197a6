"""What every page shares (the Streamlit side only; the math is in kdviz).

* ``resources()``: data, teacher and teacher logits, loaded once per server and never mutated;
* ``start_page(title)``: page config, the language, the view read from the URL once per
  session, and the shared T and γ kept alive across pages;
* ``tr(key, **fields)``: a message of ``kdviz.base.i18n`` in the session's language (every text shown);
* ``T_slider()`` / ``gamma_slider()``: the widgets that show and set the shared ``T`` and ``gamma``;
* ``end_page()``: writes the current view back into the URL and shows the link to it;
* ``live(view, ...)`` / ``live_slider(...)``: the live views; the slider in a fragment of its own, with the link;
* ``one_line(err)``: the message shown instead of a traceback;
* ``room``: a lecturer's class (issue 29): Start a class, join, follow, ask and reveal (``ui/room.py``).
"""

from .core import (  # noqa: I001  (room after core: room imports ui.core)
    CHART_TITLE_CSS, PAGES, ROOT, SHARED, T_slider, cached_chart, chart, class_names, dataset, default_view,
    end_page, gamma_slider, i18n, lang, one_line, page_link, present, reference_students, reset_view,
    resources, run_with_progress, shared_widget, shipped_result, shipped_value, start_page, tr, words,
)
from . import room
from .demo import DEMO, demo_step
from .live_views import LIVE_PARAMS, live, live_slider, live_teacher
from .training import keep_runs, scroll_into_view, session_id, train_queue, training_off

__all__ = [
    "CHART_TITLE_CSS", "DEMO", "PAGES", "ROOT", "SHARED", "T_slider", "cached_chart", "chart", "class_names", "dataset",
    "default_view", "demo_step", "end_page", "gamma_slider", "i18n", "lang", "one_line", "page_link", "present",
    "reference_students", "reset_view", "resources", "run_with_progress", "shared_widget", "shipped_result",
    "shipped_value", "start_page", "tr", "words", "LIVE_PARAMS", "live", "live_slider", "live_teacher", "keep_runs", "session_id",
    "train_queue", "scroll_into_view", "training_off", "room",
]
