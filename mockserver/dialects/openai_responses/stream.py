"""Rendering a script as the Responses event stream, and as the response object it builds.

Every event is named by an `event:` line equal to its JSON `type` and numbered by a
`sequence_number` that starts at 0 and grows by one, counted here in the single rendering
pass. The stream ends with the terminal lifecycle event (`response.completed`,
`response.incomplete` or `response.failed`) and no `[DONE]` line, as the API sends it.

A mid-stream failure (`Failure`) is an `error` event followed by `response.failed`, the pair
seen in captured API streams when a response fails after it started. The `error` event keeps
`code`, `message` and `param` at the top level, as the SDK's `ResponseErrorEvent` types it:
the SDK then yields both events instead of raising, and its stream helper reports the
missing `response.completed`. The failed response's `error.code` uses the SDK's closed set.

Reasoning steps always stream as a summary (the API sends one when `reasoning.summary` is
asked for), so a scenario's reasoning text reaches every client.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass, field

from mockserver.dialects.base import RenderContext, TokenUsage, dumps
from mockserver.dialects.openai_responses.request import ResponsesOptions
from mockserver.events import (
    Event,
    Failure,
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
)
from mockserver.scenario.model import StopReason
from mockserver.sse import Frame
from mockserver.types import JSONObject, JSONValue

OBFUSCATION_BLOCK = 16
INCOMPLETE_REASONS = {StopReason.LENGTH: "max_output_tokens", StopReason.CONTENT_FILTER: "content_filter"}
# `Response.error.code` is a closed set in the SDK; anything else reads as a server error.
FAILURE_CODES = frozenset({"server_error", "rate_limit_exceeded", "invalid_prompt"})
FAILURE_ALIASES = {"rate_limit": "rate_limit_exceeded", "rate_limit_error": "rate_limit_exceeded"}


def response_id(nonce: str) -> str:
    return f"resp_{nonce}"


def _failure_code(error: str) -> str:
    code = FAILURE_ALIASES.get(error, error)
    return code if code in FAILURE_CODES else "server_error"


def _padding(delta: str, sequence: int) -> str:
    """The `obfuscation` filler the API adds to delta events (on unless the client opts out):
    random-looking characters that round the payload up; derived, so renders stay pure."""
    seed = hashlib.blake2b(f"{sequence}:{delta}".encode(), digest_size=16).digest()
    return base64.b64encode(seed, altchars=b"Zq").decode("ascii")[: OBFUSCATION_BLOCK - len(delta) % OBFUSCATION_BLOCK]


def _usage(usage: TokenUsage) -> JSONObject:
    return {
        "input_tokens": usage.input_tokens,
        "input_tokens_details": {
            "cached_tokens": usage.cached_tokens,
            "cache_write_tokens": usage.cache_creation_tokens,
        },
        "output_tokens": usage.output_tokens,
        "output_tokens_details": {"reasoning_tokens": usage.reasoning_tokens},
        "total_tokens": usage.total_tokens,
    }


@dataclass(slots=True)
class _Pass:
    """One walk over a script: the frames of each event, and the output items as they finish."""

    ctx: RenderContext
    options: ResponsesOptions
    stop: StopReason
    last_item: int
    sequence: int = 0
    output_index: int = -1
    output: list[JSONValue] = field(default_factory=list)
    tools: dict[int, tuple[int, str, str]] = field(default_factory=dict)
    hidden: bool = False

    def frame(self, kind: str, **fields: JSONValue) -> Frame:
        data: JSONObject = {"type": kind, "sequence_number": self.sequence, **fields}
        delta = fields.get("delta")
        if isinstance(delta, str) and self.options.obfuscation:
            data["obfuscation"] = _padding(delta, self.sequence)
        self.sequence += 1
        return Frame(dumps(data), event=kind)

    def response(self, status: str, *, error: JSONValue = None) -> JSONObject:
        """The response object every lifecycle event carries, at the given status."""
        ctx = self.ctx
        finished = status != "in_progress"
        incomplete = INCOMPLETE_REASONS.get(self.stop) if status == "incomplete" else None
        return {
            "id": response_id(ctx.nonce),
            "object": "response",
            "created_at": ctx.created,
            "status": status,
            "background": False,
            "completed_at": ctx.created if status == "completed" else None,
            "error": error,
            "incomplete_details": {"reason": incomplete} if incomplete else None,
            **ctx.echo,
            "model": ctx.model,
            "output": list(self.output) if finished else [],
            "previous_response_id": ctx.extra,
            "usage": _usage(ctx.usage) if finished and status != "failed" else None,
        }

    def item_status(self) -> str:
        """The item cut off by a limit is incomplete; every other item completed."""
        incomplete = self.stop in INCOMPLETE_REASONS and self.output_index == self.last_item
        return "incomplete" if incomplete else "completed"

    def start_item(self, item: JSONObject) -> Frame:
        self.output_index += 1
        return self.frame("response.output_item.added", output_index=self.output_index, item=item)

    def finish_item(self, item: JSONObject, index: int | None = None) -> Frame:
        self.output.append(item)
        at = self.output_index if index is None else index
        return self.frame("response.output_item.done", output_index=at, item=item)

    def item_id(self, prefix: str) -> str:
        return f"{prefix}_{self.ctx.nonce}{self.output_index:02d}"

    def render(self, event: Event) -> tuple[Frame, ...]:
        match event:
            case MessageStart():
                created = self.response("in_progress")
                return (
                    self.frame("response.created", response=created),
                    self.frame("response.in_progress", response=created),
                )
            case ReasoningStart() | ReasoningDelta() | ReasoningEnd():
                return self.reasoning(event)
            case TextStart() | TextDelta() | TextEnd():
                return self.text(event)
            case ToolCallStart() | ToolArgsDelta() | ToolCallEnd():
                return self.tool_call(event)
            case Finish():
                status = "incomplete" if self.stop in INCOMPLETE_REASONS else "completed"
                return (self.frame(f"response.{status}", response=self.response(status)),)
            case Failure(error=error, message=message):
                code = _failure_code(error)
                failed = self.response("failed", error={"code": code, "message": message})
                return (
                    self.frame("error", code=code, message=message, param=None),
                    self.frame("response.failed", response=failed),
                )
            case _:
                return ()

    def reasoning(self, event: ReasoningStart | ReasoningDelta | ReasoningEnd) -> tuple[Frame, ...]:
        # Redacted reasoning has no summary to show: only its item, carrying the opaque content.
        match event:
            case ReasoningStart(redacted=redacted):
                self.hidden = redacted
                added = self.start_item({"id": self.next_id("rs"), "type": "reasoning", "summary": []})
                if redacted:
                    return (added,)
                part: JSONObject = {"type": "summary_text", "text": ""}
                return (added, self.frame("response.reasoning_summary_part.added", **self.at("rs"), part=part))
            case ReasoningDelta(text=piece):
                if self.hidden:
                    return ()
                return (self.frame("response.reasoning_summary_text.delta", **self.at("rs"), delta=piece),)
            case ReasoningEnd(text=whole, signature=signature):
                summary: list[JSONValue] = [] if self.hidden else [{"type": "summary_text", "text": whole}]
                item: JSONObject = {"id": self.item_id("rs"), "type": "reasoning", "summary": summary}
                if self.hidden or self.options.encrypted_reasoning:
                    item["encrypted_content"] = signature
                if self.hidden:
                    return (self.finish_item(item),)
                part = {"type": "summary_text", "text": whole}
                return (
                    self.frame("response.reasoning_summary_text.done", **self.at("rs"), text=whole),
                    self.frame("response.reasoning_summary_part.done", **self.at("rs"), part=part),
                    self.finish_item(item),
                )

    def next_id(self, prefix: str) -> str:
        return f"{prefix}_{self.ctx.nonce}{self.output_index + 1:02d}"

    def at(self, prefix: str) -> JSONObject:
        """Where a part event points: its item, and the summary or content slot 0."""
        fields: JSONObject = {"item_id": self.item_id(prefix), "output_index": self.output_index}
        fields["summary_index" if prefix == "rs" else "content_index"] = 0
        return fields

    def text(self, event: TextStart | TextDelta | TextEnd) -> tuple[Frame, ...]:
        # A refusing turn says its text as a refusal part, which `output_text` leaves out.
        refusal = self.stop is StopReason.REFUSAL
        kind = "refusal" if refusal else "output_text"
        match event:
            case TextStart():
                item: JSONObject = {
                    "id": self.next_id("msg"),
                    "type": "message",
                    "status": "in_progress",
                    "content": [],
                    "role": "assistant",
                }
                added = self.start_item(item)
                return (added, self.frame("response.content_part.added", **self.at("msg"), part=self.part(kind, "")))
            case TextDelta(text=piece):
                if refusal:
                    return (self.frame("response.refusal.delta", **self.at("msg"), delta=piece),)
                return (self.frame("response.output_text.delta", **self.at("msg"), delta=piece, logprobs=[]),)
            case TextEnd(text=whole):
                done = (
                    self.frame("response.refusal.done", **self.at("msg"), refusal=whole)
                    if refusal
                    else self.frame("response.output_text.done", **self.at("msg"), text=whole, logprobs=[])
                )
                part = self.part(kind, whole)
                item = {
                    "id": self.item_id("msg"),
                    "type": "message",
                    "status": self.item_status(),
                    "content": [part],
                    "role": "assistant",
                }
                return (
                    done,
                    self.frame("response.content_part.done", **self.at("msg"), part=part),
                    self.finish_item(item),
                )

    @staticmethod
    def part(kind: str, text: str) -> JSONObject:
        if kind == "refusal":
            return {"type": "refusal", "refusal": text}
        return {"type": "output_text", "annotations": [], "logprobs": [], "text": text}

    def tool_call(self, event: ToolCallStart | ToolArgsDelta | ToolCallEnd) -> tuple[Frame, ...]:
        match event:
            case ToolCallStart(index=index, name=name, call_id=given):
                item_id = self.next_id("fc")
                call_id = given or f"call_{self.ctx.nonce}{index:02d}"
                self.tools[index] = (self.output_index + 1, item_id, call_id)
                item: JSONObject = {
                    "id": item_id,
                    "type": "function_call",
                    "status": "in_progress",
                    "arguments": "",
                    "call_id": call_id,
                    "name": name,
                }
                return (self.start_item(item),)
            case ToolArgsDelta(index=index, fragment=fragment):
                at, item_id, _ = self.tools[index]
                return (
                    self.frame(
                        "response.function_call_arguments.delta", item_id=item_id, output_index=at, delta=fragment
                    ),
                )
            case ToolCallEnd(index=index, name=name, arguments=arguments):
                at, item_id, call_id = self.tools[index]
                done = self.frame(
                    "response.function_call_arguments.done", item_id=item_id, output_index=at, arguments=arguments
                )
                item = {
                    "id": item_id,
                    "type": "function_call",
                    "status": self.item_status(),
                    "arguments": arguments,
                    "call_id": call_id,
                    "name": name,
                }
                return (done, self.finish_item(item, at))


def _pass(script: Script, ctx: RenderContext) -> _Pass:
    options = ctx.options if isinstance(ctx.options, ResponsesOptions) else ResponsesOptions()
    stop = next((e.stop for e in script.events if isinstance(e, Finish)), StopReason.END)
    items = sum(isinstance(e, ReasoningStart | TextStart | ToolCallStart) for e in script.events)
    return _Pass(ctx=ctx, options=options, stop=stop, last_item=items - 1)


def render_stream(script: Script, ctx: RenderContext) -> tuple[tuple[Frame, ...], ...]:
    walk = _pass(script, ctx)
    return tuple(walk.render(event) for event in script.events)


def render_body(script: Script, ctx: RenderContext) -> JSONObject:
    """The response object a terminal event carries: the non-streaming answer and the stored one."""
    walk = _pass(script, ctx)
    status = "in_progress"
    error: JSONValue = None
    for event in script.events:
        walk.render(event)
        match event:
            case Finish():
                status = "incomplete" if walk.stop in INCOMPLETE_REASONS else "completed"
            case Failure(error=kind, message=message):
                status, error = "failed", {"code": _failure_code(kind), "message": message}
            case _:
                pass
    return walk.response(status, error=error)
