"""Async tests use the same fixture; here with anyio's pytest plugin and the async openai client."""

import pytest
from openai import AsyncOpenAI

from mockserver import MockLLM


@pytest.mark.anyio
@pytest.mark.mock_llm(scenario='turns: ["Streaming, asynchronously."]')
async def test_async_stream(mock_llm: MockLLM) -> None:
    async with AsyncOpenAI(base_url=mock_llm.openai_base_url, api_key="test") as client:
        stream = await client.chat.completions.create(
            model="gpt-4o",
            messages=[{"role": "user", "content": "Hi"}],
            stream=True,
        )
        text = "".join([chunk.choices[0].delta.content or "" async for chunk in stream if chunk.choices])

    assert text == "Streaming, asynchronously."
