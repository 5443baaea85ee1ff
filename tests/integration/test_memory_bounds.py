"""What the server keeps stays within its byte budgets, and a reset frees what a namespace kept."""

from __future__ import annotations

import gc
import tracemalloc

import httpx
import openai
import pytest

from mockserver import MockLLM, MockServer
from tests.conftest import Clients

ANSWER = 'turns: ["Kept short."]'
MIB = 1024 * 1024


def test_per_request_instructions_are_echoed_from_one_render(mock_llm: MockLLM, clients: Clients) -> None:
    mock_llm.use(ANSWER)
    mock_llm.speed = 1000
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


def test_the_journal_stays_within_its_byte_budget_and_says_how_many_it_dropped(clients: Clients) -> None:
    with MockServer({}, journal_max_bytes=2 * MIB) as server:
        mock = server.namespace("big")
        mock.use(ANSWER)
        sdk = clients.openai(mock)
        for index in range(10):
            sdk.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": f"{index} " * 150_000}])
        requests = mock.requests
        assert server.journal.nbytes <= 2 * MIB
        assert (len(requests), requests.evicted) == (6, 4)
        assert requests.last.body["messages"][0]["content"].startswith("9 ")  # type: ignore[index]
        journal = httpx.get(f"{mock.url}/_mock/requests").json()
        assert (len(journal["requests"]), journal["evicted"]) == (6, 4)
        assert "4 older requests dropped" in repr(requests)


def test_the_journal_keeps_the_count_it_is_given(clients: Clients) -> None:
    with MockServer({}, journal_max_requests=3) as server:
        server.namespace("").use(ANSWER)
        sdk = clients.openai(server)
        for _ in range(5):
            sdk.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "Hi"}])
        state = httpx.get(f"{server.url}/_mock/namespace").json()
        assert (state["requests"], state["evicted"]) == (3, 2)


def test_clearing_the_journal_restarts_its_eviction_count(clients: Clients) -> None:
    with MockServer({}, journal_max_requests=1) as server:
        mock = server.namespace("x")
        mock.use(ANSWER)
        sdk = clients.openai(mock)
        for _ in range(3):
            sdk.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "Hi"}])
        assert mock.requests.evicted == 2
        mock.clear()
        assert (len(mock.requests), mock.requests.evicted) == (0, 0)


def traced() -> int:
    gc.collect()
    return tracemalloc.get_traced_memory()[0]


def test_a_hundred_megabytes_of_instructions_leave_the_server_within_its_budgets(clients: Clients) -> None:
    """100 Responses requests of 1 MB instructions each: the journal and the store hold what their
    budgets allow, by their own accounting and by what Python has allocated; a reset frees it."""
    budget = 8 * MIB
    with MockServer({}, journal_max_bytes=budget, responses_max_bytes=budget) as server:
        mock = server.namespace("agents")
        mock.use(ANSWER)
        sdk = clients.openai(mock)
        sdk.responses.create(model="gpt-5", input="Hi", instructions="warm up")
        mock.reset()
        mock.use(ANSWER)
        tracemalloc.start()
        try:
            before = traced()
            for index in range(100):
                created = sdk.responses.create(model="gpt-5", input="Hi", instructions=f"{index:03d}" + "x" * (MIB - 3))
            assert created.instructions.startswith("099")  # type: ignore[union-attr]
            held = traced() - before
            state = server.state
            assert state.journal.nbytes <= budget
            assert state.responses.nbytes <= budget
            assert mock.requests.evicted > 80
            # Generous: the two budgets, and as much again for the interpreter's own bookkeeping.
            assert held < 4 * budget, f"{held / MIB:.1f} MiB held"
            mock.reset()
            assert (state.journal.nbytes, state.responses.nbytes) == (0, 0)
            assert traced() - before < 2 * MIB
        finally:
            tracemalloc.stop()
