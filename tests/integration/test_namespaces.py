"""The `mock_llm` handle over a real socket: each test's namespace has its own scenario, speed and journal."""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import openai
import pytest

from mockserver import MockLLM, MockServer, UnknownScenarioError
from mockserver.app import MockApp
from mockserver.endpoint import DialectEndpoint
from tests.conftest import Clients

USER = [{"role": "user", "content": "Hi"}]
GREETING = 'turns: ["Hello from the namespace"]'


def chat_text(client: openai.OpenAI, **options: object) -> str:
    completion = client.chat.completions.create(model="gpt-4o", messages=USER, **options)  # type: ignore[call-overload]
    return str(completion.choices[0].message.content)


@pytest.fixture
def neighbour(mock_llm_server: MockServer) -> Iterator[MockLLM]:
    """A second namespace on the same server, as a parallel test would have."""
    other = mock_llm_server.namespace()
    yield other
    other.close()


def test_each_handle_has_its_own_base_url_on_the_shared_server(mock_llm: MockLLM, neighbour: MockLLM) -> None:
    assert mock_llm.server is neighbour.server
    assert mock_llm.openai_base_url == f"{mock_llm.base_url}/v1"
    assert mock_llm.base_url.startswith(f"{mock_llm.server.url}/_ns/")
    assert mock_llm.base_url != neighbour.base_url


def test_use_pins_an_inline_yaml_scenario(mock_llm: MockLLM, clients: Clients) -> None:
    mock_llm.use(GREETING)
    assert chat_text(clients.openai(mock_llm)) == "Hello from the namespace"
    assert mock_llm.last.scenario == "inline"


def test_use_takes_a_mapping_and_a_name_for_the_journal(mock_llm: MockLLM, clients: Clients) -> None:
    mock_llm.use({"turns": ["From a dict"]}, name="from_dict")
    assert chat_text(clients.openai(mock_llm)) == "From a dict"
    assert mock_llm.last.scenario == "from_dict"


def test_use_takes_a_name_from_the_scenario_folder(mock_llm: MockLLM, clients: Clients) -> None:
    mock_llm.use("weather")
    mock_llm.speed = 100
    completion = clients.openai(mock_llm).chat.completions.create(model="gpt-4o", messages=USER)
    (call,) = completion.choices[0].message.tool_calls or []
    assert call.function.name == "get_weather"  # type: ignore[union-attr]
    assert (mock_llm.last.scenario, mock_llm.last.turn) == ("weather", 0)


def test_use_of_an_unknown_name_lists_the_available_scenarios(mock_llm: MockLLM) -> None:
    with pytest.raises(UnknownScenarioError, match=r"no scenario named 'wether'; available scenarios: .*weather"):
        mock_llm.use("wether")


def test_a_neighbour_keeps_its_own_scenario_and_journal(
    mock_llm: MockLLM, neighbour: MockLLM, clients: Clients
) -> None:
    mock_llm.use(GREETING)
    neighbour.use('turns: ["Hello from next door"]')
    assert chat_text(clients.openai(neighbour)) == "Hello from next door"
    assert chat_text(clients.openai(mock_llm)) == "Hello from the namespace"
    assert [c.scenario for c in mock_llm.requests] == ["inline"]
    assert len(neighbour.requests) == 1
    assert mock_llm.last.namespace == mock_llm.name


def test_added_scenarios_are_chosen_by_model_name(mock_llm: MockLLM, clients: Clients) -> None:
    mock_llm.add("planner", 'turns: ["I plan."]')
    mock_llm.add("coder", 'turns: ["I code."]')
    client = clients.openai(mock_llm)
    replies = [
        client.chat.completions.create(model=m, messages=USER).choices[0].message.content for m in ("planner", "coder")
    ]
    assert replies == ["I plan.", "I code."]


def test_requests_record_what_the_client_sent_and_what_was_served(mock_llm: MockLLM, clients: Clients) -> None:
    mock_llm.use(GREETING)
    client = clients.openai(mock_llm, default_headers={"x-trace": "abc"})
    list(client.chat.completions.create(model="gpt-4o", messages=USER, stream=True))
    call = mock_llm.last
    assert (call.dialect, call.method, call.path) == ("openai_chat", "POST", "/v1/chat/completions")
    assert call.headers["x-trace"] == "abc"
    assert call.body == {"model": "gpt-4o", "messages": USER, "stream": True}
    assert (call.scenario, call.turn, call.status, call.stream) == ("inline", 0, 200, True)
    assert (call.completed, call.finished, call.client_disconnected) == (True, True, False)
    assert call.faults == []


def test_a_client_that_hangs_up_is_recorded_with_when(mock_llm: MockLLM) -> None:
    mock_llm.use("turns: [{steps: [{text: first}, {pause: 0.3s}, {text: second}]}]")
    body = {"model": "m", "messages": USER, "stream": True}
    url = f"{mock_llm.openai_base_url}/chat/completions"
    with httpx.Client() as http, http.stream("POST", url, json=body) as response:
        next(response.iter_raw())
    assert mock_llm.settle()
    call = mock_llm.last
    assert (call.client_disconnected, call.completed) == (True, False)
    assert call.disconnected_after is not None
    assert 0 <= call.disconnected_after < 2


def test_speed_is_per_namespace(mock_llm: MockLLM, neighbour: MockLLM, clients: Clients) -> None:
    slow = "turns: [{steps: [{pause: 1s}, {text: done}]}]"
    mock_llm.use(slow)
    mock_llm.speed = 50
    neighbour.use(slow)
    started = time.monotonic()
    assert chat_text(clients.openai(mock_llm)) == "done"
    assert time.monotonic() - started < 0.8
    assert neighbour.speed == 1.0


