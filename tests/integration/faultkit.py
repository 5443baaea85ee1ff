"""Helpers for fault tests over a real socket: scenarios with a fault mid-sentence, and waiting for
the server's side of a story the client has already finished reading."""

from __future__ import annotations

import time
from collections.abc import Callable

import httpx2

from mockserver import Call, MockServer
from mockserver.types import JSONObject

USER = [{"role": "user", "content": "Tell me something."}]


def mid_sentence(fault: str, *, extra: str = "") -> str:
    """A turn whose fault fires after "Hello there" and before the rest of the sentence."""
    return f"""
        turns:
          - steps:
              - text: "Hello there"
              - fault: {fault}
              - text: " and goodbye"
        {extra}
        """


def wait_for_calls(
    server: MockServer, done: Callable[[Call], bool], count: int = 1, timeout: float = 3.0
) -> list[Call]:
    """The journal once `count` calls satisfy `done`: the server may notice a client leaving a
    moment after the client has raised."""
    deadline = time.monotonic() + timeout
    while True:
        calls = server.journal.calls()
        if sum(done(c) for c in calls) >= count or time.monotonic() > deadline:
            return calls
        time.sleep(0.01)


def read_raw(url: str, payload: JSONObject, headers: dict[str, str] | None = None) -> tuple[bytes, Exception | None]:
    """The bytes of a streamed answer as they arrived, and the transport error that ended them, if any."""
    body = b""
    try:
        with httpx2.Client() as http, http.stream("POST", url, json=payload, headers=headers) as response:
            for piece in response.iter_raw():
                body += piece
    except httpx2.TransportError as exc:
        return body, exc
    return body, None
