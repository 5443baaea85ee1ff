"""Every fault against the official openai SDK on Responses, over a real socket.

Transport faults raise as on Chat (the same SDK streaming code). What differs is the API's own
error: Responses sends an `error` event and `response.failed`, which the SDK yields instead of
raising; only its stream helper notices, when no `response.completed` arrives.
"""

from __future__ import annotations

import json
import time

import httpx2
import openai
import pytest

from tests.conftest import Clients, ServeFn
from tests.integration.faultkit import mid_sentence, wait_for_calls


def stream_types(sdk: openai.OpenAI, seen: list[str] | None = None) -> list[str]:
    """Raw iteration: the event types in order, the text deltas collected in `seen`."""
    seen = [] if seen is None else seen
    types: list[str] = []
    for event in sdk.responses.create(model="gpt-4.1", input="Tell me something.", stream=True):
        types.append(event.type)
        if event.type == "response.output_text.delta":
            seen.append(event.delta)
    return types


def final_text(sdk: openai.OpenAI) -> str:
    with sdk.responses.stream(model="gpt-4.1", input="Tell me something.") as stream:
        return stream.get_final_response().output_text


@pytest.mark.parametrize(
    ("fault", "cause"),
    [
        ("disconnect", httpx2.RemoteProtocolError),
        ("reset", httpx2.ReadError),
        ("{truncate: 20}", httpx2.RemoteProtocolError),
    ],
)
def test_a_cut_connection_raises_api_connection_error_after_the_first_text_and_is_not_retried(
    serve: ServeFn, clients: Clients, fault: str, cause: type[Exception]
) -> None:
    server = serve(mid_sentence(fault))
    seen: list[str] = []
    with pytest.raises(openai.APIConnectionError) as caught:
        stream_types(clients.openai(server, max_retries=2), seen)
    assert isinstance(caught.value.__cause__, cause)
    assert seen == ["Hello", " there"]
    assert len(server.journal.calls()) == 1


def test_a_stall_with_a_one_second_read_timeout_raises_api_timeout_error_within_three_seconds(
    serve: ServeFn, clients: Clients
) -> None:
    server = serve(mid_sentence("{stall: 30s}"))
    started = time.monotonic()
    with pytest.raises(openai.APITimeoutError):
        stream_types(clients.openai(server, timeout=1.0, max_retries=2))
    assert 0.9 < time.monotonic() - started < 3.0
    (call,) = wait_for_calls(server, lambda c: c.client_disconnected)
    assert call.faults == ["stall"]


@pytest.mark.parametrize("fault", ['{malformed: "data: {not json\\n\\n"}', "invalid_json"])
def test_a_frame_that_is_not_json_raises_a_bare_json_decode_error(serve: ServeFn, clients: Clients, fault: str) -> None:
    server = serve(mid_sentence(fault))
    with pytest.raises(json.JSONDecodeError):
        stream_types(clients.openai(server))


def test_an_error_event_is_yielded_not_raised_and_followed_by_response_failed(serve: ServeFn, clients: Clients) -> None:
    server = serve(mid_sentence("{error: overloaded}"))
    seen: list[str] = []
    types = stream_types(clients.openai(server, max_retries=2), seen)
    assert types[-2:] == ["error", "response.failed"]
    assert seen == ["Hello", " there"]
    (call,) = server.journal.calls()
    assert call.faults == ["error"]


def test_the_stream_helper_reports_the_missing_completion_as_runtime_error(serve: ServeFn, clients: Clients) -> None:
    server = serve(mid_sentence("{error: overloaded}"))
    with pytest.raises(RuntimeError, match=r"response\.completed"):
        final_text(clients.openai(server))


def test_a_graceful_disconnect_ends_iteration_silently_but_the_helper_raises(serve: ServeFn, clients: Clients) -> None:
    server = serve(mid_sentence("{disconnect: graceful}"))
    seen: list[str] = []
    types = stream_types(clients.openai(server), seen)
    assert seen == ["Hello", " there"]
    assert "response.completed" not in types
    with pytest.raises(RuntimeError, match=r"response\.completed"):
        final_text(clients.openai(server))


@pytest.mark.parametrize(
    ("fault", "text"), [("duplicate", "Hello there and and goodbye"), ("reorder", "Hello there goodbye and")]
)
def test_duplicated_or_reordered_deltas_corrupt_the_text_silently(
    serve: ServeFn, clients: Clients, fault: str, text: str
) -> None:
    server = serve(mid_sentence(fault))
    seen: list[str] = []
    stream_types(clients.openai(server), seen)
    assert "".join(seen) == text


def test_a_stall_with_keepalive_comments_survives_the_read_timeout(serve: ServeFn, clients: Clients) -> None:
    server = serve(mid_sentence("{stall: 1.2s, keepalive: 0.3s}"))
    assert final_text(clients.openai(server, timeout=1.0)) == "Hello there and goodbye"


def test_fail_first_429_then_success_with_the_retry_after_honoured(serve: ServeFn, clients: Clients) -> None:
    server = serve("turns:\n  - text: Recovered\n    fail_first: [{status: 429, retry_after: 0.2}]\n")
    assert final_text(clients.openai(server, max_retries=2)) == "Recovered"
    first, second = server.journal.calls()
    assert (first.status, first.faults, second.status) == (429, ["fail_first"], 200)
    assert 0.2 <= second.time - first.time < 1.5
    assert second.headers["x-stainless-retry-count"] == "1"


def test_a_429_on_responses_carries_the_openai_rate_limit_headers(serve: ServeFn, clients: Clients) -> None:
    server = serve("turns:\n  - text: hi\n    http_error: {status: 429, retry_after: 2}\n")
    with pytest.raises(openai.RateLimitError) as caught:
        final_text(clients.openai(server))
    assert caught.value.response.headers["retry-after-ms"] == "2000"
    assert caught.value.response.headers["x-ratelimit-remaining-requests"] == "0"


def test_a_cut_before_a_non_streaming_answer_is_a_connection_error_the_sdk_retries(
    serve: ServeFn, clients: Clients
) -> None:
    server = serve(mid_sentence("reset"))
    with pytest.raises(openai.APIConnectionError):
        clients.openai(server, max_retries=1).responses.create(model="gpt-4.1", input="Tell me something.")
    assert [c.faults for c in server.journal.calls()] == [["reset"]] * 2


def test_an_error_fails_a_non_streaming_request_with_its_http_status(serve: ServeFn, clients: Clients) -> None:
    server = serve(mid_sentence("{error: rate_limit}"))
    with pytest.raises(openai.RateLimitError):
        clients.openai(server).responses.create(model="gpt-4.1", input="Tell me something.")
