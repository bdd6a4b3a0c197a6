"""Plotly figure builders for the explorer's pages and the notebook. No Streamlit here.

Inputs are the outputs of :mod:`kdviz.explore` and :mod:`kdviz.train`; probabilities are
fractions in the data and on the axes, accuracies percentages on the axes.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import torch
from plotly.subplots import make_subplots

from .losses import soften

__all__ = [
    "COLORS",
    "digit_figure",
    "logits_figure",
    "softmax_figure",
    "entropy_figure",
    "dark_knowledge_figure",
    "loss_curves_figure",
    "loss_heatmap_figure",
    "gradient_figure",
    "training_figure",
    "confusion_figure",
    "per_class_figure",
    "runs_figure",
    "compare_figure",
    "digit_map_figure",
]

COLORS = {"teacher": "#9aa0aa", "soft": "#ef553b", "hard": "#00a67e", "total": "#444444",
          "distilled": "#ef553b", "baseline": "#636efa", "T = 1": "#b0b7c3"}
DIGITS = [str(d) for d in range(10)]


def _layout(fig: go.Figure, title: str, *, height: int = 320, **kwargs) -> go.Figure:
    settings = dict(title=dict(text=title, x=0, xanchor="left"), height=height, margin=dict(l=10, r=10, t=50, b=10),
                    legend=dict(orientation="h", x=0, y=-0.3, xanchor="left", yanchor="top"))
    fig.update_layout(**{**settings, **kwargs})
    return fig


T_TICKS = [0.5, 1, 2, 4, 8, 16]


def _mark_T(fig: go.Figure, T: float, y_values, *, log_y: bool = False) -> None:
    """A dotted vertical line at T spanning ``y_values``' range, as a trace (shapes misplace on log axes)."""
    y = np.asarray(y_values, dtype=float)
    y = y[np.isfinite(y) & ((y > 0) if log_y else True)]
    lo, hi = (float(y.min()), float(y.max())) if y.size else (0.0, 1.0)
    if not log_y:
        lo = min(lo, 0.0)
    fig.add_scatter(x=[T, T], y=[lo, hi], mode="lines+text", text=["", f" T = {T:g}"], textposition="top right",
                    line=dict(color="#888", dash="dot", width=1.5), showlegend=False, hoverinfo="skip", name="chosen T")


def _log_T_axis(fig: go.Figure) -> None:
    fig.update_xaxes(title="temperature T (log scale)", type="log", tickvals=T_TICKS, ticktext=[f"{t:g}" for t in T_TICKS])


def digit_figure(image: np.ndarray, title: str = "") -> go.Figure:
    """A 28×28 uint8 image (0 = white paper, 255 = ink) drawn dark on light."""
    img = np.asarray(image).reshape(28, 28)
    fig = go.Figure(go.Heatmap(z=img[::-1], colorscale="Greys", showscale=False, hoverinfo="skip"))
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False, scaleanchor="x")
    return _layout(fig, title, height=220, margin=dict(l=0, r=0, t=30, b=0))


def logits_figure(logits: torch.Tensor, title: str = "Teacher logits z") -> go.Figure:
    """Bars of one row of 10 logits."""
    z = logits.detach().reshape(-1).tolist()
    fig = go.Figure(go.Bar(x=DIGITS, y=z, marker_color="#636efa", hovertemplate="digit %{x}: z = %{y:.2f}<extra></extra>"))
    fig.update_xaxes(title="digit", type="category")
    fig.update_yaxes(title="logit")
    return _layout(fig, title)


