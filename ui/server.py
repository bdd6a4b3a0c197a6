"""The server process around the pages: what it is set to once, on the first page run (:func:`prepare`), and, for
the benchmarks, each script run's time (:func:`log_run_time`). Nothing here runs at import."""

from __future__ import annotations

import gc
import os
import time
from functools import cache

import streamlit as st
import torch


@cache  # once per process: later calls do nothing
def prepare() -> None:
    """Set the process up for many sessions; :func:`ui.frame.start_page` calls it first on every run.

    * One intra-op torch thread: every tensor op the pages run is tiny, so many sessions' script threads share the
      cores instead of each op asking for all of them (torch's default).
    * ``gc.freeze()``: Python's collector scans every tracked object on a full collection; with torch, pandas and
      plotly loaded that took tens of ms (issue 13). What is imported by now lives as long as the server, so it is
      moved out of the collector's sight (as are the resources and the reference students once loaded,
      :mod:`ui.resources`); a collection scans only what came later. (Streamlit's own gc.collect after each run is
      off: runner.postScriptGC in .streamlit/config.toml.)
    """
    torch.set_num_threads(1)
    gc.freeze()


def log_run_time(started: tuple[float, str] | None = None) -> None:
    """With ``$KDVIZ_TIMING_LOG`` set (benchmarks only), append a script run's server time: ``page<TAB>ms``.
    ``started``: ``(perf_counter, what)`` at the run's start; default: this page run's (:func:`ui.frame.start_page`)."""
    path = os.environ.get("KDVIZ_TIMING_LOG")
    started = started or st.session_state.get("_run_started")
    if path and started:
        with open(path, "a") as f:  # one short line per run: appends from many sessions don't interleave
            f.write(f"{started[1]}\t{1000 * (time.perf_counter() - started[0]):.1f}\n")
