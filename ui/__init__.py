"""What every page shares (the Streamlit side only; the math is in kdviz). The pages use the names below, one job per
module:

* ``ui.frame``: ``start_page(title)`` first on every page (the view read from the link once per session, the page
  config, the sidebar, the data set's resources), ``end_page()`` last (the view written back into the URL, its link);
* ``ui.resources``: ``resources()``, data, teacher and teacher logits loaded once per server and never mutated, the
  ``reference_students()``, the ``shipped_result``/``shipped_value`` of kdviz/results, ``run_with_progress``;
* ``ui.text``: ``tr(key, **fields)``, a message of ``kdviz.base.i18n`` in the session's ``lang()`` (every text shown),
  ``words(key)`` for a data set that is not digits, ``one_line(err)`` instead of a traceback;
* ``ui.view``: the shared view's widgets (``T_slider()``, ``gamma_slider()``, ``shared_widget``), its defaults and reset;
* ``ui.charts``: ``chart``/``cached_chart``, kdviz's figures as kdviz styled them, larger in ``present()`` mode;
* ``ui.pages``: the one page list ``PAGES`` and ``page_link``;
* ``ui.live_views``: ``live(view, ...)`` / ``live_slider(...)``, the live views; the slider in a fragment with the link;
* ``ui.training``: the Train page's queue; ``ui.demo``: the guided demo's bar;
* ``room``: a lecturer's class (issue 29): Start a class, join, follow, ask and reveal (``ui/room.py``).

Nothing here changes state at import: the process's one-time settings are made by the first ``start_page``
(:func:`ui.server.prepare`), the components registered on first use (:mod:`ui.components`).
"""

from kdviz.base import i18n
from ui import room
from ui.charts import CHART_TITLE_CSS, cached_chart, chart
from ui.demo import DEMO, demo_step
from ui.frame import end_page, start_page
from ui.live_views import LIVE_PARAMS, live, live_slider, live_teacher
from ui.pages import PAGES, ROOT, page_link
from ui.resources import class_names, reference_students, resources, run_with_progress, shipped_result, shipped_value
from ui.text import lang, one_line, tr, words
from ui.training import keep_runs, scroll_into_view, session_id, train_queue, training_off
from ui.view import SHARED, T_slider, default_view, gamma_slider, reset_view, shared_widget
from ui.view_state import dataset, present

__all__ = [
    "CHART_TITLE_CSS", "DEMO", "PAGES", "ROOT", "SHARED", "T_slider", "cached_chart", "chart", "class_names", "dataset",
    "default_view", "demo_step", "end_page", "gamma_slider", "i18n", "lang", "one_line", "page_link", "present",
    "reference_students", "reset_view", "resources", "run_with_progress", "shared_widget", "shipped_result",
    "shipped_value", "start_page", "tr", "words", "LIVE_PARAMS", "live", "live_slider", "live_teacher", "keep_runs", "session_id",
    "train_queue", "scroll_into_view", "training_off", "room",
]
