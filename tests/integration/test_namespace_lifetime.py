"""Namespaces end: deleted over the control API or by the handle, or reclaimed once unused a while."""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import openai
import pytest

from mockserver import MockLLM, MockServer
from tests.conftest import Clients

GREETING = 'turns: ["Hello"]'
USER = [{"role": "user", "content": "Hi"}]


class FakeClock:
    """Starts at the real monotonic time, so the server's first idle check falls due as usual."""

    def __init__(self) -> None:
        self.now = time.monotonic()

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def idle_server() -> Iterator[tuple[MockServer, FakeClock]]:
    with MockServer({}, namespace_idle_timeout=60) as server:
        clock = FakeClock()
        server.state.namespaces.clock = clock
        yield server, clock


def pin_over_http(url: str) -> None:
    assert httpx.put(f"{url}/_mock/scenario", content=GREETING).status_code == 200


def test_delete_over_http_forgets_the_scenario_journal_and_stored_responses(
    mock_llm_server: MockServer, clients: Clients
) -> None:
    url = f"{mock_llm_server.url}/_ns/to-delete"
    pin_over_http(url)
    sdk = openai.OpenAI(base_url=f"{url}/v1", api_key="k", max_retries=0, _strict_response_validation=True)
    with sdk:
        created = sdk.responses.create(model="gpt-5", input="Hi")
        deleted = httpx.delete(f"{url}/_mock/namespace")
        assert deleted.json() == {"namespace": "to-delete", "deleted": True, "requests": 1}
        assert "to-delete" not in mock_llm_server.state.namespaces.names()
        with pytest.raises(openai.NotFoundError):
            sdk.responses.retrieve(created.id)
    fresh = httpx.get(f"{url}/_mock/namespace").json()
    assert (fresh["scenario"], fresh["requests"]) == (None, 0)
    httpx.delete(f"{url}/_mock/namespace")


def test_the_handle_deletes_its_namespace_and_starts_afresh_when_used_again(
    mock_llm: MockLLM, clients: Clients
) -> None:
    mock_llm.use(GREETING)
    clients.openai(mock_llm).chat.completions.create(model="gpt-4o", messages=USER)
    mock_llm.delete()
    assert mock_llm.name not in mock_llm.server.state.namespaces.names()
    assert (mock_llm.scenario, len(mock_llm.requests)) == (None, 0)


def test_a_namespace_unused_past_the_idle_timeout_is_reclaimed(
    idle_server: tuple[MockServer, FakeClock], clients: Clients
) -> None:
    server, clock = idle_server
    pin_over_http(f"{server.url}/_ns/forgotten")
    httpx.post(f"{server.url}/_ns/forgotten/v1/chat/completions", json={"model": "m", "messages": USER})
    assert len(server.journal.calls("forgotten")) == 1
    clock.now += 61
    pin_over_http(f"{server.url}/_ns/another")
    assert "forgotten" not in server.state.namespaces.names()
    assert server.journal.calls("forgotten") == []


def test_a_namespace_used_within_the_idle_timeout_stays(idle_server: tuple[MockServer, FakeClock]) -> None:
    server, clock = idle_server
    pin_over_http(f"{server.url}/_ns/busy")
    for _ in range(3):
        clock.now += 40
        httpx.post(f"{server.url}/_ns/busy/v1/chat/completions", json={"model": "m", "messages": USER})
    assert httpx.get(f"{server.url}/_ns/busy/_mock/namespace").json()["requests"] == 3


def test_a_handles_namespace_is_never_reclaimed(idle_server: tuple[MockServer, FakeClock], clients: Clients) -> None:
    server, clock = idle_server
    mock = server.namespace("held")
    mock.use(GREETING)
    clients.openai(mock).chat.completions.create(model="gpt-4o", messages=USER)
    clock.now += 10_000
    pin_over_http(f"{server.url}/_ns/another")
    assert mock.scenario is not None
    assert len(mock.requests) == 1


def test_the_default_namespace_is_never_reclaimed(idle_server: tuple[MockServer, FakeClock]) -> None:
    server, clock = idle_server
    pin_over_http(server.url)
    clock.now += 10_000
    pin_over_http(f"{server.url}/_ns/another")
    assert httpx.get(f"{server.url}/_mock/scenario").json()["scenario"]["name"] == "inline"
