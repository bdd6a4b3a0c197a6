"""Measuring a model the same way whatever made it: parameters, bytes as saved, zeros, latency, accuracy.

* ``params`` (:func:`stored_params`): weights and biases stored (int8 weights count as parameters too);
* ``size_bytes`` (:func:`saved_bytes`): the bytes of the model saved as safetensors, dense;
* ``sparse_bytes`` (:func:`sparse_bytes`): the same with every float weight tensor stored as CSR
  where that is smaller: what unstructured pruning can really save on disk;
* ``sparsity`` (:func:`stored_sparsity`): the fraction of exactly-zero stored weights;
* latency (:func:`latencies`): CPU time of one forward pass, the median of repeated,
  interleaved runs after warm-up, with a fixed torch thread count;
* ``test_acc`` (:func:`accuracy_on_test`): accuracy on the 1,000 test digits.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Hashable

import pandas as pd
import torch
from safetensors.torch import save as safetensors_bytes
from torch import nn

from kdviz.data.mnist import MNISTSplit
from kdviz.train.loop import predict_logits, torch_threads

__all__ = ["saved_tensors", "saved_bytes", "sparse_bytes", "stored_params", "stored_sparsity", "latencies",
           "accuracy_on_test", "measure", "pareto_front"]


def _plain(key: str, value) -> dict[str, torch.Tensor]:
    """One state_dict entry as plain (non-quantized) tensors for safetensors."""
    if isinstance(value, torch.dtype) or value is None:
        return {}
    if isinstance(value, tuple):  # packed params of a quantized linear: (int8 weight, float bias)
        base = key.removesuffix("._packed_params._packed_params")
        out = _plain(base + ".weight", value[0])
        return {**out, **_plain(base + ".bias", value[1])} if len(value) > 1 else out
    if not isinstance(value, torch.Tensor):
        return {}
    t = value.detach()
    if t.is_quantized:
        if t.qscheme() in (torch.per_channel_affine, torch.per_channel_symmetric):
            scale, zero = t.q_per_channel_scales().float(), t.q_per_channel_zero_points().to(torch.int32)
        else:
            scale, zero = torch.tensor([t.q_scale()], dtype=torch.float32), torch.tensor([t.q_zero_point()], dtype=torch.int32)
        return {key: t.int_repr().contiguous(), key + ".scale": scale, key + ".zero_point": zero}
    return {key: t.contiguous()}


def saved_tensors(model: nn.Module) -> dict[str, torch.Tensor]:
    """What is written to disk: the state_dict as plain tensors (int8 weights with their scales and zero points).

    Pruning masks are folded in (``weight = weight_orig · weight_mask``) and not stored.
    """
    sd = model.state_dict(keep_vars=False)
    out: dict[str, torch.Tensor] = {}
    for key, value in sd.items():
        if key.endswith("_mask"):
            continue
        if key.endswith("_orig"):
            base = key.removesuffix("_orig")
            value = value * sd[base + "_mask"]
            key = base
        out.update(_plain(key, value))
    return out


def saved_bytes(model: nn.Module) -> int:
    """Bytes of the model saved with safetensors (dense tensors; header included)."""
    return len(safetensors_bytes(saved_tensors(model)))


def _csr(t: torch.Tensor) -> dict[str, torch.Tensor]:
    """A float tensor of shape (rows, ...) as CSR over (rows, cols): values, int16/int32 column indices, int32 row pointers."""
    mat = t.reshape(t.shape[0], -1)
    nz = mat != 0
    index_dtype = torch.int16 if mat.shape[1] <= 32767 else torch.int32
    return {
        "values": mat[nz].contiguous(),
        "col": torch.nonzero(nz)[:, 1].to(index_dtype).contiguous(),
        "crow": torch.cat([torch.zeros(1, dtype=torch.int64), nz.sum(1).cumsum(0)]).to(torch.int32),
    }


def sparse_bytes(model: nn.Module) -> int:
    """Bytes saved with safetensors when each float tensor of 2+ dimensions is stored as CSR where that is smaller.

    A CSR entry costs 4 bytes of value and 2 (or 4) of column index, against 4 bytes dense:
    it pays off only above about 1/3 zeros. int8 and 1-d tensors stay dense.
    """
    out: dict[str, torch.Tensor] = {}
    for key, t in saved_tensors(model).items():
        if t.is_floating_point() and t.dim() >= 2:
            csr = _csr(t)
            if sum(v.numel() * v.element_size() for v in csr.values()) < t.numel() * t.element_size():
                out.update({f"{key}.csr.{k}": v for k, v in csr.items()})
                continue
        out[key] = t
    return len(safetensors_bytes(out))


def stored_sparsity(model: nn.Module) -> float:
    """Fraction of exactly-zero entries over the stored weight tensors (int8 ones included: their zero point is 0)."""
    ws = [t for k, t in saved_tensors(model).items() if k.endswith("weight")]
    return sum(int((t == 0).sum()) for t in ws) / max(1, sum(t.numel() for t in ws))


def stored_params(model: nn.Module) -> int:
    """Weights and biases stored (int8 weights included; scales, zero points and masks not)."""
    return sum(t.numel() for k, t in saved_tensors(model).items() if not k.endswith(("scale", "zero_point")))


@torch.inference_mode()
def latencies(models: dict[Hashable, nn.Module], x: torch.Tensor, *, repeats: int = 20, warmup: int = 3,
              threads: int = 1) -> dict[Hashable, float]:
    """Median wall time of ``model(x)`` for each model, in milliseconds, with ``threads`` torch threads.

    ``x``: images of shape (N, 1, 28, 28). Each model first gets ``warmup`` untimed calls;
    then the timed calls are interleaved (round r times each model once), so that a burst of
    load on a shared machine hits all of them alike. The models are put in eval mode.
    """
    with torch_threads(threads):
        for m in models.values():
            m.eval()
            for _ in range(int(warmup)):
                m(x)
        times: dict[Hashable, list[float]] = {k: [] for k in models}
        for _ in range(max(1, int(repeats))):
            for k, m in models.items():
                start = time.perf_counter()
                m(x)
                times[k].append(time.perf_counter() - start)
    return {k: 1000.0 * statistics.median(v) for k, v in times.items()}


def accuracy_on_test(model: nn.Module, data: MNISTSplit) -> float:
    """Fraction of the test digits (1,000) whose argmax logit is the label."""
    return float((predict_logits(model, data.x_test).argmax(1) == data.y_test).float().mean())


def measure(model: nn.Module) -> dict:
    """params, size_bytes, sparse_bytes and sparsity of one model (see the module docstring); no timing."""
    return {"params": stored_params(model), "size_bytes": saved_bytes(model), "sparse_bytes": sparse_bytes(model),
            "sparsity": stored_sparsity(model)}


def pareto_front(df: pd.DataFrame, x: str, y: str = "test_acc") -> pd.Series:
    """True for rows no other row beats: none has ``x`` ≤ and ``y`` ≥ with one of them strict (smaller x, higher y are better)."""
    xs, ys = df[x].to_numpy(float), df[y].to_numpy(float)
    better_or_equal = (xs[None, :] <= xs[:, None]) & (ys[None, :] >= ys[:, None])
    strictly = (xs[None, :] < xs[:, None]) | (ys[None, :] > ys[:, None])
    return pd.Series(~(better_or_equal & strictly).any(1), index=df.index)
