"""What every dialect provides, and the helpers they share.

A dialect turns a request body into a neutral `ParsedRequest`, and a neutral `Script` into its
own frames and bodies. Renderers are pure: the same script and context always give the same
frames, which is what lets the server render a turn once and reuse it for every request.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass, field

from mockserver.errors import RequestError
from mockserver.events import Script
from mockserver.scenario.model import HttpError
from mockserver.sse import Frame
from mockserver.types import JSONObject, JSONValue


@dataclass(frozen=True, slots=True, kw_only=True)
class TokenUsage:
    """Usage as reported: input is estimated per request, output counted from the script."""

    input_tokens: int
    output_tokens: int
    total_tokens: int
    reasoning_tokens: int = 0
    cached_tokens: int = 0
    cache_creation_tokens: int = 0


@dataclass(frozen=True, slots=True, kw_only=True)
class RenderContext:
    """Everything per-request a renderer may print. `nonce` seeds every id in the response."""

    nonce: str
    model: str
    created: int
    usage: TokenUsage
    options: Hashable = None
    # One per-request JSON value a renderer may place (never inspect): it is filled in per
    # request like the nonce, so values unique to each request cost a replace, not a render.
    extra: JSONValue = None
    # Request settings a response object repeats (Responses' instructions, tools...), spliced in
    # as members after another one (`{"id": ..., **ctx.echo, ...}`) and, like `extra`, filled per
    # request: a render keyed by them would be redone, and kept, for every distinct request.
    echo: JSONObject = field(default_factory=dict)


@dataclass(frozen=True, slots=True, kw_only=True)
class ParsedRequest:
    """A request in neutral terms: enough to pick a scenario turn and render it."""

    model: str
    stream: bool
    prompt: str
    assistant_turns: int
    input_tokens: int
    options: Hashable = None
    # Become the render context's `extra` and `echo` for this request only (see compiled.Filler).
    extra: JSONValue = None
    echo: JSONObject | None = None
    previous_response_id: str | None = None
    # False when the client asks the API not to keep its response (Responses' `store`).
    store: bool = True


# Retried by both SDKs when the server says nothing (`_should_retry` in their base clients).
RETRYABLE_STATUSES = frozenset({408, 409, 429})
STATUS_MESSAGES = {
    400: "The request was invalid.",
    401: "Incorrect API key provided.",
    402: "Your credit balance is too low to access the API.",
    403: "You are not allowed to use this resource.",
    404: "The model does not exist or you do not have access to it.",
    408: "Request timed out.",
    409: "The request conflicts with another request.",
    413: "Request exceeds the maximum allowed size.",
    422: "The request could not be processed.",
    429: "Rate limit reached. Please try again later.",
    500: "The server had an error while processing your request.",
    502: "Bad gateway.",
    503: "The server is overloaded or not ready yet.",
    504: "Gateway timeout.",
    529: "Overloaded",
}


def is_retryable(status: int) -> bool:
    return status in RETRYABLE_STATUSES or status >= 500


def seconds_text(seconds: float) -> str:
    """`2` for whole seconds as the APIs send them; `0.2` when a scenario asks for less (both SDKs
    parse a float)."""
    return str(int(seconds)) if seconds == int(seconds) else f"{seconds:g}"


def retry_headers(error: HttpError, now: float = 0.0) -> tuple[tuple[str, str], ...]:
    """What every dialect sends: `retry-after` when asked, and `x-should-retry` when the scenario
    overrides the SDK's own choice. `now` (epoch seconds) is for dialects that print reset times."""
    headers: list[tuple[str, str]] = []
    if error.retry_after is not None:
        headers.append(("retry-after", seconds_text(error.retry_after)))
    if error.should_retry is not None:
        headers.append(("x-should-retry", "true" if error.should_retry else "false"))
    return tuple(headers)


# What both OpenAI dialects share: the error body's type by status, and the response headers.
OPENAI_ERROR_TYPES = {408: "timeout", 429: "rate_limit_exceeded"}
OPENAI_HEADERS = (("openai-version", "2020-10-01"), ("openai-processing-ms", "1"))


def openai_error(message: str, kind: str, param: str | None, code: str | None) -> JSONObject:
    """The inner error object; the SDK exposes it as `e.body` and reads `type`, `param`, `code`."""
    return {"message": message, "type": kind, "param": param, "code": code}


def render_openai_error(error: RequestError) -> JSONObject:
    kind = error.kind
    if kind == "invalid_request_error" and error.status >= 500:
        kind = "server_error"
    elif kind == "invalid_request_error":
        kind = OPENAI_ERROR_TYPES.get(error.status, kind)
    return {"error": openai_error(error.message, kind, error.param, error.code)}


