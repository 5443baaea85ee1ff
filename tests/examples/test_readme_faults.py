"""Testing a client's resilience: the journal shows each retry and every fault that fired."""

import openai
import pytest
from openai import OpenAI

from mockserver import MockLLM

USER = [{"role": "user", "content": "Hi"}]


def test_the_client_retries_a_rate_limit(mock_llm: MockLLM) -> None:
    mock_llm.use(
        """
        turns:
          - text: "Third time lucky."
            fail_first: [{status: 429, retry_after: 0.1}, {status: 529, retry_after: 0.1}]
        """
    )
    with OpenAI(base_url=mock_llm.openai_base_url, api_key="test", max_retries=2) as client:
        reply = client.chat.completions.create(model="gpt-4o", messages=USER)

    assert reply.choices[0].message.content == "Third time lucky."
    assert [r.status for r in mock_llm.requests] == [429, 529, 200]
    assert [r.headers["x-stainless-retry-count"] for r in mock_llm.requests] == ["0", "1", "2"]


def test_a_cut_stream_is_an_error_the_client_must_handle(mock_llm: MockLLM) -> None:
    mock_llm.use(
        """
        turns:
          - steps:
              - text: "The answer is"
              - fault: disconnect
              - text: " 42."
        """
    )
    received: list[str] = []
    with OpenAI(base_url=mock_llm.openai_base_url, api_key="test", max_retries=0) as client:
        stream = client.chat.completions.create(model="gpt-4o", messages=USER, stream=True)
        with pytest.raises(openai.APIConnectionError):
            received.extend(chunk.choices[0].delta.content or "" for chunk in stream if chunk.choices)

    assert "".join(received) == "The answer is"
    mock_llm.assert_called(1, fault="disconnect", completed=False)
