"""One look for every kdviz figure: a plotly template legible on a projector, one colour per role.

Every builder in :mod:`kdviz.viz.plots`, :mod:`kdviz.viz.plots_lab` and :mod:`kdviz.viz.plots_compress`
finishes with :func:`apply`, so a figure looks the same in the app, a notebook and a saved
file. The template is passed explicitly (plotly's global default is left alone).

* Text is at least :data:`FONT_PX` (15) px; titles are larger.
* Text, ticks and axis lines are dark: :data:`INK` has 16 : 1 and :data:`MUTED` 7.6 : 1
  contrast on white (WCAG asks ≥ 4.5 : 1).
* :data:`ROLES` gives each role one colour on every page (the Okabe–Ito palette, readable
  with the common colour-vision deficiencies): the teacher grey, the distilled student
  vermillion, the labels-only baseline blue.
"""

from __future__ import annotations

import itertools
import math
import re
import unicodedata

import numpy as np
import plotly.graph_objects as go

from kdviz.base.i18n import tr

__all__ = ["FONT_PX", "TITLE_PX", "INK", "MUTED", "ROLES", "PALETTE", "TEMPLATE", "template", "apply", "safe_colour", "contrast",
           "accuracy_axis", "wrap", "text_width", "log_ticks", "LEGEND_BELOW"]

FONT_PX = 15  # every text in a figure, px
# A horizontal legend at the foot of the figure (container coordinates: plotly makes room for it under the x axis
# title, where a legend in plot coordinates at y < 0 lands on the title once the chart is narrow and the legend wraps).
LEGEND_BELOW = dict(orientation="h", x=0, xanchor="left", yref="container", y=0, yanchor="bottom")
TITLE_PX = 18  # figure titles, px
INK = "#1f2328"  # titles, labels, tick labels
MUTED = "#4b5563"  # axis lines and tick marks
GRID = "#e5e7eb"
FONT = "'Source Sans Pro', 'Source Sans 3', 'Noto Sans CJK SC', 'Noto Sans SC', Arial, sans-serif"

ROLES = {  # role → colour, the same on every chart
    "teacher": "#6b6f76",
    "distilled": "#d55e00",  # vermillion
    "baseline": "#0072b2",  # blue
    "soft": "#d55e00",  # the soft (teacher) term, as the distilled student it trains
    "hard": "#009e73",  # green: the labels
    "total": INK,
    "T = 1": "#a9b0bb",  # the unsoftened reference
    "other": "#cc79a7",  # purple-pink: a third arm
}
PALETTE = ["#0072b2", "#d55e00", "#009e73", "#cc79a7", "#e69f00", "#56b4e9", "#f0e442", "#6b6f76"]  # Okabe–Ito order

PLACEHOLDER = re.compile(r"^#0000(0[1-9]|[1-3][0-9]|40)$", re.IGNORECASE)  # Streamlit recolours these, theme or not


def template(scale: float = 1.0) -> go.layout.Template:
    """The kdviz template, every text size × ``scale`` (1.3 in presenter mode)."""
    px, title_px = round(FONT_PX * scale), round(TITLE_PX * scale)
    axis = dict(color=INK, linecolor=MUTED, tickcolor=MUTED, gridcolor=GRID, zerolinecolor=GRID, showline=True, ticks="outside",
                tickfont=dict(size=px, color=INK), title=dict(font=dict(size=px, color=INK), standoff=8), automargin=True)
    colorbar = dict(tickfont=dict(size=px, color=INK), title=dict(font=dict(size=px, color=INK)))
    return go.layout.Template(data=dict(heatmap=[go.Heatmap(colorbar=colorbar)]), layout=dict(
        font=dict(family=FONT, size=px, color=INK),
        title=dict(font=dict(size=title_px, color=INK), x=0, xanchor="left"),
        paper_bgcolor="white", plot_bgcolor="white", colorway=PALETTE,
        xaxis=axis, yaxis=axis,
        legend=dict(font=dict(size=px, color=INK)),
        hoverlabel=dict(font=dict(size=px)),
        annotationdefaults=dict(font=dict(size=px, color=INK)),
    ))


TEMPLATE = template()


def safe_colour(colour: str) -> str:
    """``colour``, or for Streamlit's placeholders ``#000001``–``#000040`` (which its frontend replaces by
    theme colours even with ``theme=None``: magma's darkest stop ``#000004`` was drawn pale pink) the
    same colour one step redder, which looks the same."""
    return "#01" + colour[3:] if isinstance(colour, str) and PLACEHOLDER.match(colour) else colour


def apply(fig: go.Figure, *, scale: float = 1.0) -> go.Figure:
    """Give ``fig`` the kdviz template with text × ``scale``; returns it.

    Colour scales become explicit stops free of Streamlit's placeholder colours; annotations (subplot
    titles, line labels) get the template's text size, never less (colour bars get it from the template).
    """
    px = round(FONT_PX * scale)
    fig.update_layout(template=TEMPLATE if scale == 1.0 else template(scale))
    for trace in fig.data:
        if getattr(trace, "colorscale", None) is not None:
            trace.colorscale = [[stop, safe_colour(colour)] for stop, colour in trace.colorscale]
    for note in fig.layout.annotations:
        note.font.size = max(px, round((note.font.size or 0) * scale))
    return fig


