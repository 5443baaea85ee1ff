"""The official anthropic SDK, in strict mode, against a real socket: it must not tell us from the API."""

from __future__ import annotations

from typing import Any

import anthropic
import pytest

from tests.conftest import Clients, ServeFn

AGENT = """
turns:
  - reasoning: "The user wants the weather in two places, so call both tools."
    text: "Checking both."
    tool_calls:
      - {name: get_weather, arguments: {city: Paris, unit: celsius}}
      - {name: get_time, arguments: {tz: CET}}
  - text: "It is 21 °C and sunny in Paris, and 14:00 there."
"""

USER: list[Any] = [{"role": "user", "content": "What is the weather in Paris, and the time?"}]
MODEL = "claude-mock-1"


def test_stream_helper_returns_thinking_text_and_parallel_tool_calls(serve: ServeFn, clients: Clients) -> None:
    server = serve(AGENT)
    with clients.anthropic(server).messages.stream(model=MODEL, max_tokens=1024, messages=USER) as stream:
        message = stream.get_final_message()
    thinking, text, weather, time = message.content
    assert thinking.type == "thinking"
    assert thinking.thinking == "The user wants the weather in two places, so call both tools."
    assert thinking.signature
    assert text.type == "text"
    assert text.text == "Checking both."
    assert weather.type == "tool_use"
    assert time.type == "tool_use"
    assert (weather.name, weather.input) == ("get_weather", {"city": "Paris", "unit": "celsius"})
    assert (time.name, time.input) == ("get_time", {"tz": "CET"})
    assert weather.id.startswith("toolu_")
    assert weather.id != time.id
    assert message.stop_reason == "tool_use"
    assert message.id.startswith("msg_")


def test_text_stream_yields_the_text_in_more_than_one_piece(serve: ServeFn, clients: Clients) -> None:
    server = serve('turns: ["Hello there, how are you doing today?"]')
    with clients.anthropic(server).messages.stream(model=MODEL, max_tokens=64, messages=USER) as stream:
        pieces = list(stream.text_stream)
    assert len(pieces) > 1
    assert "".join(pieces) == "Hello there, how are you doing today?"


def test_non_streaming_create_returns_the_same_message(serve: ServeFn, clients: Clients) -> None:
    server = serve(AGENT)
    sdk = clients.anthropic(server)
    with sdk.messages.stream(model=MODEL, max_tokens=1024, messages=USER) as stream:
        streamed = stream.get_final_message()
    created = sdk.messages.create(model=MODEL, max_tokens=1024, messages=USER, stream=False)
    ids = {"id": True, "content": {2: {"id"}, 3: {"id"}}}
    assert created.model_dump(exclude=ids) == streamed.model_dump(exclude=ids)  # type: ignore[arg-type]
    assert created.id.startswith("msg_")


def test_two_request_tool_loop_gets_turn_zero_then_turn_one(serve: ServeFn, clients: Clients) -> None:
    server = serve(AGENT)
    sdk = clients.anthropic(server)
    first = sdk.messages.create(model=MODEL, max_tokens=1024, messages=USER)
    results = [
        {"type": "tool_result", "tool_use_id": block.id, "content": "ok"}
        for block in first.content
        if block.type == "tool_use"
    ]
    history = [*USER, {"role": "assistant", "content": first.content}, {"role": "user", "content": results}]
    second = sdk.messages.create(model=MODEL, max_tokens=1024, messages=history)
    assert second.content[0].type == "text"
    assert second.content[0].text == "It is 21 °C and sunny in Paris, and 14:00 there."
    assert second.stop_reason == "end_turn"
    assert [c.turn for c in server.journal.calls()] == [0, 1]


def test_count_tokens_matches_the_usage_a_message_reports(serve: ServeFn, clients: Clients) -> None:
    server = serve('turns: ["hi"]')
    sdk = clients.anthropic(server)
    system = "You are terse."
    counted = sdk.messages.count_tokens(model=MODEL, system=system, messages=USER)
    message = sdk.messages.create(model=MODEL, max_tokens=16, system=system, messages=USER)
    assert counted.input_tokens == message.usage.input_tokens > 0


def test_usage_reports_the_cache_tokens_the_scenario_sets(serve: ServeFn, clients: Clients) -> None:
    server = serve("turns: [{text: hi, usage: {cached_tokens: 120, cache_creation_tokens: 30}}]")
    with clients.anthropic(server).messages.stream(model=MODEL, max_tokens=16, messages=USER) as stream:
        usage = stream.get_final_message().usage
    assert (usage.cache_read_input_tokens, usage.cache_creation_input_tokens) == (120, 30)


def test_stop_sequence_reaches_the_final_message(serve: ServeFn, clients: Clients) -> None:
    server = serve("turns: [{text: 'one two', stop: stop_sequence, stop_sequence: '###'}]")
    with clients.anthropic(server).messages.stream(
        model=MODEL, max_tokens=16, messages=USER, stop_sequences=["###"]
    ) as stream:
        message = stream.get_final_message()
    assert (message.stop_reason, message.stop_sequence) == ("stop_sequence", "###")


def test_redacted_reasoning_arrives_as_a_redacted_thinking_block(serve: ServeFn, clients: Clients) -> None:
    server = serve('turns: [{reasoning: "hidden", redacted_reasoning: true, text: "Done."}]')
    with clients.anthropic(server).messages.stream(model=MODEL, max_tokens=64, messages=USER) as stream:
        redacted, text = stream.get_final_message().content
    assert redacted.type == "redacted_thinking"
    assert redacted.data
    assert text.type == "text"


