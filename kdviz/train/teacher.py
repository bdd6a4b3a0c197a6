"""The shipped, pretrained teacher: how it is trained, saved and loaded.

The weights live in ``kdviz/assets/teacher.safetensors`` (safetensors: plain tensors,
nothing is unpickled) beside ``teacher.json`` (architecture, split fingerprint, seed,
test accuracy, the command that made it, the weights' sha256). ``load_teacher`` never
trains; ``python -m kdviz train-teacher`` rebuilds both files.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from kdviz.data.mnist import MNISTSplit
from kdviz.train.config import to_plain
from kdviz.train.loop import torch_threads
from kdviz.train.modelfile import ModelFileError, load_model, save_model
from kdviz.train.models import TeacherCNN, architecture, build_model, count_params

__all__ = ["TeacherError", "TeacherConfig", "train_teacher", "save_model", "load_teacher", "TEACHER_PATH", "REBUILD_COMMAND"]

ASSETS = Path(__file__).resolve().parents[1] / "assets"
TEACHER_PATH = ASSETS / "teacher.safetensors"
REBUILD_COMMAND = "python -m kdviz train-teacher"


TeacherError = ModelFileError  # the name earlier code and tests catch

@dataclass(frozen=True)
class TeacherConfig:
    """How the shipped teacher is trained (``python -m kdviz train-teacher``)."""

    channels: tuple[int, int] = (32, 64)  # conv widths: ~0.42 M parameters, ~1.7 MB
    hidden: int = 128  # width of the classifier head
    dropout: float = 0.3  # before the last layer; 4,000 digits overfit fast
    epochs: int = 15  # with shift augmentation
    lr: float = 2e-3  # Adam, decayed by cosine to 0
    batch_size: int = 64
    max_shift: int = 2  # random translation of ±2 px per digit, per epoch
    seed: int = 0
    num_threads: int = 2  # convolutions do use both cores

    def to_dict(self) -> dict:
        """The fields as JSON-able values (tuples as lists)."""
        return to_plain(asdict(self))


def random_shift(x: torch.Tensor, max_shift: int, background: float, generator: torch.Generator) -> torch.Tensor:
    """Translate each image of shape (N, 1, 28, 28) by its own integer offset in [−max_shift, max_shift]² px."""
    n, _, h, w = x.shape
    padded = F.pad(x - background, (max_shift,) * 4) + background  # (N, 1, h+2s, w+2s)
    dx, dy = torch.randint(0, 2 * max_shift + 1, (2, n), generator=generator)
    rows = (dy[:, None] + torch.arange(h)[None, :])  # (N, h)
    cols = (dx[:, None] + torch.arange(w)[None, :])  # (N, w)
    batch = torch.arange(n)[:, None, None]
    return padded[batch, 0, rows[:, :, None], cols[:, None, :]].unsqueeze(1)  # (N, 1, h, w)


def train_teacher(
    data: MNISTSplit, config: TeacherConfig = TeacherConfig(), *, log=print, classes=None,
    command: str = REBUILD_COMMAND, dataset: str = "mnist-5k", progress=None, arch: dict | None = None,
    stop_after: int | None = None,
) -> tuple[nn.Module, dict]:
    """Train the CNN teacher on a data set's train split (the embedded one by default). Returns ``(model, metadata)``;
    the metadata records ``dataset`` and ``command``, the command that rebuilds it.

    ``classes`` (optional, e.g. ``(0, 1, 2, 3, 4)``) trains on the train digits of those
    classes only, with cross-entropy over those classes' logits (the other outputs are
    never trained); ``test_acc`` is then measured on the test digits of those classes,
    predicting among them. Default: all ten classes, as before.

    ``progress`` (optional) is called as ``progress(steps_done, steps_total)`` after every
    optimisation step (the app's progress bar while a folder's teacher trains).

    ``arch`` (optional, a :func:`kdviz.train.models.architecture` dict) trains another model with the same
    recipe (seed, shifts, Adam, cosine schedule), e.g. ``{"kind": "mlp", "hidden": [1200, 1200]}``;
    default: the config's CNN. ``stop_after`` (optional) stops after that many epochs of the
    ``config.epochs``-epoch schedule: the checkpoint of the same seeded run at that epoch (the learning
    rate is still near its peak: ~90 % of it after 3 of 15 epochs), which the capacity lab uses as a weaker teacher. The metadata's
    ``epochs_trained`` says how many epochs ran.
    """
    epochs_run = config.epochs if stop_after is None else int(stop_after)
    if not 1 <= epochs_run <= config.epochs:
        raise ValueError(f"stop_after must be in 1..{config.epochs} epochs, got {stop_after}")
    x_train, y_train = data.x_train, data.y_train
    x_test, y_test = data.x_test, data.y_test
    if classes is not None:
        classes = sorted({int(c) for c in classes})
        if not classes or not all(0 <= c <= 9 for c in classes):
            raise ValueError(f"classes must be digits in 0..9, got {classes}")
        cls = torch.tensor(classes)
        local = torch.full((10,), -1, dtype=torch.long)
        local[cls] = torch.arange(len(classes))  # digit → position among ``classes``
        keep, keep_test = torch.isin(y_train, cls), torch.isin(y_test, cls)
        x_train, y_train = x_train[keep], local[y_train[keep]]
        x_test, y_test = x_test[keep_test], local[y_test[keep_test]]

    def outputs(x: torch.Tensor) -> torch.Tensor:
        out = model(x)  # (N, 10)
        return out if classes is None else out[:, cls]  # (N, len(classes))

    with torch_threads(config.num_threads):
        torch.manual_seed(config.seed)
        gen = torch.Generator().manual_seed(config.seed)
        model = TeacherCNN(config.channels, config.hidden, config.dropout) if arch is None else build_model(arch)
        opt = torch.optim.Adam(model.parameters(), lr=config.lr)
        steps = config.epochs * -(-len(x_train) // config.batch_size)  # the schedule's length
        steps_run = epochs_run * -(-len(x_train) // config.batch_size)
        sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=steps)
        start, done = time.perf_counter(), 0
        for epoch in range(1, epochs_run + 1):
            model.train()
            perm = torch.randperm(len(x_train), generator=gen)
            x = random_shift(x_train[perm], config.max_shift, data.background, gen)
            y = y_train[perm]
            for i in range(0, len(x), config.batch_size):
                loss = F.cross_entropy(outputs(x[i : i + config.batch_size]), y[i : i + config.batch_size])
                opt.zero_grad(set_to_none=True)
                loss.backward()
                opt.step()
                sched.step()
                done += 1
                if progress is not None:
                    progress(done, steps_run)
            with torch.no_grad():
                model.eval()
                acc = float((outputs(x_test).argmax(1) == y_test).float().mean())
            log(f"epoch {epoch:2d}/{config.epochs}  loss {loss.item():.3f}  test acc {acc:.4f}")
        seconds = time.perf_counter() - start
    model.eval()
    meta = {
        "architecture": architecture(model),
        "parameters": count_params(model),
        "split_fingerprint": data.fingerprint,
        "seed": config.seed,
        "test_acc": acc,
        "train_seconds": round(seconds, 1),
        "epochs_trained": epochs_run,
        "config": config.to_dict(),  # with ``arch``, its channels, hidden and dropout do not apply: "architecture" says what ran
        "torch": torch.__version__,
        "dataset": dataset,
        "command": command,
    }
    if classes is not None:
        meta["classes"] = classes
    return model, meta


def load_teacher(path: Path | str = TEACHER_PATH, *, data: MNISTSplit | None = None,
                 command: str = REBUILD_COMMAND) -> tuple[nn.Module, dict]:
    """Load a saved teacher without training. Returns ``(model in eval mode, metadata)``.

    Raises
    ------
    TeacherError
        One line naming the file and the rebuild command, when the weights or their
        JSON are missing, truncated, altered, of another shape, or (given ``data``)
        trained on another split (see :func:`kdviz.train.modelfile.load_model`).
    """
    return load_model(path, what="teacher", fix=f"rebuild it with: {command}",
                      fingerprint=None if data is None else data.fingerprint)
