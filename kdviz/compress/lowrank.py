"""Low-rank factorization: a weight matrix as the product of two thin ones, a k×k convolution as k×1 then 1×k.

* :func:`svd_linear`: truncated SVD of linear weights (one ``in → out`` layer becomes ``in → r → out``);
* :func:`factorize_conv`: a k×k convolution through R channels,
  initialised from an SVD of the reshaped kernel (Jaderberg et al. 2014,
  "Speeding up Convolutional Neural Networks with Low Rank Expansions");
* :func:`svd_rank_curve` and :func:`rank_study`: the SVD student at many ranks, for the page's rank slider.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
import torch
from torch import nn

from kdviz.compress.measure import accuracy_on_test, saved_bytes, stored_params
from kdviz.data.mnist import MNISTSplit
from kdviz.maths.stats import to_json_rows
from kdviz.train.loop import torch_threads
from kdviz.train.models import LowRankLinear, SeparableConv, count_params, trainable_copy

__all__ = ["svd_linear", "factorize_conv", "first_linear", "break_even_rank", "svd_rank_curve", "rank_study"]


def _set_submodule(model: nn.Module, name: str, new: nn.Module) -> None:
    parent_name, _, child = name.rpartition(".")
    setattr(model.get_submodule(parent_name) if parent_name else model, child, new)


@torch.no_grad()
def svd_linear(model: nn.Module, rank: int, *, only_if_smaller: bool = True) -> nn.Module:
    """Truncated SVD of linear weights: ``W (out × in) ≈ B (out × r) · A (r × in)``.

    ``W = U S Vᵀ``; ``A = √S_r V_rᵀ``, ``B = U_r √S_r``: the best rank-r approximation in
    the Frobenius norm (Eckart–Young). Each ``nn.Linear`` with ``rank < min(in, out)`` (and,
    with ``only_if_smaller``, ``rank·(in + out) < in·out``) becomes a :class:`LowRankLinear`.
    Returns a copy.
    """
    rank = int(rank)
    if rank < 1:
        raise ValueError(f"rank must be ≥ 1, got {rank}")
    m = trainable_copy(model)
    for name, mod in [(n, x) for n, x in m.named_modules() if type(x) is nn.Linear]:
        out_f, in_f = mod.weight.shape
        if rank >= min(out_f, in_f) or (only_if_smaller and rank * (in_f + out_f) >= in_f * out_f):
            continue
        with torch_threads(1):  # multi-threaded LAPACK took 30-200× longer on these small matrices here
            U, S, Vh = torch.linalg.svd(mod.weight.detach().double(), full_matrices=False)  # (out,k), (k,), (k,in)
        root = S[:rank].sqrt()
        new = LowRankLinear(in_f, out_f, rank)
        new[0].weight.copy_((root[:, None] * Vh[:rank]).float())  # (r, in)
        new[1].weight.copy_((U[:, :rank] * root[None, :]).float())  # (out, r)
        new[1].bias.copy_(mod.bias.detach())
        _set_submodule(m, name, new)
    return m.eval()


@torch.no_grad()
def factorize_conv(model: nn.Module, rank: int, *, only_if_smaller: bool = True) -> nn.Module:
    """Replace each k×k convolution (k > 1, groups = 1) by a k×1 then a 1×k convolution through ``rank`` channels.

    The kernel ``W`` of shape (C_out, C_in, k, k) is read as a matrix ``M`` of shape
    (C_in·k, C_out·k), ``M[(i, h), (o, w)] = W[o, i, h, w]``. With ``M ≈ U_r S_r V_rᵀ`` the
    vertical convolution gets ``U_r √S_r`` (shape (rank, C_in, k, 1)) and the horizontal
    one ``√S_r V_rᵀ`` (shape (C_out, rank, 1, k)); their composition is the best rank-r
    approximation of ``M``, exact at ``rank = min(C_in·k, C_out·k)``. This is the source
    note's low-rank example for convolutions (and Jaderberg et al., 2014). A conv is
    replaced only when ``rank < min(C_in·k, C_out·k)`` and, with ``only_if_smaller``, when
    ``rank·k·(C_in + C_out) < C_in·C_out·k²``. Returns a copy.
    """
    rank = int(rank)
    if rank < 1:
        raise ValueError(f"rank must be ≥ 1, got {rank}")
    m = trainable_copy(model)
    for name, conv in [(n, x) for n, x in m.named_modules() if type(x) is nn.Conv2d]:
        c_out, c_in, kh, kw = conv.weight.shape
        if conv.groups != 1 or kh != kw or kh == 1:
            continue
        k = kh
        if rank >= min(c_in * k, c_out * k) or (only_if_smaller and rank * k * (c_in + c_out) >= c_in * c_out * k * k):
            continue
        M = conv.weight.detach().double().permute(1, 2, 0, 3).reshape(c_in * k, c_out * k)  # rows (i, h), cols (o, w)
        with torch_threads(1):
            U, S, Vh = torch.linalg.svd(M, full_matrices=False)
        root = S[:rank].sqrt()
        vertical = (U[:, :rank] * root).reshape(c_in, k, rank).permute(2, 0, 1)  # (rank, C_in, k)
        horizontal = (root[:, None] * Vh[:rank]).reshape(rank, c_out, k).permute(1, 0, 2)  # (C_out, rank, k)
        new = SeparableConv(conv, rank)
        new[0].weight.copy_(vertical.unsqueeze(-1).float())  # (rank, C_in, k, 1)
        new[1].weight.copy_(horizontal.unsqueeze(2).float())  # (C_out, rank, 1, k)
        if conv.bias is not None:
            new[1].bias.copy_(conv.bias.detach())
        _set_submodule(m, name, new)
    return m.eval()


def first_linear(model: nn.Module) -> nn.Linear:
    """The first plain ``nn.Linear`` of ``model`` (the student's 784 → hidden layer)."""
    return next(m for m in model.modules() if type(m) is nn.Linear)


def break_even_rank(n_in: int, n_out: int) -> int:
    """The largest rank at which an ``n_in → n_out`` layer factorised as ``n_in → r → n_out`` is no bigger.

    The two thin matrices hold ``r·(n_in + n_out)`` numbers against ``n_in·n_out``; above
    ``n_in·n_out // (n_in + n_out)`` they hold more (biases aside).
    """
    return int(n_in) * int(n_out) // (int(n_in) + int(n_out))


def svd_rank_curve(student: nn.Module, data: MNISTSplit, ranks: Sequence[int]) -> pd.DataFrame:
    """Test accuracy and size of :func:`svd_linear` of ``student`` at each rank (``only_if_smaller=False``).

    Returns one row per rank: rank, params, size_bytes, test_acc, rel_error (relative
    Frobenius error ``‖W − W_r‖ / ‖W‖`` of the first linear layer, computed from the
    factorised weights).
    """
    w = first_linear(student).weight.detach()
    rows = []
    for r in ranks:
        m = svd_linear(student, int(r), only_if_smaller=False)
        low = next(x for x in m.modules() if isinstance(x, (LowRankLinear, nn.Linear)))
        approx = low[1].weight @ low[0].weight if isinstance(low, LowRankLinear) else low.weight  # (out, in)
        rows.append({
            "rank": int(r), "params": count_params(m), "size_bytes": saved_bytes(m), "test_acc": accuracy_on_test(m, data),
            "rel_error": float(torch.linalg.norm(w - approx.detach()) / torch.linalg.norm(w)),
        })
    return pd.DataFrame(rows)


def rank_study(student: nn.Module, data: MNISTSplit, ranks: Sequence[int]) -> dict:
    """Everything the rank slider shows about ``student``, as JSON-able data.

    Returns
    -------
    dict with ``rows`` (:func:`svd_rank_curve` at ``ranks``, as dicts), ``dense_acc`` (test
    accuracy, a fraction) and ``dense_params`` of the unfactorised student, ``n_in`` /
    ``n_out`` of its first linear layer and ``break_even`` (:func:`break_even_rank` of that layer).
    """
    first = first_linear(student)
    return {
        "rows": to_json_rows(svd_rank_curve(student, data, ranks)),
        "dense_acc": accuracy_on_test(student, data),
        "dense_params": stored_params(student),
        "n_in": first.in_features,
        "n_out": first.out_features,
        "break_even": break_even_rank(first.in_features, first.out_features),
    }
