"""Paced streams written from timer callbacks: the same bytes, at the scripted times, fully journaled."""

from __future__ import annotations

import socket
import time

from tests.conftest import ServeFn

BODY = b'{"model":"m","stream":true,"messages":[{"role":"user","content":"hi"}]}'
REQUEST = (
    b"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
    b"Content-Length: %d\r\n\r\n%b" % (len(BODY), BODY)
)


def read_response(port: int) -> list[tuple[float, bytes]]:
    """Each read of the response, with the seconds since the request was sent."""
    reads: list[tuple[float, bytes]] = []
    with socket.create_connection(("127.0.0.1", port)) as sock:
        sent = time.monotonic()
        sock.sendall(REQUEST)
        data = b""
        while not data.endswith(b"0\r\n\r\n"):
            chunk = sock.recv(65536)
            assert chunk, "the server closed the connection mid-response"
            reads.append((time.monotonic() - sent, chunk))
            data += chunk
    return reads


def test_headers_leave_at_once_when_the_first_event_is_due_later(serve: ServeFn) -> None:
    server = serve(
        """
        timing: {ttft: 1s}
        turns: ["Hello there"]
        """
    )
    reads = read_response(server.port)
    first_at, first = reads[0]
    assert first.startswith(b"HTTP/1.1 200")
    # Well before the first event is due, with room for a loaded machine.
    assert first_at < 0.8
    assert b"Hello" not in first
    assert reads[-1][0] >= 1.0


def test_a_paced_stream_keeps_its_gaps_and_journals_every_frame(serve: ServeFn) -> None:
    server = serve(
        """
        timing: {tokens_per_second: 20}
        turns:
          - text: "one two three four five six"
        """
    )
    reads = read_response(server.port)
    content_reads = [at for at, chunk in reads if b'"content":"' in chunk]
    assert reads[-1][0] > 0.2
    assert len(content_reads) >= 4
    call = server.journal.calls()[-1]
    assert call.completed
    assert call.frames_sent == 9  # role, six words, finish, [DONE]
    assert call.bytes_sent == len(dechunk(b"".join(chunk for _, chunk in reads)))


def dechunk(response: bytes) -> bytes:
    rest = response.split(b"\r\n\r\n", 1)[1]
    body = b""
    while True:
        size_line, rest = rest.split(b"\r\n", 1)
        size = int(size_line, 16)
        if size == 0:
            return body
        body, rest = body + rest[:size], rest[size + 2 :]


def test_a_client_leaving_during_a_long_silence_is_recorded_at_once(serve: ServeFn) -> None:
    server = serve(
        """
        timing: {ttft: 5s}
        turns: ["Hello there"]
        """
    )
    with socket.create_connection(("127.0.0.1", server.port)) as sock:
        sock.sendall(REQUEST)
        assert sock.recv(65536).startswith(b"HTTP/1.1 200")
    deadline = time.monotonic() + 1.5
    while not (server.journal.calls() and server.journal.calls()[-1].client_disconnected):
        assert time.monotonic() < deadline, "the disconnect was not noticed during the silence"
        time.sleep(0.01)
    call = server.journal.calls()[-1]
    assert (call.frames_sent, call.completed) == (1, False)  # the role chunk leaves with the head
    assert call.disconnected_after is not None
    assert call.disconnected_after < 1.0
