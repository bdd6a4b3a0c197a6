"""The training worker process that :class:`kdviz.serve.workers.WorkerPool` starts: ``python -m kdviz.serve.workers_child``.

It reads frames from one pipe and writes frames to the other. A frame is a JSON header and an optional safetensors
blob, never a pickle: ``data`` (keep a split's tensors), ``load`` (read a named data set from the disk caches),
``train`` (one run; each epoch's history row streams back as its own frame, then the weights and test logits).
One torch thread, ``nice`` +:data:`NICE`; it warms torch up once before it says ``ready``.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from collections import OrderedDict
from dataclasses import dataclass

import torch
from safetensors.torch import load as load_safetensors
from safetensors.torch import save as save_safetensors

from kdviz.train.loop import TeacherLogits, TrainConfig, train_student
from kdviz.train.models import architecture

__all__ = ["KEEP_DATA", "NICE", "TrainData", "data_key", "write_frame", "read_frame", "serve", "main"]

KEEP_DATA = 2  # data sets a worker keeps (a server offers one or two)
NICE = 10  # workers yield the cores to the server: a page rerun waits for no training (CFS weight ~1/10)
HEADER = 4  # bytes of a frame's header length (little endian); the blob length takes 8


# --- frames: a JSON header and an optional safetensors blob ----------------------------------------
def write_frame(out, header: dict, blob: bytes = b"") -> None:
    head = json.dumps(header).encode()
    out.write(len(head).to_bytes(HEADER, "little") + head + len(blob).to_bytes(8, "little"))
    if blob:
        out.write(blob)
    out.flush()


def read_exactly(inp, n: int) -> bytes:
    parts, left = [], n
    while left:
        part = inp.read(left)
        if not part:
            raise EOFError("the pipe closed")
        parts.append(part)
        left -= len(part)
    return b"".join(parts)


def read_frame(inp) -> tuple[dict, bytes]:
    n = int.from_bytes(read_exactly(inp, HEADER), "little")
    header = json.loads(read_exactly(inp, n))
    size = int.from_bytes(read_exactly(inp, 8), "little")
    return header, read_exactly(inp, size) if size else b""


# --- the worker process --------------------------------------------------------------------------
def data_key(data, teacher: TeacherLogits) -> str:
    """A short id of a split and its teacher logits: the same data gets the same key, in any process."""
    h = hashlib.sha256(str(getattr(data, "fingerprint", "")).encode())
    for t in (data.y_train, data.y_test, teacher.train, teacher.test):
        h.update(t.numpy().tobytes())
    if not getattr(data, "fingerprint", ""):  # no fingerprint: hash the images too
        h.update(data.x_train.numpy().tobytes())
    return h.hexdigest()[:16]


@dataclass(frozen=True)
class TrainData:
    """What :func:`kdviz.train.loop.train_student` reads of a split: normalised images (n, 1, 28, 28) and labels (n,)."""

    x_train: torch.Tensor
    y_train: torch.Tensor
    x_test: torch.Tensor
    y_test: torch.Tensor


def warm_up() -> None:
    """One tiny training on blank digits: torch's first Adam alone takes ~2 s of imports, paid here, not by a press."""
    x, y = torch.zeros(8, 1, 28, 28), torch.arange(8) % 10
    train_student(TrainData(x, y, x, y), TeacherLogits(train=torch.zeros(8, 10), test=torch.zeros(8, 10)),
                  TrainConfig(epochs=1, batch_size=8))


def first_line(err: BaseException) -> str:
    """The first line of an error's message ("" when it has none): what a frame carries back to the server."""
    text = str(err).strip().splitlines()
    return text[0] if text else ""


def serve(inp, out) -> None:
    """Serve frames until the pipe closes: ``data`` (keep a data set), ``train`` (one run, streamed)."""
    torch.set_num_threads(1)
    os.nice(NICE)  # a training is batch work, a page rerun is a learner waiting; an idle server's press loses nothing
    parent = os.getppid()
    kept: OrderedDict[str, tuple[TrainData, TeacherLogits]] = OrderedDict()

    def keep(key: str, data: TrainData, logits: TeacherLogits) -> None:
        kept[key] = (data, logits)
        kept.move_to_end(key)
        while len(kept) > KEEP_DATA:
            kept.popitem(last=False)

    warm_up()
    write_frame(out, {"event": "ready", "pid": os.getpid()})
    while True:
        try:
            header, blob = read_frame(inp)
        except EOFError:
            return
        if header["op"] == "data":
            t = load_safetensors(blob)
            keep(header["key"], TrainData(t["x_train"], t["y_train"], t["x_test"], t["y_test"]),
                 TeacherLogits(train=t["t_train"], test=t["t_test"]))
            continue
        if header["op"] == "load":  # a named data set: read from the disk caches the server wrote, not the pipe
            try:
                from kdviz.train.resources import load_resources

                res = load_resources(dataset=header["dataset"])
                if data_key(res.data, res.logits) != header["key"]:
                    raise ValueError("the data set loads with other numbers than the server's")
                keep(header["key"], TrainData(res.data.x_train, res.data.y_train, res.data.x_test, res.data.y_test), res.logits)
                write_frame(out, {"event": "loaded"})
            except Exception as err:  # any reason: the server sends the tensors instead
                write_frame(out, {"event": "not_loaded", "message": first_line(err)})
            continue
        # op == "train"
        def epoch(row: dict) -> None:
            if os.getppid() != parent:  # the server is gone: stop, nobody reads
                raise SystemExit(0)
            write_frame(out, {"event": "epoch", "row": row})
        try:
            data, logits = kept[header["key"]]
            result = train_student(data, logits, TrainConfig(**header["config"]), callback=epoch)
        except (ValueError, RuntimeError, MemoryError, KeyError) as err:
            write_frame(out, {"event": "error", "type": type(err).__name__, "message": first_line(err)})
            continue
        tensors = {f"model.{k}": v.detach().contiguous() for k, v in result.model.state_dict().items()}
        tensors["test_logits"] = result.test_logits.contiguous()
        write_frame(out, {"event": "done", "history": result.history.to_dict("records"), "seconds": result.seconds,
                           "epoch_seconds": result.epoch_seconds, "architecture": architecture(result.model)},
                     save_safetensors(tensors))


def main(argv: list[str]) -> int:
    """``python -m kdviz.serve.workers_child IN_FD OUT_FD``: a worker reading frames from one pipe, writing to the other."""
    inp, out = os.fdopen(int(argv[0]), "rb", buffering=0), os.fdopen(int(argv[1]), "wb")
    with inp, out:
        try:
            serve(inp, out)
        except (BrokenPipeError, SystemExit):  # the server went away
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
