"""int8 quantization with ``torch.ao.quantization`` (eager mode), its deprecation notices silenced.

* :func:`quantize_dynamic`: linear layers, activations quantized on the fly;
* :func:`quantize_static`: convolutions and linears, activation ranges calibrated on train digits.

torch 2.13 marks this API deprecated in favour of ``torchao``, which is not installed here;
it is the only int8 path available, so its warnings are silenced inside these two
functions only (:func:`quiet_quantization`).
"""

from __future__ import annotations

import contextlib
import copy
import warnings
from collections.abc import Iterator

import torch
from torch import nn

__all__ = ["quiet_quantization", "quantize_dynamic", "quantize_static"]


@contextlib.contextmanager
def quiet_quantization() -> Iterator[None]:
    """Silence torch 2.13's deprecation notices for ``torch.ao.quantization`` and quantized tensors (only those)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r".*torch\.ao\.quantization.*deprecated", category=DeprecationWarning)
        warnings.filterwarnings("ignore", message=r".*quantize_per_tensor, torch\.quantize_per_channel.*deprecated")
        warnings.filterwarnings("ignore", message=r"Please use quant_min and quant_max to specify the range for observers")
        yield


def quantize_dynamic(model: nn.Module) -> nn.Module:
    """int8 dynamic quantization of every ``nn.Linear`` (``torch.ao.quantization.quantize_dynamic``).

    Weights are stored as int8, one scale per tensor; activations are quantized on the fly
    at every call, so no calibration is needed. Convolutions stay float32. Returns a copy.
    """
    from torch.ao.quantization import quantize_dynamic as _qd

    with quiet_quantization():
        return _qd(copy.deepcopy(model).eval(), {nn.Linear}, dtype=torch.qint8)


class _Quantized(nn.Module):
    """``QuantStub → model → DeQuantStub``: float in, float out, int8 in between."""

    def __init__(self, model: nn.Module):
        super().__init__()
        from torch.ao.quantization import DeQuantStub, QuantStub

        self.quant, self.model, self.dequant = QuantStub(), model, DeQuantStub()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.dequant(self.model(self.quant(x)))


def _fusable(model: nn.Module) -> list[list[str]]:
    """``[conv or linear, ReLU]`` pairs adjacent inside an ``nn.Sequential``, as module names."""
    pairs = []
    for name, mod in model.named_modules():
        if isinstance(mod, nn.Sequential):
            kids = list(mod.named_children())
            for (a, ma), (b, mb) in zip(kids, kids[1:]):
                if isinstance(ma, (nn.Conv2d, nn.Linear)) and isinstance(mb, nn.ReLU):
                    prefix = f"{name}." if name else ""
                    pairs.append([prefix + a, prefix + b])
    return pairs


@torch.no_grad()
def quantize_static(model: nn.Module, calibration: torch.Tensor, *, engine: str | None = None) -> nn.Module:
    """int8 static (post-training) quantization, eager mode (``torch.ao.quantization``).

    Conv/linear + ReLU pairs are fused, observers record activation ranges on
    ``calibration`` (images of shape (n, 1, 28, 28)), and every conv and linear layer
    becomes an int8 kernel (per-channel weight scales). Input and output stay float32.

    Parameters
    ----------
    engine : the quantized backend, default ``torch.backends.quantized.engine`` (``x86`` here)

    Returns a quantized copy.
    """
    from torch.ao import quantization as tq

    engine = engine or torch.backends.quantized.engine
    with quiet_quantization():
        m = copy.deepcopy(model).eval()
        pairs = _fusable(m)
        if pairs:
            tq.fuse_modules(m, pairs, inplace=True)
        wrapped = _Quantized(m).eval()
        wrapped.qconfig = tq.get_default_qconfig(engine)
        tq.prepare(wrapped, inplace=True)
        for i in range(0, len(calibration), 256):
            wrapped(calibration[i : i + 256])
        tq.convert(wrapped, inplace=True)
    return wrapped.eval()
