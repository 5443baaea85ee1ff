"""Every kind of answer reaches every kind of HTTP client whole, on every kind of path.

HTTP/1.0 clients (ApacheBench, old proxies) get a body delimited by the end of the connection,
since chunked framing is HTTP/1.1's; `Connection: close` clients (Python's urllib) get the whole
response before the socket closes; pipelined requests are each answered in full, however long
the one before took. Checked over raw sockets, on bare paths (served without the ASGI app when
the stream is clean) and namespaced ones (always through it).
"""

from __future__ import annotations

import json
import socket
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from mockserver import MockLLM, MockServer
from tests.conftest import scenario

CHAT_BODY = {"model": "m", "stream": True, "messages": [{"role": "user", "content": "hi"}]}

# What each kind of answer is scripted as, and what its body must contain to be whole.
ANSWERS = {
    "plain": ('turns: ["Hello there, friend"]', CHAT_BODY, b"data: [DONE]"),
    "paced": (
        "turns:\n  - steps:\n      - text: Hello\n      - pause: 30ms\n      - text: ' there'\n",
        CHAT_BODY,
        b"data: [DONE]",
    ),
    "headers_delay": ("turns:\n  - text: Hello there\n    headers_delay: 20ms\n", CHAT_BODY, b"data: [DONE]"),
    "faulted": (
        "turns:\n  - steps:\n      - text: Hello\n      - fault: invalid_json\n      - text: ' there'\n",
        CHAT_BODY,
        b"data: [DONE]",
    ),
    "json": ('turns: ["Hello there, friend"]', {**CHAT_BODY, "stream": False}, b'"Hello there, friend"'),
}


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes
    chunked: bool


def request_bytes(path: str, body: dict[str, object], *, version: str = "1.1", extra: str = "") -> bytes:
    payload = json.dumps(body).encode()
    head = (
        f"POST {path} HTTP/{version}\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(payload)}\r\n{extra}\r\n"
    )
    return head.encode() + payload


def read_to_close(sock: socket.socket, timeout: float = 10.0) -> bytes:
    sock.settimeout(timeout)
    pieces = []
    while piece := sock.recv(1 << 16):
        pieces.append(piece)
    return b"".join(pieces)


def parse_responses(raw: bytes, *, delimited_by_close: bool = False) -> list[Response]:
    """Every response in `raw`, in order; the last may run to the end of the bytes."""
    found: list[Response] = []
    while raw:
        head, sep, rest = raw.partition(b"\r\n\r\n")
        assert sep, f"a response head with no end: {raw[:200]!r}"
        status_line, *lines = head.decode("latin-1").split("\r\n")
        headers = {}
        for line in lines:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        chunked = headers.get("transfer-encoding") == "chunked"
        if chunked:
            body = bytearray()
            while True:
                size_line, _, rest = rest.partition(b"\r\n")
                size = int(size_line, 16)
                body += rest[:size]
                assert rest[size : size + 2] == b"\r\n", "a chunk not followed by CRLF"
                rest = rest[size + 2 :]
                if size == 0:
                    break
            raw = rest
            found.append(Response(int(status_line.split()[1]), headers, bytes(body), True))
        elif "content-length" in headers:
            length = int(headers["content-length"])
            found.append(Response(int(status_line.split()[1]), headers, rest[:length], False))
            raw = rest[length:]
        else:
            assert delimited_by_close, f"a response with neither length nor chunks: {head!r}"
            found.append(Response(int(status_line.split()[1]), headers, rest, False))
            raw = b""
    return found


@pytest.fixture(params=["bare", "namespaced"])
def path_kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def target(shared_server: MockServer, path_kind: str) -> Iterator[MockServer | MockLLM]:
    if path_kind == "bare":
        yield shared_server
        shared_server.set_scenarios({})
    else:
        handle = shared_server.namespace()
        yield handle
        handle.delete()


def use(target: MockServer | MockLLM, yaml_text: str) -> None:
    if isinstance(target, MockServer):
        target.set_scenarios({"default": scenario(yaml_text)})
    else:
        target.use(yaml_text)


def chat_path(target: MockServer | MockLLM) -> str:
    return target.url.removeprefix(f"http://127.0.0.1:{_port(target)}") + "/v1/chat/completions"


def _port(target: MockServer | MockLLM) -> int:
    return target.port if isinstance(target, MockServer) else target.server.port


def exchange(target: MockServer | MockLLM, data: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", _port(target))) as sock:
        sock.sendall(data)
        return read_to_close(sock)


@pytest.mark.parametrize("answer", list(ANSWERS))
def test_an_http_1_0_client_gets_the_whole_answer_without_chunks_then_the_close(
    target: MockServer | MockLLM, answer: str
) -> None:
    yaml_text, body, whole = ANSWERS[answer]
    use(target, yaml_text)
    [response] = parse_responses(
        exchange(target, request_bytes(chat_path(target), body, version="1.0")), delimited_by_close=True
    )
    assert response.status == 200
    assert not response.chunked
    assert "transfer-encoding" not in response.headers
    assert whole in response.body


@pytest.mark.parametrize("answer", list(ANSWERS))
def test_a_connection_close_client_gets_the_whole_answer_before_the_socket_closes(
    target: MockServer | MockLLM, answer: str
) -> None:
    yaml_text, body, whole = ANSWERS[answer]
    use(target, yaml_text)
    raw = exchange(target, request_bytes(chat_path(target), body, extra="Connection: close\r\n"))
    [response] = parse_responses(raw)
    assert response.status == 200
    assert response.headers.get("connection") == "close"
    assert whole in response.body


@pytest.mark.parametrize("answer", list(ANSWERS))
def test_a_request_pipelined_behind_another_is_answered_whole_after_it(
    target: MockServer | MockLLM, answer: str
) -> None:
    yaml_text, body, whole = ANSWERS[answer]
    use(target, yaml_text)
    one = request_bytes(chat_path(target), body)
    last = request_bytes(chat_path(target), body, extra="Connection: close\r\n")
    responses = parse_responses(exchange(target, one + one + last))
    assert [r.status for r in responses] == [200, 200, 200]
    assert all(whole in r.body for r in responses)


def test_pythons_urllib_reads_a_stream_whole(target: MockServer | MockLLM) -> None:
    use(target, "turns:\n  - text: Hello there\n    headers_delay: 10ms\n")
    # The URL is the test server's own http:// one.
    request = urllib.request.Request(  # noqa: S310
        target.url + "/v1/chat/completions",
        data=json.dumps(CHAT_BODY).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310
        text = answer.read().decode()
    assert "Hello" in text
    assert text.rstrip().endswith("data: [DONE]")


def test_a_stream_pipelined_behind_a_short_one_outlasts_the_keep_alive_timeout() -> None:
    """The idle timer armed when the first response ends must not cut the second one."""
    slow = "turns:\n  - steps:\n      - text: Hello\n      - pause: 2s\n      - text: ' there'\n"
    quick = scenario('turns: ["Hi"]', "quick")
    with MockServer({"default": scenario(slow), "quick": quick}, keep_alive_timeout=1) as server:
        first = request_bytes("/v1/chat/completions", {**CHAT_BODY, "model": "quick"})
        second = request_bytes("/v1/chat/completions", CHAT_BODY, extra="Connection: close\r\n")
        responses = parse_responses(exchange(server, first + second))
    assert [r.status for r in responses] == [200, 200]
    assert b"there" in responses[1].body
    assert b"data: [DONE]" in responses[1].body
