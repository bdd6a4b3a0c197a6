"""Plotly figure builders for the compression lab (``pages/5_Compression.py``), and its labels. No Streamlit here.

Every builder takes the table of :func:`kdviz.compress.compare` (or of
:func:`kdviz.compress.svd_rank_curve`). Accuracies are fractions in the data and
percentages on the axes; sizes are bytes in the data and kB on the axes. Every builder
takes ``lang`` ("en" or "zh") for its titles, axes, legend, hovers and annotations
(:mod:`kdviz.i18n`).

The data keep their internal English ids (method, family, base, note, progress messages
of :mod:`kdviz.compress`); :func:`method_label`, :func:`family_label`, :func:`base_label`,
:func:`family_note`, :func:`note_label` and :func:`progress_label` show them in a language.
In English each gives back exactly the text of :mod:`kdviz.compress`.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from .compress import FAMILIES, pareto_front
from .i18n import tr

__all__ = [
    "FAMILY_COLOURS",
    "AXES",
    "pareto_figure",
    "rank_curve_figure",
    "family_label",
    "base_label",
    "family_note",
    "method_label",
    "note_label",
    "progress_label",
]

FAMILY_COLOURS = {  # one colour per family, the same on every chart
    "baseline": "#000000",
    "pruning": "#1f77b4",
    "quantization": "#ff7f0e",
    "low-rank": "#2ca02c",
    "compact": "#9467bd",
    "distillation": "#d62728",
}
_AXIS_KEYS = {  # column → (axis title key, scale to the unit shown)
    "size_bytes": ("plots_compress.x_size", 1e-3),
    "sparse_bytes": ("plots_compress.x_sparse", 1e-3),
    "latency_ms_1": ("plots_compress.x_latency_1", 1.0),
    "latency_ms_256": ("plots_compress.x_latency_256", 1.0),
    "params": ("plots_compress.x_params", 1.0),
}
AXES = {col: (tr(key, "en"), scale) for col, (key, scale) in _AXIS_KEYS.items()}  # column → (axis title in English, scale)
_FAMILY_KEYS = {
    "baseline": ("plots_compress.f_baseline", "plots_compress.note_baseline"),
    "pruning": ("plots_compress.f_pruning", "plots_compress.note_pruning"),
    "quantization": ("plots_compress.f_quantization", "plots_compress.note_quantization"),
    "low-rank": ("plots_compress.f_low_rank", "plots_compress.note_low_rank"),
    "compact": ("plots_compress.f_compact", "plots_compress.note_compact"),
    "distillation": ("plots_compress.f_distillation", "plots_compress.note_distillation"),
}
_BASE_KEYS = {"teacher": "plots_compress.teacher", "student": "plots_compress.student"}
_METHODS = [  # a method name of kdviz.compress (after "teacher · " / "student · ") → its message; groups are fields
    (r"teacher \(CNN, fp32\)", "plots_compress.m_teacher"),
    (r"student \((?P<arch>MLP [0-9-]+), labels only\)", "plots_compress.m_student"),
    (r"prune per-layer L1 (?P<pct>[0-9.]+%)", "plots_compress.m_prune_layer"),
    (r"prune global L1 (?P<pct>[0-9.]+%)", "plots_compress.m_prune_global"),
    (r"prune channels L2 (?P<pct>[0-9.]+%), rebuilt", "plots_compress.m_prune_channels"),
    (r"int8 dynamic \(linear layers\)", "plots_compress.m_int8_dynamic"),
    (r"int8 static \(all layers\)", "plots_compress.m_int8_static"),
    (r"SVD linear rank (?P<r>[0-9]+)", "plots_compress.m_svd"),
    (r"conv 3×3 → 3×1 \+ 1×3, rank (?P<r>[0-9]+)", "plots_compress.m_conv"),
    (r"depthwise-separable CNN \(labels only\)", "plots_compress.m_compact_labels"),
    (r"depthwise-separable CNN \(distilled, T=(?P<T>[^,]+), γ=(?P<gamma>[^)]+)\)", "plots_compress.m_compact_distilled"),
    (r"distilled MLP (?P<arch>[0-9-]+)", "plots_compress.m_distilled"),
]
_FINETUNE = re.compile(r"(?P<what>.+) \+ fine-tune (?P<epochs>[0-9]+) ep")
_ON = re.compile(r"(?P<base>teacher|student) · (?P<what>.+)")
_PROGRESS = {
    "read from the cache": "plots_compress.p_cache",
    "done": "plots_compress.p_done",
    "timing every model on 1 image": "plots_compress.p_timing_1",
    "timing every model on 256 images": "plots_compress.p_timing_256",
}


def family_label(family: str, lang: str = "en") -> str:
    """A family id of :data:`kdviz.compress.FAMILIES` as shown (the id itself in English)."""
    return tr(_FAMILY_KEYS[family][0], lang) if family in _FAMILY_KEYS else family


def base_label(base: str, lang: str = "en") -> str:
    """``"teacher"`` / ``"student"`` as shown."""
    return tr(_BASE_KEYS[base], lang) if base in _BASE_KEYS else base


def family_note(family: str, lang: str = "en") -> str:
    """What a family trades (:data:`kdviz.compress.NOTES` in English)."""
    return tr(_FAMILY_KEYS[family][1], lang)


def _method_body(text: str, lang: str) -> str | None:
    for pattern, key in _METHODS:
        m = re.fullmatch(pattern, text)
        if m:
            return tr(key, lang, **m.groupdict())
    return None


def method_label(method: str, lang: str = "en") -> str:
    """A method name of :func:`kdviz.compress.plan` as shown; a name it does not know is shown as is."""
    text, epochs = method, None
    m = _FINETUNE.fullmatch(text)
    if m:
        text, epochs = m["what"], m["epochs"]
    m = _ON.fullmatch(text)
    body = _method_body(m["what"] if m else text, lang)
    if body is None:
        return method
    if m:
        body = tr("plots_compress.m_on", lang, base=base_label(m["base"], lang), what=body)
    return tr("plots_compress.m_finetune", lang, what=body, epochs=epochs) if epochs is not None else body


def note_label(row, base_row, lang: str = "en") -> str:
    """The measured one-line note of a row against its base (the ``note`` column of compare) in ``lang``.

    ``row`` / ``base_row``: rows of the compare table (dicts or Series), the second the
    baseline row of the same base. The library writes its note before it rounds the
    latencies to 4 decimals, so from a finished table the speed-up may differ from the
    ``note`` column in its last digit; the page shows that column itself in English.
    """
    if row["family"] == "baseline":
        return tr("plots_compress.n_reference", lang)
    size = row["size_bytes"] / base_row["size_bytes"]
    speed = base_row["latency_ms_256"] / row["latency_ms_256"]
    parts = [tr("plots_compress.n_bytes", lang, size=size, base=base_label(row["base"], lang)),
             tr("plots_compress.n_speed", lang, speed=speed),
             tr("plots_compress.n_acc", lang, delta=100 * (row["test_acc"] - base_row["test_acc"]))]
    if row["family"] == "pruning" and "rebuilt" not in row["method"]:
        parts.insert(0, tr("plots_compress.n_zeros", lang, sparsity=row["sparsity"], csr=row["sparse_bytes"] / base_row["size_bytes"]))
    elif row["family"] == "pruning":
        parts.insert(0, tr("plots_compress.n_removed", lang, removed=1 - row["params"] / base_row["params"]))
    return tr("plots_compress.n_sep", lang).join(parts)


def progress_label(message: str, lang: str = "en") -> str:
    """A progress message of :func:`kdviz.compress.compare` in ``lang`` (unknown ones as they are)."""
    if message in _PROGRESS:
        return tr(_PROGRESS[message], lang)
    m = re.fullmatch(r"seed (?P<seed>[0-9]+): (?P<what>.+)", message)
    if m:
        what = tr("plots_compress.p_student", lang) if m["what"] == "baseline student" else method_label(m["what"], lang)
        return tr("plots_compress.p_seed", lang, seed=m["seed"], what=what)
    return message
_LAYOUT = dict(height=480, margin=dict(l=10, r=10, t=50, b=10), legend=dict(orientation="h", y=-0.18))


def pareto_figure(df: pd.DataFrame, *, x: str = "size_bytes", threads: int | None = None, floor: float | None = 0.8,
                  lang: str = "en") -> go.Figure:
    """Test accuracy against size or latency (log x), one colour per family, the Pareto front dashed.

    Parameters
    ----------
    df : the table of :func:`kdviz.compress.compare`, one row per model
    x : a column of :data:`AXES`
    threads : torch threads of the latency measurement, for the title
    floor : accuracy (fraction) below which models are left off the plot so that the
        others stay readable; the ones left off are named under the chart. None: all shown.
    lang : "en" or "zh"

    Error bars are the sample std of test accuracy over seeds (none for one seed). The
    front joins the models no other model beats on both axes (:func:`kdviz.compress.pareto_front`).
    """
    if x not in AXES:
        raise ValueError(f"x must be one of {sorted(AXES)}, got {x!r}")
    title, scale = tr(_AXIS_KEYS[x][0], lang), _AXIS_KEYS[x][1]
    fig = go.Figure()
    hidden = df[df["test_acc"] < floor] if floor is not None else df.iloc[:0]
    df = df.drop(index=hidden.index)
    for fam in FAMILIES:
        part = df[df["family"] == fam]
        if part.empty:
            continue
        std = part["test_acc_std"].fillna(0.0).to_numpy(float)
        fig.add_scatter(
            x=part[x].to_numpy(float) * scale, y=100 * part["test_acc"].to_numpy(float), mode="markers", name=family_label(fam, lang),
            marker=dict(color=FAMILY_COLOURS[fam], size=11 if fam == "baseline" else 9, symbol="diamond" if fam == "baseline" else "circle",
                        line=dict(width=1, color="white")),
            error_y=dict(type="data", array=100 * std, visible=bool(std.any()), thickness=1),
            customdata=np.stack([[method_label(m, lang) for m in part["method"]], [base_label(b, lang) for b in part["base"]],
                                 part["params"]], axis=1),
            hovertemplate=tr("plots_compress.hover", lang, method="%{customdata[0]}", base="%{customdata[1]}", x="%{x:.3g}",
                             y="%{y:.1f}", params="%{customdata[2]:,}") + "<extra>" + family_label(fam, lang) + "</extra>",
        )
    front = df[pareto_front(df, x)].sort_values(x)
    if len(front) > 1:
        fig.add_scatter(x=front[x].to_numpy(float) * scale, y=100 * front["test_acc"].to_numpy(float), mode="lines", name=tr("plots_compress.front", lang),
                        line=dict(color="#7f7f7f", dash="dash", shape="hv"), hoverinfo="skip")
    what = tr("plots_compress.what_latency" if x.startswith("latency") else "plots_compress.what_size", lang)
    n = int(df["n_seeds"].max()) if len(df) else 0
    seeds = tr("plots_compress.seed" if n == 1 else "plots_compress.seeds", lang, n=n)
    suffix = ""
    if threads is not None and x.startswith("latency"):
        suffix = tr("plots_compress.thread" if threads == 1 else "plots_compress.threads", lang, n=threads)
    fig.update_layout(title=tr("plots_compress.pareto_title", lang, what=what, seeds=seeds, threads=suffix), **_LAYOUT)
    if len(hidden):
        names = [tr("plots_compress.hidden_item", lang, method=method_label(m, lang), acc=100 * a)
                 for m, a in zip(hidden["method"], hidden["test_acc"])]
        fig.add_annotation(text=tr("plots_compress.hidden", lang, floor=100 * floor) + "<br>" + "<br>".join(names), xref="paper", yref="paper",
                           x=1, y=0.02, xanchor="right", yanchor="bottom", align="right", showarrow=False, font=dict(size=11, color="#7f7f7f"))
    fig.update_xaxes(type="log", title=title)
    fig.update_yaxes(title=tr("plots_compress.test_acc", lang))
    return fig


def rank_curve_figure(curve: pd.DataFrame, *, rank: int | None = None, dense_acc: float | None = None, dense_params: int | None = None,
                      lang: str = "en") -> go.Figure:
    """Test accuracy and parameters of the SVD-factorised student against the rank.

    ``curve``: :func:`kdviz.compress.svd_rank_curve`. ``rank`` marks the slider's rank;
    ``dense_acc`` / ``dense_params`` draw the unfactorised student as reference lines; ``lang``: "en" or "zh".
    """
    c = curve.sort_values("rank")
    fig = go.Figure()
    fig.add_scatter(x=c["rank"], y=100 * c["test_acc"], mode="lines+markers", name=tr("plots_compress.test_acc", lang), line=dict(color=FAMILY_COLOURS["low-rank"]))
    fig.add_scatter(x=c["rank"], y=c["params"], mode="lines", name=tr("plots_compress.parameters", lang), yaxis="y2", line=dict(color="#7f7f7f", dash="dot"))
    if dense_acc is not None:
        fig.add_hline(y=100 * dense_acc, line=dict(color="#000000", dash="dot", width=1), annotation_text=tr("plots_compress.unfactorised", lang), annotation_position="bottom right")
    if dense_params is not None:
        fig.add_scatter(x=[c["rank"].min(), c["rank"].max()], y=[dense_params] * 2, mode="lines", yaxis="y2", name=tr("plots_compress.params_unfactorised", lang),
                        line=dict(color="#000000", width=1, dash="dash"))
    if rank is not None:
        fig.add_vline(x=rank, line=dict(color=FAMILY_COLOURS["low-rank"], width=1))
    fig.update_layout(
        title=tr("plots_compress.rank_title", lang), height=380, margin=dict(l=10, r=10, t=50, b=10),
        legend=dict(orientation="h", y=-0.25), hovermode="x unified",
        xaxis=dict(title=tr("plots_compress.rank_axis", lang), type="log"), yaxis=dict(title=tr("plots_compress.test_acc", lang)),
        yaxis2=dict(title=tr("plots_compress.parameters", lang), overlaying="y", side="right", type="log", showgrid=False),
    )
    return fig
