"""Planned due times: exact, from the scenario alone; no clock involved."""

from __future__ import annotations

import itertools
import random

import pytest

from mockserver.events import MessageStart, TextDelta, TextEnd, TextStart
from mockserver.scenario.model import Timing
from mockserver.timing import plan_due
from tests.conftest import script


def due(yaml_text: str) -> list[float]:
    parsed = script(yaml_text)
    timing = parsed_timing(yaml_text)
    return [round(t, 6) for t in plan_due(parsed.events, timing, random.Random(0))]


def parsed_timing(yaml_text: str) -> Timing:
    from tests.conftest import scenario

    return scenario(yaml_text).turns[0].timing


def test_first_token_waits_for_ttft_then_tokens_follow_at_the_rate() -> None:
    # MessageStart, TextStart, 4 deltas, TextEnd, Finish
    assert due('timing: {ttft: 500ms, tokens_per_second: 10}\nturns: ["a b c d"]') == [
        0.0,
        0.5,
        0.5,
        0.6,
        0.7,
        0.8,
        0.8,
        0.8,
    ]


def test_no_timing_means_everything_is_due_at_once() -> None:
    assert set(due('turns: ["a b c d"]')) == {0.0}


def test_a_pause_pushes_everything_after_it() -> None:
    times = due("timing: {tokens_per_second: 10}\nturns: [{steps: [{text: 'a'}, {pause: 2s}, {text: ' b'}]}]")
    assert times == [0.0, 0.0, 0.0, 2.0, 2.1, 2.1, 2.1]


def test_jitter_spreads_gaps_within_its_bounds_and_is_repeatable() -> None:
    yaml_text = "timing: {tokens_per_second: 10, jitter: 0.5}\nturns: [{text: {tokens: 200}}]"
    parsed = script(yaml_text)
    timing = parsed_timing(yaml_text)
    first = plan_due(parsed.events, timing, random.Random(7))
    assert first == plan_due(parsed.events, timing, random.Random(7))
    deltas = [t for t, e in zip(first, parsed.events, strict=True) if isinstance(e, TextDelta)]
    gaps = [b - a for a, b in itertools.pairwise(deltas)]
    assert min(gaps) >= 0.05 - 1e-9
    assert max(gaps) <= 0.15 + 1e-9
    assert max(gaps) - min(gaps) > 0.05


def test_block_start_travels_with_its_first_token_and_end_with_its_last() -> None:
    parsed = script('timing: {ttft: 1s}\nturns: ["x"]')
    times = plan_due(parsed.events, Timing(ttft=1.0), random.Random(0))
    by_kind = {type(e): t for e, t in zip(parsed.events, times, strict=True)}
    assert by_kind[MessageStart] == 0.0
    assert by_kind[TextStart] == pytest.approx(1.0)
    assert by_kind[TextEnd] == pytest.approx(1.0)