def openai_error_headers(error: HttpError, now: float = 0.0) -> tuple[tuple[str, str], ...]:
    """OpenAI's error answers: `retry-after-ms` beside `retry-after` (the SDK reads the finer one
    first) and, on a 429, the `x-ratelimit-*` family showing the exhausted request budget."""
    headers = list(retry_headers(error))
    if error.retry_after is not None:
        headers.insert(1, ("retry-after-ms", str(round(error.retry_after * 1000))))
    if error.status == 429:
        reset = _go_duration(error.retry_after if error.retry_after is not None else 1.0)
        headers += [
            ("x-ratelimit-limit-requests", "10000"),
            ("x-ratelimit-remaining-requests", "0"),
            ("x-ratelimit-reset-requests", reset),
            ("x-ratelimit-limit-tokens", "30000000"),
            ("x-ratelimit-remaining-tokens", "29999000"),
            ("x-ratelimit-reset-tokens", "2ms"),
        ]
    return tuple(headers)


def _go_duration(seconds: float) -> str:
    """OpenAI writes reset times as Go durations: `120ms`, `20s`, `6m0s`."""
    if seconds < 1:
        return f"{round(seconds * 1000)}ms"
    minutes, rest = divmod(seconds, 60)
    return f"{int(minutes)}m{rest:g}s" if minutes else f"{rest:g}s"


@dataclass(frozen=True, slots=True, kw_only=True)
class Dialect:
    """One API's wire format. Each module in this package builds exactly one of these."""

    name: str
    path: str
    request_id_header: str
    parse_request: Callable[[JSONObject], ParsedRequest]
    render_stream: Callable[[Script, RenderContext], tuple[tuple[Frame, ...], ...]]
    render_body: Callable[[Script, RenderContext], JSONObject]
    render_error: Callable[[RequestError], JSONObject]
    keepalive: Frame | None = None
    extra_headers: tuple[tuple[str, str], ...] = ()
    # Seconds of silence after which a stream sends `keepalive`, when the turn sets no interval.
    default_keepalive: float | None = None
    # Raises the API's own error for a request whose headers it would refuse (e.g. no credentials).
    check_headers: Callable[[Mapping[str, str]], None] | None = None
    # Plain JSON-in, JSON-out endpoints beside the main one (path, answer), with the same errors.
    json_endpoints: tuple[tuple[str, Callable[[JSONObject], JSONObject]], ...] = ()
    # For APIs that keep what they answer (Responses): the id a response gets from its nonce.
    response_id: Callable[[str], str] | None = None
    # The headers of an HTTP error answer, given the error and the time (epoch seconds) it is sent.
    error_headers: Callable[[HttpError, float], tuple[tuple[str, str], ...]] = retry_headers


# One encoder for every call: json.dumps with these options builds a new one each time.
_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def dumps(value: JSONValue) -> str:
    """Compact JSON as the APIs send it; UTF-8 kept raw so a character can split across writes."""
    return _ENCODER.encode(value)


def estimate_tokens(characters: int) -> int:
    """About four characters a token, the rule of thumb the providers document."""
    return max(1, math.ceil(characters / 4)) if characters else 0


def text_of(content: JSONValue) -> str:
    """The text inside a message's content, whether a string or a list of typed parts."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        parts: list[str] = []
        for part in content:
            if isinstance(part, dict):
                for key in ("text", "content", "input_text", "output"):
                    value = part.get(key)
                    if isinstance(value, str):
                        parts.append(value)
                    elif isinstance(value, list):
                        parts.append(text_of(value))
            elif isinstance(part, str):
                parts.append(part)
        return "\n".join(parts)
    return ""


def require(body: JSONObject, key: str, kind: type | tuple[type, ...], description: str) -> JSONValue:
    """Read a field the API requires, or raise the error the API would send."""
    if key not in body:
        raise RequestError(f"Missing required parameter: '{key}'.", param=key, code="missing_required_parameter")
    value = body[key]
    if not isinstance(value, kind) or (isinstance(value, bool) and bool not in _as_tuple(kind)):
        raise RequestError(
            f"Invalid type for '{key}': expected {description}, but got {_json_type(value)} instead.",
            param=key,
            code="invalid_type",
        )
    return value


def optional(body: JSONObject, key: str, kind: type | tuple[type, ...], description: str) -> JSONValue:
    if body.get(key) is None:
        return None
    return require(body, key, kind, description)


def _as_tuple(kind: type | tuple[type, ...]) -> tuple[type, ...]:
    return kind if isinstance(kind, tuple) else (kind,)


def _json_type(value: object) -> str:
    match value:
        case None:
            return "null"
        case bool():
            return "a boolean"
        case int() | float():
            return "a number"
        case str():
            return "a string"
        case list():
            return "an array"
        case _:
            return "an object"
