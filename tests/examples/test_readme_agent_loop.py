"""An agent loop: the model calls a tool, the code runs it and sends the result, the model answers."""

import json

import pytest
from openai import OpenAI

from mockserver import MockLLM

SCENARIO = """
turns:
  - tool_calls:
      - name: get_weather
        arguments: {city: Tokyo}
  - text: "It is 21 °C and sunny in Tokyo."
"""


def get_weather(city: str) -> str:
    return json.dumps({"city": city, "temperature": 21, "sky": "sunny"})


def run_agent(client: OpenAI, question: str) -> str:
    """The code under test: call tools until the model answers in words."""
    messages: list = [{"role": "user", "content": question}]
    while True:
        reply = client.chat.completions.create(model="gpt-4o", messages=messages).choices[0].message
        if not reply.tool_calls:
            return reply.content or ""
        messages.append(reply.model_dump(exclude_none=True))
        for call in reply.tool_calls:
            result = get_weather(**json.loads(call.function.arguments))
            messages.append({"role": "tool", "tool_call_id": call.id, "content": result})


@pytest.mark.mock_llm(scenario=SCENARIO)
def test_agent_answers_from_the_tool_result(mock_llm: MockLLM) -> None:
    with OpenAI(base_url=mock_llm.openai_base_url, api_key="test") as client:
        answer = run_agent(client, "What's the weather in Tokyo?")

    assert answer == "It is 21 °C and sunny in Tokyo."
    first, second = mock_llm.requests
    assert (first.turn, second.turn) == (0, 1)
    assert second.body["messages"][-1]["content"] == get_weather("Tokyo")
