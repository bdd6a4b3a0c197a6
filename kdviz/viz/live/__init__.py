"""The live view: what depends only on T and γ, computed and drawn in the browser while the learner drags.

One ES module, two hosts. The views (``kdmath.js``, ``kdmath_dkd.js``, ``charts.js``, ``views_losses.js``,
``views_dkd.js``, ``views_mine.js``, ``views_room.js``, then ``views.js``: :data:`ASSETS`) are written once; each host
adds its entry point (:data:`HOSTS`), which :func:`script` appends:

* ``"streamlit"``: a Streamlit Components v2 component (registered in ``ui/live_views.py``), one view per mount. The
  views of one page share the current T and γ in the browser, so a drag of the T slider redraws every view on the
  page without a message to the server. Only the release (the range input's ``change`` event) sends one trigger,
  ``setTriggerValue("release", {"values": {"T": …}, "seq": n})``, which reruns the script once: only the slider's
  fragment with the link to the view (``ui.live_slider``), since the other views need nothing new. The slider's
  data carries ``heard``, the ``seq`` of the last release the server ran: a release not yet heard is sent again
  with the next mount (Streamlit can drop a rerun request when a page click follows it at once).
* ``"anywidget"``: the ``_esm`` of :class:`kdviz.widgets.live.LiveView` (JupyterLab, Notebook 7, VS Code), a column of
  views in one widget; the release sets the widget's synced ``T`` / ``gamma``: one comm message, none while dragging.

The style is :func:`css` (the same for both).

This module builds the views' data (JSON-ready dicts; arrays as base64 of little-endian float32,
labels as base64 uint8) and never imports streamlit.

Views and the data attributes they expose (on the element with ``data-kdviz-view="<view>"``;
every view also has ``data-frames``, the number of times it was drawn, and ``data-t`` /
``data-gamma``, the values it was last drawn at (HTML lower-cases attribute names); numbers are
full precision, lists are JSON; ``data-error`` holds one line if a view could not draw):

* ``slider``: the range inputs, ``data-testid="kdviz-live-T"`` / ``"kdviz-live-gamma"``.
* ``softmax``: ``data-probs`` (softmax at T, 10 values), ``data-probs1`` (at T = 1).
* ``temp_numbers``: ``data-top`` (top probability), ``data-runner-up`` (digit),
  ``data-runner-up-p``, ``data-entropy`` (bits at T), ``data-entropy1`` (bits at T = 1).
* ``entropy``: ``data-entropy`` (bits at T, the marker's height).
* ``map_text``: ``data-pairs`` (the top-5 cells, ``[[true, like, p], …]``).
* ``map``: ``data-matrix`` (the 10 × 10 map at T, row-major, 100 values).
* ``digit``: the test digit's image and its logits (no numbers that depend on T).
* ``loss_curves``: ``data-soft``, ``data-hard``, ``data-total`` (nats at T and γ).
* ``loss_numbers``: ``data-soft``, ``data-hard``, ``data-total``.
* ``loss_heat``: ``data-total`` (the loss at the marker).
* ``grads``: ``data-soft-t2``, ``data-soft-plain``, ``data-hard`` (gradient norms at T),
  ``data-ratio`` (soft with T² over hard).

The TCKD / NCKD views (:mod:`kdviz.maths.darkknowledge`; KL = TCKD + (1 − p_t)·NCKD per image):

* ``dk_target``: the chosen image's p_t and 1 − p_t over T (``z``, ``label``, ``log_y``): ``data-p-t``,
  ``data-weight`` (at T).
* ``dk_nontarget``: p and p̂ at T as bars (``z``, ``label``): ``data-p``, ``data-p-hat`` (10 values each).
* ``dk_weights``: 1 − p_t over the test images (``logits``, ``labels``, ``n``, ``edges``, ``small``):
  ``data-mean``, ``data-median``, ``data-small`` (share below ``small``), ``data-counts`` (histogram) at T,
  and the same at T = 1 (``data-mean1``, ``data-median1``, ``data-small1``, ``data-counts1``).
* ``dk_share``: the share of (1 − p_t)·NCKD in a student's soft loss over T, stacked with TCKD (``student``,
  ``teacher``, ``labels``, ``n``): ``data-share``, ``data-share1`` (at T = 1), ``data-tckd``,
  ``data-weighted-nckd``, ``data-kd`` (nats, no T²).
* ``dk_stack``: the soft loss T²·KL stacked as T²·TCKD + T²·(1 − p_t)·NCKD over T (as ``dk_share``):
  ``data-soft``, ``data-tckd``, ``data-weighted-nckd`` (× T²), ``data-share``. Its two areas are
  ``<polygon class="kdl-area" data-name="TCKD">`` and ``data-name="NCKD"``.

The Your digit page's view (``views_mine.js``):

* ``compare``: the teacher's and a student's softmax at T for one digit, grouped bars (``teacher``, ``student``:
  (10,) logits each; ``teacher_name``, ``student_name``: the legend's names): ``data-teacher``, ``data-student``
  (10 values each).

A lecturer's room (``views_room.js``, issue 29; ``ui/room.py`` mounts them while a session is in a room). Both take
``room``: ``{"code", "member", "role", "following", "path", "page", "digit", "data", "T", "gamma", "server_t"}`` (and the
lecturer's ``token``, sent to the lecturer's browser only) and share one websocket per browser tab
(:mod:`kdviz.serve.roomsocket`); what arrives is drawn without a rerun. A following student's browser sets T and γ of
every live view on a ``view`` message and sends the trigger ``follow`` only when the page, digit or data set is not
this page's (or ``server_t``: the page draws at T on the server); the lecturer's browser sends ``view`` frames while a
live slider is dragged (``KDL.onInput``), ≤ 10/s.

* ``room``: one status line (the lecturer's: the members count; a student's: following or exploring):
  ``data-role``, ``data-status`` ("connecting", "open", "lost", "closed"), ``data-members``, ``data-following`` (1/0).
* ``question``: the question card (``mode`` "room": the room's open question, from ``question`` / ``revealed``, the
  store's snapshot, then from the socket; ``mode`` "solo": ``question`` and ``truth``, shown after "Check"; ``classes``:
  the class names): ``data-mode``, ``data-qid`` ("" when nothing is asked), ``data-n`` (answers counted),
  ``data-counts`` (the histogram's counts, JSON), ``data-answer`` (this browser's answer, JSON), ``data-revealed``
  (1/0), ``data-truth`` (after the reveal, JSON). Its parts carry ``data-testid``: ``kdviz-room-card``,
  ``kdviz-room-range``, ``kdviz-room-send``, ``kdviz-room-choice`` (``data-value``), ``kdviz-room-sent``,
  ``kdviz-room-truth``, ``kdviz-room-histogram``, ``kdviz-room-truth-mark``.
"""

