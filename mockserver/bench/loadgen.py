"""The load generator: raw asyncio sockets speaking just enough HTTP/1.1 to time each SSE event.

A general HTTP client would spend more time parsing than the server spends serving, and the
figures would measure the client. Each connection is a `Protocol` that writes a prepared request,
decodes the chunked body in place and counts event boundaries (a blank line) per read, stamping
each read that completes events. Keep-alive connections send their next request as soon as the
previous response ends.
"""

from __future__ import annotations

import asyncio
import gc
import time
from dataclasses import dataclass, field
from typing import cast

CONNECT_CONCURRENCY = 256
# A generous bound on the time a server takes to accept one connection from its queue.
ACCEPT_SECONDS = 0.0002


@dataclass(slots=True)
class Sample:
    """What the client saw over one run, in seconds; the caller turns it into percentiles."""

    streams: int = 0
    events: int = 0
    errors: int = 0
    first_byte: list[float] = field(default_factory=list)
    gaps: list[float] = field(default_factory=list)
    error_kinds: dict[str, int] = field(default_factory=dict)

    def error(self, kind: str) -> None:
        self.errors += 1
        self.error_kinds[kind] = self.error_kinds.get(kind, 0) + 1


def build_request(host: str, port: int, path: str, body: bytes, headers: dict[str, str]) -> bytes:
    lines = [
        f"POST {path} HTTP/1.1",
        f"Host: {host}:{port}",
        "Content-Type: application/json",
        "Accept: text/event-stream",
        f"Content-Length: {len(body)}",
        *(f"{k}: {v}" for k, v in headers.items()),
    ]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


_HEAD, _SIZE, _DATA, _DATA_END, _TRAILER, _FIXED = range(6)


class StreamProtocol(asyncio.Protocol):
    """One keep-alive connection: requests back to back until `remaining` is used up or the deadline passes."""

    def __init__(self, request: bytes, sample: Sample, remaining: int, finished: asyncio.Future[None]) -> None:
        self.request = request
        self.sample = sample
        self.remaining = remaining
        self.deadline = float("inf")
        self.finished = finished
        self.in_flight = False
        self.transport: asyncio.Transport | None = None
        self.buf = b""
        self.state = _HEAD
        self.left = 0
        self.ok = True
        self.sent_at = 0.0
        self.first = 0.0
        self.last_event = 0.0
        self.last_byte = 0
        self.events = 0

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports implement the interface without subclassing it.
        self.transport = cast(asyncio.Transport, transport)

    def send(self) -> None:
        assert self.transport is not None
        self.remaining -= 1
        self.buf = b""
        self.state = _HEAD
        self.first = self.last_event = 0.0
        self.last_byte = self.events = 0
        self.in_flight = True
        self.sent_at = time.perf_counter()
        self.transport.write(self.request)

    def data_received(self, data: bytes) -> None:
        now = time.perf_counter()
        if not self.first:
            self.first = now
            self.sample.first_byte.append(now - self.sent_at)
        buf = self.buf + data if self.buf else data
        events = 0
        pos = 0
        end = len(buf)
        while pos < end:
            state = self.state
            if state in (_DATA, _FIXED):
                take = min(self.left, end - pos)
                piece = buf[pos : pos + take]
                events += piece.count(b"\n\n") + (self.last_byte == 10 and piece[0] == 10)
                self.last_byte = piece[-1]
                self.left -= take
                pos += take
                if not self.left:
                    if state == _FIXED:
                        self._done(now, events)
                        events = 0
                    else:
                        self.state = _DATA_END
                continue
            eol = buf.find(b"\r\n\r\n" if state == _HEAD else b"\r\n", pos)
            if eol < 0:
                break
            if state == _HEAD:
                self._head(buf[pos:eol])
                pos = eol + 4
                if self.state == _FIXED and not self.left:
                    self._done(now, events)
                    events = 0
            elif state == _SIZE:
                self.left = int(buf[pos:eol].split(b";", 1)[0], 16)
                self.state = _DATA if self.left else _TRAILER
                pos = eol + 2
            elif state == _DATA_END:
                self.state = _SIZE
                pos = eol + 2
            else:
                pos = eol + 2
                self._done(now, events)
                events = 0
        self.buf = buf[pos:]
        if events:
            self._events(now, events)

    def _head(self, head: bytes) -> None:
        status = head[9:12]
        self.ok = status == b"200"
        if not self.ok:
            self.sample.error(f"HTTP {status.decode('latin-1')}")
        lower = head.lower()
        if b"transfer-encoding: chunked" in lower:
            self.state = _SIZE
            return
        self.state = _FIXED
        self.left = 0
        for line in lower.split(b"\r\n"):
            if line.startswith(b"content-length:"):
                self.left = int(line[15:])

    def _events(self, now: float, count: int) -> None:
        if self.last_event:
            self.sample.gaps.append(now - self.last_event)
        self.last_event = now
        self.events += count

    def _done(self, now: float, events: int) -> None:
        if events:
            self._events(now, events)
        self.in_flight = False
        self.state = _HEAD
        if self.ok:
            self.sample.streams += 1
            self.sample.events += self.events
        if self.remaining > 0 and now < self.deadline:
            self.send()
        else:
            assert self.transport is not None
            self.transport.close()

    def connection_lost(self, exc: Exception | None) -> None:
        if self.in_flight:
            self.sample.error("connection closed mid-response")
        if not self.finished.done():
            self.finished.set_result(None)


async def run_load(
    host: str,
    port: int,
    request: bytes,
    *,
    connections: int,
    requests_per_connection: int = 1 << 62,
    duration: float = float("inf"),
    give_up_after: float,
) -> tuple[Sample, float]:
    """Open every connection first, then start them together; returns the sample and the seconds it took.

    Connecting (and letting the server accept) before sending keeps the listen backlog out of
    the figures: first-byte times measure the server answering requests, not accepting them.
    """
    loop = asyncio.get_running_loop()
    sample = Sample()
    gate = asyncio.Semaphore(CONNECT_CONCURRENCY)

    async def connect() -> tuple[StreamProtocol, asyncio.Future[None]] | None:
        finished: asyncio.Future[None] = loop.create_future()
        async with gate:
            try:
                _, protocol = await loop.create_connection(
                    lambda: StreamProtocol(request, sample, requests_per_connection, finished), host, port
                )
            except OSError as exc:
                sample.error(f"connect failed: {exc.strerror or exc}")
                return None
        return protocol, finished

    opened = [c for c in await asyncio.gather(*(connect() for _ in range(connections))) if c is not None]
    # A connection is open once the kernel has answered; give the server time to accept them all.
    await asyncio.sleep(len(opened) * ACCEPT_SECONDS)
    # The client's own collector pauses would show up as late events; it makes no cycles to collect.
    collecting = gc.isenabled()
    gc.disable()
    try:
        start = time.perf_counter()
        for protocol, _ in opened:
            protocol.deadline = start + duration
            protocol.send()
        pending = [finished for _, finished in opened]
        if pending:
            _, late = await asyncio.wait(pending, timeout=give_up_after)
            for protocol, finished in opened:
                if finished in late and protocol.transport is not None:
                    sample.error("timed out")
                    protocol.in_flight = False
                    protocol.transport.abort()
        return sample, time.perf_counter() - start
    finally:
        if collecting:
            gc.enable()
