"""Every mid-stream fault against the official openai SDK on Chat Completions, over a real socket.

Each test backs one row of the README's fault table: what the SDK raises (or silently returns), and
whether it retries. Clients get max_retries=2 where "not retried" is the claim.
"""

from __future__ import annotations

import json
import logging
import time

import httpx2
import openai
import pytest

from mockserver.types import JSONObject
from tests.conftest import Clients, ServeFn
from tests.integration.faultkit import USER, mid_sentence, read_raw, wait_for_calls


def stream_text(sdk: openai.OpenAI, seen: list[str] | None = None) -> str:
    seen = [] if seen is None else seen
    for chunk in sdk.chat.completions.create(model="gpt-4o", messages=USER, stream=True):  # type: ignore[arg-type]
        if chunk.choices and chunk.choices[0].delta.content:
            seen.append(chunk.choices[0].delta.content)
    return "".join(seen)


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
        stream_text(clients.openai(server, max_retries=2), seen)
    assert not isinstance(caught.value, openai.APITimeoutError)
    assert isinstance(caught.value.__cause__, cause)
    assert seen == ["Hello", " there"]
    (call,) = server.journal.calls()
    assert call.faults == [fault.strip("{}").split(":")[0]]
    assert call.frames_sent == 3
    assert not call.completed


def test_disconnect_on_the_wire_is_fin_without_done_or_the_chunked_terminator(serve: ServeFn) -> None:
    server = serve(mid_sentence("disconnect"))
    payload: JSONObject = {"model": "m", "messages": USER, "stream": True}  # type: ignore[dict-item]
    body, error = read_raw(f"{server.openai_base_url}/chat/completions", payload)
    assert isinstance(error, httpx2.RemoteProtocolError)
    assert "incomplete chunked read" in str(error)
    assert body.endswith(b"\n\n")
    assert b"[DONE]" not in body
    assert json.loads(body.split(b"\n\n")[-2].removeprefix(b"data: "))["choices"][0]["delta"] == {"content": " there"}


def test_a_stall_with_a_one_second_read_timeout_raises_api_timeout_error_within_three_seconds(
    serve: ServeFn, clients: Clients
) -> None:
    server = serve(mid_sentence("{stall: 30s}"))
    seen: list[str] = []
    started = time.monotonic()
    with pytest.raises(openai.APITimeoutError) as caught:
        stream_text(clients.openai(server, timeout=1.0, max_retries=2), seen)
    elapsed = time.monotonic() - started
    assert 0.9 < elapsed < 3.0
    assert isinstance(caught.value.__cause__, httpx2.ReadTimeout)
    assert seen == ["Hello", " there"]
    (call,) = wait_for_calls(server, lambda c: c.client_disconnected)
    assert call.faults == ["stall"]
    assert call.client_disconnected
    assert call.disconnected_after_frame == 3
    assert call.disconnected_after is not None
    assert 0.9 < call.disconnected_after < 3.0


def test_a_stall_with_keepalive_pings_survives_the_same_read_timeout(serve: ServeFn, clients: Clients) -> None:
    server = serve(mid_sentence("{stall: 1.2s, keepalive: 0.3s}"))
    text = stream_text(clients.openai(server, timeout=1.0))
    assert text == "Hello there and goodbye"
    (call,) = server.journal.calls()
    assert call.faults == ["stall"]
    assert call.completed


@pytest.mark.parametrize("fault", ['{malformed: "data: {not json\\n\\n"}', "invalid_json"])
def test_a_frame_that_is_not_json_raises_a_bare_json_decode_error(serve: ServeFn, clients: Clients, fault: str) -> None:
    server = serve(mid_sentence(fault))
    seen: list[str] = []
    with pytest.raises(json.JSONDecodeError):
        stream_text(clients.openai(server, max_retries=2), seen)
    assert seen == ["Hello", " there"]
    assert len(server.journal.calls()) == 1


def test_an_error_event_raises_api_error_after_the_first_text_and_is_not_retried(
    serve: ServeFn, clients: Clients
) -> None:
    server = serve(mid_sentence("{error: overloaded}"))
    seen: list[str] = []
    with pytest.raises(openai.APIError) as caught:
        stream_text(clients.openai(server, max_retries=2), seen)
    assert type(caught.value) is openai.APIError
    assert caught.value.message == "Overloaded"
    assert caught.value.type == "server_error"
    assert seen == ["Hello", " there"]
    (call,) = server.journal.calls()
    assert call.faults == ["error"]


def test_the_stream_helper_raises_the_same_api_error(serve: ServeFn, clients: Clients) -> None:
    server = serve(mid_sentence("{error: rate_limit}"))
    with (
        pytest.raises(openai.APIError, match="Rate limit"),
        clients.openai(server).chat.completions.stream(model="gpt-4o", messages=USER) as stream,  # type: ignore[arg-type]
    ):
        stream.get_final_completion()


def test_a_duplicated_frame_repeats_its_text_silently(serve: ServeFn, clients: Clients) -> None:
    server = serve(mid_sentence("duplicate"))
    assert stream_text(clients.openai(server)) == "Hello there and and goodbye"
    assert server.journal.calls()[0].faults == ["duplicate"]


def test_reordered_frames_swap_their_text_silently(serve: ServeFn, clients: Clients) -> None:
    server = serve(mid_sentence("reorder"))
    assert stream_text(clients.openai(server)) == "Hello there goodbye and"
    assert server.journal.calls()[0].faults == ["reorder"]


