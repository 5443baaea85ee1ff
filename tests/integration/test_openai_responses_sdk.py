"""The official openai SDK's Responses client, in strict mode, against a real socket."""

from __future__ import annotations

import json
from typing import Any

import httpx
import openai
import pytest

from tests.conftest import Clients, ServeFn

AGENT = """
turns:
  - reasoning: "The user wants the weather, so call the tools."
    tool_calls:
      - {name: get_weather, arguments: {city: Paris, unit: celsius}}
      - {name: get_time, arguments: {tz: CET}}
  - text: "It is 21 °C and sunny in Paris."
"""
TEXT = "Hello there, how are you doing today?"


def history(response: Any) -> list[Any]:
    """What a stateless client sends back: the output items, then one output per call."""
    items = [item.model_dump(exclude_none=True) for item in response.output]
    outputs = [
        {"type": "function_call_output", "call_id": item.call_id, "output": '{"ok": true}'}
        for item in response.output
        if item.type == "function_call"
    ]
    return [*items, *outputs]


def test_stream_helper_returns_the_scenario_text(serve: ServeFn, clients: Clients) -> None:
    server = serve(f'turns: ["{TEXT}"]')
    with clients.openai(server).responses.stream(model="gpt-5", input="Hi") as stream:
        response = stream.get_final_response()
    assert response.output_text == TEXT
    assert response.status == "completed"


def test_stream_helper_returns_the_reasoning_summary_and_both_calls(serve: ServeFn, clients: Clients) -> None:
    server = serve(AGENT)
    with clients.openai(server).responses.stream(model="gpt-5", input="Weather?") as stream:
        response = stream.get_final_response()
    reasoning, *calls = response.output
    assert reasoning.type == "reasoning"
    assert [part.text for part in reasoning.summary] == ["The user wants the weather, so call the tools."]
    assert [(c.name, json.loads(c.arguments)) for c in calls if c.type == "function_call"] == [
        ("get_weather", {"city": "Paris", "unit": "celsius"}),
        ("get_time", {"tz": "CET"}),
    ]
    assert len({c.call_id for c in calls if c.type == "function_call"}) == 2


def test_raw_events_are_numbered_from_zero_without_a_gap(serve: ServeFn, clients: Clients) -> None:
    server = serve(AGENT)
    events = list(clients.openai(server).responses.create(model="gpt-5", input="Weather?", stream=True))
    assert [e.sequence_number for e in events] == list(range(len(events)))
    assert (events[0].type, events[-1].type) == ("response.created", "response.completed")


def test_non_streaming_answer_has_the_same_output_and_usage(serve: ServeFn, clients: Clients) -> None:
    server = serve(AGENT)
    sdk = clients.openai(server)
    with sdk.responses.stream(model="gpt-5", input="Weather?") as stream:
        streamed = stream.get_final_response()
    created = sdk.responses.create(model="gpt-5", input="Weather?")

    def shape(response: Any) -> list[tuple[str, str]]:
        return [(item.type, getattr(item, "arguments", "")) for item in response.output]

    assert shape(created) == shape(streamed)
    assert created.usage is not None
    assert streamed.usage is not None
    assert created.usage.output_tokens == streamed.usage.output_tokens
    assert created.usage.output_tokens_details.reasoning_tokens > 0


def test_non_streaming_output_text_is_the_scenario_text(serve: ServeFn, clients: Clients) -> None:
    server = serve(f'turns: ["{TEXT}"]')
    assert clients.openai(server).responses.create(model="gpt-5", input="Hi").output_text == TEXT


def test_tool_loop_by_sending_the_items_back(serve: ServeFn, clients: Clients) -> None:
    server = serve(AGENT)
    sdk = clients.openai(server)
    first = sdk.responses.create(model="gpt-5", input="Weather?")
    second = sdk.responses.create(model="gpt-5", input=[{"role": "user", "content": "Weather?"}, *history(first)])
    assert second.output_text == "It is 21 °C and sunny in Paris."
    assert [c.turn for c in server.journal.calls()] == [0, 1]


