"""Fault plans as data: which bytes leave when, and where the connection breaks. No socket, no clock."""

from __future__ import annotations

import json

from mockserver.chaos import ChaosPick
from mockserver.compiled import CompiledStream, compile_stream, compile_turn
from mockserver.dialects import openai_chat
from mockserver.faults import body_fault, break_json, plan_faults
from mockserver.plan import Action, Close, Mark, Write, keep_alive, plan_clean
from mockserver.scenario.model import Disconnect, Duplicate, Reset, Stall
from tests.conftest import scenario

PING = b": ping\n\n"


def compiled(yaml_text: str) -> CompiledStream:
    loaded = scenario(yaml_text)
    turn = compile_turn(loaded, 0)
    return compile_stream(openai_chat.DIALECT, loaded.turns[0], turn, openai_chat.ChatOptions())


def plan(yaml_text: str) -> list[Action]:
    return plan_faults(compiled(yaml_text), lambda data: data)


def with_fault(fault: str, timing: str = "") -> str:
    """Two text steps with the fault between them: frames 0-1 are the role and "Hello" chunks."""
    return f"""
        {timing}
        turns:
          - steps:
              - text: "Hello"
              - fault: {fault}
              - text: " world"
        """


def sent(actions: list[Action]) -> bytes:
    return b"".join(a.data for a in actions if isinstance(a, Write))


def content(frame: bytes) -> str | None:
    chunk = json.loads(frame.removeprefix(b"data: "))
    return chunk["choices"][0]["delta"].get("content") if chunk["choices"] else None


def test_a_turn_without_faults_plans_exactly_like_a_clean_stream() -> None:
    stream = compiled('turns: ["Hello world"]')
    assert list(plan_faults(stream, bytes.upper)) == list(plan_clean(stream, bytes.upper))


def test_disconnect_closes_with_fin_after_the_frames_before_it_and_no_done() -> None:
    stream = compiled(with_fault("disconnect"))
    actions = plan(with_fault("disconnect"))
    assert actions[-1] == Close(0.0, reset=False, label="disconnect")
    assert sent(actions) == stream.frames[0] + stream.frames[1]
    assert b"[DONE]" not in sent(actions)


def test_a_graceful_disconnect_stops_the_frames_but_lets_the_body_end() -> None:
    stream = compiled(with_fault("{disconnect: graceful}"))
    actions = plan(with_fault("{disconnect: graceful}"))
    assert actions[-1] == Mark(0.0, "disconnect")
    assert not any(isinstance(a, Close) for a in actions)
    assert sent(actions) == stream.frames[0] + stream.frames[1]


def test_a_clean_write_counts_every_frame_it_carries() -> None:
    stream = compiled('turns: ["Hello world"]')
    assert sum(a.frames for a in plan_clean(stream, bytes.upper) if isinstance(a, Write)) == len(stream.frames)


def test_reset_aborts_the_connection_at_the_same_point() -> None:
    actions = plan(with_fault("reset"))
    assert actions[-1] == Close(0.0, reset=True, label="reset")
    assert [content(f) for f in sent(actions).split(b"\n\n") if f] == ["", "Hello"]


def test_truncate_sends_the_first_bytes_of_the_next_frame_then_closes() -> None:
    stream = compiled(with_fault("{truncate: 12}"))
    actions = plan(with_fault("{truncate: 12}"))
    *_, partial, close = actions
    assert partial == Write(0.0, stream.frames[2][:12], 0)
    assert partial.data == b'data: {"id":'
    assert close == Close(0.0, label="truncate")


def test_truncate_zero_bytes_is_a_disconnect_before_the_frame() -> None:
    actions = plan(with_fault("{truncate: 0}"))
    assert actions[-1] == Close(0.0, label="truncate")
    assert not any(isinstance(a, Write) and a.frames == 0 for a in actions)


def test_stall_marks_its_start_and_the_next_frames_come_later() -> None:
    timing = "timing: {tokens_per_second: 10}"
    stream = compiled(with_fault("{stall: 3s}", timing))
    actions = plan(with_fault("{stall: 3s}", timing))
    mark = next(a for a in actions if isinstance(a, Mark))
    assert mark == Mark(0.0, "stall")
    after = [a for a in actions[actions.index(mark) + 1 :] if isinstance(a, Write)]
    assert after[0].at == stream.due[2] == 3.1
    assert not any(a.label == "keepalive" for a in after)


def test_stall_with_keepalive_fills_the_silence_with_pings() -> None:
    actions = keep_alive(plan(with_fault("{stall: 3s, keepalive: 1s}")), PING)
    pings = [a for a in actions if isinstance(a, Write) and a.label == "keepalive"]
    assert [(p.at, p.data, p.frames) for p in pings] == [(1.0, PING, 0), (2.0, PING, 0)]


def test_malformed_puts_the_raw_bytes_between_the_frames() -> None:
    yaml_text = with_fault('{malformed: "data: {oops\\n\\n"}')
    stream = compiled(yaml_text)
    actions = plan(yaml_text)
    assert Write(0.0, b"data: {oops\n\n", 0, "malformed") in actions
    assert sent(actions) == stream.frames[0] + stream.frames[1] + b"data: {oops\n\n" + b"".join(stream.frames[2:])


def test_invalid_json_keeps_the_frame_shape_but_breaks_its_json() -> None:
    stream = compiled(with_fault("invalid_json"))
    broken = next(a for a in plan(with_fault("invalid_json")) if isinstance(a, Write) and a.label == "invalid_json")
    assert broken.data.startswith(b"data: {")
    assert broken.data.endswith(b"\n\n")
    assert broken.data == stream.frames[2][:-3] + b"\n\n"


