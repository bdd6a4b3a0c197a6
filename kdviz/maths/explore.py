"""The numbers behind the explorer's pages: softening, entropy, the dark-knowledge map, loss curves.

Plain functions on tensors and DataFrames; the pages and ``notebooks/explore.ipynb`` call them
and draw the results with :mod:`kdviz.viz.plots`. Probabilities are fractions, entropies bits.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch

from kdviz.maths.losses import check_temperature, distillation_loss, soften
from kdviz.maths.metrics import entropy_bits

__all__ = [
    "T_GRID",
    "GAMMA_GRID",
    "entropy_curve",
    "dark_knowledge_map",
    "loss_curves",
    "loss_grid",
    "with_gamma",
    "soft_gradient_norms",
    "digits_of_class",
    "soften_row",
    "top_confusions",
    "ambiguous_digit",
    "SofteningStory",
    "softening_story",
]

T_GRID = np.round(np.geomspace(0.5, 20.0, 41), 4)  # temperatures on the curves' x-axis (log-spaced)
GAMMA_GRID = np.round(np.linspace(0.0, 1.0, 21), 4)  # γ rows of the loss heatmap


def _rows(logits: torch.Tensor) -> torch.Tensor:
    return logits.unsqueeze(0) if logits.dim() == 1 else logits


def entropy_curve(logits: torch.Tensor, temperatures=T_GRID) -> pd.DataFrame:
    """Entropy of ``softmax(logits / T)`` for each T.

    Parameters
    ----------
    logits : Tensor of shape (C,) or (N, C)
        With N rows, the entropy is averaged over the rows.
    temperatures : 1-D array of K temperatures > 0

    Returns
    -------
    DataFrame with K rows: ``T``, ``entropy_bits`` (0 ≤ H ≤ log2 C).
    """
    z = _rows(logits.detach().float())
    h = [float(entropy_bits(soften(z, float(T))).mean()) for T in temperatures]
    return pd.DataFrame({"T": np.asarray(temperatures, dtype=float), "entropy_bits": h})


def dark_knowledge_map(logits: torch.Tensor, labels: torch.Tensor, T: float, *, n_classes: int = 10) -> np.ndarray:
    """Mean softened probability per true class: row = true class, column = class the teacher gives mass to.

    Parameters
    ----------
    logits : Tensor of shape (N, C)
    labels : LongTensor of shape (N,)
    T : float > 0

    Returns
    -------
    ndarray of shape (C, C); each row sums to 1 (NaN for a class with no rows).
    """
    T = check_temperature(T)
    probs = soften(logits.detach().float(), T).numpy()  # (N, C)
    y = np.asarray(labels)
    out = np.full((n_classes, n_classes), np.nan)
    for c in range(n_classes):
        if (y == c).any():
            out[c] = probs[y == c].mean(0)
    return out


def loss_curves(student_logits: torch.Tensor, teacher_logits: torch.Tensor, targets: torch.Tensor, *,
                gamma: float, temperatures=T_GRID) -> pd.DataFrame:
    """Soft, hard and total loss of fixed student logits as T varies.

    Parameters
    ----------
    student_logits, teacher_logits : Tensor of shape (N, C) or (C,)
    targets : LongTensor of shape (N,) (or a 0-d tensor for one digit)
    gamma : float in [0, 1], the weight of the soft term
    temperatures : 1-D array of K temperatures

    Returns
    -------
    DataFrame with K rows: ``T``, ``soft``, ``hard``, ``total`` (nats, batch means).
    """
    s, t, y = _rows(student_logits.detach()), _rows(teacher_logits.detach()), targets.reshape(-1)
    rows = []
    for T in temperatures:
        loss = distillation_loss(s, t, y, float(T), gamma)
        rows.append({"T": float(T), "soft": float(loss.soft), "hard": float(loss.hard), "total": float(loss.total)})
    return pd.DataFrame(rows)


def with_gamma(curves: pd.DataFrame, gamma: float) -> pd.DataFrame:
    """:func:`loss_curves` at another γ without recomputing them: ``total = γ·soft + (1 − γ)·hard``, exactly
    (the soft and hard losses do not depend on γ). ``curves``: its K rows; returns a copy with ``total`` replaced."""
    if not 0.0 <= float(gamma) <= 1.0:
        raise ValueError(f"gamma must be in [0, 1], got {gamma!r}")
    return curves.assign(total=float(gamma) * curves["soft"] + (1 - float(gamma)) * curves["hard"])


def loss_grid(student_logits: torch.Tensor, teacher_logits: torch.Tensor, targets: torch.Tensor, *,
              temperatures=T_GRID, gammas=GAMMA_GRID) -> np.ndarray:
    """Total loss on a γ × T grid: array of shape (len(gammas), len(temperatures)).

    ``total = γ·soft(T) + (1 − γ)·hard`` is linear in γ, so each column comes from one soft
    and one hard value (checked against :func:`kdviz.maths.losses.distillation_loss` in the tests).
    """
    curves = loss_curves(student_logits, teacher_logits, targets, gamma=1.0, temperatures=temperatures)
    g = np.asarray(gammas, dtype=float)[:, None]  # (G, 1)
    return g * curves["soft"].to_numpy()[None, :] + (1 - g) * curves["hard"].to_numpy()[None, :]


def soft_gradient_norms(student_logits: torch.Tensor, teacher_logits: torch.Tensor, targets: torch.Tensor, *,
                        temperatures=T_GRID) -> pd.DataFrame:
    """Size of the gradients on the student logits, by autograd, as T varies.

    For each T: the L2 norm (over the whole (N, C) gradient) of ∂soft/∂z with the T² factor
    (as trained), of the same without it (``soft / T²``), and of ∂hard/∂z, which does not
    depend on T. With the factor the soft gradient stays on the hard gradient's scale;
    without it, it shrinks like 1/T² (Hinton et al. 2015, §2).

    Returns
    -------
    DataFrame with K rows: ``T``, ``grad_soft_T2``, ``grad_soft_plain``, ``grad_hard``.
    """
    t, y = _rows(teacher_logits.detach()).float(), targets.reshape(-1)
    rows = []
    for T in temperatures:
        z = _rows(student_logits.detach()).float().clone().requires_grad_(True)
        loss = distillation_loss(z, t, y, float(T), 0.5)
        (g_soft,) = torch.autograd.grad(loss.soft, z, retain_graph=True)
        (g_hard,) = torch.autograd.grad(loss.hard, z)
        n_soft = float(g_soft.norm())
        rows.append({"T": float(T), "grad_soft_T2": n_soft, "grad_soft_plain": n_soft / float(T) ** 2,
                     "grad_hard": float(g_hard.norm())})
    return pd.DataFrame(rows)


def digits_of_class(labels: torch.Tensor, digit_class: int) -> np.ndarray:
    """Indices (into the test split) of the digits whose label is ``digit_class``, ascending."""
    return np.flatnonzero(np.asarray(labels) == int(digit_class))


def soften_row(logits: torch.Tensor, T: float) -> np.ndarray:
    """``softmax(z / T)`` of one row of logits (C,) as a float64 array of shape (C,)."""
    return soften(logits.detach().reshape(1, -1).double(), T)[0].numpy()


def top_confusions(matrix: np.ndarray, *, k: int = 5) -> pd.DataFrame:
    """The ``k`` largest off-diagonal cells of a dark-knowledge map: columns ``true``, ``looks like``, ``p``."""
    m = np.array(matrix, dtype=float)
    np.fill_diagonal(m, -np.inf)
    flat = np.argsort(np.nan_to_num(m, nan=-np.inf), axis=None, kind="stable")[::-1][:k]  # ties: the later cell first
    rows, cols = np.unravel_index(flat, m.shape)
    return pd.DataFrame({"true": rows, "looks like": cols, "p": m[rows, cols]})


def ambiguous_digit(teacher_logits: torch.Tensor, labels: torch.Tensor, *, classes=(4, 9), T: float = 1.0,
                    within: bool = False) -> int:
    """The test digit the teacher finds most ambiguous: the largest runner-up probability among ``classes``.

    With ``within``, only digits the teacher classifies correctly are candidates, and the runner-up
    is sought among ``classes`` only: the 4 the teacher reads as a 4 but finds most like a 9, or
    the 9 most like a 4, whichever probability is larger.

    Parameters
    ----------
    teacher_logits : Tensor of shape (N, C)
        The teacher's logits on the N test digits.
    labels : LongTensor of shape (N,)
        True labels; only rows whose label is in ``classes`` are candidates.
    classes : iterable of int
        The true classes to choose from (default: the 4s and the 9s).
    T : float > 0
        Temperature of the softmax whose second-largest probability is compared.
    within : bool
        Candidates are the correctly classified digits, compared by the probabilities of the other
        ``classes`` only (not of every class).

    Returns
    -------
    int
        Index (into the N rows) of the candidate with the largest second-largest probability of
        ``softmax(z / T)`` (with ``within``: the largest probability of another of ``classes``);
        the lowest index on ties.

    Raises
    ------
    ValueError
        If no label is in ``classes`` (or T ≤ 0).
    """
    T = check_temperature(T)
    z, y = _rows(teacher_logits.detach()), np.asarray(labels)  # (N, C), (N,)
    keep = np.isin(y, list(classes))
    if within:
        keep &= z.argmax(dim=1).numpy() == y
    candidates = np.flatnonzero(keep)
    if candidates.size == 0:
        raise ValueError(f"no digit with a label in {tuple(classes)}")
    probs = soften(z.double()[candidates], T).numpy()  # (M, C)
    if within:  # only the other classes of the pair compete
        others = np.ones_like(probs, dtype=bool)
        others[:, list(classes)] = False
        others[np.arange(len(candidates)), y[candidates]] = True
        probs = np.where(others, 0.0, probs)  # (M, C): the other classes of ``classes`` only
        return int(candidates[np.argmax(probs.max(axis=1))])
    runner_up = np.sort(probs, axis=1)[:, -2]  # (M,)
    return int(candidates[np.argmax(runner_up)])  # argmax takes the first maximum: the lowest index


@dataclass(frozen=True)
class SofteningStory:
    """What one image's softmax does as T goes from ``T_from`` to ``T_to`` (the guided demo's drag), on the
    slider's grid. Classes are indices 0–9, probabilities fractions. Softening never changes the order of the
    classes, so ``top`` and ``runner_up`` are the same at every T."""

    T_from: float
    T_to: float
    top: int  # the teacher's most probable class
    runner_up: int  # its second most probable class
    p_top: tuple[float, float]  # the top class's probability at T_from and T_to (it always falls)
    p_runner_up: tuple[float, float]  # the runner-up's at T_from and T_to
    T_peak: float  # the T of the grid where the runner-up's probability is largest
    p_peak: float  # that probability

    @property
    def shape(self) -> str:
        """"rises" (largest at ``T_to``), "falls" (largest at ``T_from``) or "peaks" (largest in between)."""
        return "rises" if self.T_peak == self.T_to else "falls" if self.T_peak == self.T_from else "peaks"


def softening_story(logits: torch.Tensor, *, T_from: float = 1.0, T_to: float = 8.0, step: float = 0.5) -> SofteningStory:
    """:class:`SofteningStory` of one row of logits (C,), on the grid ``T_from, T_from + step, …, T_to``."""
    grid = np.arange(float(T_from), float(T_to) + step / 2, step)  # (K,)
    probs = np.stack([soften_row(logits, float(T)) for T in grid])  # (K, C)
    order = np.argsort(-probs[0], kind="stable")
    top, runner_up = int(order[0]), int(order[1])
    k = int(np.argmax(probs[:, runner_up]))  # the first maximum: a flat curve counts as falling
    return SofteningStory(T_from=float(grid[0]), T_to=float(grid[-1]), top=top, runner_up=runner_up,
                          p_top=(float(probs[0, top]), float(probs[-1, top])),
                          p_runner_up=(float(probs[0, runner_up]), float(probs[-1, runner_up])),
                          T_peak=float(grid[k]), p_peak=float(probs[k, runner_up]))


def story_fields(story: SofteningStory, names) -> tuple[str, dict]:
    """The guided demo's sentence on ``story``: its message key (``demo.temperature_rises``, ``_peaks`` or ``_falls``,
    as :attr:`SofteningStory.shape`) and the fields it and ``temp.explain`` take. ``names``: the 10 class names."""
    fields = {"T_from": story.T_from, "T_to": story.T_to, "top": names[story.top], "runner_up": names[story.runner_up],
              "top_from": story.p_top[0], "top_to": story.p_top[1], "rest_from": 1.0 - story.p_top[0],
              "p_from": story.p_runner_up[0], "p_to": story.p_runner_up[1], "p_peak": story.p_peak, "T_peak": story.T_peak}
    return STORY_KEYS[story.shape], fields


STORY_KEYS = {"rises": "demo.temperature_rises", "peaks": "demo.temperature_peaks", "falls": "demo.temperature_falls"}
