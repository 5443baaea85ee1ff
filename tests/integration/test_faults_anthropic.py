"""Every fault against the official anthropic SDK on Messages, over a real socket.

Each test backs one row of the README's fault table. The anthropic SDK lets transport errors met while
iterating a stream through unwrapped, as raw httpx2 exceptions, and never retries a stream once
it has started; HTTP errors before the stream map to its own classes and are retried by status.
"""

from __future__ import annotations

import json
import time

import anthropic
import httpx2
import pytest

from tests.conftest import Clients, ServeFn
from tests.integration.faultkit import USER, mid_sentence, read_raw, wait_for_calls


def stream_text(sdk: anthropic.Anthropic, seen: list[str] | None = None) -> anthropic.types.Message:
    seen = [] if seen is None else seen
    with sdk.messages.stream(model="claude-test", max_tokens=100, messages=USER) as stream:  # type: ignore[arg-type]
        for text in stream.text_stream:
            seen.append(text)
        return stream.get_final_message()


def create(sdk: anthropic.Anthropic) -> anthropic.types.Message:
    return sdk.messages.create(model="claude-test", max_tokens=100, messages=USER)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("fault", "raised"),
    [
        ("disconnect", httpx2.RemoteProtocolError),
        ("reset", httpx2.ReadError),
        ("{truncate: 20}", httpx2.RemoteProtocolError),
    ],
)
def test_a_cut_connection_raises_the_raw_httpx2_error_after_the_first_text_and_is_not_retried(
    serve: ServeFn, clients: Clients, fault: str, raised: type[Exception]
) -> None:
    server = serve(mid_sentence(fault))
    seen: list[str] = []
    with pytest.raises(raised):
        stream_text(clients.anthropic(server, max_retries=2), seen)
    assert seen == ["Hello", " there"]
    (call,) = server.journal.calls()
    assert call.faults == [fault.strip("{}").split(":")[0]]


def test_a_stall_with_a_one_second_read_timeout_raises_raw_read_timeout_within_three_seconds(
    serve: ServeFn, clients: Clients
) -> None:
    server = serve(mid_sentence("{stall: 30s}"))
    seen: list[str] = []
    started = time.monotonic()
    with pytest.raises(httpx2.ReadTimeout):
        stream_text(clients.anthropic(server, timeout=1.0, max_retries=2), seen)
    assert 0.9 < time.monotonic() - started < 3.0
    assert seen == ["Hello", " there"]
    (call,) = wait_for_calls(server, lambda c: c.client_disconnected)
    assert call.faults == ["stall"]
    assert call.client_disconnected


def test_a_stall_with_keepalive_is_filled_with_ping_events(serve: ServeFn) -> None:
    server = serve(mid_sentence("{stall: 0.5s, keepalive: 0.1s}"))
    body, _ = read_raw(
        f"{server.base_url}/v1/messages",
        {"model": "claude-test", "max_tokens": 100, "messages": USER, "stream": True},  # type: ignore[dict-item]
        headers={"x-api-key": "k", "anthropic-version": "2023-06-01"},
    )
    # Four during the stall, beside the one the API sends after the first content block starts.
    assert body.count(b'event: ping\ndata: {"type": "ping"}\n\n') == 5


def test_a_stall_with_ping_events_survives_the_same_read_timeout(serve: ServeFn, clients: Clients) -> None:
    server = serve(mid_sentence("{stall: 1.2s, keepalive: 0.3s}"))
    message = stream_text(clients.anthropic(server, timeout=1.0))
    assert message.content[0].type == "text"
    assert message.content[0].text == "Hello there and goodbye"


def test_a_stall_sends_no_default_pings_so_it_looks_dead(serve: ServeFn) -> None:
    server = serve(mid_sentence("{stall: 0.3s}"))
    body, _ = read_raw(
        f"{server.base_url}/v1/messages",
        {"model": "claude-test", "max_tokens": 100, "messages": USER, "stream": True},  # type: ignore[dict-item]
        headers={"x-api-key": "k", "anthropic-version": "2023-06-01"},
    )
    # The one ping the API sends after the first content block start, and no other.
    assert body.count(b"event: ping") == 1