from __future__ import annotations

import base64
from functools import lru_cache
from pathlib import Path

import numpy as np

from kdviz.base.i18n import MESSAGES
from kdviz.maths import explore
from kdviz.viz import style

__all__ = ["HERE", "ASSETS", "HOSTS", "VIEWS", "b64f32", "b64u8", "script", "css", "style_payload", "texts", "view"]

HERE = Path(__file__).resolve().parent
ASSETS = ("kdmath.js", "kdmath_dkd.js", "charts.js", "views_losses.js", "views_dkd.js", "views_mine.js", "views_room.js",
          "views.js")  # in this order, then a host's entry point: one ES module
HOSTS = {"streamlit": "host_streamlit.js", "anywidget": "host_anywidget.js"}  # host → its entry point (export default)
VIEWS = ("slider", "softmax", "temp_numbers", "entropy", "map_text", "map", "digit", "digit_image",
         "loss_curves", "loss_numbers", "loss_heat", "grads", "dk_target", "dk_nontarget", "dk_weights", "dk_share", "dk_stack",
         "compare", "room", "question")


def b64f32(arr) -> str:
    """Base64 of ``arr`` as little-endian float32, row-major (a tensor or array of any shape)."""
    a = arr.detach().cpu().numpy() if hasattr(arr, "detach") else np.asarray(arr)
    return base64.b64encode(np.ascontiguousarray(a, dtype="<f4").tobytes()).decode("ascii")


def b64u8(arr) -> str:
    """Base64 of ``arr`` as uint8 (labels 0–9, or a 28 × 28 image 0–255), row-major."""
    a = arr.detach().cpu().numpy() if hasattr(arr, "detach") else np.asarray(arr)
    return base64.b64encode(np.ascontiguousarray(a, dtype=np.uint8).tobytes()).decode("ascii")