def test_tool_loop_by_previous_response_id(serve: ServeFn, clients: Clients) -> None:
    server = serve(AGENT)
    sdk = clients.openai(server)
    with sdk.responses.stream(model="gpt-5", input="Weather?") as stream:
        first = stream.get_final_response()
    outputs = history(first)[len(first.output) :]
    second = sdk.responses.create(model="gpt-5", previous_response_id=first.id, input=outputs)
    assert second.output_text == "It is 21 °C and sunny in Paris."
    assert second.previous_response_id == first.id
    assert second.id != first.id


def test_retrieve_returns_what_the_stream_completed_with(serve: ServeFn, clients: Clients) -> None:
    server = serve(AGENT)
    sdk = clients.openai(server)
    with sdk.responses.stream(model="gpt-5", input="Weather?") as stream:
        streamed = stream.get_final_response()
    stored = sdk.responses.retrieve(streamed.id)
    assert stored.id == streamed.id
    assert [item.model_dump(exclude={"parsed_arguments"}) for item in streamed.output] == [
        item.model_dump() for item in stored.output
    ]


def test_retrieve_works_under_a_namespace(serve: ServeFn, clients: Clients) -> None:
    server = serve(f'turns: ["{TEXT}"]')
    sdk = clients.openai(server).with_options(base_url=f"{server.url}/_ns/team-a/v1")
    created = sdk.responses.create(model="gpt-5", input="Hi")
    assert sdk.responses.retrieve(created.id).output_text == TEXT


def test_unknown_previous_response_id_is_a_404_naming_it(serve: ServeFn, clients: Clients) -> None:
    server = serve(f'turns: ["{TEXT}"]')
    with pytest.raises(openai.NotFoundError) as caught:
        clients.openai(server).responses.create(model="gpt-5", input="Hi", previous_response_id="resp_nope")
    assert "resp_nope" in caught.value.message
    assert caught.value.param == "previous_response_id"
    assert caught.value.type == "invalid_request_error"


def test_a_response_not_stored_cannot_be_continued(serve: ServeFn, clients: Clients) -> None:
    server = serve(f'turns: ["{TEXT}"]')
    sdk = clients.openai(server)
    first = sdk.responses.create(model="gpt-5", input="Hi", store=False)
    with pytest.raises(openai.NotFoundError):
        sdk.responses.create(model="gpt-5", input="Again", previous_response_id=first.id)


def test_retrieving_an_unknown_response_is_a_404(serve: ServeFn, clients: Clients) -> None:
    server = serve(f'turns: ["{TEXT}"]')
    with pytest.raises(openai.NotFoundError, match="resp_missing"):
        clients.openai(server).responses.retrieve("resp_missing")


@pytest.mark.parametrize(
    ("body", "param"),
    [
        ({"input": "Hi"}, "model"),
        ({"model": "m", "input": 5}, "input"),
        ({"model": "m", "input": [{"role": "robot", "content": "x"}]}, "input[0].role"),
        ({"model": "m", "input": "Hi", "tools": [{"type": "function", "function": {"name": "f"}}]}, "tools[0].name"),
        ({"model": "m", "input": "Hi", "max_output_tokens": 1}, "max_output_tokens"),
    ],
)
def test_bad_input_gets_a_400_naming_the_parameter(
    serve: ServeFn, clients: Clients, body: dict[str, object], param: str
) -> None:
    server = serve(f'turns: ["{TEXT}"]')
    with pytest.raises(openai.BadRequestError) as caught:
        clients.openai(server).post("/responses", body=body, cast_to=object)
    assert caught.value.param == param


def test_length_stop_ends_in_response_incomplete(serve: ServeFn, clients: Clients) -> None:
    server = serve('turns: [{text: "This answer is cut", stop: length}]')
    events = list(clients.openai(server).responses.create(model="gpt-5", input="Hi", stream=True))
    last = events[-1]
    assert last.type == "response.incomplete"
    assert last.response.incomplete_details is not None
    assert last.response.incomplete_details.reason == "max_output_tokens"


