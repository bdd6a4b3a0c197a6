"""Pruning (:mod:`torch.nn.utils.prune`): zero the smallest weights, or remove whole channels and rebuild.

* :func:`prune_unstructured`: L1 magnitude, per layer or over all layers at once (global);
* :func:`prune_structured`: whole conv channels / hidden units by L2 norm, then
  :func:`rebuild_structured` makes the smaller dense layers;
* :func:`finish_pruning` makes the masks permanent; :func:`weight_sparsity` measures the zeros.

Every function works on a copy; the shared, frozen teacher is never modified.
"""

from __future__ import annotations

import copy

import torch
from torch import nn
from torch.nn.utils import prune

from kdviz.train.models import StudentMLP, TeacherCNN, trainable_copy

__all__ = ["prunable", "prune_unstructured", "prune_structured", "finish_pruning", "rebuild_structured", "weight_sparsity"]


def prunable(model: nn.Module) -> list[tuple[str, nn.Module]]:
    """The layers pruning acts on: every ``nn.Conv2d`` and ``nn.Linear``, as ``(name, module)``."""
    return [(n, m) for n, m in model.named_modules() if isinstance(m, (nn.Conv2d, nn.Linear))]


def prune_unstructured(model: nn.Module, amount: float, *, scope: str = "layer") -> nn.Module:
    """L1-magnitude pruning of the conv and linear weights (biases are kept).

    Parameters
    ----------
    model : nn.Module (not modified; a copy is pruned)
    amount : float in (0, 1)
        Fraction of weights set to zero: in every layer (``scope="layer"``) or over all of
        them together, smallest magnitudes first (``scope="global"``).

    Returns
    -------
    nn.Module
        The copy, with :mod:`torch.nn.utils.prune`'s masks still attached (so that
        :func:`fine_tune` keeps the zeros); :func:`finish_pruning` makes them permanent.
    """
    if not 0.0 < float(amount) < 1.0:
        raise ValueError(f"pruning amount must be in (0, 1), got {amount}")
    if scope not in ("layer", "global"):
        raise ValueError(f"scope must be 'layer' or 'global', got {scope!r}")
    m = trainable_copy(model)
    layers = [mod for _, mod in prunable(m)]
    if scope == "layer":
        for mod in layers:
            prune.l1_unstructured(mod, "weight", amount=float(amount))
    else:
        prune.global_unstructured([(mod, "weight") for mod in layers], pruning_method=prune.L1Unstructured, amount=float(amount))
    return m


def _output_layer(model: nn.Module) -> nn.Module:
    return [mod for _, mod in prunable(model)][-1]


def prune_structured(model: nn.Module, amount: float) -> nn.Module:
    """Remove whole output channels of every conv and whole units of every hidden linear layer (L2 norm, smallest first).

    The output layer (10 logits) is left whole. A removed channel loses its bias too, so
    it outputs exactly 0 and :func:`rebuild_structured` can drop it without changing the
    function. Returns a pruned copy with the masks attached (see :func:`prune_unstructured`).
    """
    if not 0.0 < float(amount) < 1.0:
        raise ValueError(f"pruning amount must be in (0, 1), got {amount}")
    m = trainable_copy(model)
    last = _output_layer(m)
    for _, mod in prunable(m):
        if mod is last:
            continue
        prune.ln_structured(mod, "weight", amount=float(amount), n=2, dim=0)
        if mod.bias is not None:
            keep = mod.weight_mask.flatten(1).any(1).to(mod.bias.dtype)  # (out,): 1 = kept channel
            prune.custom_from_mask(mod, "bias", keep)
    return m


def finish_pruning(model: nn.Module) -> nn.Module:
    """Make the pruning masks permanent (``prune.remove``): plain weights with zeros, no hooks. In place; returns ``model``."""
    for _, mod in model.named_modules():
        for name in ("weight", "bias"):
            if prune.is_pruned(mod) and hasattr(mod, f"{name}_mask"):
                prune.remove(mod, name)
    return model


def _kept(mod: nn.Module) -> torch.Tensor:
    """Indices of the output rows of a layer that are not entirely zero (weight row and bias)."""
    alive = mod.weight.detach().flatten(1).ne(0).any(1)
    if mod.bias is not None:
        alive |= mod.bias.detach().ne(0)
    idx = torch.nonzero(alive).flatten()
    return idx if len(idx) else torch.zeros(1, dtype=torch.long)  # keep one (zero) unit rather than none


@torch.no_grad()
def rebuild_structured(model: nn.Module) -> nn.Module:
    """Rebuild a structurally pruned :class:`TeacherCNN` or :class:`StudentMLP` with smaller dense layers.

    Drops every conv channel / hidden unit whose weights and bias are all zero, and the
    matching inputs of the next layer. The result computes the same function as the
    pruned model (up to float rounding) with fewer parameters. ``model`` is not modified.
    """
    model = finish_pruning(copy.deepcopy(model))
    if isinstance(model, TeacherCNN):
        conv1, conv2, fc1, fc2 = model.features[0], model.features[3], model.head[1], model.head[4]
        k1, k2, k3 = _kept(conv1), _kept(conv2), _kept(fc1)
        spatial = fc1.in_features // conv2.out_channels  # 7·7 positions per channel after flatten
        cols = (k2[:, None] * spatial + torch.arange(spatial)[None, :]).flatten()  # (len(k2)·49,)
        new = TeacherCNN((len(k1), len(k2)), len(k3), model.dropout)
        pairs = (
            (new.features[0], conv1.weight[k1], conv1.bias[k1]),
            (new.features[3], conv2.weight[k2][:, k1], conv2.bias[k2]),
            (new.head[1], fc1.weight[k3][:, cols], fc1.bias[k3]),
            (new.head[4], fc2.weight[:, k3], fc2.bias),
        )
    elif isinstance(model, StudentMLP):
        linears = [mod for mod in model.net if isinstance(mod, nn.Linear)]
        kept = [_kept(mod) for mod in linears[:-1]] + [torch.arange(linears[-1].out_features)]
        new = StudentMLP(tuple(len(k) for k in kept[:-1]))
        new_linears = [mod for mod in new.net if isinstance(mod, nn.Linear)]
        pairs = []
        prev = torch.arange(linears[0].in_features)
        for old, fresh, rows in zip(linears, new_linears, kept):
            pairs.append((fresh, old.weight[rows][:, prev], old.bias[rows]))
            prev = rows
    else:
        raise TypeError(f"rebuild_structured knows TeacherCNN and StudentMLP, not {type(model).__name__}")
    for layer, w, b in pairs:
        layer.weight.copy_(w)
        layer.bias.copy_(b)
    return new.eval()


def weight_sparsity(model: nn.Module) -> float:
    """Fraction of exactly-zero entries over all conv and linear weight tensors (masks applied), measured."""
    zeros = total = 0
    for _, mod in prunable(model):
        w = mod.weight.detach()
        zeros += int((w == 0).sum())
        total += w.numel()
    return zeros / total if total else 0.0
