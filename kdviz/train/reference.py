"""The reference students of the Losses page: one seeded student saved untrained, partly and fully trained,
disk-cached (or shipped), and the test image every page opens on.

The pure numbers they feed (loss curves, softening) are in :mod:`kdviz.maths.explore`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from kdviz.base.diskcache import cache_dir, keyed_path, load_arrays, save_arrays
from kdviz.data import datasets
from kdviz.maths.explore import ambiguous_digit
from kdviz.train.loop import TrainConfig, predict_logits, train_student
from kdviz.train.models import StudentMLP
from kdviz.train.resources import Resources

__all__ = ["StudentStates", "student_states", "opening_digit"]


@dataclass(frozen=True)
class StudentStates:
    """Test logits of one 784-128-10 student at several stages of distillation (T = 4, γ = 0.9, seed 0).

    ``logits[name]`` has shape (n_test, 10); ``test_acc[name]`` is a fraction.
    """

    logits: dict[str, torch.Tensor]
    test_acc: dict[str, float]
    epochs: dict[str, int]
    model: torch.nn.Module  # the trained student, eval mode (for digits outside the test set)


def student_states(res: Resources, *, seed: int = 0, partial_epochs: int = 1, full_epochs: int = 30,
                   use_cache: bool = True, progress=None) -> StudentStates:
    """Train one default student once and keep its test logits untrained, after ``partial_epochs`` and trained.

    About 2 s on the 5,000 MNIST digits; on 60,000 images an epoch is ~1.5 s, so the result is cached on disk
    (:func:`kdviz.base.diskcache.save_arrays`: atomic, checksummed, rebuilt when bad), keyed by the teacher, the data,
    the seed and the epochs. The cached run is the same seeded run: same logits, same weights. Fashion-MNIST's is
    shipped in ``kdviz/assets`` under its cache name (read when the cache has none).
    ``progress(epochs_done, full_epochs)``: called after each epoch it trains (not when cached).
    """
    config = TrainConfig(seed=seed, epochs=full_epochs)
    torch.manual_seed(seed)
    model = StudentMLP(config.hidden)
    names = ("untrained", "partly trained", "trained")
    key = {"teacher": res.teacher_meta.get("sha256"), "data": res.data.fingerprint, "config": config.to_dict(),
           "partial_epochs": partial_epochs, "kind": "reference-student-1"}
    path = keyed_path(cache_dir(), "reference-student", key, suffix=".npz")
    n_test = len(res.data.y_test)
    spec = {f"logits.{k}": ((n_test, 10), np.float32) for k in names}
    spec |= {f"model.{k}": (tuple(v.shape), np.float32) for k, v in model.state_dict().items()}
    cacheable = use_cache and bool(key["teacher"]) and bool(key["data"])  # a teacher and data that have an identity
    cached = load_arrays(path, spec) if cacheable else None
    if cached is None and cacheable and (datasets.ASSETS / path.name).exists():  # shipped (benchmarks/ship_logits.py)
        cached = load_arrays(datasets.ASSETS / path.name, spec)
    if cached is not None:
        logits = {k: torch.from_numpy(cached[f"logits.{k}"]) for k in names}
        model.load_state_dict({k: torch.from_numpy(cached[f"model.{k}"]) for k in model.state_dict()})
    else:
        logits = {"untrained": predict_logits(model, res.data.x_test)}

        def snapshot(row: dict) -> None:
            if row["epoch"] == partial_epochs:
                logits["partly trained"] = predict_logits(model, res.data.x_test)
            if progress is not None:
                progress(row["epoch"], full_epochs)

        result = train_student(res.data, res.logits, config, model=model, callback=snapshot)
        logits["trained"], model = result.test_logits, result.model
        if cacheable:
            save_arrays(path, **{f"logits.{k}": logits[k].numpy() for k in names},
                        **{f"model.{k}": v.detach().numpy() for k, v in model.state_dict().items()})
    y = res.data.y_test
    acc = {k: float((logits[k].argmax(1) == y).float().mean()) for k in names}
    return StudentStates(logits=logits, test_acc=acc, epochs={"untrained": 0, "partly trained": partial_epochs, "trained": full_epochs},
                         model=model.eval())


def opening_digit(res: Resources) -> int:
    """The test image every view opens on: the one the teacher finds most ambiguous within its data set's pair
    (:attr:`kdviz.data.datasets.DataSet.pair`, the 4s and 9s of MNIST), read correctly at T = 1 but most like the other;
    a folder, whose classes kdviz does not know, opens on its most ambiguous test image of any class."""
    if res.dataset not in datasets.KEYS:
        return ambiguous_digit(res.logits.test, res.data.y_test, classes=range(10))
    return ambiguous_digit(res.logits.test, res.data.y_test, classes=datasets.dataset(res.dataset).pair, within=True)
