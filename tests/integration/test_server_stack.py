"""The server runs on uvloop and httptools, and the transport still sees the connection behind them."""

from __future__ import annotations

import socket
import time

import pytest
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from mockserver import MockServer
from mockserver.app import create_app
from mockserver.config import ServerConfig
from mockserver.protocol import MockHttpProtocol
from mockserver.server import uvicorn_config
from tests.conftest import ServeFn, scenario


def test_uvicorn_runs_mockservers_protocol_on_httptools_and_uvloop() -> None:
    config = uvicorn_config(create_app(ServerConfig(), {}), ServerConfig())
    config.load()
    loop = config.get_loop_factory()
    assert config.http_protocol_class is MockHttpProtocol
    assert issubclass(MockHttpProtocol, HttpToolsProtocol)
    assert loop is not None
    assert type(loop()).__module__.startswith("uvloop")


def test_a_client_that_leaves_mid_stream_is_recorded_as_disconnected(serve: ServeFn) -> None:
    server = serve(
        """
        timing: {tokens_per_second: 20}
        turns:
          - text: "one two three four five six seven eight nine ten"
        """
    )
    body = b'{"model":"m","stream":true,"messages":[{"role":"user","content":"hi"}]}'
    request = (
        b"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        b"Content-Length: %d\r\n\r\n%b" % (len(body), body)
    )
    with socket.create_connection(("127.0.0.1", server.port)) as sock:
        sock.sendall(request)
        assert sock.recv(65536).startswith(b"HTTP/1.1 200")
    deadline = time.monotonic() + 2
    while not (server.journal.calls() and server.journal.calls()[-1].client_disconnected):
        assert time.monotonic() < deadline, "the disconnect was never recorded"
        time.sleep(0.01)
    call = server.journal.calls()[-1]
    assert not call.completed
    assert call.disconnected_after is not None
    assert call.disconnected_after < 0.4


def test_without_the_protocol_hooks_uvicorns_own_protocol_serves_every_request(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("mockserver.server.PROTOCOL_SUPPORTED", False)
    config = uvicorn_config(create_app(ServerConfig(), {}), ServerConfig())
    config.load()
    assert config.http_protocol_class is HttpToolsProtocol
    with MockServer(scenarios={"default": scenario('turns: ["Still served"]')}) as server:
        body = b'{"model":"m","stream":true,"messages":[{"role":"user","content":"hi"}]}'
        with socket.create_connection(("127.0.0.1", server.port)) as sock:
            sock.sendall(
                b"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                b"Content-Length: %d\r\n\r\n%b" % (len(body), body)
            )
            data = b""
            while not data.endswith(b"0\r\n\r\n"):
                piece = sock.recv(65536)
                assert piece, "the server closed the connection mid-response"
                data += piece
    assert b'"content":"Still"' in data
    assert b'"content":" served"' in data
