"""Answers that are not a stream: an HTTP error in the dialect's own shape, or a whole JSON body,
either of which a fault may spoil on the way out."""

from __future__ import annotations

import json
import time

from mockserver import transport
from mockserver.chaos import ChaosPick
from mockserver.compiled import CompiledTurn
from mockserver.dialects.base import STATUS_MESSAGES, Dialect
from mockserver.errors import RequestError
from mockserver.faults import ERROR_STATUS, body_fault, break_json
from mockserver.journal import Call
from mockserver.plan import Action, Close, Write
from mockserver.scenario.model import Disconnect, HttpError, InvalidJson, Reset, Stall, StreamError, Truncate
from mockserver.types import Receive, Send


def response_headers(dialect: Dialect, nonce: str, content_type: bytes) -> list[tuple[bytes, bytes]]:
    headers = [
        (b"content-type", content_type),
        (b"cache-control", b"no-cache"),
        (dialect.request_id_header.encode(), f"req_{nonce}".encode()),
    ]
    headers.extend((k.encode(), v.encode()) for k, v in dialect.extra_headers)
    return headers


async def send_refusal(
    send: Send, dialect: Dialect, refusal: tuple[str, HttpError], call: Call, nonce: str, delay: float = 0.0
) -> None:
    """An HTTP error instead of the turn: the dialect's error body, and the headers the real
    API sends with that status (retry hints, rate-limit state)."""
    label, error = refusal
    message = error.message or STATUS_MESSAGES.get(error.status, "An error occurred.")
    refused = RequestError(message, status=error.status, kind=error.kind or "invalid_request_error")
    refused.request_id = f"req_{nonce}"
    body = dialect.render_error(refused)
    headers = response_headers(dialect, nonce, b"application/json")
    headers.extend((k.encode(), v.encode()) for k, v in dialect.error_headers(error, time.time()))
    call.status = error.status
    call.error = message
    transport.record_fault(call, label)
    await transport.send_body(send, error.status, headers, json.dumps(body).encode(), delay=delay)


async def send_answer(
    send: Send,
    receive: Receive,
    dialect: Dialect,
    compiled: CompiledTurn,
    body: bytes,
    call: Call,
    nonce: str,
    speed: float,
    chosen: ChaosPick | None,
) -> None:
    """The whole answer when generation would have finished, unless a fault spoils it first."""
    duration = compiled.due[-1] if compiled.due else 0.0
    delay = duration / speed
    headers = response_headers(dialect, nonce, b"application/json")
    spoiler = body_fault(compiled, chosen)
    if spoiler is not None:
        at, fault = spoiler
        match fault:
            case StreamError(error=error, message=message):
                status = ERROR_STATUS.get(error, 500)
                failed = HttpError(status=status, message=message)
                await send_refusal(send, dialect, ("error", failed), call, nonce, delay=at / speed)
                return
            case Disconnect() | Reset():
                label = "reset" if isinstance(fault, Reset) else "disconnect"
                reset = isinstance(fault, Reset)
                await transport.hang_up(send, receive, delay=at / speed, reset=reset, call=call, label=label)
                return
            case Truncate(bytes=size):
                call.status = 200
                actions: list[Action] = [Write(0.0, body[:size], 0), Close(0.0, label="truncate")]
                await transport.stream(
                    send,
                    receive,
                    status=200,
                    headers=headers,
                    actions=actions,
                    speed=speed,
                    call=call,
                    headers_delay=duration,
                )
                return
            case InvalidJson():
                body = break_json(b"data: " + body + b"\n").removeprefix(b"data: ").removesuffix(b"\n")
                transport.record_fault(call, "invalid_json")
            case Stall(seconds=seconds):
                delay += seconds / speed
                transport.record_fault(call, "stall")
            case _:
                pass
    call.status = 200
    await transport.send_body(send, 200, headers, body, delay=delay, call=call)
