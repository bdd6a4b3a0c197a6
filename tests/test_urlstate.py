"""Query parameters: valid values pass, bad ones are dropped with one line each."""

import copy
import pickle
import re

import pytest

from kdviz.base.i18n import MESSAGES
from kdviz.serve.urlstate import Problem, parse_query, to_query


def test_valid_round_trip():
    values, problems = parse_query({"T": "8", "gamma": "0.25", "digit": "123", "seed": "7", "lang": "zh", "other": "x"})
    assert problems == []
    assert values == {"T": 8.0, "gamma": 0.25, "digit": 123, "seed": 7, "lang": "zh"}
    assert parse_query(dict(p.split("=") for p in to_query(values).split("&")))[0] == values


@pytest.mark.parametrize(
    "params, name",
    [
        ({"T": "-1"}, "T"), ({"T": "0"}, "T"), ({"T": "abc"}, "T"), ({"T": "nan"}, "T"), ({"T": "inf"}, "T"),
        ({"T": "1e9"}, "T"), ({"gamma": "abc"}, "gamma"), ({"gamma": "1.5"}, "gamma"), ({"gamma": ""}, "gamma"),
        ({"digit": "10000"}, "digit"), ({"digit": "2.5"}, "digit"), ({"seed": "-3"}, "seed"), ({"lang": "fr"}, "lang"),
        ({"method": "fitnets"}, "method"), ({"alpha": "-1"}, "alpha"), ({"beta": "21"}, "beta"), ({"beta": "nan"}, "beta"),
    ],
)
def test_bad_values_dropped_with_one_line(params, name):
    values, problems = parse_query({**params, "seed": params.get("seed", "1")})
    assert name not in values
    assert len(problems) == 1 and problems[0].startswith(name) and "\n" not in problems[0]
    if name != "seed":
        assert values["seed"] == 1  # the rest of the link still works


def test_dkd_settings_round_trip():
    values, problems = parse_query({"method": "dkd", "alpha": "0.5", "beta": "8", "T": "4"})
    assert problems == [] and values == {"T": 4.0, "method": "dkd", "alpha": 0.5, "beta": 8.0}
    assert to_query(values) == "T=4&method=dkd&alpha=0.5&beta=8"


def test_list_values_take_the_last():
    assert parse_query({"T": ["2", "3"]})[0] == {"T": 3.0}


CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.mark.parametrize(
    "params, english",
    [
        ({"T": "-1"}, "T=-1 is outside [0.5, 20]; using the default"),
        ({"T": "abc"}, "T='abc' is not a number; using the default"),
        ({"T": "inf"}, "T='inf' is not a finite number; using the default"),
        ({"digit": "2.5"}, "digit='2.5' is not a whole number; using the default"),
        ({"lang": "fr"}, "lang='fr' is not one of en, zh; using the default"),
    ],
)
def test_problems_are_english_strings_that_know_their_message(params, english):
    """Each problem is the English line (a str), and carries its catalog key: the pages show it in Chinese too."""
    problem = parse_query(params)[1][0]
    assert isinstance(problem, str) and isinstance(problem, Problem) and problem == english
    assert problem.key in MESSAGES and problem.text("en") == english
    zh = problem.text("zh")
    assert "\n" not in zh and CJK.search(zh) and zh.startswith(next(iter(params)) + "=")
    assert copy.deepcopy(problem).text("zh") == pickle.loads(pickle.dumps(problem)).text("zh") == zh


def test_a_link_picks_the_divergence():
    values, problems = parse_query({"loss": "jsd", "jsdbeta": "0.3", "std": "1", "skew": "0.2"})
    assert values == {"loss": "jsd", "jsdbeta": 0.3, "std": 1, "skew": 0.2} and problems == []
    values, problems = parse_query({"loss": "kl", "jsdbeta": "2", "std": "yes"})
    assert values == {} and [p.key for p in problems] == ["url.not_choice", "url.outside", "url.not_whole"]
    assert "fkl, rkl, jsd, skl, srkl, tvd" in problems[0]
    assert to_query({"loss": "srkl", "skew": 0.25}) == "loss=srkl&skew=0.25"