@lru_cache(maxsize=len(HOSTS))
def script(host: str = "streamlit") -> str:
    """The views' JavaScript for ``host`` (one of :data:`HOSTS`): one ES module, the :data:`ASSETS` in order and the
    host's entry point (read once per host)."""
    if host not in HOSTS:
        raise ValueError(f"unknown live host {host!r}; known: {', '.join(HOSTS)}")
    return "\n".join((HERE / name).read_text(encoding="utf-8") for name in (*ASSETS, HOSTS[host]))


@lru_cache(maxsize=1)
def css() -> str:
    """The component's style sheet (live.css)."""
    return (HERE / "live.css").read_text(encoding="utf-8")


def style_payload(scale: float = 1.0) -> dict:
    """The look of :mod:`kdviz.viz.style` for the browser's charts: text px × ``scale`` (1.3 in presenter mode)."""
    return {"font": style.FONT, "px": style.FONT_PX * scale, "title_px": style.TITLE_PX * scale, "scale": scale,
            "ink": style.INK, "muted": style.MUTED, "grid": style.GRID, "roles": dict(style.ROLES),
            "T_ticks": [0.5, 1, 2, 4, 8, 16], "T_grid": explore.T_GRID.tolist(), "gamma_grid": explore.GAMMA_GRID.tolist()}


def texts(keys, lang: str) -> dict[str, str]:
    """The catalog's raw templates (Python format syntax, formatted in the browser) of ``keys`` in ``lang``.

    A key may be a pair ``(key, source)``: the view looks the text up as ``key`` and gets ``source``'s (the
    pages' wording for images and classes instead of digits, ``ui.words``)."""
    out = {}
    for key in keys:
        key, source = key if isinstance(key, tuple) else (key, key)
        entry = MESSAGES[source]
        text = entry.get(lang, entry["en"])
        out[key] = text if isinstance(text, str) else text.get("other", next(iter(text.values())))
    return out


def view(name: str, *, lang: str, T: float, gamma: float | None = None, scale: float = 1.0, keys=(), **fields) -> dict:
    """The data of one mount of the live view.

    Parameters
    ----------
    name : str
        One of :data:`VIEWS`.
    lang : str
        "en" or "zh": the language of the catalog templates sent.
    T, gamma : float
        The session's shared T and γ, sent with the ``"slider"`` view only: the page's other views take
        them from it in the browser, so their data stays the same from rerun to rerun (Streamlit then
        sends a reference to the message the browser already has). The browser takes them unless they
        are the echo of its own release.
    scale : float
        Text and chart heights × this (``ui.PRESENT_SCALE`` in presenter mode).
    keys : iterable of str
        Catalog keys whose raw templates the view formats in the browser (Python format syntax).
    **fields
        The view's own data, JSON-ready: numbers, strings, arrays as :func:`b64f32` / :func:`b64u8`
        (``z``: one row of 10 logits, ``label`` its class; ``logits`` / ``labels`` / ``n``: the teacher's (n, 10)
        test logits; ``student`` / ``teacher`` / ``labels`` / ``n``: the Losses views' logits, row-major;
        ``edges`` / ``small``: the bins of 1 − p_t, :data:`kdviz.maths.darkknowledge.WEIGHT_BINS` and ``SMALL_WEIGHT``;
        ``params`` and ``heard`` for the slider: its sliders, and the seq of the last release the server ran, or None).

    Returns
    -------
    dict
        The ``data`` of ``st.components.v2`` mount: ``view``, ``lang``, ``style``, ``text``, ``fields``,
        and for the slider ``T`` (and ``gamma``).
    """
    if name not in VIEWS:
        raise ValueError(f"unknown live view {name!r}; known: {', '.join(VIEWS)}")
    data = {"view": name, "lang": lang, "style": style_payload(scale), "text": texts(keys, lang), **fields}
    if name == "slider":  # the other views take T and γ from it in the browser: their data stays the same
        data["T"] = float(T)  # from rerun to rerun, so Streamlit sends them as cached references, not again
        if gamma is not None:
            data["gamma"] = float(gamma)
    return data