def test_mid_stream_error_is_yielded_then_the_helper_reports_no_completion(serve: ServeFn, clients: Clients) -> None:
    server = serve('turns: [{steps: [{text: "Half an"}, {fault: {error: server_error, message: "Boom."}}]}]')
    sdk = clients.openai(server)
    events = list(sdk.responses.create(model="gpt-5", input="Hi", stream=True))
    assert [e.type for e in events[-2:]] == ["error", "response.failed"]
    with sdk.responses.stream(model="gpt-5", input="Hi") as stream, pytest.raises(RuntimeError, match="completed"):
        stream.get_final_response()


def test_wire_bytes_name_each_event_and_end_without_done(serve: ServeFn) -> None:
    server = serve('turns: ["Hi"]')
    body = {"model": "gpt-5", "input": "Hi", "stream": True}
    raw = httpx.post(f"{server.openai_base_url}/responses", json=body, timeout=5).text
    blocks = [block.split("\n") for block in raw.split("\n\n") if block]
    names = [lines[0].removeprefix("event: ") for lines in blocks]
    assert names == [
        "response.created",
        "response.in_progress",
        "response.output_item.added",
        "response.content_part.added",
        "response.output_text.delta",
        "response.output_text.done",
        "response.content_part.done",
        "response.output_item.done",
        "response.completed",
    ]
    assert all(len(lines) == 2 and lines[1].startswith("data: {") for lines in blocks)
    assert [json.loads(lines[1].removeprefix("data: "))["type"] for lines in blocks] == names
    assert "[DONE]" not in raw
    assert raw.endswith("\n\n")


def test_a_chained_request_counts_the_stored_conversation_as_input(serve: ServeFn, clients: Clients) -> None:
    server = serve(AGENT)
    sdk = clients.openai(server)
    first = sdk.responses.create(model="gpt-5", input="Weather?")
    outputs = history(first)[len(first.output) :]
    second = sdk.responses.create(model="gpt-5", previous_response_id=first.id, input=outputs)
    assert first.usage is not None
    assert second.usage is not None
    assert second.usage.input_tokens > first.usage.total_tokens


def test_a_deleted_response_is_gone(serve: ServeFn, clients: Clients) -> None:
    server = serve(f'turns: ["{TEXT}"]')
    sdk = clients.openai(server)
    created = sdk.responses.create(model="gpt-5", input="Hi")
    sdk.responses.delete(created.id)
    with pytest.raises(openai.NotFoundError):
        sdk.responses.retrieve(created.id)


def test_the_response_repeats_the_request_settings(serve: ServeFn, clients: Clients) -> None:
    server = serve(AGENT)
    tool = {"type": "function", "name": "get_weather", "parameters": {"type": "object", "properties": {}}}
    with clients.openai(server).responses.stream(
        model="gpt-5",
        input="Weather?",
        instructions="Answer briefly.",
        tools=[tool],
        tool_choice="required",
        temperature=0.2,
        max_output_tokens=500,
        reasoning={"effort": "low", "summary": "auto"},
        metadata={"run": "42"},
    ) as stream:
        response = stream.get_final_response()
    assert response.instructions == "Answer briefly."
    assert [t.name for t in response.tools if t.type == "function"] == ["get_weather"]
    assert (response.tool_choice, response.temperature, response.max_output_tokens) == ("required", 0.2, 500)
    assert response.reasoning is not None
    assert (response.reasoning.effort, response.reasoning.summary) == ("low", "auto")
    assert response.metadata == {"run": "42"}


def test_a_failed_stream_is_stored_as_failed(serve: ServeFn, clients: Clients) -> None:
    server = serve('turns: [{steps: [{text: "Half an"}, {fault: {error: server_error, message: "Boom."}}]}]')
    sdk = clients.openai(server)
    events = list(sdk.responses.create(model="gpt-5", input="Hi", stream=True))
    stored = sdk.responses.retrieve(events[0].response.id)
    assert stored.status == "failed"
    assert stored.error is not None
    assert (stored.error.code, stored.error.message) == ("server_error", "Boom.")
