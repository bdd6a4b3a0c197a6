"""Query parameters: valid values pass, bad ones are dropped with one line each."""

import pytest

from kdviz.urlstate import parse_query, to_query


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
        ({"digit": "1000"}, "digit"), ({"digit": "2.5"}, "digit"), ({"seed": "-3"}, "seed"), ({"lang": "fr"}, "lang"),
    ],
)
def test_bad_values_dropped_with_one_line(params, name):
    values, problems = parse_query({**params, "seed": params.get("seed", "1")})
    assert name not in values
    assert len(problems) == 1 and problems[0].startswith(name) and "\n" not in problems[0]
    if name != "seed":
        assert values["seed"] == 1  # the rest of the link still works


def test_list_values_take_the_last():
    assert parse_query({"T": ["2", "3"]})[0] == {"T": 3.0}
