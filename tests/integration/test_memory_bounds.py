"""What the server keeps stays within its byte budgets, and a reset frees what a namespace kept."""

from __future__ import annotations

import httpx
import openai
import pytest

from mockserver import MockLLM, MockServer
from tests.conftest import Clients

ANSWER = 'turns: ["Kept short."]'
MIB = 1024 * 1024


def test_per_request_instructions_are_echoed_from_one_render(mock_llm: MockLLM, clients: Clients) -> None:
    mock_llm.use(ANSWER)
    sdk = clients.openai(mock_llm)
    cache = mock_llm.server.state.cache
    sizes = []
    for index in range(4):
        instructions = f"Answer as agent {index}. " * 200
        with sdk.responses.stream(model="gpt-5", input="Hi", instructions=instructions) as stream:
            final = stream.get_final_response()
        assert (final.instructions, final.output_text) == (instructions, "Kept short.")
        sizes.append((len(cache), cache.nbytes))
    assert sizes[1:] == sizes[:-1]


def test_a_stored_response_is_one_copy_of_its_instructions(mock_llm: MockLLM, clients: Clients) -> None:
    mock_llm.use(ANSWER)
    store = mock_llm.server.state.responses
    before = store.nbytes
    created = clients.openai(mock_llm).responses.create(model="gpt-5", input="Hi", instructions="x" * MIB)
    assert created.instructions == "x" * MIB
    assert MIB < store.nbytes - before < MIB + 4096


def test_the_response_store_stays_within_its_byte_budget(clients: Clients) -> None:
    with MockServer({}, responses_max_bytes=4 * MIB) as server:
        server.namespace("").use(ANSWER)
        sdk = clients.openai(server)
        ids = [sdk.responses.create(model="gpt-5", input="Hi", instructions="x" * MIB).id for _ in range(10)]
        assert server.state.responses.nbytes <= 4 * MIB
        assert sdk.responses.retrieve(ids[-1]).instructions == "x" * MIB
        with pytest.raises(openai.NotFoundError):
            sdk.responses.retrieve(ids[0])


def test_reset_forgets_the_namespaces_stored_responses(mock_llm: MockLLM, clients: Clients) -> None:
    mock_llm.use(ANSWER)
    sdk = clients.openai(mock_llm)
    created = sdk.responses.create(model="gpt-5", input="Hi", instructions="x" * 10_000)
    assert sdk.responses.retrieve(created.id).id == created.id
    mock_llm.reset()
    with pytest.raises(openai.NotFoundError):
        sdk.responses.retrieve(created.id)


def test_reset_over_http_frees_the_stored_responses_and_the_renders_of_its_own_scenario(
    mock_llm: MockLLM, clients: Clients
) -> None:
    state = mock_llm.server.state
    mock_llm.use('turns: ["' + "A scenario of this namespace alone. " * 500 + '"]')
    sdk = clients.openai(mock_llm)
    before = (state.cache.nbytes, state.responses.nbytes)
    sdk.responses.create(model="gpt-5", input="Hi", instructions="x" * 100_000)
    assert state.cache.nbytes > before[0]
    assert state.responses.nbytes > before[1] + 100_000
    assert httpx.post(f"{mock_llm.url}/_mock/reset").status_code == 200
    assert (state.cache.nbytes, state.responses.nbytes) == before


def test_reset_keeps_the_renders_of_a_folder_scenario_other_tests_use(mock_llm: MockLLM, clients: Clients) -> None:
    mock_llm.use("weather")
    mock_llm.speed = 1000
    clients.openai(mock_llm).responses.create(model="gpt-5", input="Weather?")
    cache = mock_llm.server.state.cache
    held = cache.nbytes
    mock_llm.reset()
    assert cache.nbytes == held
