"""Bodies no SDK would send, but a fuzzer or a hand-written client does: each is the dialect's own
400, on the bare and the namespaced paths, and the journal API can still read what was kept."""

from __future__ import annotations

import anthropic
import httpx
import openai
import pytest

from mockserver import MockLLM
from mockserver.json_body import MAX_DEPTH

HEADERS = {"content-type": "application/json", "anthropic-version": "2023-06-01", "x-api-key": "test"}
CHAT = '{"model":"m","messages":[{"role":"user","content":"hi"}]%s}'
RESPONSES = '{"model":"m","input":"hi"%s}'
MESSAGES = '{"model":"m","max_tokens":16,"messages":[{"role":"user","content":"hi"}]%s}'
HUGE_INT = "1" * 5000
DEEP = "[" * (MAX_DEPTH + 5) + "]" * (MAX_DEPTH + 5)
PATHS = {"chat": "/v1/chat/completions", "responses": "/v1/responses", "messages": "/v1/messages"}

CASES = [
    ("chat", '{"model":"m","messages":[{"role":["user"],"content":"hi"}]}', "messages[0].role"),
    ("chat", '{"model":"m","messages":[{"role":{"a":1},"content":"hi"}]}', "messages[0].role"),
    ("chat", CHAT % f',"max_tokens":{HUGE_INT}', None),
    ("chat", '{"model":"\\ud800","messages":[{"role":"user","content":"hi"}]}', None),
    ("chat", CHAT % ',"temperature":NaN', None),
    ("chat", CHAT % ',"temperature":-Infinity', None),
    ("chat", CHAT % f',"metadata":{DEEP}', None),
    ("responses", '{"model":"m","input":[{"role":["user"],"content":"hi"}]}', "input[0].role"),
    ("responses", RESPONSES % ',"reasoning":{"effort":[]}', "reasoning.effort"),
    ("responses", RESPONSES % ',"text":{"verbosity":{}}', "text.verbosity"),
    ("responses", RESPONSES % ',"instructions":"\\ud800"', None),
    ("responses", RESPONSES % ',"metadata":{"a":"\\udfff"}', None),
    ("responses", RESPONSES % ',"tools":[{"type":"function","name":"\\ud800","parameters":{}}]', None),
    ("responses", RESPONSES % (',"text":{"format":' + '{"a":' * 970 + "1" + "}" * 970 + "}"), None),
    ("responses", RESPONSES % ',"temperature":Infinity', None),
    ("messages", MESSAGES.replace('"m"', '"\\ud800"') % "", None),
    ("messages", MESSAGES.replace("16", HUGE_INT) % "", None),
    ("messages", MESSAGES % ',"temperature":NaN', None),
    ("messages", MESSAGES % f',"metadata":{DEEP}', None),
]


def _error_of(dialect: str, response: httpx.Response) -> dict[str, object]:
    body = response.json()
    if dialect == "messages":
        assert body["type"] == "error"
    error: dict[str, object] = body["error"]
    assert error["type"] == "invalid_request_error"
    return error


@pytest.fixture(params=["bare", "namespaced"])
def base(request: pytest.FixtureRequest, mock_llm: MockLLM) -> str:
    mock_llm.use('turns: ["hi"]')
    return mock_llm.server.url if request.param == "bare" else mock_llm.base_url


@pytest.mark.parametrize("stream", [False, True], ids=["whole", "stream"])
@pytest.mark.parametrize(("dialect", "body", "param"), CASES, ids=[f"{d}-{i}" for i, (d, _, _) in enumerate(CASES)])
def test_a_hostile_body_is_the_dialects_400(
    base: str, mock_llm: MockLLM, dialect: str, body: str, param: str | None, stream: bool
) -> None:
    if stream:
        body = body[:-1] + ',"stream":true}'
    response = httpx.post(base + PATHS[dialect], content=body.encode(), headers=HEADERS, timeout=10)
    assert response.status_code == 400, response.text[:300]
    error = _error_of(dialect, response)
    if param is not None and dialect != "messages":
        assert error["param"] == param
    mock_llm.server.check()


