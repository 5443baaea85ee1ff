"""Which scenario answers: the header, then the model name, then `match`, then `default`."""

from __future__ import annotations

import pytest

from mockserver.errors import RequestError
from mockserver.scenario import select_scenario
from tests.conftest import scenario

SCENARIOS = {
    "default": scenario('turns: ["default"]', "default"),
    "weather": scenario('match: {prompt: "(?i)weather"}\nturns: ["weather"]', "weather"),
    "big": scenario('match: {model: "big-*"}\nturns: ["big"]', "big"),
    "named": scenario('turns: ["named"]', "named"),
}


def pick(*, header: str | None = None, model: str = "gpt-4o", prompt: str = "hello") -> str:
    return select_scenario(SCENARIOS, header=header, model=model, prompt=prompt).name


def test_header_wins_over_everything() -> None:
    assert pick(header="named", model="weather", prompt="weather?") == "named"


def test_model_equal_to_a_scenario_name_wins_over_match() -> None:
    assert pick(model="named", prompt="weather?") == "named"


def test_first_fitting_match_wins_over_default() -> None:
    assert pick(prompt="What's the WEATHER?") == "weather"
    assert pick(model="big-model") == "big"


def test_default_answers_when_nothing_else_applies() -> None:
    assert pick() == "default"


def test_an_unknown_header_name_is_a_404_listing_what_exists() -> None:
    with pytest.raises(RequestError) as caught:
        pick(header="nope")
    assert caught.value.status == 404
    assert "big, default, named, weather" in caught.value.message


def test_without_default_an_unmatched_request_is_a_404() -> None:
    with pytest.raises(RequestError) as caught:
        select_scenario({"named": SCENARIOS["named"]}, header=None, model="gpt-4o", prompt="hi")
    assert caught.value.status == 404
