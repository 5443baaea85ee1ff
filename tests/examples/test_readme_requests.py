"""Asserting on what the client sent: `mock_llm.requests` journals every request of this test."""

from openai import OpenAI

from mockserver import MockLLM


def test_client_sends_its_system_prompt_and_model(mock_llm: MockLLM) -> None:
    mock_llm.use({"turns": ["Done."]})
    with OpenAI(base_url=mock_llm.openai_base_url, api_key="test", default_headers={"x-team": "search"}) as client:
        client.chat.completions.create(
            model="gpt-4o-mini",
            messages=[
                {"role": "system", "content": "Be brief."},
                {"role": "user", "content": "Summarise the report."},
            ],
        )

    request = mock_llm.last
    assert request.dialect == "openai_chat"
    assert request.path == "/v1/chat/completions"
    assert request.headers["x-team"] == "search"
    assert request.body["messages"][0] == {"role": "system", "content": "Be brief."}
    assert (request.scenario, request.turn, request.status) == ("inline", 0, 200)
    assert request.completed
    assert not request.client_disconnected
    # Fails with a list of every request received if none matches.
    mock_llm.assert_called(1, model="gpt-4o-mini", status=200)
