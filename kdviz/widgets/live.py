"""The live views of :mod:`kdviz.viz.live` in Jupyter: one anywidget, the same ES module as the Streamlit pages'.

A :class:`LiveView` shows a column of views (their dicts, :func:`kdviz.viz.live.view`) that share T and γ. A drag
redraws them in the browser at the screen's frame rate and sends nothing to the kernel; the release sets the
synced ``T`` (and ``gamma``): one comm message. Setting ``T`` from Python redraws them too. The JavaScript is
``kdviz/viz/live`` with its anywidget entry point (``host_anywidget.js``), bundled inline: no CDN, no network.
"""

from __future__ import annotations

import anywidget
import traitlets

from kdviz.base.i18n import MESSAGES, tr
from kdviz.serve import urlstate
from kdviz.viz import live

__all__ = ["LiveView", "slider_view", "words"]

SLIDERS = {"T": ("common.temperature", "ui.T_help", 0.5), "gamma": ("ui.gamma_label", "ui.gamma_help", 0.05)}  # label, help, step


class LiveView(anywidget.AnyWidget):
    """A column of live views sharing T and γ.

    Traits (synced): ``T`` and ``gamma`` (set by the browser on a slider's release only), ``views`` (a list of view
    dicts, drawn in order) and ``common`` (fields every view gets, e.g. the (n, 10) logits as base64: sent once,
    not once per view).
    """

    _esm = live.script("anywidget")
    _css = live.css()
    T = traitlets.Float(4.0).tag(sync=True)
    gamma = traitlets.Float(None, allow_none=True).tag(sync=True)
    views = traitlets.List(traitlets.Dict()).tag(sync=True)
    common = traitlets.Dict().tag(sync=True)

    @traitlets.validate("T", "gamma")
    def _in_range(self, proposal):
        name, value = proposal["trait"].name, proposal["value"]
        lo, hi = urlstate.PARAMS[name][1:3]
        if value is not None and not lo <= value <= hi:
            raise traitlets.TraitError(f"{name} must be in [{lo:g}, {hi:g}], got {value!r}")
        return value


def words(key: str, digits: bool) -> str | tuple[str, str]:
    """``key``, or for a data set of images that are not digits ``(key, key + "_img")`` when the catalog has that
    variant (the view looks the text up as ``key``, :func:`kdviz.viz.live.texts`)."""
    return key if digits or f"{key}_img" not in MESSAGES else (key, f"{key}_img")


def slider_view(params: tuple[str, ...], *, lang: str) -> dict:
    """The ``"slider"`` view of ``params`` ("T", "gamma") over the pages' ranges; T and γ come from the widget."""
    specs = [{"name": p, "label": tr(SLIDERS[p][0], lang), "help": tr(SLIDERS[p][1], lang), "step": SLIDERS[p][2],
              "min": urlstate.PARAMS[p][1], "max": urlstate.PARAMS[p][2]} for p in params]
    data = live.view("slider", lang=lang, T=urlstate.PARAMS["T"][3], params=specs)
    del data["T"]  # the widget's T and γ, not the pages' default, open the view (host_anywidget.js)
    return data
