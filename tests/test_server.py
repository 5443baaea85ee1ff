"""The in-process server: how it listens."""

from __future__ import annotations

import socket

from mockserver.server import bind_socket


def test_listening_socket_turns_nagle_off_for_every_connection() -> None:
    # asyncio disables Nagle only on sockets whose proto is TCP; accepted sockets inherit both.
    sock = bind_socket("127.0.0.1", 0)
    try:
        assert sock.proto == socket.IPPROTO_TCP
        assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0
    finally:
        sock.close()


def test_binds_to_loopback_by_default() -> None:
    from mockserver import MockServer

    with MockServer() as server:
        assert server.url.startswith("http://127.0.0.1:")
