"""Anthropic Messages rendering, pure: a neutral script in, named SSE frames and message bodies out."""

from __future__ import annotations

import json
from typing import Any

import pytest

from mockserver.dialects.anthropic_messages import (
    DIALECT,
    check_headers,
    count_tokens,
    parse_request,
    render_body,
    render_error,
    render_stream,
)
from mockserver.dialects.base import RenderContext, TokenUsage
from mockserver.errors import RequestError
from mockserver.events import Script
from tests.conftest import script

AGENT = """
turns:
  - reasoning: "Need the weather."
    text: "Checking both."
    tool_calls:
      - {name: get_weather, arguments: {city: Paris}}
      - {name: get_time, arguments: {tz: CET}, id: toolu_given}
"""

USER = [{"role": "user", "content": "What is the weather?"}]


def context(*, output_tokens: int = 9, cached: int = 0, created: int = 0) -> RenderContext:
    usage = TokenUsage(
        input_tokens=42,
        output_tokens=output_tokens,
        total_tokens=42 + output_tokens,
        cached_tokens=cached,
        cache_creation_tokens=created,
    )
    return RenderContext(nonce="N0NCE", model="claude-test", created=1, usage=usage)


def events(compiled: Script, ctx: RenderContext | None = None) -> list[tuple[str, dict[str, Any]]]:
    """The stream as (event name, parsed data) pairs, in wire order."""
    frames = [f for group in render_stream(compiled, ctx or context()) for f in group]
    return [(f.event or "", json.loads(f.data)) for f in frames]


def body_of(compiled: Script, ctx: RenderContext | None = None) -> Any:
    """The non-streaming message, as the client parses it."""
    return json.loads(json.dumps(render_body(compiled, ctx or context())))


def error_of(error: RequestError) -> Any:
    return json.loads(json.dumps(render_error(error)))


def deltas(stream: list[tuple[str, dict[str, Any]]], kind: str) -> list[dict[str, Any]]:
    return [d["delta"] for name, d in stream if name == "content_block_delta" and d["delta"]["type"] == kind]


def test_every_frame_names_its_event_as_the_json_type() -> None:
    stream = events(script(AGENT))
    assert stream
    assert all(name == data["type"] for name, data in stream)


def test_plain_text_stream_has_the_recorded_event_order() -> None:
    stream = events(script('turns: ["Hello there!"]'))
    assert [name for name, _ in stream] == [
        "message_start",
        "content_block_start",
        "ping",
        "content_block_delta",
        "content_block_delta",
        "content_block_delta",
        "content_block_stop",
        "message_delta",
        "message_stop",
    ]


def test_one_ping_follows_the_first_content_block_start() -> None:
    names = [name for name, _ in events(script(AGENT))]
    assert names.count("ping") == 1
    assert names.index("ping") == names.index("content_block_start") + 1


def test_block_indexes_run_from_zero_in_arrival_order() -> None:
    stream = events(script(AGENT))
    starts = [(d["index"], d["content_block"]["type"]) for name, d in stream if name == "content_block_start"]
    stops = [d["index"] for name, d in stream if name == "content_block_stop"]
    assert starts == [(0, "thinking"), (1, "text"), (2, "tool_use"), (3, "tool_use")]
    assert stops == [0, 1, 2, 3]


def test_each_block_stops_before_the_next_starts() -> None:
    open_blocks: list[int] = []
    for name, data in events(script(AGENT)):
        if name == "content_block_start":
            assert open_blocks == []
            open_blocks.append(data["index"])
        elif name == "content_block_delta":
            assert open_blocks == [data["index"]]
        elif name == "content_block_stop":
            assert open_blocks.pop() == data["index"]


def test_thinking_arrives_as_thinking_deltas_then_one_signature_before_the_stop() -> None:
    compiled = script(AGENT)
    stream = events(compiled)
    thinking = [(name, d) for name, d in stream if d.get("index") == 0]
    assert thinking[0][1]["content_block"] == {"type": "thinking", "thinking": "", "signature": ""}
    assert "".join(d["thinking"] for d in deltas(thinking, "thinking_delta")) == "Need the weather."
    (signature,) = deltas(thinking, "signature_delta")
    assert signature["signature"]
    assert [name for name, _ in thinking[-2:]] == ["content_block_delta", "content_block_stop"]
    assert thinking[-2][1]["delta"]["type"] == "signature_delta"