def test_a_graceful_disconnect_gives_the_stream_helper_a_silently_truncated_answer(
    serve: ServeFn, clients: Clients
) -> None:
    server = serve(mid_sentence("{disconnect: graceful}"))
    with clients.openai(server).chat.completions.stream(model="gpt-4o", messages=USER) as stream:  # type: ignore[arg-type]
        completion = stream.get_final_completion()
    assert completion.choices[0].message.content == "Hello there"
    assert completion.choices[0].finish_reason is None  # the only trace of the cut
    (call,) = server.journal.calls()
    assert call.faults == ["disconnect"]


def test_one_byte_writes_split_multibyte_characters_and_the_text_survives(serve: ServeFn, clients: Clients) -> None:
    server = serve('turns:\n  - text: "Grüße, 世界 🌍"\n    write: {bytes: 1}\n')
    assert stream_text(clients.openai(server)) == "Grüße, 世界 🌍"
    call = server.journal.calls()[0]
    assert call.completed
    assert call.bytes_sent > 0


def test_crlf_line_endings_parse_the_same(serve: ServeFn, clients: Clients) -> None:
    server = serve('turns:\n  - text: "Hello there"\n    line_endings: crlf\n')
    assert stream_text(clients.openai(server)) == "Hello there"


def test_headers_delay_past_the_read_timeout_is_a_timeout_the_sdk_retries(serve: ServeFn, clients: Clients) -> None:
    server = serve('turns:\n  - text: "Hello"\n    headers_delay: 2s\n')
    with pytest.raises(openai.APITimeoutError):
        stream_text(clients.openai(server, timeout=0.3, max_retries=1))
    calls = wait_for_calls(server, lambda c: c.client_disconnected, count=2)
    assert len(calls) == 2
    assert all(c.client_disconnected and c.frames_sent == 0 for c in calls)


def test_a_client_that_leaves_mid_stream_is_journaled_with_the_frame_it_left_after(
    serve: ServeFn, clients: Clients
) -> None:
    server = serve('timing: {tokens_per_second: 4}\nturns: ["one two three four five six seven eight"]')
    stream = clients.openai(server).chat.completions.create(model="gpt-4o", messages=USER, stream=True)  # type: ignore[arg-type]
    next(c for c in stream if c.choices and c.choices[0].delta.content)
    stream.close()
    (call,) = wait_for_calls(server, lambda c: c.client_disconnected)
    assert call.client_disconnected
    assert call.disconnected_after_frame == 2
    assert call.faults == []
    assert not call.completed


def test_each_fault_and_client_disconnect_is_logged_on_one_line(
    serve: ServeFn, clients: Clients, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="mockserver")
    server = serve(mid_sentence("{stall: 30s}"))
    with pytest.raises(openai.APITimeoutError):
        stream_text(clients.openai(server, timeout=0.5))
    wait_for_calls(server, lambda c: c.client_disconnected)
    lines = [r.getMessage() for r in caplog.records if r.name == "mockserver"]
    assert any(line.startswith("fault stall fired: POST /v1/chat/completions scenario=default") for line in lines)
    assert any(line.startswith("client disconnected: POST /v1/chat/completions") for line in lines)
    assert all("\n" not in line for line in lines)


# --- the same faults on a non-streaming request -----------------------------------------------------


def create(sdk: openai.OpenAI) -> str:
    return sdk.chat.completions.create(model="gpt-4o", messages=USER).choices[0].message.content or ""  # type: ignore[arg-type]


@pytest.mark.parametrize(("fault", "cause"), [("disconnect", httpx2.RemoteProtocolError), ("reset", httpx2.ReadError)])
def test_a_cut_before_a_non_streaming_answer_is_a_connection_error_the_sdk_retries(
    serve: ServeFn, clients: Clients, fault: str, cause: type[Exception]
) -> None:
    server = serve(mid_sentence(fault))
    with pytest.raises(openai.APIConnectionError) as caught:
        create(clients.openai(server, max_retries=1))
    assert isinstance(caught.value.__cause__, cause)
    calls = server.journal.calls()
    assert [(c.status, c.faults) for c in calls] == [(None, [fault])] * 2


def test_a_truncated_non_streaming_body_is_a_connection_error_the_sdk_retries(serve: ServeFn, clients: Clients) -> None:
    server = serve(mid_sentence("{truncate: 30}"))
    with pytest.raises(openai.APIConnectionError):
        create(clients.openai(server, max_retries=1))
    assert [c.faults for c in server.journal.calls()] == [["truncate"]] * 2


def test_a_mid_stream_error_fails_a_non_streaming_request_with_its_http_status(
    serve: ServeFn, clients: Clients
) -> None:
    server = serve(mid_sentence("{error: overloaded}"))
    with pytest.raises(openai.InternalServerError) as caught:
        create(clients.openai(server, max_retries=0))
    assert caught.value.status_code == 529
    assert server.journal.calls()[0].faults == ["error"]


def test_invalid_json_in_a_non_streaming_body_raises_json_decode_error(serve: ServeFn, clients: Clients) -> None:
    server = serve(mid_sentence("invalid_json"))
    with pytest.raises(json.JSONDecodeError):
        create(clients.openai(server, max_retries=1))
    assert len(server.journal.calls()) == 1
