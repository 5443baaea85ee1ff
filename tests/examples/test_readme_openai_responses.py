"""The Responses API through the official openai SDK: a function call, then an answer chained by id."""

from openai import OpenAI

from mockserver import MockLLM

SCENARIO = """
turns:
  - tool_calls:
      - name: get_weather
        arguments: {city: Tokyo}
  - text: "It is 21 °C and sunny in Tokyo."
"""


def test_function_call_then_chained_answer(mock_llm: MockLLM) -> None:
    mock_llm.use(SCENARIO)
    with OpenAI(base_url=mock_llm.openai_base_url, api_key="test") as client:
        with client.responses.stream(model="gpt-5", input="What's the weather in Tokyo?") as stream:
            first = stream.get_final_response()
        call = next(item for item in first.output if item.type == "function_call")
        assert (call.name, call.arguments) == ("get_weather", '{"city": "Tokyo"}')

        second = client.responses.create(
            model="gpt-5",
            previous_response_id=first.id,
            input=[{"type": "function_call_output", "call_id": call.call_id, "output": '{"temp_c": 21}'}],
        )

    assert second.output_text == "It is 21 °C and sunny in Tokyo."
    assert [(r.dialect, r.turn) for r in mock_llm.requests] == [("openai_responses", 0), ("openai_responses", 1)]
