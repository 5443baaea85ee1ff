"""Anthropic Messages on the wire, read as raw bytes: event order, `event:` lines, pings and headers."""

from __future__ import annotations

import json
from typing import Any

import httpx

from mockserver import MockServer
from tests.conftest import ServeFn, scenario

HEADERS = {"x-api-key": "test-key", "anthropic-version": "2023-06-01"}
REQUEST: dict[str, Any] = {
    "model": "claude-mock-1",
    "max_tokens": 64,
    "stream": True,
    "messages": [{"role": "user", "content": "Hi"}],
}


def post(server: MockServer, path: str = "/v1/messages", body: Any = REQUEST, **options: Any) -> httpx.Response:
    return httpx.post(f"{server.url}{path}", json=body, headers=options.pop("headers", HEADERS), **options)


def event_names(raw: str) -> list[str]:
    return [line.removeprefix("event: ") for line in raw.splitlines() if line.startswith("event: ")]


def test_text_stream_bytes_match_the_recorded_shape(serve: ServeFn) -> None:
    response = post(serve('turns: ["Hello there!"]'))
    nonce = response.headers["request-id"].removeprefix("req_")
    usage = (
        '"usage":{"input_tokens":4,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,'
        '"cache_creation":{"ephemeral_5m_input_tokens":0,"ephemeral_1h_input_tokens":0},'
        '"output_tokens":1,"service_tier":"standard"}'
    )
    start = (
        f'{{"type":"message_start","message":{{"id":"msg_{nonce}","type":"message","role":"assistant",'
        f'"model":"claude-mock-1","content":[],"stop_reason":null,"stop_sequence":null,"stop_details":null,{usage}}}}}'
    )
    delta = '{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"%s"}}'
    expected = [
        ("message_start", start),
        ("content_block_start", '{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}'),
        ("ping", '{"type": "ping"}'),
        ("content_block_delta", delta % "Hello"),
        ("content_block_delta", delta % " there"),
        ("content_block_delta", delta % "!"),
        ("content_block_stop", '{"type":"content_block_stop","index":0}'),
        (
            "message_delta",
            '{"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null,"stop_details":null},'
            '"usage":{"input_tokens":4,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":3}}',
        ),
        ("message_stop", '{"type":"message_stop"}'),
    ]
    assert response.text == "".join(f"event: {name}\ndata: {data}\n\n" for name, data in expected)


def test_stream_headers_are_the_apis(serve: ServeFn) -> None:
    response = post(serve('turns: ["hi"]'))
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/event-stream; charset=utf-8"
    assert response.headers["request-id"].startswith("req_")
    assert response.headers["cache-control"] == "no-cache"


def test_tool_turn_names_every_event_and_ends_without_done(serve: ServeFn) -> None:
    server = serve("turns: [{reasoning: think, tool_calls: [{name: f, arguments: {a: 1}}, {name: g, arguments: {}}]}]")
    raw = post(server).text
    events = [block.split("\n") for block in raw.strip("\n").split("\n\n")]
    assert all(e[0].removeprefix("event: ") == json.loads(e[1].removeprefix("data: "))["type"] for e in events)
    names = event_names(raw)
    assert names[:3] == ["message_start", "content_block_start", "ping"]
    assert names.count("content_block_start") == names.count("content_block_stop") == 3
    assert names[-2:] == ["message_delta", "message_stop"]
    assert "[DONE]" not in raw


def test_long_pause_is_filled_with_ping_events() -> None:
    paused = scenario("turns: [{steps: [{text: before}, {pause: 12s}, {text: after}]}]")
    with MockServer({"default": paused}, speed=40) as server:
        raw = post(server).text
    names = event_names(raw)
    # One ping after the first block starts, then one per 5 s of the 12 s silence.
    assert names.count("ping") == 3
    first_text = names.index("content_block_delta")
    assert names[first_text + 1 : first_text + 3] == ["ping", "ping"]


def test_a_turns_own_keepalive_interval_wins_over_the_default() -> None:
    paused = scenario("turns: [{keepalive: 1s, steps: [{text: before}, {pause: 3.5s}, {text: after}]}]")
    with MockServer({"default": paused}, speed=40) as server:
        names = event_names(post(server).text)
    assert names.count("ping") == 4


def test_a_day_long_pause_pinged_every_millisecond_leaves_the_server_free(serve: ServeFn) -> None:
    server = serve("turns: [{keepalive: 1ms, steps: [{text: before}, {pause: 86400}, {text: after}]}]")
    with httpx.stream("POST", f"{server.url}/v1/messages", json=REQUEST, headers=HEADERS, timeout=10) as paused:
        pings = 0
        for line in paused.iter_lines():
            pings += line == "event: ping"
            if pings == 5:
                break
        # Were the pings built ahead, this request would wait on tens of millions of them.
        counted = post(server, "/v1/messages/count_tokens", body={"model": "m", "messages": REQUEST["messages"]})
        assert counted.status_code == 200
    assert pings == 5


def test_short_stream_gets_only_the_first_ping(serve: ServeFn) -> None:
    assert event_names(post(serve("turns: ['quick answer']")).text).count("ping") == 1


def test_non_streaming_body_is_json_with_the_request_id_header(serve: ServeFn) -> None:
    response = post(serve('turns: ["hi"]'), body={**REQUEST, "stream": False})
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert body["id"] == "msg_" + response.headers["request-id"].removeprefix("req_")
    assert body["content"] == [{"type": "text", "text": "hi"}]


def test_count_tokens_and_messages_answer_under_a_namespace(serve: ServeFn) -> None:
    server = serve('turns: ["hi"]')
    counted = post(server, "/_ns/alpha/v1/messages/count_tokens", body={"model": "m", "messages": REQUEST["messages"]})
    streamed = post(server, "/_ns/alpha/v1/messages")
    assert counted.json() == {"input_tokens": 4}
    assert streamed.status_code == 200
    assert [c.namespace for c in server.journal.calls()] == ["alpha", "alpha"]


def test_error_body_repeats_the_request_id_header(serve: ServeFn) -> None:
    response = post(serve('turns: ["hi"]'), body={"model": "m", "messages": REQUEST["messages"]})
    assert response.status_code == 400
    assert response.json() == {
        "type": "error",
        "error": {"type": "invalid_request_error", "message": "max_tokens: Field required"},
        "request_id": response.headers["request-id"],
    }


def test_request_without_credentials_is_refused_with_401(serve: ServeFn) -> None:
    response = post(serve('turns: ["hi"]'), headers={"anthropic-version": "2023-06-01"})
    assert response.status_code == 401
    assert response.json()["error"]["type"] == "authentication_error"


def test_get_on_messages_is_refused_in_the_anthropic_shape(serve: ServeFn) -> None:
    response = httpx.get(f"{serve('turns: [hi]').url}/v1/messages", headers=HEADERS)
    assert response.status_code == 405
    assert response.json()["type"] == "error"
    assert response.json()["error"]["type"] == "invalid_request_error"
