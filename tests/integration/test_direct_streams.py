"""Clean streams to the API paths are served on timer callbacks, without the ASGI app; the
connection behaves as HTTP/1.1 says whichever path a request takes."""

from __future__ import annotations

import gc
import json
import socket
import time
from typing import Any

import openai
import pytest

from mockserver import MockServer, scenario_from_data
from mockserver.app import MockApp
from tests.conftest import Clients, ServeFn

USER = [{"role": "user", "content": "hi"}]
HELLO = 'turns: ["Hello there, friend"]'


def chat_request(body: dict[str, Any] | None = None, *, headers: bytes = b"") -> bytes:
    payload = json.dumps(body or {"model": "m", "stream": True, "messages": USER}).encode()
    return (
        b"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        b"Content-Length: %d\r\n%b\r\n%b" % (len(payload), headers, payload)
    )


def read_until(sock: socket.socket, marker: bytes, count: int = 1, timeout: float = 5.0) -> bytes:
    """What the socket sends until `marker` has been seen `count` times, or the server closes."""
    sock.settimeout(timeout)
    pieces: list[bytes] = []
    seen = 0
    tail = b""
    while seen < count:
        piece = sock.recv(1 << 20)
        if not piece:
            break
        pieces.append(piece)
        seen += (tail + piece).count(marker)
        tail = piece[-len(marker) + 1 :]
    return b"".join(pieces)


def wait_until_closed(server: MockServer) -> None:
    deadline = time.monotonic() + 2
    while server.open_connections:
        assert time.monotonic() < deadline, "the server never saw the connections close"
        time.sleep(0.01)


