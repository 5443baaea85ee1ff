"""The only code that waits or touches the connection: it carries out a plan over ASGI.

Deadlines are absolute (start + offset / speed), so a stream that wakes late catches up on the
next frame instead of drifting. Client disconnects are noticed and recorded, and the stream
stops at once so thousands of abandoned streams cost nothing.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import socket
import struct
from collections.abc import Sequence
from http import HTTPStatus
from typing import Any

from mockserver.journal import Call
from mockserver.pacer import Pacer, plain
from mockserver.plan import Action, Close, Mark, Write
from mockserver.types import Receive, Send

logger = logging.getLogger("mockserver")

# A wait longer than this listens for the client going away instead of sleeping blind.
WATCH_THRESHOLD = 0.5


class Connection:
    """What the ASGI server exposes about the socket; uvicorn's cycle has both attributes.

    On uvicorn's httptools cycle, before its response has started, the head and the body are
    written straight to the socket (`direct`): framed as the server's `send` would frame them,
    chunked for HTTP/1.1 and delimited by the end of the connection for HTTP/1.0, without its
    checks on each header (ours are constants and ids) or an ASGI message per write. The head
    waits to leave with the first body bytes, in one system call. Under any other server the
    same calls become ASGI messages.
    """

    __slots__ = ("_chunked", "_cycle", "_direct", "_pending", "_receive", "_send")

    def __init__(self, send: Send, receive: Receive) -> None:
        self._send = send
        self._cycle = getattr(send, "__self__", None)
        self._receive = receive
        self._direct = False
        self._chunked = True
        self._pending = b""

    @property
    def disconnected(self) -> bool:
        # A failed write closes the transport at once but tells the server only on the next loop
        # turn; checking both stops a stream that is catching up from writing into a dead socket.
        if getattr(self._cycle, "disconnected", False):
            return True
        transport = getattr(self._cycle, "transport", None)
        return transport is not None and bool(transport.is_closing())

    @property
    def direct(self) -> bool:
        """Whether `start` chose to write to the socket itself."""
        return self._direct

    @property
    def write_paused(self) -> bool:
        return bool(self._cycle.flow.write_paused)  # type: ignore[union-attr]

    async def start(self, status: int, headers: list[tuple[bytes, bytes]]) -> None:
        cycle = self._cycle
        if writable(cycle):
            self._pending, self._chunked = response_head(cycle, status, headers)
            self._direct = True
        else:
            await self._send({"type": "http.response.start", "status": status, "headers": headers})

    def flush(self) -> None:
        """Send the head now if it is still waiting for body bytes."""
        if self._pending:
            pending, self._pending = self._pending, b""
            self._cycle.transport.write(pending)  # type: ignore[union-attr]

    def write_now(self, data: bytes) -> None:
        """Write one body part straight to the socket (direct only), the head first if waiting."""
        out = frame(data, chunked=self._chunked)
        if self._pending:
            out, self._pending = self._pending + out, b""
        if out:
            self._cycle.transport.write(out)  # type: ignore[union-attr]

    async def write(self, data: bytes) -> None:
        if not self._direct:
            await self._send({"type": "http.response.body", "body": data, "more_body": True})
            return
        if self.write_paused and not self.disconnected:
            await self._cycle.flow.drain()  # type: ignore[union-attr]
        self.write_now(data)

    async def finish(self, data: bytes = b"") -> None:
        """Write the last body part and end the response."""
        if not self._direct:
            await self._send({"type": "http.response.body", "body": data, "more_body": False})
            return
        if self.write_paused and not self.disconnected:
            await self._cycle.flow.drain()  # type: ignore[union-attr]
        out = self._pending + frame(data, chunked=self._chunked) + (END_OF_CHUNKS if self._chunked else b"")
        self._pending = b""
        if out:
            self._cycle.transport.write(out)  # type: ignore[union-attr]
        complete_response(self._cycle)

    async def wait(self, delay: float) -> bool:
        """Sleep `delay` seconds; True if the client went away meanwhile."""
        if delay < WATCH_THRESHOLD or self._cycle is None:
            await asyncio.sleep(delay)
            return self.disconnected
        try:
            message = await asyncio.wait_for(self._receive(), delay)
        except TimeoutError:
            return self.disconnected
        return message.get("type") == "http.disconnect" or self.disconnected

    async def close(self, *, reset: bool) -> None:
        transport = getattr(self._cycle, "transport", None)
        if transport is None:
            raise ConnectionAbortedError("the ASGI server gives no access to the connection")
        if reset:
            sock = transport.get_extra_info("socket")
            if sock is not None:
                # Linger 0 makes close() send RST instead of FIN.
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            transport.abort()
        else:
            self.flush()
            transport.close()
        await self.settle()

    async def settle(self) -> None:
        """Let the server see the connection go before the app returns, so it logs nothing."""
        for _ in range(100):
            if getattr(self._cycle, "disconnected", True):
                return
            await asyncio.sleep(0.001)


END_OF_CHUNKS = b"0\r\n\r\n"


def writable(cycle: Any) -> bool:
    """Whether a response may be written straight to `cycle`'s socket: uvicorn's httptools cycle
    before its response has started, whose `send` keeps no state per body part."""
    return (
        hasattr(cycle, "flow")
        and hasattr(cycle, "default_headers")
        and hasattr(cycle, "on_response")
        and getattr(cycle, "chunked_encoding", False) is not False
        and not getattr(cycle, "response_started", True)
    )


def response_head(cycle: Any, status: int, headers: list[tuple[bytes, bytes]]) -> tuple[bytes, bool]:
    """The head of a streamed response on uvicorn's httptools cycle, and whether its body is
    chunked: HTTP/1.0 has no chunks, so there the end of the connection ends the body. The
    cycle is marked started as its own `send` marks it: the server's default headers (date,
    server) first, then ours."""
    chunked = cycle.scope.get("http_version") != "1.0"
    content = [_status_line(status)]
    content.extend(b"%s: %s\r\n" % pair for pair in cycle.default_headers)
    content.extend(b"%s: %s\r\n" % pair for pair in headers)
    if not cycle.keep_alive:
        content.append(b"connection: close\r\n")
    content.append(b"transfer-encoding: chunked\r\n\r\n" if chunked else b"\r\n")
    cycle.response_started = True
    cycle.waiting_for_100_continue = False
    cycle.chunked_encoding = chunked
    return b"".join(content), chunked


def frame(data: bytes, *, chunked: bool) -> bytes:
    """One body part as it goes on the wire."""
    if not chunked or not data:
        return data
    return b"%x\r\n%b\r\n" % (len(data), data)


def complete_response(cycle: Any) -> None:
    """End the response on uvicorn's cycle as its `send` does after the last body part: the
    connection closes unless kept alive, and the next pipelined request starts."""
    cycle.response_complete = True
    cycle.message_event.set()
    if not cycle.keep_alive:
        cycle.transport.close()
    cycle.on_response()


@functools.cache
def _status_line(status: int) -> bytes:
    return b"HTTP/1.1 %d %s\r\n" % (status, HTTPStatus(status).phrase.encode())


async def send_body(
    send: Send,
    status: int,
    headers: list[tuple[bytes, bytes]],
    body: bytes,
    *,
    delay: float = 0.0,
    call: Call | None = None,
) -> None:
    """A whole answer at once, after `delay`; `call` is marked completed just before it leaves."""
    if delay > 0:
        await asyncio.sleep(delay)
    if call is not None:
        call.completed = True
    headers = [*headers, (b"content-length", b"%d" % len(body))]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body, "more_body": False})


async def hang_up(send: Send, receive: Receive, *, delay: float, reset: bool, call: Call, label: str) -> None:
    """Close the connection after `delay` without any response: no status line, no headers."""
    conn = Connection(send, receive)
    if delay > 0 and await conn.wait(delay):
        record_disconnect(call, delay)
        await conn.settle()
        return
    record_fault(call, label)
    await conn.close(reset=reset)


async def stream(
    send: Send,
    receive: Receive,
    *,
    status: int,
    headers: list[tuple[bytes, bytes]],
    actions: Sequence[Action],
    speed: float,
    call: Call,
    headers_delay: float = 0.0,
) -> None:
    """Send the head, then each action at its deadline; record how it ended on `call`."""
    conn = Connection(send, receive)
    loop = asyncio.get_running_loop()
    if headers_delay > 0 and await conn.wait(headers_delay / speed):
        record_disconnect(call, 0.0)
        await conn.settle()
        return
    start = loop.time()
    await conn.start(status, headers)
    first = 0
    if conn.direct:
        pacer = Pacer(conn, actions, start=start, speed=speed, call=call, watch_after=WATCH_THRESHOLD)
        done = await pacer.run(receive)
        if done is None:
            record_disconnect(call, loop.time() - start)
            await conn.settle()
            return
        first = done
        final = pacer.action(first) if first == len(actions) - 1 else None
        if final is not None and plain(final) and start + final.at / speed <= loop.time() and not conn.disconnected:
            assert isinstance(final, Write)
            call.frames_sent += final.frames
            call.bytes_sent += len(final.data)
            call.completed = True
            # The last write leaves with the end of the response, the head too if still waiting.
            await conn.finish(final.data)
            return
        conn.flush()
    last = len(actions) - 1
    for index in range(first, len(actions)):
        action = actions[index]
        delay = start + action.at / speed - loop.time()
        if (delay > 0 and await conn.wait(delay)) or conn.disconnected:
            record_disconnect(call, loop.time() - start)
            await conn.settle()
            return
        match action:
            case Write(data=data, frames=frames, label=label):
                if label is not None and label != "keepalive":
                    record_fault(call, label, loop.time() - start)
                # Counted before sending, so the journal never lags what the client has already read.
                call.frames_sent += frames
                call.bytes_sent += len(data)
                if index == last:
                    call.completed = True
                    await conn.finish(data)
                    return
                await conn.write(data)
            case Mark(label=label):
                record_fault(call, label, loop.time() - start)
            case Close(reset=reset, label=label):
                if label is not None:
                    record_fault(call, label, loop.time() - start)
                await conn.close(reset=reset)
                return
    call.completed = True
    await conn.finish()


def record_fault(call: Call, name: str, elapsed: float | None = None) -> None:
    """Journal and log a fault as it fires, so a test can assert on what happened and when."""
    call.faults.append(name)
    when = "" if elapsed is None else f" at={elapsed:.3f}s"
    logger.info("fault %s fired: %s%s", name, _describe(call), when)


def record_disconnect(call: Call, elapsed: float) -> None:
    call.client_disconnected = True
    call.disconnected_after = round(elapsed, 6)
    call.disconnected_after_frame = call.frames_sent
    logger.info("client disconnected: %s at=%.3fs", _describe(call), elapsed)


def _describe(call: Call) -> str:
    """One call on one log line: which request, which turn, how far its stream got."""
    return (
        f"{call.method} {call.path} scenario={call.scenario} turn={call.turn} "
        f"namespace={call.namespace!r} after_frame={call.frames_sent}"
    )
