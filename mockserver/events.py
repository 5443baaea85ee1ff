"""The abstract event script: what a turn says, in order, before any dialect shapes it.

Block boundaries are explicit (start, deltas, end) so that every renderer is a plain mapping
from events to frames: Anthropic content blocks, Responses output items and Chat tool-call
indexes all fall out of the same script. Pauses and faults stay in the script as markers so
that their position relative to the frames is exact.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass

from mockserver.scenario.model import (
    Fault,
    Pause,
    Reasoning,
    StopReason,
    StreamError,
    Text,
    ToolCall,
    Turn,
)


@dataclass(frozen=True, slots=True)
class MessageStart:
    """The stream opens: Chat's role chunk, Anthropic's message_start, Responses' created."""


@dataclass(frozen=True, slots=True)
class ReasoningStart:
    redacted: bool = False


@dataclass(frozen=True, slots=True)
class ReasoningDelta:
    text: str


@dataclass(frozen=True, slots=True)
class ReasoningEnd:
    text: str
    signature: str
    redacted: bool = False


@dataclass(frozen=True, slots=True)
class TextStart:
    pass


@dataclass(frozen=True, slots=True)
class TextDelta:
    text: str


@dataclass(frozen=True, slots=True)
class TextEnd:
    text: str


@dataclass(frozen=True, slots=True)
class ToolCallStart:
    index: int
    name: str
    call_id: str | None


@dataclass(frozen=True, slots=True)
class ToolArgsDelta:
    index: int
    fragment: str


@dataclass(frozen=True, slots=True)
class ToolCallEnd:
    index: int
    name: str
    call_id: str | None
    arguments: str


@dataclass(frozen=True, slots=True)
class Finish:
    stop: StopReason
    stop_sequence: str | None = None


@dataclass(frozen=True, slots=True)
class Wait:
    """Scripted silence; renders to no frames, only moves the clock."""

    seconds: float


@dataclass(frozen=True, slots=True)
class FaultPoint:
    """A transport fault that fires here, between the frames before and after it."""

    fault: Fault


@dataclass(frozen=True, slots=True)
class Failure:
    """The API's own mid-stream error; always the last event of its script."""

    error: str
    message: str


Event = (
    MessageStart
    | ReasoningStart
    | ReasoningDelta
    | ReasoningEnd
    | TextStart
    | TextDelta
    | TextEnd
    | ToolCallStart
    | ToolArgsDelta
    | ToolCallEnd
    | Finish
    | Wait
    | FaultPoint
    | Failure
)
TokenEvent = ReasoningDelta | TextDelta | ToolArgsDelta

ERROR_MESSAGES = {
    "overloaded": "Overloaded",
    "overloaded_error": "Overloaded",
    "rate_limit": "Rate limit reached. Please try again later.",
    "rate_limit_error": "Rate limit reached. Please try again later.",
    "api_error": "Internal server error",
    "server_error": "The server had an error while processing your request.",
    "timeout": "Request timed out.",
}


def signature_for(text: str) -> str:
    """An opaque, stable stand-in for the provider's reasoning signature."""
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return base64.b64encode(b"\x12\x08mock-sig" + digest * 2).decode("ascii")


@dataclass(frozen=True, slots=True)
class Script:
    """A turn's events plus the counts that usage reports, both fixed once per turn."""

    events: tuple[Event, ...]
    output_tokens: int
    reasoning_tokens: int

    @property
    def text(self) -> str:
        return "".join(e.text for e in self.events if isinstance(e, TextDelta))


def failure_for(fault: StreamError) -> Failure:
    return Failure(fault.error, fault.message or ERROR_MESSAGES.get(fault.error, "An error occurred."))


def script_for(turn: Turn) -> Script:
    """Lay a turn's steps out as events; adjacent text (or reasoning) steps share one block."""
    events: list[Event] = [MessageStart()]
    open_block: Text | Reasoning | None = None
    pending: list[str] = []
    redacted = False
    tool_index = 0
    output = reasoning = 0

    def close() -> None:
        nonlocal open_block
        if isinstance(open_block, Text):
            events.append(TextEnd("".join(pending)))
        elif isinstance(open_block, Reasoning):
            whole = "".join(pending)
            events.append(ReasoningEnd(whole, signature_for(whole), redacted))
        open_block = None
        pending.clear()

    for step in turn.steps:
        match step:
            case Text(pieces=pieces):
                if not isinstance(open_block, Text):
                    close()
                    open_block = step
                    events.append(TextStart())
                events.extend(TextDelta(p) for p in pieces)
                pending.extend(pieces)
                output += len(pieces)
            case Reasoning(pieces=pieces):
                if not isinstance(open_block, Reasoning):
                    close()
                    open_block, redacted = step, step.redacted
                    events.append(ReasoningStart(step.redacted))
                events.extend(ReasoningDelta(p) for p in pieces)
                pending.extend(pieces)
                output += len(pieces)
                reasoning += len(pieces)
            case ToolCall(name=name, call_id=call_id, fragments=fragments, arguments=arguments):
                close()
                events.append(ToolCallStart(tool_index, name, call_id))
                events.extend(ToolArgsDelta(tool_index, f) for f in fragments)
                events.append(ToolCallEnd(tool_index, name, call_id, arguments))
                output += len(fragments)
                tool_index += 1
            case Pause(seconds=seconds):
                events.append(Wait(seconds))
            case StreamError():
                events.append(failure_for(step))
                return Script(tuple(events), output, reasoning)
            case _:
                events.append(FaultPoint(step))
    close()
    events.append(Finish(turn.resolved_stop, turn.stop_sequence))
    return Script(tuple(events), output, reasoning)