@pytest.fixture
def asgi_calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The paths of the requests that reached the ASGI app."""
    seen: list[str] = []
    original = MockApp.__call__

    async def counting(self: MockApp, scope: Any, receive: Any, send: Any) -> None:
        seen.append(scope["path"])
        await original(self, scope, receive, send)

    monkeypatch.setattr(MockApp, "__call__", counting)
    return seen


def test_a_clean_stream_never_reaches_the_asgi_app(serve: ServeFn, clients: Clients, asgi_calls: list[str]) -> None:
    server = serve(HELLO)
    stream = clients.openai(server).chat.completions.create(model="m", messages=USER, stream=True)  # type: ignore[arg-type]
    assert "".join(c.choices[0].delta.content or "" for c in stream if c.choices) == "Hello there, friend"
    assert asgi_calls == []
    assert server.journal.calls()[-1].completed


def test_an_answer_that_is_not_a_clean_stream_is_carried_out_by_the_asgi_app_once(
    serve: ServeFn, clients: Clients, asgi_calls: list[str]
) -> None:
    server = serve('turns:\n  - text: "Hello"\n    headers_delay: 50ms\n')
    stream = clients.openai(server).chat.completions.create(model="m", messages=USER, stream=True)  # type: ignore[arg-type]
    assert "".join(c.choices[0].delta.content or "" for c in stream if c.choices) == "Hello"
    assert asgi_calls == ["/v1/chat/completions"]
    server.journal.settle()
    assert [(c.status, c.completed) for c in server.journal.calls()] == [(200, True)]


def test_a_client_mistake_found_at_once_is_still_the_dialects_own_error(serve: ServeFn, clients: Clients) -> None:
    server = serve(HELLO)
    with pytest.raises(openai.BadRequestError) as caught:
        clients.openai(server).chat.completions.create(model="m", messages=[], stream=True)
    assert caught.value.status_code == 400
    assert server.journal.calls()[-1].status == 400


def test_streams_follow_one_another_on_a_kept_alive_connection(serve: ServeFn) -> None:
    server = serve(HELLO)
    with socket.create_connection(("127.0.0.1", server.port)) as sock:
        for _ in range(3):
            sock.sendall(chat_request())
            response = read_until(sock, b"0\r\n\r\n")
            assert response.startswith(b"HTTP/1.1 200 OK\r\n")
            assert b"data: [DONE]" in response
    server.journal.settle()
    assert [c.completed for c in server.journal.calls()] == [True, True, True]


def test_pipelined_requests_are_answered_in_order_one_after_the_other(serve: ServeFn) -> None:
    server = serve('timing: {tokens_per_second: 100}\nturns: ["one two three four five"]\n')
    with socket.create_connection(("127.0.0.1", server.port)) as sock:
        sock.sendall(chat_request() + chat_request())
        data = read_until(sock, b"0\r\n\r\n", count=2)
    first, second = data.split(b"HTTP/1.1 200 OK\r\n")[1:]
    # The second response starts only after the first has ended.
    assert first.endswith(b"data: [DONE]\n\n\r\n0\r\n\r\n")
    assert second.count(b"data: [DONE]") == 1
    server.journal.settle()
    assert [c.completed for c in server.journal.calls()] == [True, True]


def test_a_client_that_asks_to_close_gets_connection_close_and_the_end_of_the_socket(serve: ServeFn) -> None:
    server = serve(HELLO)
    with socket.create_connection(("127.0.0.1", server.port)) as sock:
        sock.sendall(chat_request(headers=b"Connection: close\r\n"))
        data = read_until(sock, b"never sent")
    head = data.split(b"\r\n\r\n", 1)[0].lower()
    assert b"\r\nconnection: close" in head
    assert b"\r\ntransfer-encoding: chunked" in head
    assert data.endswith(b"0\r\n\r\n")


def test_a_client_that_expects_100_continue_gets_it_then_its_stream(serve: ServeFn) -> None:
    server = serve(HELLO)
    request = chat_request(headers=b"Expect: 100-continue\r\n")
    head, body = request.split(b"\r\n\r\n", 1)
    with socket.create_connection(("127.0.0.1", server.port)) as sock:
        sock.sendall(head + b"\r\n\r\n")
        assert read_until(sock, b"\r\n\r\n").startswith(b"HTTP/1.1 100 Continue")
        sock.sendall(body)
        assert b"data: [DONE]" in read_until(sock, b"0\r\n\r\n")


def test_a_body_larger_than_the_read_buffer_is_read_as_it_arrives(serve: ServeFn, clients: Clients) -> None:
    server = serve(HELLO)
    long_prompt = [{"role": "user", "content": "x" * 300_000}]
    stream = clients.openai(server).chat.completions.create(model="m", messages=long_prompt, stream=True)  # type: ignore[arg-type]
    assert "".join(c.choices[0].delta.content or "" for c in stream if c.choices) == "Hello there, friend"
    assert len(server.journal.calls()[-1].body["messages"][0]["content"]) == 300_000  # type: ignore[index]


def test_a_client_that_stops_reading_gets_the_whole_stream_once_it_reads_again(serve: ServeFn) -> None:
    # 8 MB in 200 writes, 1 ms apart: more than loopback's socket buffers hold, so the server
    # must wait for the client to drain and carry on where it stopped.
    server = serve()
    turn = {"text": "y" * 8_000_000, "chunk": 40_000}
    server.set_scenarios(
        {"default": scenario_from_data({"timing": {"tokens_per_second": 1000}, "turns": [turn]}, "default")}
    )
    with socket.create_connection(("127.0.0.1", server.port)) as sock:
        sock.sendall(chat_request())
        time.sleep(0.3)
        data = read_until(sock, b"0\r\n\r\n")
    assert data.count(b"y" * 40_000) == 200
    assert data.endswith(b"data: [DONE]\n\n\r\n0\r\n\r\n")
    server.journal.settle()
    assert server.journal.calls()[-1].completed


def test_a_closed_connection_leaves_nothing_for_the_garbage_collector(serve: ServeFn) -> None:
    # Held streams outlive many young collections, so whatever they leave in reference cycles
    # waits for a full collection, which a busy server rarely makes: memory would only grow.
    server = serve(HELLO)
    gc.collect()
    gc.disable()
    try:
        for _ in range(20):
            with socket.create_connection(("127.0.0.1", server.port)) as sock:
                sock.sendall(chat_request())
                read_until(sock, b"0\r\n\r\n")
        wait_until_closed(server)
        gc.set_debug(gc.DEBUG_SAVEALL)
        gc.collect()
        left = {type(o).__name__ for o in gc.garbage}
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        gc.enable()
    assert not left & {"MockHttpProtocol", "RequestResponseCycle", "DirectStream"}


def test_open_connections_counts_what_a_client_holds_open(serve: ServeFn) -> None:
    server = serve(HELLO)
    # Connections of earlier tests on this server close as their clients are torn down.
    wait_until_closed(server)
    with socket.create_connection(("127.0.0.1", server.port)) as sock:
        sock.sendall(chat_request())
        read_until(sock, b"0\r\n\r\n")
        assert server.open_connections == 1
    wait_until_closed(server)


def test_a_failure_before_a_direct_stream_starts_is_a_500_that_check_raises(
    serve: ServeFn, clients: Clients, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = serve(HELLO)

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("the stream could not start")

    monkeypatch.setattr("mockserver.app.DirectStream", broken)
    with pytest.raises(openai.InternalServerError):
        list(clients.openai(server).chat.completions.create(model="m", messages=USER, stream=True))  # type: ignore[arg-type]
    assert server.journal.calls()[-1].status == 500
    with pytest.raises(RuntimeError, match="the stream could not start"):
        server.check()


def test_a_failure_inside_a_direct_stream_cuts_the_connection_and_check_raises_it(
    serve: ServeFn, clients: Clients, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = serve('timing: {tokens_per_second: 50}\nturns: ["one two three"]\n')

    def broken(self: object) -> None:
        raise RuntimeError("a write went wrong")

    monkeypatch.setattr("mockserver.direct.DirectStream._write_due", broken)
    with pytest.raises(openai.APIConnectionError):
        list(clients.openai(server).chat.completions.create(model="m", messages=USER, stream=True))  # type: ignore[arg-type]
    server.journal.settle()
    assert server.journal.calls()[-1].error == "RuntimeError: a write went wrong"
    with pytest.raises(RuntimeError, match="a write went wrong"):
        server.check()