def softmax_figure(logits: torch.Tensor, T: float, *, log_y: bool = False, title: str | None = None) -> go.Figure:
    """softmax(z) beside softmax(z / T) for one row of logits (traces named ``T = 1`` and ``T = …``)."""
    z = logits.detach().reshape(1, -1).float()
    fig = go.Figure()
    for t, color in ((1.0, COLORS["T = 1"]), (float(T), COLORS["soft"])):
        p = soften(z, t)[0].tolist()
        fig.add_bar(x=DIGITS, y=p, name=f"T = {t:g}", marker_color=color,
                    hovertemplate="digit %{x}: p = %{y:.4f}<extra>T = " + f"{t:g}" + "</extra>")
    fig.update_xaxes(title="digit", type="category")
    fig.update_yaxes(title="probability", type="log" if log_y else "linear", range=None if log_y else [0, 1])
    return _layout(fig, title or f"Teacher softmax at T = 1 and at T = {T:g}", barmode="group")


def entropy_figure(curve: pd.DataFrame, T: float, *, current: float | None = None) -> go.Figure:
    """Entropy (bits) against T on a log axis, with the chosen T marked; ``curve`` from ``explore.entropy_curve``."""
    fig = go.Figure(go.Scatter(x=curve["T"], y=curve["entropy_bits"], mode="lines", name="entropy",
                               line_color=COLORS["soft"], hovertemplate="T = %{x:.2f}: %{y:.2f} bits<extra></extra>"))
    if current is not None:
        fig.add_scatter(x=[T], y=[current], mode="markers", marker=dict(size=11, color=COLORS["total"]),
                        name=f"T = {T:g}", hovertemplate="%{y:.2f} bits<extra></extra>")
    fig.add_hline(y=np.log2(10), line_dash="dot", line_color="#aaa", annotation_text="uniform: log₂10 = 3.32 bits",
                  annotation_position="bottom right")
    _log_T_axis(fig)
    fig.update_yaxes(title="entropy (bits)", range=[0, 3.5])
    return _layout(fig, "Entropy of the teacher's softmax as T rises", showlegend=False)


def dark_knowledge_figure(matrix: np.ndarray, T: float, *, hide_diagonal: bool = True) -> go.Figure:
    """The (10, 10) map of ``explore.dark_knowledge_map``; with ``hide_diagonal`` the colour scale shows the small off-diagonal mass."""
    m = np.array(matrix, dtype=float)
    shown = m.copy()
    if hide_diagonal:
        np.fill_diagonal(shown, np.nan)
    text = np.vectorize(lambda v: f"{v:.3f}")(m)
    fig = go.Figure(go.Heatmap(
        z=shown, x=DIGITS, y=DIGITS, colorscale="Magma_r", customdata=text, colorbar=dict(title="p"),
        hovertemplate="true %{y} → %{x}: mean p = %{customdata}<extra></extra>", hoverongaps=False,
    ))
    fig.update_xaxes(title="probability given to digit", type="category", side="bottom")
    fig.update_yaxes(title="true digit", type="category", autorange="reversed", scaleanchor="x")
    sub = " (diagonal hidden)" if hide_diagonal else ""
    return _layout(fig, f"Dark knowledge: the teacher's mean probabilities at T = {T:g}{sub}", height=460)


def loss_curves_figure(curves: pd.DataFrame, T: float, gamma: float) -> go.Figure:
    """Soft, hard and total loss against T (log axis) with the chosen T marked; ``curves`` from ``explore.loss_curves``."""
    fig = go.Figure()
    labels = {"soft": "soft = T²·KL(teacher_T ‖ student_T)", "hard": "hard = CE(student, label)",
              "total": f"total = {gamma:g}·soft + {1 - gamma:g}·hard"}
    for name in ("soft", "hard", "total"):
        fig.add_scatter(x=curves["T"], y=curves[name], mode="lines", name=labels[name], line_color=COLORS[name],
                        line_width=3 if name == "total" else 2, hovertemplate="T = %{x:.2f}: %{y:.3f}<extra>" + name + "</extra>")
    _mark_T(fig, T, curves[["soft", "hard", "total"]].to_numpy().ravel())
    _log_T_axis(fig)
    fig.update_yaxes(title="loss (nats)", rangemode="tozero")
    return _layout(fig, "Losses as T varies (the student fixed)", height=360)


