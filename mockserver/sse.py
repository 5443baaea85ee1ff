"""Server-Sent Events framing, kept apart from any dialect: a frame is an optional event name
and one line of data; the encoding is the only place that knows about line endings."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Frame:
    """One SSE event. OpenAI Chat sends data-only frames; Anthropic and Responses name them."""

    data: str
    event: str | None = None


def encode(frame: Frame, newline: str = "\n") -> bytes:
    # `id:` lines are never sent: the OpenAI SDK's decoder then dispatches empty events.
    if frame.event is None:
        return f"data: {frame.data}{newline}{newline}".encode()
    return f"event: {frame.event}{newline}data: {frame.data}{newline}{newline}".encode()


def comment(text: str, newline: str = "\n") -> bytes:
    """A comment line: every SSE client skips it, so it keeps a connection visibly alive."""
    return f": {text}{newline}{newline}".encode()
