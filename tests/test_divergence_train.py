"""Training with another soft term (issue 31, item 4): TrainConfig's divergence fields, the loop, ``distill --loss``."""

import json

import pytest
import torch

from kdviz.cli.main import main
from kdviz.maths.divergences import DIVERGENCES
from kdviz.train import defaults
from kdviz.train.config import LATER_FIELDS, TrainConfig
from kdviz.train.loop import pair_configs, train_student

SMALL = TrainConfig(epochs=2, hidden=(32,), T=4.0, gamma=1.0)  # pure distillation: the soft term is all there is
INDEX = torch.arange(512)


@pytest.fixture(scope="module")
def runs(res):
    """One small run per setting (512 transfer digits, 2 epochs), trained once for this module."""
    settings = {"fkl": {}, "rkl": {"divergence": "rkl"}, "jsd0": {"divergence": "jsd", "jsd_beta": 0.0},
                "srkl0": {"divergence": "srkl", "skew_alpha": 0.0}, "tvd": {"divergence": "tvd"},
                "fkl_std": {"standardize": True}}
    return {k: train_student(res.data, res.logits, SMALL.replace(**kw), train_index=INDEX) for k, kw in settings.items()}


def test_earlier_configs_keep_their_dict_and_keys():
    assert set(TrainConfig().to_dict()).isdisjoint(LATER_FIELDS)  # a default run's dict (its cache key) is unchanged
    c = TrainConfig(divergence="jsd", jsd_beta=0.3, standardize=True)
    assert c.to_dict()["divergence"] == "jsd" and TrainConfig(**c.to_dict()) == c
    assert LATER_FIELDS == {"divergence": "fkl", "jsd_beta": defaults.JSD_BETA, "skew_alpha": defaults.SKEW_ALPHA,
                            "standardize": False}
    assert pair_configs(c)["baseline"] == TrainConfig(gamma=0.0)  # the baseline sees labels only, whatever the term


@pytest.mark.parametrize("kw, words", [
    (dict(divergence="kl"), "must be one of fkl, rkl, jsd, skl, srkl, tvd"),
    (dict(divergence="jsd", jsd_beta=1.5), "beta (the weight of JSD) must be in [0, 1]"),
    (dict(skew_alpha=-0.1), "alpha (the skew) must be in [0, 1]"),
    (dict(standardize="yes"), "standardize must be True or False"),
    (dict(method="dkd", divergence="rkl"), "method 'dkd' splits the forward KL"),
])
def test_bad_configs_are_one_line(kw, words):
    with pytest.raises(ValueError) as err:
        TrainConfig(**kw)
    assert words in str(err.value) and "\n" not in str(err.value)


def test_the_chosen_divergence_is_the_one_trained(runs):
    soft = {k: r.history["soft"].tolist() for k, r in runs.items()}
    # the endpoints train what they equal: JSD at β = 0 is forward KL, skew reverse KL at α = 0 is reverse KL
    assert soft["jsd0"] == pytest.approx(soft["fkl"], rel=1e-4)
    assert soft["srkl0"] == pytest.approx(soft["rkl"], rel=1e-4)
    assert runs["jsd0"].test_acc == pytest.approx(runs["fkl"].test_acc, abs=0.002)
    # and the others train something else: their soft terms and students differ from forward KL's
    for k in ("rkl", "tvd", "fkl_std"):
        assert abs(soft[k][-1] - soft["fkl"][-1]) > 1e-3, k
        assert not torch.equal(runs[k].test_logits, runs["fkl"].test_logits), k
    assert all(0 <= v <= 16 for v in soft["tvd"])  # T² · TVD, TVD in [0, 1]


def test_distill_loss_on_the_command_line(capsys):
    assert main(["distill", "--epochs", "1", "--hidden", "16", "--loss", "jsd", "--beta", "0.2", "--standardize", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert (out["loss"], out["jsd_beta"], out["standardize"], out["method"]) == ("jsd", 0.2, True, "kd")
    assert out["config"]["divergence"] == "jsd" and out["config"]["jsd_beta"] == 0.2
    assert out["beta"] == defaults.BETA  # DKD's β untouched: --beta is JSD's weight with --loss jsd


def test_the_command_line_offers_every_divergence():
    from kdviz.cli.main import build_parser

    action = next(a for a in build_parser()._subparsers._group_actions[0].choices["distill"]._actions if a.dest == "loss")
    assert tuple(action.choices) == DIVERGENCES


@pytest.mark.parametrize("args, words", [
    (["--loss", "kl"], "invalid choice: 'kl'"),
    (["--loss", "rkl", "--beta", "0.5"], "argument --beta: applies to --method dkd or --loss jsd, not --loss rkl"),
    (["--loss", "jsd", "--beta", "2"], "argument --beta: with --loss jsd, JSD's weight must be in [0, 1], got 2"),
    (["--loss", "tvd", "--alpha", "0.5"], "argument --alpha: applies to --method dkd or --loss skl / srkl"),
    (["--loss", "skl", "--alpha", "3"], "the skew must be in [0, 1], got 3"),
    (["--method", "dkd", "--loss", "rkl"], "--method dkd splits the forward KL"),
    (["--method", "dkd", "--standardize"], "--method dkd splits the forward KL"),
])
def test_bad_loss_arguments(cli_error, args, words):
    status, line = cli_error(["distill", "--epochs", "1", *args])
    assert status == 2 and words in line
