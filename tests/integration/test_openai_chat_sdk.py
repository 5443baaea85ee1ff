"""The official openai SDK, in strict mode, against a real socket: it must not tell us from the API."""

from __future__ import annotations

import json

import openai
import pytest

from tests.conftest import Clients, ServeFn

AGENT = """
turns:
  - reasoning: "The user wants the weather, so call the tool."
    tool_calls:
      - name: get_weather
        arguments: {city: Tokyo, unit: celsius}
  - text: "It is 21 °C and sunny in Tokyo."
"""

PARALLEL = """
turns:
  - tool_calls:
      - {name: get_weather, arguments: {city: Paris}}
      - {name: get_time, arguments: {tz: CET}}
"""


USER = [{"role": "user", "content": "What is the weather in Tokyo?"}]


def test_stream_deltas_concatenate_to_the_scenario_text(serve: ServeFn, clients: Clients) -> None:
    server = serve('turns: ["Hello there, how are you doing today?"]')
    chunks = list(clients.openai(server).chat.completions.create(model="gpt-4o", messages=USER, stream=True))
    pieces = [c.choices[0].delta.content for c in chunks if c.choices and c.choices[0].delta.content]
    assert "".join(pieces) == "Hello there, how are you doing today?"
    assert len(pieces) > 1
    assert chunks[-1].choices[0].finish_reason == "stop"


def test_stream_helper_returns_reasoning_and_tool_call(serve: ServeFn, clients: Clients) -> None:
    server = serve(AGENT)
    with clients.openai(server).chat.completions.stream(model="gpt-4o", messages=USER) as stream:
        completion = stream.get_final_completion()
    choice = completion.choices[0]
    assert choice.finish_reason == "tool_calls"
    assert choice.message.reasoning_content == "The user wants the weather, so call the tool."  # type: ignore[attr-defined]
    (call,) = choice.message.tool_calls or []
    assert call.function.name == "get_weather"
    assert json.loads(call.function.arguments) == {"city": "Tokyo", "unit": "celsius"}


def test_two_parallel_tool_calls_keep_their_indexes(serve: ServeFn, clients: Clients) -> None:
    server = serve(PARALLEL)
    with clients.openai(server).chat.completions.stream(model="gpt-4o", messages=USER) as stream:
        completion = stream.get_final_completion()
    calls = completion.choices[0].message.tool_calls or []
    assert [(c.function.name, json.loads(c.function.arguments)) for c in calls] == [
        ("get_weather", {"city": "Paris"}),
        ("get_time", {"tz": "CET"}),
    ]
    assert len({c.id for c in calls}) == 2


def test_non_streaming_returns_the_same_message(serve: ServeFn, clients: Clients) -> None:
    server = serve(AGENT)
    completion = clients.openai(server).chat.completions.create(model="gpt-4o", messages=USER)
    message = completion.choices[0].message
    assert completion.choices[0].finish_reason == "tool_calls"
    assert message.content is None
    assert [json.loads(c.function.arguments) for c in message.tool_calls or []] == [
        {"city": "Tokyo", "unit": "celsius"}
    ]
    assert completion.usage is not None
    assert completion.usage.completion_tokens_details is not None
    assert completion.usage.completion_tokens_details.reasoning_tokens > 0


def test_agent_loop_gets_turn_zero_then_turn_one(serve: ServeFn, clients: Clients) -> None:
    server = serve(AGENT)
    sdk = clients.openai(server)
    first = sdk.chat.completions.create(model="gpt-4o", messages=USER)
    call = (first.choices[0].message.tool_calls or [])[0]
    history = [
        *USER,
        first.choices[0].message.model_dump(exclude_none=True, exclude={"reasoning_content"}),
        {"role": "tool", "tool_call_id": call.id, "content": '{"temp": 21}'},
    ]
    second = sdk.chat.completions.create(model="gpt-4o", messages=history)  # type: ignore[arg-type]
    assert second.choices[0].message.content == "It is 21 °C and sunny in Tokyo."
    assert [c.turn for c in server.journal.calls()] == [0, 1]


