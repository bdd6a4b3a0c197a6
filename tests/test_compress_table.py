"""kdviz.compress.table: the Compression page's units and texts, against values worked out by hand."""

import pandas as pd
import pytest

from kdviz import compress as kc
from kdviz.base.i18n import MESSAGES
from kdviz.compress import table as ct

ROWS = pd.DataFrame({"test_acc": [0.9912, 0.95], "test_acc_std": [0.0015, float("nan")], "params": [431080, 12345],
                     "size_bytes": [1724320, 49380], "sparse_bytes": [900000, 49380], "sparsity": [0.5, 0.0],
                     "latency_ms_1": [0.1234, 0.05], "latency_ms_256": [3.456, 1.0], "seconds": [12.345, 0.5],
                     "n_seeds": [3, 1]})


def test_choices_name_catalog_keys():
    assert ct.PRESETS["full"][0] is kc.DEFAULT and ct.PRESETS["quick"][0] is kc.QUICK and list(ct.PRESETS)[0] == "full"
    keys = [k for _, k in ct.PRESETS.values()] + [*ct.X_AXES.values(), *ct.COLUMNS.values()] + [k for k, _ in ct.GROUPS.values()]
    assert all(k in MESSAGES for k in keys)
    assert all(c in ct.COLUMNS for _, cols in ct.GROUPS.values() for c in cols) and set(ct.FORMATS) <= set(ct.COLUMNS)
    assert set(ct.X_AXES) <= set(ROWS.columns)


def test_numbers_in_the_units_shown():
    got = ct.numbers(ROWS)
    assert got["acc"].tolist() == pytest.approx([99.12, 95.0]) and got["acc_std"].iloc[0] == pytest.approx(0.15)
    assert got["size"].tolist() == pytest.approx([1724.32, 49.38]) and got["csr"].tolist() == pytest.approx([900.0, 49.38])
    assert got["parameters"].tolist() == [431080, 12345] and got["zero"].tolist() == [0.5, 0.0]
    shown = ct.shown_numbers(got, ROWS)
    assert shown["acc"] == ["99.1 ± 0.1", "95.0"]  # one seed: the mean alone
    assert shown["parameters"] == ["431080", "12345"] and shown["size"] == ["1724.3", "49.4"]
    assert shown["zero"] == ["0.500", "0.000"] and shown["ms_1"] == ["0.123", "0.050"] and shown["ms_256"] == ["3.46", "1.00"]
    assert shown["seconds"] == ["12.35", "0.50"] and ct.max_seeds(ROWS) == 3


def test_the_rank_study_at_a_rank():
    study = {"rows": [{"rank": 8, "test_acc": 0.9, "params": 6500, "rel_error": 0.4},
                      {"rank": 200, "test_acc": 0.97, "params": 160000, "rel_error": 0.0}],
             "dense_acc": 0.96, "dense_params": 101770, "n_in": 784, "n_out": 128}
    got = ct.rank_point(study, 8)
    assert got == {"acc": "90.0 %", "points": pytest.approx(-6.0), "params": "6,500", "params_delta": "-95,270",
                   "mid": 8, "error": pytest.approx(0.4)}
    got = ct.rank_point(study, 200)
    assert got["mid"] == 128 and got["params_delta"] == "+58,230" and got["points"] == pytest.approx(1.0)
