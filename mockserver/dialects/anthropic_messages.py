"""Anthropic Messages, `POST /v1/messages` (and `/v1/messages/count_tokens`).

Named events (`event:` equal to the JSON `type`); the SDK drops data-only events. Content blocks
run one after another with indexes 0, 1, 2… because the SDK's stream helper appends each block
and addresses deltas by position. No `[DONE]`: the stream ends after `message_stop`.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from datetime import UTC, datetime

from mockserver.dialects.base import (
    Dialect,
    ParsedRequest,
    RenderContext,
    TokenUsage,
    dumps,
    is_retryable,
    retry_headers,
)
from mockserver.errors import RequestError
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
from mockserver.scenario.model import HttpError, StopReason
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
# Limits shown on a 429, per family (requests per minute, then tokens); only requests run out.
RATE_LIMITS = (("requests", 50), ("tokens", 80000), ("input-tokens", 40000), ("output-tokens", 16000))
# The recorded API streams write this one payload with a space after the colon.
PING = Frame('{"type": "ping"}', event="ping")
# Seconds of silence after which a stream sends `ping`, unless the turn sets its own interval.
KEEPALIVE_SECONDS = 5.0


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
                body: JSONObject = {"type": _named_type(error) or "api_error", "message": text}
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


STATUS_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    402: "billing_error",
    403: "permission_error",
    404: "not_found_error",
    408: "timeout_error",
    409: "conflict_error",
    413: "request_too_large",
    429: "rate_limit_error",
    500: "api_error",
    504: "timeout_error",
    529: "overloaded_error",
}
NEUTRAL_TYPES = {
    "overloaded": "overloaded_error",
    "rate_limit": "rate_limit_error",
    "rate_limit_exceeded": "rate_limit_error",
    "server_error": "api_error",
    "timeout": "timeout_error",
    "not_found": "not_found_error",
    "authentication": "authentication_error",
    "permission": "permission_error",
}


def _named_type(kind: str) -> str | None:
    if kind in NEUTRAL_TYPES:
        return NEUTRAL_TYPES[kind]
    return kind if kind.endswith("_error") or kind == "request_too_large" else None


def error_type(status: int, kind: str) -> str:
    """A type the error names (neutral or Anthropic's own) wins; the generic default goes by status."""
    named = _named_type(kind) if kind != "invalid_request_error" else None
    return named or STATUS_TYPES.get(status, "api_error" if status >= 500 else "invalid_request_error")


def render_error(error: RequestError) -> JSONObject:
    body: JSONObject = {
        "type": "error",
        "error": {"type": error_type(error.status, error.kind), "message": error.message},
    }
    if error.request_id is not None:
        body["request_id"] = error.request_id
    return body


def check_headers(headers: Mapping[str, str]) -> None:
    """The API rejects a request that carries no credentials; it accepts either header form."""
    if not headers.get("x-api-key") and not headers.get("authorization"):
        raise RequestError("x-api-key header is required", status=401, kind="authentication_error")


def _invalid(path: str, message: str) -> RequestError:
    """The API names the offending field as a dotted path, e.g. `messages.0.role: Field required`."""
    return RequestError(f"{path}: {message}", param=path)


def _required(body: JSONObject, key: str, where: str = "") -> JSONValue:
    if key not in body:
        raise _invalid(f"{where}{key}", "Field required")
    return body[key]


def _check_content(where: str, content: JSONValue) -> None:
    if isinstance(content, str):
        return
    if not isinstance(content, list):
        raise _invalid(where, "Input should be a valid string or a list of content blocks")
    for j, block in enumerate(content):
        if not isinstance(block, dict):
            raise _invalid(f"{where}.{j}", "Input should be a valid dictionary")
        if not isinstance(block.get("type"), str):
            raise _invalid(f"{where}.{j}.type", "Field required")


def _check_system(system: JSONValue) -> None:
    if system is None or isinstance(system, str):
        return
    if not isinstance(system, list):
        raise _invalid("system", "Input should be a valid string or a list of text blocks")
    for j, block in enumerate(system):
        if not isinstance(block, dict) or block.get("type") != "text" or not isinstance(block.get("text"), str):
            raise _invalid(f"system.{j}", "Input should be a text block with a string 'text'")


def _checked_messages(body: JSONObject) -> tuple[str, list[JSONObject]]:
    """The fields both `messages` and `count_tokens` require, validated as the API does."""
    model = _required(body, "model")
    if not isinstance(model, str):
        raise _invalid("model", "Input should be a valid string")
    messages = _required(body, "messages")
    if not isinstance(messages, list):
        raise _invalid("messages", "Input should be a valid list")
    if not messages:
        raise _invalid("messages", "at least one message is required")
    checked: list[JSONObject] = []
    for i, message in enumerate(messages):
        if not isinstance(message, dict):
            raise _invalid(f"messages.{i}", "Input should be a valid dictionary")
        if _required(message, "role", f"messages.{i}.") not in ("user", "assistant"):
            raise _invalid(f"messages.{i}.role", "Input should be 'user' or 'assistant'")
        _check_content(f"messages.{i}.content", _required(message, "content", f"messages.{i}."))
        checked.append(message)
    _check_system(body.get("system"))
    tools = body.get("tools")
    if tools is not None and not isinstance(tools, list):
        raise _invalid("tools", "Input should be a valid list")
    return model, checked


def _characters(content: JSONValue) -> int:
    if isinstance(content, str):
        return len(content)
    total = 0
    for block in content if isinstance(content, list) else ():
        if not isinstance(block, dict):
            continue
        match block.get("type"):
            case "text":
                total += _characters(block.get("text"))
            case "thinking":
                total += _characters(block.get("thinking"))
            case "tool_result":
                total += _characters(block.get("content"))
            case "tool_use":
                total += len(dumps(block.get("input")))
            case _:
                total += len(dumps(block))
    return total


def _text(content: JSONValue) -> str:
    """What a user message says, leaving out tool results so a prompt match holds across a tool loop."""
    if isinstance(content, str):
        return content
    blocks = content if isinstance(content, list) else []
    texts = [b.get("text") for b in blocks if isinstance(b, dict) and b.get("type") == "text"]
    return "\n".join(t for t in texts if isinstance(t, str))


def _input_tokens(body: JSONObject, messages: list[JSONObject]) -> int:
    characters = _characters(body.get("system")) + sum(_characters(m.get("content")) for m in messages)
    tools = body.get("tools")
    if tools:
        characters += len(dumps(tools))
    return math.ceil(characters / 4) + 3 * len(messages)


def parse_request(body: JSONObject) -> ParsedRequest:
    model, messages = _checked_messages(body)
    max_tokens = _required(body, "max_tokens")
    if isinstance(max_tokens, bool) or not isinstance(max_tokens, int):
        raise _invalid("max_tokens", "Input should be a valid integer")
    if max_tokens < 1:
        raise _invalid("max_tokens", "Input should be greater than or equal to 1")
    stream = body.get("stream")
    if stream is not None and not isinstance(stream, bool):
        raise _invalid("stream", "Input should be a valid boolean")
    stops = body.get("stop_sequences")
    if stops is not None and not (isinstance(stops, list) and all(isinstance(s, str) for s in stops)):
        raise _invalid("stop_sequences", "Input should be a valid list of strings")
    prompt = ""
    for message in messages:
        if message["role"] == "user":
            prompt = _text(message["content"]) or prompt
    assistant_turns = sum(1 for m in messages if m["role"] == "assistant")
    if messages[-1]["role"] == "assistant":
        # A trailing assistant message is a prefill the answer continues, not a finished turn.
        assistant_turns -= 1
    return ParsedRequest(
        model=model,
        stream=stream is True,
        prompt=prompt,
        assistant_turns=assistant_turns,
        input_tokens=_input_tokens(body, messages),
    )


def count_tokens(body: JSONObject) -> JSONObject:
    """`/v1/messages/count_tokens`: the same estimate a message's usage reports."""
    _, messages = _checked_messages(body)
    return {"input_tokens": _input_tokens(body, messages)}


def error_headers(error: HttpError, now: float) -> tuple[tuple[str, str], ...]:
    """Anthropic's error answers: `retry-after` when asked, `x-should-retry: true` on the errors
    the API wants retried (a 529 carries it), and on a 429 the `anthropic-ratelimit-*` family
    with RFC 3339 reset times."""
    headers = [h for h in retry_headers(error) if h[0] != "x-should-retry"]
    retry = error.should_retry if error.should_retry is not None else (is_retryable(error.status) or None)
    if retry is not None:
        headers.append(("x-should-retry", "true" if retry else "false"))
    if error.status == 429:
        wait = error.retry_after if error.retry_after is not None else 60.0
        reset = datetime.fromtimestamp(now + wait, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        for family, limit in RATE_LIMITS:
            remaining = 0 if family == "requests" else limit
            headers += [
                (f"anthropic-ratelimit-{family}-limit", str(limit)),
                (f"anthropic-ratelimit-{family}-remaining", str(remaining)),
                (f"anthropic-ratelimit-{family}-reset", reset),
            ]
    return tuple(headers)


DIALECT = Dialect(
    name="anthropic_messages",
    path="/v1/messages",
    request_id_header="request-id",
    parse_request=parse_request,
    render_stream=render_stream,
    render_body=render_body,
    render_error=render_error,
    keepalive=PING,
    default_keepalive=KEEPALIVE_SECONDS,
    check_headers=check_headers,
    json_endpoints=(("/v1/messages/count_tokens", count_tokens),),
    error_headers=error_headers,
)
