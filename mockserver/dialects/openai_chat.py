"""OpenAI Chat Completions, `POST /v1/chat/completions`.

Data-only frames ending in `data: [DONE]`. The SDK's stream helper concatenates every string
it sees, so `role` and each tool call's `id`, `type` and `name` are sent exactly once.
"""

from __future__ import annotations

from dataclasses import dataclass

from mockserver.dialects.base import (
    OPENAI_HEADERS,
    Dialect,
    ParsedRequest,
    RenderContext,
    TokenUsage,
    dumps,
    estimate_tokens,
    openai_error,
    openai_error_headers,
    optional,
    render_openai_error,
    require,
    text_of,
)
from mockserver.errors import RequestError
from mockserver.events import (
    Failure,
    Finish,
    MessageStart,
    ReasoningDelta,
    Script,
    TextDelta,
    ToolArgsDelta,
    ToolCallEnd,
    ToolCallStart,
)
from mockserver.scenario.model import StopReason
from mockserver.sse import Frame
from mockserver.types import JSONObject, JSONValue

ROLES = frozenset({"developer", "system", "user", "assistant", "tool", "function"})
FINISH_REASONS = {
    StopReason.END: "stop",
    StopReason.TOOL_CALLS: "tool_calls",
    StopReason.LENGTH: "length",
    StopReason.CONTENT_FILTER: "content_filter",
    StopReason.STOP_SEQUENCE: "stop",
    StopReason.REFUSAL: "stop",
}
FINGERPRINT = "fp_6d0cbd5a1f"


@dataclass(frozen=True, slots=True)
class ChatOptions:
    include_usage: bool = False


def call_id(ctx: RenderContext, index: int, given: str | None) -> str:
    return given or f"call_{ctx.nonce}{index:02d}"


def parse_request(body: JSONObject) -> ParsedRequest:
    model = require(body, "model", str, "a string")
    messages = require(body, "messages", list, "an array of messages")
    assert isinstance(model, str)
    assert isinstance(messages, list)
    if not messages:
        raise RequestError(
            "Invalid 'messages': empty array. Expected an array with minimum length 1.",
            param="messages",
            code="empty_array",
        )
    assistant_turns = 0
    prompt = ""
    characters = 0
    for i, message in enumerate(messages):
        if not isinstance(message, dict):
            raise RequestError(f"Invalid type for 'messages[{i}]': expected an object.", param=f"messages[{i}]")
        role = message.get("role")
        if not isinstance(role, str) or role not in ROLES:
            raise RequestError(
                f"Invalid value for 'messages[{i}].role': expected one of {', '.join(sorted(ROLES))}.",
                param=f"messages[{i}].role",
                code="invalid_value",
            )
        text = text_of(message.get("content"))
        characters += len(text) + len(dumps(message.get("tool_calls"))) if "tool_calls" in message else len(text)
        if role == "assistant":
            assistant_turns += 1
        elif role == "user":
            prompt = text
    stream = optional(body, "stream", bool, "a boolean")
    n = optional(body, "n", int, "an integer")
    if n is not None and n != 1:
        raise RequestError(
            f"Invalid value for 'n': mockserver streams one choice per request, got n={n}. Send n=1 or omit it.",
            param="n",
            code="invalid_value",
        )
    stream_options = optional(body, "stream_options", dict, "an object")
    include_usage = False
    if isinstance(stream_options, dict):
        if not stream:
            raise RequestError(
                "The 'stream_options' parameter is only allowed when 'stream' is enabled.", param="stream_options"
            )
        include_usage = optional(stream_options, "include_usage", bool, "a boolean") is True
    tools = body.get("tools")
    tool_chars = len(dumps(tools)) if tools else 0
    return ParsedRequest(
        model=model,
        stream=stream is True,
        prompt=prompt,
        assistant_turns=assistant_turns,
        input_tokens=estimate_tokens(characters + tool_chars) + 3 * len(messages),
        options=ChatOptions(include_usage=include_usage),
    )


def _usage(usage: TokenUsage) -> JSONObject:
    return {
        "prompt_tokens": usage.input_tokens,
        "completion_tokens": usage.output_tokens,
        "total_tokens": usage.total_tokens,
        "prompt_tokens_details": {"cached_tokens": usage.cached_tokens, "audio_tokens": 0},
        "completion_tokens_details": {
            "reasoning_tokens": usage.reasoning_tokens,
            "audio_tokens": 0,
            "accepted_prediction_tokens": 0,
            "rejected_prediction_tokens": 0,
        },
    }


