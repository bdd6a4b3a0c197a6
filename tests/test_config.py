"""One place for a run's defaults (kdviz.train.defaults) and one check of seeds (kdviz.train.config.check_seeds)."""

import numpy as np
import pytest

from kdviz.compress.config import CompressConfig
from kdviz.lab.dkd import dkd_compare
from kdviz.serve import urlstate
from kdviz.train import defaults
from kdviz.train.config import TrainConfig, check_seeds
from kdviz.train.loop import METHODS
from kdviz.train.loop import TrainConfig as LoopTrainConfig


def test_a_default_run_is_the_defaults_module():
    c = TrainConfig()
    assert (c.hidden, c.epochs, c.lr, c.batch_size, c.T, c.gamma, c.seed, c.method, c.alpha, c.beta) == (
        (128,), 30, 1e-3, 64, 4.0, 0.9, 0, "kd", 1.0, 8.0)  # the documented run: 784-128-10, 30 epochs, T = 4, γ = 0.9
    assert (c.T, c.gamma, c.method, c.alpha, c.beta) == (defaults.T, defaults.GAMMA, defaults.METHOD, defaults.ALPHA, defaults.BETA)
    assert LoopTrainConfig is TrainConfig and METHODS == defaults.METHODS == ("kd", "dkd")


def test_the_link_takes_its_defaults_and_ranges_from_there():
    P = urlstate.PARAMS
    assert P["T"][1:] == (*defaults.T_RANGE, defaults.T) and P["gamma"][1:] == (*defaults.GAMMA_RANGE, defaults.GAMMA)
    assert P["alpha"][1:] == (*defaults.ALPHA_RANGE, defaults.ALPHA) and P["beta"][1:] == (*defaults.BETA_RANGE, defaults.BETA)
    assert urlstate.METHODS == defaults.METHODS and P["method"][3] == defaults.METHOD
    for low, high, default in (P[k][1:] for k in ("T", "gamma", "alpha", "beta")):
        assert low <= default <= high
    TrainConfig(T=defaults.T_RANGE[0]).replace(T=defaults.T_RANGE[1])  # every T the link accepts is a valid run


@pytest.mark.parametrize("seeds, expected", [([0, 1, 2], [0, 1, 2]), ((3,), [3]), ([np.int64(2), 5.0], [2, 5])])
def test_check_seeds_accepts_distinct_whole_numbers(seeds, expected):
    out = check_seeds(seeds)
    assert out == expected and all(type(s) is int for s in out)


@pytest.mark.parametrize("seeds", [[], [0, 0], [1, 2, 1], [-1], [0.5], ["0"], [True, 2]])
def test_check_seeds_refuses_with_one_line(seeds):
    with pytest.raises(ValueError) as err:
        check_seeds(seeds)
    assert "seeds must be distinct whole numbers ≥ 0" in str(err.value) and "\n" not in str(err.value)


def test_every_seeded_entry_point_uses_it():
    # the library's comparisons and the compression config refuse a repeated seed before any work
    with pytest.raises(ValueError, match="seeds must be distinct"):
        dkd_compare(None, seeds=[0, 0])
    with pytest.raises(ValueError, match="seeds must be distinct"):
        CompressConfig(seeds=(1, 1))
    assert CompressConfig(seeds=(2, 0)).seeds == (2, 0)
