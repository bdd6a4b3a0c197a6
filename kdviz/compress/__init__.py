"""Compression lab: the four families of model compression on one teacher, one data split, one clock.

Model compression is usually split into four families (Cheng et al., "A Survey of Model
Compression and Acceleration for Deep Neural Networks", 2017), each trading accuracy for size and speed:
pruning and quantization, low-rank factorization, compact convolution filters, and
knowledge distillation. Here each is applied to the shipped CNN teacher or to the MLP
student, and every resulting model is measured the same way. One module per idea:

* :mod:`~kdviz.compress.config`: :class:`CompressConfig` (what a comparison depends on),
  the presets :data:`DEFAULT` and :data:`QUICK`, the family ids :data:`FAMILIES`;
* :mod:`~kdviz.compress.prune`: unstructured (L1, per layer or global) and structured (L2,
  whole channels, then rebuilt smaller) pruning with :mod:`torch.nn.utils.prune`;
* :mod:`~kdviz.compress.quantize`: int8 dynamic and static quantization (``torch.ao.quantization``);
* :mod:`~kdviz.compress.lowrank`: truncated SVD of linear layers, k×k → k×1 + 1×k convolutions,
  and the student's accuracy against the rank;
* :mod:`~kdviz.compress.measure`: parameters, bytes as saved (dense and CSR), zeros, latency, accuracy;
* :mod:`~kdviz.compress.methods`: every method as plain data (:class:`Method`) and the plain
  functions that build them; the compact CNN (:class:`~kdviz.train.models.CompactCNN`) and the
  distilled MLP students are trained here;
* :mod:`~kdviz.compress.compare`: :func:`compare` runs the plan for each seed, measures every
  model and caches the table; :func:`to_result` / :func:`from_result` are its JSON.

A method, a note and a progress message are catalog keys with fields; their text in English
or 中文 comes from ``kdviz/locales`` (:func:`kdviz.base.i18n.render`).
"""

from kdviz.compress.compare import (
    ROW_KEYS,
    baseline_student,
    cached_student,
    compare,
    compare_cache_path,
    compare_key,
    from_result,
    load_cached_compare,
    note,
    to_result,
)
from kdviz.compress.config import BASES, CURVE_RANKS, DEFAULT, FAMILIES, QUICK, CompressConfig, short_training, undertrained
from kdviz.compress.lowrank import break_even_rank, factorize_conv, first_linear, rank_study, svd_linear, svd_rank_curve
from kdviz.compress.measure import (
    accuracy_on_test,
    latencies,
    measure,
    pareto_front,
    saved_bytes,
    saved_tensors,
    sparse_bytes,
    stored_params,
    stored_sparsity,
)
from kdviz.compress.methods import BASE_NAMES, Method, Source, fine_tune, plan
from kdviz.compress.prune import finish_pruning, prunable, prune_structured, prune_unstructured, rebuild_structured, weight_sparsity
from kdviz.compress.quantize import quantize_dynamic, quantize_static, quiet_quantization
from kdviz.maths.stats import to_json_rows  # the rows of compare() as JSON (one helper for every table)
from kdviz.train.models import CompactCNN, LowRankLinear, SeparableConv

__all__ = [
    "FAMILIES",
    "BASES",
    "BASE_NAMES",
    "CURVE_RANKS",
    "CompressConfig",
    "short_training",
    "undertrained",
    "DEFAULT",
    "QUICK",
    "CompactCNN",
    "LowRankLinear",
    "SeparableConv",
    "prunable",
    "prune_unstructured",
    "prune_structured",
    "finish_pruning",
    "rebuild_structured",
    "weight_sparsity",
    "quiet_quantization",
    "quantize_dynamic",
    "quantize_static",
    "svd_linear",
    "factorize_conv",
    "first_linear",
    "break_even_rank",
    "svd_rank_curve",
    "rank_study",
    "fine_tune",
    "saved_tensors",
    "saved_bytes",
    "sparse_bytes",
    "stored_params",
    "stored_sparsity",
    "latencies",
    "accuracy_on_test",
    "measure",
    "pareto_front",
    "to_json_rows",
    "Method",
    "Source",
    "plan",
    "baseline_student",
    "cached_student",
    "note",
    "ROW_KEYS",
    "compare_key",
    "compare_cache_path",
    "load_cached_compare",
    "compare",
    "to_result",
    "from_result",
]
