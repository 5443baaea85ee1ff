"""The render cache: a turn compiled once per dialect and options, bounded by count and by bytes."""

from __future__ import annotations

from mockserver.compiled import TurnCache
from mockserver.dialects import DIALECTS
from mockserver.dialects.openai_responses import DIALECT as RESPONSES, parse_request
from tests.conftest import scenario

CHAT = DIALECTS[0]
LONG = 'turns: ["' + "word " * 2000 + '"]'


def test_a_turn_is_compiled_once_and_reused() -> None:
    cache = TurnCache()
    loaded = scenario('turns: ["Hi"]')
    assert cache.stream(loaded, 0, CHAT, None) is cache.stream(loaded, 0, CHAT, None)


def test_requests_with_different_instructions_share_one_render() -> None:
    cache = TurnCache()
    loaded = scenario('turns: ["Hi"]')
    first = parse_request({"model": "m", "input": "Hi", "instructions": "Be brief.", "stream": True})
    second = parse_request({"model": "m", "input": "Hi", "instructions": "x" * 100_000, "stream": True})
    assert cache.stream(loaded, 0, RESPONSES, first.options) is cache.stream(loaded, 0, RESPONSES, second.options)
    assert cache.nbytes < 100_000


def test_past_the_byte_budget_the_least_recently_used_renders_are_dropped() -> None:
    unbounded = TurnCache()
    unbounded.stream(scenario(LONG), 0, CHAT, None)
    one_scenario = unbounded.nbytes
    cache = TurnCache(max_bytes=int(one_scenario * 2.5))
    scenarios = [scenario(LONG, f"s{index}") for index in range(5)]
    for loaded in scenarios:
        cache.stream(loaded, 0, CHAT, None)
    assert cache.nbytes <= one_scenario * 2.5
    assert len(cache) == 4  # the last two scenarios' turn and stream
    assert cache.stream(scenarios[-1], 0, CHAT, None) is cache.stream(scenarios[-1], 0, CHAT, None)


def test_forgetting_a_scenario_frees_its_renders_and_keeps_the_others() -> None:
    cache = TurnCache()
    kept, forgotten = scenario(LONG, "kept"), scenario(LONG, "forgotten")
    cache.stream(kept, 0, CHAT, None)
    alone = cache.nbytes
    cache.stream(forgotten, 0, CHAT, None)
    cache.body(forgotten, 0, CHAT, None)
    cache.forget(forgotten)
    assert (len(cache), cache.nbytes) == (2, alone)
