"""The control API under /_mock/ over a real socket, as a client in another language would use it."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from mockserver import MockLLM, MockServer

CHAT = {"model": "gpt-4o", "messages": [{"role": "user", "content": "Hi"}]}
GREETING_YAML = 'turns: ["Hello from the control API"]\n'


@pytest.fixture
def http(mock_llm: MockLLM) -> Iterator[httpx.Client]:
    """A plain HTTP client whose base URL is this test's namespace, like any non-Python client's."""
    with httpx.Client(base_url=mock_llm.base_url) as client:
        yield client


def chat(http: httpx.Client) -> str:
    response = http.post("/v1/chat/completions", json=CHAT)
    assert response.status_code == 200, response.text
    return str(response.json()["choices"][0]["message"]["content"])


def test_lists_the_scenarios_a_namespace_can_choose(http: httpx.Client) -> None:
    response = http.get("/_mock/scenarios")
    assert response.status_code == 200
    weather = {s["name"]: s for s in response.json()["scenarios"]}["weather"]
    assert weather["turns"] == 2
    assert weather["description"] == "An agent loop. Calls a tool, then answers from its result."


def test_put_scenario_as_yaml_answers_the_next_request(http: httpx.Client) -> None:
    response = http.put("/_mock/scenario", content=GREETING_YAML, headers={"content-type": "application/yaml"})
    assert response.json() == {"scenario": {"name": "inline", "description": "", "turns": 1, "source": "<inline>"}}
    assert chat(http) == "Hello from the control API"


def test_put_scenario_as_json_with_a_name(http: httpx.Client) -> None:
    response = http.put("/_mock/scenario", params={"name": "greeting"}, json={"turns": ["Hello, JSON"]})
    assert response.json()["scenario"]["name"] == "greeting"
    assert chat(http) == "Hello, JSON"
    assert http.get("/_mock/requests").json()["requests"][0]["scenario"] == "greeting"


def test_put_scenario_by_name_pins_a_folder_scenario(http: httpx.Client) -> None:
    assert http.put("/_mock/scenario", json="default").json()["scenario"]["name"] == "default"
    assert http.get("/_mock/scenario").json()["scenario"]["name"] == "default"
    assert http.delete("/_mock/scenario").json() == {"scenario": None}


def test_invalid_scenario_is_a_422_listing_each_problem_with_its_line(http: httpx.Client) -> None:
    response = http.put("/_mock/scenario", content="turns:\n  - text: hi\n    chunk: sideways\n")
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["type"] == "invalid_scenario"
    assert error["problems"] == [
        "<inline>:3: turns[0].chunk: expected word, char, a positive size, or a list of pieces"
    ]


def test_unknown_scenario_name_is_a_404_naming_the_available_ones(http: httpx.Client) -> None:
    response = http.put("/_mock/scenario", content="wether")
    assert response.status_code == 404
    assert response.json()["error"]["type"] == "scenario_not_found"
    assert "no scenario named 'wether'; available scenarios: " in response.json()["error"]["message"]


@pytest.mark.parametrize(
    ("body", "headers", "message"),
    [
        ("", {}, "Send a scenario name, or a scenario document as YAML or JSON."),
        ("{oops", {"content-type": "application/json"}, "The body is not valid JSON"),
        ("[1, 2]", {"content-type": "application/json"}, "Expected a scenario name (a JSON string) or a scenario"),
    ],
)
def test_a_bad_scenario_body_is_a_400(http: httpx.Client, body: str, headers: dict[str, str], message: str) -> None:
    response = http.put("/_mock/scenario", content=body, headers=headers)
    assert response.status_code == 400
    assert response.json()["error"]["message"].startswith(message)


def test_added_scenario_is_chosen_by_model_name(http: httpx.Client) -> None:
    assert http.put("/_mock/scenarios/planner", content='turns: ["I plan."]').status_code == 200
    response = http.post("/v1/chat/completions", json={**CHAT, "model": "planner"})
    assert response.json()["choices"][0]["message"]["content"] == "I plan."


def test_a_folder_scenario_can_be_added_under_a_model_name(http: httpx.Client) -> None:
    assert http.put("/_mock/scenarios/claude-haiku-4-5", content="weather").json()["scenario"]["turns"] == 2
    http.put("/_mock/speed", content="100")
    response = http.post("/v1/chat/completions", json={**CHAT, "model": "claude-haiku-4-5"})
    assert response.json()["choices"][0]["message"]["tool_calls"][0]["function"]["name"] == "get_weather"


def test_requests_lists_the_journal_and_delete_clears_it(http: httpx.Client) -> None:
    http.put("/_mock/scenario", content=GREETING_YAML)
    chat(http)
    (call,) = http.get("/_mock/requests").json()["requests"]
    assert (call["dialect"], call["path"], call["status"], call["turn"]) == (
        "openai_chat",
        "/v1/chat/completions",
        200,
        0,
    )
    assert call["body"] == CHAT
    assert call["finished"] is True
    assert http.delete("/_mock/requests").json() == {"cleared": 1}
    assert http.get("/_mock/requests").json()["requests"] == []


def test_requests_can_be_filtered_by_dialect(http: httpx.Client) -> None:
    http.put("/_mock/scenario", content=GREETING_YAML)
    chat(http)
    assert http.get("/_mock/requests", params={"dialect": "nope"}).json()["requests"] == []


def test_speed_is_set_and_reset_per_namespace(http: httpx.Client, mock_llm: MockLLM) -> None:
    assert http.put("/_mock/speed", content="4").json() == {"speed": 4.0}
    assert mock_llm.speed == 4.0
    assert http.delete("/_mock/speed").json() == {"speed": 1.0}


@pytest.mark.parametrize("body", ["0", "-1", "fast", "true"])
def test_a_speed_that_is_not_a_positive_number_is_a_400(http: httpx.Client, body: str) -> None:
    response = http.put("/_mock/speed", content=body)
    assert response.status_code == 400
    assert response.json()["error"]["type"] == "invalid_speed"


def test_delete_attempts_restarts_the_counters(http: httpx.Client, mock_llm: MockLLM) -> None:
    namespace = mock_llm.server.state.namespaces.get(mock_llm.name)
    namespace.next_attempt("flaky", 0)
    assert http.get("/_mock/namespace").json()["attempts"] == [{"scenario": "flaky", "turn": 0, "count": 1}]
    assert http.delete("/_mock/attempts").json() == {"attempts": []}
    assert namespace.next_attempt("flaky", 0) == 0


def test_reset_forgets_scenario_speed_and_requests(http: httpx.Client, mock_llm: MockLLM) -> None:
    http.put("/_mock/scenario", content=GREETING_YAML)
    http.put("/_mock/speed", content="3")
    chat(http)
    state = http.post("/_mock/reset").json()
    assert state == {
        "namespace": mock_llm.name,
        "scenario": None,
        "scenarios": [],
        "speed": 1.0,
        "requests": 0,
        "evicted": 0,
        "attempts": [],
    }


def test_a_namespace_never_sees_another_namespaces_requests(http: httpx.Client, mock_llm_server: MockServer) -> None:
    other = mock_llm_server.namespace()
    try:
        other.use(GREETING_YAML)
        with httpx.Client(base_url=other.base_url) as other_http:
            chat(other_http)
        assert http.get("/_mock/requests").json()["requests"] == []
        assert http.get("/_mock/scenario").json()["scenario"] is None
    finally:
        other.close()


def test_bare_control_paths_act_on_the_default_namespace() -> None:
    with MockServer({}) as server, httpx.Client(base_url=server.url) as http:
        http.put("/_mock/scenario", content=GREETING_YAML)
        assert chat(http) == "Hello from the control API"
        assert [c.path for c in server.journal.calls("")] == ["/v1/chat/completions"]
        assert http.get("/_mock/namespace").json()["namespace"] == ""


@pytest.mark.parametrize(
    ("method", "path", "status", "code"),
    [
        ("GET", "/_mock/nothing", 404, "unknown_url"),
        ("POST", "/_mock/requests", 405, "method_not_allowed"),
        ("GET", "/_mock/requests?wait=soon", 400, None),
    ],
)
def test_control_mistakes_are_json_errors(http: httpx.Client, method: str, path: str, status: int, code: str) -> None:
    response = http.request(method, path)
    assert response.status_code == status
    assert response.headers["content-type"] == "application/json"
    assert response.json()["error"].get("code") == code


def test_an_unknown_control_url_lists_the_control_routes(http: httpx.Client) -> None:
    message = http.get("/_mock/scenarioz").json()["error"]["message"]
    assert message.startswith("Unknown control URL: GET /_ns/")
    assert "The control API serves GET /_mock/namespace, DELETE /_mock/namespace, POST /_mock/reset" in message


def test_delete_attempts_makes_fail_first_fail_again(http: httpx.Client) -> None:
    http.put("/_mock/scenario", content='turns: [{text: "ok", fail_first: [503]}]')
    assert [http.post("/v1/chat/completions", json=CHAT).status_code for _ in range(2)] == [503, 200]
    http.delete("/_mock/attempts")
    assert http.post("/v1/chat/completions", json=CHAT).status_code == 503
    statuses = [(r["status"], r["faults"]) for r in http.get("/_mock/requests").json()["requests"]]
    assert statuses == [(503, ["fail_first"]), (200, []), (503, ["fail_first"])]
