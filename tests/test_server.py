"""The in-process server: how it listens, and how it fails to start: ServerStartError saying why, never a hang."""

from __future__ import annotations

import asyncio
import logging
import socket
import sys
from collections.abc import Iterator

import pytest
import uvicorn

from mockserver import MockServer, ServerStartError
from mockserver.server import bind_socket


@pytest.fixture
def busy_port() -> Iterator[int]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield sock.getsockname()[1]


def test_a_port_in_use_is_a_start_error_naming_it(busy_port: int) -> None:
    server = MockServer({}, port=busy_port)
    with pytest.raises(ServerStartError, match=rf"cannot listen on 127\.0\.0\.1:{busy_port}: Address already in use"):
        server.start()
    assert not server.is_running


def test_a_server_that_exits_during_start_up_raises_with_its_log(monkeypatch: pytest.MonkeyPatch) -> None:
    async def failing_startup(self: uvicorn.Server, sockets: object = None) -> None:
        logging.getLogger("uvicorn.error").error("could not create the event loop server")
        sys.exit(3)

    monkeypatch.setattr(uvicorn.Server, "startup", failing_startup)
    with pytest.raises(ServerStartError) as raised:
        MockServer({}).start()
    message = str(raised.value)
    assert "stopped during start-up: SystemExit(3)" in message
    assert message.endswith("\n  ERROR: could not create the event loop server")


def test_a_server_that_does_not_come_up_in_time_raises(monkeypatch: pytest.MonkeyPatch) -> None:
    async def slow_startup(self: uvicorn.Server, sockets: object = None) -> None:
        await asyncio.sleep(0.5)
        raise SystemExit(1)

    monkeypatch.setattr(uvicorn.Server, "startup", slow_startup)
    with pytest.raises(ServerStartError, match=r"did not start within 0\.1 s"):
        MockServer({}, start_timeout=0.1).start()


def test_starting_twice_is_an_error() -> None:
    with MockServer({}) as server, pytest.raises(ServerStartError, match="already running"):
        server.start()


def test_the_url_of_a_server_not_running_says_how_to_start_it() -> None:
    with pytest.raises(ServerStartError, match=r"not running; call start\(\) or use it as a context manager"):
        _ = MockServer({}).url


def test_an_unknown_log_level_is_refused_before_starting() -> None:
    with pytest.raises(ValueError, match="unknown log level 'loud'"):
        MockServer({}, log_level="loud")


def test_stop_then_start_serves_again() -> None:
    server = MockServer({})
    with server:
        pass
    assert not server.is_running
    with server:
        assert server.is_running


def test_check_raises_several_failures_as_a_group() -> None:
    with MockServer({}) as server:
        for name in ("a", "b"):
            server.state.namespaces.get(name).errors.append(RuntimeError(name))
        with pytest.raises(ExceptionGroup, match="mockserver failed 2 times") as raised:
            server.check()
        assert sorted(str(e) for e in raised.value.exceptions) == ["a", "b"]
        server.check()


def test_listening_socket_turns_nagle_off_for_every_connection() -> None:
    # asyncio disables Nagle only on sockets whose proto is TCP; accepted sockets inherit both.
    sock = bind_socket("127.0.0.1", 0)
    try:
        assert sock.proto == socket.IPPROTO_TCP
        assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0
    finally:
        sock.close()


def test_binds_to_loopback_by_default() -> None:
    with MockServer() as server:
        assert server.url.startswith("http://127.0.0.1:")