def test_break_json_keeps_the_event_line_and_crlf_endings() -> None:
    frame = b'event: content_block_delta\r\ndata: {"type":"ping"}\r\n\r\n'
    assert break_json(frame) == b'event: content_block_delta\r\ndata: {"type":"ping"\r\n\r\n'


def test_duplicate_sends_the_next_frame_twice() -> None:
    actions = plan(with_fault("duplicate"))
    texts = [content(f) for f in sent(actions).split(b"\n\n") if f and f != b"data: [DONE]"]
    assert texts == ["", "Hello", " world", " world", None]
    assert [a.label for a in actions if isinstance(a, Write) and a.label] == ["duplicate"]


def test_duplicate_with_a_count_repeats_each_of_that_many_frames() -> None:
    actions = plan(with_fault("{duplicate: 2}"))
    frames = [f for f in sent(actions).split(b"\n\n") if f]
    assert [content(f) for f in frames[:6]] == ["", "Hello", " world", " world", None, None]


def test_reorder_swaps_the_next_two_frames_but_keeps_their_times() -> None:
    yaml_text = """
        timing: {tokens_per_second: 10}
        turns:
          - steps:
              - text: "one"
              - fault: reorder
              - text: " two three"
        """
    stream = compiled(yaml_text)
    actions = plan(yaml_text)
    assert [content(f) for f in sent(actions).split(b"\n\n")[:4]] == ["", "one", " three", " two"]
    swapped = next(a for a in actions if isinstance(a, Write) and a.label == "reorder")
    following = actions[actions.index(swapped) + 1]
    assert (swapped.data, swapped.at) == (stream.frames[3], stream.due[2])
    assert isinstance(following, Write)
    assert following.data.startswith(stream.frames[2])
    assert following.at == stream.due[3]


def test_a_scripted_stream_error_is_labelled_when_it_is_sent() -> None:
    actions = plan(with_fault("{error: overloaded}"))
    last = actions[-1]
    assert isinstance(last, Write)
    assert last.label == "error"
    assert json.loads(last.data.removeprefix(b"data: "))["error"]["message"] == "Overloaded"


def test_frames_untouched_by_a_fault_still_leave_together() -> None:
    actions = plan(with_fault("{malformed: x}"))
    finish = actions[-1]
    assert isinstance(finish, Write)
    assert finish.frames == 3  # " world", the finish chunk and [DONE] are all due at once
    assert finish.data.endswith(b"data: [DONE]\n\n")


def test_an_injected_stall_pushes_every_later_frame_back() -> None:
    stream = compiled('turns: ["one two three"]')
    actions = plan_faults(stream, lambda d: d, injected=[(2, 0.0, Stall(seconds=5))])
    assert Mark(0.0, "stall") in actions
    assert [a.at for a in actions if isinstance(a, Write)] == [0.0, 5.0]


def test_an_injected_fault_joins_the_scripted_ones_in_frame_order() -> None:
    stream = compiled(with_fault("duplicate"))
    actions = plan_faults(stream, lambda d: d, injected=[(1, 0.0, Disconnect())])
    assert actions[-1] == Close(0.0, label="disconnect")
    assert sent(actions) == stream.frames[0]


def test_a_non_streaming_answer_meets_the_first_fault_that_can_spoil_a_body() -> None:
    loaded = scenario(
        with_fault("duplicate").replace('- text: " world"', '- fault: reset\n              - text: " world"')
    )
    assert body_fault(compile_turn(loaded, 0), None) == (0.0, Reset())


def test_frame_level_faults_leave_a_non_streaming_answer_alone() -> None:
    loaded = scenario(with_fault("reorder"))
    chosen = ChaosPick(Duplicate(count=1), 0.5)
    assert body_fault(compile_turn(loaded, 0), chosen) is None


def test_a_chaos_fault_on_a_non_streaming_answer_fires_part_way_through_generation() -> None:
    loaded = scenario('timing: {tokens_per_second: 10}\nturns: ["one two three four five"]')
    assert body_fault(compile_turn(loaded, 0), ChaosPick(Disconnect(), 0.5)) == (0.2, Disconnect())


def test_a_chaos_error_variant_is_compiled_once_and_reused() -> None:
    from mockserver.compiled import TurnCache
    from mockserver.scenario.model import StreamError

    loaded = scenario('turns: ["one two three"]')
    cache = TurnCache()
    options = openai_chat.ChatOptions()
    first = cache.failing_stream(loaded, 0, openai_chat.DIALECT, options, 3, StreamError(error="overloaded"))
    again = cache.failing_stream(loaded, 0, openai_chat.DIALECT, options, 3, StreamError(error="overloaded"))
    assert again is first
    assert b'"message":"Overloaded"' in first.frames[-1]
    assert b"[DONE]" not in b"".join(first.frames)


def test_two_faults_on_one_frame_are_both_recorded() -> None:
    yaml_text = """
        turns:
          - steps:
              - text: "Hello"
              - fault: invalid_json
              - fault: duplicate
              - text: " world"
        """
    actions = plan(yaml_text)
    assert [a.label for a in actions if isinstance(a, Write | Mark) and a.label] == ["invalid_json", "duplicate"]
    frames = [f for f in sent(actions).split(b"\n\n") if f and f != b"data: [DONE]"]
    assert [f.endswith(b"}") for f in frames] == [True, True, False, False, True]  # the frame and its copy broken


def test_a_labelled_write_split_into_pieces_is_journaled_once() -> None:
    from mockserver.plan import split_writes

    pieces = split_writes(plan(with_fault("invalid_json")), 4)
    assert [a.label for a in pieces if isinstance(a, Write) and a.label] == ["invalid_json"]
