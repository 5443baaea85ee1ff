"""The Responses renderer, pure: a script in, typed events out, no server involved."""

from __future__ import annotations

import json
from typing import Any

from mockserver.compiled import Filler, compile_stream, compile_turn
from mockserver.dialects.base import RenderContext, TokenUsage
from mockserver.dialects.openai_responses import DIALECT, render_body, render_stream
from mockserver.dialects.openai_responses.request import ResponsesOptions
from tests.conftest import scenario, script

CONTEXT = RenderContext(
    nonce="N0NCE",
    model="gpt-test",
    created=1_700_000_000,
    usage=TokenUsage(input_tokens=12, output_tokens=30, total_tokens=42, reasoning_tokens=16),
    options=ResponsesOptions(),
)
AGENT = """
turns:
  - reasoning: "Think first."
    tool_calls:
      - {name: get_weather, arguments: {city: Paris}}
      - {name: get_time, arguments: {tz: CET}}
"""


def events(yaml_text: str, ctx: RenderContext = CONTEXT) -> list[tuple[str | None, dict[str, Any]]]:
    frames = [frame for group in render_stream(script(yaml_text), ctx) for frame in group]
    return [(frame.event, json.loads(frame.data)) for frame in frames]


def types(yaml_text: str) -> list[str]:
    return [data["type"] for _, data in events(yaml_text)]


def test_sequence_numbers_start_at_zero_and_rise_by_one() -> None:
    numbers = [data["sequence_number"] for _, data in events(AGENT)]
    assert numbers == list(range(len(numbers)))


def test_every_event_line_names_its_json_type() -> None:
    assert all(event == data["type"] for event, data in events(AGENT))


def test_plain_text_streams_one_message_item() -> None:
    assert types('turns: ["Hello there"]') == [
        "response.created",
        "response.in_progress",
        "response.output_item.added",
        "response.content_part.added",
        "response.output_text.delta",
        "response.output_text.delta",
        "response.output_text.done",
        "response.content_part.done",
        "response.output_item.done",
        "response.completed",
    ]


def test_text_deltas_point_at_their_item_and_carry_empty_logprobs() -> None:
    deltas = [d for _, d in events('turns: ["Hello there"]') if d["type"] == "response.output_text.delta"]
    assert [(d["item_id"], d["output_index"], d["content_index"], d["logprobs"]) for d in deltas] == [
        ("msg_N0NCE00", 0, 0, []),
        ("msg_N0NCE00", 0, 0, []),
    ]
    assert "".join(d["delta"] for d in deltas) == "Hello there"


def test_reasoning_summary_comes_first_as_its_own_item() -> None:
    assert types('turns: [{reasoning: "Hmm", text: "Hi"}]')[:9] == [
        "response.created",
        "response.in_progress",
        "response.output_item.added",
        "response.reasoning_summary_part.added",
        "response.reasoning_summary_text.delta",
        "response.reasoning_summary_text.done",
        "response.reasoning_summary_part.done",
        "response.output_item.done",
        "response.output_item.added",
    ]
    done = [d for _, d in events('turns: [{reasoning: "Hmm", text: "Hi"}]') if d["type"].endswith("item.done")]
    assert [(d["output_index"], d["item"]["type"]) for d in done] == [(0, "reasoning"), (1, "message")]


def test_each_tool_call_is_a_function_call_item_at_the_next_output_index() -> None:
    added = [d for _, d in events(AGENT) if d["type"] == "response.output_item.added"]
    assert [(d["output_index"], d["item"]["type"], d["item"]["id"], d["item"]["call_id"]) for d in added[1:]] == [
        (1, "function_call", "fc_N0NCE01", "call_N0NCE00"),
        (2, "function_call", "fc_N0NCE02", "call_N0NCE01"),
    ]


def test_arguments_arrive_in_fragments_that_join_to_the_done_arguments() -> None:
    stream = events(AGENT)
    fragments = [
        d["delta"]
        for _, d in stream
        if d["type"] == "response.function_call_arguments.delta" and d["output_index"] == 1
    ]
    (done,) = [d for _, d in stream if d["type"] == "response.function_call_arguments.done" and d["output_index"] == 1]
    assert len(fragments) > 1
    assert json.loads("".join(fragments)) == json.loads(done["arguments"]) == {"city": "Paris"}
    assert done["item_id"] == "fc_N0NCE01"


def test_completed_response_holds_every_item_and_the_full_usage() -> None:
    _, last = events(AGENT)[-1]
    assert last["type"] == "response.completed"
    response = last["response"]
    assert [item["type"] for item in response["output"]] == ["reasoning", "function_call", "function_call"]
    assert response["status"] == "completed"
    assert response["usage"] == {
        "input_tokens": 12,
        "input_tokens_details": {"cached_tokens": 0, "cache_write_tokens": 0},
        "output_tokens": 30,
        "output_tokens_details": {"reasoning_tokens": 16},
        "total_tokens": 42,
    }


def test_lifecycle_events_share_the_response_id_from_the_nonce() -> None:
    ids = {d["response"]["id"] for _, d in events(AGENT) if "response" in d}
    assert ids == {"resp_N0NCE"}


