"""What every dialect provides, and the helpers they share.

A dialect turns a request body into a neutral `ParsedRequest`, and a neutral `Script` into its
own frames and bodies. Renderers are pure: the same script and context always give the same
frames, which is what lets the server render a turn once and reuse it for every request.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass

from mockserver.errors import RequestError
from mockserver.events import Script
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


@dataclass(frozen=True, slots=True, kw_only=True)
class ParsedRequest:
    """A request in neutral terms: enough to pick a scenario turn and render it."""

    model: str
    stream: bool
    prompt: str
    assistant_turns: int
    input_tokens: int
    options: Hashable = None
    # Becomes the render context's `extra` for this request only (see compiled.Filler).
    extra: JSONValue = None
    previous_response_id: str | None = None
    # False when the client asks the API not to keep its response (Responses' `store`).
    store: bool = True


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


def dumps(value: JSONValue) -> str:
    """Compact JSON as the APIs send it; UTF-8 kept raw so a character can split across writes."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def estimate_tokens(text: str) -> int:
    """About four characters a token, the rule of thumb the providers document."""
    return max(1, math.ceil(len(text) / 4)) if text else 0


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
