"""Rendering a script as the Messages event stream, and as the message it assembles.

Named events (`event:` equal to the JSON `type`); the SDK drops data-only events. Content blocks
run one after another with indexes 0, 1, 2… because the SDK's stream helper appends each block
and addresses deltas by position. No `[DONE]`: the stream ends after `message_stop`.
"""

from __future__ import annotations

import json

from mockserver.dialects.anthropic_messages.errors import named_type
from mockserver.dialects.base import RenderContext, TokenUsage, dumps
from mockserver.events import (
    Failure,
    FaultPoint,
    Finish,
    MessageStart,
    ReasoningDelta,
    ReasoningEnd,
    ReasoningStart,
    Script,
    TextDelta,
    TextEnd,
    TextStart,
    ToolArgsDelta,
    ToolCallEnd,
    ToolCallStart,
    Wait,
)
from mockserver.scenario.model import StopReason
from mockserver.sse import Frame
from mockserver.types import JSONObject, JSONValue

STOP_REASONS = {
    StopReason.END: "end_turn",
    StopReason.TOOL_CALLS: "tool_use",
    StopReason.LENGTH: "max_tokens",
    StopReason.STOP_SEQUENCE: "stop_sequence",
    StopReason.REFUSAL: "refusal",
    StopReason.CONTENT_FILTER: "refusal",
}
# The recorded API streams write this one payload with a space after the colon.
PING = Frame('{"type": "ping"}', event="ping")


def _tool_use(ctx: RenderContext, index: int, name: str, given: str | None, arguments: JSONValue) -> JSONObject:
    return {
        "type": "tool_use",
        "id": given or f"toolu_{ctx.nonce}{index:02d}",
        "name": name,
        "caller": {"type": "direct"},
        "input": arguments,
    }


def _event(kind: str, **fields: JSONValue) -> Frame:
    return Frame(dumps({"type": kind, **fields}), event=kind)


def _usage(usage: TokenUsage, output_tokens: int) -> JSONObject:
    return {
        "input_tokens": usage.input_tokens,
        "cache_creation_input_tokens": usage.cache_creation_tokens,
        "cache_read_input_tokens": usage.cached_tokens,
        "cache_creation": {"ephemeral_5m_input_tokens": usage.cache_creation_tokens, "ephemeral_1h_input_tokens": 0},
        "output_tokens": output_tokens,
        "service_tier": "standard",
    }


def _delta_usage(usage: TokenUsage) -> JSONObject:
    """`message_delta` repeats the counts so far; the SDK overwrites its snapshot with them."""
    return {k: v for k, v in _usage(usage, usage.output_tokens).items() if k.endswith("tokens")}


def _stop(finish: Finish) -> JSONObject:
    stop = STOP_REASONS[finish.stop]
    details: JSONValue = {"type": "refusal", "category": None, "explanation": None} if stop == "refusal" else None
    sequence = finish.stop_sequence if finish.stop is StopReason.STOP_SEQUENCE else None
    return {"stop_reason": stop, "stop_sequence": sequence, "stop_details": details}


def _message(ctx: RenderContext, content: list[JSONValue], stop: JSONObject, output_tokens: int) -> JSONObject:
    return {
        "id": f"msg_{ctx.nonce}",
        "type": "message",
        "role": "assistant",
        "model": ctx.model,
        "content": content,
        **stop,
        "usage": _usage(ctx.usage, output_tokens),
    }


def render_stream(script: Script, ctx: RenderContext) -> tuple[tuple[Frame, ...], ...]:
    """One tuple of frames per event; a `ping` follows the first `content_block_start`."""
    block = -1
    pinged = False
    redacted = False
    tool_blocks: dict[int, int] = {}

    def start(content_block: JSONObject) -> tuple[Frame, ...]:
        nonlocal block, pinged
        block += 1
        frame = _event("content_block_start", index=block, content_block=content_block)
        if pinged:
            return (frame,)
        pinged = True
        return (frame, PING)

    def delta(index: int, body: JSONObject) -> Frame:
        return _event("content_block_delta", index=index, delta=body)

    frames: list[tuple[Frame, ...]] = []
    for event in script.events:
        match event:
            case MessageStart():
                message = _message(ctx, [], {"stop_reason": None, "stop_sequence": None, "stop_details": None}, 1)
                frames.append((_event("message_start", message=message),))
            case ReasoningStart(redacted=hidden):
                redacted = hidden
                # A redacted block carries its opaque data at start, which is known only at its end.
                frames.append(() if hidden else start({"type": "thinking", "thinking": "", "signature": ""}))
            case ReasoningDelta(text=text):
                frames.append(() if redacted else (delta(block, {"type": "thinking_delta", "thinking": text}),))
            case ReasoningEnd(signature=signature, redacted=True):
                opened = start({"type": "redacted_thinking", "data": signature})
                frames.append((*opened, _event("content_block_stop", index=block)))
            case ReasoningEnd(signature=signature):
                signed = delta(block, {"type": "signature_delta", "signature": signature})
                frames.append((signed, _event("content_block_stop", index=block)))
            case TextStart():
                frames.append(start({"type": "text", "text": ""}))
            case TextDelta(text=text):
                frames.append((delta(block, {"type": "text_delta", "text": text}),))
            case TextEnd() | ToolCallEnd():
                frames.append((_event("content_block_stop", index=block),))
            case ToolCallStart(index=index, name=name, call_id=given):
                opened = start(_tool_use(ctx, index, name, given, {}))
                tool_blocks[index] = block
                # The API opens every tool input with an empty fragment.
                frames.append((*opened, delta(block, {"type": "input_json_delta", "partial_json": ""})))
            case ToolArgsDelta(index=index, fragment=fragment):
                json_delta: JSONObject = {"type": "input_json_delta", "partial_json": fragment}
                frames.append((delta(tool_blocks[index], json_delta),))
            case Finish() as finish:
                usage = _delta_usage(ctx.usage)
                frames.append(
                    (_event("message_delta", delta=_stop(finish), usage=usage), _event("message_stop")),
                )
            case Failure(error=error, message=text):
                body: JSONObject = {"type": named_type(error) or "api_error", "message": text}
                frames.append((_event("error", error=body, request_id=f"req_{ctx.nonce}"),))
            case Wait() | FaultPoint():
                frames.append(())
    return tuple(frames)


def render_body(script: Script, ctx: RenderContext) -> JSONObject:
    """The assembled message a non-streaming request gets: the blocks the stream would build."""
    content: list[JSONValue] = []
    text: list[str] = []
    stop: JSONObject = _stop(Finish(StopReason.END))
    for event in script.events:
        match event:
            case TextStart():
                text.clear()
            case TextDelta(text=piece):
                text.append(piece)
            case TextEnd():
                content.append({"type": "text", "text": "".join(text)})
            case ReasoningEnd(signature=signature, redacted=True):
                content.append({"type": "redacted_thinking", "data": signature})
            case ReasoningEnd(text=thinking, signature=signature):
                content.append({"type": "thinking", "thinking": thinking, "signature": signature})
            case ToolCallEnd(index=index, name=name, call_id=given, arguments=arguments):
                content.append(_tool_use(ctx, index, name, given, json.loads(arguments) if arguments else {}))
            case Finish() as finish:
                stop = _stop(finish)
            case _:
                pass
    return _message(ctx, content, stop, ctx.usage.output_tokens)
