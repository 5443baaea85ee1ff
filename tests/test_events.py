"""The neutral event script: what a turn says, with block boundaries made explicit."""

from __future__ import annotations

from mockserver.events import (
    Failure,
    Finish,
    MessageStart,
    ReasoningDelta,
    ReasoningEnd,
    ReasoningStart,
    TextDelta,
    TextEnd,
    TextStart,
    ToolArgsDelta,
    ToolCallEnd,
    ToolCallStart,
    Wait,
)
from mockserver.scenario.model import StopReason
from tests.conftest import script


def test_reasoning_then_tool_call_forms_two_blocks() -> None:
    events = script(
        """
        turns:
          - reasoning: "Think."
            tool_calls: [{name: f, arguments: {a: 1}}]
        """
    ).events
    kinds = [type(e) for e in events]
    assert kinds[:2] == [MessageStart, ReasoningStart]
    assert kinds.index(ReasoningEnd) < kinds.index(ToolCallStart)
    assert kinds[-2:] == [ToolCallEnd, Finish]
    assert events[-1] == Finish(StopReason.TOOL_CALLS)


def test_text_split_by_a_pause_stays_one_block() -> None:
    events = script(
        """
        turns:
          - steps:
              - text: "Once upon"
              - pause: 1.5s
              - text: " a time"
        """
    ).events
    assert [type(e) for e in events] == [
        MessageStart,
        TextStart,
        TextDelta,
        TextDelta,
        Wait,
        TextDelta,
        TextDelta,
        TextEnd,
        Finish,
    ]
    assert events[-2] == TextEnd("Once upon a time")


def test_parallel_tool_calls_are_numbered_from_zero() -> None:
    events = script("turns: [{tool_calls: [{name: a}, {name: b}]}]").events
    assert [e.index for e in events if isinstance(e, ToolCallStart)] == [0, 1]
    assert all(e.fragment for e in events if isinstance(e, ToolArgsDelta))


def test_a_mid_stream_error_ends_the_script_without_finish() -> None:
    events = script(
        """
        turns:
          - steps:
              - text: "Hello"
              - fault: {error: overloaded}
              - text: " never sent"
        """
    ).events
    assert events[-1] == Failure("overloaded", "Overloaded")
    assert not any(isinstance(e, Finish) for e in events)


def test_output_tokens_count_every_piece_and_reasoning_separately() -> None:
    counted = script('turns: [{reasoning: "a b c", text: "d e"}]')
    assert (counted.output_tokens, counted.reasoning_tokens) == (5, 3)
    assert [e.text for e in counted.events if isinstance(e, ReasoningDelta)] == ["a", " b", " c"]


def test_an_explicit_stop_overrides_the_derived_one() -> None:
    assert script('turns: [{text: "cut", stop: length}]').events[-1] == Finish(StopReason.LENGTH)