def test_invalid_json_raises_a_bare_json_decode_error(serve: ServeFn, clients: Clients) -> None:
    server = serve(mid_sentence("invalid_json"))
    seen: list[str] = []
    with pytest.raises(json.JSONDecodeError):
        stream_text(clients.anthropic(server, max_retries=2), seen)
    assert seen == ["Hello", " there"]
    assert len(server.journal.calls()) == 1


def test_a_malformed_frame_with_an_event_line_raises_json_decode_error(serve: ServeFn, clients: Clients) -> None:
    server = serve(mid_sentence('{malformed: "event: content_block_delta\\ndata: {oops\\n\\n"}'))
    with pytest.raises(json.JSONDecodeError):
        stream_text(clients.anthropic(server))


def test_a_malformed_data_only_frame_is_skipped_by_the_anthropic_sdk(serve: ServeFn, clients: Clients) -> None:
    server = serve(mid_sentence('{malformed: "data: {oops\\n\\n"}'))
    message = stream_text(clients.anthropic(server))
    assert message.content[0].text == "Hello there and goodbye"  # type: ignore[union-attr]
    assert server.journal.calls()[0].faults == ["malformed"]


def test_an_overloaded_error_event_raises_api_status_error_200_after_the_first_text(
    serve: ServeFn, clients: Clients
) -> None:
    server = serve(mid_sentence("{error: overloaded}"))
    seen: list[str] = []
    with pytest.raises(anthropic.APIStatusError) as caught:
        stream_text(clients.anthropic(server, max_retries=2), seen)
    assert type(caught.value) is anthropic.APIStatusError
    assert caught.value.status_code == 200
    assert caught.value.type == "overloaded_error"
    assert seen == ["Hello", " there"]
    (call,) = server.journal.calls()
    assert call.faults == ["error"]


def test_a_graceful_disconnect_returns_a_partial_message_with_no_stop_reason(serve: ServeFn, clients: Clients) -> None:
    server = serve(mid_sentence("{disconnect: graceful}"))
    message = stream_text(clients.anthropic(server))
    assert message.content[0].text == "Hello there"  # type: ignore[union-attr]
    assert message.stop_reason is None


@pytest.mark.parametrize(
    ("fault", "text"), [("duplicate", "Hello there and and goodbye"), ("reorder", "Hello there goodbye and")]
)
def test_duplicated_or_reordered_deltas_corrupt_the_text_silently(
    serve: ServeFn, clients: Clients, fault: str, text: str
) -> None:
    server = serve(mid_sentence(fault))
    message = stream_text(clients.anthropic(server))
    assert message.content[0].text == text  # type: ignore[union-attr]
    assert message.stop_reason == "end_turn"


def test_one_byte_writes_split_multibyte_characters_and_the_text_survives(serve: ServeFn, clients: Clients) -> None:
    server = serve('turns:\n  - text: "Grüße, 世界 🌍"\n    write: {bytes: 1}\n')
    assert stream_text(clients.anthropic(server)).content[0].text == "Grüße, 世界 🌍"  # type: ignore[union-attr]


def test_headers_delay_past_the_read_timeout_is_a_timeout_the_sdk_retries(serve: ServeFn, clients: Clients) -> None:
    server = serve('turns:\n  - text: "Hello"\n    headers_delay: 2s\n')
    with pytest.raises(anthropic.APITimeoutError):
        stream_text(clients.anthropic(server, timeout=0.3, max_retries=1))
    assert len(wait_for_calls(server, lambda c: c.client_disconnected, count=2)) == 2


# --- before the stream --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "exception"),
    [
        (400, anthropic.BadRequestError),
        (401, anthropic.AuthenticationError),
        (403, anthropic.PermissionDeniedError),
        (404, anthropic.NotFoundError),
        (408, anthropic.RequestTimeoutError),
        (413, anthropic.RequestTooLargeError),
        (429, anthropic.RateLimitError),
        (500, anthropic.InternalServerError),
        (503, anthropic.ServiceUnavailableError),
        (529, anthropic.OverloadedError),
    ],
)
def test_each_status_raises_its_anthropic_exception(
    serve: ServeFn, clients: Clients, status: int, exception: type[anthropic.APIStatusError]
) -> None:
    server = serve(f"turns:\n  - text: hi\n    http_error: {status}\n")
    with pytest.raises(exception) as caught:
        stream_text(clients.anthropic(server))
    assert type(caught.value) is exception
    assert caught.value.status_code == status
    assert caught.value.request_id is not None
    assert caught.value.request_id.startswith("req_")