def _luminance(colour: str) -> float:
    """WCAG relative luminance of ``#rrggbb`` (0 = black, 1 = white)."""
    rgb = [int(colour.lstrip("#")[i:i + 2], 16) / 255 for i in (0, 2, 4)]
    r, g, b = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(foreground: str, background: str = "#ffffff") -> float:
    """WCAG contrast ratio of two ``#rrggbb`` colours (1 to 21)."""
    hi, lo = sorted((_luminance(foreground), _luminance(background)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


# ---------------------------------------------------------------- charts that read honestly


def accuracy_axis(fig: go.Figure, low: float, *, title: str, lang: str = "en", top: float = 100.0, axis: str = "y") -> float:
    """Give a bar chart of accuracies (in %) an honest ``axis`` ("y", or "x" for horizontal bars); returns where it starts (%).

    ``low``: the lowest point drawn (the lowest bar minus its error bar), in %. Bars below 50 % start at 0.
    Otherwise the differences that matter are tenths of a point: the axis is cut at a tick a little under
    ``low``, and the chart says so twice: the axis title ends "axis starts at N %", and a break mark
    (two slanted strokes) crosses the axis at its foot.
    """
    update = fig.update_yaxes if axis == "y" else fig.update_xaxes
    if not np.isfinite(low) or low < 50.0:
        update(title=title, range=[0, top])
        return 0.0
    pad = max(1.0, 0.3 * (top - low))  # room under the lowest bar, so that it is not a sliver
    for step in (1.0, 2.0, 5.0, 10.0):  # the coarsest grid with at most 6 intervals that keeps the pad
        start = math.floor((low - pad) / step) * step
        if (top - start) / step <= 6:
            break
    update(title=tr("plots.acc_axis_cut", lang, title=title, start=start), range=[start, top], tick0=start, dtick=step)
    at = dict(xref="x domain", yref="y domain", xsizemode="pixel", ysizemode="pixel", xanchor=0, yanchor=0, layer="above")
    for d in (3, 9):  # the break mark: a white gap in the axis line, bounded by two strokes, 3-9 px from its foot
        path = f"M -7,{d - 3} L 7,{d + 3}" if axis == "y" else f"M {d - 3},-7 L {d + 3},7"
        fig.add_shape(type="path", path=path, line=dict(color=INK, width=1.5), **at)
    gap = dict(x0=-3, x1=3, y0=2, y1=8) if axis == "y" else dict(x0=2, x1=8, y0=-3, y1=3)
    fig.add_shape(type="rect", fillcolor="white", line=dict(width=0), **gap, **at)
    return start


def text_width(text: str) -> int:
    """The width of ``text`` in character cells: a CJK (wide) character counts 2, markup none."""
    plain = re.sub(r"<[^>]+>", "", text)
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in plain)


def wrap(text: str, width: int) -> str:
    """``text`` broken with ``<br>`` into as few lines as keep each within ``width`` cells (:func:`text_width`), the
    lines as even as can be: a plotly label cannot wrap itself, and tick labels that do not fit run together or turn
    sideways. Breaks go at spaces (not after a lone "+" or "=") and before a full-width bracket "（"."""
    bound = re.sub(r"(?<=[+=]) ", "\u00a0", text)  # "+ attention" stays together
    words = [w for w in re.split(r" |(?<=\S)(?=（)", bound) if w]
    glues = ["" if w.startswith("（") else " " for w in words]

    def lines_of(cuts: tuple[int, ...]) -> list[str]:
        edges = (0, *cuts, len(words))
        return ["".join((glues[i] if i > a else "") + words[i] for i in range(a, b)) for a, b in zip(edges, edges[1:])]

    best = [bound]
    for k in range(1, min(len(words), 8)):  # k breaks; the first k that fits wins, the most even split of it
        options = [lines_of(c) for c in itertools.combinations(range(1, len(words)), k)]
        best = min(options, key=lambda lines: max(map(text_width, lines)))
        if max(map(text_width, best)) <= width:
            break
    if text_width(bound) <= width:
        best = [bound]
    return "<br>".join(best).replace("\u00a0", " ")


def log_ticks(lo: float, hi: float, unit: str = "") -> tuple[list[float], list[str]]:
    """Ticks for a log axis from ``lo`` to ``hi`` (> 0): the 1-2-5 steps of every decade in range, each labelled
    with its magnitude and ``unit`` ("20 kB", not plotly's bare "2" of a minor tick; "20,000" without a unit)."""
    values = [m * 10.0 ** e for e in range(math.floor(math.log10(lo)), math.ceil(math.log10(hi)) + 1) for m in (1, 2, 5)]
    values = [v for v in values if lo <= v * (1 + 1e-9) and v <= hi * (1 + 1e-9)]
    if len(values) > 4:  # labels of ~50 px on a phone's 300 px axis: 1 and 3 of each decade, or the decades only
        values = [m * 10.0 ** e for e in range(math.floor(math.log10(lo)), math.ceil(math.log10(hi)) + 1) for m in (1, 3)]
        values = [v for v in values if lo <= v * (1 + 1e-9) and v <= hi * (1 + 1e-9)]
        if len(values) > 5:
            values = values[::2] if values and f"{values[0]:g}".lstrip("0.").startswith("1") else values[1::2]
    return values, [f"{v:g} {unit}" if unit else f"{v:,.0f}" if v >= 1 else f"{v:g}" for v in values]
