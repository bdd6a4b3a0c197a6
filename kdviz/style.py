"""One look for every kdviz figure: a plotly template legible on a projector, one colour per role.

Every builder in :mod:`kdviz.plots`, :mod:`kdviz.plots_lab` and :mod:`kdviz.plots_compress`
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

import re

import plotly.graph_objects as go

__all__ = ["FONT_PX", "TITLE_PX", "INK", "MUTED", "ROLES", "PALETTE", "TEMPLATE", "template", "apply", "safe_colour", "contrast"]

FONT_PX = 15  # every text in a figure, px
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
