"""HTTP errors before the stream, against the official openai SDK: the exception class for each
status, the headers that steer its retries, and fail_first driving a retry to success."""

from __future__ import annotations

import httpx2
import openai
import pytest

from tests.conftest import Clients, ServeFn
from tests.integration.faultkit import USER


def ask(sdk: openai.OpenAI, *, stream: bool = True) -> str:
    if not stream:
        return sdk.chat.completions.create(model="gpt-4o", messages=USER).choices[0].message.content or ""  # type: ignore[arg-type]
    chunks = sdk.chat.completions.create(model="gpt-4o", messages=USER, stream=True)  # type: ignore[arg-type]
    return "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)


@pytest.mark.parametrize(
    ("status", "exception"),
    [
        (400, openai.BadRequestError),
        (401, openai.AuthenticationError),
        (403, openai.PermissionDeniedError),
        (404, openai.NotFoundError),
        (408, openai.APIStatusError),
        (413, openai.APIStatusError),
        (429, openai.RateLimitError),
        (500, openai.InternalServerError),
        (502, openai.InternalServerError),
        (503, openai.InternalServerError),
        (529, openai.InternalServerError),
    ],
)
def test_each_status_raises_its_sdk_exception(
    serve: ServeFn, clients: Clients, status: int, exception: type[openai.APIStatusError]
) -> None:
    server = serve(f"turns:\n  - text: hi\n    http_error: {status}\n")
    with pytest.raises(exception) as caught:
        ask(clients.openai(server))
    assert type(caught.value) is exception
    assert caught.value.status_code == status
    assert caught.value.request_id is not None
    assert caught.value.request_id.startswith("req_")
    (call,) = server.journal.calls()
    assert (call.status, call.faults) == (status, ["http_error"])


def test_the_error_body_is_openai_shaped_with_the_scenario_message(serve: ServeFn, clients: Clients) -> None:
    server = serve("turns:\n  - text: hi\n    http_error: {status: 429, message: Slow down, type: requests}\n")
    with pytest.raises(openai.RateLimitError) as caught:
        ask(clients.openai(server))
    assert caught.value.message == "Error code: 429 - Slow down"
    assert caught.value.body == {"message": "Slow down", "type": "requests", "param": None, "code": None}


def test_a_429_carries_retry_after_and_the_rate_limit_headers(serve: ServeFn) -> None:
    server = serve("turns:\n  - text: hi\n    http_error: {status: 429, retry_after: 2}\n")
    response = httpx2.post(f"{server.openai_base_url}/chat/completions", json={"model": "m", "messages": USER})
    assert response.status_code == 429
    assert response.headers["retry-after"] == "2"
    assert response.headers["retry-after-ms"] == "2000"
    assert response.headers["x-ratelimit-remaining-requests"] == "0"
    assert response.headers["x-ratelimit-reset-requests"] == "2s"
    assert response.headers["content-type"] == "application/json"


def test_fail_first_429_then_success_with_the_retry_after_honoured(serve: ServeFn, clients: Clients) -> None:
    server = serve("turns:\n  - text: Recovered\n    fail_first: [{status: 429, retry_after: 0.2}]\n")
    assert ask(clients.openai(server, max_retries=2)) == "Recovered"
    first, second = server.journal.calls()
    assert (first.status, first.faults) == (429, ["fail_first"])
    assert (second.status, second.faults, second.completed) == (200, [], True)
    assert first.headers["x-stainless-retry-count"] == "0"
    assert second.headers["x-stainless-retry-count"] == "1"
    assert 0.2 <= second.time - first.time < 1.5


def test_fail_first_takes_each_error_in_turn_then_answers(serve: ServeFn, clients: Clients) -> None:
    server = serve(
        "turns:\n  - text: Third time lucky\n"
        "    fail_first: [{status: 429, retry_after: 0.01}, {status: 529, retry_after: 0.01}]\n"
    )
    assert ask(clients.openai(server, max_retries=2)) == "Third time lucky"
    assert [(c.status, c.faults) for c in server.journal.calls()] == [
        (429, ["fail_first"]),
        (529, ["fail_first"]),
        (200, []),
    ]


def test_fail_first_also_fails_non_streaming_requests(serve: ServeFn, clients: Clients) -> None:
    server = serve("turns:\n  - text: Fine now\n    fail_first: [{status: 503, retry_after: 0.01}]\n")
    assert ask(clients.openai(server, max_retries=1), stream=False) == "Fine now"
    assert [c.status for c in server.journal.calls()] == [503, 200]


def test_server_errors_are_retried_until_the_retries_run_out(serve: ServeFn, clients: Clients) -> None:
    server = serve("turns:\n  - text: hi\n    http_error: {status: 529, retry_after: 0.01}\n")
    with pytest.raises(openai.InternalServerError):
        ask(clients.openai(server, max_retries=2))
    assert [c.status for c in server.journal.calls()] == [529, 529, 529]


def test_a_400_is_not_retried(serve: ServeFn, clients: Clients) -> None:
    server = serve("turns:\n  - text: hi\n    http_error: 400\n")
    with pytest.raises(openai.BadRequestError):
        ask(clients.openai(server, max_retries=2))
    assert len(server.journal.calls()) == 1


@pytest.mark.parametrize(("status", "should_retry", "requests"), [(503, "false", 1), (400, "true", 3)])
def test_x_should_retry_overrides_the_status(
    serve: ServeFn, clients: Clients, status: int, should_retry: str, requests: int
) -> None:
    server = serve(
        f"turns:\n  - text: hi\n    http_error: {{status: {status}, retry_after: 0.01, should_retry: {should_retry}}}\n"
    )
    with pytest.raises(openai.APIStatusError):
        ask(clients.openai(server, max_retries=2))
    assert len(server.journal.calls()) == requests


def test_a_retry_after_beyond_two_minutes_stops_the_openai_sdk_retrying(serve: ServeFn, clients: Clients) -> None:
    server = serve("turns:\n  - text: hi\n    http_error: {status: 429, retry_after: 500}\n")
    with pytest.raises(openai.RateLimitError):
        ask(clients.openai(server, max_retries=2))
    assert len(server.journal.calls()) == 1


@pytest.mark.parametrize(
    ("status", "attempts"),
    [(400, 1), (401, 1), (403, 1), (404, 1), (408, 2), (413, 1), (429, 2), (500, 2), (502, 2), (503, 2), (529, 2)],
)
def test_which_statuses_the_openai_sdk_retries(serve: ServeFn, clients: Clients, status: int, attempts: int) -> None:
    server = serve(f"turns:\n  - text: hi\n    http_error: {{status: {status}, retry_after: 0.01}}\n")
    with pytest.raises(openai.APIStatusError):
        ask(clients.openai(server, max_retries=1))
    assert len(server.journal.calls()) == attempts