def test_redacted_reasoning_becomes_a_redacted_thinking_block_with_no_deltas() -> None:
    stream = events(script('turns: [{reasoning: "secret plan", redacted_reasoning: true, text: "Hi"}]'))
    first = [(name, d) for name, d in stream if d.get("index") == 0]
    assert [name for name, _ in first] == ["content_block_start", "content_block_stop"]
    block = first[0][1]["content_block"]
    assert block["type"] == "redacted_thinking"
    assert block["data"]
    assert "secret" not in json.dumps(stream)


def test_tool_input_arrives_as_input_json_delta_fragments() -> None:
    stream = events(script('turns: [{tool_calls: [{name: f, arguments: {city: "Paris", days: [1, 2]}}]}]'))
    (start,) = [d for name, d in stream if name == "content_block_start"]
    assert start["content_block"]["input"] == {}
    fragments = [d["partial_json"] for d in deltas(stream, "input_json_delta")]
    assert fragments[0] == ""
    assert len(fragments) > 2
    assert json.loads("".join(fragments)) == {"city": "Paris", "days": [1, 2]}


def test_tool_use_ids_come_from_the_nonce_unless_the_scenario_names_one() -> None:
    stream = events(script(AGENT))
    ids = [d["content_block"]["id"] for name, d in stream if d.get("content_block", {}).get("type") == "tool_use"]
    assert ids == ["toolu_N0NCE00", "toolu_given"]


def test_message_start_opens_an_empty_assistant_message_with_input_usage() -> None:
    compiled = script("turns: [{text: hi, usage: {cached_tokens: 7, cache_creation_tokens: 3}}]")
    _, start = events(compiled, context(cached=7, created=3))[0]
    message = start["message"]
    assert message["id"] == "msg_N0NCE"
    assert (message["role"], message["model"], message["content"]) == ("assistant", "claude-test", [])
    assert message["stop_reason"] is None
    assert message["usage"]["input_tokens"] == 42
    assert message["usage"]["cache_read_input_tokens"] == 7
    assert message["usage"]["cache_creation_input_tokens"] == 3
    assert message["usage"]["output_tokens"] == 1


def test_cache_token_fields_are_zero_unless_the_scenario_sets_them() -> None:
    usage = events(script('turns: ["hi"]'))[0][1]["message"]["usage"]
    assert usage["cache_read_input_tokens"] == 0
    assert usage["cache_creation_input_tokens"] == 0


def test_message_delta_carries_the_output_tokens_and_message_stop_ends_the_stream() -> None:
    stream = events(script('turns: ["hi"]'), context(output_tokens=17))
    (name, delta), (last, _) = stream[-2:]
    assert (name, last) == ("message_delta", "message_stop")
    assert delta["usage"]["output_tokens"] == 17
    assert delta["usage"]["input_tokens"] == 42


def test_no_done_sentinel_is_sent() -> None:
    frames = [f for group in render_stream(script(AGENT), context()) for f in group]
    assert all(f.data != "[DONE]" and f.event is not None for f in frames)


@pytest.mark.parametrize(
    ("stop", "reason"),
    [
        ("end", "end_turn"),
        ("tool_calls", "tool_use"),
        ("length", "max_tokens"),
        ("refusal", "refusal"),
        ("content_filter", "refusal"),
    ],
)
def test_stop_reasons_use_the_anthropic_vocabulary(stop: str, reason: str) -> None:
    compiled = script(f"turns: [{{text: hi, stop: {stop}}}]")
    delta = events(compiled)[-2][1]["delta"]
    assert (delta["stop_reason"], delta["stop_sequence"]) == (reason, None)
    assert body_of(compiled)["stop_reason"] == reason


def test_stop_sequence_names_the_sequence_in_stream_and_body() -> None:
    compiled = script("turns: [{text: 'The end', stop: stop_sequence, stop_sequence: '###'}]")
    delta = events(compiled)[-2][1]["delta"]
    body = body_of(compiled)
    assert (delta["stop_reason"], delta["stop_sequence"]) == ("stop_sequence", "###")
    assert (body["stop_reason"], body["stop_sequence"]) == ("stop_sequence", "###")


