"""Reading Responses requests, pure: input items, assistant-turn counting and validation."""

from __future__ import annotations

from typing import Any

import pytest

from mockserver.dialects.openai_responses.request import parse_request
from mockserver.errors import RequestError

USER = {"role": "user", "content": "What is the weather?"}
REASONING = {"type": "reasoning", "id": "rs_1", "summary": []}
CALL_A = {"type": "function_call", "call_id": "call_a", "name": "get_weather", "arguments": "{}"}
CALL_B = {"type": "function_call", "call_id": "call_b", "name": "get_time", "arguments": "{}"}
OUTPUT_A = {"type": "function_call_output", "call_id": "call_a", "output": "21"}
OUTPUT_B = {"type": "function_call_output", "call_id": "call_b", "output": "noon"}
ANSWER = {"type": "message", "role": "assistant", "content": [{"type": "output_text", "text": "Sunny."}]}


def turns(*items: dict[str, Any]) -> int:
    return parse_request({"model": "m", "input": list(items)}).assistant_turns


def test_a_string_input_is_the_prompt_of_a_first_turn() -> None:
    request = parse_request({"model": "m", "input": "Hello"})
    assert (request.prompt, request.assistant_turns) == ("Hello", 0)


def test_reasoning_and_two_calls_sent_back_count_as_one_assistant_turn() -> None:
    assert turns(USER, REASONING, CALL_A, CALL_B, OUTPUT_A, OUTPUT_B) == 1


def test_each_round_of_calls_and_outputs_is_its_own_turn() -> None:
    assert turns(USER, CALL_A, OUTPUT_A, CALL_B, OUTPUT_B) == 2


def test_a_call_sent_back_without_its_output_is_rejected() -> None:
    with pytest.raises(RequestError, match="No tool output found for function call call_b"):
        parse_request({"model": "m", "input": [USER, CALL_A, CALL_B, OUTPUT_A]})


def test_an_output_for_a_call_not_in_the_history_is_rejected() -> None:
    with pytest.raises(RequestError, match="No tool call found for function call output with call_id call_b"):
        parse_request({"model": "m", "input": [USER, CALL_A, OUTPUT_A, OUTPUT_B]})


def test_a_chained_request_sends_outputs_for_calls_the_server_keeps() -> None:
    assert parse_request({"model": "m", "input": [OUTPUT_A], "previous_response_id": "resp_1"}).assistant_turns == 0


def test_assistant_messages_between_user_messages_count_once_each() -> None:
    assert turns(USER, ANSWER, USER, REASONING, ANSWER, USER) == 2


def test_an_item_reference_neither_starts_nor_ends_a_turn() -> None:
    assert turns(USER, CALL_A, {"type": "item_reference", "id": "fc_1"}, CALL_B, OUTPUT_A) == 1


def test_the_prompt_is_the_last_user_text_even_in_typed_parts() -> None:
    typed = {"role": "user", "content": [{"type": "input_text", "text": "Second question"}]}
    assert parse_request({"model": "m", "input": [USER, ANSWER, typed]}).prompt == "Second question"


def test_previous_response_id_is_the_per_request_extra_not_part_of_the_options() -> None:
    first = parse_request({"model": "m", "input": "Hi", "previous_response_id": "resp_1"})
    second = parse_request({"model": "m", "input": "Hi", "previous_response_id": "resp_2"})
    assert (first.extra, first.previous_response_id) == ("resp_1", "resp_1")
    assert first.options == second.options


def test_settings_the_response_repeats_travel_per_request_not_in_the_options() -> None:
    plain = parse_request({"model": "m", "input": "Hi"})
    instructed = parse_request({"model": "m", "input": "Hi", "instructions": "Be brief."})
    assert instructed.echo is not None
    assert instructed.echo["instructions"] == "Be brief."
    assert plain.options == instructed.options


def test_store_false_is_read() -> None:
    assert parse_request({"model": "m", "input": "Hi", "store": False}).store is False
    assert parse_request({"model": "m", "input": "Hi"}).store is True


@pytest.mark.parametrize(
    ("body", "param"),
    [
        ({"input": "Hi"}, "model"),
        ({"model": "m"}, "input"),
        ({"model": "m", "input": 5}, "input"),
        ({"model": "m", "input": []}, "input"),
        ({"model": "m", "input": [USER, {"role": "robot", "content": "x"}]}, "input[1].role"),
        ({"model": "m", "input": [{"role": "user", "content": 5}]}, "input[0].content"),
        (
            {"model": "m", "input": [USER, {"type": "function_call", "name": "f", "arguments": "{}"}]},
            "input[1].call_id",
        ),
        ({"model": "m", "input": [USER, {"type": "function_call_output", "call_id": "c"}]}, "input[1].output"),
        ({"model": "m", "input": "Hi", "tools": [{"type": "function", "function": {"name": "f"}}]}, "tools[0].name"),
        ({"model": "m", "input": "Hi", "max_output_tokens": 5}, "max_output_tokens"),
        ({"model": "m", "input": "Hi", "temperature": 3}, "temperature"),
        ({"model": "m", "input": "Hi", "tool_choice": "sometimes"}, "tool_choice"),
        ({"model": "m", "input": "Hi", "stream": "yes"}, "stream"),
        ({"model": "m", "input": "Hi", "stream_options": {}}, "stream_options"),
        ({"model": "m", "input": "Hi", "previous_response_id": 7}, "previous_response_id"),
        ({"model": "m", "input": "Hi", "reasoning": {"effort": "extreme"}}, "reasoning.effort"),
        ({"model": "m", "input": "Hi", "text": {"verbosity": "chatty"}}, "text.verbosity"),
        ({"model": "m", "input": "Hi", "conversation": "conv_1"}, "conversation"),
        ({"model": "m", "input": "Hi", "metadata": {"run": 42}}, "metadata.run"),
        ({"model": "m", "input": "Hi", "service_tier": "gold"}, "service_tier"),
    ],
)
def test_bad_requests_name_the_parameter(body: dict[str, Any], param: str) -> None:
    with pytest.raises(RequestError) as caught:
        parse_request(body)
    assert caught.value.status == 400
    assert caught.value.param == param


def test_nested_chat_style_tools_get_a_hint_about_the_flat_format() -> None:
    with pytest.raises(RequestError, match="flat"):
        parse_request({"model": "m", "input": "Hi", "tools": [{"type": "function", "function": {"name": "f"}}]})


def test_stream_options_can_turn_obfuscation_off() -> None:
    body = {"model": "m", "input": "Hi", "stream": True}
    assert parse_request(body).options.obfuscation is True
    quiet = parse_request({**body, "stream_options": {"include_obfuscation": False}})
    assert quiet.options.obfuscation is False
