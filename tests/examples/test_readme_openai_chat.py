"""Chat Completions through the official openai SDK, against this test's own mock."""

from openai import OpenAI

from mockserver import MockLLM


def test_streamed_reply(mock_llm: MockLLM) -> None:
    mock_llm.use(
        """
        turns:
          - text: "Paris is the capital of France."
        """
    )

    with OpenAI(base_url=mock_llm.openai_base_url, api_key="test") as client:
        stream = client.chat.completions.create(
            model="gpt-4o",
            messages=[{"role": "user", "content": "What is the capital of France?"}],
            stream=True,
        )
        text = "".join(chunk.choices[0].delta.content or "" for chunk in stream if chunk.choices)

    assert text == "Paris is the capital of France."