def test_a_529_is_overloaded_error_with_x_should_retry_and_is_retried(serve: ServeFn, clients: Clients) -> None:
    server = serve("turns:\n  - text: hi\n    http_error: {status: 529, retry_after: 0.01}\n")
    with pytest.raises(anthropic.OverloadedError) as caught:
        stream_text(clients.anthropic(server, max_retries=2))
    assert caught.value.response.headers["x-should-retry"] == "true"
    assert caught.value.type == "overloaded_error"
    assert [c.status for c in server.journal.calls()] == [529, 529, 529]


def test_a_429_carries_retry_after_and_the_anthropic_rate_limit_headers(serve: ServeFn, clients: Clients) -> None:
    server = serve("turns:\n  - text: hi\n    http_error: {status: 429, retry_after: 20}\n")
    with pytest.raises(anthropic.RateLimitError) as caught:
        stream_text(clients.anthropic(server))
    headers = caught.value.response.headers
    assert headers["retry-after"] == "20"
    assert headers["anthropic-ratelimit-requests-remaining"] == "0"
    assert headers["anthropic-ratelimit-requests-reset"].endswith("Z")
    assert caught.value.body == {
        "type": "error",
        "error": {"type": "rate_limit_error", "message": "Rate limit reached. Please try again later."},
        "request_id": caught.value.request_id,
    }


def test_fail_first_429_then_success_with_the_retry_after_honoured(serve: ServeFn, clients: Clients) -> None:
    server = serve("turns:\n  - text: Recovered\n    fail_first: [{status: 429, retry_after: 0.2}]\n")
    message = stream_text(clients.anthropic(server, max_retries=2))
    assert message.content[0].text == "Recovered"  # type: ignore[union-attr]
    first, second = server.journal.calls()
    assert (first.status, first.faults) == (429, ["fail_first"])
    assert (second.status, second.completed) == (200, True)
    assert 0.2 <= second.time - first.time < 1.5


def test_a_retry_after_of_an_hour_makes_the_anthropic_sdk_sleep_an_hour(
    serve: ServeFn, clients: Clients, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = serve("turns:\n  - text: hi\n    fail_first: [{status: 429, retry_after: 3600}]\n")
    slept: list[float] = []
    # The SDK's own sleep, recorded instead of waited: the point is the delay it chose.
    monkeypatch.setattr("anthropic._base_client.time.sleep", slept.append)
    message = stream_text(clients.anthropic(server, max_retries=1))
    assert message.content[0].text == "hi"  # type: ignore[union-attr]
    assert slept == [3600.0]


# --- non-streaming ------------------------------------------------------------------------------------


def test_a_cut_before_a_non_streaming_answer_is_an_api_connection_error_the_sdk_retries(
    serve: ServeFn, clients: Clients
) -> None:
    server = serve(mid_sentence("disconnect"))
    with pytest.raises(anthropic.APIConnectionError):
        create(clients.anthropic(server, max_retries=1))
    assert [c.faults for c in server.journal.calls()] == [["disconnect"]] * 2


def test_an_overloaded_error_fails_a_non_streaming_request_with_529(serve: ServeFn, clients: Clients) -> None:
    server = serve(mid_sentence("{error: overloaded}"))
    with pytest.raises(anthropic.OverloadedError):
        create(clients.anthropic(server))


@pytest.mark.parametrize(
    ("status", "attempts", "should_retry"),
    [
        (400, 1, None),
        (401, 1, None),
        (404, 1, None),
        (408, 2, "true"),
        (413, 1, None),
        (429, 2, "true"),
        (500, 2, "true"),
        (503, 2, "true"),
        (529, 2, "true"),
    ],
)
def test_which_statuses_the_anthropic_sdk_retries(
    serve: ServeFn, clients: Clients, status: int, attempts: int, should_retry: str | None
) -> None:
    server = serve(f"turns:\n  - text: hi\n    http_error: {{status: {status}, retry_after: 0.01}}\n")
    with pytest.raises(anthropic.APIStatusError) as caught:
        stream_text(clients.anthropic(server, max_retries=1))
    assert caught.value.response.headers.get("x-should-retry") == should_retry
    assert len(server.journal.calls()) == attempts
