"""Anthropic Messages through the official anthropic SDK, against this test's own mock."""

import anthropic

from mockserver import MockLLM

SCENARIO = """
turns:
  - reasoning: "One word will do."
    text: "Paris."
"""


def test_streamed_message_with_thinking(mock_llm: MockLLM) -> None:
    mock_llm.use(SCENARIO)
    with (
        anthropic.Anthropic(base_url=mock_llm.base_url, api_key="test") as client,
        client.messages.stream(
            model="claude-haiku-4-5",
            max_tokens=1024,
            messages=[{"role": "user", "content": "What is the capital of France?"}],
        ) as stream,
    ):
        message = stream.get_final_message()

    thinking, answer = message.content
    assert thinking.thinking == "One word will do."
    assert answer.text == "Paris."
    assert message.stop_reason == "end_turn"
    assert mock_llm.last.dialect == "anthropic_messages"