def test_stream_has_no_done_line() -> None:
    assert all(
        not frame.data.startswith("[DONE]") for group in render_stream(script(AGENT), CONTEXT) for frame in group
    )


def test_length_stop_ends_incomplete_for_max_output_tokens() -> None:
    stream = events('turns: [{text: "Cut short", stop: length}]')
    _, last = stream[-1]
    assert last["type"] == "response.incomplete"
    response = last["response"]
    assert response["status"] == "incomplete"
    assert response["incomplete_details"] == {"reason": "max_output_tokens"}
    assert response["output"][0]["status"] == "incomplete"


def test_content_filter_stop_ends_incomplete_for_content_filter() -> None:
    _, last = events('turns: [{text: "Well", stop: content_filter}]')[-1]
    assert last["response"]["incomplete_details"] == {"reason": "content_filter"}


def test_refusal_turn_streams_a_refusal_part() -> None:
    stream = events('turns: [{text: "I cannot help with that.", stop: refusal}]')
    assert "response.refusal.delta" in [d["type"] for _, d in stream]
    (done,) = [d for _, d in stream if d["type"] == "response.output_item.done"]
    assert done["item"]["content"] == [{"type": "refusal", "refusal": "I cannot help with that."}]


def test_mid_stream_error_is_an_error_event_then_response_failed_last() -> None:
    stream = events('turns: [{steps: [{text: "Half"}, {fault: {error: rate_limit, message: "Slow down."}}]}]')
    (_, error), (_, failed) = stream[-2:]
    assert error == {
        "type": "error",
        "sequence_number": len(stream) - 2,
        "code": "rate_limit_exceeded",
        "message": "Slow down.",
        "param": None,
    }
    assert failed["type"] == "response.failed"
    assert failed["response"]["status"] == "failed"
    assert failed["response"]["error"] == {"code": "rate_limit_exceeded", "message": "Slow down."}


def test_failure_codes_outside_the_sdks_set_read_as_server_error() -> None:
    _, failed = events("turns: [{steps: [{fault: {error: overloaded}}]}]")[-1]
    assert failed["response"]["error"]["code"] == "server_error"


def test_redacted_reasoning_is_an_opaque_item_without_summary_events() -> None:
    stream = events('turns: [{reasoning: "secret", redacted_reasoning: true, text: "Hi"}]')
    assert not any(d["type"].startswith("response.reasoning_summary") for _, d in stream)
    item = stream[3][1]["item"]
    assert item["summary"] == []
    assert item["encrypted_content"]


def test_encrypted_reasoning_is_included_only_when_asked_for() -> None:
    plain = render_body(script('turns: [{reasoning: "Hmm.", text: "Hi"}]'), CONTEXT)
    asked = RenderContext(**{**_fields(CONTEXT), "options": ResponsesOptions(encrypted_reasoning=True)})
    included = render_body(script('turns: [{reasoning: "Hmm.", text: "Hi"}]'), asked)
    assert "encrypted_content" not in plain["output"][0]
    assert included["output"][0]["encrypted_content"]


def test_body_is_the_response_the_terminal_event_carries() -> None:
    _, last = events(AGENT)[-1]
    assert render_body(script(AGENT), CONTEXT) == last["response"]


def test_echoed_settings_appear_in_every_lifecycle_response() -> None:
    echo = {"instructions": "Be brief.", "tools": [], "tool_choice": "required", "parallel_tool_calls": False}
    ctx = RenderContext(**{**_fields(CONTEXT), "echo": echo})
    for _, data in events('turns: ["Hi"]', ctx):
        if "response" in data:
            assert {key: data["response"][key] for key in echo} == echo


def test_previous_response_id_is_filled_per_request_without_a_render() -> None:
    loaded = scenario('turns: ["Hi"]')
    stream = compile_stream(DIALECT, loaded.turns[0], compile_turn(loaded, 0), ResponsesOptions())
    fill = Filler(nonce="abc", model="m", created=1, input_tokens=2, total_tokens=3, extra="resp_earlier")
    first = fill(stream.frames[0]).decode()
    data = json.loads(first.split("data: ", 1)[1])
    assert data["response"]["previous_response_id"] == "resp_earlier"
    assert data["response"]["id"] == "resp_abc"
    unchained = Filler(nonce="abc", model="m", created=1, input_tokens=2, total_tokens=3)
    assert (
        json.loads(unchained(stream.frames[0]).decode().split("data: ", 1)[1])["response"]["previous_response_id"]
        is None
    )


def _fields(ctx: RenderContext) -> dict[str, object]:
    return {name: getattr(ctx, name) for name in ("nonce", "model", "created", "usage", "options", "extra")}


def test_delta_events_carry_obfuscation_padding_unless_turned_off() -> None:
    deltas = [d for _, d in events(AGENT) if d["type"].endswith(".delta")]
    assert all(isinstance(d["obfuscation"], str) and d["obfuscation"] for d in deltas)
    quiet = RenderContext(**{**_fields(CONTEXT), "options": ResponsesOptions(obfuscation=False)})
    assert not any("obfuscation" in d for _, d in events(AGENT, quiet))
