"""Every figure kdviz builds is legible on a projector: the kdviz template, text ≥ 15 px in dark
colours (≥ 4.5 : 1 on white), one colour per role, and colour scales dark at their maximum."""

import re
from pathlib import Path

import numpy as np
import plotly.colors
import plotly.graph_objects as go
import pytest
from test_i18n import all_figures

from kdviz.viz import live, plots, style


def fonts(node, path=""):
    """Every font-like dict in a figure's JSON: (path, dict)."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key.endswith("font") and isinstance(value, dict):
                yield f"{path}.{key}", value
            yield from fonts(value, f"{path}.{key}")
    elif isinstance(node, (list, tuple)):
        for i, value in enumerate(node):
            yield from fonts(value, f"{path}[{i}]")


def wcag(hex_colour: str) -> float:
    """Contrast with white, computed here from the WCAG 2 definition (independently of kdviz.viz.style)."""
    def channel(c):
        c /= 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (int(hex_colour.lstrip("#")[i:i + 2], 16) for i in (0, 2, 4))
    lum = 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)
    return 1.05 / (lum + 0.05)


@pytest.fixture(scope="module")
def figures(res):
    return all_figures(res, "en") | {"digit_figure": plots.digit_figure(np.zeros((28, 28), np.uint8), "a digit")}


def test_template_text_is_large_and_dark():
    layout = style.TEMPLATE.layout
    assert layout.font.size >= 15 and layout.title.font.size > layout.font.size
    for colour in (style.INK, style.MUTED, layout.xaxis.tickfont.color, layout.yaxis.tickfont.color, layout.xaxis.linecolor):
        assert wcag(colour) >= 4.5, colour
    assert style.contrast(style.INK) == pytest.approx(wcag(style.INK))


def test_every_figure_uses_the_template_and_large_dark_text(figures):
    for name, fig in figures.items():
        assert fig.layout.template == style.TEMPLATE, name
        spec = fig.to_plotly_json()
        spec["layout"].pop("template")
        for path, font in fonts(spec):
            assert font.get("size") is None or font["size"] >= style.FONT_PX, (name, path, font)
            colour = font.get("color")
            assert colour is None or not str(colour).startswith("#") or wcag(colour) >= 4.5, (name, path, font)


def test_one_colour_per_role(figures):
    """The distilled student, the baseline and the teacher have the same colour wherever they appear."""
    seen = {}
    for name, fig in figures.items():
        for trace in fig.data:
            if any(term in (trace.name or "") for term in (": soft", ": hard")):  # a loss term: coloured by the term
                continue
            label = (trace.name or "").split(":")[0].split(" (")[0].strip().lower()
            role = {"distilled": "distilled", "baseline": "baseline", "teacher": "teacher"}.get(label)
            colour = getattr(getattr(trace, "marker", None), "color", None) if trace.type == "bar" else trace.line.color \
                if trace.type == "scatter" else None
            if role and isinstance(colour, str):
                seen.setdefault(role, set()).add(colour.lower())
    assert seen, "no role found"
    for role, colours in seen.items():
        assert colours == {style.ROLES[role]}, (role, colours)
    assert len({style.ROLES[r] for r in ("teacher", "distilled", "baseline")}) == 3


def test_no_streamlit_placeholder_colours(figures):
    """Streamlit's frontend replaces #000001–#000040 in any plotly figure by theme colours (magma's darkest stop
    #000004 was drawn pale pink): no figure may contain one."""
    placeholder = re.compile(r"#0000(0[1-9]|[1-3][0-9]|40)\b", re.IGNORECASE)
    for name, fig in figures.items():
        assert not placeholder.search(fig.to_json()), name
    assert style.safe_colour("#000004") == "#010004" and style.safe_colour("#000000") == "#000000"


def test_presenter_scale_enlarges_every_text(figures):
    fig = style.apply(go.Figure(figures["training_figure"]), scale=1.3)
    assert fig.layout.template.layout.font.size == round(1.3 * style.FONT_PX)
    assert all(a.font.size >= round(1.3 * style.FONT_PX) for a in fig.layout.annotations)


def lightness(colour: str) -> float:
    r, g, b = plotly.colors.unlabel_rgb(plotly.colors.convert_colors_to_same_type(colour, "rgb")[0][0])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def test_every_colour_scale_is_darkest_at_its_maximum(figures):
    checked = 0
    for name, fig in figures.items():
        for trace in fig.data:
            if trace.type != "heatmap" or trace.showscale is False:
                continue
            stops = [c for _, c in trace.colorscale]  # plotly resolves a named scale to its stops
            light = [lightness(c) for c in stops]
            assert light == sorted(light, reverse=True), (name, stops)  # monotonic, darkest at the top
            checked += 1
    assert checked >= 1  # the Lab's sweep; the dark-knowledge and loss maps are drawn in the browser (next test)


def test_the_browsers_colour_scales_are_plotlys_reversed_and_darkest_at_their_maximum():
    """The live views' heatmaps (the dark-knowledge map, the loss map) use charts.js's CH_SCALES."""
    source = (Path(live.__file__).parent / "charts.js").read_text(encoding="utf-8")
    block = source[source.index("const CH_SCALES"):source.index("};", source.index("const CH_SCALES"))]
    scales = {name: re.findall(r"#[0-9a-f]{6}", body) for name, body in re.findall(r"(\w+_r): \[([^\]]*)\]", block)}
    assert set(scales) == {"Viridis_r", "Magma_r"}
    for name, stops in scales.items():
        plotly_stops = getattr(plotly.colors.sequential, name.removesuffix("_r"))[::-1]
        assert stops == [c.lower() for c in plotly_stops], name
        light = [lightness(c) for c in stops]
        assert light == sorted(light, reverse=True), (name, stops)


def test_a_refilled_training_figure_is_the_figure_built_from_the_longer_histories():
    """The live chart of a training is built once and refilled: the result must equal a fresh build."""
    import pandas as pd

    from kdviz.viz import plots

    def hist(n, shift):
        e = np.arange(1, n + 1)
        return pd.DataFrame({"epoch": e, "test_acc": 0.5 + shift + e / 100, "total": 2.0 / e, "soft": 1.5 / e, "hard": 0.5 / e + shift})

    short = {"distilled": hist(2, 0.0), "baseline": hist(1, 0.1)}
    longer = {"distilled": hist(5, 0.0), "baseline": hist(4, 0.1)}
    fig = plots.training_figure(short, epochs=5)
    assert plots.refill_training_figure(fig, longer)
    assert fig.to_plotly_json() == plots.training_figure(longer, epochs=5).to_plotly_json()
    assert not plots.refill_training_figure(fig, {"distilled": hist(6, 0.0)})  # other runs: left as it was
    assert fig.to_plotly_json() == plots.training_figure(longer, epochs=5).to_plotly_json()