def test_usage_chunk_arrives_last_when_asked_for(serve: ServeFn, clients: Clients) -> None:
    server = serve('turns: ["Four words right here."]')
    chunks = list(
        clients.openai(server).chat.completions.create(
            model="gpt-4o", messages=USER, stream=True, stream_options={"include_usage": True}
        )
    )
    assert all(c.usage is None for c in chunks[:-1])
    assert chunks[-1].choices == []
    assert chunks[-1].usage is not None
    assert chunks[-1].usage.completion_tokens == 5


@pytest.mark.parametrize(
    ("body", "param"),
    [
        ({"messages": USER}, "model"),
        ({"model": 5, "messages": USER}, "model"),
        ({"model": "m"}, "messages"),
        ({"model": "m", "messages": "hi"}, "messages"),
        ({"model": "m", "messages": USER, "n": 3}, "n"),
    ],
)
def test_malformed_request_gets_a_400_naming_the_field(
    serve: ServeFn, clients: Clients, body: dict[str, object], param: str
) -> None:
    server = serve('turns: ["hi"]')
    with pytest.raises(openai.BadRequestError) as caught:
        clients.openai(server).post("/chat/completions", body=body, cast_to=object)
    assert caught.value.status_code == 400
    assert caught.value.param == param


def test_unknown_scenario_is_a_404_listing_the_available_ones(serve: ServeFn, clients: Clients) -> None:
    server = serve(greeting='turns: ["hi"]')
    with pytest.raises(openai.NotFoundError) as caught:
        clients.openai(server).chat.completions.create(model="nope", messages=USER)
    assert "greeting" in caught.value.message


def test_a_refusal_streams_as_refusal_not_content(serve: ServeFn, clients: Clients) -> None:
    server = serve('turns: [{text: "I can\'t help with that.", stop: refusal}]')
    with clients.openai(server).chat.completions.stream(model="gpt-4o", messages=USER) as stream:
        kinds = {event.type for event in stream}
        completion = stream.get_final_completion()
    message = completion.choices[0].message
    assert message.refusal == "I can't help with that."
    assert message.content is None
    assert {"refusal.delta", "refusal.done"} <= kinds
    assert "content.delta" not in kinds


def test_usage_given_by_the_turn_is_reported_as_is(serve: ServeFn, clients: Clients) -> None:
    server = serve('turns: [{text: "hi", usage: {input_tokens: 1200, output_tokens: 7, cached_tokens: 1000}}]')
    usage = clients.openai(server).chat.completions.create(model="m", messages=USER).usage
    assert usage is not None
    assert (usage.prompt_tokens, usage.completion_tokens, usage.total_tokens) == (1200, 7, 1207)
    assert usage.prompt_tokens_details is not None
    assert usage.prompt_tokens_details.cached_tokens == 1000


def test_input_tokens_grow_with_the_request(serve: ServeFn, clients: Clients) -> None:
    server = serve('turns: ["hi"]')
    sdk = clients.openai(server)
    short = sdk.chat.completions.create(model="m", messages=[{"role": "user", "content": "hi"}]).usage
    long = sdk.chat.completions.create(model="m", messages=[{"role": "user", "content": "word " * 400}]).usage
    assert short is not None
    assert long is not None
    assert long.prompt_tokens > short.prompt_tokens + 400


def test_a_length_stop_makes_the_stream_helper_raise_as_the_api_does(serve: ServeFn, clients: Clients) -> None:
    server = serve('turns: [{text: "This answer was cut", stop: length}]')
    with clients.openai(server).chat.completions.stream(model="m", messages=USER) as stream:
        text = "".join(e.delta for e in stream if e.type == "content.delta")
        with pytest.raises(openai.LengthFinishReasonError):
            stream.get_final_completion()
    assert text == "This answer was cut"