@pytest.mark.parametrize(
    "extra", [',"temperature":NaN', f',"max_tokens":{HUGE_INT}', ',"model":"\\ud800"', f',"metadata":{DEEP}']
)
def test_the_journal_api_still_answers_after_a_hostile_body(mock_llm: MockLLM, extra: str) -> None:
    body = ('{"messages":[{"role":"user","content":"hi"}]' + extra + "}").replace("{,", "{")
    if '"model"' not in extra:
        body = body.replace("{", '{"model":"m",', 1)
    httpx.post(f"{mock_llm.openai_base_url}/chat/completions", content=body.encode(), headers=HEADERS, timeout=10)
    journal = httpx.get(f"{mock_llm.base_url}/_mock/requests", timeout=10)
    assert journal.status_code == 200
    assert [call["status"] for call in journal.json()["requests"]] == [400]


def test_a_speed_with_more_digits_than_python_reads_is_a_400(mock_llm: MockLLM) -> None:
    response = httpx.put(f"{mock_llm.base_url}/_mock/speed", content=HUGE_INT, timeout=10)
    assert response.status_code == 400
    assert response.json()["error"]["type"] == "invalid_speed"


def test_a_scenario_body_with_a_huge_integer_is_a_400(mock_llm: MockLLM) -> None:
    response = httpx.put(
        f"{mock_llm.base_url}/_mock/scenario",
        content='{"turns": [' + HUGE_INT + "]}",
        headers={"content-type": "application/json"},
        timeout=10,
    )
    assert response.status_code == 400
    assert response.json()["error"]["type"] == "invalid_json"


def test_the_anthropic_sdk_sees_an_unknown_messages_url_as_not_found(mock_llm: MockLLM) -> None:
    with (
        anthropic.Anthropic(base_url=mock_llm.base_url, api_key="test", max_retries=0) as client,
        pytest.raises(anthropic.NotFoundError) as caught,
    ):
        client.post("/v1/messages/unknown", body={}, cast_to=object)
    body = caught.value.body
    assert isinstance(body, dict)
    assert body["error"]["type"] == "not_found_error"


@pytest.mark.parametrize("path", ["/v1/complete", "/v1/messages/batches/x/results"])
def test_unknown_anthropic_urls_answer_in_anthropics_shape(mock_llm: MockLLM, path: str) -> None:
    response = httpx.post(mock_llm.base_url + path, json={}, timeout=10)
    assert response.status_code == 404
    assert response.json()["type"] == "error"
    assert response.json()["error"]["type"] == "not_found_error"


def test_unknown_urls_of_openai_clients_keep_openais_shape(mock_llm: MockLLM) -> None:
    response = httpx.post(mock_llm.base_url + "/v1/unknown", json={}, headers={"authorization": "Bearer k"}, timeout=10)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "unknown_url"


def test_credentials_never_reach_the_journal(mock_llm: MockLLM) -> None:
    mock_llm.use('turns: ["hi"]')
    with (
        openai.OpenAI(base_url=mock_llm.openai_base_url, api_key="sk-secret-1234", max_retries=0) as chat,
        anthropic.Anthropic(base_url=mock_llm.base_url, api_key="sk-ant-secret-5678", max_retries=0) as messages,
    ):
        chat.chat.completions.create(model="m", messages=[{"role": "user", "content": "hi"}])
        messages.messages.create(model="m", max_tokens=16, messages=[{"role": "user", "content": "hi"}])
    journal = httpx.get(f"{mock_llm.base_url}/_mock/requests", timeout=10).text
    assert "secret" not in journal
    assert "secret" not in repr(mock_llm.requests)
    assert mock_llm.requests[0].headers["authorization"] == "Bearer [redacted]"
    sent = mock_llm.requests[1].headers
    assert sent.get("x-api-key", sent.get("authorization")) in {"[redacted]", "Bearer [redacted]"}