def test_request_id_header_reaches_the_message(serve: ServeFn, clients: Clients) -> None:
    server = serve('turns: ["hi"]')
    message = clients.anthropic(server).messages.create(model=MODEL, max_tokens=16, messages=USER)
    assert message._request_id is not None
    assert message._request_id.startswith("req_")


def test_mid_stream_overloaded_error_raises_with_its_type(serve: ServeFn, clients: Clients) -> None:
    server = serve("turns: [{steps: [{text: 'Partial answer'}, {fault: {error: overloaded}}]}]")
    texts: list[str] = []
    with (
        pytest.raises(anthropic.APIStatusError) as caught,
        clients.anthropic(server).messages.stream(model=MODEL, max_tokens=64, messages=USER) as stream,
    ):
        texts.extend(stream.text_stream)
    assert "".join(texts) == "Partial answer"
    assert caught.value.type == "overloaded_error"
    assert caught.value.status_code == 200


def test_models_list_answers_in_the_anthropic_shape(serve: ServeFn, clients: Clients) -> None:
    server = serve(greeting='turns: ["hi"]', agent=AGENT)
    models = list(clients.anthropic(server).models.list())
    assert [m.id for m in models] == ["agent", "greeting"]
    assert all(m.type == "model" for m in models)


def test_authorization_bearer_and_x_api_key_are_both_accepted(serve: ServeFn, clients: Clients) -> None:
    server = serve('turns: ["hi"]')
    bearer = clients.anthropic(server)
    keyed = clients.anthropic(server, default_headers={"Authorization": anthropic.Omit(), "x-api-key": "k"})
    for sdk in (bearer, keyed):
        assert sdk.messages.create(model=MODEL, max_tokens=16, messages=USER).content[0].type == "text"
    sent = [c.headers for c in server.journal.calls()]
    assert sent[0]["authorization"] == "Bearer [redacted]"
    assert "authorization" not in sent[1]
    assert sent[1]["x-api-key"] == "[redacted]"


# --- bad input: the status and the exception class the SDK surfaces -------------------------------


def post(sdk: anthropic.Anthropic, path: str = "/v1/messages", **request: Any) -> object:
    return sdk.post(path, cast_to=object, **request)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"model": MODEL, "messages": USER}, "max_tokens"),
        ({"model": MODEL, "max_tokens": "lots", "messages": USER}, "max_tokens"),
        ({"model": MODEL, "max_tokens": 0, "messages": USER}, "max_tokens"),
        ({"max_tokens": 16, "messages": USER}, "model"),
        ({"model": MODEL, "max_tokens": 16}, "messages"),
        ({"model": MODEL, "max_tokens": 16, "messages": {"role": "user"}}, "messages"),
        ({"model": MODEL, "max_tokens": 16, "messages": [{"role": "tool", "content": "x"}]}, "messages.0.role"),
        ({"model": MODEL, "max_tokens": 16, "messages": [{"role": "user", "content": 7}]}, "messages.0.content"),
    ],
)
def test_malformed_request_is_a_bad_request_naming_the_field(
    serve: ServeFn, clients: Clients, body: dict[str, Any], field: str
) -> None:
    server = serve('turns: ["hi"]')
    with pytest.raises(anthropic.BadRequestError) as caught:
        post(clients.anthropic(server), body=body)
    assert caught.value.status_code == 400
    assert caught.value.type == "invalid_request_error"
    assert str(caught.value.api_message).startswith(f"{field}:")


def test_invalid_json_is_a_bad_request(serve: ServeFn, clients: Clients) -> None:
    server = serve('turns: ["hi"]')
    with pytest.raises(anthropic.BadRequestError) as caught:
        post(clients.anthropic(server), content=b'{"model": "m", "max_tokens": ')
    assert caught.value.status_code == 400
    assert caught.value.type == "invalid_request_error"
    assert caught.value.request_id is not None


def test_missing_credentials_are_an_authentication_error(serve: ServeFn, clients: Clients) -> None:
    server = serve('turns: ["hi"]')
    sdk = clients.anthropic(server, default_headers={"Authorization": anthropic.Omit()})
    with pytest.raises(anthropic.AuthenticationError) as caught:
        sdk.messages.create(model=MODEL, max_tokens=16, messages=USER)
    assert caught.value.status_code == 401
    assert caught.value.type == "authentication_error"


def test_unknown_scenario_is_a_not_found_error(serve: ServeFn, clients: Clients) -> None:
    server = serve(greeting='turns: ["hi"]')
    with pytest.raises(anthropic.NotFoundError) as caught:
        clients.anthropic(server).messages.create(model="nope", max_tokens=16, messages=USER)
    assert caught.value.status_code == 404
    assert caught.value.type == "not_found_error"
    assert "greeting" in str(caught.value.api_message)


def test_oversized_body_is_a_request_too_large_error(
    serve: ServeFn, clients: Clients, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = serve('turns: ["hi"]')
    monkeypatch.setattr("mockserver.endpoint.MAX_BODY", 2048)
    big: list[Any] = [{"role": "user", "content": "x" * 4096}]
    with pytest.raises(anthropic.RequestTooLargeError) as caught:
        clients.anthropic(server).messages.create(model=MODEL, max_tokens=16, messages=big)
    assert caught.value.status_code == 413
    # The API documents this type for 413; the SDK's ErrorType literal does not list it yet.
    assert str(caught.value.type) == "request_too_large"


def test_count_tokens_validates_like_messages(serve: ServeFn, clients: Clients) -> None:
    server = serve('turns: ["hi"]')
    with pytest.raises(anthropic.BadRequestError) as caught:
        clients.anthropic(server).messages.count_tokens(model=MODEL, messages=[])
    assert str(caught.value.api_message).startswith("messages:")