def loss_heatmap_figure(grid: np.ndarray, temperatures, gammas, T: float, gamma: float) -> go.Figure:
    """Total loss on the γ × T grid of ``explore.loss_grid``, the chosen (T, γ) marked."""
    fig = go.Figure(go.Heatmap(z=grid, x=list(temperatures), y=list(gammas), colorscale="Viridis",
                               colorbar=dict(title="total"), hovertemplate="T = %{x:.2f}, γ = %{y:.2f}: %{z:.3f}<extra></extra>"))
    fig.add_scatter(x=[T], y=[gamma], mode="markers", marker=dict(symbol="x", size=14, color="white", line_width=2),
                    name="chosen", hoverinfo="skip")
    _log_T_axis(fig)
    fig.update_yaxes(title="γ (weight of soft)")
    return _layout(fig, "Total loss over γ and T", height=360, showlegend=False)


def gradient_figure(grads: pd.DataFrame, T: float) -> go.Figure:
    """‖∂soft/∂z‖ with and without the T² factor and ‖∂hard/∂z‖ against T (log–log)."""
    fig = go.Figure()
    for col, name, color, dash in (("grad_soft_T2", "soft, with T² (as trained)", COLORS["soft"], None),
                                   ("grad_soft_plain", "soft, without T²", COLORS["soft"], "dash"),
                                   ("grad_hard", "hard", COLORS["hard"], None)):
        fig.add_scatter(x=grads["T"], y=grads[col], mode="lines", name=name, line=dict(color=color, dash=dash),
                        hovertemplate="T = %{x:.2f}: %{y:.3g}<extra>" + name + "</extra>")
    _mark_T(fig, T, grads[["grad_soft_T2", "grad_soft_plain", "grad_hard"]].to_numpy().ravel(), log_y=True)
    _log_T_axis(fig)
    fig.update_yaxes(title="‖gradient‖ on the student logits", type="log", exponentformat="power")
    return _layout(fig, "Why T²: size of each term's gradient", height=360)


def training_figure(histories: dict[str, pd.DataFrame], *, epochs: int | None = None) -> go.Figure:
    """Per-epoch test accuracy and losses of several runs (name → history from ``train_student``)."""
    fig = make_subplots(rows=1, cols=2, subplot_titles=("test accuracy (%)", "training loss (nats)"), horizontal_spacing=0.08)
    for name, h in histories.items():
        color = COLORS.get(name, None)
        fig.add_scatter(x=h["epoch"], y=100 * h["test_acc"], mode="lines+markers", name=f"{name}: test acc",
                        line_color=color, legendgroup=name, row=1, col=1)
        fig.add_scatter(x=h["epoch"], y=h["total"], mode="lines", name=f"{name}: total", line_color=color,
                        legendgroup=name, row=1, col=2)
        if name != "baseline":
            for term, dash in (("soft", "dot"), ("hard", "dash")):
                fig.add_scatter(x=h["epoch"], y=h[term], mode="lines", name=f"{name}: {term}",
                                line=dict(color=COLORS[term], dash=dash), legendgroup=name, row=1, col=2)
    if epochs:
        fig.update_xaxes(range=[0.5, epochs + 0.5])
    fig.update_xaxes(title="epoch")
    return _layout(fig, "", height=360)


def confusion_figure(counts: np.ndarray, title: str = "Confusion matrix (test)") -> go.Figure:
    """(10, 10) counts, row = true digit, column = predicted."""
    fig = go.Figure(go.Heatmap(z=counts, x=DIGITS, y=DIGITS, colorscale="Blues", text=counts, texttemplate="%{text}",
                               showscale=False, hovertemplate="true %{y}, predicted %{x}: %{z}<extra></extra>"))
    fig.update_xaxes(title="predicted", type="category")
    fig.update_yaxes(title="true", type="category", autorange="reversed")
    return _layout(fig, title, height=380)