def test_refusal_carries_refusal_stop_details() -> None:
    delta = events(script("turns: [{text: 'I cannot help.', stop: refusal}]"))[-2][1]["delta"]
    assert delta["stop_details"]["type"] == "refusal"


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("overloaded", "overloaded_error"),
        ("rate_limit", "rate_limit_error"),
        ("api_error", "api_error"),
        ("billing_error", "billing_error"),
    ],
)
def test_stream_error_is_an_error_event_with_the_anthropic_type(name: str, kind: str) -> None:
    compiled = script(f"turns: [{{steps: [{{text: partial}}, {{fault: {{error: {name}}}}}]}}]")
    last_name, last = events(compiled)[-1]
    assert last_name == "error"
    assert last["error"]["type"] == kind
    assert last["error"]["message"]
    assert last["request_id"] == "req_N0NCE"


def test_overloaded_stream_error_reads_as_the_api_sends_it() -> None:
    compiled = script("turns: [{steps: [{text: partial}, {fault: {error: overloaded}}]}]")
    error = events(compiled)[-1][1]["error"]
    assert error == {"type": "overloaded_error", "message": "Overloaded"}


def test_pauses_and_transport_faults_render_no_frames() -> None:
    compiled = script("turns: [{steps: [{text: a}, {pause: 1s}, {fault: disconnect}, {text: b}]}]")
    rendered = render_stream(compiled, context())
    assert len(rendered) == len(compiled.events)
    kinds = [type(e).__name__ for e, frames in zip(compiled.events, rendered, strict=True) if not frames]
    assert kinds == ["Wait", "FaultPoint"]


def test_body_is_the_message_the_stream_assembles() -> None:
    compiled = script(AGENT)
    body = body_of(compiled, context(output_tokens=30))
    thinking, text, weather, time = body["content"]
    signature = deltas(events(compiled), "signature_delta")[0]["signature"]
    assert thinking == {"type": "thinking", "thinking": "Need the weather.", "signature": signature}
    assert text == {"type": "text", "text": "Checking both."}
    assert (weather["id"], weather["name"], weather["input"]) == ("toolu_N0NCE00", "get_weather", {"city": "Paris"})
    assert (time["id"], time["input"]) == ("toolu_given", {"tz": "CET"})
    assert (body["id"], body["type"], body["stop_reason"]) == ("msg_N0NCE", "message", "tool_use")


def test_body_usage_includes_the_cache_fields() -> None:
    body = body_of(script('turns: ["hi"]'), context(output_tokens=5, cached=11, created=2))
    assert body["usage"] == {
        "input_tokens": 42,
        "cache_creation_input_tokens": 2,
        "cache_read_input_tokens": 11,
        "cache_creation": {"ephemeral_5m_input_tokens": 2, "ephemeral_1h_input_tokens": 0},
        "output_tokens": 5,
        "service_tier": "standard",
    }


def test_redacted_reasoning_in_the_body_is_a_redacted_thinking_block() -> None:
    body = body_of(script('turns: [{reasoning: "x", redacted_reasoning: true, text: "Hi"}]'))
    assert [block["type"] for block in body["content"]] == ["redacted_thinking", "text"]


def test_keepalive_is_the_ping_event_with_a_default_interval() -> None:
    assert DIALECT.keepalive is not None
    assert (DIALECT.keepalive.event, json.loads(DIALECT.keepalive.data)) == ("ping", {"type": "ping"})
    assert DIALECT.default_keepalive is not None
    assert DIALECT.default_keepalive > 0


# --- requests ------------------------------------------------------------------------------------


def request(**fields: Any) -> dict[str, Any]:
    return {"model": "claude-test", "max_tokens": 100, "messages": USER, **fields}


def test_assistant_messages_count_the_turns_of_a_tool_loop() -> None:
    history = [
        *USER,
        {"role": "assistant", "content": [{"type": "tool_use", "id": "toolu_1", "name": "f", "input": {}}]},
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_1", "content": "21 C"}]},
    ]
    assert parse_request(request(messages=USER)).assistant_turns == 0
    assert parse_request(request(messages=history)).assistant_turns == 1


def test_a_trailing_assistant_prefill_is_not_a_finished_turn() -> None:
    history = [*USER, {"role": "assistant", "content": "The weather is"}]
    assert parse_request(request(messages=history)).assistant_turns == 0


def test_the_prompt_is_the_last_user_text_not_a_tool_result() -> None:
    history = [
        *USER,
        {"role": "assistant", "content": "calling"},
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "t", "content": "21 C"}]},
    ]
    assert parse_request(request(messages=history)).prompt == "What is the weather?"