def render_stream(script: Script, ctx: RenderContext) -> tuple[tuple[Frame, ...], ...]:
    options = ctx.options if isinstance(ctx.options, ChatOptions) else ChatOptions()
    head: JSONObject = {
        "id": f"chatcmpl-{ctx.nonce}",
        "object": "chat.completion.chunk",
        "created": ctx.created,
        "model": ctx.model,
        "service_tier": "default",
        "system_fingerprint": FINGERPRINT,
    }
    tail: JSONObject = {"usage": None} if options.include_usage else {}
    has_text = any(isinstance(e, TextDelta) for e in script.events)
    # A refusing model streams its words as `refusal`, not `content` (recorded API behaviour).
    refusing = _refuses(script)
    text_field = "refusal" if refusing else "content"
    first_delta: JSONObject = {"role": "assistant", "content": None, "refusal": ""}
    if not refusing:
        first_delta = {"role": "assistant", "content": "" if has_text else None, "refusal": None}

    def chunk(delta: JSONObject, finish: str | None = None) -> Frame:
        choice: JSONObject = {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}
        return Frame(dumps({**head, "choices": [choice], **tail}))

    frames: list[tuple[Frame, ...]] = []
    for event in script.events:
        match event:
            case MessageStart():
                frames.append((chunk(first_delta),))
            case TextDelta(text=text):
                frames.append((chunk({text_field: text}),))
            case ReasoningDelta(text=text):
                # Not an official field: OpenAI-compatible reasoning servers send it, and the
                # SDK keeps it as an extra attribute on the delta and the final message.
                frames.append((chunk({"reasoning_content": text}),))
            case ToolCallStart(index=index, name=name, call_id=given):
                call: JSONValue = {
                    "index": index,
                    "id": call_id(ctx, index, given),
                    "type": "function",
                    "function": {"name": name, "arguments": ""},
                }
                frames.append((chunk({"tool_calls": [call]}),))
            case ToolArgsDelta(index=index, fragment=fragment):
                frames.append((chunk({"tool_calls": [{"index": index, "function": {"arguments": fragment}}]}),))
            case Finish(stop=stop):
                out = [chunk({}, FINISH_REASONS[stop])]
                if options.include_usage:
                    out.append(Frame(dumps({**head, "choices": [], "usage": _usage(ctx.usage)})))
                out.append(Frame("[DONE]"))
                frames.append(tuple(out))
            case Failure(error=error, message=message):
                frames.append((Frame(dumps({"error": openai_error(message, _stream_error_type(error), None, error)})),))
            case _:
                frames.append(())
    return tuple(frames)


def render_body(script: Script, ctx: RenderContext) -> JSONObject:
    text: list[str] = []
    reasoning: list[str] = []
    calls: list[JSONValue] = []
    stop = StopReason.END
    for event in script.events:
        match event:
            case TextDelta(text=piece):
                text.append(piece)
            case ReasoningDelta(text=piece):
                reasoning.append(piece)
            case ToolCallEnd(index=index, name=name, call_id=given, arguments=arguments):
                function: JSONObject = {"name": name, "arguments": arguments}
                calls.append({"id": call_id(ctx, index, given), "type": "function", "function": function})
            case Finish(stop=finish):
                stop = finish
            case _:
                pass
    refusing = _refuses(script)
    content = "".join(text) if text or not calls else None
    message: JSONObject = {
        "role": "assistant",
        "content": None if refusing else content,
        "refusal": content if refusing else None,
        "annotations": [],
    }
    if reasoning:
        message["reasoning_content"] = "".join(reasoning)
    if calls:
        message["tool_calls"] = calls
    return {
        "id": f"chatcmpl-{ctx.nonce}",
        "object": "chat.completion",
        "created": ctx.created,
        "model": ctx.model,
        "choices": [{"index": 0, "message": message, "logprobs": None, "finish_reason": FINISH_REASONS[stop]}],
        "usage": _usage(ctx.usage),
        "service_tier": "default",
        "system_fingerprint": FINGERPRINT,
    }


def _refuses(script: Script) -> bool:
    return any(isinstance(e, Finish) and e.stop is StopReason.REFUSAL for e in script.events)


def _stream_error_type(error: str) -> str:
    return {"overloaded": "server_error", "rate_limit": "rate_limit_exceeded", "api_error": "server_error"}.get(
        error, error
    )


DIALECT = Dialect(
    name="openai_chat",
    path="/v1/chat/completions",
    request_id_header="x-request-id",
    parse_request=parse_request,
    render_stream=render_stream,
    render_body=render_body,
    render_error=render_openai_error,
    keepalive=None,
    extra_headers=OPENAI_HEADERS,
    error_headers=openai_error_headers,
)
