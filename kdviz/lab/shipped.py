"""Results shipped with kdviz: the full runs the README reports, so that no page opens empty.

Each is one JSON file in ``kdviz/results/<name>.json``, written by the CLI command that
computes it (with ``--ship``) and never by hand::

    {"name": ..., "provenance": {"command", "date", "machine", "torch", "kdviz",
                                  "data_fingerprint", "teacher_sha256"},
     "result": {... the command's JSON output ...}}

A page shows a shipped result with where it comes from (:func:`provenance_line`). A
result whose data fingerprint or teacher no longer matches the loaded ones is *stale*:
:func:`load` still returns it, with ``stale`` set to a message saying why, and the page
says so in one line instead of showing it as current.
"""

from __future__ import annotations

import datetime as dt
import os
import platform
from dataclasses import dataclass
from pathlib import Path

import torch

from kdviz.base.diskcache import load_json, save_json
from kdviz.base.i18n import Message

__all__ = ["RESULTS", "NAMES", "Shipped", "provenance", "save", "load", "machine_name"]

RESULTS = Path(__file__).resolve().parents[1] / "results"
NAMES = ("compress", "fewer_labels", "self_distill", "merge", "omit_class", "sweep", "dkd", "features", "capacity",
         "divergences", "divergences_fashion")  # one file each (divergences: one per data set, kdviz.lab.divergences)


@dataclass(frozen=True)
class Shipped:
    """One shipped result: the command's JSON output, where it was measured, and whether it is still current."""

    name: str
    result: dict  # what the command printed with --json
    provenance: dict  # command, date, machine, torch, kdviz, data_fingerprint, teacher_sha256
    stale: Message | None  # (key, fields) saying why the result no longer matches; None when current


def machine_name() -> str:
    """``"x86_64, 2 cores, Intel(R) Xeon(R) …"``: the architecture, the core count and the CPU model when known."""
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return ", ".join(part for part in (platform.machine(), f"{cores} cores", model) if part)


def provenance(*, command: str, data_fingerprint: str, teacher_sha256: str) -> dict:
    """Where a result comes from: the command, today's date (UTC), this machine, torch, the data and the teacher."""
    from kdviz import __version__

    return {
        "command": command,
        "date": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d"),
        "machine": machine_name(),
        "torch": torch.__version__,
        "kdviz": __version__,
        "data_fingerprint": data_fingerprint,
        "teacher_sha256": teacher_sha256,
    }


def save(name: str, result: dict, *, command: str, data_fingerprint: str, teacher_sha256: str,
         folder: Path | str = RESULTS) -> Path:
    """Write ``<folder>/<name>.json`` atomically with its provenance. Returns the path.

    Raises ``ValueError`` for a name not in :data:`NAMES` or a result that is not JSON
    (NaN included: pass None), ``OSError`` when the folder can't be written.
    """
    if name not in NAMES:
        raise ValueError(f"shipped result name must be one of {', '.join(NAMES)}, got {name!r}")
    blob = {"name": name, "provenance": provenance(command=command, data_fingerprint=data_fingerprint,
                                                   teacher_sha256=teacher_sha256), "result": result}
    path = Path(folder) / f"{name}.json"
    import json

    json.dumps(blob, allow_nan=False)  # raises ValueError before anything is written
    save_json(path, blob, what="the shipped result")
    if load_json(path) != json.loads(json.dumps(blob)):
        raise OSError(f"could not write the shipped result {path}")
    return path


def load(name: str, *, data_fingerprint: str, teacher_sha256: str, folder: Path | str = RESULTS) -> Shipped | None:
    """The shipped result ``name``, or None when there is none or its file is not a valid one.

    ``stale`` is set when the result was measured on another data split or with another
    teacher than the ones given.
    """
    blob = load_json(Path(folder) / f"{name}.json")
    if blob is None or blob.get("name") != name or not isinstance(blob.get("result"), dict) \
            or not isinstance(blob.get("provenance"), dict):
        return None
    prov = blob["provenance"]
    stale: Message | None = None
    if prov.get("data_fingerprint") != data_fingerprint:
        stale = ("shipped.stale_data", {"date": str(prov.get("date", "?"))})
    elif prov.get("teacher_sha256") != teacher_sha256:
        stale = ("shipped.stale_teacher", {"date": str(prov.get("date", "?"))})
    return Shipped(name=name, result=blob["result"], provenance=prov, stale=stale)