def per_class_figure(per_class: dict[str, list[float]]) -> go.Figure:
    """Grouped bars of per-class test accuracy (name → 10 fractions)."""
    fig = go.Figure()
    for name, acc in per_class.items():
        fig.add_bar(x=DIGITS, y=[100 * a for a in acc], name=name, marker_color=COLORS.get(name),
                    hovertemplate="digit %{x}: %{y:.1f} %<extra>" + name + "</extra>")
    fig.update_xaxes(title="digit", type="category")
    fig.update_yaxes(title="test accuracy (%)", range=[min(80.0, 100 * min(min(a) for a in per_class.values()) - 2), 100])
    return _layout(fig, "Per-class accuracy", barmode="group")


def runs_figure(runs: pd.DataFrame) -> go.Figure:
    """Final test accuracy of every run of the session: distilled vs baseline per run id."""
    fig = go.Figure()
    label = runs["run"].astype(str)
    fig.add_bar(x=label, y=100 * runs["distilled_acc"], name="distilled", marker_color=COLORS["distilled"],
                customdata=runs[["T", "gamma"]], hovertemplate="run %{x} (T = %{customdata[0]}, γ = %{customdata[1]}): %{y:.1f} %<extra></extra>")
    fig.add_bar(x=label, y=100 * runs["baseline_acc"], name="baseline (γ = 0)", marker_color=COLORS["baseline"])
    lo = float(np.nanmin(100 * runs[["distilled_acc", "baseline_acc"]].to_numpy()))
    fig.update_xaxes(title="run", type="category")
    fig.update_yaxes(title="test accuracy (%)", range=[max(0.0, lo - 3), 100])
    return _layout(fig, "Runs of this session", barmode="group")


def compare_figure(rows: dict[str, torch.Tensor], T: float, *, title: str | None = None) -> go.Figure:
    """softmax(z / T) of several models for one digit (name → (10,) logits), as grouped bars."""
    fig = go.Figure()
    for name, z in rows.items():
        p = soften(z.detach().reshape(1, -1).float(), T)[0].tolist()
        fig.add_bar(x=DIGITS, y=p, name=name, marker_color=COLORS.get(name.split()[0]),
                    hovertemplate="digit %{x}: p = %{y:.4f}<extra>" + name + "</extra>")
    fig.update_xaxes(title="digit", type="category")
    fig.update_yaxes(title="probability", range=[0, 1])
    return _layout(fig, title or f"Softmax at T = {T:g}", barmode="group")


def digit_map_figure(points: np.ndarray, labels: np.ndarray, mine: np.ndarray, T: float) -> go.Figure:
    """The test digits in 2-D (one colour per class, the class written at its centre) and one digit as a star."""
    palette = ["#636efa", "#ef553b", "#00cc96", "#ab63fa", "#ffa15a", "#19d3f3", "#ff6692", "#b6e880", "#ff97ff", "#fecb52"]
    fig = go.Figure()
    for c in range(10):
        xy = points[labels == c]
        fig.add_scatter(x=xy[:, 0], y=xy[:, 1], mode="markers", name=str(c), marker=dict(size=5, color=palette[c], opacity=0.55),
                        hovertemplate=f"a test {c}<extra></extra>")
        if len(xy):
            cx, cy = np.median(xy, axis=0)
            fig.add_scatter(x=[cx], y=[cy], mode="text", text=[f"<b>{c}</b>"], textfont=dict(size=18, color=palette[c]),
                            showlegend=False, hoverinfo="skip")
    fig.add_scatter(x=[mine[0]], y=[mine[1]], mode="markers", name="your digit",
                    marker=dict(symbol="star", size=22, color="black", line=dict(color="white", width=1.5)),
                    hovertemplate="your digit<extra></extra>")
    fig.update_xaxes(title="PC 1", zeroline=False)
    fig.update_yaxes(title="PC 2", zeroline=False)
    return _layout(fig, f"Your digit among the 1,000 test digits (PCA of the teacher's softmax at T = {T:g})", height=460)
