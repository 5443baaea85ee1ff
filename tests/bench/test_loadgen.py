"""The load generator's HTTP reading, fed by hand: what it counts must not depend on how reads split."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from mockserver.bench.loadgen import Sample, StreamProtocol
from mockserver.bench.report import percentile

HEAD = b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n"
EVENTS = [b'data: {"n":1}\n\n', b'data: {"n":2}\n\ndata: {"n":3}\n\n', b"data: [DONE]\n\n"]


def chunked(*parts: bytes) -> bytes:
    return b"".join(b"%x\r\n%b\r\n" % (len(p), p) for p in parts) + b"0\r\n\r\n"


class FakeTransport:
    def __init__(self) -> None:
        self.written: list[bytes] = []
        self.closed = False

    def write(self, data: bytes) -> None:
        self.written.append(data)

    def close(self) -> None:
        self.closed = True


@pytest.fixture
def loop() -> Iterator[asyncio.AbstractEventLoop]:
    loop = asyncio.new_event_loop()
    yield loop
    loop.close()


def protocol(loop: asyncio.AbstractEventLoop, requests: int = 1) -> tuple[StreamProtocol, Sample, FakeTransport]:
    sample = Sample()
    proto = StreamProtocol(b"POST / HTTP/1.1\r\n\r\n", sample, requests, loop.create_future())
    transport = FakeTransport()
    proto.connection_made(transport)  # type: ignore[arg-type]
    proto.send()
    return proto, sample, transport


@pytest.mark.parametrize("size", [1, 3, 7, 1000])
def test_events_are_counted_once_however_the_reads_split(loop: asyncio.AbstractEventLoop, size: int) -> None:
    proto, sample, transport = protocol(loop)
    wire = HEAD + chunked(*EVENTS)
    for i in range(0, len(wire), size):
        proto.data_received(wire[i : i + size])
    assert (sample.streams, sample.events, sample.errors) == (1, 4, 0)
    assert transport.closed


def test_a_keep_alive_connection_sends_the_next_request_when_a_response_ends(
    loop: asyncio.AbstractEventLoop,
) -> None:
    proto, _, transport = protocol(loop, requests=2)
    proto.data_received(HEAD + chunked(*EVENTS))
    assert len(transport.written) == 2
    assert not transport.closed


def test_each_read_with_events_after_the_first_gives_one_gap(loop: asyncio.AbstractEventLoop) -> None:
    proto, sample, _ = protocol(loop)
    proto.data_received(HEAD + b"%x\r\n%b\r\n" % (len(EVENTS[0]), EVENTS[0]))
    proto.data_received(b"%x\r\n%b\r\n" % (len(EVENTS[1]), EVENTS[1]))
    proto.data_received(chunked(EVENTS[2]))
    assert len(sample.gaps) == 2
    assert len(sample.first_byte) == 1


def test_an_error_status_is_an_error_not_a_stream(loop: asyncio.AbstractEventLoop) -> None:
    proto, sample, _ = protocol(loop)
    proto.data_received(b'HTTP/1.1 404 Not Found\r\ncontent-length: 11\r\n\r\n{"error":1}')
    assert (sample.streams, sample.error_kinds) == (0, {"HTTP 404": 1})


def test_a_connection_lost_mid_response_is_an_error(loop: asyncio.AbstractEventLoop) -> None:
    proto, sample, _ = protocol(loop)
    proto.data_received(HEAD + b"%x\r\n%b\r\n" % (len(EVENTS[0]), EVENTS[0]))
    proto.connection_lost(None)
    assert sample.error_kinds == {"connection closed mid-response": 1}


def test_percentiles_are_observed_values_by_nearest_rank() -> None:
    values = [float(v) for v in range(1, 101)]
    assert (percentile(values, 0.5), percentile(values, 0.99), percentile([], 0.5)) == (50.0, 99.0, None)
