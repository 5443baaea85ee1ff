"""The ceiling: a bare Starlette app streaming the very bytes mockserver would send, with no pipeline.

It parses the JSON body, then streams the turn's pre-encoded frames, sleeping to the same
absolute deadlines: one message per event, or with `--grouped` the frames that are due together
as one message, as mockserver writes them. Whatever mockserver costs beyond this is the price
of its pipeline. The app is written as a Starlette app usually is (`request.json()` and a
`StreamingResponse`); `--raw` makes the endpoint a bare ASGI callable instead, the least any
app behind Starlette's router can do, for a stricter floor.
Run as `python -m mockserver.bench.ceiling`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import socket
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from pathlib import Path

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from mockserver.compiled import Filler, TurnCache
from mockserver.dialects import DIALECTS
from mockserver.scenario.loader import load_scenarios
from mockserver.types import Receive, Scope, Send

Writes = tuple[tuple[float, bytes], ...]
HEADERS = [(b"content-type", b"text/event-stream; charset=utf-8"), (b"cache-control", b"no-cache")]


def stream_writes(scenarios: Path, name: str, path: str, *, grouped: bool) -> Writes:
    """The bytes of one answer, filled once, as (due, data) messages."""
    scenario = load_scenarios(scenarios)[name]
    dialect = next(d for d in DIALECTS if d.path == path)
    stream = TurnCache().stream(scenario, 0, dialect, None)
    fill = Filler(nonce="a" * 24, model="bench", created=1_735_689_600, input_tokens=5, total_tokens=105)
    pairs = [(at, data) for at, data, _ in stream.groups] if grouped else zip(stream.due, stream.frames, strict=True)
    return tuple((at, fill(data)) for at, data in pairs)


class _Endpoint:
    """A raw ASGI endpoint (an instance, so Starlette's Route calls it as an ASGI app)."""

    def __init__(self, writes: Writes) -> None:
        self.writes = writes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        body = b""
        more = True
        while more:
            message = await receive()
            body += message.get("body", b"")
            more = message.get("more_body", False)
        json.loads(body)
        await send({"type": "http.response.start", "status": 200, "headers": HEADERS})
        loop = asyncio.get_running_loop()
        start = loop.time()
        for at, data in self.writes:
            delay = start + at - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            await send({"type": "http.response.body", "body": data, "more_body": True})
        await send({"type": "http.response.body", "body": b"", "more_body": False})


def _streaming_endpoint(writes: Writes) -> Callable[[Request], Awaitable[Response]]:
    async def body() -> AsyncIterator[bytes]:
        loop = asyncio.get_running_loop()
        start = loop.time()
        for at, data in writes:
            delay = start + at - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            yield data

    async def endpoint(request: Request) -> Response:
        await request.json()
        return StreamingResponse(body(), media_type="text/event-stream; charset=utf-8")

    return endpoint


def ceiling_app(path: str, writes: Writes, *, raw: bool = False) -> Starlette:
    endpoint = _Endpoint(writes) if raw else _streaming_endpoint(writes)
    return Starlette(routes=[Route(path, endpoint, methods=["POST"])])


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m mockserver.bench.ceiling")
    parser.add_argument("--scenarios", type=Path, required=True)
    parser.add_argument("--scenario", required=True)
    parser.add_argument("--api", default="chat")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--grouped", action="store_true")
    parser.add_argument("--raw", action="store_true")
    args = parser.parse_args(argv)
    from mockserver.bench.workload import APIS

    path = APIS[args.api][0]
    app = ceiling_app(path, stream_writes(args.scenarios, args.scenario, path, grouped=args.grouped), raw=args.raw)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((args.host, args.port))
    sock.listen(4096)
    config = uvicorn.Config(app, lifespan="off", log_level="warning", access_log=False, backlog=4096)
    uvicorn.Server(config).run(sockets=[sock])


if __name__ == "__main__":
    main()