def test_speed_must_be_positive(mock_llm: MockLLM) -> None:
    with pytest.raises(ValueError, match="speed must be greater than 0"):
        mock_llm.speed = 0


def test_clear_forgets_requests_and_keeps_the_scenario(mock_llm: MockLLM, clients: Clients) -> None:
    mock_llm.use(GREETING)
    client = clients.openai(mock_llm)
    chat_text(client)
    mock_llm.clear()
    assert len(mock_llm.requests) == 0
    assert chat_text(client) == "Hello from the namespace"


def test_reset_goes_back_to_the_shared_scenarios(mock_llm: MockLLM, clients: Clients) -> None:
    mock_llm.use(GREETING)
    mock_llm.speed = 5
    mock_llm.reset()
    assert (mock_llm.scenario, mock_llm.speed, len(mock_llm.requests)) == (None, 1.0, 0)
    assert chat_text(clients.openai(mock_llm)).startswith("Hello! I'm a mock model")


def test_assert_called_failure_lists_every_request_received(mock_llm: MockLLM, clients: Clients) -> None:
    mock_llm.use(GREETING)
    chat_text(clients.openai(mock_llm))
    with pytest.raises(AssertionError) as failure:
        mock_llm.assert_called(2, dialect="openai_chat")
    assert str(failure.value) == (
        "expected 2 requests with dialect='openai_chat', found 1; received 1:\n"
        "  1. POST /v1/chat/completions dialect=openai_chat model=gpt-4o scenario=inline turn=0 status=200"
    )


def test_assert_called_returns_the_matching_requests(mock_llm: MockLLM, clients: Clients) -> None:
    mock_llm.use(GREETING)
    chat_text(clients.openai(mock_llm))
    (call,) = mock_llm.assert_called(1, model="gpt-4o", status=200)
    assert call.body == {"model": "gpt-4o", "messages": USER}
    mock_llm.assert_not_called(status=500)


def test_where_rejects_a_field_the_journal_does_not_have(mock_llm: MockLLM) -> None:
    with pytest.raises(TypeError, match=r"unknown request field\(s\) \['dialekt'\]"):
        mock_llm.requests.where(dialekt="openai_chat")


def test_last_without_requests_says_so(mock_llm: MockLLM) -> None:
    with pytest.raises(AssertionError, match="no request has reached this mock yet"):
        _ = mock_llm.last


def test_models_lists_the_scenarios_this_namespace_can_choose(mock_llm: MockLLM, clients: Clients) -> None:
    mock_llm.add("only_here", GREETING)
    ids = {model.id for model in clients.openai(mock_llm).models.list()}
    assert "only_here" in ids
    assert "weather" in ids


def test_a_failure_inside_the_server_is_raised_by_check(
    mock_llm: MockLLM, clients: Clients, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object) -> None:
        raise RuntimeError("the pipeline broke")

    monkeypatch.setattr(DialectEndpoint, "decide", broken)
    with pytest.raises(openai.InternalServerError):
        list(clients.openai(mock_llm).chat.completions.create(model="gpt-4o", messages=USER, stream=True))
    assert mock_llm.last.status == 500
    with pytest.raises(RuntimeError, match="the pipeline broke") as raised:
        mock_llm.check()
    assert any("while serving POST /v1/chat/completions" in note for note in raised.value.__notes__)
    mock_llm.check()


def test_every_api_route_is_also_served_under_the_namespace_prefix(mock_llm_server: MockServer) -> None:
    app = mock_llm_server.app
    assert isinstance(app, MockApp)
    routes = app.starlette.routes
    top = {getattr(r, "path", None) for r in routes} - {"/_ns/{namespace}"}
    (mount,) = [r for r in routes if getattr(r, "path", None) == "/_ns/{namespace}"]
    assert top == {getattr(r, "path", None) for r in mount.routes}  # type: ignore[attr-defined]


def test_the_empty_name_is_the_default_namespace_of_bare_paths(mock_llm_server: MockServer) -> None:
    default = mock_llm_server.namespace("")
    assert (default.base_url, default.openai_base_url) == (mock_llm_server.url, mock_llm_server.openai_base_url)


def test_use_restarts_the_attempt_counts(mock_llm: MockLLM) -> None:
    namespace = mock_llm.server.state.namespaces.get(mock_llm.name)
    mock_llm.use(GREETING)
    assert namespace.next_attempt("inline", 0) == 0
    assert namespace.next_attempt("inline", 0) == 1
    mock_llm.use('turns: ["another inline scenario"]')
    assert namespace.next_attempt("inline", 0) == 0


def test_add_gives_a_folder_scenario_a_second_name(mock_llm: MockLLM, clients: Clients) -> None:
    mock_llm.add("coder", "default")
    reply = clients.openai(mock_llm).chat.completions.create(model="coder", messages=USER)
    assert reply.choices[0].message.content == "Hello! I'm a mock model served by mockserver. How can I help you today?"
    assert mock_llm.last.scenario == "coder"


def test_fail_first_counts_attempts_per_namespace(mock_llm: MockLLM, neighbour: MockLLM) -> None:
    mock_llm.use('turns: [{text: "ok", fail_first: [503]}]')
    neighbour.use('turns: [{text: "ok", fail_first: [503]}]')
    body = {"model": "m", "messages": USER}
    with httpx.Client() as http:
        statuses = [
            http.post(f"{handle.openai_base_url}/chat/completions", json=body).status_code
            for handle in (mock_llm, neighbour, mock_llm, neighbour)
        ]
    assert statuses == [503, 503, 200, 200]
    mock_llm.assert_called(1, fault="fail_first", status=503)
