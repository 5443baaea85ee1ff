"""Anthropic's error answers: the `error.type` a status or a scenario's error names, the JSON
body, and the headers the SDK reads when it decides whether and when to retry."""

from __future__ import annotations

from datetime import UTC, datetime

from mockserver.dialects.base import is_retryable, retry_headers
from mockserver.errors import RequestError
from mockserver.scenario.model import HttpError
from mockserver.types import JSONObject

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
# Limits shown on a 429, per family (requests per minute, then tokens); only requests run out.
RATE_LIMITS = (("requests", 50), ("tokens", 80000), ("input-tokens", 40000), ("output-tokens", 16000))


def named_type(kind: str) -> str | None:
    """Anthropic's type for an error kind, neutral (`overloaded`) or its own; None if it names none."""
    if kind in NEUTRAL_TYPES:
        return NEUTRAL_TYPES[kind]
    return kind if kind.endswith("_error") or kind == "request_too_large" else None


def error_type(status: int, kind: str) -> str:
    """A type the error names (neutral or Anthropic's own) wins; the generic default goes by status."""
    named = named_type(kind) if kind != "invalid_request_error" else None
    return named or STATUS_TYPES.get(status, "api_error" if status >= 500 else "invalid_request_error")


def render_error(error: RequestError) -> JSONObject:
    body: JSONObject = {
        "type": "error",
        "error": {"type": error_type(error.status, error.kind), "message": error.message},
    }
    if error.request_id is not None:
        body["request_id"] = error.request_id
    return body


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