def test_stream_flag_is_read_from_the_body() -> None:
    assert parse_request(request(stream=True)).stream is True
    assert parse_request(request()).stream is False


def test_system_prompt_counts_toward_input_tokens_as_string_or_blocks() -> None:
    bare = parse_request(request()).input_tokens
    system = "You are a careful assistant who answers briefly."
    as_string = parse_request(request(system=system)).input_tokens
    as_blocks = parse_request(request(system=[{"type": "text", "text": system}])).input_tokens
    assert as_string == as_blocks > bare


def test_count_tokens_gives_the_estimate_usage_reports() -> None:
    body = request(system="Be brief.", tools=[{"name": "f", "input_schema": {"type": "object"}}])
    assert count_tokens(body) == {"input_tokens": parse_request(body).input_tokens}


def test_count_tokens_needs_no_max_tokens() -> None:
    body = request()
    del body["max_tokens"]
    assert count_tokens(body) == {"input_tokens": parse_request(request()).input_tokens}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"model": "m", "messages": USER}, "max_tokens"),
        (request(max_tokens="100"), "max_tokens"),
        (request(max_tokens=True), "max_tokens"),
        (request(max_tokens=0), "max_tokens"),
        ({"max_tokens": 5, "messages": USER}, "model"),
        (request(model=3), "model"),
        ({"model": "m", "max_tokens": 5}, "messages"),
        (request(messages="hi"), "messages"),
        (request(messages=[]), "messages"),
        (request(messages=["hi"]), "messages.0"),
        (request(messages=[{"role": "system", "content": "x"}]), "messages.0.role"),
        (request(messages=[{"role": "user"}]), "messages.0.content"),
        (request(messages=[{"role": "user", "content": 5}]), "messages.0.content"),
        (request(messages=[{"role": "user", "content": [{"text": "x"}]}]), "messages.0.content.0.type"),
        (request(system=5), "system"),
        (request(system=[{"type": "image"}]), "system.0"),
        (request(stream="yes"), "stream"),
        (request(stop_sequences="###"), "stop_sequences"),
        (request(tools={"name": "f"}), "tools"),
    ],
)
def test_malformed_request_is_an_invalid_request_error_naming_the_field(body: dict[str, Any], field: str) -> None:
    with pytest.raises(RequestError) as caught:
        parse_request(body)
    assert caught.value.status == 400
    assert caught.value.param == field
    assert caught.value.message.startswith(f"{field}: ")
    assert error_of(caught.value)["error"] == {"type": "invalid_request_error", "message": caught.value.message}


@pytest.mark.parametrize(
    ("status", "kind"),
    [
        (400, "invalid_request_error"),
        (401, "authentication_error"),
        (403, "permission_error"),
        (404, "not_found_error"),
        (405, "invalid_request_error"),
        (413, "request_too_large"),
        (429, "rate_limit_error"),
        (500, "api_error"),
        (503, "api_error"),
        (529, "overloaded_error"),
    ],
)
def test_error_type_follows_the_status(status: int, kind: str) -> None:
    body = error_of(RequestError("boom", status=status))
    assert body["type"] == "error"
    assert body["error"] == {"type": kind, "message": "boom"}


@pytest.mark.parametrize(
    ("given", "kind"),
    [("overloaded", "overloaded_error"), ("rate_limit", "rate_limit_error"), ("billing_error", "billing_error")],
)
def test_an_error_type_the_scenario_names_wins_over_the_status(given: str, kind: str) -> None:
    assert error_of(RequestError("x", status=500, kind=given))["error"] == {"type": kind, "message": "x"}


def test_error_body_repeats_the_request_id_once_known() -> None:
    error = RequestError("x")
    assert "request_id" not in error_of(error)
    error.request_id = "req_abc"
    assert error_of(error)["request_id"] == "req_abc"


@pytest.mark.parametrize("headers", [{"x-api-key": "k"}, {"authorization": "Bearer k"}])
def test_either_credential_header_is_accepted(headers: dict[str, str]) -> None:
    check_headers(headers)


def test_a_request_without_credentials_is_an_authentication_error() -> None:
    with pytest.raises(RequestError) as caught:
        check_headers({"anthropic-version": "2023-06-01"})
    assert caught.value.status == 401
    assert error_of(caught.value)["error"]["type"] == "authentication_error"
